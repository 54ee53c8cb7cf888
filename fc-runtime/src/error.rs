//! The one error type every call returns.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong when calling Function Compute.
///
/// Function errors arrive with HTTP 200 and an `X-Fc-Error-Type` header; service errors are 4xx/5xx answers with
/// FC's JSON error body. Both are typed here, so a caller never has to look at status codes or headers.
///
/// ```
/// # use fc_runtime::{FcError, FunctionErrorKind};
/// fn describe(err: &FcError) -> &'static str {
///     match err {
///         FcError::Function(f) if f.kind == FunctionErrorKind::Handled => "the function reported an error",
///         FcError::Function(_) => "the function crashed or timed out",
///         FcError::Service(s) if s.is_throttling() => "throttled",
///         FcError::Service(_) => "the service refused the call",
///         FcError::Timeout { .. } => "no answer in time (the call was not repeated)",
///         _ => "something else",
///     }
/// }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FcError {
    /// The function ran and failed (HTTP 200 with `X-Fc-Error-Type`).
    #[error(transparent)]
    Function(Box<FunctionError>),
    /// Function Compute refused or failed the call (HTTP 4xx/5xx).
    #[error(transparent)]
    Service(Box<ServiceError>),
    /// No answer within the call's timeout. The request may have been delivered, so a sync call is never re-sent
    /// (an async call with a stateful id is: FC refuses a duplicate id).
    #[error("no answer within {timeout:?}; the request may have been delivered")]
    Timeout {
        /// The timeout that expired.
        timeout: Duration,
    },
    /// The connection failed.
    #[error("{message}")]
    Transport {
        /// What failed, including whether the request may have been delivered.
        message: String,
        /// True when the request cannot have reached the service (the connection was never established).
        before_send: bool,
        /// The underlying error.
        #[source]
        source: Option<Box<dyn StdError + Send + Sync>>,
    },
    /// The event could not be serialized; nothing was sent.
    #[error("could not encode the event: {message}")]
    Encode {
        /// The serializer's message.
        message: String,
    },
    /// The answer could not be understood.
    #[error("could not decode the answer{}: {message}; body starts with {excerpt:?}", request_id.as_deref().map(|id| format!(" to request {id}")).unwrap_or_default())]
    Decode {
        /// What was wrong.
        message: String,
        /// The first bytes of the body, lossily converted to text.
        excerpt: String,
        /// The request id, when the answer had one.
        request_id: Option<String>,
    },
    /// The call was refused before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The offending field, e.g. `service name` or `header X-Fc-Trace-Id`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client configuration is missing or malformed.
    #[error("configuration error in {setting}: {reason}")]
    Config {
        /// The setting or environment variable, e.g. `FC_REGION`.
        setting: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// Handled vs unhandled function errors, from the `X-Fc-Error-Type` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FunctionErrorKind {
    /// `HandledInvocationError`: the function itself reported the error.
    Handled,
    /// `UnhandledInvocationError`: a crash, a timeout, running out of memory.
    Unhandled,
}

impl FunctionErrorKind {
    /// The header value FC uses for this kind.
    pub fn as_header_value(self) -> &'static str {
        match self {
            FunctionErrorKind::Handled => "HandledInvocationError",
            FunctionErrorKind::Unhandled => "UnhandledInvocationError",
        }
    }
}

/// A function's own failure.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FunctionError {
    /// Handled or unhandled.
    pub kind: FunctionErrorKind,
    /// `errorMessage` from the body, or the body as text when it is not the runtime's error JSON.
    pub message: String,
    /// `errorType`, when present.
    pub error_type: Option<String>,
    /// `stackTrace`, when present (one entry per frame).
    pub stack_trace: Vec<String>,
    /// The body exactly as received.
    pub raw_body: bytes::Bytes,
    /// `X-Fc-Request-Id`.
    pub request_id: Option<String>,
    /// The decoded log tail, when it was requested.
    pub log_tail: Option<String>,
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            FunctionErrorKind::Handled => "function returned an error",
            FunctionErrorKind::Unhandled => "function failed (unhandled)",
        };
        write!(f, "{kind}")?;
        if let Some(t) = &self.error_type {
            write!(f, " [{t}]")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl StdError for FunctionError {}

/// An error answer from Function Compute itself.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServiceError {
    /// HTTP status.
    pub status: u16,
    /// `ErrorCode` (or `errorCode`) from the body.
    pub code: ErrorCode,
    /// `ErrorMessage` (or `errorMessage`), or a description of the body when it had none.
    pub message: String,
    /// `X-Fc-Request-Id` (or `RequestId` from the body).
    pub request_id: Option<String>,
    /// `Retry-After`, when the service sent one.
    pub retry_after: Option<std::time::Duration>,
}

