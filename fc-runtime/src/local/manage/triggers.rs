//! Triggers and async invoke config under `LocalFc`. An HTTP trigger created here listens on a loopback port of its
//! own, as one registered in code does (`httpTrigger.urlInternet` is its URL), a timer trigger fires on its
//! schedule, and any other type is stored (and fired with [`LocalFc::fire_trigger`](crate::local::LocalFc::fire_trigger)).
//! Async invoke configs are kept per qualifier and read by every async invocation of it: retries, maximum event
//! age, destinations.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{Answer, Query, invalid, listing, no_function, page, text, with_service, with_service_mut};
use crate::local::gateway::{Gateway, HttpAuth, HttpTrigger};
use crate::local::id::FunctionId;
use crate::local::reply::Reject;
use crate::local::state::{AsyncSettings, Service, State, TriggerRecord, rfc3339_now};
use crate::local::triggers::{Timer, TimerTrigger};

/// The trigger types FC 3.0 has.
const TYPES: [&str; 9] =
    ["http", "timer", "oss", "log", "mns_topic", "cdn_events", "tablestore", "eventbridge", "rocketmq"];

/// The most triggers a function may have.
const MAX_TRIGGERS: usize = 50;

/// A trigger's config as the JSON text FC carries, and parsed: given as a string (as the SDKs send it) or as an
/// object.
fn config_of(input: &Map<String, Value>) -> Result<Option<(String, Value)>, Reject> {
    match input.get("triggerConfig") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let parsed = serde_json::from_str(text).map_err(|e| invalid(format!("triggerConfig is not JSON: {e}")))?;
            Ok(Some((text.clone(), parsed)))
        }
        Some(object @ Value::Object(_)) => Ok(Some((object.to_string(), object.clone()))),
        Some(other) => Err(invalid(format!("triggerConfig must be JSON text, not {other}"))),
    }
}

/// An HTTP trigger's config as `LocalFc`'s gateway takes it.
fn http_trigger(name: &str, config: &Value) -> Result<HttpTrigger, Reject> {
    let auth = config.get("authType").and_then(Value::as_str).unwrap_or("function");
    let auth_config = match config.get("authConfig") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text.clone()),
        Some(object) => Some(object.to_string()),
    };
    let needs_config =
        || auth_config.clone().ok_or_else(|| invalid(format!("a {auth} HTTP trigger needs its authConfig")));
    let mut trigger = match auth {
        "anonymous" => HttpTrigger::anonymous(name),
        "function" => HttpTrigger::signed(name),
        "jwt" => HttpTrigger::jwt(name, needs_config()?),
        "bearer" => HttpTrigger::bearer(name, needs_config()?),
        other => return Err(invalid(format!("authType {other:?} is not anonymous, function, jwt or bearer"))),
    };
    if let Some(methods) = config.get("methods").and_then(Value::as_array).filter(|m| !m.is_empty()) {
        const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
        let mut taken = Vec::new();
        for method in methods {
            match method.as_str().filter(|m| METHODS.contains(m)) {
                Some(m) => taken.push(m.parse::<http::Method>().expect("a known method")),
                None => return Err(invalid(format!("the method {method} is not one of {}", METHODS.join(", ")))),
            }
        }
        trigger = trigger.methods(taken);
    }
    debug_assert!(matches!(
        trigger.auth(),
        HttpAuth::Anonymous | HttpAuth::Function | HttpAuth::Jwt | HttpAuth::Bearer
    ));
    Ok(trigger)
}

