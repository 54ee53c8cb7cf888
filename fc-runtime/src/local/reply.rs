//! Building FC-shaped answers, and how a request ends when it does not end with its operation's answer.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

use crate::wire::error_type;

pub(crate) type Body = Full<Bytes>;

/// A service error answer: status, FC error code and message (and a `Retry-After` for a throttling one).
#[derive(Debug, Clone)]
pub(crate) struct Reject {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub retry_after: Option<Duration>,
}

impl Reject {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Reject { status, code, message: message.into(), retry_after: None }
    }

    /// The same refusal, asking the caller to wait `after` (`Retry-After`, in seconds).
    pub fn retry_after(mut self, after: Option<Duration>) -> Self {
        self.retry_after = after;
        self
    }

    fn render(self, body: serde_json::Value, request_id: &str) -> Response<Body> {
        let mut resp = json_response(self.status, serde_json::to_vec(&body).unwrap_or_default());
        set(&mut resp, "x-fc-request-id", request_id);
        if let Some(after) = self.retry_after {
            set(&mut resp, "retry-after", &after.as_secs().to_string());
        }
        resp
    }

    /// `{"ErrorCode": …, "ErrorMessage": …, "RequestId": …}` with `X-Fc-Request-Id`, as FC 2.0 answers.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let body = serde_json::json!({
            "ErrorCode": self.code,
            "ErrorMessage": self.message,
            "RequestId": request_id,
        });
        self.render(body, request_id)
    }

    /// FC 3.0's error body, `{"Code": …, "Message": …, "RequestId": …}`, with `x-fc-request-id`.
    pub fn into_fc3_response(self, request_id: &str) -> Response<Body> {
        let body = serde_json::json!({
            "Code": self.code,
            "Message": self.message,
            "RequestId": request_id,
        });
        self.render(body, request_id)
    }

    /// FC's own answer to an HTTP-trigger request: FC 3.0's error body, marked `X-Fc-Error-Type: FcCommonError`
    /// so that a caller can tell it from whatever the function answers.
    pub fn into_trigger_response(self, request_id: &str) -> Response<Body> {
        let mut resp = self.into_fc3_response(request_id);
        set(&mut resp, "x-fc-error-type", error_type::FC_COMMON);
        resp
    }
}

/// How a request ends when it does not end with an answer of its operation.
pub(crate) enum Fail {
    /// A service error, in the API's error shape.
    Reject(Reject),
    /// No answer at all: the connection is closed.
    Drop,
}

impl From<Reject> for Fail {
    fn from(r: Reject) -> Self {
        Fail::Reject(r)
    }
}

/// Returned to hyper to close the connection without an answer (injected faults, vanished clients).
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped")
    }
}

impl std::error::Error for Dropped {}

pub(crate) fn response(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(ct) = content_type {
        set(&mut resp, "content-type", ct);
    }
    resp
}

pub(crate) fn json_response(status: u16, body: impl Into<Bytes>) -> Response<Body> {
    response(status, Some("application/json; charset=utf-8"), body)
}

/// Sets a header; values the server builds are always valid, anything else is skipped rather than panicking.
pub(crate) fn set<B>(resp: &mut Response<B>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}
