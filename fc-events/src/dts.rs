//! The Data Transmission Service (DTS) trigger (through EventBridge): database change records.

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a DTS trigger sends: CloudEvents of type `dts:ConsumeMessage`.
pub type DtsEvent = Batch<CloudEvent<DtsData>>;

/// The `data` of a DTS change record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DtsData {
    /// The record's id.
    #[serde(with = "crate::tolerant::int")]
    pub id: i64,
    /// Where in the change stream it is.
    #[serde(default)]
    pub topic_partition: TopicPartition,
    /// Its offset in the stream.
    #[serde(with = "crate::tolerant::int", default)]
    pub offset: i64,
    /// When the change happened in the source database, **seconds** since the epoch.
    #[serde(with = "crate::tolerant::int", default)]
    pub source_timestamp: i64,
    /// `INSERT`, `UPDATE`, `DELETE`, `DDL`, ….
    pub operation_type: String,
    /// The table's schema (database, table, primary key, fields).
    #[serde(default)]
    pub schema: serde_json::Value,
    /// The row before the change (`null` for an insert).
    #[serde(default)]
    pub before_image: serde_json::Value,
    /// The row after the change (`null` for a delete).
    #[serde(default)]
    pub after_image: serde_json::Value,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A DTS change stream's position.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TopicPartition {
    /// The partition's hash.
    #[serde(with = "crate::tolerant::int", default)]
    pub hash: i64,
    /// The partition.
    #[serde(with = "crate::tolerant::int", default)]
    pub partition: i32,
    /// The topic.
    #[serde(default)]
    pub topic: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl DtsData {
    /// The CloudEvents `type` of a DTS change record.
    pub const EVENT_TYPE: &'static str = "dts:ConsumeMessage";

    /// Change record `id` of `operation_type` (`INSERT`, `UPDATE`, `DELETE`, …), without rows.
    pub fn new(id: i64, operation_type: impl Into<String>) -> Self {
        DtsData { id, operation_type: operation_type.into(), ..DtsData::default() }
    }

    /// Sets the row before the change.
    pub fn with_before_image(mut self, before_image: serde_json::Value) -> Self {
        self.before_image = before_image;
        self
    }

    /// Sets the row after the change.
    pub fn with_after_image(mut self, after_image: serde_json::Value) -> Self {
        self.after_image = after_image;
        self
    }

    /// Sets the table's schema.
    pub fn with_schema(mut self, schema: serde_json::Value) -> Self {
        self.schema = schema;
        self
    }
}

impl TopicPartition {
    /// Partition `partition` of `topic`.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        TopicPartition { topic: topic.into(), partition, ..TopicPartition::default() }
    }
}

impl crate::TriggerEvent for DtsEvent {
    const SOURCE: &'static str = "dts";
}
