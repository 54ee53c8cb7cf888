//! Functions hosted by `LocalFc`: Rust closures over serde types or raw bytes.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::credentials::BoxFuture;

/// What a hosted function receives besides its event.
#[derive(Clone)]
pub struct Context {
    pub(crate) request_id: String,
    pub(crate) service: String,
    pub(crate) function: String,
    pub(crate) qualifier: String,
    pub(crate) invocation_id: Option<String>,
    pub(crate) attempt: u32,
    pub(crate) log: Arc<Mutex<Vec<u8>>>,
    pub(crate) headers: Arc<http::HeaderMap>,
    /// The credentials FC would give the function's role: LocalFc's first key.
    pub(crate) role: Option<crate::Credentials>,
    pub(crate) account_id: Option<String>,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id)
            .field("service", &self.service)
            .field("function", &self.function)
            .field("qualifier", &self.qualifier)
            .field("invocation_id", &self.invocation_id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// The request id FC assigned to this invocation.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Service name.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Function name.
    pub fn function(&self) -> &str {
        &self.function
    }

    /// The version that runs: `LATEST` or a version number (aliases are resolved).
    pub fn qualifier(&self) -> &str {
        &self.qualifier
    }

    /// The stateful async invocation id, for async calls.
    pub fn invocation_id(&self) -> Option<&str> {
        self.invocation_id.as_deref()
    }

    /// 1 for the first attempt; higher when FC retries a failed async invocation.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// A header of the invoke request as it arrived (e.g. `content-type`, `x-fc-trace-id`), for functions and
    /// tests that look at how they were called.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Appends a line to the invocation's log (returned, last 4 KB, with `X-Fc-Log-Type: Tail`).
    pub fn log(&self, line: impl AsRef<str>) {
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.extend_from_slice(line.as_ref().as_bytes());
        log.push(b'\n');
    }
}

/// An error a hosted function returns; becomes `HandledInvocationError` with
/// `{"errorMessage", "errorType", "stackTrace"}`.
///
/// Any `std::error::Error` converts into it, so `?` works inside handlers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError {
    /// `errorMessage`.
    pub message: String,
    /// `errorType`.
    pub error_type: String,
    /// `stackTrace`.
    pub stack_trace: Vec<String>,
    /// Reported as `UnhandledInvocationError` (a crash) rather than `HandledInvocationError`.
    pub unhandled: bool,
}

impl HandlerError {
    /// An error of type `Error`.
    pub fn new(message: impl Into<String>) -> Self {
        HandlerError {
            message: message.into(),
            error_type: "Error".to_owned(),
            stack_trace: Vec::new(),
            unhandled: false,
        }
    }

    /// Sets `errorType`.
    pub fn with_type(mut self, error_type: impl Into<String>) -> Self {
        self.error_type = error_type.into();
        self
    }

    /// Reports the error as `UnhandledInvocationError`, as FC does for a crash.
    pub fn unhandled(mut self) -> Self {
        self.unhandled = true;
        self
    }

    /// Sets `stackTrace`.
    pub fn with_stack_trace(mut self, frames: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stack_trace = frames.into_iter().map(Into::into).collect();
        self
    }

    pub(crate) fn body(&self) -> Bytes {
        serde_json::to_vec(&serde_json::json!({
            "errorMessage": self.message,
            "errorType": self.error_type,
            "stackTrace": self.stack_trace,
        }))
        .map(Bytes::from)
        .unwrap_or_default()
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(e: E) -> Self {
        let type_name = std::any::type_name::<E>();
        HandlerError::new(e.to_string()).with_type(type_name.rsplit("::").next().unwrap_or(type_name))
    }
}

/// The outcome of one execution of a hosted function.
pub type HandlerResult = Result<Bytes, HandlerError>;

/// A function `LocalFc` can host. Build one with [`json_fn()`] or [`bytes_fn()`].
pub trait Handler: Send + Sync + 'static {
    /// Runs the function on `event`.
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult>;
}

/// A shared handler: one function hosted under several names (an FC 2.0 service's function and an FC 3.0
/// function, say).
impl Handler for std::sync::Arc<dyn Handler> {
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        (**self).call(event, ctx)
    }
}

struct JsonHandler<F, E, O, Fut>(F, PhantomData<fn(E) -> (O, Fut)>);

impl<F, E, O, Fut> Handler for JsonHandler<F, E, O, Fut>
where
    F: Fn(E, Context) -> Fut + Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    O: Serialize + 'static,
    Fut: Future<Output = Result<O, HandlerError>> + Send + 'static,
{
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        let parsed: Result<E, _> = serde_json::from_slice(if event.is_empty() { b"null" } else { &event });
        match parsed {
            Err(e) => Box::pin(async move {
                Err(HandlerError::new(format!("the event is not valid for this function: {e}"))
                    .with_type("InvalidEvent"))
            }),
            Ok(event) => {
                let fut = (self.0)(event, ctx);
                Box::pin(async move {
                    let out = fut.await?;
                    serde_json::to_vec(&out).map(Bytes::from).map_err(|e| {
                        HandlerError::new(format!("could not serialize the result: {e}"))
                            .with_type("SerializationError")
                    })
                })
            }
        }
    }
}

struct BytesHandler<F, O, Fut>(F, PhantomData<fn() -> (O, Fut)>);

impl<F, O, Fut> Handler for BytesHandler<F, O, Fut>
where
    F: Fn(Bytes, Context) -> Fut + Send + Sync + 'static,
    O: Into<Bytes> + 'static,
    Fut: Future<Output = Result<O, HandlerError>> + Send + 'static,
{
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        let fut = (self.0)(event, ctx);
        Box::pin(async move { fut.await.map(Into::into) })
    }
}

/// A function over JSON: the event is deserialized into `E` (an empty body as `null`), the result serialized.
///
/// ```
/// use fc_runtime::local::{json_fn, Context, HandlerError};
/// #[derive(serde::Deserialize)]
/// struct Greet { name: String }
/// let greet = json_fn(|ev: Greet, ctx: Context| async move {
///     ctx.log(format!("greeting {}", ev.name));
///     Ok::<_, HandlerError>(serde_json::json!({ "greeting": format!("Hello, {}!", ev.name) }))
/// });
/// ```
pub fn json_fn<F, E, O, Fut>(f: F) -> impl Handler
where
    F: Fn(E, Context) -> Fut + Send + Sync + 'static,
    E: DeserializeOwned + Send + 'static,
    O: Serialize + 'static,
    Fut: Future<Output = Result<O, HandlerError>> + Send + 'static,
{
    JsonHandler(f, PhantomData)
}

/// A function over raw bytes.
pub fn bytes_fn<F, O, Fut>(f: F) -> impl Handler
where
    F: Fn(Bytes, Context) -> Fut + Send + Sync + 'static,
    O: Into<Bytes> + 'static,
    Fut: Future<Output = Result<O, HandlerError>> + Send + 'static,
{
    BytesHandler(f, PhantomData)
}
