//! FC's custom-runtime protocol, written once for both of its sides: the runtime that answers it (the server,
//! the context built from the request) and the host that speaks it (LocalFc's forwarder and its log reader).
//!
//! - the calls: `POST /invoke`, `POST /initialize`, `GET /pre-stop`, `GET /pre-freeze`, routed by path, else by
//!   `x-fc-control-path`;
//! - the request headers that describe an invocation ([`request_headers`], read back by
//!   [`Context::from_headers`](super::Context::from_headers));
//! - the status rule: 200 with `x-fc-status: 200` for a result, 404 with `x-fc-status: 404` and a
//!   [`Failure`] body for a failure ([`reply_status`], [`answer`]);
//! - the log lines: `FC Invoke Start RequestId: …`, `FC Invoke End RequestId: …[, Error: Unhandled function
//!   error]` (and the same for the hooks), and the start-up line that says where the runtime listens.

// The host's half (writing requests, reading answers and output) is used by `LocalFc`, the runtime's half (routing
// the hooks) by the server: a build with one of them leaves the other half unused.
#![cfg_attr(not(all(feature = "local", feature = "function")), allow(dead_code))]

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use super::{Context, Failure, Lifecycle};

/// The request headers FC sends with every call.
pub(crate) mod header {
    use http::HeaderName;

    /// The invocation's request id.
    pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-fc-request-id");
    /// The function's name.
    pub const FUNCTION_NAME: HeaderName = HeaderName::from_static("x-fc-function-name");
    /// The FC 2.0 service's name.
    pub const SERVICE_NAME: HeaderName = HeaderName::from_static("x-fc-service-name");
    /// The qualifier the caller named.
    pub const QUALIFIER: HeaderName = HeaderName::from_static("x-fc-qualifier");
    /// The version that runs.
    pub const VERSION_ID: HeaderName = HeaderName::from_static("x-fc-version-id");
    /// The region.
    pub const REGION: HeaderName = HeaderName::from_static("x-fc-region");
    /// The owner's account id.
    pub const ACCOUNT_ID: HeaderName = HeaderName::from_static("x-fc-account-id");
    /// The function's memory, MB.
    pub const MEMORY: HeaderName = HeaderName::from_static("x-fc-function-memory");
    /// The function's timeout, seconds.
    pub const TIMEOUT: HeaderName = HeaderName::from_static("x-fc-function-timeout");
    /// How many times an async invocation was retried before this attempt.
    pub const RETRY_COUNT: HeaderName = HeaderName::from_static("x-fc-retry-count");
    /// The role's temporary access key id.
    pub const ACCESS_KEY_ID: HeaderName = HeaderName::from_static("x-fc-access-key-id");
    /// The role's temporary access key secret.
    pub const ACCESS_KEY_SECRET: HeaderName = HeaderName::from_static("x-fc-access-key-secret");
    /// The role's security token.
    pub const SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-fc-security-token");
    /// The call: `/invoke`, `/initialize`, … (advisory; the path decides).
    pub const CONTROL_PATH: HeaderName = HeaderName::from_static("x-fc-control-path");
    /// FC 2.0: the stateful async invocation id the caller chose.
    pub const STATEFUL_INVOCATION_ID: HeaderName = HeaderName::from_static("x-fc-stateful-async-invocation-id");
    /// FC 3.0: the async task id the caller chose.
    pub const ASYNC_TASK_ID: HeaderName = HeaderName::from_static("x-fc-async-task-id");
    /// The runtime's verdict in its answer: `200` or `404`.
    pub const STATUS: HeaderName = HeaderName::from_static("x-fc-status");
}

/// The `x-fc-control-path` of an HTTP trigger's request passed through to a custom runtime.
pub(crate) const HTTP_INVOKE: &str = "/http-invoke";

/// What a request to a custom runtime asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `POST /invoke`: run the function on the body.
    Invoke,
    /// A lifecycle hook.
    Hook(Lifecycle),
}

