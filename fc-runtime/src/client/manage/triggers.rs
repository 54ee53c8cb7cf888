//! Triggers: CreateTrigger, GetTrigger, UpdateTrigger, DeleteTrigger and ListTriggers. `triggerConfig` crosses the
//! wire as the JSON string FC uses; in Rust it is a [`TriggerConfig`]: an HTTP trigger's and a timer's typed, any
//! other type's kept as JSON.

use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ListOptions, Page, function_path, page, paged, segment};
use crate::client::{Client, validate};
use crate::{FcError, InputField};

/// A trigger's configuration, by type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TriggerConfig {
    /// `http`.
    Http(HttpTriggerConfig),
    /// `timer`.
    Timer(TimerTriggerConfig),
    /// Any other type (`oss`, `log`, `mns_topic`, `cdn_events`, `tablestore`, `eventbridge`, …): its
    /// `triggerType` and its config as JSON.
    Other {
        /// The `triggerType`.
        trigger_type: String,
        /// The config.
        config: serde_json::Value,
    },
}

impl Default for TriggerConfig {
    /// No type and no config: what an empty answer decodes to.
    fn default() -> Self {
        TriggerConfig::Other { trigger_type: String::new(), config: serde_json::Value::Null }
    }
}

impl TriggerConfig {
    /// The `triggerType` word.
    pub fn trigger_type(&self) -> &str {
        match self {
            TriggerConfig::Http(_) => "http",
            TriggerConfig::Timer(_) => "timer",
            TriggerConfig::Other { trigger_type, .. } => trigger_type,
        }
    }

    /// The config as the JSON text FC carries in `triggerConfig`.
    pub fn to_json_string(&self) -> String {
        let value = match self {
            TriggerConfig::Http(c) => serde_json::to_value(c),
            TriggerConfig::Timer(c) => serde_json::to_value(c),
            TriggerConfig::Other { config, .. } => Ok(config.clone()),
        };
        value.unwrap_or_default().to_string()
    }

    /// A config from its `triggerType` and the JSON text of `triggerConfig`; a known type that does not parse is
    /// kept as [`Other`](Self::Other), so that nothing FC sends is lost.
    pub fn from_json_str(trigger_type: &str, config: &str) -> Self {
        let value: serde_json::Value =
            serde_json::from_str(config).unwrap_or(serde_json::Value::String(config.to_owned()));
        let typed = match trigger_type {
            "http" => serde_json::from_value(value.clone()).map(TriggerConfig::Http).ok(),
            "timer" => serde_json::from_value(value.clone()).map(TriggerConfig::Timer).ok(),
            _ => None,
        };
        typed.unwrap_or(TriggerConfig::Other { trigger_type: trigger_type.to_owned(), config: value })
    }

    fn check(&self) -> Result<(), FcError> {
        let bad = |why: String| Err(FcError::invalid_input(InputField::Setting, why));
        match self {
            TriggerConfig::Http(http) => {
                if !["anonymous", "function", "jwt", "bearer"].contains(&http.auth_type.as_str()) {
                    return bad(format!("authType {:?} is not anonymous, function, jwt or bearer", http.auth_type));
                }
                const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
                if let Some(m) = http.methods.iter().find(|m| !METHODS.contains(&m.as_str())) {
                    return bad(format!(
                        "the method {m:?} is not one FC's HTTP triggers take ({})",
                        METHODS.join(", ")
                    ));
                }
                if matches!(http.auth_type.as_str(), "jwt" | "bearer") && http.auth_config.is_none() {
                    return bad(format!("a {} trigger needs its authConfig", http.auth_type));
                }
            }
            TriggerConfig::Timer(timer) if timer.cron_expression.trim().is_empty() => {
                return bad("a timer trigger needs its cronExpression".to_owned());
            }
            TriggerConfig::Other { trigger_type, .. } if trigger_type.is_empty() => {
                return bad("the trigger type is empty".to_owned());
            }
            _ => {}
        }
        Ok(())
    }
}

