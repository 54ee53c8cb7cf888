//! Typed calls to Alibaba Cloud Function Compute (FC 2.0 and FC 3.0).
//!
//! Write the contract once as a trait; `#[fc_function]` writes the call:
//!
//! ```no_run
//! use fc_runtime::{fc_service, fc_function, Client, FcError, Invocation};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize)]
//! pub struct Greet { name: String }
//! #[derive(Deserialize)]
//! pub struct Greeting { greeting: String }
//!
//! #[fc_service(service = "demo")]
//! pub trait Demo {
//!     #[fc_function]
//!     async fn greet(&self, event: Greet) -> Result<Greeting, FcError>;
//!
//!     #[fc_function(function = "greet", log = "tail")]
//!     async fn greet_traced(&self, event: Greet) -> Result<Invocation<Greeting>, FcError>;
//! }
//!
//! # async fn run() -> Result<(), FcError> {
//! let client = Client::from_env()?;
//! let hello = client.greet(Greet { name: "world".into() }).await?;
//! println!("{}", hello.greeting);
//! # Ok(()) }
//! ```
//!
//! The pieces:
//! - [`Client`]: signs requests exactly as the official SDKs do ([`sign`]), retries only what cannot run a
//!   function twice ([`RetryPolicy`]), validates names, ids, header values and payload sizes before sending.
//! - [`Invoke`]: the one method generated code calls; implement it for test doubles.
//! - [`FcError`]: function errors (handled/unhandled), service errors, timeouts, transport, encode/decode,
//!   invalid input, configuration — one enum.
//! - `LocalFc` (feature `local`): an embedded Function Compute endpoint for tests and offline development.
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client;
pub mod credentials;
mod env;
mod error;
#[cfg(any(feature = "function", feature = "local"))]
pub mod function;
#[cfg(any(feature = "function", feature = "local"))]
mod net;
pub mod sign;
mod transport;
mod util;
mod wire;

#[cfg(feature = "local")]
pub mod local;

/// Typed events of every FC trigger: the [`fc_events`] crate (feature `events`).
#[cfg(feature = "events")]
pub use fc_events as events;

/// Calling a web function through its HTTP trigger: [`HttpTriggerClient`](http_trigger::HttpTriggerClient).
pub use client::manage;
pub use client::trigger as http_trigger;

pub use client::invoke::{Accepted, DynInvoke, Invocation, Invoke};
pub use client::listing::{InvocationStatus, ListFilter, SortOrder};
pub use client::request::{Api, ContentType, InvocationMode, InvocationType, InvokeRequest, LogType};
pub use client::response::{InvocationMeta, InvokeResponse};
pub use client::stateful::{FunctionRef, InvocationEvent, InvocationPage, StatefulInvocation};
pub use client::tasks::{AsyncTask, AsyncTaskPage, Fc3FunctionRef};
pub use client::validate::Limits;
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT};
pub use credentials::types::{Credentials, CredentialsProvider, Secret};
pub use env::{Clock, Environment};
pub use error::{
    ConfigError, CredentialsError, CredentialsErrorKind, DecodeError, Delivery, EncodeError, ErrorCode, FcError,
    FunctionError, FunctionErrorKind, HttpError, InputError, InputField, ServiceError, Setting, TimeoutError,
    TimeoutKind, TransportError,
};
pub use transport::RetryPolicy;

pub use fc_macros::{fc_function, fc_http, fc_service};

pub use bytes::Bytes;
pub use http::StatusCode;

/// The README's code blocks, compiled as doctests so that they stay true.
#[cfg(all(doctest, feature = "local", feature = "events"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// What `#[fc_service(…, server)]` wraps the function side in: the items, when the `function` feature (or `local`)
/// is on. Not a public API.
#[cfg(any(feature = "function", feature = "local"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __fc_function_side {
    ($($items:tt)*) => { $($items)* };
}

/// What `#[fc_service(…, server)]` wraps the function side in: without the `function` feature, one error saying so.
/// Not a public API.
#[cfg(not(any(feature = "function", feature = "local")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __fc_function_side {
    ($($items:tt)*) => {
        $crate::__fc_function_side_needs_the_feature!();
    };
}

/// The error of `#[fc_service(…, server)]` without the `function` feature (named on its own so that a test can
/// call it whatever the features). Not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __fc_function_side_needs_the_feature {
    ($($items:tt)*) => {
        ::core::compile_error!(
            "#[fc_service(…, server)] generates the function side, which needs fc-runtime's `function` feature: \
             `fc-runtime = { version = \"…\", features = [\"function\"] }` (`local` includes it)"
        );
    };
}

/// Support for the code `#[fc_function]` and `#[fc_service]` generate. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private;