impl Call {
    /// The path (and `x-fc-control-path`) of the call.
    pub(crate) fn path(self) -> &'static str {
        match self {
            Call::Invoke => "/invoke",
            Call::Hook(Lifecycle::Initialize) => "/initialize",
            Call::Hook(Lifecycle::PreStop) => "/pre-stop",
            Call::Hook(Lifecycle::PreFreeze) => "/pre-freeze",
        }
    }

    /// The method FC uses for the call.
    pub(crate) fn method(self) -> Method {
        match self {
            Call::Invoke | Call::Hook(Lifecycle::Initialize) => Method::POST,
            Call::Hook(_) => Method::GET,
        }
    }

    /// The word in the log markers: `FC Invoke Start RequestId: …`.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            Call::Invoke => "Invoke",
            Call::Hook(which) => which.marker(),
        }
    }

    /// Which call a request is: by its path, else by `x-fc-control-path` (emulators and samples differ). The hooks
    /// FC sends as `GET` are accepted as `POST` too.
    pub(crate) fn classify(method: &Method, path: &str, control: Option<&str>) -> Option<Call> {
        let by = |p: &str| {
            [
                Call::Invoke,
                Call::Hook(Lifecycle::Initialize),
                Call::Hook(Lifecycle::PreStop),
                Call::Hook(Lifecycle::PreFreeze),
            ]
            .into_iter()
            .find(|c| c.path() == p)
        };
        let call = by(path).or_else(|| control.and_then(by))?;
        let allowed = match call {
            Call::Invoke | Call::Hook(Lifecycle::Initialize) => method == Method::POST,
            Call::Hook(_) => method == Method::GET || method == Method::POST,
        };
        allowed.then_some(call)
    }
}

/// The headers FC sends a runtime for `call` in the invocation `ctx` describes: the request id, names, qualifier,
/// version, region, account, memory, timeout, retry count, the caller's async id and the role's credentials.
/// Values that cannot travel in a header are left out.
pub(crate) fn request_headers(ctx: &Context, call: Call) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(16);
    let mut set = |name: HeaderName, value: &str| {
        if !value.is_empty()
            && let Ok(v) = HeaderValue::from_str(value)
        {
            headers.insert(name, v);
        }
    };
    set(http::header::CONTENT_TYPE, "application/octet-stream");
    set(header::CONTROL_PATH, call.path());
    set(header::REQUEST_ID, ctx.request_id());
    set(header::FUNCTION_NAME, ctx.function_name());
    set(header::SERVICE_NAME, ctx.service_name().unwrap_or_default());
    set(header::QUALIFIER, ctx.qualifier().unwrap_or_default());
    set(header::VERSION_ID, ctx.version().unwrap_or_default());
    set(header::REGION, ctx.region().unwrap_or_default());
    set(header::ACCOUNT_ID, ctx.account_id().unwrap_or_default());
    set(header::MEMORY, &ctx.memory_mb().map(|m| m.to_string()).unwrap_or_default());
    set(header::TIMEOUT, &ctx.timeout().map(|t| t.as_secs().max(1).to_string()).unwrap_or_default());
    set(header::RETRY_COUNT, &ctx.retry_count().to_string());
    if let Some(id) = ctx.invocation_id() {
        let name = if ctx.service_name().is_some() { header::STATEFUL_INVOCATION_ID } else { header::ASYNC_TASK_ID };
        set(name, id);
    }
    if let Some(role) = ctx.credentials() {
        set(header::ACCESS_KEY_ID, &role.access_key_id);
        set(header::ACCESS_KEY_SECRET, role.access_key_secret.expose());
        if let Some(token) = &role.security_token {
            set(header::SECURITY_TOKEN, token.expose());
        }
    }
    for secret in [header::ACCESS_KEY_SECRET, header::SECURITY_TOKEN] {
        if let Some(v) = headers.get_mut(secret) {
            v.set_sensitive(true);
        }
    }
    headers
}

/// The status a runtime answers with: 200 for a result, 404 for a failure (with `x-fc-status` the same).
pub(crate) fn reply_status(failed: bool) -> StatusCode {
    if failed { StatusCode::NOT_FOUND } else { StatusCode::OK }
}

