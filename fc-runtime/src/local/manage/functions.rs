//! CreateFunction, GetFunction, UpdateFunction, DeleteFunction, ListFunctions, GetFunctionCode and the
//! concurrency config, under `LocalFc`.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::code::{self, Code, RUNTIMES};
use super::{Answer, Query, invalid, listing, no_function, page, text, with_service, with_service_mut};
use crate::local::config::FunctionConfig;
use crate::local::reply::Reject;
use crate::local::routes::fc3_service;
use crate::local::state::{Function, Service, State, Tally, rfc3339_now};

/// The fields FC reports that a request may not set.
const REPORTED: [&str; 14] = [
    "functionName",
    "functionId",
    "functionArn",
    "codeChecksum",
    "codeSize",
    "createdTime",
    "lastModifiedTime",
    "state",
    "stateReason",
    "stateReasonCode",
    "lastUpdateStatus",
    "lastUpdateStatusReason",
    "lastUpdateStatusReasonCode",
    "code",
];

/// A function as FC reports it: its settings, names, code and times; with its state when `full` (GetFunction,
/// not ListFunctions).
pub(crate) fn render(state: &State, name: &str, function: &Function, full: bool) -> Value {
    let mut object = function.settings.clone();
    object.insert("functionName".into(), name.into());
    object.insert("functionId".into(), function.tally.function_id.clone().into());
    object.insert("functionArn".into(), super::function_arn(state, name).into());
    object.insert("codeChecksum".into(), function.code_checksum.clone().into());
    object.insert("codeSize".into(), function.code_size.into());
    object.insert("createdTime".into(), function.tally.created.clone().into());
    object.insert("lastModifiedTime".into(), function.modified.clone().into());
    if full {
        // LocalFc deploys synchronously: a function is ready when the call that made it returns.
        object.insert("state".into(), "Active".into());
        object.insert("stateReason".into(), "".into());
        object.insert("stateReasonCode".into(), "".into());
        object.insert("lastUpdateStatus".into(), "Successful".into());
        object.insert("lastUpdateStatusReason".into(), "".into());
        object.insert("lastUpdateStatusReasonCode".into(), "".into());
    }
    object.into()
}

/// Checks settings as FC does (the runtime, the ranges, the environment), and fills FC's defaults where a new
/// function has none.
fn check_settings(settings: &mut Map<String, Value>, creating: bool) -> Result<(), Reject> {
    let int = |key: &str| -> Result<Option<u64>, Reject> {
        match settings.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| invalid(format!("{key} must be a whole number, not {v}"))),
        }
    };
    let runtime = text(settings, "runtime")?.map(str::to_owned);
    match runtime.as_deref() {
        None => return Err(invalid("runtime is required")),
        Some(r) if !RUNTIMES.contains(&r) => {
            return Err(invalid(format!("runtime {r:?} is not one of FC's ({})", RUNTIMES.join(", "))));
        }
        Some(_) => {}
    }
    if text(settings, "handler")?.is_none_or(str::is_empty) {
        return Err(invalid("handler is required (custom runtimes ignore it; FC requires it all the same)"));
    }
    if let Some(timeout) = int("timeout")?
        && !(1..=86_400).contains(&timeout)
    {
        return Err(invalid(format!("timeout {timeout} s is not between 1 and 86400")));
    }
    if let Some(memory) = int("memorySize")?
        && (!(128..=32_768).contains(&memory) || memory % 64 != 0)
    {
        return Err(invalid(format!("memorySize {memory} MB is not a multiple of 64 from 128 to 32768")));
    }
    if let Some(disk) = int("diskSize")?
        && disk != 512
        && disk != 10_240
    {
        return Err(invalid(format!("diskSize {disk} MB is not 512 or 10240")));
    }
    if let Some(concurrency) = int("instanceConcurrency")?
        && !(1..=200).contains(&concurrency)
    {
        return Err(invalid(format!("instanceConcurrency {concurrency} is not between 1 and 200")));
    }
    match settings.get("environmentVariables") {
        None | Some(Value::Null) => {}
        Some(Value::Object(env)) => {
            for (name, value) in env {
                let ok = !name.is_empty()
                    && !name.as_bytes()[0].is_ascii_digit()
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                if !ok {
                    return Err(invalid(format!(
                        "the environment variable name {name:?} is not letters, digits and _"
                    )));
                }
                if name.starts_with("FC_") {
                    return Err(invalid(format!("the environment variable {name:?} is FC's: FC_* names are reserved")));
                }
                if !value.is_string() {
                    return Err(invalid(format!("the environment variable {name:?} must be a string")));
                }
            }
        }
        Some(other) => return Err(invalid(format!("environmentVariables must be an object, not {other}"))),
    }
    if let Some(config) = settings.get("customRuntimeConfig").filter(|c| !c.is_null()) {
        for key in ["command", "args"] {
            match config.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(words)) if words.iter().all(Value::is_string) => {}
                Some(other) => return Err(invalid(format!("customRuntimeConfig.{key} must be strings, not {other}"))),
            }
        }
    }
    if creating {
        let defaults: [(&str, Value); 5] = [
            ("timeout", 3.into()),
            ("memorySize", 512.into()),
            ("diskSize", 512.into()),
            ("instanceConcurrency", 1.into()),
            ("internetAccess", true.into()),
        ];
        for (key, value) in defaults {
            if settings.get(key).is_none_or(Value::is_null) {
                settings.insert(key.to_owned(), value);
            }
        }
    }
    Ok(())
}

