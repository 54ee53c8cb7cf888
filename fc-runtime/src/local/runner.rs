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
        let taken = function
            .tally
            .async_in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < cap).then_some(n + 1));
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
        self.0.tally.async_in_flight.fetch_sub(1, Ordering::SeqCst);
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
    let mut settings = Settings::of(state, target);
    settings.request_id = request_id.to_owned();
    let run = run(
        state.clone(),
        target.service.clone(),
        target.function_name.clone(),
        target.function.clone(),
        payload,
        ctx,
        id.clone(),
        settings,
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

/// How an accepted async invocation is run: its retries, how old it may get, where its outcome goes. The
/// qualifier's async invoke config when the management API set one, the function's settings otherwise.
struct Settings {
    retries: u32,
    max_age: Option<std::time::Duration>,
    on_success: Option<String>,
    on_failure: Option<String>,
    /// The ARN destination records name.
    function_arn: String,
    request_id: String,
}

impl Settings {
    fn of(state: &State, target: &Target) -> Self {
        let arn = super::manage::function_arn(state, &target.function_name);
        match &target.async_settings {
            Some(s) => Settings {
                retries: s.retries,
                max_age: Some(s.max_age),
                on_success: s.on_success.clone(),
                on_failure: s.on_failure.clone(),
                function_arn: arn,
                request_id: String::new(),
            },
            None => Settings {
                retries: target.function.config.async_retries,
                max_age: None,
                on_success: None,
                on_failure: None,
                function_arn: arn,
                request_id: String::new(),
            },
        }
    }
}

/// Runs an accepted async invocation with FC's retries, keeping its record up to date; each attempt's context
/// says how many came before it. An event older than its maximum age is not run again; the outcome goes to its
/// destination when one is configured.
#[allow(clippy::too_many_arguments)]
async fn run(
    state: Arc<State>,
    service: String,
    function_name: String,
    function: Arc<Function>,
    payload: Payload,
    ctx: ContextBuilder,
    id: String,
    settings: Settings,
) {
    let accepted = std::time::Instant::now();
    let attempts = settings.retries.saturating_add(1);
    let update = |f: &mut dyn FnMut(&mut Record)| {
        state.store.update(&service, &function_name, &id, |r| {
            if !r.info.status.as_ref().is_some_and(InvocationStatus::is_terminal) {
                f(r)
            }
        })
    };
    let too_old = || settings.max_age.is_some_and(|age| accepted.elapsed() > age);
    for attempt in 1..=attempts {
        // Like FC's async system, an attempt waits for a free slot of the function's concurrency — the limit read
        // again every second, so that one changed meanwhile (a concurrency config put or deleted) is seen — for as
        // long as the event may live.
        let mut slot = None;
        let mut expired = too_old();
        if !expired {
            update(&mut |r| {
                if attempt == 1 {
                    r.set_status(InvocationStatus::Dequeued);
                }
                r.set_status(InvocationStatus::Running);
            });
            slot = loop {
                match function.tally.slots() {
                    None => break None,
                    Some((_, slots)) => {
                        tokio::select! {
                            permit = slots.acquire_owned() => break permit.ok(),
                            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                        }
                    }
                }
                if too_old() {
                    expired = true;
                    break None;
                }
            };
        }
        if expired {
            let message = "the event is older than its maximum age (maxAsyncEventAgeInSeconds) and was dropped";
            update(&mut |r| {
                r.info.invocation_error_message = Some(message.to_owned());
                r.info.end_time = Some(now_ms());
                r.set_status(InvocationStatus::Expired);
                r.task = None;
            });
            let failure = crate::function::Failure::new("EventAgeExceeded", message);
            destinations::send(&state, &settings, &payload, attempt - 1, Err(("EventAgeExceeded", failure))).await;
            return;
        }
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
                destinations::send(&state, &settings, &payload, attempt, Ok(out)).await;
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
                    let condition = match failed {
                        super::state::Failed::Platform(reject) => reject.code,
                        _ => "UnhandledInvocationError",
                    };
                    destinations::send(&state, &settings, &payload, attempt, Err((condition, failed.failure()))).await;
                }
            }
        }
    }
}

/// Async destinations: the record of an invocation's outcome, sent where its async invoke config says.
mod destinations {
    use super::*;

    /// Sends the outcome of an invocation that ran `count` times to its `onSuccess` or `onFailure` destination,
    /// when it has one: FC's destination record, kept by `LocalFc` for any destination
    /// ([`LocalFc::destinations`](crate::local::LocalFc::destinations)) and fired at a function destination
    /// (`acs:fc:{region}:{account}:functions/{name}`) as its event.
    pub(super) async fn send(
        state: &Arc<State>,
        settings: &Settings,
        payload: &Payload,
        count: u32,
        outcome: Result<Bytes, (&'static str, crate::function::Failure)>,
    ) {
        let (destination, condition, status, error, response) = match &outcome {
            Ok(out) => (&settings.on_success, "", 200, "", String::from_utf8_lossy(out).into_owned()),
            Err((condition, failure)) => {
                let error = if *condition == "EventAgeExceeded" { "" } else { "UnhandledInvocationError" };
                (&settings.on_failure, *condition, 200, error, String::from_utf8_lossy(&failure.body()).into_owned())
            }
        };
        let Some(destination) = destination else { return };
        let record = serde_json::json!({
            "timestamp": now_ms(),
            "requestContext": {
                "requestId": settings.request_id,
                "functionArn": settings.function_arn,
                "condition": condition,
                "approximateInvokeCount": count,
            },
            "requestPayload": String::from_utf8_lossy(payload.body()),
            "responseContext": { "statusCode": status, "functionError": error },
            "responsePayload": response,
        });
        state.deliver(super::super::state::DestinationDelivery {
            destination: destination.clone(),
            record: record.clone(),
        });
        if let Some(function) = super::super::manage::arn_function(destination) {
            let id = super::super::id::FunctionId::fc3(function);
            let body = Bytes::from(record.to_string());
            if let Err(e) = super::super::triggers::fire(state, &id, None, body).await {
                tracing::warn!(%destination, error = %e.message, "an async destination could not be delivered");
            }
        }
    }
}
