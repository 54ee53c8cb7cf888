//! PublishFunctionVersion, ListFunctionVersions, DeleteFunctionVersion and the aliases, under `LocalFc`. A version
//! is a snapshot of `LATEST` (the same code and settings, the same instance until `LATEST` changes); an alias names
//! one, and may send a share of its invocations to a second (`additionalVersionWeight`).

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Answer, Query, invalid, listing, page, text, with_service, with_service_mut};
use crate::local::reply::Reject;
use crate::local::routes::is_version;
use crate::local::state::{Alias, Published, Service, State, rfc3339_now};

fn render_version(id: u32, version: &Published) -> Value {
    serde_json::json!({
        "versionId": id.to_string(),
        "description": version.description,
        "createdTime": version.created,
        "lastModifiedTime": version.created,
    })
}

fn render_alias(name: &str, alias: &Alias) -> Value {
    let weights: Map<String, Value> =
        alias.additional.iter().map(|(version, weight)| (version.clone(), (*weight).into())).collect();
    serde_json::json!({
        "aliasName": name,
        "versionId": alias.version,
        "description": alias.description,
        "additionalVersionWeight": weights,
        "createdTime": alias.created,
        "lastModifiedTime": alias.modified,
    })
}

pub(super) async fn publish(state: &Arc<State>, name: &str, input: Map<String, Value>) -> Result<Answer, Reject> {
    let description = text(&input, "description")?.unwrap_or_default().to_owned();
    let _writing = state.deploy.writing.lock().await;
    let answer = with_service_mut(state, name, |service| {
        let id = service.last_version + 1;
        let version = Published { functions: service.functions.clone(), description, created: rfc3339_now() };
        let answer = render_version(id, &version);
        service.versions.insert(id, version);
        service.last_version = id;
        Ok(answer)
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) fn list_versions(state: &State, name: &str, query: &Query) -> Result<Answer, Reject> {
    let direction = match query.get("direction") {
        None | Some("BACKWARD") => "BACKWARD",
        Some("FORWARD") => "FORWARD",
        Some(other) => return Err(invalid(format!("direction {other:?} is not BACKWARD or FORWARD"))),
    };
    let items = with_service(state, name, |service| {
        // Keys sort as the listing goes: newest first backward (the key counts down), oldest first forward.
        Ok(service
            .versions
            .iter()
            .map(|(id, v)| {
                let key = if direction == "FORWARD" { *id } else { u32::MAX - id };
                (format!("{key:010}"), render_version(*id, v))
            })
            .collect::<Vec<_>>())
    })?;
    let mut items = items;
    items.sort_by(|a, b| a.0.cmp(&b.0));
    let (page, next) = page(items, query)?;
    let mut answer = listing("versions", page, next);
    answer["direction"] = direction.into();
    Ok(Answer::Json(answer))
}

pub(super) async fn delete_version(state: &Arc<State>, name: &str, version: &str) -> Result<Answer, Reject> {
    let version = super::normalized(version);
    let version = version.as_str();
    let _writing = state.deploy.writing.lock().await;
    let removed = with_service_mut(state, name, |service| {
        let id = version.parse::<u32>().ok().filter(|id| service.versions.contains_key(id)).ok_or_else(|| {
            Reject::new(404, "VersionNotFound", format!("version {version:?} of function {name:?} does not exist"))
        })?;
        let by_alias = service
            .aliases
            .iter()
            .find(|(_, a)| a.version == version || a.additional.as_ref().is_some_and(|(other, _)| other == version));
        if let Some((alias, _)) = by_alias {
            return Err(Reject::new(
                409,
                "VersionInUse",
                format!("version {version} of function {name:?} is used by alias {alias:?}: move the alias first"),
            ));
        }
        let by_trigger =
            service.triggers.iter().find(|(_, t)| t.json.get("qualifier").and_then(Value::as_str) == Some(version));
        if let Some((trigger, _)) = by_trigger {
            return Err(Reject::new(
                409,
                "VersionInUse",
                format!("version {version} of function {name:?} is invoked by trigger {trigger:?}"),
            ));
        }
        Ok(service.versions.remove(&id))
    })?;
    drop(removed);
    super::functions::retire(state, name);
    super::persist::save(state);
    Ok(Answer::Deleted)
}

/// The versions an alias names, checked: `versionId` a published version (not `LATEST`), at most one additional
/// version, not the main one, with a weight in [0, 1].
fn check_alias(
    service: &Service,
    function: &str,
    version: &str,
    weights: Option<&Value>,
) -> Result<Option<(String, f64)>, Reject> {
    let published = |v: &str| is_version(v) && v.parse::<u32>().is_ok_and(|n| service.versions.contains_key(&n));
    let version = &super::normalized(version);
    if version == "LATEST" {
        return Err(invalid("an alias names a published version, not LATEST"));
    }
    if !published(version) {
        return Err(Reject::new(
            404,
            "VersionNotFound",
            format!("version {version:?} of function {function:?} does not exist"),
        ));
    }
    let weights = match weights {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(weights)) => weights,
        Some(other) => return Err(invalid(format!("additionalVersionWeight must be an object, not {other}"))),
    };
    if weights.len() > 1 {
        return Err(invalid("additionalVersionWeight takes one additional version"));
    }
    let Some((other, weight)) = weights.iter().next() else { return Ok(None) };
    let weight = weight.as_f64().ok_or_else(|| invalid(format!("the weight of version {other:?} is not a number")))?;
    if !(0.0..=1.0).contains(&weight) {
        return Err(invalid(format!("the weight {weight} of version {other:?} is not between 0 and 1")));
    }
    if other == version {
        return Err(Reject::new(
            400,
            "AdditionalVersionContainsMajorVersion",
            format!("additionalVersionWeight names version {other}, the alias's own version"),
        ));
    }
    if !published(other) {
        return Err(Reject::new(
            404,
            "VersionNotFound",
            format!("version {other:?} of function {function:?} does not exist"),
        ));
    }
    Ok(Some((super::normalized(other), weight)))
}

pub(super) async fn create_alias(state: &Arc<State>, name: &str, input: Map<String, Value>) -> Result<Answer, Reject> {
    let alias = text(&input, "aliasName")?.ok_or_else(|| invalid("aliasName is required"))?.to_owned();
    fc_names::check_alias(&alias).map_err(|e| invalid(format!("aliasName {alias:?} {e}")))?;
    let version = text(&input, "versionId")?.ok_or_else(|| invalid("versionId is required"))?.to_owned();
    let description = text(&input, "description")?.unwrap_or_default().to_owned();
    let _writing = state.deploy.writing.lock().await;
    let answer = with_service_mut(state, name, |service| {
        if service.aliases.contains_key(&alias) {
            return Err(Reject::new(
                409,
                "AliasAlreadyExists",
                format!("alias {alias:?} of function {name:?} already exists"),
            ));
        }
        let additional = check_alias(service, name, &version, input.get("additionalVersionWeight"))?;
        let record = Alias::new(super::normalized(&version), additional, description);
        let answer = render_alias(&alias, &record);
        service.aliases.insert(alias, record);
        Ok(answer)
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

fn no_alias(function: &str, alias: &str) -> Reject {
    Reject::new(404, "AliasNotFound", format!("alias {alias:?} of function {function:?} does not exist"))
}

pub(super) fn get_alias(state: &State, name: &str, alias: &str) -> Result<Answer, Reject> {
    with_service(state, name, |service| {
        let record = service.aliases.get(alias).ok_or_else(|| no_alias(name, alias))?;
        Ok(Answer::Json(render_alias(alias, record)))
    })
}

pub(super) async fn update_alias(
    state: &Arc<State>,
    name: &str,
    alias: &str,
    input: Map<String, Value>,
) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    let answer = with_service_mut(state, name, |service| {
        let current = service.aliases.get(alias).ok_or_else(|| no_alias(name, alias))?;
        let version = text(&input, "versionId")?.unwrap_or(&current.version).to_owned();
        let description = text(&input, "description")?.unwrap_or(&current.description).to_owned();
        let additional = match input.get("additionalVersionWeight") {
            None => match &current.additional {
                Some((other, weight)) if *other != version => {
                    let kept = Value::Object(Map::from_iter([(other.clone(), Value::from(*weight))]));
                    check_alias(service, name, &version, Some(&kept))?
                }
                _ => check_alias(service, name, &version, None)?,
            },
            weights => check_alias(service, name, &version, weights)?,
        };
        let mut record = Alias::new(super::normalized(&version), additional, description);
        record.created = current.created.clone();
        let answer = render_alias(alias, &record);
        service.aliases.insert(alias.to_owned(), record);
        Ok(answer)
    })?;
    super::persist::save(state);
    Ok(Answer::Json(answer))
}

pub(super) async fn delete_alias(state: &Arc<State>, name: &str, alias: &str) -> Result<Answer, Reject> {
    let _writing = state.deploy.writing.lock().await;
    with_service_mut(state, name, |service| {
        if let Some((trigger, _)) =
            service.triggers.iter().find(|(_, t)| t.json.get("qualifier").and_then(Value::as_str) == Some(alias))
        {
            return Err(Reject::new(
                409,
                "AliasInUse",
                format!("alias {alias:?} of function {name:?} is invoked by trigger {trigger:?}: delete it first"),
            ));
        }
        service.aliases.remove(alias).map(drop).ok_or_else(|| no_alias(name, alias))
    })?;
    super::persist::save(state);
    Ok(Answer::Deleted)
}

pub(super) fn list_aliases(state: &State, name: &str, query: &Query) -> Result<Answer, Reject> {
    let prefix = query.get("prefix").unwrap_or("");
    let items = with_service(state, name, |service| {
        Ok(service
            .aliases
            .iter()
            .filter(|(alias, _)| alias.starts_with(prefix))
            .map(|(alias, record)| (alias.clone(), render_alias(alias, record)))
            .collect::<Vec<_>>())
    })?;
    let (page, next) = page(items, query)?;
    Ok(Answer::Json(listing("aliases", page, next)))
}
