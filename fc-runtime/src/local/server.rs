//! The HTTP side: accept loop, authentication, routing and the FC operations.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures_util::FutureExt as _;
use http::request::Parts;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::handler::{Context, HandlerError};
use super::reply::{Body, Reject, json_response, response, set};
use super::store::{StopOutcome, now_ms};
use super::{FaultKind, Function, State};
use crate::client::paths::API_VERSION;
use crate::{AsyncTask, AsyncTaskPage, InvocationPage, InvocationStatus, InvocationType, StatefulInvocation};

/// Bytes of log returned by `X-Fc-Log-Type: Tail`.
const LOG_TAIL: usize = 4096;

pub(crate) async fn serve(listener: TcpListener, state: Arc<State>, mut shutdown: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors or similar: back off instead of spinning.
                tracing::warn!(error = %e, "LocalFc accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(TokioIo::new(stream), state.clone(), shutdown.clone()));
    }
}

/// Serves one HTTP/1 connection until the peer closes it or the server shuts down.
pub(crate) async fn serve_connection<IO>(io: TokioIo<IO>, state: Arc<State>, mut shutdown: watch::Receiver<bool>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(state.clone(), req));
    let conn = http1::Builder::new().half_close(true).serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
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

enum Fail {
    Reject(Reject),
    Drop,
}

impl From<Reject> for Fail {
    fn from(r: Reject) -> Self {
        Fail::Reject(r)
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let request_id = state.request_id();
    let fc3 = req.uri().path().starts_with(FC3_PREFIX);
    let result =
        if fc3 { dispatch_fc3(&state, req, &request_id).await } else { dispatch(&state, req, &request_id).await };
    match result {
        Ok(resp) => Ok(resp),
        Err(Fail::Reject(r)) if fc3 => Ok(r.into_fc3_response(&request_id)),
        Err(Fail::Reject(r)) => Ok(r.into_response(&request_id)),
        Err(Fail::Drop) => Err(Dropped),
    }
}

const FC3_PREFIX: &str = "/2023-03-30/";

/// FC 3.0 (API 2023-03-30): ACS3 authentication, functions without services, the qualifier as a query parameter.
async fn dispatch_fc3(state: &Arc<State>, req: Request<Incoming>, request_id: &str) -> Result<Response<Body>, Fail> {
    let (parts, body) = req.into_parts();
    let raw_path = parts.uri.path();
    let expected_hash = super::auth::authenticate_acs3(
        &state.auth,
        &state.nonces,
        parts.method.as_str(),
        raw_path,
        parts.uri.query(),
        &parts.headers,
    )?;
    let decoded = percent_encoding::percent_decode_str(raw_path).decode_utf8_lossy().into_owned();
    let segments: Vec<&str> = decoded.trim_start_matches('/').split('/').collect();
    let not_supported =
        || Reject::new(404, "PathNotSupported", format!("{} {decoded} is not a supported API path", parts.method));
    let (function, rest) = match segments.as_slice() {
        [_version, "functions", function, rest @ ..] => (*function, rest),
        _ => return Err(not_supported().into()),
    };
    let (route, allowed): (Route3<'_>, Method) = match rest {
        ["invocations"] => (Route3::Invoke, Method::POST),
        ["async-tasks"] => (Route3::List, Method::GET),
        ["async-tasks", id] => (Route3::Get(id), Method::GET),
        ["async-tasks", id, "stop"] => (Route3::Stop(id), Method::PUT),
        _ => return Err(not_supported().into()),
    };
    if parts.method != allowed {
        return Err(
            Reject::new(405, "MethodNotAllowed", format!("{} is not allowed on {decoded}", parts.method)).into()
        );
    }
    let qualifier = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "qualifier")
        .map(|(_, v)| v.into_owned());
    let svc_q = match &qualifier {
        Some(q) => format!("{}.{q}", super::fc3_service(function)),
        None => super::fc3_service(function),
    };
    // Errors name the function, not the internal service that holds it.
    let target = resolve(state, &svc_q, function).map_err(|mut r| {
        let internal = format!("{:?}", super::fc3_service(function));
        r.message = r
            .message
            .replace(&format!(" in service {internal}"), "")
            .replace(&format!("of service {internal}"), &format!("of function {function:?}"));
        if r.code == "ServiceNotFound" {
            r.code = "FunctionNotFound";
            r.message = format!("function {function:?} does not exist");
        }
        r
    })?;
    match route {
        Route3::Invoke => invoke(state, target, &parts, body, request_id, Some(&expected_hash)).await,
        Route3::List => {
            let (tasks, next_token) = select(state, &target, parts.uri.query(), "prefix")?;
            let tasks = tasks.into_iter().map(|t| async_task(t, state)).collect();
            let page = AsyncTaskPage::new(tasks, next_token);
            Ok(with_request_id(json_response(200, to_json(&page)), request_id))
        }
        Route3::Get(id) => match state.store.get(&target.service, &target.function_name, id) {
            Some(info) => Ok(with_request_id(json_response(200, to_json(&async_task(info, state))), request_id)),
            None => Err(task_not_found(id).into()),
        },
        Route3::Stop(id) => match state.store.stop(&target.service, &target.function_name, id) {
            StopOutcome::Stopped => Ok(with_request_id(response(200, None, Bytes::new()), request_id)),
            StopOutcome::NotFound => Err(task_not_found(id).into()),
            StopOutcome::AlreadyFinished(status) => Err(Reject::new(
                412,
                "AsyncTaskFinished",
                format!("async task {id:?} already finished with status {status}"),
            )
            .into()),
        },
    }
}

