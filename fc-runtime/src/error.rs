//! The one error type every call returns.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use http::StatusCode;

/// Everything that can go wrong when calling Function Compute.
///
/// Function errors arrive with HTTP 200 and an `X-Fc-Error-Type` header; service errors are 4xx/5xx answers with
/// FC's JSON error body. Both are typed here, so a caller never has to look at status codes or headers. Every
/// variant holds one boxed, `#[non_exhaustive]` payload: the error stays two words wide and each kind can gain
/// fields without breaking a `match`. The accessors ([`code`](Self::code), [`status`](Self::status),
/// [`is_timeout`](Self::is_timeout), [`as_function`](Self::as_function), …) answer the usual questions without
/// one.
///
/// `Display` describes this layer only; the cause (the HTTP client's error, the JSON error) is the
/// [`source`](StdError::source), so error reporters print each once.
///
/// ```
/// # use fc_runtime::{ErrorCode, FcError, FunctionErrorKind};
/// fn describe(err: &FcError) -> &'static str {
///     match err {
///         FcError::Function(f) if f.kind == FunctionErrorKind::Handled => "the function reported an error",
///         FcError::Function(_) => "the function crashed or timed out",
///         FcError::Service(s) if s.is_throttling() => "throttled",
///         _ if err.code() == Some(&ErrorCode::FunctionNotFound) => "no such function",
///         FcError::Service(_) => "the service refused the call",
///         _ if err.is_timeout() => "no answer in time (the call was not repeated)",
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
    #[error(transparent)]
    Timeout(Box<TimeoutError>),
    /// The connection failed; [`TransportError::delivery`] says whether the request may have arrived.
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// The event could not be serialized; nothing was sent.
    #[error(transparent)]
    Encode(Box<EncodeError>),
    /// The answer could not be understood.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The call was refused before anything was sent.
    #[error(transparent)]
    InvalidInput(Box<InputError>),
    /// A web function answered an HTTP-trigger call with a non-2xx status
    /// ([`HttpTriggerClient`](crate::http_trigger::HttpTriggerClient)).
    #[error(transparent)]
    Http(Box<HttpError>),
    /// The client configuration is missing or malformed. Also: no provider of the default credentials chain
    /// yielded credentials (the reason lists each provider and why).
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// A credentials provider could not supply credentials (its source refused or was unreachable, its answer was
    /// malformed, or the credentials it gave expired and could not be refreshed). Nothing was sent.
    #[error(transparent)]
    Credentials(Box<CredentialsError>),
}

/// Whether a failed request may have reached the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Delivery {
    /// The connection was never established: the service cannot have seen the request.
    NotSent,
    /// The connection failed after the request was (perhaps partly) written: it may have been delivered.
    MaybeDelivered,
}

/// No answer in time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no answer within {timeout:?} ({}); the request may have been delivered", match kind {
    TimeoutKind::Call => "the call's deadline, every attempt included",
    TimeoutKind::Attempt => "one attempt's timeout",
})]
#[non_exhaustive]
pub struct TimeoutError {
    /// The timeout that expired.
    pub timeout: Duration,
    /// Which one: the call's deadline, or one attempt's timeout (a call not safe to re-send ends with it).
    pub kind: TimeoutKind,
}

/// Which timeout expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The call's deadline ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout)), which covers every attempt
    /// and every pause between attempts.
    Call,
    /// One attempt's timeout ([`ClientBuilder::attempt_timeout`](crate::ClientBuilder::attempt_timeout)).
    Attempt,
}

/// A web function's non-2xx answer to an HTTP-trigger call: its status, FC's request id and its body, with
/// `{"errorMessage", "errorType"}` decoded when the body is one.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpError {
    /// The status.
    pub status: http::StatusCode,
    /// FC's request id.
    pub request_id: Option<String>,
    /// The body as the function sent it.
    pub body: bytes::Bytes,
    /// `errorMessage`, when the body is `{"errorMessage", …}`.
    pub error_message: Option<String>,
    /// `errorType`, when the body has one.
    pub error_type: Option<String>,
}

