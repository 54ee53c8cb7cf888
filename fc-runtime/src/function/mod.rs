//! The function side of the contract: what an FC custom runtime needs to serve a trait's implementation.
//!
//! `#[fc_service(…, server)]` generates, next to the client stubs, a trait `{Trait}Server` with the same
//! methods over the same types (arguments owned, results without `FcError`), an associated `Error` type of the
//! author's choosing, the lifecycle hooks, and `into_router()`: a [`Router`] from function name to method.
//! Closures register on a router too ([`Router::json`], [`Router::bytes`]). A router is the one way a function
//! is hosted: [`serve`] (feature `function`) runs it as FC's custom-runtime HTTP server, and `LocalFc` (feature
//! `local`) runs it in process or forwards to a custom-runtime process as FC does.
//!
//! Inside a method, [`context()`] is the invocation's [`Context`]: request id, names, qualifier, version, region,
//! account, memory, deadline and the instance's temporary credentials, from which [`Context::client`] makes a
//! [`Client`](crate::Client) for typed calls to other functions.
//!
//! A method's error becomes a function error `{"errorMessage", "errorType"}`: a [`Failure`], made by
//! [`Failure::from_error`] from the author's error type (any `std::error::Error + Send + Sync`, `anyhow::Error`,
//! `Box<dyn Error + Send + Sync>`; the type's name becomes `errorType`, or the `Failure` the author chose), which
//! the client stub turns back into [`FcError::Function`](crate::FcError::Function) with the same
//! [`error_type`](crate::FunctionError::error_type).

mod codec;
mod context;
mod failure;
pub(crate) mod protocol;
mod router;
#[cfg(feature = "function")]
mod server;
pub(crate) mod web;

use std::future::Future;

pub use codec::decode_event;
#[cfg(feature = "function")]
pub(crate) use context::InstanceDefaults;
pub use context::{Context, ContextBuilder, LogLevel};
#[cfg(feature = "local")]
pub(crate) use context::{LogBuffer, MAX_INVOCATION_LOG};
pub use failure::{BoxError, Failure, error_types};
pub use router::{Lifecycle, Router};
#[cfg(feature = "function")]
pub use server::{BoundServer, DEFAULT_DRAIN_DEADLINE, MAX_EVENT, Server, serve, serve_io};
pub use web::{HttpService, WebBody, WebRequest, WebResponse, forbidden_response_header, full};

/// The variable naming the address a custom runtime listens on instead of `0.0.0.0` (FC requires `0.0.0.0`;
/// tests and local runs use `127.0.0.1`). Not an `FC_` name: FC reserves those.
pub const LISTEN_HOST_VAR: &str = "RUST_FC_LISTEN_HOST";

tokio::task_local! {
    static CURRENT: Context;
}

/// The context of the invocation being served, inside a method of a `{Trait}Server` (and anything it awaits).
/// `None` outside an invocation, and in tasks the method spawns: clone the context into them, or run them under
/// [`scope`].
///
/// A unit test calls a server method directly under [`scope`], with a context from [`Context::builder`]:
///
/// ```
/// use fc_runtime::function::{self, Context};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let ctx = Context::builder("req-1", "greet").region("cn-hangzhou").capture_log().build();
/// let seen = function::scope(ctx.clone(), async {
///     let ctx = function::context().expect("in scope");
///     ctx.log("greeting Ann");
///     ctx.region().map(str::to_owned)
/// })
/// .await;
/// assert_eq!(seen.as_deref(), Some("cn-hangzhou"));
/// assert!(ctx.logged_lines()[0].ends_with(" req-1 [INFO] greeting Ann"));
/// # }
/// ```
pub fn context() -> Option<Context> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `fut` with `ctx` as the current [`context()`]: for a test calling a server method directly (see
/// [`context()`]), or a task the method spawns.
pub fn scope<F: Future>(ctx: Context, fut: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(ctx, fut)
}

/// Helpers for the code `#[fc_service(…, server)]` generates. Not a public API.
#[doc(hidden)]
pub mod __generated {
    pub use super::codec::EventObject;
    use super::{Failure, codec};
    use bytes::Bytes;

    /// The whole event as one JSON value (an empty event is `null`).
    pub fn decode_event<T: serde::de::DeserializeOwned>(event: &Bytes) -> Result<T, Failure> {
        codec::decode_event(event)
    }

    /// The result as JSON.
    pub fn encode_result<T: serde::Serialize>(value: &T) -> Result<Bytes, Failure> {
        codec::encode_result(value)
    }

    /// The author's error as a function error.
    pub fn failure<E: Into<super::BoxError> + 'static>(e: E) -> Failure {
        Failure::from_error(e)
    }
}
