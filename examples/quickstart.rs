//! A typed trait, a sync call, an `Invocation<T>` with its metadata and decoded log tail, and a handled error
//! matched by kind. Runs against an embedded LocalFc unless FC_ENDPOINT or FC_ACCOUNT_ID is set.
//!
//! ```text
//! cargo run --example quickstart
//! ```

use examples::{Greet, Greeting, Lines, Target, demo_functions};
use fc_runtime::{FcError, FunctionErrorKind, Invocation, fc_function, fc_service};

/// The contract with the `demo` service, written once.
#[fc_service(service = "demo")]
pub trait Demo {
    /// `{"name"}` → `{"greeting"}`.
    #[fc_function]
    async fn greet(&self, event: Greet) -> Result<Greeting, FcError>;

    /// Logs N lines and returns N, with the invocation's metadata and the last 4 KB of its log.
    #[fc_function(function = "log", qualifier = "prod", log = "tail")]
    async fn log_lines(&self, event: Lines) -> Result<Invocation<u64>, FcError>;

    /// Always fails with a handled error.
    #[fc_function]
    async fn fail(&self) -> Result<(), FcError>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::start(demo_functions).await?;
    let client = target.client()?;

    let greeting = client.greet(Greet { name: "Rust".into() }).await?;
    println!("greet -> {}", greeting.greeting);

    let traced = client.log_lines(Lines { lines: 3 }).await?;
    let meta = &traced.meta;
    println!(
        "log -> {} (request {}, version {})",
        traced.value,
        meta.request_id.as_deref().unwrap_or("?"),
        meta.service_version.as_deref().unwrap_or("?")
    );
    println!(
        "  duration {:?}, max memory {:?} MB",
        meta.duration.unwrap_or_default(),
        meta.max_memory_mb.unwrap_or_default()
    );
    println!("  log tail:");
    for line in meta.log_tail.as_deref().unwrap_or("").lines() {
        println!("    | {line}");
    }

    match client.fail().await {
        // Branch on the function's own `errorType`: it reaches the caller the same way whoever hosts the
        // function, while the kind does not (FC reports every failure of a custom runtime as unhandled).
        Err(FcError::Function(e)) if e.error_type.as_deref() == Some("DemoError") => {
            let kind = if e.kind == FunctionErrorKind::Handled { "handled" } else { "unhandled" };
            println!("fail -> {kind} error DemoError: {}", e.message);
        }
        Err(other) => return Err(other.into()),
        Ok(()) => return Err("the fail function unexpectedly succeeded".into()),
    }
    println!("quickstart finished");
    Ok(())
}