impl HttpError {
    /// The error for an answer with `status` and `body`.
    pub fn new(status: http::StatusCode, request_id: Option<String>, body: bytes::Bytes) -> Self {
        #[derive(serde::Deserialize)]
        struct Body {
            #[serde(rename = "errorMessage")]
            message: String,
            #[serde(rename = "errorType")]
            error_type: Option<String>,
        }
        let decoded = serde_json::from_slice::<Body>(&body).ok();
        HttpError {
            status,
            request_id,
            error_message: decoded.as_ref().map(|b| b.message.clone()),
            error_type: decoded.and_then(|b| b.error_type),
            body,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the function answered HTTP {}", self.status.as_u16())?;
        match (&self.error_type, &self.error_message) {
            (Some(t), Some(m)) => write!(f, ": {t}: {m}"),
            (None, Some(m)) => write!(f, ": {m}"),
            _ => write!(f, ": {:?}", excerpt(&self.body)),
        }
    }
}

impl StdError for HttpError {}

/// The connection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct TransportError {
    /// Whether the request may have been delivered.
    pub delivery: Delivery,
    /// The proxy the request went through, without its credentials, and the variable that named it
    /// (`http://proxy.corp:3128 (from HTTPS_PROXY)`).
    pub proxy: Option<String>,
    /// The HTTP client's error.
    #[source]
    pub source: Box<dyn StdError + Send + Sync>,
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.delivery, &self.proxy) {
            (Delivery::NotSent, None) => f.write_str("could not connect to Function Compute; nothing was sent"),
            (Delivery::NotSent, Some(proxy)) => {
                write!(f, "could not connect to Function Compute through the proxy {proxy}; nothing was sent")
            }
            (Delivery::MaybeDelivered, None) => {
                f.write_str("the connection failed after the request was sent; it may have been delivered")
            }
            (Delivery::MaybeDelivered, Some(proxy)) => write!(
                f,
                "the connection through the proxy {proxy} failed after the request was sent; it may have been \
                 delivered"
            ),
        }
    }
}

/// The event could not be serialized.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct EncodeError {
    /// The argument that failed, for a method with several arguments (each is one field of the event).
    pub argument: Option<&'static str>,
    /// The serializer's error.
    #[source]
    pub source: serde_json::Error,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.argument {
            Some(arg) => write!(f, "could not encode argument `{arg}` of the event"),
            None => f.write_str("could not encode the event"),
        }
    }
}

/// The answer could not be understood.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub struct DecodeError {
    /// What was expected and not found.
    pub reason: String,
    /// The first bytes of the body, lossily converted to text.
    pub excerpt: String,
    /// The request id, when the answer had one.
    pub request_id: Option<String>,
    /// The JSON error, when the body was meant to be JSON.
    #[source]
    pub source: Option<serde_json::Error>,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("could not decode the answer")?;
        if let Some(id) = &self.request_id {
            write!(f, " to request {id}")?;
        }
        write!(f, ": {}; body starts with {:?}", self.reason, self.excerpt)
    }
}

/// A call refused before anything was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
#[non_exhaustive]
pub struct InputError {
    /// The offending part of the call.
    pub field: InputField,
    /// What is wrong with it.
    pub reason: String,
}

/// The part of a call that was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputField {
    /// The service name.
    ServiceName,
    /// The function name.
    FunctionName,
    /// The qualifier (`LATEST`, a version or an alias).
    Qualifier,
    /// The stateful async invocation id (FC 2.0).
    InvocationId,
    /// The async task id (FC 3.0).
    TaskId,
    /// `X-Fc-Trace-Id`.
    TraceId,
    /// The event's size.
    Payload,
    /// A listing's page size.
    Limit,
    /// A listing's `nextToken`.
    NextToken,
    /// A listing's `invocationIdPrefix`.
    InvocationIdPrefix,
    /// An async-task listing's `prefix`.
    TaskIdPrefix,
    /// A header value built from other parts, or an HTTP-trigger call's header.
    HeaderValue,
    /// An HTTP-trigger call's path.
    TriggerPath,
    /// An alias name.
    AliasName,
    /// A version id.
    VersionId,
    /// A trigger name.
    TriggerName,
    /// A management call's settings (a function's, a trigger's, an alias's weights, an async config's).
    Setting,
    /// A function's code package.
    Code,
}

