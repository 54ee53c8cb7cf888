//! The HTTP trigger's `v1` event and response: what a **built-in** runtime's handler gets and returns. A custom
//! runtime (this crate's function side) gets the HTTP request itself, passed through.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// An HTTP request as an HTTP trigger hands it to a built-in runtime.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HttpTriggerEvent {
    /// `v1`.
    pub version: String,
    /// The path, URL-**encoded** as the client sent it (the decoded one is `requestContext.http.path`).
    pub raw_path: String,
    /// The body: text, or base64 when `isBase64Encoded` ([`body_bytes`](Self::body_bytes) decodes either).
    #[serde(default)]
    pub body: String,
    /// Whether `body` is base64 (a binary content type).
    #[serde(default)]
    pub is_base64_encoded: bool,
    /// The headers, keys canonicalised (`Content-Type`), several values of one header joined with `,`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The query parameters, several values of one parameter joined with `,`.
    #[serde(default)]
    pub query_parameters: BTreeMap<String, String>,
    /// Who called, how, when.
    pub request_context: RequestContext,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl HttpTriggerEvent {
    /// A `v1` event of a `method` request for `path`, without a body, headers or query. `path` is taken as both
    /// the decoded path and `rawPath`: give an encoded path to `rawPath` yourself when the two differ.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        let http = HttpDetails::new(method, path);
        HttpTriggerEvent {
            version: "v1".to_owned(),
            raw_path: http.path.clone(),
            request_context: RequestContext::new(http),
            ..HttpTriggerEvent::default()
        }
    }

    /// Sets a text body.
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.body = body.into();
        self.is_base64_encoded = false;
        self
    }

    /// Sets a binary body, base64-encoded as FC sends one.
    pub fn with_binary_body(mut self, body: &[u8]) -> Self {
        self.body = base64::engine::general_purpose::STANDARD.encode(body);
        self.is_base64_encoded = true;
        self
    }

    /// Adds the header `name` (canonicalised, as FC sends it: `Content-Type`) with `value` (several values joined
    /// with `,`).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }

    /// Adds the query parameter `name` with `value` (several values joined with `,`).
    pub fn with_query_parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query_parameters.insert(name.into(), value.into());
        self
    }

    /// The body's bytes, base64-decoded when `isBase64Encoded`.
    pub fn body_bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        if self.is_base64_encoded {
            base64::engine::general_purpose::STANDARD.decode(&self.body)
        } else {
            Ok(self.body.as_bytes().to_vec())
        }
    }
}

/// The context of an HTTP trigger's request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestContext {
    /// The function owner's account id.
    #[serde(default)]
    pub account_id: String,
    /// The domain the request came to (`{trigger id}.{region}.fcapp.run`).
    #[serde(default)]
    pub domain_name: String,
    /// Its first label.
    #[serde(default)]
    pub domain_prefix: String,
    /// The request line and the client.
    pub http: HttpDetails,
    /// FC's request id.
    #[serde(default)]
    pub request_id: String,
    /// When it arrived: RFC 3339, UTC, whole seconds.
    #[serde(default)]
    pub time: String,
    /// When it arrived, **milliseconds** since the epoch, as a string.
    #[serde(with = "crate::tolerant::string", default)]
    pub time_epoch: String,
    /// The trigger's id (seen in events, not documented).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_id: Option<String>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl RequestContext {
    /// The context of the request `http`, everything else empty.
    pub fn new(http: HttpDetails) -> Self {
        RequestContext { http, ..RequestContext::default() }
    }
}

/// The request line and the client of an HTTP trigger's request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HttpDetails {
    /// `GET`, `POST`, ….
    pub method: String,
    /// The path, decoded.
    pub path: String,
    /// `HTTP/1.1`.
    #[serde(default)]
    pub protocol: String,
    /// The client's address.
    #[serde(default)]
    pub source_ip: String,
    /// The client's `User-Agent`.
    #[serde(default)]
    pub user_agent: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl HttpDetails {
    /// A `method` request for `path` (decoded) over `HTTP/1.1`.
    pub fn new(method: impl Into<String>, path: impl Into<String>) -> Self {
        HttpDetails {
            method: method.into(),
            path: path.into(),
            protocol: "HTTP/1.1".to_owned(),
            ..HttpDetails::default()
        }
    }
}

/// What a built-in runtime's HTTP handler returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HttpTriggerResponse {
    /// The status.
    pub status_code: u16,
    /// The headers (one value each: no list of `Set-Cookie`s in this shape).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Whether `body` is base64.
    #[serde(default)]
    pub is_base64_encoded: bool,
    /// The body.
    #[serde(default)]
    pub body: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl HttpTriggerResponse {
    /// A response with `status` and a text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        HttpTriggerResponse { status_code: status, body: body.into(), ..HttpTriggerResponse::default() }
    }

    /// A response with `status` and a binary body, base64-encoded.
    pub fn binary(status: u16, body: &[u8]) -> Self {
        HttpTriggerResponse {
            status_code: status,
            is_base64_encoded: true,
            body: base64::engine::general_purpose::STANDARD.encode(body),
            ..HttpTriggerResponse::default()
        }
    }

    /// Adds the header `name` with `value`.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.insert(name.into(), value.into());
        self
    }
}

impl crate::TriggerEvent for HttpTriggerEvent {
    const SOURCE: &'static str = "http";
}
