//! The deploy settings a crate keeps in `[package.metadata.fc]`: defaults for every function at the top, then one
//! table per function under `functions`.
//!
//! ```toml
//! [package.metadata.fc]
//! runtime = "custom.debian10"      # the default
//! memory = 512
//! timeout = 60
//! environment = { RUST_LOG = "info" }
//!
//! [package.metadata.fc.functions.greet]
//! binary = "hello"                  # default: the package's only binary
//! concurrency = 10                  # reserved concurrency
//! alias = "prod"                    # what `--publish` points at the new version
//! triggers = [{ name = "web", type = "http", config = { authType = "anonymous", methods = ["GET"] } }]
//! async = { retries = 1, on-failure = "acs:fc:cn-hangzhou::functions/dead-letters" }
//! ```
//!
//! Without a `functions` table, the package's only binary is one function named after the package.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;

/// Settings of one function (a table under `functions`, or the defaults at the top).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Raw {
    binary: Option<String>,
    runtime: Option<String>,
    memory: Option<u32>,
    timeout: Option<u32>,
    cpu: Option<f64>,
    disk: Option<u32>,
    instance_concurrency: Option<u32>,
    concurrency: Option<u32>,
    environment: Option<BTreeMap<String, String>>,
    role: Option<String>,
    description: Option<String>,
    alias: Option<String>,
    triggers: Option<Vec<TriggerSpec>>,
    #[serde(rename = "async")]
    async_config: Option<AsyncSpec>,
}

impl Raw {
    /// `self` over `defaults`: a value set here wins; environments merge, the function's names winning.
    fn over(self, defaults: &Raw) -> Raw {
        let mut environment = defaults.environment.clone().unwrap_or_default();
        environment.extend(self.environment.unwrap_or_default());
        Raw {
            binary: self.binary.or_else(|| defaults.binary.clone()),
            runtime: self.runtime.or_else(|| defaults.runtime.clone()),
            memory: self.memory.or(defaults.memory),
            timeout: self.timeout.or(defaults.timeout),
            cpu: self.cpu.or(defaults.cpu),
            disk: self.disk.or(defaults.disk),
            instance_concurrency: self.instance_concurrency.or(defaults.instance_concurrency),
            concurrency: self.concurrency.or(defaults.concurrency),
            environment: Some(environment),
            role: self.role.or_else(|| defaults.role.clone()),
            description: self.description.or_else(|| defaults.description.clone()),
            alias: self.alias.or_else(|| defaults.alias.clone()),
            triggers: self.triggers.or_else(|| defaults.triggers.clone()),
            async_config: self.async_config.or_else(|| defaults.async_config.clone()),
        }
    }
}

/// A trigger as the settings name it: its name, its FC type (`http`, `timer`, `oss`, …), the qualifier it invokes
/// (`LATEST` when absent) and its `triggerConfig` as FC spells it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct TriggerSpec {
    /// Its name.
    pub name: String,
    /// FC's `triggerType`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The version or alias it invokes.
    pub qualifier: Option<String>,
    /// The event source's ARN, for the types that have one.
    pub source_arn: Option<String>,
    /// The role FC assumes to invoke.
    pub invocation_role: Option<String>,
    /// Its `triggerConfig`, as FC names the fields.
    #[serde(default)]
    pub config: serde_json::Value,
}

/// An async invoke config as the settings name it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AsyncSpec {
    /// Retries of a failed invocation (0–8).
    pub retries: Option<u32>,
    /// The oldest an event may get, in seconds.
    pub max_age: Option<u32>,
    /// Where successes' records go (an ARN).
    pub on_success: Option<String>,
    /// Where failures' records go (an ARN).
    pub on_failure: Option<String>,
    /// Track invocations as tasks.
    pub async_task: Option<bool>,
    /// The qualifier it is for (`LATEST` when absent).
    pub qualifier: Option<String>,
}