impl fmt::Display for InputField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputField::ServiceName => "service name",
            InputField::FunctionName => "function name",
            InputField::Qualifier => "qualifier",
            InputField::InvocationId => "invocation id",
            InputField::TaskId => "async task id",
            InputField::TraceId => "header X-Fc-Trace-Id",
            InputField::Payload => "payload",
            InputField::Limit => "limit",
            InputField::NextToken => "nextToken",
            InputField::InvocationIdPrefix => "invocationIdPrefix",
            InputField::TaskIdPrefix => "prefix",
            InputField::HeaderValue => "header value",
            InputField::TriggerPath => "path",
            InputField::AliasName => "alias name",
            InputField::VersionId => "version id",
            InputField::TriggerName => "trigger name",
            InputField::Setting => "setting",
            InputField::Code => "code",
        })
    }
}

/// A missing or malformed client setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error in {setting}: {reason}")]
#[non_exhaustive]
pub struct ConfigError {
    /// The setting.
    pub setting: Setting,
    /// What is wrong with it.
    pub reason: String,
}

/// A credentials provider could not supply credentials. Never quotes a secret.
#[derive(Debug, thiserror::Error)]
#[error("credentials from {provider}: {reason}")]
#[non_exhaustive]
pub struct CredentialsError {
    /// The provider, as the default chain names it (`env`, `oidc_role_arn`, `cli_profile`, `profile`,
    /// `ecs_ram_role`, `credentials_uri`, `ram_role_arn`, or a caller's name).
    pub provider: &'static str,
    /// What went wrong.
    pub kind: CredentialsErrorKind,
    /// Why, in words (file paths, variable names, HTTP statuses and service error codes; never a secret).
    pub reason: String,
    /// The underlying error (the HTTP client's, the JSON parser's, the file system's), when there is one.
    #[source]
    pub source: Option<Box<dyn StdError + Send + Sync>>,
}

/// The kinds of [`CredentialsError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The provider is not configured here (no variables, no file, no such profile).
    NotConfigured,
    /// The provider's configuration is present but unusable (an unknown mode, a missing key, a bad value).
    Invalid,
    /// The source (STS, instance metadata, the credentials URI) could not be reached or did not answer in time.
    Unreachable,
    /// The source answered with an error (a non-200 status, an error code).
    Refused,
    /// The source's answer could not be understood (not JSON, fields missing, a bad expiration).
    Malformed,
    /// The credentials expired and no fresh ones could be fetched.
    Expired,
}

/// A client setting, named in a [`ConfigError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The endpoint (`ClientBuilder::endpoint`/`account`).
    Endpoint,
    /// The account id.
    AccountId,
    /// The region id.
    Region,
    /// The credentials (the access key id, secret or security token).
    Credentials,
    /// The `User-Agent`.
    UserAgent,
    /// The client-wide qualifier override.
    QualifierOverride,
    /// The HTTP client's own configuration.
    HttpClient,
    /// An environment variable, by name (e.g. `FC_REGION`).
    Env(&'static str),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Setting::Endpoint => "endpoint",
            Setting::AccountId => "account id",
            Setting::Region => "region",
            Setting::Credentials => "credentials",
            Setting::UserAgent => "user agent",
            Setting::QualifierOverride => "qualifier override",
            Setting::HttpClient => "http client",
            Setting::Env(name) => name,
        })
    }
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
            FunctionErrorKind::Handled => crate::wire::error_type::HANDLED,
            FunctionErrorKind::Unhandled => crate::wire::error_type::UNHANDLED,
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
    pub status: StatusCode,
    /// `ErrorCode` (or `errorCode`) from the body.
    pub code: ErrorCode,
    /// `ErrorMessage` (or `errorMessage`), or a description of the body when it had none.
    pub message: String,
    /// `X-Fc-Request-Id` (or `RequestId` from the body).
    pub request_id: Option<String>,
    /// `Retry-After`, when the service sent one.
    pub retry_after: Option<std::time::Duration>,
    /// What probably happened, when the client knows more than the answer says.
    pub(crate) hint: Option<&'static str>,
}

