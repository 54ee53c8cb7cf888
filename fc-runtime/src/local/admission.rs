//! The one admission path: an invocation arrives by a door — the FC 2.0 or FC 3.0 API, an HTTP trigger, a timer,
//! [`LocalFc::fire`](super::LocalFc::fire) — and from there one function decides what happens to it, whichever
//! door it came by: the payload limit, the injected faults, the concurrency slot, and sync (run now) or async
//! (recorded, then run by the runner with FC's retries, within a per-function cap on async work in flight). Doors
//! parse their request and render their answer; nothing else differs between them.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::HeaderMap;

use super::config::FaultKind;
use super::reply::{Fail, Reject};
use super::routes::Target;
use super::state::{Execution, State, Work, execute};
use crate::function::{Context, ContextBuilder, WebRequest};
use crate::{Api, InvocationType};

/// An async invocation's payload, kept to run it again on a retry: an event, or an HTTP request read whole.
#[derive(Clone)]
pub(crate) enum Payload {
    Event(Bytes),
    Http(Box<BufferedRequest>),
}

impl Payload {
    /// One attempt's work.
    pub(crate) fn work(&self) -> Work {
        match self {
            Payload::Event(event) => Work::Event(event.clone()),
            Payload::Http(request) => Work::Http(Box::new(request.request())),
        }
    }

    /// What an async record shows of it: the event, or the HTTP request's body.
    pub(crate) fn body(&self) -> &Bytes {
        match self {
            Payload::Event(event) => event,
            Payload::Http(request) => &request.body,
        }
    }
}

/// An HTTP request read whole, to be passed to the function as often as FC's retries ask.
#[derive(Clone)]
pub(crate) struct BufferedRequest {
    method: http::Method,
    uri: http::Uri,
    version: http::Version,
    headers: HeaderMap,
    body: Bytes,
}

impl BufferedRequest {
    pub(crate) fn new(parts: http::request::Parts, body: Bytes) -> Self {
        BufferedRequest { method: parts.method, uri: parts.uri, version: parts.version, headers: parts.headers, body }
    }

    fn request(&self) -> WebRequest {
        let mut request = http::Request::new(crate::function::full(self.body.clone()));
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.version_mut() = self.version;
        *request.headers_mut() = self.headers.clone();
        request
    }
}

/// What arrived, and how the caller asked for it to run.
pub(crate) enum Invocation {
    /// Run now; the caller waits for the result (an HTTP answer's head).
    Sync(Work),
    /// Accept now, run later with FC's retries, under `id` when the caller named one.
    Async { payload: Payload, id: Option<String> },
}

/// What admission did with an invocation.
pub(crate) enum Admitted {
    /// A sync invocation ran: its execution.
    Ran(Execution),
    /// An async invocation was accepted under this id (the caller's, or one made from the request id).
    Accepted { id: String },
}

/// `X-Fc-Invocation-Type`, as both doors read it: absent or `Sync`, or `Async`.
pub(crate) fn invocation_type(headers: &HeaderMap) -> Result<InvocationType, Reject> {
    match headers.get("x-fc-invocation-type").map(|v| v.to_str()) {
        None | Some(Ok("Sync")) => Ok(InvocationType::Sync),
        Some(Ok("Async")) => Ok(InvocationType::Async),
        Some(other) => Err(Reject::new(
            400,
            "InvalidArgument",
            format!("X-Fc-Invocation-Type {:?} is not Sync or Async", other.unwrap_or("(not text)")),
        )),
    }
}

/// `X-Fc-Log-Type`, as both doors read it: whether the caller asked for the log's tail.
pub(crate) fn log_tail(headers: &HeaderMap) -> Result<bool, Reject> {
    match headers.get("x-fc-log-type").map(|v| v.to_str()) {
        None | Some(Ok("None")) => Ok(false),
        Some(Ok("Tail")) => Ok(true),
        Some(other) => Err(Reject::new(
            400,
            "InvalidArgument",
            format!("X-Fc-Log-Type {:?} is not None or Tail", other.unwrap_or("(not text)")),
        )),
    }
}

