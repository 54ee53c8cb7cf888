//! Answers: the metadata every invocation carries, and the pure functions that turn status, headers and body
//! into a typed result.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::error::{ErrorCode, FcError, FunctionError, FunctionErrorKind, ServiceError};
use crate::wire::{headers, parse_retry_after};

/// Everything FC says about an invocation besides its result.
///
/// A header that is absent or malformed (a non-numeric duration, invalid base64) is `None`: metadata never
/// fails a call whose result arrived.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct InvocationMeta {
    /// `X-Fc-Request-Id`.
    pub request_id: Option<String>,
    /// `X-Fc-Instance-Id`.
    pub instance_id: Option<String>,
    /// `X-Fc-Code-Checksum`.
    pub code_checksum: Option<String>,
    /// `X-Fc-Invocation-Duration`.
    pub duration: Option<Duration>,
    /// `X-Fc-Max-Memory-Usage`, in MB.
    pub max_memory_mb: Option<f64>,
    /// `X-Fc-Invocation-Service-Version`.
    pub service_version: Option<String>,
    /// `X-Fc-Log-Result`, decoded (lossily, should the log not be UTF-8).
    pub log_tail: Option<String>,
    /// `X-Fc-Stateful-Async-Invocation-Id`.
    pub invocation_id: Option<String>,
    /// Every other `X-Fc-*` header, lower-cased name and value.
    pub other: Vec<(String, String)>,
}

impl InvocationMeta {
    /// Reads the metadata from response headers.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let mut meta = InvocationMeta::default();
        for (name, value) in headers {
            let name = name.as_str();
            if !name.starts_with("x-fc-") {
                continue;
            }
            let Ok(value) = value.to_str() else { continue };
            let text = || Some(value.to_owned()).filter(|v| !v.is_empty());
            match name {
                headers::REQUEST_ID => meta.request_id = text(),
                headers::INSTANCE_ID => meta.instance_id = text(),
                headers::CODE_CHECKSUM => meta.code_checksum = text(),
                headers::INVOCATION_DURATION => meta.duration = parse_millis(value),
                headers::MAX_MEMORY_USAGE => meta.max_memory_mb = parse_metric(value),
                headers::SERVICE_VERSION => meta.service_version = text(),
                headers::LOG_RESULT => meta.log_tail = decode_log(value),
                headers::INVOCATION_ID | headers::ASYNC_TASK_ID => meta.invocation_id = text(),
                headers::ERROR_TYPE => {}
                _ => meta.other.push((name.to_owned(), value.to_owned())),
            }
        }
        meta
    }
}

/// Upper bound for plausible metrics (a day in ms; a terabyte in MB): larger values are treated as garbage.
const METRIC_CEILING: f64 = 1e9;

fn parse_metric(value: &str) -> Option<f64> {
    let v: f64 = value.trim().parse().ok()?;
    (v.is_finite() && (0.0..=METRIC_CEILING).contains(&v)).then_some(v)
}

fn parse_millis(value: &str) -> Option<Duration> {
    parse_metric(value).map(|ms| Duration::from_secs_f64(ms / 1000.0))
}

fn decode_log(value: &str) -> Option<String> {
    let raw = STANDARD.decode(value.trim()).ok()?;
    Some(String::from_utf8_lossy(&raw).into_owned())
}

/// A successful answer to an invoke: the function's output (sync) or an acceptance (async).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InvokeResponse {
    /// 200 for a sync result, 202 for an accepted async call.
    pub status: StatusCode,
    /// Metadata from the `X-Fc-*` headers.
    pub meta: InvocationMeta,
    /// The function's output bytes (empty for async).
    pub body: Bytes,
}

impl InvokeResponse {
    /// Builds a response (for fakes and recorders implementing [`Invoke`](crate::Invoke)).
    pub fn new(status: StatusCode, meta: InvocationMeta, body: impl Into<Bytes>) -> Self {
        InvokeResponse { status, meta, body: body.into() }
    }

    /// True for 202 Accepted (async).
    pub fn is_accepted(&self) -> bool {
        self.status == StatusCode::ACCEPTED
    }
}