impl ServiceError {
    /// 429 or 503: the service asked the caller to slow down; the function did not run.
    pub fn is_throttling(&self) -> bool {
        is_throttling_status(self.status)
    }

    /// Whether repeating the same call cannot run the function twice and may succeed.
    pub fn is_retryable(&self) -> bool {
        self.is_throttling()
    }

    /// What probably happened, when the client knows more than the answer says: a duplicate-id refusal of a call
    /// the client re-sent after a connection failure means the earlier attempt was most likely accepted under
    /// that id (the hint names the API's method to check it with).
    pub fn hint(&self) -> Option<&'static str> {
        self.hint.or_else(|| self.code.hint())
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "service error {} {}: {}", self.status.as_u16(), self.code, self.message)?;
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
    /// 409: a stateful async invocation (or FC 3.0 async task) with this id already exists.
    StatefulAsyncInvocationAlreadyExists,
    /// 404: no such async task (FC 3.0).
    AsyncTaskNotFound,
    /// 412: the async task already finished (FC 3.0).
    AsyncTaskFinished,
    /// 403: the `x-acs-signature-nonce` was already used (a replayed FC 3.0 request).
    SignatureNonceUsed,
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
    /// 401: an HTTP trigger with JWT auth found no valid token (`LocalFc`'s code; FC's is not documented).
    InvalidJWT,
    /// 409: CreateFunction of a name that exists.
    FunctionAlreadyExists,
    /// 409: DeleteFunction of a function that still has triggers (delete them first).
    FunctionNotEmpty,
    /// 409: CreateAlias of a name that exists.
    AliasAlreadyExists,
    /// 404: no such trigger.
    TriggerNotFound,
    /// 409: CreateTrigger of a name that exists.
    TriggerAlreadyExists,
    /// 404: the function (and qualifier) has no async invoke config.
    AsyncConfigNotExists,
    /// 404: the function has no concurrency config (`LocalFc`'s code; FC's is not documented).
    ConcurrencyConfigNotFound,
    /// 409: DeleteFunctionVersion of a version an alias points at (`LocalFc`'s code; FC's is not documented).
    VersionInUse,
    /// 400: an alias's `additionalVersionWeight` names its own version.
    AdditionalVersionContainsMajorVersion,
}

impl ErrorCode {
    /// What a caller can do about this code, where there is something to do.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            ErrorCode::FunctionAlreadyExists => {
                "the function exists: change it with update_function (or delete it first)"
            }
            ErrorCode::FunctionNotEmpty => "delete the function's triggers first (list_triggers, delete_trigger)",
            ErrorCode::AliasAlreadyExists => "the alias exists: move it with update_alias",
            ErrorCode::TriggerAlreadyExists => "the trigger exists: change it with update_trigger",
            ErrorCode::ConcurrentUpdateError => "another update of this function is in progress: retry once it ends",
            ErrorCode::VersionInUse => "an alias points at this version: move or delete the alias first",
            ErrorCode::AdditionalVersionContainsMajorVersion => {
                "additionalVersionWeight names other versions than the alias's own versionId"
            }
            ErrorCode::AsyncConfigNotExists => "nothing to read or delete: put_async_invoke_config sets one",
            ErrorCode::FunctionNotFound => "no function of this name: list_functions shows those that exist",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// 429 and 503: the answers that ask the caller to slow down and mean the function did not run. The one place this
/// list is written.
pub(crate) fn is_throttling_status(status: StatusCode) -> bool {
    matches!(status, StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE)
}

