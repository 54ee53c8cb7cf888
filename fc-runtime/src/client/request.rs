//! The low-level invoke request: everything the generated stubs (or a hand-written caller) decide per call.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;

/// `X-Fc-Invocation-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InvocationType {
    /// Wait for the function's result (`Sync`).
    #[default]
    Sync,
    /// Queue the event and return at once with 202 (`Async`).
    Async,
}

impl InvocationType {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            InvocationType::Sync => "Sync",
            InvocationType::Async => "Async",
        }
    }
}

/// `X-Fc-Log-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum LogType {
    /// No log in the answer.
    #[default]
    None,
    /// Return the last 4 KB of the invocation's log in `X-Fc-Log-Result`.
    Tail,
}

impl LogType {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::None => "None",
            LogType::Tail => "Tail",
        }
    }
}

/// How the event body is labelled on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ContentType {
    /// `application/json`: a serialized event (what the Python SDK sends).
    #[default]
    Json,
    /// `application/octet-stream`: raw bytes.
    OctetStream,
}

impl ContentType {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentType::Json => "application/json",
            ContentType::OctetStream => "application/octet-stream",
        }
    }
}

/// The Function Compute API a request speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Api {
    /// FC 2.0, API 2016-08-15: functions inside services, the `FC` signature.
    Fc2,
    /// FC 3.0, API 2023-03-30: functions without services, the ACS3-HMAC-SHA256 signature.
    Fc3,
}

/// How a call is made: sync, async, or async under a stateful invocation id. One value, so that a sync call
/// cannot carry an id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum InvocationMode {
    /// Wait for the function's result.
    #[default]
    Sync,
    /// Queue the event; FC answers 202 at once.
    Async,
    /// Queue the event under an id FC refuses to accept twice, so that such a call is safe to re-send:
    /// `X-Fc-Stateful-Async-Invocation-Id` on FC 2.0, `x-fc-async-task-id` (an async task) on FC 3.0.
    AsyncWithId(String),
}

impl InvocationMode {
    /// The `X-Fc-Invocation-Type` this mode sends.
    pub fn invocation_type(&self) -> InvocationType {
        match self {
            InvocationMode::Sync => InvocationType::Sync,
            InvocationMode::Async | InvocationMode::AsyncWithId(_) => InvocationType::Async,
        }
    }

    /// The stateful invocation id, when there is one.
    pub fn id(&self) -> Option<&str> {
        match self {
            InvocationMode::AsyncWithId(id) => Some(id),
            _ => None,
        }
    }
}

/// One InvokeFunction call.
///
/// ```
/// use fc_runtime::{InvokeRequest, InvocationType};
/// let req = InvokeRequest::new("video", "transcode")
///     .qualifier("LATEST")
///     .invocation_id("movie_2024_final")
///     .json_bytes(br#"{"preset":"720p"}"#.to_vec());
/// assert_eq!(req.invocation.invocation_type(), InvocationType::Async); // a stateful id implies Async
/// assert_eq!(req.invocation.id(), Some("movie_2024_final"));
/// assert_eq!(req.path(), "/2016-08-15/services/video.LATEST/functions/transcode/invocations");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InvokeRequest {
    /// Service name on FC 2.0; `None` for an FC 3.0 request, whose functions have no service
    /// ([`InvokeRequest::fc3`]).
    pub service: Option<Cow<'static, str>>,
    /// Function name.
    pub function: Cow<'static, str>,
    /// `LATEST`, a version number or an alias; `None` lets the service use `LATEST`.
    pub qualifier: Option<Cow<'static, str>>,
    /// Sync, async, or async with a stateful invocation id.
    pub invocation: InvocationMode,
    /// Whether to ask for the log tail.
    pub log_type: LogType,
    /// `X-Fc-Trace-Id`.
    pub trace_id: Option<String>,
    /// The event.
    pub body: Bytes,
    /// How the event is labelled.
    pub content_type: ContentType,
    /// Overrides the client's call deadline, every attempt included
    /// ([`Client::with_timeout`](crate::Client::with_timeout) overrides this in turn).
    pub timeout: Option<Duration>,
}

impl InvokeRequest {
    /// An FC 2.0 sync call with an empty JSON body.
    pub fn new(service: impl Into<Cow<'static, str>>, function: impl Into<Cow<'static, str>>) -> Self {
        InvokeRequest::with_service(Some(service.into()), function.into())
    }

    /// An FC 3.0 sync call of `function` with an empty JSON body.
    ///
    /// ```
    /// use fc_runtime::{Api, InvokeRequest};
    /// let req = InvokeRequest::fc3("transcode").qualifier("prod").invocation_id("movie_1");
    /// assert_eq!(req.api(), Api::Fc3);
    /// assert_eq!(req.path(), "/2023-03-30/functions/transcode/invocations");
    /// ```
    pub fn fc3(function: impl Into<Cow<'static, str>>) -> Self {
        InvokeRequest::with_service(None, function.into())
    }

    fn with_service(service: Option<Cow<'static, str>>, function: Cow<'static, str>) -> Self {
        InvokeRequest {
            service,
            function,
            qualifier: None,
            invocation: InvocationMode::Sync,
            log_type: LogType::None,
            trace_id: None,
            body: Bytes::new(),
            content_type: ContentType::Json,
            timeout: None,
        }
    }

    /// Sets the qualifier.
    pub fn qualifier(mut self, qualifier: impl Into<Cow<'static, str>>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }

    /// Sets the invocation type. `Sync` drops a stateful invocation id; `Async` keeps one.
    pub fn invocation_type(mut self, invocation_type: InvocationType) -> Self {
        self.invocation = match (invocation_type, self.invocation) {
            (InvocationType::Sync, _) => InvocationMode::Sync,
            (InvocationType::Async, InvocationMode::AsyncWithId(id)) => InvocationMode::AsyncWithId(id),
            (InvocationType::Async, _) => InvocationMode::Async,
        };
        self
    }

    /// Names a stateful async invocation; makes the call async, as the Go and Java SDKs do.
    pub fn invocation_id(mut self, id: impl Into<String>) -> Self {
        self.invocation = InvocationMode::AsyncWithId(id.into());
        self
    }

    /// Sets the log type.
    pub fn log_type(mut self, log_type: LogType) -> Self {
        self.log_type = log_type;
        self
    }

    /// Sets `X-Fc-Trace-Id`.
    pub fn trace_id(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }

    /// An event that is already JSON text, sent as `application/json` unchanged (nothing is serialized here).
    pub fn json_bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.content_type = ContentType::Json;
        self
    }

    /// A raw-bytes event, sent as `application/octet-stream`. A [`Bytes`] body is sent without a copy.
    pub fn bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.content_type = ContentType::OctetStream;
        self
    }

    /// Overrides the client's timeout for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The API this request speaks: FC 2.0 when it names a service, FC 3.0 otherwise.
    pub fn api(&self) -> Api {
        if self.service.is_some() { Api::Fc2 } else { Api::Fc3 }
    }

    /// The request path (FC 3.0's qualifier is a query parameter, not part of it).
    pub fn path(&self) -> String {
        match &self.service {
            Some(service) => super::paths::invocations(service, self.qualifier.as_deref(), &self.function),
            None => super::paths::fc3_invocations(&self.function),
        }
    }
}
