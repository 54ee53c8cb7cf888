//! The ApsaraMQ for Kafka trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a Kafka trigger sends: CloudEvents of type `alikafka:Topic:Message` (an array of objects in FC's
/// documentation, an array of JSON-encoded strings in the official Go SDK's sample: both decode).
pub type KafkaEvent = Batch<CloudEvent<KafkaData>>;

/// The `data` of a Kafka record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KafkaData {
    /// The topic.
    pub topic: String,
    /// The partition.
    #[serde(with = "crate::tolerant::int")]
    pub partition: i32,
    /// The record's offset.
    #[serde(with = "crate::tolerant::int")]
    pub offset: i64,
    /// The record's timestamp, **milliseconds** since the epoch (a number in the samples, a string in the
    /// documentation's table).
    #[serde(with = "crate::tolerant::int")]
    pub timestamp: i64,
    /// The record's headers.
    #[serde(default)]
    pub headers: Headers,
    /// The key, when the record has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The value: JSON, text or base64, depending on the trigger's data format.
    #[serde(default)]
    pub value: serde_json::Value,
}

/// A Kafka record's headers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Headers {
    /// The headers, as Kafka's Java client renders them.
    #[serde(default)]
    pub headers: Vec<serde_json::Value>,
    /// Whether they were read-only.
    #[serde(default)]
    pub is_read_only: bool,
}

impl crate::TriggerEvent for KafkaEvent {
    const SOURCE: &'static str = "kafka";
}
