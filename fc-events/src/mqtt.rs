//! The ApsaraMQ for MQTT trigger: a batch of messages, without a CloudEvents envelope in FC's sample.

use serde::{Deserialize, Serialize};

use crate::Batch;

/// What an MQTT trigger sends.
pub type MqttEvent = Batch<MqttMessage>;

/// One MQTT message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MqttMessage {
    /// Where it was published and by whom.
    #[serde(default)]
    pub props: MqttProperties,
    /// The payload: JSON when it was JSON, else a string.
    pub body: serde_json::Value,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// An MQTT message's properties.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MqttProperties {
    /// The parent topic.
    #[serde(default)]
    pub first_topic: String,
    /// The subtopic.
    #[serde(default)]
    pub second_topic: String,
    /// The publishing client's id.
    #[serde(default)]
    pub client_id: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl MqttMessage {
    /// A message with `body` (JSON, or a string), published as `props` says.
    pub fn new(props: MqttProperties, body: serde_json::Value) -> Self {
        MqttMessage { props, body, ..MqttMessage::default() }
    }
}

impl MqttProperties {
    /// Published to `second_topic` (`/kitchen`) under the parent topic `first_topic` by `client_id`.
    pub fn new(first_topic: impl Into<String>, second_topic: impl Into<String>, client_id: impl Into<String>) -> Self {
        MqttProperties {
            first_topic: first_topic.into(),
            second_topic: second_topic.into(),
            client_id: client_id.into(),
            ..MqttProperties::default()
        }
    }
}

impl crate::TriggerEvent for MqttEvent {
    const SOURCE: &'static str = "mqtt";
}