impl FcError {
    /// The request id of the call that failed, when the service answered.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            FcError::Function(e) => e.request_id.as_deref(),
            FcError::Service(e) => e.request_id.as_deref(),
            FcError::Decode(e) => e.request_id.as_deref(),
            FcError::Http(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status of a service error, or of a web function's non-2xx answer.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            FcError::Http(e) => Some(e.status),
            _ => self.as_service().map(|e| e.status),
        }
    }

    /// A web function's non-2xx answer to an HTTP-trigger call, if that is what this is.
    pub fn as_http(&self) -> Option<&HttpError> {
        match self {
            FcError::Http(e) => Some(e),
            _ => None,
        }
    }

    /// The code of a service error.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.as_service().map(|e| &e.code)
    }

    /// The function's own failure, if that is what this is.
    pub fn as_function(&self) -> Option<&FunctionError> {
        match self {
            FcError::Function(e) => Some(e),
            _ => None,
        }
    }

    /// The service's refusal, if that is what this is.
    pub fn as_service(&self) -> Option<&ServiceError> {
        match self {
            FcError::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The pause the service asked for (`Retry-After`), when it sent one.
    pub fn retry_after(&self) -> Option<Duration> {
        self.as_service().and_then(|e| e.retry_after)
    }

    /// Whether no answer came within the call's timeout.
    pub fn is_timeout(&self) -> bool {
        matches!(self, FcError::Timeout(_))
    }

    /// Whether the same call may be repeated safely: throttling answers and connections that never reached the
    /// service. A timeout is never retryable: the function may be running.
    pub fn is_retryable(&self) -> bool {
        match self {
            FcError::Service(e) => e.is_retryable(),
            FcError::Transport(e) => e.delivery == Delivery::NotSent,
            _ => false,
        }
    }

    /// Whether the service throttled the call (429 or 503).
    pub fn is_throttling(&self) -> bool {
        matches!(self, FcError::Service(e) if e.is_throttling())
    }

    /// A call refused before sending (for test doubles and wrappers that check their own input).
    pub fn invalid_input(field: InputField, reason: impl Into<String>) -> Self {
        FcError::InvalidInput(Box::new(InputError { field, reason: reason.into() }))
    }

    /// A configuration error.
    pub fn config(setting: Setting, reason: impl Into<String>) -> Self {
        FcError::Config(Box::new(ConfigError { setting, reason: reason.into() }))
    }

    /// A credentials provider's failure (for providers written outside this crate).
    pub fn credentials(provider: &'static str, kind: CredentialsErrorKind, reason: impl Into<String>) -> Self {
        FcError::Credentials(Box::new(CredentialsError { provider, kind, reason: reason.into(), source: None }))
    }

    /// A credentials provider's failure caused by `source`.
    pub fn credentials_caused_by(
        provider: &'static str,
        kind: CredentialsErrorKind,
        reason: impl Into<String>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        FcError::Credentials(Box::new(CredentialsError {
            provider,
            kind,
            reason: reason.into(),
            source: Some(Box::new(source)),
        }))
    }

    /// The credentials provider's failure, if that is what this is.
    pub fn as_credentials(&self) -> Option<&CredentialsError> {
        match self {
            FcError::Credentials(e) => Some(e),
            _ => None,
        }
    }

    /// No answer within the call's deadline `timeout`.
    pub fn timeout(timeout: Duration) -> Self {
        FcError::Timeout(Box::new(TimeoutError { timeout, kind: TimeoutKind::Call }))
    }

    /// No answer within `timeout`, of the kind given.
    pub(crate) fn timeout_of(timeout: Duration, kind: TimeoutKind) -> Self {
        FcError::Timeout(Box::new(TimeoutError { timeout, kind }))
    }

    /// A connection failure caused by `source`.
    pub fn transport(delivery: Delivery, source: impl StdError + Send + Sync + 'static) -> Self {
        FcError::Transport(Box::new(TransportError { delivery, proxy: None, source: Box::new(source) }))
    }

    /// The same error, naming the proxy a transport error went through.
    pub(crate) fn through_proxy(mut self, proxy: Option<&str>) -> Self {
        if let (FcError::Transport(e), Some(proxy)) = (&mut self, proxy) {
            e.proxy = Some(proxy.to_owned());
        }
        self
    }

    /// An event that could not be serialized (`argument` names the failing argument of a several-argument method).
    pub fn encode(argument: Option<&'static str>, source: serde_json::Error) -> Self {
        FcError::Encode(Box::new(EncodeError { argument, source }))
    }

    /// An answer that could not be understood; keeps an excerpt of `body`.
    pub fn decode(reason: impl Into<String>, body: &[u8], request_id: Option<String>) -> Self {
        FcError::Decode(Box::new(DecodeError {
            reason: reason.into(),
            excerpt: excerpt(body),
            request_id,
            source: None,
        }))
    }

    /// An answer that is not the expected JSON; `source` is the JSON error.
    pub fn decode_json(
        reason: impl Into<String>,
        source: serde_json::Error,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        FcError::Decode(Box::new(DecodeError {
            reason: reason.into(),
            excerpt: excerpt(body),
            request_id,
            source: Some(source),
        }))
    }
}

/// Decodes an answer's body as JSON of `T`; `what` names it in the error (`result`, `answer`). The common case
/// decodes directly; only a failure is decoded again, tracking the path, so that the error names the failing
/// field (`the result is not the expected JSON at `items[2].size``).
pub(crate) fn decode_json_body<T: serde::de::DeserializeOwned>(
    body: &[u8],
    request_id: Option<&str>,
    what: &str,
) -> Result<T, FcError> {
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let fail = |reason: String, e| FcError::decode_json(reason, e, body, request_id.map(str::to_owned));
    let mut json = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut json).map_err(|e| {
        let reason = match e.path().to_string().as_str() {
            "." => format!("the {what} is not the expected JSON"),
            path => format!("the {what} is not the expected JSON at `{path}`"),
        };
        fail(reason, e.into_inner())
    })?;
    json.end().map_err(|e| fail(format!("the {what} is not the expected JSON"), e))?;
    Ok(value)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_stays_small() {
        assert!(std::mem::size_of::<FcError>() <= 24, "{}", std::mem::size_of::<FcError>());
        assert!(std::mem::size_of::<Result<(), FcError>>() <= 24);
    }

    #[test]
    fn display_describes_its_own_layer_and_sources_are_kept() {
        let json = serde_json::from_str::<u32>("x").unwrap_err();
        let json_text = json.to_string();
        let e = FcError::encode(Some("job"), json);
        assert_eq!(e.to_string(), "could not encode argument `job` of the event");
        assert_eq!(e.source().unwrap().to_string(), json_text);
        assert!(e.source().unwrap().downcast_ref::<serde_json::Error>().is_some());

        let json = serde_json::from_str::<u32>("x").unwrap_err();
        let e = FcError::decode_json("the result is not the expected JSON", json, b"x", Some("r1".into()));
        assert_eq!(
            e.to_string(),
            "could not decode the answer to request r1: the result is not the expected JSON; body starts with \"x\""
        );
        assert!(!e.to_string().contains(&json_text));
        assert!(e.source().unwrap().downcast_ref::<serde_json::Error>().is_some());

        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused by peer");
        let e = FcError::transport(Delivery::NotSent, io);
        assert!(!e.to_string().contains("refused by peer"), "{e}");
        assert_eq!(e.source().unwrap().to_string(), "refused by peer");
        assert!(e.is_retryable());
    }

    #[test]
    fn accessors() {
        let e: FcError = ServiceError {
            status: StatusCode::TOO_MANY_REQUESTS,
            code: ErrorCode::ResourceThrottled,
            message: "slow down".into(),
            request_id: Some("r".into()),
            retry_after: Some(Duration::from_secs(2)),
            hint: None,
        }
        .into();
        assert_eq!(e.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(e.code(), Some(&ErrorCode::ResourceThrottled));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.as_service().is_some() && e.as_function().is_none());
        assert!(e.is_throttling() && e.is_retryable() && !e.is_timeout());
        let t = FcError::timeout(Duration::from_secs(1));
        assert!(t.is_timeout() && !t.is_retryable() && t.code().is_none());
    }
}