/// One function to deploy, its settings resolved.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct FunctionSpec {
    /// The FC 3.0 function's name.
    pub name: String,
    /// The package that builds it.
    pub package: String,
    /// The binary that serves it (the zip's `bootstrap`).
    pub binary: String,
    /// FC's runtime (`custom.debian10` unless set).
    pub runtime: String,
    /// MB.
    pub memory: Option<u32>,
    /// Seconds.
    pub timeout: Option<u32>,
    /// vCPUs.
    pub cpu: Option<f64>,
    /// MB of disk.
    pub disk: Option<u32>,
    /// Requests one instance serves at once.
    pub instance_concurrency: Option<u32>,
    /// Reserved concurrency (PutConcurrencyConfig).
    pub concurrency: Option<u32>,
    /// Environment variables.
    pub environment: BTreeMap<String, String>,
    /// The RAM role's ARN.
    pub role: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The alias `--publish` points at the new version.
    pub alias: Option<String>,
    /// Its triggers.
    pub triggers: Vec<TriggerSpec>,
    /// Its async invoke config.
    pub async_config: Option<AsyncSpec>,
}

/// A package of the workspace, as `cargo fc` needs it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Package {
    /// Its name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest: PathBuf,
    /// Its binaries.
    pub binaries: Vec<String>,
    /// Whether it has a `[package.metadata.fc]` table.
    pub has_settings: bool,
    /// The functions its settings describe (or its only binary, when it has no `functions` table).
    pub functions: Vec<FunctionSpec>,
}

/// The workspace: where it builds to and its packages.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Project {
    /// The workspace root.
    pub root: PathBuf,
    /// Cargo's target directory.
    pub target_dir: PathBuf,
    /// The packages (members of the workspace, or the one package).
    pub packages: Vec<Package>,
}

impl Project {
    /// Reads the crate or workspace at `manifest` (the current directory's when `None`) with `cargo metadata`.
    pub fn load(manifest: Option<&Path>) -> Result<Project, Error> {
        let mut command = cargo_metadata::MetadataCommand::new();
        command.no_deps();
        if let Some(manifest) = manifest {
            command.manifest_path(manifest);
        }
        let metadata = command.exec().map_err(|e| Error::Cargo(format!("cargo metadata: {e}")))?;
        let members: Vec<_> = metadata.workspace_packages().into_iter().cloned().collect();
        let mut packages = Vec::new();
        for package in members {
            let binaries: Vec<String> = package.targets.iter().filter(|t| t.is_bin()).map(|t| t.name.clone()).collect();
            let manifest = package.manifest_path.clone().into_std_path_buf();
            let fc = package.metadata.get("fc").cloned();
            let has_settings = fc.is_some();
            let functions = functions(&package.name, &manifest, &binaries, fc)?;
            packages.push(Package { name: package.name.to_string(), manifest, binaries, has_settings, functions });
        }
        Ok(Project {
            root: metadata.workspace_root.into_std_path_buf(),
            target_dir: metadata.target_directory.into_std_path_buf(),
            packages,
        })
    }

    /// Every function of the packages that have settings (of `only` packages when given), or of every package
    /// when none has settings.
    pub fn functions(&self, only: &[String]) -> Result<Vec<FunctionSpec>, Error> {
        for name in only {
            if !self.packages.iter().any(|p| p.name == *name) {
                let known: Vec<&str> = self.packages.iter().map(|p| p.name.as_str()).collect();
                return Err(Error::Usage(format!(
                    "no package {name:?} in the workspace (it has {})",
                    known.join(", ")
                )));
            }
        }
        let chosen = |p: &&Package| only.is_empty() || only.contains(&p.name);
        let any_settings = self.packages.iter().filter(chosen).any(|p| p.has_settings);
        let functions: Vec<FunctionSpec> = self
            .packages
            .iter()
            .filter(chosen)
            .filter(|p| p.has_settings || !any_settings)
            .flat_map(|p| p.functions.clone())
            .collect();
        if functions.is_empty() {
            let described: Vec<String> = self
                .packages
                .iter()
                .filter(chosen)
                .map(|p| format!("{} has {} binaries ({})", p.name, p.binaries.len(), list(&p.binaries)))
                .collect();
            return Err(Error::Usage(format!(
                "no function to build or deploy: {}, and no [package.metadata.fc] says which binary serves which function",
                described.join("; ")
            )));
        }
        Ok(functions)
    }
}

fn settings_error(manifest: &Path, at: impl Into<Option<String>>, message: impl Into<String>) -> Error {
    Error::Settings { manifest: manifest.to_path_buf(), at: at.into(), message: message.into() }
}