enum Route3<'a> {
    Invoke,
    List,
    Get(&'a str),
    Stop(&'a str),
}

fn task_not_found(id: &str) -> Reject {
    Reject::new(404, "AsyncTaskNotFound", format!("async task {id:?} does not exist"))
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The function a request addresses, with the version that serves it.
struct Target {
    service: String,
    function_name: String,
    function: Arc<Function>,
    version: String,
}

enum Route<'a> {
    Invoke,
    List,
    One(&'a str),
}

async fn dispatch(state: &Arc<State>, req: Request<Incoming>, request_id: &str) -> Result<Response<Body>, Fail> {
    let (parts, body) = req.into_parts();
    let decoded = percent_encoding::percent_decode_str(parts.uri.path()).decode_utf8_lossy().into_owned();
    super::auth::authenticate(&state.auth, parts.method.as_str(), &decoded, parts.uri.query(), &parts.headers)?;

    let segments: Vec<&str> = decoded.trim_start_matches('/').split('/').collect();
    let not_supported =
        || Reject::new(400, "PathNotSupported", format!("{} {decoded} is not a supported API path", parts.method));
    let (svc_q, function, rest) = match segments.as_slice() {
        [version, "services", svc_q, "functions", function, rest @ ..] if *version == API_VERSION => {
            (*svc_q, *function, rest)
        }
        _ => return Err(not_supported().into()),
    };
    let (route, allowed): (Route<'_>, &[Method]) = match rest {
        ["invocations"] => (Route::Invoke, &[Method::POST]),
        ["stateful-async-invocations"] => (Route::List, &[Method::GET]),
        ["stateful-async-invocations", id] => (Route::One(id), &[Method::GET, Method::PUT]),
        _ => return Err(not_supported().into()),
    };
    if !allowed.contains(&parts.method) {
        return Err(
            Reject::new(405, "MethodNotAllowed", format!("{} is not allowed on {decoded}", parts.method)).into()
        );
    }
    let target = resolve(state, svc_q, function)?;
    match route {
        Route::Invoke => invoke(state, target, &parts, body, request_id, None).await,
        Route::List => Ok(list(state, &target, parts.uri.query(), request_id)?),
        Route::One(id) if parts.method == Method::GET => {
            match state.store.get(&target.service, &target.function_name, id) {
                Some(info) => Ok(with_request_id(json_response(200, to_json(&info)), request_id)),
                None => Err(not_found_invocation(id).into()),
            }
        }
        Route::One(id) => match state.store.stop(&target.service, &target.function_name, id) {
            StopOutcome::Stopped => Ok(with_request_id(response(200, None, Bytes::new()), request_id)),
            StopOutcome::NotFound => Err(not_found_invocation(id).into()),
            StopOutcome::AlreadyFinished(status) => Err(Reject::new(
                412,
                "AsyncInvocationStopped",
                format!("invocation {id:?} already finished with status {status}"),
            )
            .into()),
        },
    }
}

fn not_found_invocation(id: &str) -> Reject {
    Reject::new(404, "StatefulAsyncInvocationNotFound", format!("stateful async invocation {id:?} does not exist"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

fn with_request_id(mut resp: Response<Body>, request_id: &str) -> Response<Body> {
    set(&mut resp, "x-fc-request-id", request_id);
    resp
}

fn resolve(state: &State, svc_q: &str, function: &str) -> Result<Target, Reject> {
    let (service_name, qualifier) = match svc_q.split_once('.') {
        Some((s, q)) => (s, Some(q)),
        None => (svc_q, None),
    };
    let Some(service) = state.services.get(service_name) else {
        return Err(Reject::new(404, "ServiceNotFound", format!("service {service_name:?} does not exist")));
    };
    let version = match qualifier {
        None | Some("LATEST") => "LATEST".to_owned(),
        Some(q) if !q.is_empty() && q.bytes().all(|b| b.is_ascii_digit()) => {
            if !q.parse::<u32>().is_ok_and(|v| v >= 1 && v <= service.versions) {
                return Err(Reject::new(
                    404,
                    "VersionNotFound",
                    format!("version {q:?} of service {service_name:?} does not exist"),
                ));
            }
            q.to_owned()
        }
        Some(alias) => match service.aliases.get(alias) {
            Some(version) => version.clone(),
            None => {
                return Err(Reject::new(
                    404,
                    "AliasNotFound",
                    format!("alias {alias:?} of service {service_name:?} does not exist"),
                ));
            }
        },
    };
    let Some(f) = service.functions.get(function) else {
        return Err(Reject::new(
            404,
            "FunctionNotFound",
            format!("function {function:?} does not exist in service {service_name:?}"),
        ));
    };
    Ok(Target { service: service_name.to_owned(), function_name: function.to_owned(), function: f.clone(), version })
}

/// Runs one invocation. `fc3_body_hash` is set for FC 3.0 requests: the `x-acs-content-sha256` the body must hash
/// to, and the async task id comes from `x-fc-async-task-id`.
async fn invoke(
    state: &Arc<State>,
    target: Target,
    parts: &Parts,
    body: Incoming,
    request_id: &str,
    fc3_body_hash: Option<&str>,
) -> Result<Response<Body>, Fail> {
    let headers = &parts.headers;
    let id_header = if fc3_body_hash.is_some() { "x-fc-async-task-id" } else { "x-fc-stateful-async-invocation-id" };
    let invocation_id = header(headers, id_header);
    let mut ty = match header(headers, "x-fc-invocation-type") {
        None | Some("Sync") => InvocationType::Sync,
        Some("Async") => InvocationType::Async,
        Some(other) => {
            return Err(Reject::new(
                400,
                "InvalidArgument",
                format!("X-Fc-Invocation-Type {other:?} is not Sync or Async"),
            )
            .into());
        }
    };
    if let Some(id) = invocation_id {
        fc_names::check_invocation_id(id)
            .map_err(|e| Reject::new(400, "InvalidArgument", format!("stateful async invocation id {id:?} {e}")))?;
        ty = InvocationType::Async;
    }
    let log_tail = match header(headers, "x-fc-log-type") {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => {
            return Err(
                Reject::new(400, "InvalidArgument", format!("X-Fc-Log-Type {other:?} is not None or Tail")).into()
            );
        }
    };
    let limit = state.limits.for_type(ty);
    let too_large = |len: String| {
        Reject::new(
            400,
            "EntityTooLarge",
            format!(
                "payload size {len} exceeds the {} byte limit of {} invocations",
                limit,
                ty.as_str().to_ascii_lowercase()
            ),
        )
    };
    if let Some(len) = header(headers, "content-length").and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(too_large(len.to_string()).into());
    }
    let event = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Err(too_large(format!("over {limit}")).into());
        }
        Err(_) => return Err(Fail::Drop),
    };
    if let Some(expected) = fc3_body_hash {
        let actual = crate::sign::acs3::payload_hash(&event);
        if actual != expected {
            return Err(Reject::new(
                400,
                "InvalidArgument",
                format!("the body's SHA-256 {actual} differs from x-acs-content-sha256 {expected}"),
            )
            .into());
        }
    }

    let (service, function_name) = (target.service.as_str(), target.function_name.as_str());
    target.function.received.fetch_add(1, Ordering::SeqCst);
    if let Some(FaultKind::Throttle { status, retry_after }) =
        state.take_fault(service, function_name, |k| matches!(k, FaultKind::Throttle { .. }))
    {
        let code = if status == 503 { "ResourceExhausted" } else { "ResourceThrottled" };
        let mut resp =
            Reject::new(status, code, "the request was throttled (injected fault)").into_response(request_id);
        if let Some(after) = retry_after {
            set(&mut resp, "retry-after", &after.as_secs().to_string());
        }
        return Ok(resp);
    }
    if let Some(FaultKind::Latency(delay)) =
        state.take_fault(service, function_name, |k| matches!(k, FaultKind::Latency(_)))
    {
        tokio::time::sleep(delay).await;
    }
    if state.take_fault(service, function_name, |k| *k == FaultKind::DropBeforeHandler).is_some() {
        return Err(Fail::Drop);
    }
    let drop_after = state.take_fault(service, function_name, |k| *k == FaultKind::DropAfterHandler).is_some();

    let ctx = Context {
        request_id: request_id.to_owned(),
        // An FC 3.0 function has no service.
        service: if fc3_body_hash.is_some() { String::new() } else { target.service.clone() },
        function: target.function_name.clone(),
        qualifier: target.version.clone(),
        invocation_id: None,
        attempt: 1,
        log: Default::default(),
        headers: Arc::new(parts.headers.clone()),
        role: state.role.clone(),
        account_id: state.auth.account_id.clone(),
    };
    let resp = match ty {
        InvocationType::Sync => {
            let function = target.function.clone();
            if let Some(max) = function.config.concurrency {
                if function.running.fetch_add(1, Ordering::SeqCst) >= max {
                    function.running.fetch_sub(1, Ordering::SeqCst);
                    return Err(Reject::new(
                        429,
                        "ResourceExhausted",
                        format!(
                            "function {function_name:?} is already running {max} invocations (its concurrency limit)"
                        ),
                    )
                    .into());
                }
            } else {
                function.running.fetch_add(1, Ordering::SeqCst);
            }
            // Run in its own task: like FC, the function finishes even when the caller goes away.
            let exec = tokio::spawn(async move {
                let exec = execute(&function, event, ctx).await;
                function.running.fetch_sub(1, Ordering::SeqCst);
                exec
            })
            .await
            .map_err(|_| Fail::Drop)?;
            sync_response(&target, request_id, exec, log_tail)
        }
        InvocationType::Async => {
            let id_header =
                if fc3_body_hash.is_some() { "x-fc-async-task-id" } else { "x-fc-stateful-async-invocation-id" };
            accept_async(state, &target, event, ctx, invocation_id, request_id, id_header)?
        }
    };
    if drop_after {
        return Err(Fail::Drop);
    }
    Ok(resp)
}

enum Failure {
    Handled(HandlerError),
    Unhandled(String, Option<String>),
}

struct Execution {
    outcome: Result<Bytes, Failure>,
    log: Vec<u8>,
    duration: Duration,
}

async fn execute(function: &Function, event: Bytes, ctx: Context) -> Execution {
    function.executions.fetch_add(1, Ordering::SeqCst);
    let log = ctx.log.clone();
    let request_id = ctx.request_id.clone();
    ctx.log(format!("FC Invoke Start RequestId: {request_id}"));
    let started = Instant::now();
    let timeout = function.config.timeout;
    let outcome = match std::panic::catch_unwind(AssertUnwindSafe(|| function.handler.call(event, ctx.clone()))) {
        Err(panic) => Err(Failure::Unhandled(crate::function::panic_message(panic), Some("Panic".to_owned()))),
        Ok(fut) => match tokio::time::timeout(timeout, AssertUnwindSafe(fut).catch_unwind()).await {
            Err(_) => {
                Err(Failure::Unhandled(format!("Function timed out after {} seconds", timeout.as_secs_f64()), None))
            }
            Ok(Err(panic)) => Err(Failure::Unhandled(crate::function::panic_message(panic), Some("Panic".to_owned()))),
            Ok(Ok(Err(e))) if e.unhandled => Err(Failure::Unhandled(e.message, Some(e.error_type))),
            Ok(Ok(Err(e))) => Err(Failure::Handled(e)),
            Ok(Ok(Ok(bytes))) => Ok(bytes),
        },
    };
    let duration = started.elapsed();
    ctx.log(format!("FC Invoke End RequestId: {request_id}"));
    let log = std::mem::take(&mut *log.lock().unwrap_or_else(|p| p.into_inner()));
    Execution { outcome, log, duration }
}

fn sync_response(target: &Target, request_id: &str, exec: Execution, log_tail: bool) -> Response<Body> {
    let f = &target.function;
    let mut resp = match exec.outcome {
        Ok(bytes) => response(200, Some("application/octet-stream"), bytes),
        Err(failure) => {
            let (kind, body) = match failure {
                Failure::Handled(e) => ("HandledInvocationError", e.body()),
                Failure::Unhandled(message, error_type) => {
                    let mut body = serde_json::json!({ "errorMessage": message });
                    if let Some(t) = error_type {
                        body["errorType"] = t.into();
                    }
                    ("UnhandledInvocationError", Bytes::from(to_json(&body)))
                }
            };
            let mut resp = json_response(200, body);
            set(&mut resp, "x-fc-error-type", kind);
            resp
        }
    };
    set(&mut resp, "x-fc-request-id", request_id);
    set(&mut resp, "x-fc-instance-id", &f.instance_id);
    set(&mut resp, "x-fc-code-checksum", &f.code_checksum);
    set(&mut resp, "x-fc-invocation-duration", &exec.duration.as_millis().to_string());
    set(&mut resp, "x-fc-max-memory-usage", &format!("{:.2}", f.config.reported_memory_mb));
    set(&mut resp, "x-fc-invocation-service-version", &target.version);
    if log_tail {
        let tail = &exec.log[exec.log.len().saturating_sub(LOG_TAIL)..];
        set(&mut resp, "x-fc-log-result", &STANDARD.encode(tail));
    }
    resp
}

fn accept_async(
    state: &Arc<State>,
    target: &Target,
    event: Bytes,
    mut ctx: Context,
    invocation_id: Option<&str>,
    request_id: &str,
    id_header: &'static str,
) -> Result<Response<Body>, Reject> {
    let stateful = target.function.config.stateful;
    // Generated ids follow the same rule as callers' ids (a request id may start with a digit).
    let id = invocation_id.map_or_else(|| format!("async_{request_id}"), str::to_owned);
    ctx.invocation_id = Some(id.clone());
    if stateful {
        let info = StatefulInvocation {
            service_name: Some(target.service.clone()),
            function_name: Some(target.function_name.clone()),
            qualifier: Some(target.version.clone()),
            invocation_id: Some(id.clone()),
            started_time: Some(now_ms()),
            request_id: Some(request_id.to_owned()),
            already_retried_times: Some(0),
            instance_id: Some(target.function.instance_id.clone()),
            invocation_payload: Some(String::from_utf8_lossy(&event).into_owned()),
            ..StatefulInvocation::default()
        };
        if !state.store.insert(&target.service, &target.function_name, info) {
            return Err(Reject::new(
                409,
                "StatefulAsyncInvocationAlreadyExists",
                format!("stateful async invocation {id:?} already exists"),
            ));
        }
    }
    let task = tokio::spawn(run_async(
        state.clone(),
        target.service.clone(),
        target.function_name.clone(),
        target.function.clone(),
        event,
        ctx,
    ));
    if stateful {
        state.store.update(&target.service, &target.function_name, &id, |r| r.task = Some(task.abort_handle()));
    }
    let mut resp = response(202, None, Bytes::new());
    set(&mut resp, "x-fc-request-id", request_id);
    if stateful {
        set(&mut resp, id_header, &id);
    }
    Ok(resp)
}

/// Runs an accepted async invocation with FC's retries, keeping its record up to date.
async fn run_async(
    state: Arc<State>,
    service: String,
    function_name: String,
    function: Arc<Function>,
    event: Bytes,
    ctx: Context,
) {
    let id = ctx.invocation_id.clone().unwrap_or_default();
    let attempts = function.config.async_retries.saturating_add(1);
    let update = |f: &mut dyn FnMut(&mut super::store::Record)| {
        state.store.update(&service, &function_name, &id, |r| {
            if !r.info.status.as_ref().is_some_and(InvocationStatus::is_terminal) {
                f(r)
            }
        })
    };
    for attempt in 1..=attempts {
        update(&mut |r| {
            if attempt == 1 {
                r.set_status(InvocationStatus::Dequeued);
            }
            r.set_status(InvocationStatus::Running);
        });
        let mut ctx = ctx.clone();
        ctx.attempt = attempt;
        ctx.log = Default::default();
        let exec = execute(&function, event.clone(), ctx).await;
        let finished = |r: &mut super::store::Record, status: InvocationStatus| {
            r.info.already_retried_times = Some(i64::from(attempt - 1));
            r.info.end_time = Some(now_ms());
            r.info.duration_ms = Some(exec.duration.as_millis() as i64);
            r.set_status(status);
        };
        match &exec.outcome {
            Ok(out) => {
                update(&mut |r| {
                    r.info.return_payload = Some(String::from_utf8_lossy(out).into_owned());
                    finished(r, InvocationStatus::Succeeded);
                });
                return;
            }
            Err(failure) => {
                let message = match failure {
                    Failure::Handled(e) => e.message.clone(),
                    Failure::Unhandled(m, _) => m.clone(),
                };
                if attempt < attempts {
                    update(&mut |r| {
                        r.info.already_retried_times = Some(i64::from(attempt));
                        r.push_event("Retrying", Some(message.clone()));
                        r.info.status = Some(InvocationStatus::Retrying);
                    });
                    tokio::time::sleep(function.config.retry_delay).await;
                } else {
                    update(&mut |r| {
                        r.info.invocation_error_message = Some(message.clone());
                        finished(r, InvocationStatus::Failed);
                    });
                }
            }
        }
    }
}

fn list(state: &State, target: &Target, query: Option<&str>, request_id: &str) -> Result<Response<Body>, Reject> {
    let (invocations, next_token) = select(state, target, query, "invocationIdPrefix")?;
    let page = InvocationPage::new(invocations, next_token);
    Ok(with_request_id(json_response(200, to_json(&page)), request_id))
}

/// One page of a listing's matches: the FC 2.0 and FC 3.0 listings share their filters (FC 3.0 names the id
/// prefix `prefix`).
fn select(
    state: &State,
    target: &Target,
    query: Option<&str>,
    prefix_name: &str,
) -> Result<(Vec<StatefulInvocation>, Option<String>), Reject> {
    let params: HashMap<String, String> = form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect();
    let bad = |name: &str, why: &str| Reject::new(400, "InvalidArgument", format!("query parameter {name} {why}"));
    let int = |name: &str| -> Result<Option<i64>, Reject> {
        params.get(name).map(|v| v.parse::<i64>().map_err(|_| bad(name, "must be an integer"))).transpose()
    };
    let limit = match int("limit")? {
        None => 50,
        Some(l @ 1..=100) => l as usize,
        Some(_) => return Err(bad("limit", "must be between 1 and 100")),
    };
    let offset = match params.get("nextToken").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t.parse::<usize>().map_err(|_| bad("nextToken", "is not a token this server issued"))?,
    };
    let begin = int("startedTimeBegin")?;
    let end = int("startedTimeEnd")?;
    let descending = match params.get("sortOrderByTime").map(String::as_str) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(bad("sortOrderByTime", "must be asc or desc")),
    };
    // The official FC 3.0 Python SDK writes `True`, the Node SDK `true`.
    let include_payload = match params.get("includePayload").map(|v| v.to_ascii_lowercase()).as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad("includePayload", "must be true or false")),
    };
    let status = params.get("status").map(|s| InvocationStatus::from(s.as_str()));
    let prefix = params.get(prefix_name);

    let mut matching: Vec<StatefulInvocation> = state
        .store
        .list(&target.service, &target.function_name)
        .into_iter()
        .map(|(_, info)| info)
        .filter(|i| status.as_ref().is_none_or(|s| i.status.as_ref() == Some(s)))
        .filter(|i| prefix.is_none_or(|p| i.invocation_id.as_deref().unwrap_or("").starts_with(p.as_str())))
        .filter(|i| begin.is_none_or(|b| i.started_time.unwrap_or(0) >= b))
        .filter(|i| end.is_none_or(|e| i.started_time.unwrap_or(0) < e))
        .collect();
    if descending {
        matching.reverse();
    }
    let total = matching.len();
    let page: Vec<StatefulInvocation> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|mut i| {
            if !include_payload {
                i.invocation_payload = None;
                i.return_payload = None;
            }
            i
        })
        .collect();
    let next_token = (offset + limit < total).then(|| (offset + limit).to_string());
    Ok((page, next_token))
}

/// A stored invocation in FC 3.0's `AsyncTask` shape.
fn async_task(info: StatefulInvocation, state: &State) -> AsyncTask {
    let mut task = AsyncTask::default();
    let account = state.auth.account_id.as_deref().unwrap_or("1234567890");
    task.function_arn = info.function_name.as_ref().map(|f| format!("acs:fc:cn-hangzhou:{account}:functions/{f}"));
    task.task_id = info.invocation_id;
    task.status = info.status;
    task.qualifier = info.qualifier;
    task.started_time = info.started_time;
    task.end_time = info.end_time;
    task.duration_ms = info.duration_ms;
    task.request_id = info.request_id;
    task.instance_id = info.instance_id;
    task.already_retried_times = info.already_retried_times;
    task.destination_status = info.destination_status;
    task.task_error_message = info.invocation_error_message;
    task.task_payload = info.invocation_payload;
    task.return_payload = info.return_payload;
    task.events = info.events;
    task
}
