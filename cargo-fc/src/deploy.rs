//! `cargo fc deploy`: what the crate's settings describe, made true on FC, idempotently, as the official FC 3.0
//! tool does it: get the function; create it (falling back to an update if someone created it meanwhile) or
//! update what differs; upload the code only when the local zip's checksum differs from the deployed one; wait
//! until `state` and `lastUpdateStatus` say ready; then the concurrency config, the async config and the triggers;
//! then, when asked, publish a version and point the alias at it.
//!
//! [`plan`] reads (it never writes) and says, per resource, what a deploy would do and why; [`apply`] runs a plan.
//! A deploy interrupted anywhere converges on the next run: every step compares with what is there.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use fc_runtime::manage::aliases::{CreateAliasInput, UpdateAliasInput};
use fc_runtime::manage::async_config::PutAsyncInvokeConfigInput;
use fc_runtime::manage::functions::{CreateFunctionInput, CustomRuntimeConfig, Function, UpdateFunctionInput};
use fc_runtime::manage::triggers::{CreateTriggerInput, Trigger, TriggerConfig, UpdateTriggerInput};
use fc_runtime::manage::{ListOptions, versions::Direction};
use fc_runtime::{Client, ErrorCode};
use serde::Serialize;

use crate::config::{FunctionSpec, TriggerSpec};
use crate::{Error, Progress};

/// What a deploy does to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// It does not exist: made.
    Create,
    /// It differs: changed.
    Update,
    /// It is as the settings say: left alone.
    Unchanged,
}

/// A resource of a function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Resource {
    /// The function and its settings.
    Function,
    /// Its code package.
    Code,
    /// Its reserved concurrency.
    Concurrency,
    /// Its async invoke config, for a qualifier.
    AsyncConfig(String),
    /// A trigger.
    Trigger(String),
    /// A published version.
    Version,
    /// An alias.
    Alias(String),
}

/// One step of a plan: a resource, what happens to it, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Step {
    /// The resource.
    pub resource: Resource,
    /// What happens.
    pub action: Action,
    /// Why, in words.
    pub reason: String,
}

/// What a deploy would do to one function.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct FunctionPlan {
    /// The function.
    pub function: String,
    /// Its code package's checksum, as built.
    pub checksum: String,
    /// The steps, in the order a deploy runs them.
    pub steps: Vec<Step>,
}

impl FunctionPlan {
    /// The step for `resource`, if the plan has one.
    pub fn step(&self, resource: &Resource) -> Option<&Step> {
        self.steps.iter().find(|s| s.resource == *resource)
    }
}

/// One function to deploy: its settings and its built package.
#[derive(Debug, Clone)]
pub struct Deployable {
    /// The settings.
    pub spec: FunctionSpec,
    /// The zip's bytes.
    pub zip: Vec<u8>,
}

/// Options of a deploy.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// Publish a version once the function is ready (when something changed, or none was published).
    pub publish: bool,
    /// Point this alias at the new version (over the settings' `alias`); implies `publish`.
    pub alias: Option<String>,
    /// How long to wait for a function to become ready.
    pub wait: Duration,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions { publish: false, alias: None, wait: Duration::from_secs(300) }
    }
}

fn step(resource: Resource, action: Action, reason: impl Into<String>) -> Step {
    Step { resource, action, reason: reason.into() }
}

/// The function's settings as FC names them, for CreateFunction and UpdateFunction.
fn settings_of(spec: &FunctionSpec) -> serde_json::Map<String, serde_json::Value> {
    let mut s = serde_json::Map::new();
    s.insert("runtime".into(), spec.runtime.clone().into());
    s.insert("handler".into(), "bootstrap".into());
    s.insert("customRuntimeConfig".into(), serde_json::json!({"command": ["/code/bootstrap"], "port": 9000}));
    let mut put = |key: &str, value: Option<serde_json::Value>| {
        if let Some(value) = value {
            s.insert(key.into(), value);
        }
    };
    put("memorySize", spec.memory.map(Into::into));
    put("timeout", spec.timeout.map(Into::into));
    put("cpu", spec.cpu.map(Into::into));
    put("diskSize", spec.disk.map(Into::into));
    put("instanceConcurrency", spec.instance_concurrency.map(Into::into));
    put("role", spec.role.clone().map(Into::into));
    put("description", spec.description.clone().map(Into::into));
    s.insert("environmentVariables".into(), serde_json::to_value(&spec.environment).unwrap_or_default());
    s
}