impl InvokeResponse {
    /// Turns an invoke answer into a response or a typed error (a pure function: no I/O).
    ///
    /// - 2xx with `X-Fc-Error-Type` → [`FcError::Function`]
    /// - 200/202 → [`InvokeResponse`]
    /// - anything else → [`FcError::Service`] (or [`FcError::Decode`] for statuses FC never sends, such as 3xx)
    pub fn parse(status: u16, headers: &HeaderMap, body: Bytes) -> Result<InvokeResponse, FcError> {
        parse_invoke_response(status, headers, body)
    }
}

fn parse_invoke_response(status: u16, headers: &HeaderMap, body: Bytes) -> Result<InvokeResponse, FcError> {
    if !(200..300).contains(&status) {
        return Err(FcError::from_answer(status, headers, &body));
    }
    let meta = InvocationMeta::from_headers(headers);
    if let Some(kind) = headers.get(headers::ERROR_TYPE) {
        let kind = match kind.to_str() {
            Ok(crate::wire::error_type::HANDLED) => FunctionErrorKind::Handled,
            _ => FunctionErrorKind::Unhandled,
        };
        return Err(FunctionError::parse(kind, meta, body).into());
    }
    // A 2xx: the conversion cannot fail.
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    Ok(InvokeResponse { status, meta, body })
}

impl FunctionError {
    /// Parses a function error body: the runtimes' `{errorMessage, errorType, stackTrace}` when it is JSON, the
    /// raw text otherwise.
    pub fn parse(kind: FunctionErrorKind, meta: InvocationMeta, body: Bytes) -> FunctionError {
        function_error(kind, meta, body)
    }
}

