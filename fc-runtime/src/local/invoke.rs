//! InvokeFunction, the API's door: the request's headers and payload limit, then the one admission path, then the
//! API's answer (the sync result with FC's headers, or the async acceptance).

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::request::Parts;
use http::{HeaderMap, Response};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;

use super::admission::{self, Admitted, Invocation, Payload};
use super::reply::{Body, Fail, Reject, json_response, response, set};
use super::routes::Target;
use super::state::{Execution, Failed, Output, State, Work};
use crate::InvocationType;

use super::state::LOG_TAIL;

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
    let mut ty = admission::invocation_type(headers)?;
    if let Some(id) = invocation_id {
        fc_names::check_invocation_id(id)
            .map_err(|e| Reject::new(400, "InvalidArgument", format!("stateful async invocation id {id:?} {e}")))?;
        ty = InvocationType::Async;
    }
    let log_tail = admission::log_tail(headers)?;
    let limit = state.limits.for_type(ty);
    if let Some(len) = header(headers, "content-length").and_then(|v| v.parse::<u64>().ok())
        && len > limit as u64
    {
        return Err(admission::too_large(state, ty, len).into());
    }
    let event = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Err(admission::too_large(state, ty, format!("over {limit}")).into());
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
    let ctx = admission::context(state, &target, request_id, headers);
    let invocation = match ty {
        InvocationType::Sync => Invocation::Sync(Work::Event(event)),
        InvocationType::Async => {
            Invocation::Async { payload: Payload::Event(event), id: invocation_id.map(str::to_owned) }
        }
    };
    match admission::admit(state, &target, ctx, invocation, request_id).await? {
        Admitted::Ran(exec) => Ok(sync_response(&target, request_id, exec, log_tail)),
        Admitted::Accepted { id } => {
            let mut resp = response(202, None, Bytes::new());
            set(&mut resp, "x-fc-request-id", request_id);
            if target.function.config.stateful {
                set(&mut resp, target.words().id_header, &id);
            }
            Ok(resp)
        }
    }
}

fn sync_response(target: &Target, request_id: &str, exec: Execution, log_tail: bool) -> Response<Body> {
    let f = &target.function;
    let mut resp = match exec.outcome {
        Ok(Output::Event(bytes)) => response(200, Some("application/octet-stream"), bytes),
        // An event's execution gives an event's result.
        Ok(Output::Http(_)) => response(200, Some("application/octet-stream"), Bytes::new()),
        Err(Failed::Function(kind, failure)) => {
            let mut resp = json_response(200, failure.body());
            set(&mut resp, "x-fc-error-type", kind.as_header_value());
            resp
        }
        // FC's own answer: the function ran, but what it answered cannot be passed on; or it could not run.
        Err(failed @ (Failed::TooLarge(_) | Failed::Platform(_))) => {
            let reject = match failed {
                Failed::Platform(reject) => reject,
                too_large => {
                    let failure = too_large.failure();
                    Reject::new(502, "BadResponse", failure.message)
                }
            };
            match target.api {
                crate::Api::Fc3 => reject.into_fc3_response(request_id),
                _ => reject.into_response(request_id),
            }
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
        let log = exec.log.contents();
        let tail = &log[log.len().saturating_sub(LOG_TAIL)..];
        set(&mut resp, "x-fc-log-result", &STANDARD.encode(tail));
    }
    resp
}