/// What a runtime's answer means, by the status rule: a failure is a 404 or an `x-fc-status: 404` (with a
/// [`Failure`] body), a result is any other 2xx; anything else is not an answer the protocol knows.
pub(crate) fn answer(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Result<Bytes, Failure> {
    let failed = status == StatusCode::NOT_FOUND || headers.get(header::STATUS).is_some_and(|v| v.as_bytes() == b"404");
    if failed {
        return Err(Failure::from_body(&body));
    }
    if status.is_success() {
        return Ok(body);
    }
    Err(Failure::new("", format!("the custom runtime answered HTTP {}, neither 200 nor 404", status.as_u16())))
}

/// Whether a runtime's answer to an HTTP-trigger request reports the function's failure: `x-fc-status: 404`, the
/// status rule's failure marker (a web answer's own 404 is the function's answer, not a failure). Its body is a
/// [`Failure`].
pub(crate) fn web_failed(headers: &HeaderMap) -> bool {
    headers.get(header::STATUS).is_some_and(|v| v.as_bytes() == b"404")
}

/// The suffix of an End marker when the call failed.
const FAILED: &str = ", Error: Unhandled function error";

/// `FC Invoke Start RequestId: …`.
pub(crate) fn start_line(call: Call, request_id: &str) -> String {
    format!("FC {} Start RequestId: {request_id}", call.marker())
}

/// `FC Invoke End RequestId: …`, with `, Error: Unhandled function error` when the call failed.
pub(crate) fn end_line(call: Call, request_id: &str, failed: bool) -> String {
    format!("FC {} End RequestId: {request_id}{}", call.marker(), if failed { FAILED } else { "" })
}

/// A marker line of the runtime's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker<'a> {
    /// A call started.
    Start { call: &'a str, request_id: &'a str },
    /// A call ended.
    End { call: &'a str, request_id: &'a str, failed: bool },
}

