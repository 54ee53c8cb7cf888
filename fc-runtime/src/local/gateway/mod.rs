//! HTTP triggers under `LocalFc`: each trigger listens on its own loopback port (as each FC trigger has its own
//! domain), checks a request by FC's rules and the trigger's `authType`, and passes it to the function's web
//! service (in process) or to its custom-runtime process, answer streamed back as it comes.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::jwt::JwtAuth;
use super::reply::Reject;
use super::routes::{Operation, Route, fc3_service};
use super::state::{Function, Host, State};
use crate::Api;
use crate::function::{Context, WebBody, WebRequest, WebResponse};
use crate::net::{self, Backoff};

/// Headers of an HTTP-trigger request, at most (FC: 8 KB).
pub const MAX_REQUEST_HEADERS: usize = 8 * 1024;
/// The most header bytes a function may answer with through an HTTP trigger (FC: 8 KB, else `502 BadResponse`).
pub const MAX_RESPONSE_HEADERS: usize = 8 * 1024;
/// Path and query of an HTTP-trigger request, at most (FC: 4 KB).
pub const MAX_PATH_AND_QUERY: usize = 4 * 1024;
/// Bytes of log a `Tail` answer carries.
const LOG_TAIL: usize = 4096;

/// How an HTTP trigger authenticates its callers (its `authType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpAuth {
    /// `anonymous`: anyone may call.
    Anonymous,
    /// `function`: the caller signs with an access key `LocalFc` accepts, as FC's documentation's samples sign
    /// (`fc_runtime::sign::http_trigger`).
    Function,
    /// `jwt`: the caller sends a JWT that the trigger's JWKS verifies ([`HttpTrigger::jwt`]).
    Jwt,
}

impl HttpAuth {
    /// The `authType` word: `anonymous`, `function` or `jwt`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpAuth::Anonymous => "anonymous",
            HttpAuth::Function => "function",
            HttpAuth::Jwt => "jwt",
        }
    }
}

/// An HTTP trigger on a function: its name, `authType`, and the methods it accepts (default: all that FC
/// supports, `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`, `OPTIONS`).
#[derive(Debug, Clone)]
pub struct HttpTrigger {
    name: String,
    auth: HttpAuth,
    auth_config: Option<String>,
    methods: Vec<Method>,
}

impl HttpTrigger {
    /// An anonymous trigger.
    pub fn anonymous(name: impl Into<String>) -> Self {
        HttpTrigger::new(name, HttpAuth::Anonymous)
    }

    /// A trigger whose callers sign their requests (`authType = function`).
    pub fn function(name: impl Into<String>) -> Self {
        HttpTrigger::new(name, HttpAuth::Function)
    }

    /// A trigger whose callers send a JWT, with FC's `authConfig` JSON:
    /// `{"JWKS": {"keys": […]}, "TokenLookup": "header:Authorization:Bearer,cookie:jwt", "ClaimPassBy":
    /// "query:uid:uid,header:name:x-name"}`. The token's signature is checked with the JWKS key of its `kid` (or
    /// the one key without a `kid`), `exp` and `nbf` when present (60 s leeway); the claims named in
    /// `ClaimPassBy` reach the function as query parameters, headers, cookies or form fields. A refusal is
    /// `401 InvalidJWT`. A config `start()` cannot parse is a
    /// [`StartError::InvalidTrigger`](super::StartError::InvalidTrigger).
    pub fn jwt(name: impl Into<String>, auth_config: impl Into<String>) -> Self {
        let mut trigger = HttpTrigger::new(name, HttpAuth::Jwt);
        trigger.auth_config = Some(auth_config.into());
        trigger
    }

    fn new(name: impl Into<String>, auth: HttpAuth) -> Self {
        let methods =
            [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS];
        HttpTrigger { name: name.into(), auth, auth_config: None, methods: methods.to_vec() }
    }

    /// Accepts only these methods.
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// The trigger's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its `authType`.
    pub fn auth(&self) -> HttpAuth {
        self.auth
    }
}

/// A running HTTP trigger, as [`LocalFc::http_triggers`](super::LocalFc::http_triggers) lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpTriggerInfo {
    /// The trigger's name.
    pub name: String,
    /// The function (FC 2.0: `service/function`).
    pub function: String,
    /// Where it listens: `http://127.0.0.1:{port}`.
    pub url: String,
    /// Its `authType`.
    pub auth: HttpAuth,
}

/// What a trigger's listener serves.
pub(crate) struct Gateway {
    pub trigger: HttpTrigger,
    pub api: Api,
    pub service: String,
    pub function: String,
    /// The parsed JWT auth of a `jwt` trigger.
    pub jwt: Option<JwtAuth>,
}

impl Gateway {
    /// A trigger's gateway, its auth config parsed.
    pub(crate) fn new(trigger: HttpTrigger, api: Api, service: String, function: String) -> Result<Self, String> {
        let jwt = match (trigger.auth, &trigger.auth_config) {
            (HttpAuth::Jwt, Some(config)) => Some(JwtAuth::parse(config)?),
            _ => None,
        };
        Ok(Gateway { trigger, api, service, function, jwt })
    }

