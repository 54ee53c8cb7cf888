//! LocalFc's request handling, from raw bytes on a connection: HTTP parsing, authentication, routing, headers,
//! limits, and the stateful store. Half of the inputs are turned into correctly signed requests so that the
//! fuzzer gets past authentication.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use fc_runtime::Limits;
use fc_runtime::local::{FunctionConfig, HandlerError, LocalFc, bytes_fn, json_fn};
use fc_runtime::sign::{SignableRequest, authorization};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::runtime::Runtime;

struct Server {
    runtime: Runtime,
    fc: LocalFc,
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let fc = runtime.block_on(async {
            LocalFc::builder()
                .function("svc", "echo", bytes_fn(|event, _ctx| async move { Ok::<_, HandlerError>(event) }))
                .function(
                    "svc",
                    "add",
                    json_fn(|(a, b): (i64, i64), _ctx| async move { Ok::<_, HandlerError>(a.wrapping_add(b)) }),
                )
                .function_with(
                    "svc",
                    "job",
                    FunctionConfig::new().stateful(true).retry_delay(Duration::ZERO),
                    bytes_fn(|event, _ctx| async move { Ok::<_, HandlerError>(event) }),
                )
                .versions("svc", 2)
                .alias("svc", "prod", "1")
                .limits(Limits::new(4096, 1024))
                .start()
                .await
                .unwrap()
        });
        Server { runtime, fc }
    })
}

/// `METHOD PATH\nname: value\n…\n\nbody`, signed with LocalFc's default key.
fn signed(input: &[u8]) -> Vec<u8> {
    let split = input.windows(2).position(|w| w == b"\n\n").unwrap_or(input.len());
    let (head, body) = (&input[..split], input.get(split + 2..).unwrap_or_default());
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let mut first = lines.next().unwrap_or_default().splitn(2, ' ');
    let method = first.next().filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic())).unwrap_or("POST");
    let path = first.next().filter(|p| p.starts_with('/') && !p.contains([' ', '\r'])).unwrap_or("/");
    let mut headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !k.contains(['\r', ' ']) && !v.contains('\r'))
        .collect();
    headers.push(("Date".into(), httpdate::fmt_http_date(SystemTime::now())));
    let (path_only, _) = path.split_once('?').unwrap_or((path, ""));
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let auth = authorization(
        "testKeyId",
        "testKeySecret",
        &SignableRequest { method, path: path_only, headers: &pairs, query: &[] },
    );
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: fuzz\r\nauthorization: {auth}\r\n").into_bytes();
    for (k, v) in &headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let request = if mode & 1 == 1 { signed(rest) } else { rest.to_vec() };
    let server = server();
    server.runtime.block_on(async {
        let (mut client, conn) = tokio::io::duplex(64 * 1024);
        let serving = tokio::spawn({
            let fc: &'static LocalFc = &server.fc;
            async move { fc.serve_connection(conn).await }
        });
        let exchange = async {
            let client = &mut client;
            client.write_all(&request).await?;
            client.shutdown().await?;
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        };
        let answer = tokio::time::timeout(Duration::from_secs(5), exchange).await;
        if let Ok(Ok(answer)) = &answer {
            // Whatever came back is an HTTP/1.x answer (1.0 requests get 1.0 answers) or nothing at all.
            assert!(
                answer.is_empty() || answer.starts_with(b"HTTP/1.0 ") || answer.starts_with(b"HTTP/1.1 "),
                "{:?}",
                String::from_utf8_lossy(answer)
            );
        }
        // With the client gone, the connection ends on its own: everything it allocated is freed before the
        // next input (a hang here is a finding too).
        drop(client);
        tokio::time::timeout(Duration::from_secs(5), serving)
            .await
            .expect("the connection closes once the client is gone")
            .expect("the connection task did not panic");
    });
});
