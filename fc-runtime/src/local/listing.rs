//! The async-invocation APIs on what the store holds: Get, List (with both APIs' filters) and Stop, each
//! answered in its API's shape (FC 2.0's `StatefulInvocation`, FC 3.0's `AsyncTask`).

use std::collections::HashMap;

use bytes::Bytes;
use http::Response;

use super::reply::{Body, Reject, json_response, response, set};
use super::routes::{Operation, Target};
use super::state::State;
use super::store::StopOutcome;
use crate::{Api, AsyncTask, AsyncTaskPage, InvocationPage, InvocationStatus, StatefulInvocation};

/// Answers a Get, List or Stop on `target`'s async invocations.
pub(crate) fn answer(
    state: &State,
    target: &Target,
    operation: Operation<'_>,
    query: Option<&str>,
    request_id: &str,
) -> Result<Response<Body>, Reject> {
    let resp = match operation {
        Operation::Invoke => unreachable!("an invocation is not a listing"),
        Operation::List => {
            let (infos, next_token) = select(state, target, query)?;
            match target.api {
                Api::Fc3 => {
                    let tasks = infos.into_iter().map(|i| async_task(i, state)).collect();
                    json_response(200, to_json(&AsyncTaskPage::new(tasks, next_token)))
                }
                _ => json_response(200, to_json(&InvocationPage::new(infos, next_token))),
            }
        }
        Operation::Get(id) => match state.store.get(&target.service, &target.function_name, id) {
            Some(info) if target.api == Api::Fc3 => json_response(200, to_json(&async_task(info, state))),
            Some(info) => json_response(200, to_json(&info)),
            None => return Err(target.not_found(id)),
        },
        Operation::Stop(id) => match state.store.stop(&target.service, &target.function_name, id) {
            StopOutcome::Stopped => response(200, None, Bytes::new()),
            StopOutcome::NotFound => return Err(target.not_found(id)),
            StopOutcome::AlreadyFinished(status) => {
                let words = target.words();
                return Err(Reject::new(
                    412,
                    words.finished,
                    format!("{} {id:?} already finished with status {status}", words.noun),
                ));
            }
        },
    };
    let mut resp = resp;
    set(&mut resp, "x-fc-request-id", request_id);
    Ok(resp)
}

fn to_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

/// One page of a listing's matches: the FC 2.0 and FC 3.0 listings share their filters (FC 3.0 names the id
/// prefix `prefix`).
fn select(
    state: &State,
    target: &Target,
    query: Option<&str>,
) -> Result<(Vec<StatefulInvocation>, Option<String>), Reject> {
    let prefix_name = if target.api == Api::Fc3 { "prefix" } else { "invocationIdPrefix" };
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

    let keep = |i: &StatefulInvocation| {
        status.as_ref().is_none_or(|s| i.status.as_ref() == Some(s))
            && prefix.is_none_or(|p| i.invocation_id.as_deref().unwrap_or("").starts_with(p.as_str()))
            && begin.is_none_or(|b| i.started_time.unwrap_or(0) >= b)
            && end.is_none_or(|e| i.started_time.unwrap_or(0) < e)
    };
    let (mut page, more) = state.store.page(&target.service, &target.function_name, keep, descending, offset, limit);
    if !include_payload {
        for i in &mut page {
            i.invocation_payload = None;
            i.return_payload = None;
        }
    }
    let next_token = more.then(|| (offset + limit).to_string());
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
