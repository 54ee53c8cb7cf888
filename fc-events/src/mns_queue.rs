//! The MNS queue trigger (through EventBridge).

use serde::{Deserialize, Serialize};

use crate::Batch;
use crate::cloudevents::CloudEvent;

/// What an MNS queue trigger sends: CloudEvents of type `mns:Queue:SendMessage`.
pub type MnsQueueEvent = Batch<CloudEvent<MnsQueueData>>;

/// The `data` of an MNS queue message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl crate::TriggerEvent for MnsQueueEvent {
    const SOURCE: &'static str = "mns-queue";
}
