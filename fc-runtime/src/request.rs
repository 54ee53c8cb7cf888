//! The low-level invoke request: everything the generated stubs (or a hand-written caller) decide per call.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;

/// `X-Fc-Invocation-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
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

/// One InvokeFunction call.
///
/// ```
/// use fc_runtime::{InvokeRequest, InvocationType};
/// let req = InvokeRequest::new("video", "transcode")
///     .qualifier("LATEST")
///     .invocation_id("movie_2024_final")
///     .json(br#"{"preset":"720p"}"#.to_vec());
/// assert_eq!(req.invocation_type, InvocationType::Async); // a stateful id implies Async
/// assert_eq!(req.path(), "/2016-08-15/services/video.LATEST/functions/transcode/invocations");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InvokeRequest {
    /// Service name.
    pub service: Cow<'static, str>,
    /// Function name.
    pub function: Cow<'static, str>,
    /// `LATEST`, a version number or an alias; `None` lets the service use `LATEST`.
    pub qualifier: Option<Cow<'static, str>>,
    /// Sync or async.
    pub invocation_type: InvocationType,
    /// Whether to ask for the log tail.
    pub log_type: LogType,
    /// `X-Fc-Stateful-Async-Invocation-Id`; setting it makes the call async.
    pub invocation_id: Option<String>,
    /// `X-Fc-Trace-Id`.
    pub trace_id: Option<String>,
    /// The event.
    pub body: Bytes,
    /// How the event is labelled.
    pub content_type: ContentType,
    /// Overrides the client's per-call timeout.
    pub timeout: Option<Duration>,
}

impl InvokeRequest {
    /// A sync call with an empty JSON body.
    pub fn new(service: impl Into<Cow<'static, str>>, function: impl Into<Cow<'static, str>>) -> Self {
        InvokeRequest {
            service: service.into(),
            function: function.into(),
            qualifier: None,
            invocation_type: InvocationType::Sync,
            log_type: LogType::None,
            invocation_id: None,
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

    /// Sets the invocation type.
    pub fn invocation_type(mut self, invocation_type: InvocationType) -> Self {
        self.invocation_type = invocation_type;
        self
    }

    /// Sets the log type.
    pub fn log_type(mut self, log_type: LogType) -> Self {
        self.log_type = log_type;
        self
    }

    /// Names a stateful async invocation; implies [`InvocationType::Async`], as the Go and Java SDKs do.
    pub fn invocation_id(mut self, id: impl Into<String>) -> Self {
        self.invocation_id = Some(id.into());
        self.invocation_type = InvocationType::Async;
        self
    }

    /// Sets `X-Fc-Trace-Id`.
    pub fn trace_id(mut self, id: impl Into<String>) -> Self {
        self.trace_id = Some(id.into());
        self
    }

    /// A JSON event (already serialized).
    pub fn json(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.content_type = ContentType::Json;
        self
    }

    /// A raw-bytes event, sent as `application/octet-stream`.
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

    /// The effective invocation type: async when a stateful id is set.
    pub fn effective_type(&self) -> InvocationType {
        if self.invocation_id.is_some() { InvocationType::Async } else { self.invocation_type }
    }

    /// The unescaped request path.
    pub fn path(&self) -> String {
        crate::paths::invocations(&self.service, self.qualifier.as_deref(), &self.function)
    }
}