/// An HTTP trigger's configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HttpTriggerConfig {
    /// `anonymous`, `function` (callers sign), `jwt` or `bearer`.
    pub auth_type: String,
    /// The auth's settings as JSON text (a JWT trigger's JWKS, `TokenLookup` and `ClaimPassBy`; a bearer trigger's
    /// tokens), as FC types it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_config: Option<String>,
    /// The methods it takes.
    #[serde(default)]
    pub methods: Vec<String>,
    /// Whether the public URL is off.
    #[serde(rename = "disableURLInternet", skip_serializing_if = "Option::is_none")]
    pub disable_url_internet: Option<bool>,
    /// Every other field (`corsConfig`, …), as JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl HttpTriggerConfig {
    /// A trigger with `auth_type` (`anonymous`, `function`, …) taking `methods`.
    pub fn new<S: Into<String>>(auth_type: impl Into<String>, methods: impl IntoIterator<Item = S>) -> Self {
        HttpTriggerConfig {
            auth_type: auth_type.into(),
            methods: methods.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// The auth's settings (JSON text).
    pub fn auth_config(mut self, config: impl Into<String>) -> Self {
        self.auth_config = Some(config.into());
        self
    }
}

/// A timer trigger's configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimerTriggerConfig {
    /// `@every 5m`, or a six-field cron (`0 0 2 * * *`), optionally after `CRON_TZ=…`.
    pub cron_expression: String,
    /// What each event carries as `payload`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// Whether it fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
}

impl TimerTriggerConfig {
    /// A timer firing on `cron_expression`, enabled.
    pub fn new(cron_expression: impl Into<String>) -> Self {
        TimerTriggerConfig { cron_expression: cron_expression.into(), payload: None, enable: Some(true) }
    }

    /// The payload.
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = Some(payload.into());
        self
    }
}

/// The URLs of an HTTP trigger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HttpTriggerUrls {
    /// The public URL.
    pub url_internet: Option<String>,
    /// The VPC URL.
    pub url_intranet: Option<String>,
}

/// A trigger as FC reports it.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Trigger {
    /// FC's id of it.
    pub trigger_id: Option<String>,
    /// Its name.
    pub trigger_name: Option<String>,
    /// Its configuration (and type).
    pub trigger_config: TriggerConfig,
    /// The qualifier it invokes.
    pub qualifier: Option<String>,
    /// The event source's ARN.
    pub source_arn: Option<String>,
    /// The role FC assumes to invoke.
    pub invocation_role: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// The function's ARN.
    pub target_arn: Option<String>,
    /// An HTTP trigger's URLs.
    pub http_trigger: Option<HttpTriggerUrls>,
    /// When it was created.
    pub created_time: Option<String>,
    /// When it last changed.
    pub last_modified_time: Option<String>,
}

/// A trigger on the wire: `triggerType` beside `triggerConfig`, the JSON text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TriggerWire {
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trigger_name: Option<String>,
    #[serde(default)]
    trigger_type: String,
    #[serde(default)]
    trigger_config: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    qualifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    invocation_role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_trigger: Option<HttpTriggerUrls>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_modified_time: Option<String>,
}

impl<'de> Deserialize<'de> for Trigger {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let w = TriggerWire::deserialize(deserializer)?;
        Ok(Trigger {
            trigger_config: TriggerConfig::from_json_str(&w.trigger_type, &w.trigger_config),
            trigger_id: w.trigger_id,
            trigger_name: w.trigger_name,
            qualifier: w.qualifier,
            source_arn: w.source_arn,
            invocation_role: w.invocation_role,
            description: w.description,
            status: w.status,
            target_arn: w.target_arn,
            http_trigger: w.http_trigger,
            created_time: w.created_time,
            last_modified_time: w.last_modified_time,
        })
    }
}

impl Serialize for Trigger {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        TriggerWire {
            trigger_id: self.trigger_id.clone(),
            trigger_name: self.trigger_name.clone(),
            trigger_type: self.trigger_config.trigger_type().to_owned(),
            trigger_config: self.trigger_config.to_json_string(),
            qualifier: self.qualifier.clone(),
            source_arn: self.source_arn.clone(),
            invocation_role: self.invocation_role.clone(),
            description: self.description.clone(),
            status: self.status.clone(),
            target_arn: self.target_arn.clone(),
            http_trigger: self.http_trigger.clone(),
            created_time: self.created_time.clone(),
            last_modified_time: self.last_modified_time.clone(),
        }
        .serialize(serializer)
    }
}

