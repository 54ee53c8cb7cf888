//! LocalFc's request handling, from raw bytes on a connection: HTTP parsing, authentication (FC 2.0's signature
//! and FC 3.0's ACS3 verifier), routing, headers, limits, and the stateful and async-task stores. The first byte
//! chooses how the rest is sent: as it is, signed with FC 2.0's scheme, or signed with ACS3 (so that the fuzzer
//! gets past authentication and into the routes behind it).
#![no_main]

mod request_text;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use fc_runtime::Limits;
use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{FunctionConfig, LocalFc, Namespace};
use fc_runtime::sign::{SignableRequest, authorization};
use libfuzzer_sys::fuzz_target;
use request_text::{Parsed, parse};
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
                .router("svc", Router::new().bytes("echo", |event, _ctx| async move { Ok::<_, Failure>(event) }))
                .router(
                    "svc",
                    Router::new()
                        .json("add", |(a, b): (i64, i64), _ctx| async move { Ok::<_, Failure>(a.wrapping_add(b)) }),
                )
                .router_with(
                    "svc",
                    Router::new().bytes("job", |event, _ctx| async move { Ok::<_, Failure>(event) }),
                    FunctionConfig::new().stateful(true).retry_delay(Duration::ZERO),
                )
                .versions(("svc", "echo"), 2)
                .alias(("svc", "echo"), "prod", "1")
                .router(
                    Namespace::Fc3,
                    Router::new().bytes("echo", |event, _ctx| async move { Ok::<_, Failure>(event) }),
                )
                .router_with(
                    Namespace::Fc3,
                    Router::new().bytes("job", |event, _ctx| async move { Ok::<_, Failure>(event) }),
                    FunctionConfig::new().stateful(true).retry_delay(Duration::ZERO),
                )
                .versions("job", 2)
                .alias("job", "prod", "1")
                .limits(Limits::new(4096, 1024))
                .start()
                .await
                .unwrap()
        });
        Server { runtime, fc }
    })
}

/// The parsed input, signed with LocalFc's default key.
fn signed(input: &[u8]) -> Vec<u8> {
    let Parsed { method, path, mut headers, body } = parse(input);
    let (method, path) = (method.as_str(), path.as_deref().filter(|p| p.starts_with('/')).unwrap_or("/"));
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

/// The same input shape, signed with ACS3-HMAC-SHA256 (see `request_text::acs3_request`).
fn acs3_signed(input: &[u8]) -> Vec<u8> {
    let Parsed { method, path, headers, body } = parse(input);
    let path =
        path.as_deref().filter(|p| p.starts_with("/2023-03-30/")).unwrap_or("/2023-03-30/functions/echo/invocations");
    request_text::acs3_request(method.as_str(), path, &headers, body)
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let request = match mode % 3 {
        1 => signed(rest),
        2 => acs3_signed(rest),
        _ => rest.to_vec(),
    };
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
