//! Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias and ListAliases. An alias names a published version
//! and, optionally, a second one that takes a share of the invocations (`additionalVersionWeight`, a canary).

use std::collections::BTreeMap;

use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ListOptions, Page, function_path, page, paged, segment};
use crate::client::{Client, validate};
use crate::{FcError, InputField};

/// An alias.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Alias {
    /// Its name.
    pub alias_name: Option<String>,
    /// The version it names.
    pub version_id: Option<String>,
    /// Other versions and the share of invocations each takes, in [0, 1]: `{"2": 0.1}`.
    #[serde(default)]
    pub additional_version_weight: BTreeMap<String, f64>,
    /// Free text.
    pub description: Option<String>,
    /// When it was created.
    pub created_time: Option<String>,
    /// When it last changed.
    pub last_modified_time: Option<String>,
}

/// CreateAlias's request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateAliasInput {
    /// Its name (not `LATEST`, not digits only).
    pub alias_name: String,
    /// The version it names.
    pub version_id: String,
    /// A second version and its share of the invocations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub additional_version_weight: BTreeMap<String, f64>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl CreateAliasInput {
    /// The alias `name` of `version`.
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        CreateAliasInput { alias_name: name.into(), version_id: version.into(), ..Self::default() }
    }

    /// `version` takes `weight` (in [0, 1]) of the invocations.
    pub fn weight(mut self, version: impl Into<String>, weight: f64) -> Self {
        self.additional_version_weight.insert(version.into(), weight);
        self
    }

    /// The description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// UpdateAlias's request: what changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateAliasInput {
    /// The version it names now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// The weights now (an empty map removes the second version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_version_weight: Option<BTreeMap<String, f64>>,
    /// The description now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl UpdateAliasInput {
    /// An update that points the alias at `version`, with no second version.
    pub fn version(version: impl Into<String>) -> Self {
        UpdateAliasInput {
            version_id: Some(version.into()),
            additional_version_weight: Some(BTreeMap::new()),
            ..Self::default()
        }
    }

    /// `version` takes `weight` (in [0, 1]) of the invocations.
    pub fn weight(mut self, version: impl Into<String>, weight: f64) -> Self {
        self.additional_version_weight.get_or_insert_with(BTreeMap::new).insert(version.into(), weight);
        self
    }
}

/// Checks an alias's versions and weights as FC does: version ids, weights in [0, 1] that do not add up past 1,
/// and not the alias's own version among them.
fn check_weights(version: Option<&str>, weights: &BTreeMap<String, f64>) -> Result<(), FcError> {
    if let Some(version) = version {
        validate::version_id(version)?;
    }
    let mut total = 0.0;
    for (other, weight) in weights {
        validate::version_id(other)?;
        if Some(other.as_str()) == version {
            return Err(FcError::invalid_input(
                InputField::Setting,
                format!("additionalVersionWeight names the alias's own version {other}"),
            ));
        }
        if !(0.0..=1.0).contains(weight) || weight.is_nan() {
            return Err(FcError::invalid_input(
                InputField::Setting,
                format!("the weight {weight} of version {other} is not in [0, 1]"),
            ));
        }
        total += weight;
    }
    if total > 1.0 {
        return Err(FcError::invalid_input(InputField::Setting, format!("the weights add up to {total}, over 1")));
    }
    Ok(())
}

impl Client {
    /// CreateAlias.
    pub async fn create_alias(&self, function: &str, input: &CreateAliasInput) -> Result<Alias, FcError> {
        validate::fc3_function(function)?;
        validate::alias(&input.alias_name)?;
        check_weights(Some(&input.version_id), &input.additional_version_weight)?;
        let call = Call::new("CreateAlias", Method::POST, function, function_path(function, "/aliases")).json(input)?;
        self.manage_json(call).await
    }

    /// GetAlias.
    pub async fn get_alias(&self, function: &str, alias: &str) -> Result<Alias, FcError> {
        validate::fc3_function(function)?;
        validate::alias(alias)?;
        let path = function_path(function, &format!("/aliases/{}", segment(alias)));
        self.manage_json(Call::new("GetAlias", Method::GET, function, path)).await
    }

    /// UpdateAlias: moves the alias, changes its weights or its description.
    pub async fn update_alias(&self, function: &str, alias: &str, input: &UpdateAliasInput) -> Result<Alias, FcError> {
        validate::fc3_function(function)?;
        validate::alias(alias)?;
        check_weights(
            input.version_id.as_deref(),
            input.additional_version_weight.as_ref().unwrap_or(&BTreeMap::new()),
        )?;
        let path = function_path(function, &format!("/aliases/{}", segment(alias)));
        self.manage_json(Call::new("UpdateAlias", Method::PUT, function, path).json(input)?).await
    }

    /// DeleteAlias.
    pub async fn delete_alias(&self, function: &str, alias: &str) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        validate::alias(alias)?;
        let path = function_path(function, &format!("/aliases/{}", segment(alias)));
        self.manage(Call::new("DeleteAlias", Method::DELETE, function, path)).await.map(drop)
    }

    /// One page of ListAliases (`prefix`, `limit`, `next_token`).
    pub async fn list_aliases(&self, function: &str, options: &ListOptions) -> Result<Page<Alias>, FcError> {
        validate::fc3_function(function)?;
        let call = Call::new("ListAliases", Method::GET, function, function_path(function, "/aliases"))
            .query(options.query(true)?);
        page(self.manage_json(call).await?, "aliases")
    }

    /// Every alias of `function`, page after page as the stream is polled.
    pub fn aliases<'a>(
        &'a self,
        function: &'a str,
    ) -> impl futures_util::Stream<Item = Result<Alias, FcError>> + Send + Unpin + 'a {
        paged(ListOptions::new(), move |options| async move { self.list_aliases(function, &options).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_fc_refuses_are_refused_before_sending() {
        let w = |pairs: &[(&str, f64)]| pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>();
        assert!(check_weights(Some("1"), &w(&[("2", 0.1)])).is_ok());
        assert!(check_weights(Some("1"), &w(&[("2", 1.5)])).is_err());
        assert!(check_weights(Some("1"), &w(&[("2", -0.1)])).is_err());
        assert!(check_weights(Some("1"), &w(&[("2", f64::NAN)])).is_err());
        assert!(check_weights(Some("1"), &w(&[("1", 0.5)])).unwrap_err().to_string().contains("own version"));
        assert!(check_weights(Some("1"), &w(&[("2", 0.6), ("3", 0.6)])).is_err());
        assert!(check_weights(Some("LATEST"), &w(&[])).is_err(), "an alias names a published version");
        assert!(check_weights(Some("1"), &w(&[("x", 0.1)])).is_err());
    }
}