impl<'a> Marker<'a> {
    /// The marker `line` is, if it is one.
    pub(crate) fn parse(line: &'a str) -> Option<Marker<'a>> {
        let rest = line.strip_prefix("FC ")?;
        let (call, rest) = rest.split_once(' ')?;
        if let Some(id) = rest.strip_prefix("Start RequestId: ") {
            return Some(Marker::Start { call, request_id: id.trim() });
        }
        let id = rest.strip_prefix("End RequestId: ")?;
        let (id, failed) = match id.strip_suffix(FAILED) {
            Some(id) => (id, true),
            None => (id, false),
        };
        Some(Marker::End { call, request_id: id.trim(), failed })
    }
}

/// The request id of a log line in the format of FC's built-in runtimes, `{timestamp} {request id} [{LEVEL}] …`
/// (what [`Context::log`](super::Context::log) writes; the official Go runtime's `{timestamp}: {request id}
/// [{LEVEL}]` too), if the line is one.
pub(crate) fn line_request_id(line: &str) -> Option<&str> {
    let mut words = line.splitn(4, ' ');
    let (stamp, id, level) = (words.next()?, words.next()?, words.next()?);
    let stamp = stamp.strip_suffix(':').unwrap_or(stamp);
    let dated = stamp.len() >= 19 && stamp.as_bytes()[4] == b'-' && stamp.as_bytes()[10] == b'T';
    let leveled = level.len() > 2 && level.starts_with('[') && level.ends_with(']');
    (dated && leveled && !id.is_empty()).then_some(id)
}

/// The optional start-up line, saying where the runtime listens (no official language name, as FC asks).
pub(crate) fn listening_line(addr: SocketAddr) -> String {
    format!("FunctionCompute fc-runtime runtime inited, listening on {addr}")
}

/// The address a start-up line names.
pub(crate) fn parse_listening(line: &str) -> Option<SocketAddr> {
    line.rsplit_once("listening on ")?.1.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    #[test]
    fn calls_are_routed_by_path_then_control_path() {
        let post = Method::POST;
        assert_eq!(Call::classify(&post, "/invoke", None), Some(Call::Invoke));
        assert_eq!(Call::classify(&post, "/", Some("/invoke")), Some(Call::Invoke));
        assert_eq!(Call::classify(&post, "/invoke", Some("/initialize")), Some(Call::Invoke));
        assert_eq!(Call::classify(&Method::GET, "/pre-stop", None), Some(Call::Hook(Lifecycle::PreStop)));
        assert_eq!(Call::classify(&post, "/", Some("/initialize")), Some(Call::Hook(Lifecycle::Initialize)));
        assert_eq!(Call::classify(&Method::GET, "/invoke", None), None);
        assert_eq!(Call::classify(&post, "/", Some("/http-invoke")), None);
        assert_eq!(Call::classify(&post, "/other", None), None);
        for call in [Call::Invoke, Call::Hook(Lifecycle::PreFreeze)] {
            assert_eq!(Call::classify(&call.method(), call.path(), None), Some(call));
        }
    }

    #[test]
    fn markers_are_written_and_read_by_one_rule() {
        for (call, failed) in [(Call::Invoke, false), (Call::Invoke, true), (Call::Hook(Lifecycle::PreStop), true)] {
            let end = end_line(call, "r-1", failed);
            assert_eq!(Marker::parse(&end), Some(Marker::End { call: call.marker(), request_id: "r-1", failed }));
            let start = start_line(call, "r-1");
            assert_eq!(Marker::parse(&start), Some(Marker::Start { call: call.marker(), request_id: "r-1" }));
        }
        assert_eq!(end_line(Call::Invoke, "x", true), "FC Invoke End RequestId: x, Error: Unhandled function error");
        assert_eq!(Marker::parse("greeting Ann"), None);
        assert_eq!(line_request_id("2026-12-03T08:15:30.123Z r-1 [INFO] greeting Ann"), Some("r-1"));
        assert_eq!(line_request_id("2026-12-03T08:15:30.123Z: r-2 [ERROR]  boom"), Some("r-2"));
        assert_eq!(line_request_id("greeting Ann [INFO] x"), None);
        assert_eq!(line_request_id("2026-12-03T08:15:30.123Z r-1 greeting"), None);
        let addr: SocketAddr = "127.0.0.1:9000".parse().unwrap();
        assert_eq!(parse_listening(&listening_line(addr)), Some(addr));
    }

    #[test]
    fn the_status_rule() {
        let ok = answer(StatusCode::OK, &HeaderMap::new(), Bytes::from_static(b"1"));
        assert_eq!(ok, Ok(Bytes::from_static(b"1")));
        let body = Failure::new("DemoError", "no").body();
        assert_eq!(
            answer(StatusCode::NOT_FOUND, &HeaderMap::new(), body.clone()),
            Err(Failure::new("DemoError", "no"))
        );
        let mut flagged = HeaderMap::new();
        flagged.insert(header::STATUS, HeaderValue::from_static("404"));
        assert_eq!(answer(StatusCode::OK, &flagged, body), Err(Failure::new("DemoError", "no")));
        let odd = answer(StatusCode::INTERNAL_SERVER_ERROR, &HeaderMap::new(), Bytes::new()).unwrap_err();
        assert!(odd.message.contains("neither 200 nor 404"), "{odd}");
    }

    #[test]
    fn request_headers_describe_the_context_and_read_back_the_same() {
        let ctx = Context::builder("r-9", "greet")
            .service("demo")
            .qualifier("prod")
            .version("1")
            .region("cn-hangzhou")
            .account_id("123")
            .memory_mb(512)
            .timeout(std::time::Duration::from_secs(60))
            .retry_count(2)
            .invocation_id("job_1")
            .credentials(Credentials::new("STS.id", "secret-value").with_security_token("token-value"))
            .build();
        let headers = request_headers(&ctx, Call::Invoke);
        let back = Context::from_headers(
            &headers,
            std::time::Instant::now(),
            &crate::Environment::from_vars::<&str, &str>([]),
        );
        assert_eq!(
            (back.request_id(), back.function_name(), back.service_name(), back.qualifier(), back.version()),
            ("r-9", "greet", Some("demo"), Some("prod"), Some("1"))
        );
        assert_eq!((back.region(), back.account_id(), back.memory_mb()), (Some("cn-hangzhou"), Some("123"), Some(512)));
        assert_eq!((back.retry_count(), back.invocation_id()), (2, Some("job_1")));
        assert!(back.deadline().is_some());
        let creds = back.credentials().unwrap();
        assert_eq!((creds.access_key_id.as_str(), creds.access_key_secret.expose()), ("STS.id", "secret-value"));
        assert!(headers.get(header::ACCESS_KEY_SECRET).unwrap().is_sensitive());
    }
}
