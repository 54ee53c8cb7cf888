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
}

/// A function error: `{"errorMessage", "errorType"}` (with `"stackTrace"` when it has frames), which a custom
/// runtime answers with HTTP 404 and `x-fc-status: 404`.
///
/// Any `std::error::Error` converts into it, with its type's name as `errorType` (the last path segment, without
/// generic arguments: `MyErr<std::io::Error>` is `MyErr`) and its `Display` as `errorMessage`; build one with
/// [`Failure::new`] to choose the type.
///
/// ```
/// use fc_runtime::function::Failure;
/// #[derive(Debug, thiserror::Error)]
/// #[error("no such user: {0}")]
/// struct NoSuchUser(String);
/// let f = Failure::from(NoSuchUser("ann".into()));
/// assert_eq!((f.error_type.as_str(), f.message.as_str()), ("NoSuchUser", "no such user: ann"));
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

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::new(error_type_name::<E>(), e.to_string())
    }
}

/// The one rule for naming an error type: the last path segment of its name, without generic arguments
/// (`my_crate::MyErr<std::io::Error>` is `MyErr`).
pub(crate) fn error_type_name<E: ?Sized>() -> &'static str {
    let full = std::any::type_name::<E>();
    let path = full.split('<').next().unwrap_or(full);
    path.rsplit("::").next().unwrap_or(path)
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
        let f = Failure::from(QuotaExceeded);
        assert_eq!((f.error_type.as_str(), f.message.as_str()), ("QuotaExceeded", "over quota"));
        assert_eq!(&f.body()[..], br#"{"errorMessage":"over quota","errorType":"QuotaExceeded"}"#);
        assert!(!f.is_panic());
        // A generic error type is named without its arguments, whatever they are.
        let io = std::io::Error::other("disk");
        assert_eq!(Failure::from(Wrapped(io)).error_type, "Wrapped");
        assert_eq!(error_type_name::<Wrapped<std::collections::HashMap<u8, Vec<u8>>>>(), "Wrapped");
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