/// The code a request sends: a Base64 zip within FC's direct-upload limit, whose checksum (when given) matches.
fn zip_of(input: &Map<String, Value>) -> Result<Option<Vec<u8>>, Reject> {
    let Some(code) = input.get("code").filter(|c| !c.is_null()) else { return Ok(None) };
    let Some(code) = code.as_object() else { return Err(invalid("code must be an object")) };
    if let Some(zip) = text(code, "zipFile")? {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(zip.trim())
            .map_err(|e| invalid(format!("code.zipFile is not Base64: {e}")))?;
        if bytes.len() > crate::manage::MAX_DIRECT_CODE {
            return Err(Reject::new(
                400,
                "EntityTooLarge",
                format!(
                    "the zip is {} bytes, over FC's {} byte limit on code sent in a request (larger code goes through \
                     OSS)",
                    bytes.len(),
                    crate::manage::MAX_DIRECT_CODE
                ),
            ));
        }
        if let Some(expected) = text(code, "checksum")?.filter(|c| !c.is_empty()) {
            let actual = crate::manage::code_checksum(&bytes);
            if actual != expected {
                return Err(invalid(format!("code.checksum {expected} is not the zip's CRC-64, {actual}")));
            }
        }
        return Ok(Some(bytes));
    }
    if text(code, "ossBucketName")?.is_some() {
        return Err(invalid("LocalFc cannot read OSS: send the code as code.zipFile"));
    }
    Err(invalid("code has no zipFile"))
}

/// How `LocalFc` runs a function with these settings.
fn config_of(settings: &Map<String, Value>) -> FunctionConfig {
    let mut config = FunctionConfig::default();
    if let Some(timeout) = settings.get("timeout").and_then(Value::as_u64) {
        config.timeout = Duration::from_secs(timeout);
    }
    if let Some(memory) = settings.get("memorySize").and_then(Value::as_u64) {
        config.memory_mb = u32::try_from(memory).unwrap_or(u32::MAX);
    }
    let hook = |name: &str| {
        settings.get("instanceLifecycleConfig").and_then(|c| c.get(name)).is_some_and(|h| {
            h.get("handler").and_then(Value::as_str).is_some_and(|s| !s.is_empty())
                || h.get("command").and_then(Value::as_array).is_some_and(|c| !c.is_empty())
        })
    };
    config.initializer = hook("initializer");
    config.pre_stop = hook("preStop");
    config
}

/// A new `Function` for `name`: its host built from its code and settings, sharing `tally` with what it
/// replaces.
pub(super) fn build(
    state: &State,
    name: &str,
    settings: Map<String, Value>,
    code: Option<&Code>,
    tally: Arc<Tally>,
) -> Function {
    let instance_id = format!("c-{}", &state.deploy.id(state.seed)[..18].replace('-', ""));
    let host = code::host(state, name, &settings, code, &instance_id);
    Function {
        host,
        config: config_of(&settings),
        tally,
        instance_id,
        code_checksum: code.map_or_else(|| "0".to_owned(), |c| c.checksum.clone()),
        code_size: code.map_or(0, |c| c.size),
        code_dir: code.map(|c| c.dir.clone()),
        settings,
        modified: rfc3339_now(),
    }
}

/// Unpacks `zip` for `name` off the async threads.
async fn unpack(state: &Arc<State>, name: &str, zip: Vec<u8>) -> Result<Code, Reject> {
    state.deploy.code_uploads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (root, name) = (state.deploy.root.clone(), name.to_owned());
    tokio::task::spawn_blocking(move || code::unpack(&root, &name, &zip))
        .await
        .map_err(|e| Reject::new(500, "InternalServerError", format!("unpacking the code: {e}")))?
}

