//! The custom-runtime server, from raw bytes on a connection: HTTP parsing, routing by path and
//! `x-fc-control-path`, the context built from `x-fc-*` headers, dispatch by `x-fc-function-name`, event
//! decoding (one JSON argument, several, raw bytes), the hooks. Every answer must be an HTTP/1.x answer, and the
//! connection must end once the client is gone.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fc_runtime::Environment;
use fc_runtime::function::{__generated as g, Failure, Router, serve_io};
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::runtime::Runtime;

fn runtime() -> &'static (Runtime, Arc<Router>) {
    static SERVER: OnceLock<(Runtime, Arc<Router>)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let router = Router::new()
            .route("echo", |event, _ctx| async move { Ok::<_, Failure>(event) })
            .route("greet", |event, _ctx| async move {
                let name: String = g::decode_event(&event)?;
                g::encode_result(&format!("Hello, {name}!"))
            })
            .route("add", |event, _ctx| async move {
                let mut object = g::EventObject::parse(&event)?;
                let (a, b): (i64, i64) = (object.field("a")?, object.field("b")?);
                g::encode_result(&a.wrapping_add(b))
            })
            // A failing route, not a panicking one: libFuzzer's panic hook aborts on any panic, caught or not (the
            // panic guard is tested by the ordinary tests).
            .route("boom", |_event, _ctx| async move { Err::<fc_runtime::Bytes, _>(Failure::new("Boom", "boom")) })
            .on_initialize(|| async { Ok(()) });
        (runtime, Arc::new(router))
    })
}

fuzz_target!(|data: &[u8]| {
    let (runtime, router) = runtime();
    // Mostly well-formed invocations with fuzzed headers and bodies; a fifth of the inputs as they are.
    let request = match data.split_first() {
        Some((selector, rest)) if selector % 5 != 0 => {
            let split = rest.windows(2).position(|w| w == b"\n\n").unwrap_or(rest.len());
            let (head, body) = (&rest[..split], rest.get(split + 2..).unwrap_or_default());
            let mut out = b"POST /invoke HTTP/1.1\r\nhost: fuzz\r\n".to_vec();
            for line in head.split(|b| *b == b'\n') {
                if line.contains(&b':') && !line.contains(&b'\r') {
                    out.extend_from_slice(line);
                    out.extend_from_slice(b"\r\n");
                }
            }
            out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
            out
        }
        _ => data.to_vec(),
    };
    runtime.block_on(async {
        let (mut client, conn) = tokio::io::duplex(64 * 1024);
        let router = router.clone();
        let serving = tokio::spawn(async move {
            serve_io(router, &Environment::from_vars::<&str, &str>([]), conn).await;
        });
        let exchange = async {
            let client = &mut client;
            client.write_all(&request).await?;
            client.shutdown().await?;
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        };
        if let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(5), exchange).await {
            assert!(
                answer.is_empty() || answer.starts_with(b"HTTP/1.0 ") || answer.starts_with(b"HTTP/1.1 "),
                "{:?}",
                String::from_utf8_lossy(&answer)
            );
        }
        drop(client);
        tokio::time::timeout(Duration::from_secs(5), serving)
            .await
            .expect("the connection closes once the client is gone")
            .expect("the connection task did not panic");
    });
});
