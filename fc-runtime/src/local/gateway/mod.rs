//! HTTP triggers under `LocalFc`, the door of HTTP requests: each trigger listens on its own loopback port (as each
//! FC trigger has its own domain), checks a request by FC's rules and the trigger's `authType`, and hands it to the
//! one admission path; the answer is the function's own (streamed back as it comes), or FC's, marked as FC marks
//! its own (`X-Fc-Error-Type`, the HTTP-trigger FAQ's table).

mod bearer;
#[cfg(feature = "jwt")]
pub(crate) mod jwt;
mod trigger;

use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use trigger::{HttpAuth, HttpTrigger};

use super::admission::{self, Admitted, BufferedRequest, Invocation, Payload};
use super::id::FunctionId;
use super::reply::{Dropped, Fail, Reject};
use super::routes::{Operation, Route};
use super::state::{Execution, Output, State, Work};
use crate::InvocationType;
use crate::function::{Failure, WebBody, WebResponse};
use crate::wire::error_type;
use bearer::BearerAuth;
#[cfg(feature = "jwt")]
use jwt::JwtAuth;

/// Headers of an HTTP-trigger request, at most (FC: 8 KB).
pub const MAX_REQUEST_HEADERS: usize = 8 * 1024;
/// The most header bytes a function may answer with through an HTTP trigger (FC: 8 KB, else `502`).
pub const MAX_RESPONSE_HEADERS: usize = 8 * 1024;
/// Path and query of an HTTP-trigger request, at most (FC: 4 KB).
pub const MAX_PATH_AND_QUERY: usize = 4 * 1024;

/// A running HTTP trigger, as [`LocalFc::http_triggers`](super::LocalFc::http_triggers) lists it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct HttpTriggerInfo {
    /// The trigger's name.
    pub name: String,
    /// The function.
    pub function: FunctionId,
    /// Where it listens: `http://127.0.0.1:{port}`.
    pub url: String,
    /// Its `authType`.
    pub auth: HttpAuth,
}

/// How a trigger checks who calls, its config parsed.
enum Auth {
    Anonymous,
    Function,
    #[cfg(feature = "jwt")]
    Jwt(JwtAuth),
    Bearer(BearerAuth),
}

/// What a trigger's listener serves.
pub(crate) struct Gateway {
    pub trigger: HttpTrigger,
    pub function: FunctionId,
    /// The version or alias it invokes (`LATEST` when none).
    pub qualifier: Option<String>,
    /// Set when the trigger is deleted: connections still open get FC's 404 and are closed.
    pub retired: std::sync::atomic::AtomicBool,
    auth: Auth,
}

impl Gateway {
    /// A trigger's gateway, its auth config parsed.
    pub(crate) fn new(trigger: HttpTrigger, function: FunctionId) -> Result<Self, String> {
        let config = || {
            trigger
                .auth_config
                .as_deref()
                .ok_or_else(|| format!("the {} trigger has no authConfig", trigger.auth.as_str()))
        };
        let auth = match trigger.auth {
            HttpAuth::Anonymous => Auth::Anonymous,
            HttpAuth::Function => Auth::Function,
            #[cfg(feature = "jwt")]
            HttpAuth::Jwt => Auth::Jwt(JwtAuth::parse(config()?)?.require_exp(trigger.require_exp)),
            #[cfg(not(feature = "jwt"))]
            HttpAuth::Jwt => {
                let _ = config()?;
                return Err("JWT triggers need fc-runtime's `jwt` feature (the JWKS's key algorithms)".to_owned());
            }
            HttpAuth::Bearer => Auth::Bearer(BearerAuth::parse(config()?)?),
        };
        Ok(Gateway { trigger, function, qualifier: None, retired: Default::default(), auth })
    }
}

pub(crate) async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    gateway: Arc<Gateway>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = crate::net::Backoff::default();
    loop {
        let stream = tokio::select! {
            _ = shutdown.changed() => break,
            stream = crate::net::next_connection(&listener, &mut backoff) => stream,
        };
        tokio::spawn(serve_connection(TokioIo::new(stream), state.clone(), gateway.clone()));
    }
}

