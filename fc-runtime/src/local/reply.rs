//! Building FC-shaped answers.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;

pub(crate) type Body = Full<Bytes>;

/// A service error answer: status, FC error code and message.
#[derive(Debug, Clone)]
pub(crate) struct Reject {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
}

impl Reject {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Reject { status, code, message: message.into() }
    }

    /// `{"ErrorCode": …, "ErrorMessage": …, "RequestId": …}` with `X-Fc-Request-Id`, as FC answers.
    pub fn into_response(self, request_id: &str) -> Response<Body> {
        let body = serde_json::json!({
            "ErrorCode": self.code,
            "ErrorMessage": self.message,
            "RequestId": request_id,
        });
        let mut resp = json_response(self.status, serde_json::to_vec(&body).unwrap_or_default());
        set(&mut resp, "x-fc-request-id", request_id);
        resp
    }
}

impl Reject {
    /// FC 3.0's error body, `{"Code": …, "Message": …, "RequestId": …}`, with `x-fc-request-id`.
    pub fn into_fc3_response(self, request_id: &str) -> Response<Body> {
        let body = serde_json::json!({
            "Code": self.code,
            "Message": self.message,
            "RequestId": request_id,
        });
        let mut resp = json_response(self.status, serde_json::to_vec(&body).unwrap_or_default());
        set(&mut resp, "x-fc-request-id", request_id);
        resp
    }
}

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
pub(crate) fn set(resp: &mut Response<Body>, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}