/// The settings that differ between what the crate says and what FC reports, by name.
fn differences(spec: &FunctionSpec, deployed: &Function) -> Vec<String> {
    let wanted = settings_of(spec);
    let there = serde_json::to_value(&deployed.settings).unwrap_or_default();
    let mut changed = Vec::new();
    for (key, value) in &wanted {
        if key == "customRuntimeConfig" || key == "handler" {
            continue;
        }
        let current = there.get(key).cloned().unwrap_or(serde_json::Value::Null);
        let same = match (value, &current) {
            (serde_json::Value::Object(a), serde_json::Value::Null) => a.is_empty(),
            (a, b) if a.is_number() && b.is_number() => a.as_f64() == b.as_f64(),
            (a, b) => a == b,
        };
        if !same {
            changed.push(key.clone());
        }
    }
    changed
}

/// A trigger as the settings want it.
fn trigger_config(spec: &TriggerSpec) -> TriggerConfig {
    let config = if spec.config.is_null() { serde_json::json!({}) } else { spec.config.clone() };
    TriggerConfig::from_json_str(&spec.kind, &config.to_string())
}

fn same_trigger(spec: &TriggerSpec, deployed: &Trigger) -> Result<(), String> {
    let wanted = trigger_config(spec);
    if wanted.trigger_type() != deployed.trigger_config.trigger_type() {
        return Err(format!(
            "its type is {}, the settings say {} (a trigger's type cannot change: delete it first)",
            deployed.trigger_config.trigger_type(),
            wanted.trigger_type()
        ));
    }
    let as_json =
        |c: &TriggerConfig| serde_json::from_str::<serde_json::Value>(&c.to_json_string()).unwrap_or_default();
    let (wanted, there) = (as_json(&wanted), as_json(&deployed.trigger_config));
    // Only what the settings say is compared: FC fills in defaults of its own (`disableURLInternet`, …).
    let same_value = |key: &str, value: &serde_json::Value| {
        let current = there.get(key).cloned().unwrap_or(serde_json::Value::Null);
        // A JSON text and the object it spells are the same config (`authConfig` travels as text).
        let text_of =
            |v: &serde_json::Value| v.as_str().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
        current == *value || text_of(&current).as_ref() == Some(value) || text_of(value).as_ref() == Some(&current)
    };
    let mut differs = Vec::new();
    if let Some(object) = wanted.as_object()
        && object.iter().any(|(k, v)| !same_value(k, v))
    {
        differs.push("config");
    }
    if spec.qualifier.as_deref().unwrap_or("LATEST") != deployed.qualifier.as_deref().unwrap_or("LATEST") {
        differs.push("qualifier");
    }
    if differs.is_empty() { Ok(()) } else { Err(format!("its {} differs", differs.join(" and "))) }
}