    /// The function's internal service (FC 3.0) or its service.
    fn service(&self) -> String {
        match self.api {
            Api::Fc3 => fc3_service(&self.function),
            _ => self.service.clone(),
        }
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    gateway: Arc<Gateway>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::default();
    loop {
        let stream = tokio::select! {
            _ = shutdown.changed() => break,
            stream = net::next_connection(&listener, &mut backoff) => stream,
        };
        let (state, gateway, shutdown) = (state.clone(), gateway.clone(), shutdown.clone());
        tokio::spawn(serve_connection(TokioIo::new(stream), state, gateway, shutdown));
    }
}

/// One connection to a trigger, served until the peer closes it or `LocalFc` stops.
pub(crate) async fn serve_connection<IO>(
    io: TokioIo<IO>,
    state: Arc<State>,
    gateway: Arc<Gateway>,
    mut shutdown: watch::Receiver<bool>,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let (state, gateway) = (state.clone(), gateway.clone());
        async move { Ok::<_, std::convert::Infallible>(handle(&state, &gateway, req).await) }
    });
    super::server::serve_http1(io, service, &mut shutdown).await;
}

/// FC's refusal, in FC 3.0's error shape, with the request id.
fn refuse(reject: Reject, request_id: &str) -> WebResponse {
    reject.into_fc3_response(request_id).map(|body| body.map_err(|never| match never {}).boxed_unsync())
}

async fn handle(state: &Arc<State>, gateway: &Gateway, req: Request<Incoming>) -> WebResponse {
    let request_id = state.request_id();
    match answer(state, gateway, req, &request_id).await {
        Ok(mut response) => {
            if let Ok(id) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert("x-fc-request-id", id);
            }
            response
        }
        Err(reject) => refuse(reject, &request_id),
    }
}

/// FC's rules for a request through an HTTP trigger: no `x-fc-*` header but the two control headers, headers within
/// 8 KB, path and query within 4 KB, a method the trigger accepts. `connection` and `keep-alive` are hop-by-hop:
/// every HTTP/1.1 client may send them (browsers always do), so they are not refused but never reach the function
/// (see [`drop_hop_by_hop`]).
fn check_request(gateway: &Gateway, req: &Request<Incoming>) -> Result<(), Reject> {
    let invalid = |message: String| Reject::new(400, "InvalidArgument", message);
    if !gateway.trigger.methods.contains(req.method()) {
        return Err(Reject::new(
            405,
            "MethodNotAllowed",
            format!("HTTP trigger {:?} does not accept {}", gateway.trigger.name, req.method()),
        ));
    }
    let mut size = 0;
    for (name, value) in req.headers() {
        let n = name.as_str();
        if n.starts_with("x-fc-") && n != "x-fc-invocation-type" && n != "x-fc-log-type" {
            return Err(invalid(format!("the request header {n} is reserved: x-fc-* headers may not be sent")));
        }
        size += n.len() + value.len() + 4;
    }
    if size > MAX_REQUEST_HEADERS {
        return Err(invalid(format!(
            "the request headers are {size} bytes, over the {MAX_REQUEST_HEADERS} byte limit"
        )));
    }
    let path_and_query = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if path_and_query > MAX_PATH_AND_QUERY {
        return Err(invalid(format!(
            "the path and query are {path_and_query} bytes, over the {MAX_PATH_AND_QUERY} byte limit"
        )));
    }
    Ok(())
}

/// Removes the hop-by-hop headers of a request before it is passed on: `connection`, the headers it names, and
/// `keep-alive`, `proxy-connection`, `te`, `trailer`, `upgrade` (RFC 9110 §7.6.1).
fn drop_hop_by_hop(headers: &mut http::HeaderMap) {
    let named: Vec<String> = headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect();
    for name in named.iter().map(String::as_str).chain([
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    ]) {
        headers.remove(name);
    }
}

/// The whole body, or `None` past `limit` bytes (or when it broke off).
async fn read_limited(mut body: WebBody, limit: usize) -> Option<Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.ok()?.into_data() {
            if buf.len() + data.len() > limit {
                return None;
            }
            buf.extend_from_slice(&data);
        }
    }
    Some(buf.freeze())
}

/// `body`, failing past `limit` bytes.
fn limited(body: WebBody, limit: usize) -> WebBody {
    Limited::new(body, limit).map_err(|e: crate::function::BoxError| e).boxed_unsync()
}

