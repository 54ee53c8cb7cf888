//! The ApsaraMQ for RabbitMQ trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What a RabbitMQ trigger sends: CloudEvents of type `amqp:Queue:SendMessage`.
pub type RabbitMqEvent = Batch<CloudEvent<RabbitMqData>>;

/// The `data` of a RabbitMQ message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RabbitMqData {
    /// How it was delivered.
    pub envelope: Envelope,
    /// The message's properties.
    #[serde(default)]
    pub props: Properties,
    /// The body: JSON when the producer sent JSON, else a string.
    pub body: serde_json::Value,
}

/// How a RabbitMQ message was delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl crate::TriggerEvent for RabbitMqEvent {
    const SOURCE: &'static str = "rabbitmq";
}
