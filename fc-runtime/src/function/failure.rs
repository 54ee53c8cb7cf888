//! A function's failure, as the runtime reports it: `{"errorMessage", "errorType"[, "stackTrace"]}`.

use std::fmt;

use bytes::Bytes;

/// The `errorType` of the errors the runtime itself reports.
pub mod error_types {
    /// The event is not what the function takes (not JSON, the wrong shape, a missing argument).
    pub const INVALID_EVENT: &str = "InvalidEvent";
    /// The result could not be serialized.
    pub const INVALID_RESULT: &str = "InvalidResult";
    /// No method serves the function named in the request.
    pub const UNKNOWN_FUNCTION: &str = "UnknownFunction";
    /// The method panicked.
    pub const PANIC: &str = "Panic";
    /// The event is larger than a function accepts.
    pub const EVENT_TOO_LARGE: &str = "EventTooLarge";
    /// An HTTP request reached a function that has no web service (it is not an HTTP function).
    pub const UNKNOWN_PATH: &str = "UnknownPath";
}

/// A function error: `{"errorMessage", "errorType"}` (with `"stackTrace"` when it has frames), which a custom
/// runtime answers with HTTP 404 and `x-fc-status: 404`.
///
/// A method's error becomes one through [`Failure::from_error`]: whatever converts into
/// `Box<dyn std::error::Error + Send + Sync>` (every `std::error::Error + Send + Sync` type, `anyhow::Error`,
/// `Box<dyn Error + Send + Sync>`, `String`). `errorType` is
///
/// - the `Failure` itself, when the error is one (also inside a box or an `anyhow::Error`): to choose `errorType`
///   per variant, implement `From<YourError> for Failure` and let the method return `Failure` (`?` converts);
/// - else the error type's name: the last path segment, without generic arguments, through `Box`, `Arc` and `Rc`
///   (`MyErr<std::io::Error>` and `Box<MyErr>` are `MyErr`);
/// - else, for an error whose type is only known at run time (`anyhow::Error`, `Box<dyn Error>`, a `String`),
///   `Error`.
///
/// `errorMessage` is the error's `Display`; for a run-time-typed error, its whole `source()` chain joined with
/// `": "` (as `anyhow` prints `{:#}`).
///
/// ```
/// use fc_runtime::function::Failure;
/// #[derive(Debug, thiserror::Error)]
/// enum OrderError {
///     #[error("no such order: {0}")]
///     NotFound(u64),
///     #[error("the store is unavailable")]
///     Unavailable,
/// }
/// let f = Failure::from_error(OrderError::NotFound(7));
/// assert_eq!((f.error_type.as_str(), f.message.as_str()), ("OrderError", "no such order: 7"));
///
/// // One errorType per variant: a conversion of your own, and methods that return `Failure`.
/// impl From<OrderError> for Failure {
///     fn from(e: OrderError) -> Failure {
///         let ty = match e {
///             OrderError::NotFound(_) => "OrderNotFound",
///             OrderError::Unavailable => "StoreUnavailable",
///         };
///         Failure::new(ty, e.to_string())
///     }
/// }
/// assert_eq!(Failure::from(OrderError::Unavailable).error_type, "StoreUnavailable");
/// assert_eq!(Failure::from_error(Failure::from(OrderError::Unavailable)).error_type, "StoreUnavailable");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// `errorType`; an empty one is left out of the body.
    pub error_type: String,
    /// `errorMessage`.
    pub message: String,
    /// `stackTrace`, one entry per frame; left out of the body when empty.
    pub stack_trace: Vec<String>,
}

impl Failure {
    /// A failure of type `error_type`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Failure { error_type: error_type.into(), message: message.into(), stack_trace: Vec::new() }
    }

    /// The same failure with these stack frames.
    pub fn with_stack_trace(mut self, frames: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.stack_trace = frames.into_iter().map(Into::into).collect();
        self
    }

    /// Whether the runtime reported it for a crash of the method (a panic) rather than the method's own error.
    pub fn is_panic(&self) -> bool {
        self.error_type == error_types::PANIC
    }

    /// The body a custom runtime answers with: `{"errorMessage", "errorType", "stackTrace"}`.
    pub fn body(&self) -> Bytes {
        let mut body = serde_json::Map::new();
        body.insert("errorMessage".into(), self.message.clone().into());
        if !self.error_type.is_empty() {
            body.insert("errorType".into(), self.error_type.clone().into());
        }
        if !self.stack_trace.is_empty() {
            body.insert("stackTrace".into(), self.stack_trace.clone().into());
        }
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
    }

    /// A failure body as a runtime sent it: its `{"errorMessage", "errorType", "stackTrace"}`, or the body as the
    /// message when it is not that JSON.
    #[cfg_attr(not(feature = "local"), allow(dead_code))]
    pub(crate) fn from_body(body: &[u8]) -> Failure {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(rename = "errorMessage")]
            message: Option<String>,
            #[serde(rename = "errorType")]
            error_type: Option<String>,
            #[serde(rename = "stackTrace", default)]
            stack_trace: Vec<String>,
        }
        match serde_json::from_slice::<Body>(body) {
            Ok(Body { message, error_type, stack_trace }) => {
                Failure::new(error_type.unwrap_or_default(), message.unwrap_or_default()).with_stack_trace(stack_trace)
            }
            Err(_) => Failure::new("", String::from_utf8_lossy(body).into_owned()),
        }
    }

    /// The failure a panic becomes.
    pub(crate) fn panic(payload: Box<dyn std::any::Any + Send>) -> Failure {
        Failure::new(error_types::PANIC, panic_message(payload))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.error_type.as_str() {
            "" => f.write_str(&self.message),
            t => write!(f, "{t}: {}", self.message),
        }
    }
}

