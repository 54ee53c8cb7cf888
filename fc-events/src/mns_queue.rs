//! The MNS queue trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What an MNS queue trigger sends: CloudEvents of type `mns:Queue:SendMessage`.
pub type MnsQueueEvent = Batch<CloudEvent<MnsQueueData>>;

/// The `data` of an MNS queue message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MnsQueueData {
    /// MNS's request id.
    #[serde(default)]
    pub request_id: String,
    /// The message id.
    pub message_id: String,
    /// The message body as the queue holds it (base64 when the producer sent it so).
    pub message_body: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl MnsQueueData {
    /// The CloudEvents `type` of an MNS queue message.
    pub const EVENT_TYPE: &'static str = "mns:Queue:SendMessage";

    /// The message `message_id` with `message_body`.
    pub fn new(message_id: impl Into<String>, message_body: impl Into<String>) -> Self {
        MnsQueueData { message_id: message_id.into(), message_body: message_body.into(), ..MnsQueueData::default() }
    }

    /// Sets MNS's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = request_id.into();
        self
    }
}

impl crate::TriggerEvent for MnsQueueEvent {
    const SOURCE: &'static str = "mns-queue";
}
