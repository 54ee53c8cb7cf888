//! An HTTP trigger's answer: whole ([`TriggerResponse`]), streamed ([`TriggerStream`]), decoded with its metadata
//! ([`Reply`]), and a non-2xx answer told apart by FC's marker, never by the shape of its body.

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::HttpError;
use crate::transport::body_broke;
use crate::wire::{error_type, headers};
use crate::{FcError, FunctionError, FunctionErrorKind, InvocationMeta};

/// A route's decoded answer with what came with it: the status, the headers, FC's request id and, when the route
/// asked for it (`log = "tail"`), the invocation's log tail. The result type of an `#[fc_http]` route written
/// `Reply<T>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The decoded body.
    pub value: T,
    /// The status (2xx).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// FC's request id (`x-fc-request-id`).
    pub request_id: Option<String>,
}

impl<T> Reply<T> {
    /// `value` with the metadata of `response`.
    pub fn new(value: T, response: TriggerResponse) -> Self {
        Reply { value, status: response.status, headers: response.headers, request_id: response.request_id }
    }

    /// The invocation's last 4 KB of log, when the call asked for it.
    pub fn log_tail(&self) -> Option<String> {
        log_tail(&self.headers)
    }
}

/// A whole answer of an HTTP trigger.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TriggerResponse {
    /// The status (2xx: others are errors).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// FC's request id (`x-fc-request-id`).
    pub request_id: Option<String>,
}

impl TriggerResponse {
    /// The body as JSON of `T`; a body that does not decode names the failing field.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, FcError> {
        crate::error::decode_json_body(&self.body, self.request_id.as_deref(), "answer")
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String, FcError> {
        String::from_utf8(self.body.to_vec())
            .map_err(|_| FcError::decode("the answer is not UTF-8 text", &self.body, self.request_id.clone()))
    }

    /// The invocation's last 4 KB of log, when the call asked for it ([`TriggerCall::log_tail`](super::TriggerCall::log_tail)).
    pub fn log_tail(&self) -> Option<String> {
        log_tail(&self.headers)
    }
}

/// `x-fc-log-result`, decoded.
fn log_tail(headers: &HeaderMap) -> Option<String> {
    use base64::Engine as _;
    let value = headers.get(headers::LOG_RESULT)?.to_str().ok()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// An answer of an HTTP trigger whose body is read as it arrives.
#[derive(Debug)]
#[non_exhaustive]
pub struct TriggerStream {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// FC's request id.
    pub request_id: Option<String>,
    pub(super) response: reqwest::Response,
    /// Bytes read so far, and the most that may be.
    read: usize,
    max: usize,
}

impl TriggerStream {
    pub(super) async fn from_response(mut response: reqwest::Response, max: usize) -> Result<Self, FcError> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let request_id = headers.get(headers::REQUEST_ID).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if status.is_success() {
            return Ok(TriggerStream { status, headers, request_id, response, read: 0, max });
        }
        let body = crate::transport::read_body(&mut response, max, request_id.as_deref(), body_broke)
            .await
            .unwrap_or_default();
        Err(refusal(status, &headers, body, request_id))
    }

    /// The next chunk of the body as it arrives; `None` at its end. Past the client's
    /// [`max_response_bytes`](super::HttpTriggerClientBuilder::max_response_bytes) in all, an error.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FcError> {
        let chunk = self.response.chunk().await.map_err(body_broke)?;
        if let Some(chunk) = &chunk {
            self.read += chunk.len();
            if self.read > self.max {
                return Err(crate::transport::too_large(self.max, self.request_id.as_deref()));
            }
        }
        Ok(chunk)
    }
}

/// A non-2xx answer, by FC's marker (`X-Fc-Error-Type`): `FcCommonError` is FC's own answer, a
/// [`ServiceError`](crate::ServiceError); `UnhandledInvocationError` (or `HandledInvocationError`) a function that
/// failed, a [`FunctionError`]; an answer without the marker is the function's own, an [`HttpError`], whatever its
/// body looks like.
pub(crate) fn refusal(status: StatusCode, headers: &HeaderMap, body: Bytes, request_id: Option<String>) -> FcError {
    match headers.get(headers::ERROR_TYPE).and_then(|v| v.to_str().ok()) {
        Some(error_type::FC_COMMON) => FcError::from_answer(status.as_u16(), headers, &body),
        Some(kind @ (error_type::UNHANDLED | error_type::HANDLED)) => {
            let kind =
                if kind == error_type::HANDLED { FunctionErrorKind::Handled } else { FunctionErrorKind::Unhandled };
            FunctionError::parse(kind, InvocationMeta::from_headers(headers), body).into()
        }
        _ => FcError::Http(Box::new(HttpError::new(status, request_id, body))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn who_answered_is_read_from_fcs_marker_not_from_the_body() {
        let fc_shaped = Bytes::from_static(br#"{"Code":"NotFound","Message":"no such photo","RequestId":"r"}"#);
        // The function's own answer, shaped like FC's error: the function's.
        let own = refusal(
            StatusCode::NOT_FOUND,
            &headers(&[("x-fc-request-id", "r1")]),
            fc_shaped.clone(),
            Some("r1".into()),
        );
        let http = own.as_http().unwrap_or_else(|| panic!("{own:?}"));
        assert_eq!((http.status.as_u16(), http.request_id.as_deref()), (404, Some("r1")));
        // FC's refusal.
        let fc = refusal(
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("x-fc-error-type", "FcCommonError"), ("x-fc-request-id", "r2"), ("retry-after", "2")]),
            Bytes::from_static(br#"{"Code":"ResourceThrottled","Message":"slow down"}"#),
            Some("r2".into()),
        );
        let service = fc.as_service().unwrap_or_else(|| panic!("{fc:?}"));
        assert_eq!(service.code.as_str(), "ResourceThrottled");
        assert_eq!(service.retry_after, Some(std::time::Duration::from_secs(2)));
        // A function that failed.
        let failed = refusal(
            StatusCode::BAD_GATEWAY,
            &headers(&[("x-fc-error-type", "UnhandledInvocationError"), ("x-fc-request-id", "r3")]),
            Bytes::from_static(br#"{"errorMessage":"boom","errorType":"Panic"}"#),
            Some("r3".into()),
        );
        let function = failed.as_function().unwrap_or_else(|| panic!("{failed:?}"));
        assert_eq!(function.kind, FunctionErrorKind::Unhandled);
        assert_eq!((function.message.as_str(), function.error_type.as_deref()), ("boom", Some("Panic")));
        assert_eq!(function.request_id.as_deref(), Some("r3"));
    }
}
