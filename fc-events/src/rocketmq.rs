//! The ApsaraMQ for RocketMQ trigger (through EventBridge).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a RocketMQ trigger sends: CloudEvents of type `mq:Topic:SendMessage`, a batch in "event-stream" mode and
/// one at a time in "event" mode (both decode).
pub type RocketMqEvent = Batch<CloudEvent<RocketMqData>>;

/// The `data` of a RocketMQ message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RocketMqData {
    /// The topic.
    pub topic: String,
    /// The broker's properties of the message.
    #[serde(default)]
    pub system_properties: SystemProperties,
    /// The producer's properties.
    #[serde(default)]
    pub user_properties: BTreeMap<String, String>,
    /// The message body.
    pub body: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A RocketMQ message's system properties (strings in one sample, numbers in another: either decodes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub struct SystemProperties {
    /// The queue's smallest offset.
    #[serde(with = "crate::tolerant::opt_int", default, skip_serializing_if = "Option::is_none")]
    pub min_offset: Option<i64>,
    /// The queue's largest offset.
    #[serde(with = "crate::tolerant::opt_int", default, skip_serializing_if = "Option::is_none")]
    pub max_offset: Option<i64>,
    /// When consumption started, **milliseconds** since the epoch.
    #[serde(with = "crate::tolerant::opt_int", default, skip_serializing_if = "Option::is_none")]
    pub consume_start_time: Option<i64>,
    /// Whether message tracing is on.
    #[serde(with = "opt_bool", default, skip_serializing_if = "Option::is_none")]
    pub trace_on: Option<bool>,
    /// The region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_region: Option<String>,
    /// The message's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<String>,
    /// The message's unique key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniq_key: Option<String>,
    /// The message's tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// The instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance_id: Option<String>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl RocketMqData {
    /// The CloudEvents `type` of a RocketMQ message.
    pub const EVENT_TYPE: &'static str = "mq:Topic:SendMessage";

    /// A message of `topic` with `body`.
    pub fn new(topic: impl Into<String>, body: impl Into<String>) -> Self {
        RocketMqData { topic: topic.into(), body: body.into(), ..RocketMqData::default() }
    }

    /// Sets the message's tags (`TAGS`).
    pub fn with_tags(mut self, tags: impl Into<String>) -> Self {
        self.system_properties.tags = Some(tags.into());
        self
    }

    /// Sets the message's keys (`KEYS`).
    pub fn with_keys(mut self, keys: impl Into<String>) -> Self {
        self.system_properties.keys = Some(keys.into());
        self
    }

    /// Adds the producer's property `name` with `value`.
    pub fn with_user_property(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.user_properties.insert(name.into(), value.into());
        self
    }
}

mod opt_bool {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        #[derive(Deserialize)]
        struct Wrapped(#[serde(with = "crate::tolerant::boolean")] bool);
        Option::<Wrapped>::deserialize(deserializer).map(|w| w.map(|Wrapped(b)| b))
    }

    pub fn serialize<S: Serializer>(value: &Option<bool>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(b) => serializer.serialize_bool(*b),
            None => serializer.serialize_none(),
        }
    }
}

impl crate::TriggerEvent for RocketMqEvent {
    const SOURCE: &'static str = "rocketmq";
}
