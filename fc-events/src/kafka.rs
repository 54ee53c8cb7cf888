//! The ApsaraMQ for Kafka trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a Kafka trigger sends: CloudEvents of type `alikafka:Topic:Message` (an array of objects in FC's
/// documentation, an array of JSON-encoded strings in the official Go SDK's sample: both decode).
pub type KafkaEvent = Batch<CloudEvent<KafkaData>>;

/// The `data` of a Kafka record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl KafkaData {
    /// The CloudEvents `type` of a Kafka record.
    pub const EVENT_TYPE: &'static str = "alikafka:Topic:Message";

    /// The record at `offset` of `partition` of `topic`, with `value` (JSON, a string, or base64 as the trigger's
    /// data format has it), without a key or headers.
    pub fn new(topic: impl Into<String>, partition: i32, offset: i64, value: serde_json::Value) -> Self {
        KafkaData { topic: topic.into(), partition, offset, value, ..KafkaData::default() }
    }

    /// Sets the key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Sets the timestamp, milliseconds since the epoch.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }
}

impl crate::TriggerEvent for KafkaEvent {
    const SOURCE: &'static str = "kafka";
}
