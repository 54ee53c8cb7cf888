//! What the management API deployed, kept across restarts when `LocalFc` has a state directory
//! ([`LocalFcBuilder::state_dir`](crate::local::LocalFcBuilder::state_dir)): the functions created through it
//! (their settings, their code's checksum, their versions), aliases, triggers, async and concurrency configs, in
//! `state.json` beside the unpacked code. Written after every change (to a temporary file, then renamed, so that a
//! crash leaves the old file or the new one); read when `LocalFc` starts.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::code::Code;
use crate::local::routes::fc3_service;
use crate::local::state::{Alias, AsyncSettings, Function, Host, Published, Service, State, Tally, TriggerRecord};

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Saved {
    functions: Vec<SavedFunction>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedFunction {
    name: String,
    function_id: String,
    created: String,
    latest: SavedCode,
    concurrency: Option<usize>,
    versions: Vec<(u32, String, String, SavedCode)>,
    last_version: u32,
    aliases: Vec<SavedAlias>,
    triggers: Vec<(Map<String, Value>, Option<u16>)>,
    async_configs: Vec<SavedAsync>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedCode {
    settings: Map<String, Value>,
    checksum: Option<String>,
    size: u64,
    modified: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedAlias {
    name: String,
    version: String,
    additional: Option<(String, f64)>,
    description: String,
    created: String,
    modified: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SavedAsync {
    qualifier: String,
    retries: u32,
    max_age_seconds: u64,
    on_success: Option<String>,
    on_failure: Option<String>,
    async_task: Option<bool>,
    created: String,
    modified: String,
}

/// Where the state file is, when `LocalFc` keeps one.
fn file(state: &State) -> Option<PathBuf> {
    state.deploy.state_file.clone()
}

fn saved_code(function: &Function) -> SavedCode {
    SavedCode {
        settings: function.settings.clone(),
        checksum: function.code_dir.as_ref().map(|_| function.code_checksum.clone()),
        size: function.code_size,
        modified: function.modified.clone(),
    }
}

/// Saves what the management API made, when `LocalFc` keeps its state; a failure is logged, not fatal (the
/// running `LocalFc` is unaffected).
pub(crate) fn save(state: &State) {
    let Some(path) = file(state) else { return };
    let saved = {
        let services = state.read();
        let mut functions: Vec<SavedFunction> = services
            .iter()
            .filter_map(|(owner, service)| {
                let name = owner.strip_prefix("fc3:")?;
                let latest = service.functions.get(name)?;
                // Only what the management API deployed: code registered in code registers itself again.
                let deployed = latest.code_dir.is_some() || matches!(latest.host, Host::Stored(_));
                deployed.then(|| saved_function(name, latest, service))
            })
            .collect();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        Saved { functions }
    };
    if let Err(e) = write(&path, &saved) {
        tracing::warn!(path = %path.display(), error = %e, "LocalFc could not save its state");
    }
}

fn saved_function(name: &str, latest: &Function, service: &Service) -> SavedFunction {
    SavedFunction {
        name: name.to_owned(),
        function_id: latest.tally.function_id.clone(),
        created: latest.tally.created.clone(),
        latest: saved_code(latest),
        concurrency: latest.tally.limited_to(),
        versions: service
            .versions
            .iter()
            .filter_map(|(id, v)| {
                let f = v.functions.get(name)?;
                Some((*id, v.description.clone(), v.created.clone(), saved_code(f)))
            })
            .collect(),
        last_version: service.last_version,
        aliases: service
            .aliases
            .iter()
            .map(|(alias, a)| SavedAlias {
                name: alias.clone(),
                version: a.version.clone(),
                additional: a.additional.clone(),
                description: a.description.clone(),
                created: a.created.clone(),
                modified: a.modified.clone(),
            })
            .collect(),
        triggers: service
            .triggers
            .values()
            .map(|t| {
                let port = t.http.as_ref().and_then(|(_, url)| url.rsplit(':').next()?.parse().ok());
                (t.json.clone(), port)
            })
            .collect(),
        async_configs: service
            .async_configs
            .iter()
            .map(|(qualifier, c)| SavedAsync {
                qualifier: qualifier.clone(),
                retries: c.retries,
                max_age_seconds: c.max_age.as_secs(),
                on_success: c.on_success.clone(),
                on_failure: c.on_failure.clone(),
                async_task: c.async_task,
                created: c.created.clone(),
                modified: c.modified.clone(),
            })
            .collect(),
    }
}

fn write(path: &Path, saved: &Saved) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut temporary, saved)?;
    temporary.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Serves again what a previous `LocalFc` with the same state directory deployed. A function whose code is gone
/// is skipped with a warning; a state file that does not parse is an error (nothing is overwritten).
pub(crate) async fn restore(state: &Arc<State>) -> Result<usize, String> {
    let Some(path) = file(state) else { return Ok(0) };
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let saved: Saved = serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut restored = 0;
    for f in saved.functions {
        if state.read().contains_key(&fc3_service(&f.name)) {
            tracing::warn!(function = %f.name, "registered in code and saved in the state directory: the code's wins");
            continue;
        }
        let tally = Arc::new(Tally::new(f.concurrency, f.function_id.clone(), f.created.clone()));
        let build = |code: &SavedCode| -> Option<Function> {
            let unpacked = code.checksum.as_ref().map(|checksum| Code {
                dir: state.deploy.root.join(&f.name).join(checksum),
                checksum: checksum.clone(),
                size: code.size,
            });
            if let Some(unpacked) = &unpacked
                && !unpacked.dir.is_dir()
            {
                tracing::warn!(function = %f.name, dir = %unpacked.dir.display(), "saved code is gone: skipped");
                return None;
            }
            let mut function =
                super::functions::build(state, &f.name, code.settings.clone(), unpacked.as_ref(), tally.clone());
            function.modified = code.modified.clone();
            Some(function)
        };
        let Some(latest) = build(&f.latest) else { continue };
        let mut service = Service::default();
        let latest = Arc::new(latest);
        state.add_host(&latest.host, latest.config.pre_stop);
        service.functions.insert(f.name.clone(), latest);
        for (id, description, created, code) in &f.versions {
            let Some(version) = build(code) else { continue };
            let version = Arc::new(version);
            state.add_host(&version.host, version.config.pre_stop);
            let functions = [(f.name.clone(), version)].into_iter().collect();
            service
                .versions
                .insert(*id, Published { functions, description: description.clone(), created: created.clone() });
        }
        service.last_version = f.last_version;
        for a in f.aliases {
            let mut alias = Alias::new(a.version, a.additional, a.description);
            alias.created = a.created;
            alias.modified = a.modified;
            service.aliases.insert(a.name, alias);
        }
        for c in f.async_configs {
            service.async_configs.insert(
                c.qualifier,
                AsyncSettings {
                    retries: c.retries,
                    max_age: Duration::from_secs(c.max_age_seconds),
                    on_success: c.on_success,
                    on_failure: c.on_failure,
                    async_task: c.async_task,
                    created: c.created,
                    modified: c.modified,
                },
            );
        }
        state.write().insert(fc3_service(&f.name), service);
        for (json, port) in f.triggers {
            let name = json.get("triggerName").and_then(Value::as_str).unwrap_or_default().to_owned();
            let (kind, qualifier, config) = TriggerRecord::parts(&json);
            match super::triggers::start(state, &f.name, &name, &kind, &qualifier, &config, port).await {
                Ok((http, task)) => {
                    let record = TriggerRecord { json, http, task };
                    if let Some(service) = state.write().get_mut(&fc3_service(&f.name)) {
                        service.triggers.insert(name, record);
                    }
                }
                Err(e) => {
                    tracing::warn!(function = %f.name, trigger = %name, error = %e.message, "a saved trigger could not start")
                }
            }
        }
        restored += 1;
    }
    Ok(restored)
}
