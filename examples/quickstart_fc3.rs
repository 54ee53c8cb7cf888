//! The quickstart for FC 3.0 (API 2023-03-30): the same kind of typed trait, aimed at functions without a
//! service, signed with ACS3-HMAC-SHA256; a sync call, an `Invocation<T>` with its decoded log tail through the
//! alias `prod`, a handled error, and an async task followed to its end. Runs against an embedded LocalFc unless
//! FC_ENDPOINT or FC_ACCOUNT_ID is set.
//!
//! ```text
//! cargo run --example quickstart_fc3
//! ```

use std::time::Duration;

use examples::{Greet, Greeting, Lines, Target, demo_functions};
use fc_runtime::{Accepted, Fc3FunctionRef, FcError, FunctionErrorKind, Invocation, fc_function, fc_service};

/// The contract with the FC 3.0 functions, written once: `api = "3.0"`, and no service.
#[fc_service(api = "3.0")]
pub trait Demo3 {
    /// `{"name"}` → `{"greeting"}`.
    #[fc_function]
    async fn greet(&self, event: Greet) -> Result<Greeting, FcError>;

    /// Logs N lines and returns N, with the invocation's metadata and the last 4 KB of its log.
    #[fc_function(function = "log", qualifier = "prod", log = "tail")]
    async fn log_lines(&self, event: Lines) -> Result<Invocation<u64>, FcError>;

    /// Always fails with a handled error.
    #[fc_function]
    async fn fail(&self) -> Result<(), FcError>;

    /// Queues an echo as an async task named `task`.
    #[fc_function(function = "echo", invocation = "async")]
    async fn echo_later(&self, #[fc(invocation_id)] task: &str, value: u64) -> Result<Accepted, FcError>;
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::start(demo_functions).await?;
    let client = target.client()?;

    let greeting = client.greet(Greet { name: "FC 3.0".into() }).await?;
    println!("greet -> {}", greeting.greeting);

    let traced = client.log_lines(Lines { lines: 2 }).await?;
    println!("log -> {} (request {})", traced.value, traced.meta.request_id.as_deref().unwrap_or("?"));
    for line in traced.meta.log_tail.as_deref().unwrap_or("").lines() {
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

    let task_id = format!("quickstart_{}", std::process::id());
    let accepted = client.echo_later(&task_id, 42).await?;
    println!("echo_later -> accepted as task {}", accepted.invocation_id().unwrap_or("?"));
    let echo = Fc3FunctionRef::new("echo");
    let task = loop {
        let task = client.get_async_task(&echo, &task_id).await?;
        if task.status.as_ref().is_some_and(|s| s.is_terminal()) {
            break task;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!(
        "  task {} -> {} with {}",
        task_id,
        task.status.map(|s| s.to_string()).unwrap_or_default(),
        task.return_payload.unwrap_or_default()
    );
    println!("quickstart_fc3 finished");
    Ok(())
}
