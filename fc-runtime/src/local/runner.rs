//! Async invocations, whichever door they came by: accepted at once, recorded under their id, then run with FC's
//! retries (each attempt waiting for a slot of the function's concurrency) while their record follows each state.
//! A function has at most [`FunctionConfig::max_async_in_flight`](super::FunctionConfig::max_async_in_flight)
//! accepted and unfinished at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;

use super::admission::Payload;
use super::reply::Reject;
use super::routes::Target;
use super::state::{Function, Output, State, execute};
use super::store::{Caps, Record, now_ms, record_text};
use crate::function::ContextBuilder;
use crate::{InvocationStatus, StatefulInvocation};

/// One async invocation accepted and not finished: counted while it lives.
struct InFlight(Arc<Function>);

impl InFlight {
    /// A place among the function's async invocations in flight, or FC's 429 when it has its cap of them.
    fn take(function: &Arc<Function>, name: &str) -> Result<Self, Reject> {
        let cap = function.config.max_async_in_flight;
        let taken =
            function.async_in_flight.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < cap).then_some(n + 1));
        match taken {
            Ok(_) => Ok(InFlight(function.clone())),
            Err(_) => Err(Reject::new(
                429,
                "ResourceThrottled",
                format!(
                    "function {name:?} already has {cap} async invocations accepted and not finished \
                     (FunctionConfig::max_async_in_flight)"
                ),
            )),
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.async_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accepts an async invocation: records it (when the function keeps records) and starts running it. Returns the
/// id it runs under.
pub(crate) fn accept(
    state: &Arc<State>,
    target: &Target,
    payload: Payload,
    ctx: ContextBuilder,
    invocation_id: Option<&str>,
    request_id: &str,
) -> Result<String, Reject> {
    let in_flight = InFlight::take(&target.function, &target.function_name)?;
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
            invocation_payload: Some(record_text(payload.body())),
            ..StatefulInvocation::default()
        };
        let config = &target.function.config;
        let caps = Caps { records: config.max_records, bytes: config.max_record_bytes };
        if !state.store.insert(&target.service, &target.function_name, info, caps) {
            return Err(Reject::new(
                409,
                "StatefulAsyncInvocationAlreadyExists",
                format!("stateful async invocation {id:?} already exists"),
            ));
        }
    }
    let run = run(
        state.clone(),
        target.service.clone(),
        target.function_name.clone(),
        target.function.clone(),
        payload,
        ctx,
        id.clone(),
    );
    let task = state.spawn_runner(async move {
        let _in_flight = in_flight;
        run.await
    });
    if stateful {
        state.store.update(&target.service, &target.function_name, &id, |r| r.task = Some(task));
    }
    Ok(id)
}

/// An HTTP answer's body as an async record keeps it: read whole, up to the sync response limit.
async fn http_result(output: Output, limit: usize) -> Bytes {
    match output {
        Output::Event(bytes) => bytes,
        Output::Http(response) => super::state::read_whole(response.into_body(), limit).await.unwrap_or_default(),
    }
}

/// Runs an accepted async invocation with FC's retries, keeping its record up to date; each attempt's context
/// says how many came before it.
async fn run(
    state: Arc<State>,
    service: String,
    function_name: String,
    function: Arc<Function>,
    payload: Payload,
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
        // Like FC's async system, an attempt waits for a free slot of the function's concurrency.
        let slot = match &function.slots {
            Some(slots) => slots.clone().acquire_owned().await.ok(),
            None => None,
        };
        let mut exec = execute(&function, payload.work(), ctx.clone().retry_count(attempt - 1)).await;
        exec.hold(slot);
        let finished = |r: &mut Record, status: InvocationStatus| {
            r.info.already_retried_times = Some(i64::from(attempt - 1));
            r.info.end_time = Some(now_ms());
            r.info.duration_ms = Some(exec.duration.as_millis() as i64);
            r.set_status(status);
            // Nothing left to stop: the handle would keep the finished task's memory alive with the record.
            r.task = None;
        };
        match exec.outcome {
            Ok(output) => {
                let out = http_result(output, state.limits.max_sync_payload).await;
                update(&mut |r| {
                    r.info.return_payload = Some(record_text(&out));
                    finished(r, InvocationStatus::Succeeded);
                });
                return;
            }
            Err(ref failed) => {
                let message = record_text(failed.failure().message.as_bytes());
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