/// CreateTrigger's request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CreateTriggerInput {
    /// Its name.
    pub trigger_name: String,
    /// Its configuration (and type).
    pub trigger_config: TriggerConfig,
    /// The qualifier it invokes (FC's default: `LATEST`).
    pub qualifier: Option<String>,
    /// The event source's ARN (the types that have one).
    pub source_arn: Option<String>,
    /// The role FC assumes to invoke.
    pub invocation_role: Option<String>,
    /// Free text.
    pub description: Option<String>,
}

impl CreateTriggerInput {
    /// A trigger `name` configured by `config`.
    pub fn new(name: impl Into<String>, config: TriggerConfig) -> Self {
        CreateTriggerInput {
            trigger_name: name.into(),
            trigger_config: config,
            qualifier: None,
            source_arn: None,
            invocation_role: None,
            description: None,
        }
    }

    /// The qualifier it invokes.
    pub fn qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }

    /// The event source's ARN.
    pub fn source_arn(mut self, arn: impl Into<String>) -> Self {
        self.source_arn = Some(arn.into());
        self
    }

    /// The role FC assumes to invoke.
    pub fn invocation_role(mut self, role: impl Into<String>) -> Self {
        self.invocation_role = Some(role.into());
        self
    }
}

impl Serialize for CreateTriggerInput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        TriggerWire {
            trigger_name: Some(self.trigger_name.clone()),
            trigger_type: self.trigger_config.trigger_type().to_owned(),
            trigger_config: self.trigger_config.to_json_string(),
            qualifier: self.qualifier.clone(),
            source_arn: self.source_arn.clone(),
            invocation_role: self.invocation_role.clone(),
            description: self.description.clone(),
            ..TriggerWire::default()
        }
        .serialize(serializer)
    }
}

/// UpdateTrigger's request: what changes (a trigger's name, type and source cannot).
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct UpdateTriggerInput {
    /// Its configuration now (of the same type).
    pub trigger_config: Option<TriggerConfig>,
    /// The qualifier it invokes now.
    pub qualifier: Option<String>,
    /// The role now.
    pub invocation_role: Option<String>,
    /// The description now.
    pub description: Option<String>,
}

impl UpdateTriggerInput {
    /// An update of the configuration.
    pub fn config(config: TriggerConfig) -> Self {
        UpdateTriggerInput { trigger_config: Some(config), ..Self::default() }
    }

    /// The qualifier it invokes now.
    pub fn qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }
}

impl Serialize for UpdateTriggerInput {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(None)?;
        if let Some(config) = &self.trigger_config {
            map.serialize_entry("triggerConfig", &config.to_json_string())?;
        }
        if let Some(q) = &self.qualifier {
            map.serialize_entry("qualifier", q)?;
        }
        if let Some(r) = &self.invocation_role {
            map.serialize_entry("invocationRole", r)?;
        }
        if let Some(d) = &self.description {
            map.serialize_entry("description", d)?;
        }
        map.end()
    }
}

impl Client {
    /// CreateTrigger.
    pub async fn create_trigger(&self, function: &str, input: &CreateTriggerInput) -> Result<Trigger, FcError> {
        validate::fc3_function(function)?;
        validate::trigger(&input.trigger_name)?;
        if let Some(q) = &input.qualifier {
            validate::qualifier(q)?;
        }
        input.trigger_config.check()?;
        let call =
            Call::new("CreateTrigger", Method::POST, function, function_path(function, "/triggers")).json(input)?;
        self.manage_json(call).await
    }

    /// GetTrigger.
    pub async fn get_trigger(&self, function: &str, trigger: &str) -> Result<Trigger, FcError> {
        validate::fc3_function(function)?;
        validate::trigger(trigger)?;
        let path = function_path(function, &format!("/triggers/{}", segment(trigger)));
        self.manage_json(Call::new("GetTrigger", Method::GET, function, path)).await
    }

