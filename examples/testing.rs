//! How to test code that depends on an FC trait: against an embedded `LocalFc` (the real protocol, offline),
//! with a fake `Invoke` (canned answers, no server), or by overriding the trait's methods.
//!
//! ```text
//! cargo run --example testing
//! ```

use examples::{Greet, Greeting, demo_functions};
use fc_runtime::local::LocalFc;
use fc_runtime::{FcError, InvocationMeta, Invoke, InvokeRequest, InvokeResponse, fc_function, fc_service};

#[fc_service(service = "demo")]
pub trait Greeter {
    #[fc_function]
    async fn greet(&self, event: Greet) -> Result<Greeting, FcError>;
}

/// The code under test: it only knows the trait.
async fn welcome(greeter: &impl Greeter, name: &str) -> String {
    match greeter.greet(Greet { name: name.into() }).await {
        Ok(g) => g.greeting,
        Err(e) => format!("(could not greet {name}: {e})"),
    }
}

/// A fake at the protocol seam: every stub of every trait works on it.
struct CannedInvoke;

impl Invoke for CannedInvoke {
    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        assert_eq!(request.function, "greet");
        Ok(InvokeResponse::new(
            fc_runtime::StatusCode::OK,
            InvocationMeta::default(),
            r#"{"greeting":"Hi from a fake"}"#,
        ))
    }
}

impl Greeter for CannedInvoke {}

/// A fake at the trait: override the method, no JSON involved.
struct Unreachable;

impl Invoke for Unreachable {
    async fn invoke(&self, _: InvokeRequest) -> Result<InvokeResponse, FcError> {
        unreachable!("greet is overridden")
    }
}

impl Greeter for Unreachable {
    async fn greet(&self, _event: Greet) -> Result<Greeting, FcError> {
        Err(FcError::timeout(std::time::Duration::from_secs(1)))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fc = demo_functions(LocalFc::builder()).start().await?;
    let local = welcome(&fc.client(), "LocalFc").await;
    println!("with LocalFc:        {local}");
    assert_eq!(local, "Hello, LocalFc!");
    assert_eq!(fc.executions(("demo", "greet")), 1);

    let canned = welcome(&CannedInvoke, "anyone").await;
    println!("with a fake Invoke:  {canned}");
    assert_eq!(canned, "Hi from a fake");

    let failing = welcome(&Unreachable, "nobody").await;
    println!("with an override:    {failing}");
    assert!(failing.starts_with("(could not greet nobody"));
    println!("testing finished");
    Ok(())
}
