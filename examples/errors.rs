//! Every kind of failure, and what the client does with it: handled vs unhandled function errors, a service
//! error, a throttled call that is retried, a timeout that is reported and not re-sent, and an invalid id that
//! never leaves the process.
//!
//! ```text
//! cargo run --example errors
//! ```

use std::time::Duration;

use examples::{Target, demo_functions};
use fc_runtime::local::Fault;
use fc_runtime::{Accepted, FcError, FunctionErrorKind, RetryPolicy, fc_function, fc_service};
use serde::Serialize;

#[derive(Serialize)]
pub struct Sleep {
    pub ms: u64,
}

#[fc_service(service = "demo")]
pub trait Demo {
    #[fc_function]
    async fn echo(&self, value: u32) -> Result<u32, FcError>;
    #[fc_function]
    async fn fail(&self) -> Result<(), FcError>;
    #[fc_function]
    async fn crash(&self) -> Result<(), FcError>;
    #[fc_function]
    async fn sleep(&self, event: Sleep) -> Result<serde_json::Value, FcError>;
    #[fc_function(function = "does-not-exist")]
    async fn missing(&self) -> Result<(), FcError>;
    #[fc_function(function = "echo", invocation = "async")]
    async fn later(&self, #[fc(invocation_id)] id: &str) -> Result<Accepted, FcError>;
}

fn show(what: &str, result: Result<impl std::fmt::Debug, FcError>) {
    match result {
        Ok(v) => println!("{what}: ok {v:?}"),
        Err(FcError::Function(e)) => {
            let kind = if e.kind == FunctionErrorKind::Handled { "handled" } else { "unhandled" };
            println!("{what}: {kind} function error: {}", e.message);
        }
        Err(FcError::Service(e)) => println!("{what}: service error {} {}: {}", e.status.as_u16(), e.code, e.message),
        Err(FcError::Timeout(t)) => println!("{what}: timed out after {:?}, not re-sent", t.timeout),
        Err(FcError::InvalidInput(e)) => println!("{what}: refused before sending: {} {}", e.field, e.reason),
        Err(other) => println!("{what}: {other}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::start(demo_functions).await?;
    let client = target.client_builder()?.retry(RetryPolicy::attempts(4)).build()?;

    show("fail (the function reports an error)", client.fail().await);
    show("crash (the function panics)", client.crash().await);
    show("missing (no such function)", client.missing().await);

    if let Some(fc) = &target.local {
        fc.inject(Fault::throttle(2, fc_runtime::StatusCode::TOO_MANY_REQUESTS).for_function(("demo", "echo")));
        show("echo under a throttling burst", client.echo(7).await);
        println!(
            "  the server saw {} requests and ran the function {} time(s)",
            fc.requests(("demo", "echo")),
            fc.executions(("demo", "echo"))
        );
    } else {
        println!("echo under a throttling burst: skipped (fault injection needs the embedded LocalFc)");
    }

    // The same client, with a shorter timeout for one call.
    show(
        "sleep 1 s with a 200 ms timeout",
        client.with_timeout(Duration::from_millis(200)).sleep(Sleep { ms: 1000 }).await,
    );
    if let Some(fc) = &target.local {
        tokio::time::sleep(Duration::from_millis(900)).await;
        println!("  the function ran {} time(s)", fc.executions(("demo", "sleep")));
    }

    show("an invocation id that starts with a digit", client.later("1st job").await);
    println!("errors finished");
    Ok(())
}