/// Reads what is deployed and says what a deploy of `deployable` would do (nothing is written).
pub async fn plan(client: &Client, deployable: &Deployable, options: &DeployOptions) -> Result<FunctionPlan, Error> {
    let spec = &deployable.spec;
    let name = spec.name.as_str();
    let checksum = fc_runtime::manage::code_checksum(&deployable.zip);
    let mut steps = Vec::new();
    let deployed = match client.get_function(name, None).await {
        Ok(function) => Some(function),
        Err(e) if e.code() == Some(&ErrorCode::FunctionNotFound) => None,
        Err(e) => return Err(Error::fc(format!("reading {name}"))(e)),
    };
    let mut changed = false;
    match &deployed {
        None => {
            steps.push(step(Resource::Function, Action::Create, "it does not exist"));
            steps.push(step(
                Resource::Code,
                Action::Create,
                format!("uploaded with the function (checksum {checksum})"),
            ));
            changed = true;
        }
        Some(function) => {
            let differs = differences(spec, function);
            if differs.is_empty() {
                steps.push(step(Resource::Function, Action::Unchanged, "its settings are the crate's"));
            } else {
                steps.push(step(Resource::Function, Action::Update, format!("{} differ", differs.join(", "))));
                changed = true;
            }
            if function.code_checksum.as_deref() == Some(checksum.as_str()) {
                steps.push(step(
                    Resource::Code,
                    Action::Unchanged,
                    format!("the deployed checksum is the zip's ({checksum})"),
                ));
            } else {
                steps.push(step(
                    Resource::Code,
                    Action::Update,
                    format!(
                        "the deployed checksum {} is not the zip's {checksum}",
                        function.code_checksum.as_deref().unwrap_or("(none)")
                    ),
                ));
                changed = true;
            }
        }
    }
    let exists = deployed.is_some();
    // Version and alias first: a trigger or an async config may name the alias.
    let alias = options.alias.clone().or_else(|| options.publish.then(|| spec.alias.clone()).flatten());
    if options.publish || alias.is_some() {
        let newest = if exists { newest_version(client, name).await? } else { None };
        let same_as_newest = match (&newest, changed) {
            (Some(version), false) => {
                let published = client
                    .get_function(name, Some(version))
                    .await
                    .map_err(Error::fc(format!("reading {name}@{version}")))?;
                published.code_checksum.as_deref() == Some(checksum.as_str())
                    && differences(spec, &published).is_empty()
            }
            _ => false,
        };
        match (&newest, same_as_newest) {
            (Some(version), true) => steps.push(step(
                Resource::Version,
                Action::Unchanged,
                format!("version {version} is already this code and these settings"),
            )),
            _ => steps.push(step(Resource::Version, Action::Create, "publish LATEST")),
        }
        if let Some(alias) = alias {
            let current = if exists {
                match client.get_alias(name, &alias).await {
                    Ok(a) => Some(a),
                    Err(e) if e.code() == Some(&ErrorCode::AliasNotFound) => None,
                    Err(e) => return Err(Error::fc(format!("reading {name}'s alias {alias}"))(e)),
                }
            } else {
                None
            };
            let (action, reason) = match (current, same_as_newest.then_some(newest.as_ref()).flatten()) {
                (None, _) => (Action::Create, "it does not exist".to_owned()),
                (Some(a), Some(version))
                    if a.version_id.as_deref() == Some(version.as_str()) && a.additional_version_weight.is_empty() =>
                {
                    (Action::Unchanged, format!("it names version {version}"))
                }
                (Some(a), _) => (Action::Update, format!("it names version {}", a.version_id.unwrap_or_default())),
            };
            steps.push(step(Resource::Alias(alias), action, reason));
        }
    }
    // Concurrency.
    let current = if exists {
        match client.get_concurrency_config(name).await {
            Ok(config) => config.reserved_concurrency,
            Err(e)
                if e.code() == Some(&ErrorCode::ConcurrencyConfigNotFound)
                    || e.code() == Some(&ErrorCode::FunctionNotFound) =>
            {
                None
            }
            Err(e) => return Err(Error::fc(format!("reading {name}'s concurrency"))(e)),
        }
    } else {
        None
    };
    if let Some(wanted) = spec.concurrency {
        let action = match current {
            None => Action::Create,
            Some(n) if n == wanted => Action::Unchanged,
            Some(_) => Action::Update,
        };
        let reason = match current {
            None => format!("reserve {wanted}"),
            Some(n) => format!("reserved {n}, the settings say {wanted}"),
        };
        steps.push(step(Resource::Concurrency, action, reason));
    }
    // Async config.
    if let Some(wanted) = &spec.async_config {
        let qualifier = wanted.qualifier.clone().unwrap_or_else(|| "LATEST".to_owned());
        let current = if exists {
            match client.get_async_invoke_config(name, Some(&qualifier)).await {
                Ok(config) => Some(config),
                Err(e) if e.code() == Some(&ErrorCode::AsyncConfigNotExists) => None,
                Err(e) => return Err(Error::fc(format!("reading {name}'s async config"))(e)),
            }
        } else {
            None
        };
        let (action, reason) = match current {
            None => (Action::Create, "none is set".to_owned()),
            Some(config) => {
                let same = config.max_async_retry_attempts == Some(wanted.retries.unwrap_or(3))
                    && wanted.async_task.is_none_or(|task| config.async_task.unwrap_or(false) == task)
                    && config.max_async_event_age_in_seconds == Some(wanted.max_age.unwrap_or(86_400))
                    && config
                        .destination_config
                        .as_ref()
                        .and_then(|d| d.on_success.as_ref())
                        .and_then(|d| d.destination.clone())
                        == wanted.on_success
                    && config
                        .destination_config
                        .as_ref()
                        .and_then(|d| d.on_failure.as_ref())
                        .and_then(|d| d.destination.clone())
                        == wanted.on_failure;
                if same {
                    (Action::Unchanged, "it is the crate's".to_owned())
                } else {
                    (Action::Update, "it differs".to_owned())
                }
            }
        };
        steps.push(step(Resource::AsyncConfig(qualifier), action, reason));
    }
    // Triggers.
    let deployed_triggers: BTreeMap<String, Trigger> = if exists {
        let page = client
            .list_triggers(name, &ListOptions::new().limit(100))
            .await
            .map_err(Error::fc(format!("listing {name}'s triggers")))?;
        page.items.into_iter().filter_map(|t| Some((t.trigger_name.clone()?, t))).collect()
    } else {
        BTreeMap::new()
    };
    for trigger in &spec.triggers {
        let (action, reason) = match deployed_triggers.get(&trigger.name) {
            None => (Action::Create, format!("no {} trigger {:?}", trigger.kind, trigger.name)),
            Some(deployed) => match same_trigger(trigger, deployed) {
                Ok(()) => (Action::Unchanged, "it is the crate's".to_owned()),
                Err(why) => (Action::Update, why),
            },
        };
        steps.push(step(Resource::Trigger(trigger.name.clone()), action, reason));
    }
    Ok(FunctionPlan { function: name.to_owned(), checksum, steps })
}