/// The settings part of a request: everything but what FC reports and the code.
fn settings_of(input: &Map<String, Value>) -> Map<String, Value> {
    input.iter().filter(|(k, _)| !REPORTED.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

pub(super) async fn create(state: &Arc<State>, input: Map<String, Value>) -> Result<Answer, Reject> {
    let name = text(&input, "functionName")?.ok_or_else(|| invalid("functionName is required"))?.to_owned();
    fc_names::check_fc3_function(&name).map_err(|e| invalid(format!("functionName {name:?} {e}")))?;
    let mut settings = settings_of(&input);
    check_settings(&mut settings, true)?;
    let zip = zip_of(&input)?;
    let runtime = settings.get("runtime").and_then(Value::as_str).unwrap_or_default();
    if zip.is_none() && runtime != "custom-container" {
        return Err(invalid("code is required: a zip as code.zipFile"));
    }
    let _writing = state.deploy.writing.lock().await;
    let exists = |state: &State| state.read().get(&fc3_service(&name)).is_some_and(|s| s.functions.contains_key(&name));
    if exists(state) {
        return Err(Reject::new(409, "FunctionAlreadyExists", format!("function {name:?} already exists")));
    }
    let code = match zip {
        Some(zip) => Some(unpack(state, &name, zip).await?),
        None => None,
    };
    let tally = Arc::new(Tally::new(None, state.deploy.id(state.seed), rfc3339_now()));
    let function = Arc::new(build(state, &name, settings, code.as_ref(), tally));
    state.add_host(&function.host, function.config.pre_stop);
    let answer = render(state, &name, &function, true);
    let mut service = Service::default();
    service.functions.insert(name.clone(), function);
    state.write().insert(fc3_service(&name), service);
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) fn get(state: &State, name: &str, qualifier: Option<&str>) -> Result<Answer, Reject> {
    with_service(state, name, |service| {
        let function = at(service, name, qualifier)?;
        Ok(Answer::Json(render(state, name, function, true)))
    })
}

/// The function `name` as `qualifier` names it (an alias: its main version).
fn at<'s>(service: &'s Service, name: &str, qualifier: Option<&str>) -> Result<&'s Arc<Function>, Reject> {
    let version = super::qualified(service, name, qualifier.unwrap_or("LATEST"))?;
    let function = match version.as_str() {
        "LATEST" => service.functions.get(name),
        n => n.parse::<u32>().ok().and_then(|n| service.versions.get(&n)).and_then(|v| v.functions.get(name)),
    };
    function.ok_or_else(|| no_function(name))
}

pub(super) async fn update(state: &Arc<State>, name: &str, input: Map<String, Value>) -> Result<Answer, Reject> {
    if let Some(other) = text(&input, "functionName")?
        && other != name
    {
        return Err(invalid(format!("functionName {other:?} cannot change (the function is {name:?})")));
    }
    let zip = zip_of(&input)?;
    let _writing = state.deploy.writing.lock().await;
    let current = with_service(state, name, |s| Ok(s.functions[name].clone()))?;
    let mut settings = current.settings.clone();
    for (key, value) in settings_of(&input) {
        settings.insert(key, value);
    }
    check_settings(&mut settings, false)?;
    let code = match zip {
        Some(zip) => Some(unpack(state, name, zip).await?),
        None => current.code_dir.as_ref().map(|dir| Code {
            dir: dir.clone(),
            checksum: current.code_checksum.clone(),
            size: current.code_size,
        }),
    };
    let replaced = if code.is_none() && !matches!(current.host, crate::local::state::Host::Stored(_)) {
        // Registered in code and given no code: the same instance with the new settings.
        Function {
            host: current.host.clone(),
            config: FunctionConfig { timeout: config_of(&settings).timeout, ..current.config.clone() },
            tally: current.tally.clone(),
            instance_id: current.instance_id.clone(),
            code_checksum: current.code_checksum.clone(),
            code_size: current.code_size,
            code_dir: None,
            settings,
            modified: rfc3339_now(),
        }
    } else {
        build(state, name, settings, code.as_ref(), current.tally.clone())
    };
    let function = Arc::new(replaced);
    state.add_host(&function.host, function.config.pre_stop);
    let answer = render(state, name, &function, true);
    with_service_mut(state, name, |s| {
        s.functions.insert(name.to_owned(), function);
        Ok(())
    })?;
    retire(state, name);
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

/// After a change: stops the instances nothing uses any more and removes the packages no version of `name`
/// uses.
pub(super) fn retire(state: &State, name: &str) {
    state.stop_unused_hosts();
    let used: Vec<String> = state
        .read()
        .get(&fc3_service(name))
        .map(|s| {
            s.functions
                .values()
                .chain(s.versions.values().flat_map(|v| v.functions.values()))
                .map(|f| f.code_checksum.clone())
                .collect()
        })
        .unwrap_or_default();
    code::prune(&state.deploy.root, name, &used);
}

pub(super) async fn delete(state: &Arc<State>, name: &str) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    with_service(state, name, |service| {
        if service.triggers.is_empty() {
            Ok(())
        } else {
            let names: Vec<&str> = service.triggers.keys().map(String::as_str).collect();
            Err(Reject::new(
                409,
                "FunctionNotEmpty",
                format!("function {name:?} has active triggers ({}): delete them first", names.join(", ")),
            ))
        }
    })?;
    let removed = state.write().remove(&fc3_service(name));
    drop(removed);
    retire(state, name);
    super::persist::save(state);
    Ok(Answer::Deleted)
}

