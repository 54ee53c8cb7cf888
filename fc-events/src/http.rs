//! The HTTP trigger's `v1` event and response: what a **built-in** runtime's handler gets and returns. A custom
//! runtime (this crate's function side) gets the HTTP request itself, passed through.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// An HTTP request as an HTTP trigger hands it to a built-in runtime.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl HttpTriggerEvent {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The request line and the client of an HTTP trigger's request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// What a built-in runtime's HTTP handler returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl HttpTriggerResponse {
    /// A response with `status` and a text body.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        HttpTriggerResponse {
            status_code: status,
            headers: BTreeMap::new(),
            is_base64_encoded: false,
            body: body.into(),
        }
    }

    /// A response with `status` and a binary body, base64-encoded.
    pub fn binary(status: u16, body: &[u8]) -> Self {
        HttpTriggerResponse {
            status_code: status,
            headers: BTreeMap::new(),
            is_base64_encoded: true,
            body: base64::engine::general_purpose::STANDARD.encode(body),
        }
    }
}

impl crate::TriggerEvent for HttpTriggerEvent {
    const SOURCE: &'static str = "http";
}