/// FC's refusal of a payload of `len` bytes (or words saying how many) over the limit of its invocation type.
pub(crate) fn too_large(state: &State, ty: InvocationType, len: impl std::fmt::Display) -> Reject {
    let limit = state.limits.for_type(ty);
    Reject::new(
        400,
        "EntityTooLarge",
        format!(
            "payload size {len} exceeds the {limit} byte limit of {} invocations",
            ty.as_str().to_ascii_lowercase()
        ),
    )
}

/// Admits one invocation of `target`: the faults a test injected, then the concurrency slot and a sync run, or an
/// async acceptance. The payload was read within [`State::limits`] by the door.
///
/// A sync run takes a free slot of the function's concurrency or is refused with FC's 429; it runs in its own
/// task, so that the function finishes (and holds its slot) even when the caller goes away. An async invocation is
/// refused with 429 when the function already has [`FunctionConfig::max_async_in_flight`] of them accepted and not
/// yet finished.
///
/// [`FunctionConfig::max_async_in_flight`]: super::FunctionConfig::max_async_in_flight
pub(crate) async fn admit(
    state: &Arc<State>,
    target: &Target,
    ctx: ContextBuilder,
    invocation: Invocation,
    request_id: &str,
) -> Result<Admitted, Fail> {
    let (service, function_name) = (target.service.as_str(), target.function_name.as_str());
    target.function.tally.received.fetch_add(1, Ordering::SeqCst);
    if let Some(FaultKind::Throttle { status, retry_after }) =
        state.take_fault(service, function_name, |k| matches!(k, FaultKind::Throttle { .. }))
    {
        let code =
            if status == http::StatusCode::SERVICE_UNAVAILABLE { "ResourceExhausted" } else { "ResourceThrottled" };
        let reject = Reject::new(status.as_u16(), code, "the request was throttled (injected fault)");
        return Err(reject.retry_after(retry_after).into());
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
    let admitted = match invocation {
        Invocation::Sync(work) => {
            let function = target.function.clone();
            let slot = match function.tally.slots() {
                None => None,
                Some((max, slots)) => Some(slots.try_acquire_owned().map_err(|_| {
                    Reject::new(
                        429,
                        "ResourceExhausted",
                        format!(
                            "function {function_name:?} is already running {max} invocations (its concurrency limit)"
                        ),
                    )
                })?),
            };
            let exec = tokio::spawn(async move {
                let mut exec = execute(&function, work, ctx).await;
                exec.hold(slot);
                exec
            })
            .await
            .map_err(|_| Fail::Drop)?;
            Admitted::Ran(exec)
        }
        Invocation::Async { payload, id } => {
            let id = super::runner::accept(state, target, payload, ctx, id.as_deref(), request_id)?;
            Admitted::Accepted { id }
        }
    };
    if drop_after {
        // The function ran (or was accepted); the caller gets no answer. A streamed answer is dropped with it.
        return Err(Fail::Drop);
    }
    Ok(admitted)
}

/// The invocation as the function sees it: its names, the qualifier the caller named and the version that runs,
/// the account, the role's credentials, this endpoint for its own calls, and the request's headers.
pub(crate) fn context(state: &State, target: &Target, request_id: &str, headers: &HeaderMap) -> ContextBuilder {
    let mut ctx = Context::builder(request_id, &target.function_name)
        .qualifier(&target.qualifier)
        .version(&target.version)
        .region(&state.region)
        .memory_mb(target.function.config.memory_mb)
        .endpoint(&state.endpoint)
        .headers(headers.clone());
    if target.api == Api::Fc2 {
        ctx = ctx.service(&target.service);
    }
    if let Some(account) = &state.auth.account_id {
        ctx = ctx.account_id(account);
    }
    if let Some(role) = &state.role {
        ctx = ctx.credentials(role.clone());
    }
    ctx
}