/// The functions one package's settings describe, checked.
fn functions(
    package: &str,
    manifest: &Path,
    binaries: &[String],
    fc: Option<serde_json::Value>,
) -> Result<Vec<FunctionSpec>, Error> {
    let mut table = match fc {
        // No settings: the package's one binary is a function named after the package; a package with no binary
        // or several is none (a library, a tool) unless its settings say otherwise.
        None | Some(serde_json::Value::Null) if binaries.len() != 1 => return Ok(Vec::new()),
        None | Some(serde_json::Value::Null) => serde_json::Map::new(),
        Some(serde_json::Value::Object(table)) => table,
        Some(other) => return Err(settings_error(manifest, None, format!("must be a table, not {other}"))),
    };
    let tables = match table.remove("functions") {
        None => BTreeMap::new(),
        Some(serde_json::Value::Object(tables)) => tables.into_iter().collect(),
        Some(other) => {
            return Err(settings_error(manifest, "functions".to_owned(), format!("must be a table, not {other}")));
        }
    };
    let defaults: Raw = parse(manifest, None, serde_json::Value::Object(table))?;
    let mut raws: Vec<(String, Raw)> = Vec::new();
    if tables.is_empty() {
        raws.push((package.to_owned(), defaults.clone()));
    }
    for (name, value) in tables {
        let raw: Raw = parse(manifest, Some(format!("functions.{name}")), value)?;
        raws.push((name, raw.over(&defaults)));
    }
    raws.into_iter().map(|(name, raw)| resolve(package, manifest, binaries, name, raw)).collect()
}

fn parse<T: serde::de::DeserializeOwned>(
    manifest: &Path,
    at: Option<String>,
    value: serde_json::Value,
) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let at = match (&at, path.as_str()) {
            (Some(at), ".") => Some(at.clone()),
            (Some(at), path) => Some(format!("{at}.{path}")),
            (None, ".") => None,
            (None, path) => Some(path.to_owned()),
        };
        settings_error(manifest, at, e.inner().to_string())
    })
}

/// The runtimes a Rust binary runs in: FC's custom runtimes.
const RUNTIMES: [&str; 4] = ["custom", "custom.debian10", "custom.debian11", "custom.debian12"];

fn resolve(package: &str, manifest: &Path, binaries: &[String], name: String, raw: Raw) -> Result<FunctionSpec, Error> {
    let at = |field: &str| Some(format!("functions.{name}.{field}"));
    fc_names::check_fc3_function(&name).map_err(|e| {
        settings_error(
            manifest,
            Some(format!("functions.{name}")),
            format!("{name:?} is not a name FC takes for a function: {e}"),
        )
    })?;
    let binary = match raw.binary {
        Some(binary) if binaries.contains(&binary) => binary,
        Some(binary) => {
            return Err(settings_error(
                manifest,
                at("binary"),
                format!("package {package} has no binary {binary:?} (it has {})", list(binaries)),
            ));
        }
        None => match binaries {
            [only] => only.clone(),
            _ if binaries.contains(&name) => name.clone(),
            _ => {
                return Err(settings_error(
                    manifest,
                    at("binary"),
                    format!(
                        "package {package} has {} binaries ({}): say which serves {name:?}",
                        binaries.len(),
                        list(binaries)
                    ),
                ));
            }
        },
    };
    let runtime = raw.runtime.unwrap_or_else(|| "custom.debian10".to_owned());
    if !RUNTIMES.contains(&runtime.as_str()) {
        return Err(settings_error(
            manifest,
            at("runtime"),
            format!("{runtime:?}: a Rust binary runs in {}", RUNTIMES.join(", ")),
        ));
    }
    if let Some(memory) = raw.memory
        && (!(128..=32_768).contains(&memory) || memory % 64 != 0)
    {
        return Err(settings_error(
            manifest,
            at("memory"),
            format!("{memory} MB is not a multiple of 64 from 128 to 32768"),
        ));
    }
    if let Some(timeout) = raw.timeout
        && !(1..=86_400).contains(&timeout)
    {
        return Err(settings_error(manifest, at("timeout"), format!("{timeout} s is not between 1 and 86400")));
    }
    let mut seen = std::collections::BTreeSet::new();
    for trigger in raw.triggers.iter().flatten() {
        fc_names::check_trigger(&trigger.name)
            .map_err(|e| settings_error(manifest, at("triggers"), format!("trigger name {:?} {e}", trigger.name)))?;
        if !seen.insert(trigger.name.clone()) {
            return Err(settings_error(manifest, at("triggers"), format!("two triggers are named {:?}", trigger.name)));
        }
        if !trigger.config.is_object() && !trigger.config.is_null() {
            return Err(settings_error(
                manifest,
                at("triggers"),
                format!("the config of {:?} must be a table", trigger.name),
            ));
        }
    }
    if let Some(alias) = &raw.alias {
        fc_names::check_alias(alias).map_err(|e| settings_error(manifest, at("alias"), format!("{alias:?} {e}")))?;
    }
    Ok(FunctionSpec {
        name,
        package: package.to_owned(),
        binary,
        runtime,
        memory: raw.memory,
        timeout: raw.timeout,
        cpu: raw.cpu,
        disk: raw.disk,
        instance_concurrency: raw.instance_concurrency,
        concurrency: raw.concurrency,
        environment: raw.environment.unwrap_or_default(),
        role: raw.role,
        description: raw.description,
        alias: raw.alias,
        triggers: raw.triggers.unwrap_or_default(),
        async_config: raw.async_config,
    })
}

