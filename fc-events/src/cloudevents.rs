//! The envelope of the EventBridge-backed triggers: CloudEvents 1.0 with Alibaba Cloud's extension attributes,
//! generic over its `data`.

use serde::{Deserialize, Serialize};

/// One CloudEvent as EventBridge delivers it to a function. `D` is the source's `data`
/// ([`MnsQueueData`](crate::mns_queue::MnsQueueData), …; `serde_json::Value` for any). A trigger sends a
/// [`Batch`](crate::Batch) of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CloudEvent<D> {
    /// The event's id.
    pub id: String,
    /// Where it comes from (`acs:mns`, `acs:alikafka`, or the event bus's name).
    pub source: String,
    /// `1.0`.
    #[serde(default = "spec_version")]
    pub specversion: String,
    /// What happened: `mns:Queue:SendMessage`, `mq:Topic:SendMessage`, `amqp:Queue:SendMessage`,
    /// `alikafka:Topic:Message`, `dts:ConsumeMessage`, ….
    #[serde(rename = "type")]
    pub event_type: String,
    /// The content type of `data`, e.g. `application/json;charset=utf-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacontenttype: Option<String>,
    /// The schema of `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataschema: Option<String>,
    /// The resource, e.g. `acs:mns:cn-hangzhou:{account}:queues/{queue}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// When it happened, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// The account that receives it (an Alibaba Cloud extension).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyunaccountid: Option<String>,
    /// When EventBridge published it, RFC 3339 with milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyunpublishtime: Option<String>,
    /// The account it came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyunoriginalaccountid: Option<String>,
    /// The event bus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyuneventbusname: Option<String>,
    /// The region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyunregionid: Option<String>,
    /// The publisher's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aliyunpublishaddr: Option<String>,
    /// The source's data.
    pub data: D,
}

fn spec_version() -> String {
    "1.0".to_owned()
}

impl<D> CloudEvent<D> {
    /// An event of `event_type` from `source` with `data` and nothing else set.
    pub fn new(id: impl Into<String>, source: impl Into<String>, event_type: impl Into<String>, data: D) -> Self {
        CloudEvent {
            id: id.into(),
            source: source.into(),
            specversion: spec_version(),
            event_type: event_type.into(),
            datacontenttype: Some("application/json;charset=utf-8".to_owned()),
            dataschema: None,
            subject: None,
            time: None,
            aliyunaccountid: None,
            aliyunpublishtime: None,
            aliyunoriginalaccountid: None,
            aliyuneventbusname: None,
            aliyunregionid: None,
            aliyunpublishaddr: None,
            data,
        }
    }
}