/// One connection to a trigger, served until the peer closes it or `LocalFc` stops.
pub(crate) async fn serve_connection<IO>(io: TokioIo<IO>, state: Arc<State>, gateway: Arc<Gateway>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let connections = state.clone();
    let service = service_fn(move |req| {
        let (state, gateway) = (state.clone(), gateway.clone());
        async move { handle(&state, &gateway, req).await }
    });
    super::server::serve_http1(io, service, &connections.connections).await;
}

/// FC's own answer, in FC 3.0's error shape, marked `FcCommonError`, with the request id.
fn refuse(reject: Reject, request_id: &str) -> WebResponse {
    reject.into_trigger_response(request_id).map(|body| body.map_err(|never| match never {}).boxed_unsync())
}

async fn handle(state: &Arc<State>, gateway: &Gateway, req: Request<Incoming>) -> Result<WebResponse, Dropped> {
    let request_id = state.request_id();
    if gateway.retired.load(std::sync::atomic::Ordering::SeqCst) {
        let reject =
            Reject::new(404, "TriggerNotFound", format!("HTTP trigger {:?} was deleted", gateway.trigger.name));
        let mut response = refuse(reject, &request_id);
        response.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
        return Ok(response);
    }
    match answer(state, gateway, req, &request_id).await {
        Ok(mut response) => {
            if let Ok(id) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert("x-fc-request-id", id);
            }
            Ok(response)
        }
        Err(Fail::Reject(reject)) => Ok(refuse(reject, &request_id)),
        Err(Fail::Drop) => Err(Dropped),
    }
}