    /// UpdateTrigger.
    pub async fn update_trigger(
        &self,
        function: &str,
        trigger: &str,
        input: &UpdateTriggerInput,
    ) -> Result<Trigger, FcError> {
        validate::fc3_function(function)?;
        validate::trigger(trigger)?;
        if let Some(config) = &input.trigger_config {
            config.check()?;
        }
        if let Some(q) = &input.qualifier {
            validate::qualifier(q)?;
        }
        let path = function_path(function, &format!("/triggers/{}", segment(trigger)));
        self.manage_json(Call::new("UpdateTrigger", Method::PUT, function, path).json(input)?).await
    }

    /// DeleteTrigger.
    pub async fn delete_trigger(&self, function: &str, trigger: &str) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        validate::trigger(trigger)?;
        let path = function_path(function, &format!("/triggers/{}", segment(trigger)));
        self.manage(Call::new("DeleteTrigger", Method::DELETE, function, path)).await.map(drop)
    }

    /// One page of ListTriggers (`prefix`, `limit`, `next_token`).
    pub async fn list_triggers(&self, function: &str, options: &ListOptions) -> Result<Page<Trigger>, FcError> {
        validate::fc3_function(function)?;
        let call = Call::new("ListTriggers", Method::GET, function, function_path(function, "/triggers"))
            .query(options.query(true)?);
        page(self.manage_json(call).await?, "triggers")
    }

    /// Every trigger of `function`, page after page as the stream is polled.
    pub fn triggers<'a>(
        &'a self,
        function: &'a str,
    ) -> impl futures_util::Stream<Item = Result<Trigger, FcError>> + Send + Unpin + 'a {
        paged(ListOptions::new(), move |options| async move { self.list_triggers(function, &options).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_crosses_the_wire_as_a_json_string_and_is_typed_in_rust() {
        let input =
            CreateTriggerInput::new("web", TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["GET", "POST"])));
        let wire = serde_json::to_value(&input).unwrap();
        assert_eq!(wire["triggerType"], "http");
        let text = wire["triggerConfig"].as_str().unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(text).unwrap()["methods"],
            serde_json::json!(["GET", "POST"])
        );
        let back: Trigger = serde_json::from_value(serde_json::json!({
            "triggerName": "web", "triggerType": "http", "triggerConfig": text,
            "httpTrigger": {"urlInternet": "http://127.0.0.1:1"}
        }))
        .unwrap();
        assert_eq!(back.trigger_config, input.trigger_config);
        let oss: Trigger = serde_json::from_value(serde_json::json!({
            "triggerName": "up", "triggerType": "oss", "triggerConfig": "{\"events\":[\"oss:ObjectCreated:*\"]}"
        }))
        .unwrap();
        assert!(matches!(&oss.trigger_config, TriggerConfig::Other { trigger_type, config }
            if trigger_type == "oss" && config["events"][0] == "oss:ObjectCreated:*"));
        assert_eq!(serde_json::to_value(&oss).unwrap()["triggerConfig"], "{\"events\":[\"oss:ObjectCreated:*\"]}");
        let timer = TriggerConfig::Timer(TimerTriggerConfig::new("@every 1m").payload("p"));
        assert_eq!(TriggerConfig::from_json_str("timer", &timer.to_json_string()), timer);
    }

    #[test]
    fn configs_fc_refuses_are_refused_before_sending() {
        assert!(TriggerConfig::Http(HttpTriggerConfig::new("magic", ["GET"])).check().is_err());
        assert!(TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["FETCH"])).check().is_err());
        assert!(TriggerConfig::Http(HttpTriggerConfig::new("jwt", ["GET"])).check().is_err());
        assert!(TriggerConfig::Timer(TimerTriggerConfig::new(" ")).check().is_err());
        assert!(TriggerConfig::Http(HttpTriggerConfig::new("function", ["GET"])).check().is_ok());
    }
}
