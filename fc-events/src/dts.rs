//! The Data Transmission Service (DTS) trigger (through EventBridge): database change records.

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a DTS trigger sends: CloudEvents of type `dts:ConsumeMessage`.
pub type DtsEvent = Batch<CloudEvent<DtsData>>;

/// The `data` of a DTS change record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

impl crate::TriggerEvent for DtsEvent {
    const SOURCE: &'static str = "dts";
}