/// What runs a trigger: an HTTP trigger's listener (on `port` again when it had one), a timer's task; nothing for
/// the other types.
pub(super) async fn start(
    state: &Arc<State>,
    function: &str,
    name: &str,
    kind: &str,
    qualifier: &str,
    config: &Value,
    port: Option<u16>,
) -> Result<(Option<(Arc<Gateway>, String)>, Option<tokio::task::JoinHandle<()>>), Reject> {
    match kind {
        "http" => {
            let trigger = http_trigger(name, config)?;
            let mut gateway = Gateway::new(trigger, FunctionId::fc3(function)).map_err(invalid)?;
            gateway.qualifier = Some(qualifier.to_owned());
            let failed =
                |e: std::io::Error| Reject::new(500, "InternalServerError", format!("no port for the trigger: {e}"));
            let listener = match port {
                Some(port) => match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                    Ok(listener) => listener,
                    Err(_) => tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(failed)?,
                },
                None => tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(failed)?,
            };
            let url = format!("http://{}", listener.local_addr().map_err(failed)?);
            let gateway = Arc::new(gateway);
            let task = tokio::spawn(crate::local::gateway::serve(
                listener,
                state.clone(),
                gateway.clone(),
                state.stopping.clone(),
            ));
            Ok((Some((gateway, url)), Some(task)))
        }
        "timer" => {
            let cron = config
                .get("cronExpression")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("a timer trigger needs its cronExpression"))?;
            let payload = config.get("payload").and_then(Value::as_str).unwrap_or_default();
            let enabled = config.get("enable").and_then(Value::as_bool).unwrap_or(true);
            let trigger = TimerTrigger::new(name, cron).payload(payload).enabled(enabled);
            let mut timer = Timer::new(FunctionId::fc3(function), trigger).map_err(invalid)?;
            timer.qualifier = Some(qualifier.to_owned());
            Ok((None, Some(tokio::spawn(timer.run(state.clone())))))
        }
        _ => Ok((None, None)),
    }
}

fn no_trigger(function: &str, trigger: &str) -> Reject {
    Reject::new(404, "TriggerNotFound", format!("trigger {trigger:?} of function {function:?} does not exist"))
}

/// The trigger as FC reports it, with its URLs when it is an HTTP trigger.
fn render(record: &TriggerRecord) -> Value {
    let mut json = record.json.clone();
    if let Some((_, url)) = &record.http {
        json.insert("httpTrigger".into(), serde_json::json!({ "urlInternet": url, "urlIntranet": url }));
    }
    json.into()
}

/// Checks that a qualifier a trigger or an async config names exists (`LATEST`, a version, an alias).
fn check_qualifier(service: &Service, function: &str, qualifier: &str) -> Result<(), Reject> {
    fc_names::check_qualifier(qualifier).map_err(|e| invalid(format!("qualifier {qualifier:?} {e}")))?;
    super::qualified(service, function, qualifier).map(drop)
}

/// Whether another HTTP trigger of `service` already serves `qualifier` (FC: one per version or alias).
fn http_taken(service: &Service, qualifier: &str, except: &str) -> Option<String> {
    service
        .triggers
        .iter()
        .find(|(name, t)| {
            name.as_str() != except
                && t.json.get("triggerType").and_then(Value::as_str) == Some("http")
                && t.json.get("qualifier").and_then(Value::as_str) == Some(qualifier)
        })
        .map(|(name, _)| name.clone())
}

