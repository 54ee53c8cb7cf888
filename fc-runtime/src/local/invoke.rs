//! InvokeFunction: the request's headers and limits, injected faults, the context the function gets, and the
//! sync answer (an async call is handed to the runner).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::request::Parts;
use http::{HeaderMap, Response};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;

use super::config::FaultKind;
use super::reply::{Body, Reject, json_response, response, set};
use super::routes::Target;
use super::server::Fail;
use super::state::{Execution, State, execute};
use crate::function::{Context, ContextBuilder};
use crate::{Api, InvocationType};

/// Bytes of log returned by `X-Fc-Log-Type: Tail`.
const LOG_TAIL: usize = 4096;

pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Runs one invocation. `body_hash` is set for FC 3.0 requests: the `x-acs-content-sha256` the body must hash to.
pub(crate) async fn invoke(
    state: &Arc<State>,
    target: Target,
    parts: &Parts,
    body: Incoming,
    request_id: &str,
    body_hash: Option<&str>,
) -> Result<Response<Body>, Fail> {
    let headers = &parts.headers;
    let invocation_id = header(headers, target.words().id_header);
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
    if let Some(expected) = body_hash {
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
        let code =
            if status == http::StatusCode::SERVICE_UNAVAILABLE { "ResourceExhausted" } else { "ResourceThrottled" };
        let mut resp =
            Reject::new(status.as_u16(), code, "the request was throttled (injected fault)").into_response(request_id);
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

    let ctx = context(state, &target, request_id, headers);
    let resp = match ty {
        InvocationType::Sync => {
            let function = target.function.clone();
            let slot = match &function.slots {
                None => None,
                Some(slots) => Some(slots.clone().try_acquire_owned().map_err(|_| {
                    let max = function.config.concurrency.unwrap_or_default();
                    Reject::new(
                        429,
                        "ResourceExhausted",
                        format!(
                            "function {function_name:?} is already running {max} invocations (its concurrency limit)"
                        ),
                    )
                })?),
            };
            // Run in its own task: like FC, the function finishes even when the caller goes away (and holds its
            // slot until then).
            let exec = tokio::spawn(async move {
                let exec = execute(&function, event, ctx).await;
                drop(slot);
                exec
            })
            .await
            .map_err(|_| Fail::Drop)?;
            sync_response(&target, request_id, exec, log_tail)
        }
        InvocationType::Async => super::runner::accept(state, &target, event, ctx, invocation_id, request_id)?,
    };
    if drop_after {
        return Err(Fail::Drop);
    }
    Ok(resp)
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

fn sync_response(target: &Target, request_id: &str, exec: Execution, log_tail: bool) -> Response<Body> {
    let f = &target.function;
    let mut resp = match exec.outcome {
        Ok(bytes) => response(200, Some("application/octet-stream"), bytes),
        Err((kind, failure)) => {
            let mut resp = json_response(200, failure.body());
            set(&mut resp, "x-fc-error-type", kind.as_header_value());
            resp
        }
    };
    set(&mut resp, "x-fc-request-id", request_id);
    set(&mut resp, "x-fc-instance-id", &f.instance_id);
    set(&mut resp, "x-fc-code-checksum", &f.code_checksum);
    // In milliseconds, to the microsecond: a fast function's real time, not a truncated zero.
    set(&mut resp, "x-fc-invocation-duration", &format!("{:.3}", exec.duration.as_secs_f64() * 1000.0));
    set(&mut resp, "x-fc-max-memory-usage", &format!("{:.2}", f.config.reported_memory_mb));
    set(&mut resp, "x-fc-invocation-service-version", &target.version);
    if log_tail {
        let tail = &exec.log[exec.log.len().saturating_sub(LOG_TAIL)..];
        set(&mut resp, "x-fc-log-result", &STANDARD.encode(tail));
    }
    resp
}
