//! The ApsaraMQ for RabbitMQ trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a RabbitMQ trigger sends: CloudEvents of type `amqp:Queue:SendMessage`.
pub type RabbitMqEvent = Batch<CloudEvent<RabbitMqData>>;

/// The `data` of a RabbitMQ message.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RabbitMqData {
    /// How it was delivered.
    pub envelope: Envelope,
    /// The message's properties.
    #[serde(default)]
    pub props: Properties,
    /// The body: JSON when the producer sent JSON, else a string.
    pub body: serde_json::Value,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// How a RabbitMQ message was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Envelope {
    /// The delivery tag.
    #[serde(with = "crate::tolerant::int")]
    pub delivery_tag: u64,
    /// The exchange.
    #[serde(default)]
    pub exchange: String,
    /// Whether it was delivered before.
    #[serde(default)]
    pub redeliver: bool,
    /// The routing key.
    #[serde(default)]
    pub routing_key: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// A RabbitMQ message's properties.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Properties {
    /// The content encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_encoding: Option<String>,
    /// The message id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl RabbitMqData {
    /// The CloudEvents `type` of a RabbitMQ message.
    pub const EVENT_TYPE: &'static str = "amqp:Queue:SendMessage";

    /// A message delivered as `envelope` says, with `body` (JSON, or a string).
    pub fn new(envelope: Envelope, body: serde_json::Value) -> Self {
        RabbitMqData { envelope, body, ..RabbitMqData::default() }
    }

    /// Sets the message's properties.
    pub fn with_props(mut self, props: Properties) -> Self {
        self.props = props;
        self
    }
}

impl Envelope {
    /// Delivery `delivery_tag` of a message routed from `exchange` with `routing_key`, delivered for the first
    /// time.
    pub fn new(delivery_tag: u64, exchange: impl Into<String>, routing_key: impl Into<String>) -> Self {
        Envelope { delivery_tag, exchange: exchange.into(), routing_key: routing_key.into(), ..Envelope::default() }
    }
}

impl Properties {
    /// Sets the message id.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = Some(message_id.into());
        self
    }

    /// Sets the content encoding.
    pub fn with_content_encoding(mut self, content_encoding: impl Into<String>) -> Self {
        self.content_encoding = Some(content_encoding.into());
        self
    }
}

impl crate::TriggerEvent for RabbitMqEvent {
    const SOURCE: &'static str = "rabbitmq";
}
