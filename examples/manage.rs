//! A function's life through FC 3.0's management API: deploy, invoke, version, alias, update, canary, clean up.
//!
//! ```text
//! cargo run --example manage
//! ```
//!
//! Against an embedded LocalFc by default; with `FC_ENDPOINT` set, against that endpoint with the default
//! credentials chain (a real FC account needs the binary built for Linux: see the README's deploy section).
//!
//! The code it deploys is this very binary, zipped in memory as the function's `bootstrap` beside a `VERSION` file:
//! run by FC (or LocalFc) as a custom runtime, it serves the function `manage-demo`, which greets and says which
//! package it came from. The example publishes version 1, points the alias `prod` at it, deploys new code to
//! `LATEST` (so that `LATEST` and `prod` answer differently), publishes version 2, sends 10% of `prod` to it, and
//! deletes everything it made.

use std::collections::BTreeMap;
use std::process::ExitCode;

use fc_runtime::function::{Failure, Router};
use fc_runtime::manage::CodePackage;
use fc_runtime::manage::aliases::{CreateAliasInput, UpdateAliasInput};
use fc_runtime::manage::functions::{CreateFunctionInput, UpdateFunctionInput};
use fc_runtime::{Client, ErrorCode, FcError, InvokeRequest};

/// The function this example deploys.
const FUNCTION: &str = "manage-demo";

fn main() -> ExitCode {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    // Started by FC as the function's bootstrap: serve it.
    if std::env::var_os("FC_FUNCTION_NAME").is_some() {
        return match runtime.block_on(serve()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("serving failed: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("manage failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The function: greets, and says which package it runs from (the `VERSION` file beside the bootstrap, in the
/// code directory FC runs it in).
async fn serve() -> std::io::Result<()> {
    let router = Router::new().json(FUNCTION, |name: String, _ctx| async move {
        let code = std::env::var("FC_FUNC_CODE_PATH").unwrap_or_else(|_| ".".to_owned());
        let version = std::fs::read_to_string(std::path::Path::new(&code).join("VERSION"))
            .map_err(|e| Failure::new("NoVersion", format!("the package has no VERSION file: {e}")))?;
        Ok::<_, Failure>(format!("Hello, {name}! (code {})", version.trim()))
    });
    fc_runtime::function::serve(router).await
}

/// This binary as a code package: `bootstrap` and a `VERSION` file.
fn package(version: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let exe = std::fs::read(std::env::current_exe()?)?;
    Ok(CodePackage::new().executable("bootstrap", exe).file("VERSION", version.as_bytes().to_vec()).finish()?)
}

async fn greet(client: &Client, qualifier: &str) -> Result<String, FcError> {
    let request = InvokeRequest::fc3(FUNCTION).qualifier(qualifier.to_owned()).json_bytes(r#""Rust""#);
    let answer = client.invoke(request).await?;
    let text: String =
        serde_json::from_slice(&answer.body).map_err(|e| FcError::decode(e.to_string(), &answer.body, None))?;
    Ok(format!("{text} [version {}]", answer.meta.service_version.as_deref().unwrap_or("?")))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let local;
    let client = match std::env::var("FC_ENDPOINT") {
        Ok(endpoint) => {
            println!("using {endpoint} with the default credentials chain");
            Client::from_env()?
        }
        Err(_) => {
            println!("using an embedded LocalFc");
            local = fc_runtime::local::LocalFc::builder().start().await?;
            local.client()
        }
    };

    let started = std::time::Instant::now();
    let v1 = package("v1")?;
    println!(
        "packed this binary as bootstrap: {} bytes zipped, checksum {}",
        v1.len(),
        fc_runtime::manage::code_checksum(&v1)
    );
    let input = CreateFunctionInput::new(FUNCTION, "custom.debian12").zip(&v1).memory_size(256).timeout(30);
    let created = match client.create_function(&input).await {
        Err(e) if e.code() == Some(&ErrorCode::FunctionAlreadyExists) => {
            println!("{FUNCTION} exists: updating it instead");
            client.update_function(FUNCTION, &UpdateFunctionInput::new().zip(&v1)).await?
        }
        other => other?,
    };
    println!(
        "created {FUNCTION}: state {}, code {} bytes, in {:.1?}",
        created.state.as_deref().unwrap_or("?"),
        created.code_size.unwrap_or_default(),
        started.elapsed()
    );
    println!("LATEST -> {}", greet(&client, "LATEST").await?);

    let one = client.publish_function_version(FUNCTION, Some("first")).await?;
    let one = one.version_id.unwrap_or_default();
    println!("published version {one}");
    client.create_alias(FUNCTION, &CreateAliasInput::new("prod", &one)).await?;
    println!("alias prod -> version {one}");

    let v2 = package("v2")?;
    client.update_function(FUNCTION, &UpdateFunctionInput::new().zip(&v2)).await?;
    println!("updated the code of LATEST");
    println!("LATEST -> {}", greet(&client, "LATEST").await?);
    println!("prod   -> {}", greet(&client, "prod").await?);

    let two = client.publish_function_version(FUNCTION, Some("second")).await?;
    let two = two.version_id.unwrap_or_default();
    client.update_alias(FUNCTION, "prod", &UpdateAliasInput::version(&one).weight(&two, 0.1)).await?;
    println!("alias prod -> version {one}, 10% to version {two}");
    let mut ran = BTreeMap::<String, u32>::new();
    for _ in 0..20 {
        let answer = client.invoke(InvokeRequest::fc3(FUNCTION).qualifier("prod").json_bytes(r#""canary""#)).await?;
        *ran.entry(answer.meta.service_version.unwrap_or_default()).or_default() += 1;
    }
    let shares: Vec<String> = ran.iter().map(|(version, n)| format!("version {version}: {n}")).collect();
    println!("20 calls to prod -> {}", shares.join(", "));

    client.delete_alias(FUNCTION, "prod").await?;
    client.delete_function_version(FUNCTION, &one).await?;
    client.delete_function_version(FUNCTION, &two).await?;
    client.delete_function(FUNCTION).await?;
    println!("cleaned up: alias, versions and {FUNCTION} deleted");
    println!("manage finished in {:.1?}", started.elapsed());
    Ok(())
}
