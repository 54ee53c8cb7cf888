//! The ApsaraMQ for MQTT trigger: a batch of messages, without a CloudEvents envelope in FC's sample.

use serde::{Deserialize, Serialize};

use crate::Batch;

/// What an MQTT trigger sends.
pub type MqttEvent = Batch<MqttMessage>;

/// One MQTT message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MqttMessage {
    /// Where it was published and by whom.
    #[serde(default)]
    pub props: MqttProperties,
    /// The payload: JSON when it was JSON, else a string.
    pub body: serde_json::Value,
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
}

impl crate::TriggerEvent for MqttEvent {
    const SOURCE: &'static str = "mqtt";
}
