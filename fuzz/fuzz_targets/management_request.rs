//! LocalFc's management API, from fuzzed bytes: code packages checked before anything is written (every entry's
//! path, symlinks through any chain, sizes), and ACS3-signed management requests (routing, JSON bodies of every
//! operation, trigger configs including cron expressions and JWT and bearer auth configs, alias weights, async
//! configs, paging). The first byte chooses: a zip for the checker; a request as written (`METHOD PATH\nheaders\n\n
//! body`, signed); or the same against a function that already has a version and an alias, so that the fuzzer
//! reaches what needs one.
//!
//! Nothing fuzzed ever runs: an input naming a custom runtime is skipped, and every other runtime is stored without
//! being run, so a timer trigger's event is refused rather than executed.
#![no_main]

mod request_text;

use std::sync::OnceLock;
use std::time::Duration;

use fc_runtime::local::LocalFc;
use libfuzzer_sys::fuzz_target;
use request_text::{Parsed, parse};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::runtime::Runtime;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap())
}

/// A small package for the function made before a request of the third kind.
fn package() -> &'static [u8] {
    static ZIP: OnceLock<Vec<u8>> = OnceLock::new();
    ZIP.get_or_init(|| {
        fc_runtime::manage::CodePackage::new()
            .file("index.py", b"def handler(e, c): return e".to_vec())
            .finish()
            .unwrap()
    })
}

/// `method path` with `body`, ACS3-signed with LocalFc's default key.
fn acs3_signed(method: &str, path: &str, extra: &[(String, String)], body: &[u8]) -> Vec<u8> {
    request_text::acs3_request(method, path, extra, body)
}

/// Sends `request` on a fresh connection to `fc` and checks what comes back.
async fn exchange(fc: &LocalFc, request: Vec<u8>) -> Vec<u8> {
    let (mut client, conn) = tokio::io::duplex(64 * 1024);
    let serving = fc.serve_connection(conn);
    let talking = async {
        client.write_all(&request).await?;
        client.shutdown().await?;
        let mut answer = Vec::new();
        client.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    let (answer, ()) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(talking, serving) })
        .await
        .expect("a management request is answered and its connection closes");
    let answer = answer.unwrap_or_default();
    assert!(answer.is_empty() || answer.starts_with(b"HTTP/1.1 "), "{:?}", String::from_utf8_lossy(&answer));
    // A management answer is never a server error: LocalFc refuses what it cannot do with FC's 4xx.
    assert!(!answer.starts_with(b"HTTP/1.1 5"), "{:?}", String::from_utf8_lossy(&answer));
    answer
}

fn fc3_path(path: Option<String>) -> String {
    match path {
        Some(path) if path.starts_with("/2023-03-30/") => path,
        Some(path) => {
            format!("/2023-03-30/functions/f{}", if path.starts_with('/') { path } else { format!("/{path}") })
        }
        None => "/2023-03-30/functions".to_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    if mode % 3 == 0 {
        let _ = fc_runtime::local::fuzzing::zip_plan(rest);
        return;
    }
    // Nothing fuzzed may run: skip anything that could name a custom runtime.
    if rest.windows(6).any(|w| w.eq_ignore_ascii_case(b"custom")) {
        return;
    }
    let Parsed { method, path, headers, body } = parse(rest);
    let path = fc3_path(path);
    let method = method.to_ascii_uppercase();
    let _ = fc_runtime::local::fuzzing::management_route(&method.parse().unwrap_or(http::Method::POST), &path);
    runtime().block_on(async {
        let fc = LocalFc::builder().start().await.expect("LocalFc starts");
        if mode % 3 == 2 {
            let client = fc.client();
            use fc_runtime::manage::aliases::CreateAliasInput;
            use fc_runtime::manage::functions::CreateFunctionInput;
            client.create_function(&CreateFunctionInput::new("f", "python3.10").zip(package())).await.unwrap();
            client.publish_function_version("f", None).await.unwrap();
            client.create_alias("f", &CreateAliasInput::new("a", "1")).await.unwrap();
        }
        exchange(&fc, acs3_signed(&method, &path, &headers, body)).await;
        // Whatever the request made is listed without a failure.
        exchange(&fc, acs3_signed("GET", "/2023-03-30/functions", &[], b"")).await;
        fc.shutdown().await;
    });
});