fn function_error(kind: FunctionErrorKind, meta: InvocationMeta, body: Bytes) -> FunctionError {
    let parsed: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(&body).ok();
    let field = |names: &[&str]| parsed.as_ref().and_then(|m| names.iter().find_map(|n| m.get(*n)));
    let message = match field(&["errorMessage", "ErrorMessage"]) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None if body.is_empty() => "(empty error body)".to_owned(),
        None => String::from_utf8_lossy(&body).into_owned(),
    };
    let error_type = match field(&["errorType", "ErrorType"]) {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let stack_trace = match field(&["stackTrace", "StackTrace"]) {
        Some(serde_json::Value::Array(frames)) => frames
            .iter()
            .map(|f| match f {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect(),
        Some(serde_json::Value::String(s)) => s.lines().map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    FunctionError {
        kind,
        message,
        error_type,
        stack_trace,
        raw_body: body,
        request_id: meta.request_id,
        log_tail: meta.log_tail,
    }
}

impl FcError {
    /// Parses a 4xx/5xx answer: FC's `{"ErrorCode", "ErrorMessage"}` body (FC 3.0's `Code`/`Message` and
    /// camelCase accepted too). A body that is empty or not JSON (an HTML page from a proxy) still gives a
    /// service error, with a message describing it; a status FC never sends (3xx) is a decode error.
    pub fn from_answer(status: u16, headers: &HeaderMap, body: &[u8]) -> FcError {
        service_error(status, headers, body)
    }
}

fn service_error(status: u16, headers: &HeaderMap, body: &[u8]) -> FcError {
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let parsed: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(body).ok();
    let field = |names: &[&str]| {
        parsed.as_ref().and_then(|m| names.iter().find_map(|n| m.get(*n))).and_then(|v| v.as_str()).map(str::to_owned)
    };
    let code = field(&["ErrorCode", "errorCode", "Code", "code"]).unwrap_or_default();
    let message = field(&["ErrorMessage", "errorMessage", "Message", "message"]).unwrap_or_else(|| {
        if body.is_empty() {
            "(no error body)".to_owned()
        } else if parsed.is_some() {
            format!("error body without a message: {}", crate::error::excerpt(body))
        } else {
            format!("error body is not JSON: {}", crate::error::excerpt(body))
        }
    });
    let request_id = header_text(headers::REQUEST_ID).or_else(|| field(&["RequestId", "requestId"]));
    let retry_after = header_text("retry-after").and_then(|v| parse_retry_after(&v));
    let status = match http::StatusCode::from_u16(status) {
        Ok(status) if status.is_client_error() || status.is_server_error() => status,
        _ => return FcError::decode(format!("unexpected HTTP status {status}"), body, request_id),
    };
    ServiceError { status, code: ErrorCode::from(code.as_str()), message, request_id, retry_after, hint: None }.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn metadata_is_read_and_garbage_is_absent() {
        let h = headers(&[
            ("x-fc-request-id", "r1"),
            ("x-fc-invocation-duration", "12"),
            ("x-fc-max-memory-usage", "9.2"),
            ("x-fc-log-result", "aGVsbG8="),
            ("x-fc-code-checksum", "5697641582914695457"),
            ("x-fc-custom", "v"),
        ]);
        let m = InvocationMeta::from_headers(&h);
        assert_eq!(m.request_id.as_deref(), Some("r1"));
        assert_eq!(m.duration, Some(Duration::from_millis(12)));
        assert_eq!(m.max_memory_mb, Some(9.2));
        assert_eq!(m.log_tail.as_deref(), Some("hello"));
        assert_eq!(m.other, vec![("x-fc-custom".to_owned(), "v".to_owned())]);

        let h = headers(&[
            ("x-fc-invocation-duration", "soon"),
            ("x-fc-max-memory-usage", "1e400"),
            ("x-fc-log-result", "!!!not base64"),
        ]);
        let m = InvocationMeta::from_headers(&h);
        assert_eq!((m.duration, m.max_memory_mb, m.log_tail), (None, None, None));
        let m = InvocationMeta::from_headers(&headers(&[("x-fc-invocation-duration", "-5")]));
        assert_eq!(m.duration, None);
    }

    #[test]
    fn function_errors_with_and_without_json() {
        let h = headers(&[("x-fc-error-type", "HandledInvocationError"), ("x-fc-request-id", "r")]);
        let body = Bytes::from_static(br#"{"errorMessage":"boom","errorType":"Error","stackTrace":["a","b"]}"#);
        let FcError::Function(e) = parse_invoke_response(200, &h, body).unwrap_err() else { panic!() };
        assert_eq!(
            (e.kind, e.message.as_str(), e.error_type.as_deref()),
            (FunctionErrorKind::Handled, "boom", Some("Error"))
        );
        assert_eq!(e.stack_trace, ["a", "b"]);
        assert_eq!(e.request_id.as_deref(), Some("r"));

        let h = headers(&[("x-fc-error-type", "UnhandledInvocationError")]);
        let FcError::Function(e) = parse_invoke_response(200, &h, Bytes::from_static(b"segfault")).unwrap_err() else {
            panic!()
        };
        assert_eq!((e.kind, e.message.as_str()), (FunctionErrorKind::Unhandled, "segfault"));
        assert_eq!(&e.raw_body[..], b"segfault");
    }

    #[test]
    fn service_errors_in_every_spelling() {
        let h = headers(&[("x-fc-request-id", "r")]);
        let e = service_error(404, &h, br#"{"ErrorCode":"FunctionNotFound","ErrorMessage":"nope"}"#);
        let FcError::Service(s) = e else { panic!() };
        assert_eq!(
            (s.status.as_u16(), &s.code, s.message.as_str(), s.request_id.as_deref()),
            (404, &ErrorCode::FunctionNotFound, "nope", Some("r"))
        );

        let FcError::Service(s) =
            service_error(400, &HeaderMap::new(), br#"{"errorCode":"Weird","errorMessage":"m","RequestId":"b"}"#)
        else {
            panic!()
        };
        assert_eq!((&s.code, s.request_id.as_deref()), (&ErrorCode::Other("Weird".into()), Some("b")));

        let FcError::Service(s) = service_error(502, &HeaderMap::new(), b"<html><body>Bad Gateway</body></html>")
        else {
            panic!()
        };
        assert!(s.message.starts_with("error body is not JSON: <html>"), "{}", s.message);
        let FcError::Service(s) = service_error(503, &headers(&[("retry-after", "2")]), b"") else { panic!() };
        assert_eq!((s.message.as_str(), s.retry_after), ("(no error body)", Some(Duration::from_secs(2))));
        assert!(s.is_throttling());
        assert!(matches!(service_error(302, &HeaderMap::new(), b""), FcError::Decode { .. }));
    }
}