fn list(names: &[String]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(fc: serde_json::Value) -> Result<Vec<FunctionSpec>, Error> {
        functions("hello", Path::new("Cargo.toml"), &["hello".to_owned(), "worker".to_owned()], Some(fc))
    }

    #[test]
    fn defaults_apply_to_every_function_and_functions_override_them() {
        let specs = of(serde_json::json!({
            "memory": 256, "environment": {"A": "1", "B": "1"},
            "functions": {
                "greet": {"binary": "hello", "environment": {"B": "2"}, "triggers": [{"name": "web", "type": "http"}]},
                "worker": {"memory": 1024, "concurrency": 3, "async": {"retries": 0, "on-failure": "acs:fc:r::functions/dlq"}}
            }
        }))
        .unwrap();
        assert_eq!(specs.len(), 2);
        let greet = &specs[0];
        assert_eq!((greet.name.as_str(), greet.binary.as_str(), greet.memory), ("greet", "hello", Some(256)));
        assert_eq!(greet.environment, BTreeMap::from([("A".into(), "1".into()), ("B".into(), "2".into())]));
        assert_eq!(greet.runtime, "custom.debian10");
        let worker = &specs[1];
        assert_eq!((worker.binary.as_str(), worker.memory, worker.concurrency), ("worker", Some(1024), Some(3)));
        assert_eq!(worker.async_config.as_ref().unwrap().retries, Some(0));
    }

    #[test]
    fn mistakes_name_where_they_are() {
        let err = of(serde_json::json!({"functions": {"greet": {"binary": "nope"}}})).unwrap_err().to_string();
        assert!(
            err.contains("functions.greet.binary")
                && err.contains("no binary \"nope\"")
                && err.contains("hello, worker"),
            "{err}"
        );
        let err = of(serde_json::json!({"functions": {"greet": {"memroy": 256}}})).unwrap_err().to_string();
        assert!(err.contains("functions.greet") && err.contains("unknown field `memroy`"), "{err}");
        let err = of(serde_json::json!({"functions": {"9lives": {"binary": "hello"}}})).unwrap_err().to_string();
        assert!(err.contains("not a name FC takes"), "{err}");
        let err = of(serde_json::json!({"memory": "lots"})).unwrap_err().to_string();
        assert!(err.contains("memory") && err.contains("invalid type"), "{err}");
        let err =
            of(serde_json::json!({"functions": {"g": {"binary": "hello", "runtime": "python3.10"}}})).unwrap_err();
        assert!(err.to_string().contains("a Rust binary runs in"), "{err}");
        let two = |fc| functions("app", Path::new("Cargo.toml"), &["hello".to_owned(), "worker".to_owned()], Some(fc));
        let err = two(serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("has 2 binaries"), "{err}");
        assert_eq!(err.exit_code(), 2);
        assert_eq!(of(serde_json::json!({})).unwrap()[0].binary, "hello", "the binary named after the function");
    }
}