/// Runs `plan` for `deployable`: every step that is not `Unchanged`, in order, progress on `progress`. Returns the
/// version published, if one was.
pub async fn apply(
    client: &Client,
    deployable: &Deployable,
    plan: &FunctionPlan,
    options: &DeployOptions,
    progress: &Progress,
) -> Result<Option<String>, Error> {
    let spec = &deployable.spec;
    let name = spec.name.as_str();
    let settings = settings_of(spec);
    let with_settings = |mut input: UpdateFunctionInput| {
        let mut typed: fc_runtime::manage::functions::FunctionSettings =
            serde_json::from_value(serde_json::Value::Object(settings.clone())).unwrap_or_default();
        if typed.custom_runtime_config.is_none() {
            typed.custom_runtime_config = Some(CustomRuntimeConfig::command(["/code/bootstrap"]).port(9000));
        }
        input.settings = typed;
        input
    };
    let mut version = None;
    for step in &plan.steps {
        if step.action == Action::Unchanged {
            continue;
        }
        match &step.resource {
            Resource::Function if step.action == Action::Create => {
                progress.step(format!("{name}: creating it, uploading {} bytes", deployable.zip.len()));
                let mut input = CreateFunctionInput::new(name, &spec.runtime).zip(&deployable.zip);
                input.settings = with_settings(UpdateFunctionInput::new()).settings;
                match client.create_function(&input).await {
                    Ok(_) => {}
                    Err(e) if e.code() == Some(&ErrorCode::FunctionAlreadyExists) => {
                        progress.step(format!("{name}: created meanwhile; updating it instead"));
                        let update = with_settings(UpdateFunctionInput::new().zip(&deployable.zip));
                        client.update_function(name, &update).await.map_err(Error::fc(format!("updating {name}")))?;
                    }
                    Err(e) => return Err(Error::fc(format!("creating {name}"))(e)),
                }
                wait_ready(client, name, options.wait, progress).await?;
            }
            Resource::Function | Resource::Code => {
                let code_changed = plan.step(&Resource::Code).is_some_and(|s| s.action != Action::Unchanged);
                if step.resource == Resource::Code
                    && plan.step(&Resource::Function).is_some_and(|s| s.action != Action::Unchanged)
                {
                    // Sent with the function's update.
                    continue;
                }
                let mut update = with_settings(UpdateFunctionInput::new());
                if code_changed {
                    progress.step(format!("{name}: updating, uploading {} bytes", deployable.zip.len()));
                    update = update.zip(&deployable.zip);
                } else {
                    progress.step(format!("{name}: updating its settings ({})", step.reason));
                }
                client.update_function(name, &update).await.map_err(Error::fc(format!("updating {name}")))?;
                wait_ready(client, name, options.wait, progress).await?;
            }
            Resource::Concurrency => {
                let reserved = spec.concurrency.unwrap_or_default();
                progress.step(format!("{name}: reserving a concurrency of {reserved}"));
                client
                    .put_concurrency_config(name, reserved)
                    .await
                    .map_err(Error::fc(format!("{name}'s concurrency")))?;
            }
            Resource::AsyncConfig(qualifier) => {
                let wanted = spec.async_config.clone().unwrap_or_default();
                let mut input = PutAsyncInvokeConfigInput::new();
                if let Some(retries) = wanted.retries {
                    input = input.retries(retries);
                }
                if let Some(age) = wanted.max_age {
                    input = input.max_event_age(age);
                }
                if let Some(task) = wanted.async_task {
                    input = input.async_task(task);
                }
                if let Some(arn) = wanted.on_success {
                    input = input.on_success(arn);
                }
                if let Some(arn) = wanted.on_failure {
                    input = input.on_failure(arn);
                }
                progress.step(format!("{name}: setting its async invoke config for {qualifier}"));
                client
                    .put_async_invoke_config(name, Some(qualifier), &input)
                    .await
                    .map_err(Error::fc(format!("{name}'s async config")))?;
            }
            Resource::Trigger(trigger) => {
                let spec = spec.triggers.iter().find(|t| t.name == *trigger).expect("planned from the settings");
                let config = trigger_config(spec);
                if step.action == Action::Create {
                    progress.step(format!("{name}: creating {} trigger {trigger}", spec.kind));
                    let mut input = CreateTriggerInput::new(trigger, config);
                    if let Some(q) = &spec.qualifier {
                        input = input.qualifier(q);
                    }
                    if let Some(arn) = &spec.source_arn {
                        input = input.source_arn(arn);
                    }
                    if let Some(role) = &spec.invocation_role {
                        input = input.invocation_role(role);
                    }
                    client
                        .create_trigger(name, &input)
                        .await
                        .map_err(Error::fc(format!("creating trigger {trigger}")))?;
                } else {
                    progress.step(format!("{name}: updating trigger {trigger} ({})", step.reason));
                    let mut input = UpdateTriggerInput::config(config);
                    if let Some(q) = &spec.qualifier {
                        input = input.qualifier(q);
                    }
                    client
                        .update_trigger(name, trigger, &input)
                        .await
                        .map_err(Error::fc(format!("updating trigger {trigger}")))?;
                }
            }
            Resource::Version => {
                let published = client
                    .publish_function_version(name, Some("cargo fc deploy"))
                    .await
                    .map_err(Error::fc(format!("publishing {name}")))?;
                let id = published.version_id.unwrap_or_default();
                progress.step(format!("{name}: published version {id}"));
                version = Some(id);
            }
            Resource::Alias(alias) => {
                let target = match &version {
                    Some(v) => v.clone(),
                    None => newest_version(client, name)
                        .await?
                        .ok_or_else(|| Error::Usage(format!("{name} has no published version for the alias")))?,
                };
                progress.step(format!("{name}: alias {alias} -> version {target}"));
                if step.action == Action::Create {
                    client
                        .create_alias(name, &CreateAliasInput::new(alias, &target))
                        .await
                        .map_err(Error::fc(format!("creating alias {alias}")))?;
                } else {
                    client
                        .update_alias(name, alias, &UpdateAliasInput::version(&target))
                        .await
                        .map_err(Error::fc(format!("moving alias {alias}")))?;
                }
            }
        }
    }
    Ok(version)
}