pub(super) async fn create(state: &Arc<State>, function: &str, input: Map<String, Value>) -> Result<Answer, Reject> {
    let name = text(&input, "triggerName")?.ok_or_else(|| invalid("triggerName is required"))?.to_owned();
    fc_names::check_trigger(&name).map_err(|e| invalid(format!("triggerName {name:?} {e}")))?;
    let kind = text(&input, "triggerType")?.ok_or_else(|| invalid("triggerType is required"))?.to_owned();
    if !TYPES.contains(&kind.as_str()) {
        return Err(invalid(format!("triggerType {kind:?} is not one of {}", TYPES.join(", "))));
    }
    let (config_text, config) = config_of(&input)?.unwrap_or_else(|| ("{}".to_owned(), Value::Object(Map::new())));
    let qualifier = super::normalized(text(&input, "qualifier")?.unwrap_or("LATEST"));
    let _writing = state.deploy.writing.lock().await;
    with_service(state, function, |service| {
        if service.triggers.contains_key(&name) {
            return Err(Reject::new(
                409,
                "TriggerAlreadyExists",
                format!("trigger {name:?} of function {function:?} already exists"),
            ));
        }
        if service.triggers.len() >= MAX_TRIGGERS {
            return Err(invalid(format!("function {function:?} has {MAX_TRIGGERS} triggers, FC's most")));
        }
        check_qualifier(service, function, &qualifier)?;
        if kind == "http"
            && let Some(other) = http_taken(service, &qualifier, &name)
        {
            return Err(invalid(format!(
                "{qualifier} of function {function:?} already has an HTTP trigger, {other:?}"
            )));
        }
        Ok(())
    })?;
    let (http, task) = start(state, function, &name, &kind, &qualifier, &config, None).await?;
    let now = rfc3339_now();
    let mut json = Map::new();
    json.insert("triggerId".into(), state.deploy.id(state.seed).into());
    json.insert("triggerName".into(), name.clone().into());
    json.insert("triggerType".into(), kind.into());
    json.insert("triggerConfig".into(), config_text.into());
    json.insert("qualifier".into(), qualifier.into());
    for key in ["sourceArn", "invocationRole", "description"] {
        json.insert(key.into(), text(&input, key)?.unwrap_or_default().into());
    }
    json.insert("targetArn".into(), super::function_arn(state, function).into());
    json.insert("createdTime".into(), now.clone().into());
    json.insert("lastModifiedTime".into(), now.into());
    let record = TriggerRecord { json, http, task };
    let answer = render(&record);
    with_service_mut(state, function, |service| {
        service.triggers.insert(name, record);
        Ok(())
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) fn get(state: &State, function: &str, trigger: &str) -> Result<Answer, Reject> {
    with_service(state, function, |service| {
        service.triggers.get(trigger).map(render).map(Answer::Json).ok_or_else(|| no_trigger(function, trigger))
    })
}

pub(super) async fn update(
    state: &Arc<State>,
    function: &str,
    trigger: &str,
    input: Map<String, Value>,
) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    let (mut json, port) = with_service(state, function, |service| {
        let record = service.triggers.get(trigger).ok_or_else(|| no_trigger(function, trigger))?;
        let port = record.http.as_ref().and_then(|(_, url)| url.rsplit(':').next()?.parse::<u16>().ok());
        Ok((record.json.clone(), port))
    })?;
    for fixed in ["triggerName", "triggerType", "sourceArn"] {
        if let Some(given) = text(&input, fixed)?
            && Some(given) != json.get(fixed).and_then(Value::as_str)
        {
            return Err(invalid(format!("{fixed} of a trigger cannot change")));
        }
    }
    if let Some((config_text, _)) = config_of(&input)? {
        json.insert("triggerConfig".into(), config_text.into());
    }
    for key in ["qualifier", "invocationRole", "description"] {
        if let Some(value) = text(&input, key)? {
            let value = if key == "qualifier" { super::normalized(value) } else { value.to_owned() };
            json.insert(key.into(), value.into());
        }
    }
    let (kind, qualifier, config) = TriggerRecord::parts(&json);
    with_service(state, function, |service| {
        check_qualifier(service, function, &qualifier)?;
        if kind == "http"
            && let Some(other) = http_taken(service, &qualifier, trigger)
        {
            return Err(invalid(format!(
                "{qualifier} of function {function:?} already has an HTTP trigger, {other:?}"
            )));
        }
        Ok(())
    })?;
    // Checked before the running trigger stops, so that a refused update changes nothing.
    if kind == "http" {
        Gateway::new(http_trigger(trigger, &config)?, FunctionId::fc3(function)).map_err(invalid)?;
    }
    if kind == "timer" {
        let cron = config.get("cronExpression").and_then(Value::as_str).unwrap_or_default();
        crate::local::triggers::Schedule::parse(cron).map_err(invalid)?;
    }
    // The old listener goes first (its accept loop ended, its socket closed), so that the new one can take its
    // port.
    let old = with_service_mut(state, function, |service| Ok(service.triggers.remove(trigger)))?;
    let previous = old.as_ref().map(|record| record.json.clone());
    if let Some(mut record) = old {
        // Connections already open keep the old settings until they close; new ones get the new.
        record.http = None;
        if let Some(task) = record.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
    let (http, task) = match start(state, function, trigger, &kind, &qualifier, &config, port).await {
        Ok(started) => started,
        Err(refused) => {
            // The new settings did not start: the old ones run again, as they were.
            if let Some(json) = previous {
                let (kind, qualifier, config) = TriggerRecord::parts(&json);
                if let Ok((http, task)) = start(state, function, trigger, &kind, &qualifier, &config, port).await {
                    let record = TriggerRecord { json, http, task };
                    let _ = with_service_mut(state, function, |service| {
                        service.triggers.insert(trigger.to_owned(), record);
                        Ok(())
                    });
                }
            }
            return Err(refused);
        }
    };
    json.insert("lastModifiedTime".into(), rfc3339_now().into());
    let record = TriggerRecord { json, http, task };
    let answer = render(&record);
    with_service_mut(state, function, |service| {
        service.triggers.insert(trigger.to_owned(), record);
        Ok(())
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) async fn delete(state: &Arc<State>, function: &str, trigger: &str) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    let removed = with_service_mut(state, function, |service| {
        service.triggers.remove(trigger).ok_or_else(|| no_trigger(function, trigger))
    })?;
    drop(removed);
    super::persist::save(state);
    Ok(Answer::Deleted)
}

pub(super) fn list(state: &State, function: &str, query: &Query) -> Result<Answer, Reject> {
    let prefix = query.get("prefix").unwrap_or("");
    let items = with_service(state, function, |service| {
        Ok(service
            .triggers
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, record)| (name.clone(), render(record)))
            .collect::<Vec<_>>())
    })?;
    let (page, next) = page(items, query)?;
    Ok(Answer::Json(listing("triggers", page, next)))
}

/// An async config as FC reports it (plus the qualifier it is for, which FC's model does not name).
fn render_async(state: &State, function: &str, qualifier: &str, settings: &AsyncSettings) -> Value {
    let destination = |arn: &Option<String>| arn.as_ref().map(|arn| serde_json::json!({ "destination": arn }));
    let mut destinations = Map::new();
    if let Some(d) = destination(&settings.on_success) {
        destinations.insert("onSuccess".into(), d);
    }
    if let Some(d) = destination(&settings.on_failure) {
        destinations.insert("onFailure".into(), d);
    }
    let mut json = serde_json::json!({
        "functionArn": super::function_arn(state, function),
        "qualifier": qualifier,
        "maxAsyncEventAgeInSeconds": settings.max_age.as_secs(),
        "maxAsyncRetryAttempts": settings.retries,
        "destinationConfig": destinations,
        "createdTime": settings.created,
        "lastModifiedTime": settings.modified,
    });
    if let Some(task) = settings.async_task {
        json["asyncTask"] = task.into();
    }
    json
}

fn no_async(function: &str, qualifier: &str) -> Reject {
    Reject::new(
        404,
        "AsyncConfigNotExists",
        format!("function {function:?} has no async invoke config for {qualifier}"),
    )
}

pub(super) async fn put_async(
    state: &Arc<State>,
    function: &str,
    qualifier: Option<&str>,
    input: Map<String, Value>,
) -> Result<Answer, Reject> {
    let qualifier = &super::normalized(qualifier.unwrap_or("LATEST"));
    let number = |key: &str, range: std::ops::RangeInclusive<u64>, default: u64| -> Result<u64, Reject> {
        match input.get(key) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => match v.as_u64().filter(|n| range.contains(n)) {
                Some(n) => Ok(n),
                None => Err(invalid(format!("{key} {v} is not between {} and {}", range.start(), range.end()))),
            },
        }
    };
    let max_age = number("maxAsyncEventAgeInSeconds", 1..=604_800, 86_400)?;
    let retries = number("maxAsyncRetryAttempts", 0..=8, 3)? as u32;
    let async_task = match input.get("asyncTask") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(other) => return Err(invalid(format!("asyncTask must be true or false, not {other}"))),
    };
    let destination = |key: &str| -> Result<Option<String>, Reject> {
        let arn = input.get("destinationConfig").and_then(|d| d.get(key)).and_then(|d| d.get("destination"));
        match arn {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(arn)) if arn.is_empty() => Ok(None),
            Some(Value::String(arn)) if arn.starts_with("acs:") => Ok(Some(arn.clone())),
            Some(other) => Err(invalid(format!("destinationConfig.{key}.destination {other} is not an ARN (acs:…)"))),
        }
    };
    let (on_success, on_failure) = (destination("onSuccess")?, destination("onFailure")?);
    let _writing = state.deploy.writing.lock().await;
    let answer = with_service_mut(state, function, |service| {
        check_qualifier(service, function, qualifier)?;
        let now = rfc3339_now();
        let created = service.async_configs.get(qualifier).map_or_else(|| now.clone(), |c| c.created.clone());
        let settings = AsyncSettings {
            retries,
            max_age: Duration::from_secs(max_age),
            on_success,
            on_failure,
            async_task,
            created,
            modified: now,
        };
        let answer = render_async(state, function, qualifier, &settings);
        service.async_configs.insert(qualifier.to_owned(), settings);
        Ok(answer)
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) fn get_async(state: &State, function: &str, qualifier: Option<&str>) -> Result<Answer, Reject> {
    let qualifier = &super::normalized(qualifier.unwrap_or("LATEST"));
    with_service(state, function, |service| {
        let settings = service.async_configs.get(qualifier).ok_or_else(|| no_async(function, qualifier))?;
        Ok(Answer::Json(render_async(state, function, qualifier, settings)))
    })
}

pub(super) async fn delete_async(
    state: &Arc<State>,
    function: &str,
    qualifier: Option<&str>,
) -> Result<Answer, Reject> {
    let qualifier = qualifier.unwrap_or("LATEST");
    let _writing = state.deploy.writing.lock().await;
    with_service_mut(state, function, |service| {
        service.async_configs.remove(qualifier).map(drop).ok_or_else(|| no_async(function, qualifier))
    })?;
    super::persist::save(state);
    Ok(Answer::Deleted)
}

pub(super) fn list_async(state: &State, query: &Query) -> Result<Answer, Reject> {
    let only = query.get("functionName");
    if let Some(function) = only {
        with_service(state, function, |_| Ok(()))?;
    }
    let mut items: Vec<(String, Value)> = {
        let services = state.read();
        services
            .iter()
            .filter_map(|(owner, service)| Some((owner.strip_prefix("fc3:")?, service)))
            .filter(|(function, _)| only.is_none_or(|o| o == *function))
            .flat_map(|(function, service)| {
                service.async_configs.iter().map(move |(qualifier, settings)| {
                    (format!("{function}:{qualifier}"), render_async(state, function, qualifier, settings))
                })
            })
            .collect()
    };
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, next) = page(items, query)?;
    Ok(Answer::Json(listing("configs", page, next)))
}

/// The qualifier a stored trigger invokes, for [`LocalFc::fire_trigger`](crate::local::LocalFc::fire_trigger).
pub(crate) fn trigger_qualifier(state: &State, function: &str, trigger: &str) -> Result<String, Reject> {
    let services = state.read();
    let service = services.get(&crate::local::routes::fc3_service(function)).ok_or_else(|| no_function(function))?;
    let record = service.triggers.get(trigger).ok_or_else(|| no_trigger(function, trigger))?;
    Ok(record.json.get("qualifier").and_then(Value::as_str).unwrap_or("LATEST").to_owned())
}