async fn answer(
    state: &Arc<State>,
    gateway: &Gateway,
    req: Request<Incoming>,
    request_id: &str,
) -> Result<WebResponse, Reject> {
    check_request(gateway, &req)?;
    if gateway.trigger.auth == HttpAuth::Function {
        super::auth::authenticate_http_trigger(
            &state.auth,
            req.method().as_str(),
            req.uri().path(),
            req.uri().query(),
            req.headers(),
        )?;
    }
    let route = Route {
        api: gateway.api,
        service: gateway.service(),
        function: &gateway.function,
        qualifier: None,
        operation: Operation::Invoke,
    };
    let target = route.resolve(state)?;
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let asynchronous = match header("x-fc-invocation-type") {
        None | Some("Sync") => false,
        Some("Async") => true,
        Some(other) => {
            return Err(Reject::new(
                400,
                "InvalidArgument",
                format!("X-Fc-Invocation-Type {other:?} is not Sync or Async"),
            ));
        }
    };
    let tail = match header("x-fc-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => {
            return Err(Reject::new(400, "InvalidArgument", format!("X-Fc-Log-Type {other:?} is not None or Tail")));
        }
    };
    let limit = if asynchronous { state.limits.max_async_payload } else { state.limits.max_sync_payload };
    let too_large = || {
        Reject::new(400, "EntityTooLarge", format!("the body exceeds the {limit} byte limit of this invocation type"))
    };
    let (mut parts, body) = req.into_parts();
    if parts.headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok())
        > Some(limit)
    {
        return Err(too_large());
    }
    let mut body: WebBody = body.map_err(|e: hyper::Error| -> crate::function::BoxError { Box::new(e) }).boxed_unsync();
    if let Some(jwt) = &gateway.jwt {
        // A form body is read when the token may be in it or claims are to be added to it.
        let mut form = None;
        if jwt.uses_form() && super::jwt::is_form(&parts) {
            let bytes = read_limited(body, limit).await.ok_or_else(too_large)?;
            form = Some(form_urlencoded::parse(&bytes).into_owned().collect::<super::jwt::Form>());
            body = crate::function::full(bytes);
        }
        jwt.authenticate(&mut parts, form.as_mut())?;
        if let Some(form) = form {
            let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
            parts.headers.remove(http::header::CONTENT_LENGTH);
            body = crate::function::full(encoded);
        }
    }
    drop_hop_by_hop(&mut parts.headers);
    let function = target.function.clone();
    function.received.fetch_add(1, Ordering::SeqCst);
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ctx = super::invoke::context(state, &target, request_id, &parts.headers)
        .timeout(function.config.timeout)
        .log_to(log.clone())
        .build();
    if asynchronous {
        // Accepted at once; run in the background, the body read first (the async limit is small).
        let body = read_limited(body, limit).await.ok_or_else(too_large)?;
        let request = Request::from_parts(parts, crate::function::full(body));
        tokio::spawn(async move {
            let _ = run(&function, request, ctx).await;
        });
        let mut response = Response::new(crate::function::full(Bytes::new()));
        *response.status_mut() = http::StatusCode::ACCEPTED;
        return Ok(response);
    }
    let body = limited(body, limit);
    let request = Request::from_parts(parts, body);
    let mut response = run(&function, request, ctx).await;
    // What any runtime answered, held to FC's response rules: its forbidden headers dropped, the rest within 8 KB.
    crate::function::web::strip_forbidden(response.headers_mut());
    let size: usize = response.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
    if size > MAX_RESPONSE_HEADERS {
        return Err(Reject::new(
            502,
            "BadResponse",
            format!("the function's response headers are {size} bytes, over the {MAX_RESPONSE_HEADERS} byte limit"),
        ));
    }
    if !tail {
        return Ok(response);
    }
    // Tail: the whole answer first, then the invocation's last 4 KB of log beside it.
    let (mut parts, body) = response.into_parts();
    let copied = parts.extensions.remove::<super::runtime::LogsCopied>();
    let body = body
        .collect()
        .await
        .map_err(|e| Reject::new(502, "BadResponse", format!("the function's answer broke off: {e}")))?
        .to_bytes();
    if let Some(copied) = copied {
        copied.wait().await;
    }
    let log = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    let tail = &log[log.len().saturating_sub(LOG_TAIL)..];
    if let Ok(value) = HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(tail)) {
        parts.headers.insert("x-fc-log-result", value);
    }
    Ok(Response::from_parts(parts, crate::function::full(body)))
}

/// One HTTP invocation of `function` in `ctx`: its web service in process, or its runtime process; within the
/// function's timeout until the answer's head arrives. A failure is FC's answer for it.
async fn run(function: &Function, request: WebRequest, ctx: Context) -> WebResponse {
    function.executions.fetch_add(1, Ordering::SeqCst);
    let timeout = function.config.timeout;
    let initializer = function.config.initializer;
    let served = async {
        match &function.host {
            Host::Router(host) => {
                if initializer && let Err(failure) = host.initialize(&ctx).await {
                    return failure_response(&failure);
                }
                host.router.serve_web(request, ctx.clone()).await
            }
            Host::Runtime(link) => match link.forward_http(request, &ctx, initializer).await {
                Ok(response) => response,
                Err(failure) => failure_response(&failure),
            },
        }
    };
    match tokio::time::timeout(timeout, served).await {
        Ok(response) => response,
        Err(_) => {
            let failure = crate::function::Failure::new(
                "",
                format!("Function timed out after {} seconds", timeout.as_secs_f64()),
            );
            failure_response(&failure)
        }
    }
}

/// A function's failure as FC answers it over HTTP: 502 with the failure's body.
fn failure_response(failure: &crate::function::Failure) -> WebResponse {
    let mut response = Response::new(crate::function::full(failure.body()));
    *response.status_mut() = http::StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
