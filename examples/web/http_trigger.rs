//! Calls the demo web function through its HTTP trigger with the typed stubs of [`DemoWeb`] (`#[fc_http]`), signed as `authType = function` requires:
//! `FC_HTTP_TRIGGER_URL` with credentials from the default chain when it is set, else an embedded LocalFc serving
//! the demo web function behind its trigger (its key `testKeyId`).
//!
//! ```sh
//! cargo run --example http_trigger
//! FC_HTTP_TRIGGER_URL=https://web-demo-xxxx.cn-hangzhou.fcapp.run cargo run --example http_trigger
//! ```
//!
//! It calls `POST /greet`, `GET /echo?text=…`, `POST /bytes` (bytes that are not UTF-8), `POST /fail` (a typed
//! error: 500, `errorType` DemoError), `POST /greet` again with `X-Fc-Log-Type: Tail` and once with
//! `X-Fc-Invocation-Type: Async`, and, against its embedded LocalFc only, `GET /stream?lines=5`; it prints what it
//! got and exits 0 when every answer is as expected.

use std::process::ExitCode;

use examples::Greet;
use examples_web::DemoWeb;
use fc_runtime::http_trigger::HttpTriggerClient;
use fc_runtime::local::{DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, LocalFc};
use fc_runtime::{Credentials, FcError};

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => {
            println!("http_trigger finished");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("http_trigger failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let remote = std::env::var("FC_HTTP_TRIGGER_URL").ok().filter(|u| !u.is_empty());
    let (_local, client) = match remote {
        Some(url) => {
            println!("using the HTTP trigger at {url}");
            (None, HttpTriggerClient::builder(url).sign_with_default_chain().build()?)
        }
        None => {
            let fc = examples_web::demo_functions(LocalFc::builder()).start().await?;
            let url = fc.http_trigger_url("web").ok_or("the embedded LocalFc has no HTTP trigger")?.to_owned();
            println!("using an embedded LocalFc's HTTP trigger at {url}");
            let key = Credentials::new(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET);
            (Some(fc), HttpTriggerClient::builder(url).sign_with(key).build()?)
        }
    };
    let embedded = _local.is_some();

    let greeting = client.greet(&Greet { name: "HTTP".into() }).await?;
    check(&greeting.greeting, "Hello, HTTP!")?;
    println!("greet -> {}", greeting.greeting);

    let echoed = client.echo("a b&c").await?;
    check(&echoed, "a b&c")?;
    println!("echo -> {echoed}");

    let raw = [0u8, 159, 146, 150, 255];
    let bytes = client.bytes(&raw).await?;
    if bytes.as_ref() != raw.as_slice() {
        return Err(format!("bytes: sent {raw:?}, got {bytes:?}").into());
    }
    println!("bytes -> {} bytes back, as sent", bytes.len());

    match client.fail().await {
        Err(FcError::Http(e)) if e.status == 500 && e.error_type.as_deref() == Some("DemoError") => {
            println!(
                "fail -> HTTP {} {}: {}",
                e.status.as_u16(),
                e.error_type.as_deref().unwrap_or(""),
                e.error_message.as_deref().unwrap_or("")
            );
        }
        other => return Err(format!("fail: expected a 500 DemoError, got {other:?}").into()),
    }

    let traced = client.greet_traced(&Greet { name: "Tail".into() }).await?;
    let tail = traced.log_tail().unwrap_or_default();
    if !tail.contains("greeting Tail over HTTP") {
        return Err(format!("the Tail log lacks the function's line: {tail:?}").into());
    }
    println!(
        "greet with Tail -> {} (request {}), log:",
        traced.value.greeting,
        traced.request_id.as_deref().unwrap_or("?")
    );
    for line in tail.lines() {
        println!("    | {line}");
    }

    let accepted = client.greet_later(&Greet { name: "later".into() }).await?;
    check(&accepted.status.as_u16().to_string(), "202")?;
    println!("greet, async -> {} (request {})", accepted.status, accepted.request_id.as_deref().unwrap_or("?"));

    if embedded {
        let mut stream = client.stream(5).await?;
        let (mut chunks, mut text) = (0, String::new());
        while let Some(chunk) = stream.chunk().await? {
            chunks += 1;
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        check(&text.lines().count().to_string(), "5")?;
        println!("stream -> 5 lines in {chunks} chunks");
    }
    Ok(())
}

fn check(got: &str, expected: &str) -> Result<(), String> {
    if got == expected { Ok(()) } else { Err(format!("expected {expected:?}, got {got:?}")) }
}