impl std::error::Error for Failure {}

/// What a method's error may be: anything that converts into a boxed error (see [`Failure::from_error`]).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl Failure {
    /// The failure `error` becomes: see [`Failure`] for how `errorType` and `errorMessage` are chosen.
    pub fn from_error<E: Into<BoxError> + 'static>(error: E) -> Failure {
        let name = error_type_name::<E>();
        let boxed: BoxError = error.into();
        match boxed.downcast::<Failure>() {
            Ok(failure) => *failure,
            Err(boxed) => match name {
                Some(name) => Failure::new(name, boxed.to_string()),
                None => Failure::new(DYNAMIC_ERROR_TYPE, chain(&*boxed)),
            },
        }
    }
}

/// The `errorType` of an error whose type is only known at run time.
const DYNAMIC_ERROR_TYPE: &str = "Error";

/// An error and its sources, joined with `": "`.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        // A wrapper that prints its source already (`#[error("…: {0}")]`) is not repeated.
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// The one rule for naming an error type: the last path segment of its name, without generic arguments, through
/// `Box`, `Arc` and `Rc` (`my_crate::MyErr<std::io::Error>` and `Box<MyErr>` are `MyErr`); `None` for a type
/// whose name says nothing of the error (`dyn Error`, `anyhow::Error`, strings).
pub(crate) fn error_type_name<E: ?Sized>() -> Option<&'static str> {
    let mut name = std::any::type_name::<E>();
    while let Some(inner) =
        ["alloc::boxed::Box<", "alloc::sync::Arc<", "alloc::rc::Rc<"].iter().find_map(|w| name.strip_prefix(w))
    {
        name = inner.strip_suffix('>').unwrap_or(inner);
    }
    if name.starts_with("dyn ")
        || name.starts_with('&')
        || ["anyhow::Error", "alloc::string::String", "alloc::borrow::Cow<str>"].contains(&name)
    {
        return None;
    }
    let path = name.split('<').next().unwrap_or(name);
    Some(path.rsplit("::").next().unwrap_or(path))
}

/// A panic's message: `the function panicked: …`.
pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("the function panicked: {text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct QuotaExceeded;
    impl fmt::Display for QuotaExceeded {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("over quota")
        }
    }
    impl std::error::Error for QuotaExceeded {}

    #[derive(Debug)]
    struct Wrapped<E>(E);
    impl<E: fmt::Display> fmt::Display for Wrapped<E> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "wrapped: {}", self.0)
        }
    }
    impl<E: fmt::Debug + fmt::Display> std::error::Error for Wrapped<E> {}

    #[test]
    fn failures_take_the_error_type_name() {
        let f = Failure::from_error(QuotaExceeded);
        assert_eq!((f.error_type.as_str(), f.message.as_str()), ("QuotaExceeded", "over quota"));
        assert_eq!(&f.body()[..], br#"{"errorMessage":"over quota","errorType":"QuotaExceeded"}"#);
        assert!(!f.is_panic());
        // A generic error type is named without its arguments, whatever they are.
        let io = std::io::Error::other("disk");
        assert_eq!(Failure::from_error(Wrapped(io)).error_type, "Wrapped");
        assert_eq!(error_type_name::<Wrapped<std::collections::HashMap<u8, Vec<u8>>>>(), Some("Wrapped"));
        // Boxed, the type is still named by what is inside.
        assert_eq!(Failure::from_error(Box::new(QuotaExceeded)).error_type, "QuotaExceeded");
        assert_eq!(error_type_name::<std::sync::Arc<Box<QuotaExceeded>>>(), Some("QuotaExceeded"));
    }

    #[test]
    fn errors_typed_at_run_time_are_named_error_with_their_chain() {
        let dynamic: BoxError = Box::new(Wrapped(QuotaExceeded));
        let f = Failure::from_error(dynamic);
        assert_eq!((f.error_type.as_str(), f.message.as_str()), ("Error", "wrapped: over quota"));
        let text = Failure::from_error(String::from("plain words"));
        assert_eq!((text.error_type.as_str(), text.message.as_str()), ("Error", "plain words"));
        // A failure stays itself, however it is carried.
        let chosen: BoxError = Box::new(Failure::new("Chosen", "by the author"));
        assert_eq!(Failure::from_error(chosen), Failure::new("Chosen", "by the author"));
    }

    #[derive(Debug)]
    struct Caused(std::io::Error);
    impl fmt::Display for Caused {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("could not load order 7")
        }
    }
    impl std::error::Error for Caused {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_dynamic_errors_message_has_its_sources_once() {
        let dynamic: BoxError = Box::new(Caused(std::io::Error::other("connection refused")));
        assert_eq!(Failure::from_error(dynamic).message, "could not load order 7: connection refused");
        let repeating: BoxError = Box::new(Wrapped(std::io::Error::other("disk")));
        assert_eq!(Failure::from_error(repeating).message, "wrapped: disk");
    }

    #[test]
    fn bodies_round_trip_and_text_is_kept() {
        let f = Failure::new("Refused", "nope").with_stack_trace(["f1", "f2"]);
        assert_eq!(Failure::from_body(&f.body()), f);
        let untyped = Failure::new("", "Function timed out after 1 seconds");
        assert_eq!(&untyped.body()[..], br#"{"errorMessage":"Function timed out after 1 seconds"}"#);
        assert_eq!(Failure::from_body(b"Error: boom;"), Failure::new("", "Error: boom;"));
    }
}