/// The newest published version of `name`, if it has one.
async fn newest_version(client: &Client, name: &str) -> Result<Option<String>, Error> {
    Ok(client
        .list_function_versions(name, &ListOptions::new().limit(1), Some(Direction::Backward))
        .await
        .map_err(Error::fc(format!("listing {name}'s versions")))?
        .items
        .into_iter()
        .next()
        .and_then(|v| v.version_id))
}

/// Waits until FC says `name` is ready (`state` not `Pending`, `lastUpdateStatus` not `InProgress`), at most
/// `wait`; a `Failed` state is an error.
pub async fn wait_ready(client: &Client, name: &str, wait: Duration, progress: &Progress) -> Result<Function, Error> {
    let started = Instant::now();
    let mut said = false;
    loop {
        let function = client.get_function(name, None).await.map_err(Error::fc(format!("reading {name}")))?;
        let (state, update) =
            (function.state.clone().unwrap_or_default(), function.last_update_status.clone().unwrap_or_default());
        if state == "Failed" || update == "Failed" {
            return Err(Error::DeployFailed {
                function: name.to_owned(),
                reason: format!(
                    "state {state} ({}), last update {update} ({})",
                    function.state_reason.clone().unwrap_or_default(),
                    function.last_update_status_reason.clone().unwrap_or_default()
                ),
            });
        }
        if function.is_ready() {
            return Ok(function);
        }
        if started.elapsed() >= wait {
            return Err(Error::NotReady { function: name.to_owned(), seconds: wait.as_secs(), state, update });
        }
        if !said {
            progress.step(format!("{name}: waiting until it is ready (state {state}, last update {update})"));
            said = true;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