/// FC's rules for a request through an HTTP trigger: a method the trigger accepts (403 otherwise, as FC answers),
/// no `x-fc-*` header but the two control headers, headers within 8 KB, path and query within 4 KB.
/// Hop-by-hop headers are not refused (every HTTP/1.1 client may send them, browsers always do), but never reach
/// the function ([`drop_hop_by_hop`]).
fn check_request(gateway: &Gateway, req: &Request<Incoming>) -> Result<(), Reject> {
    let invalid = |message: String| Reject::new(400, "InvalidArgument", message);
    if !gateway.trigger.methods.contains(req.method()) {
        return Err(Reject::new(
            403,
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

/// Removes the hop-by-hop headers of a request before anything reads it: `connection`, the headers it names, and
/// `keep-alive`, `proxy-connection`, `te`, `trailer`, `upgrade` (RFC 9110 §7.6.1). Done before authentication, so
/// that `Connection: x-name` cannot remove a header the trigger's auth sets.
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

/// `body`, failing past `limit` bytes.
fn limited(body: WebBody, limit: usize) -> WebBody {
    Limited::new(body, limit).map_err(|e: crate::function::BoxError| e).boxed_unsync()
}

async fn answer(
    state: &Arc<State>,
    gateway: &Gateway,
    req: Request<Incoming>,
    request_id: &str,
) -> Result<WebResponse, Fail> {
    check_request(gateway, &req)?;
    let (mut parts, body) = req.into_parts();
    drop_hop_by_hop(&mut parts.headers);
    let ty = admission::invocation_type(&parts.headers)?;
    let tail = admission::log_tail(&parts.headers)?;
    let limit = state.limits.for_type(ty);
    if let Some(len) =
        parts.headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(admission::too_large(state, ty, len).into());
    }
    #[cfg_attr(not(feature = "jwt"), allow(unused_mut))]
    let mut body: WebBody = body.map_err(|e: hyper::Error| -> crate::function::BoxError { Box::new(e) }).boxed_unsync();
    match &gateway.auth {
        Auth::Anonymous => {}
        Auth::Function => super::auth::authenticate_http_trigger(
            &state.auth,
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
        )?,
        Auth::Bearer(bearer) => bearer.check(&parts.headers)?,
        #[cfg(feature = "jwt")]
        Auth::Jwt(jwt) => body = jwt.admit(&mut parts, body, limit).await?,
    }
    let route = Route {
        api: gateway.function.api(),
        service: gateway.function.owner(),
        function: gateway.function.name(),
        qualifier: gateway.qualifier.clone(),
        operation: Operation::Invoke,
    };
    let target = route.resolve(state)?;
    let ctx = admission::context(state, &target, request_id, &parts.headers);
    let invocation = match ty {
        InvocationType::Async => {
            // Accepted at once and run later, perhaps more than once: the body is read first (the async limit is
            // small).
            let body = super::state::read_whole(body, limit)
                .await
                .ok_or_else(|| admission::too_large(state, ty, format!("over {limit}")))?;
            Invocation::Async { payload: Payload::Http(Box::new(BufferedRequest::new(parts, body))), id: None }
        }
        InvocationType::Sync => {
            Invocation::Sync(Work::Http(Box::new(Request::from_parts(parts, limited(body, limit)))))
        }
    };
    match admission::admit(state, &target, ctx, invocation, request_id).await? {
        Admitted::Accepted { .. } => {
            let mut response = Response::new(crate::function::full(Bytes::new()));
            *response.status_mut() = StatusCode::ACCEPTED;
            Ok(response)
        }
        Admitted::Ran(exec) => Ok(respond(state, exec, tail, request_id).await),
    }
}

/// The answer to a run: the function's own (its forbidden headers dropped, its headers within 8 KB, its body
/// within FC's response limit), or `502 UnhandledInvocationError` when it failed or broke those rules; with the
/// log's tail when asked for, once the whole answer is in.
async fn respond(state: &State, exec: Execution, tail: bool, request_id: &str) -> WebResponse {
    let Execution { outcome, log, .. } = exec;
    let limit = state.limits.max_sync_payload;
    let failed = |failure: Failure| (failed_response(&failure), None);
    let (mut response, logs_copied) = match outcome {
        // FC's own answer: the function could not run.
        Err(super::state::Failed::Platform(reject)) => (refuse(reject, request_id), None),
        Err(failure) => failed(failure.failure()),
        Ok(Output::Event(_)) => {
            failed(Failure::new("", "the function answered an HTTP request with an event's result"))
        }
        Ok(Output::Http(mut response)) => {
            // What any runtime answered, held to FC's response rules.
            crate::function::web::strip_forbidden(response.headers_mut());
            let size: usize = response.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
            if size > MAX_RESPONSE_HEADERS {
                failed(Failure::new(
                    "BadResponse",
                    format!(
                        "the function's response headers are {size} bytes, over the {MAX_RESPONSE_HEADERS} byte limit"
                    ),
                ))
            } else {
                let (mut parts, body) = response.into_parts();
                let copied = parts.extensions.remove::<super::runtime::LogsCopied>();
                (Response::from_parts(parts, limited(body, limit)), copied)
            }
        }
    };
    if !tail {
        return response;
    }
    // Tail: the whole answer first (within the limit, else FC's 502), then the invocation's last 4 KB of log.
    let (parts, body) = response.into_parts();
    response = match body.collect().await {
        Ok(collected) => Response::from_parts(parts, crate::function::full(collected.to_bytes())),
        Err(e) => failed_response(&Failure::new(
            "BadResponse",
            format!("the function's answer broke off, or is over FC's {limit} byte limit: {e}"),
        )),
    };
    if let Some(copied) = logs_copied {
        copied.wait().await;
    }
    let log = log.contents();
    let tail = &log[log.len().saturating_sub(super::state::LOG_TAIL)..];
    if let Ok(value) = HeaderValue::from_str(&base64::engine::general_purpose::STANDARD.encode(tail)) {
        response.headers_mut().insert("x-fc-log-result", value);
    }
    response
}

/// A function's failure as FC answers it over HTTP: 502, `X-Fc-Error-Type: UnhandledInvocationError`, the
/// failure's body.
fn failed_response(failure: &Failure) -> WebResponse {
    let mut response = Response::new(crate::function::full(failure.body()));
    *response.status_mut() = StatusCode::BAD_GATEWAY;
    response.headers_mut().insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(crate::wire::headers::ERROR_TYPE, HeaderValue::from_static(error_type::UNHANDLED));
    response
}