pub(super) fn list(state: &State, query: &Query) -> Result<Answer, Reject> {
    let prefix = query.get("prefix").unwrap_or("");
    let runtime = query.get("runtime");
    let description = query.get("description");
    let items: Vec<(String, Value)> = {
        let services = state.read();
        let mut items: Vec<(String, Value)> = services
            .iter()
            .filter(|(owner, _)| owner.starts_with("fc3:"))
            .flat_map(|(_, s)| s.functions.iter())
            .filter(|(name, _)| name.starts_with(prefix))
            .filter(|(_, f)| runtime.is_none_or(|r| f.settings.get("runtime").and_then(Value::as_str) == Some(r)))
            .filter(|(_, f)| {
                description.is_none_or(|d| {
                    f.settings.get("description").and_then(Value::as_str).is_some_and(|text| text.contains(d))
                })
            })
            .map(|(name, f)| (name.clone(), render(state, name, f, false)))
            .collect();
        items.sort_by(|a, b| a.0.cmp(&b.0));
        items
    };
    let (page, next) = page(items, query)?;
    Ok(Answer::Json(listing("functions", page, next)))
}

pub(super) fn code(state: &State, name: &str, qualifier: Option<&str>) -> Result<Answer, Reject> {
    with_service(state, name, |service| {
        let function = at(service, name, qualifier)?;
        let url = function
            .code_dir
            .as_ref()
            .and_then(|dir| dir.parent().map(|base| base.join(format!("{}.zip", function.code_checksum))))
            .map(|zip| format!("file://{}", zip.display()))
            .unwrap_or_default();
        Ok(Answer::Json(serde_json::json!({ "url": url, "checksum": function.code_checksum })))
    })
}

pub(super) async fn put_concurrency(
    state: &Arc<State>,
    name: &str,
    input: Map<String, Value>,
) -> Result<Answer, Reject> {
    let reserved = match input.get("reservedConcurrency") {
        Some(v) => v.as_u64().ok_or_else(|| invalid(format!("reservedConcurrency must be a whole number, not {v}")))?,
        None => return Err(invalid("reservedConcurrency is required")),
    };
    if reserved > 100_000 {
        return Err(invalid(format!("reservedConcurrency {reserved} is over what an account may reserve")));
    }
    let _writing = state.deploy.writing.lock().await;
    with_service(state, name, |service| {
        service.functions[name].tally.limit(Some(reserved as usize));
        Ok(())
    })?;
    super::persist::save(state);
    get_concurrency(state, name)
}

pub(super) fn get_concurrency(state: &State, name: &str) -> Result<Answer, Reject> {
    with_service(state, name, |service| match service.functions[name].tally.limited_to() {
        Some(reserved) => Ok(Answer::Json(serde_json::json!({
            "functionArn": super::function_arn(state, name),
            "reservedConcurrency": reserved,
        }))),
        None => {
            Err(Reject::new(404, "ConcurrencyConfigNotFound", format!("function {name:?} has no concurrency config")))
        }
    })
}

pub(super) async fn delete_concurrency(state: &Arc<State>, name: &str) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    with_service(state, name, |service| {
        service.functions[name].tally.limit(None);
        Ok(())
    })?;
    super::persist::save(state);
    Ok(Answer::Deleted)
}