impl ServiceError {
    /// 429 or 503: the service asked the caller to slow down; the function did not run.
    pub fn is_throttling(&self) -> bool {
        matches!(self.status, 429 | 503)
    }

    /// Whether repeating the same call cannot run the function twice and may succeed.
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service error {} {}: {}", self.status, self.code, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request {id})")?;
        }
        Ok(())
    }
}

impl StdError for ServiceError {}

macro_rules! error_codes {
    ($($(#[$doc:meta])* $variant:ident,)*) => {
        /// A service error code. Unknown codes are kept in [`ErrorCode::Other`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $($(#[$doc])* $variant,)*
            /// A code this version does not know, verbatim (empty when the answer had none).
            Other(String),
        }

        impl ErrorCode {
            /// The code as FC writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(ErrorCode::$variant => stringify!($variant),)*
                    ErrorCode::Other(s) => s,
                }
            }
        }

        impl From<&str> for ErrorCode {
            fn from(code: &str) -> Self {
                match code {
                    $(stringify!($variant) => ErrorCode::$variant,)*
                    other => ErrorCode::Other(other.to_owned()),
                }
            }
        }
    };
}

error_codes! {
    /// 400: a parameter is invalid.
    InvalidArgument,
    /// 400: a required header is missing.
    MissingRequiredHeader,
    /// 400: the path is not an FC API path.
    PathNotSupported,
    /// 400: the payload is over the limit.
    EntityTooLarge,
    /// 403: the caller may not do this.
    AccessDenied,
    /// 403: the signature does not match.
    SignatureNotMatch,
    /// 403: the access key id is unknown.
    InvalidAccessKeyID,
    /// 403: the security token is invalid or expired.
    InvalidSecurityToken,
    /// 403: the request's Date is too far from the server's clock.
    RequestTimeTooSkewed,
    /// 404: no such service.
    ServiceNotFound,
    /// 404: no such function.
    FunctionNotFound,
    /// 404: no such alias.
    AliasNotFound,
    /// 404: no such version.
    VersionNotFound,
    /// 404: no such stateful async invocation.
    StatefulAsyncInvocationNotFound,
    /// 405: the method is not allowed on this path.
    MethodNotAllowed,
    /// 409: a stateful async invocation with this id already exists.
    StatefulAsyncInvocationAlreadyExists,
    /// 409: concurrent update.
    ConcurrentUpdateError,
    /// 412: the async invocation already finished or was stopped.
    AsyncInvocationStopped,
    /// 429/503: out of capacity.
    ResourceExhausted,
    /// 429/503: throttled.
    ResourceThrottled,
    /// 499: the client closed the request.
    ClientClosedRequest,
    /// 500: internal error.
    InternalServerError,
    /// 502: the function's runtime answered badly.
    BadResponse,
    /// 503: temporarily unavailable.
    ServiceUnavailable,
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FcError {
    /// The request id of the call that failed, when the service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            FcError::Function(e) => e.request_id.as_deref(),
            FcError::Service(e) => e.request_id.as_deref(),
            FcError::Decode { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of a service error.
    pub fn status(&self) -> Option<u16> {
        match self {
            FcError::Service(e) => Some(e.status),
            _ => None,
        }
    }

    /// Whether the same call may be repeated safely: throttling answers and connections that never reached the
    /// service. A timeout is never retryable: the function may be running.
    pub fn is_retryable(&self) -> bool {
        match self {
            FcError::Service(e) => e.is_retryable(),
            FcError::Transport { before_send, .. } => *before_send,
            _ => false,
        }
    }

    /// Whether the service throttled the call (429 or 503).
    pub fn is_throttling(&self) -> bool {
        matches!(self, FcError::Service(e) if e.is_throttling())
    }

    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        FcError::InvalidInput { field: field.into(), reason: reason.into() }
    }

    pub(crate) fn config(setting: impl Into<String>, reason: impl Into<String>) -> Self {
        FcError::Config { setting: setting.into(), reason: reason.into() }
    }

    pub(crate) fn decode(message: impl Into<String>, body: &[u8], request_id: Option<String>) -> Self {
        FcError::Decode { message: message.into(), excerpt: excerpt(body), request_id }
    }
}

/// At most 200 bytes of a body, as text.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(200)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > cut.len() {
        s.push('…');
    }
    s
}

impl From<FunctionError> for FcError {
    fn from(e: FunctionError) -> Self {
        FcError::Function(Box::new(e))
    }
}

impl From<ServiceError> for FcError {
    fn from(e: ServiceError) -> Self {
        FcError::Service(Box::new(e))
    }
}
