//! Async invocations: accepted at once (202), recorded under their id, then run with FC's retries while their
//! record follows each state.

use std::sync::Arc;

use bytes::Bytes;
use http::Response;

use super::reply::{Body, Reject, response, set};
use super::routes::Target;
use super::state::{Function, State, execute};
use super::store::{Record, now_ms};
use crate::function::ContextBuilder;
use crate::{InvocationStatus, StatefulInvocation};

/// Accepts an async invocation: records it (when the function keeps records) and starts running it.
pub(crate) fn accept(
    state: &Arc<State>,
    target: &Target,
    event: Bytes,
    ctx: ContextBuilder,
    invocation_id: Option<&str>,
    request_id: &str,
) -> Result<Response<Body>, Reject> {
    let stateful = target.function.config.stateful;
    // Generated ids follow the same rule as callers' ids (a request id may start with a digit).
    let id = invocation_id.map_or_else(|| format!("async_{request_id}"), str::to_owned);
    let ctx = ctx.invocation_id(&id);
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
        if !state.store.insert(&target.service, &target.function_name, info, target.function.config.max_records) {
            return Err(Reject::new(
                409,
                "StatefulAsyncInvocationAlreadyExists",
                format!("stateful async invocation {id:?} already exists"),
            ));
        }
    }
    let task = tokio::spawn(run(
        state.clone(),
        target.service.clone(),
        target.function_name.clone(),
        target.function.clone(),
        event,
        ctx,
        id.clone(),
    ));
    if stateful {
        state.store.update(&target.service, &target.function_name, &id, |r| r.task = Some(task.abort_handle()));
    }
    let mut resp = response(202, None, Bytes::new());
    set(&mut resp, "x-fc-request-id", request_id);
    if stateful {
        set(&mut resp, target.words().id_header, &id);
    }
    Ok(resp)
}

/// Runs an accepted async invocation with FC's retries, keeping its record up to date; each attempt's context
/// says how many came before it.
async fn run(
    state: Arc<State>,
    service: String,
    function_name: String,
    function: Arc<Function>,
    event: Bytes,
    ctx: ContextBuilder,
    id: String,
) {
    let attempts = function.config.async_retries.saturating_add(1);
    let update = |f: &mut dyn FnMut(&mut Record)| {
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
        let exec = execute(&function, event.clone(), ctx.clone().retry_count(attempt - 1)).await;
        let finished = |r: &mut Record, status: InvocationStatus| {
            r.info.already_retried_times = Some(i64::from(attempt - 1));
            r.info.end_time = Some(now_ms());
            r.info.duration_ms = Some(exec.duration.as_millis() as i64);
            r.set_status(status);
            // Nothing left to stop: the handle would keep the finished task's memory alive with the record.
            r.task = None;
        };
        match &exec.outcome {
            Ok(out) => {
                update(&mut |r| {
                    r.info.return_payload = Some(String::from_utf8_lossy(out).into_owned());
                    finished(r, InvocationStatus::Succeeded);
                });
                return;
            }
            Err((_, failure)) => {
                let message = failure.message.clone();
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
