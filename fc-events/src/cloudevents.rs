//! The envelope of the EventBridge-backed triggers: CloudEvents 1.0 with Alibaba Cloud's extension attributes,
//! generic over its `data`.

use serde::{Deserialize, Serialize};

/// One CloudEvent as EventBridge delivers it to a function. `D` is the source's `data`
/// ([`MnsQueueData`](crate::mns_queue::MnsQueueData), …; `serde_json::Value` for any). A trigger sends a
/// [`Batch`](crate::Batch) of them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

fn spec_version() -> String {
    "1.0".to_owned()
}

impl<D> CloudEvent<D> {
    /// An event of `event_type` (each source's data type names its own: `KafkaData::EVENT_TYPE`, …) from `source`
    /// (`acs:alikafka`, or the event source's name) with `data`, a JSON content type, and nothing else set.
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
            #[cfg(feature = "catch-all-fields")]
            other: serde_json::Map::new(),
        }
    }

    /// Sets the resource (`subject`), e.g. `acs:mns:cn-hangzhou:{account}:queues/{queue}`.
    pub fn with_subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets when it happened (`time`), RFC 3339.
    pub fn with_time(mut self, time: impl Into<String>) -> Self {
        self.time = Some(time.into());
        self
    }

    /// Sets the region (`aliyunregionid`).
    pub fn with_region_id(mut self, region_id: impl Into<String>) -> Self {
        self.aliyunregionid = Some(region_id.into());
        self
    }

    /// Sets the account that receives it (`aliyunaccountid`).
    pub fn with_account_id(mut self, account_id: impl Into<String>) -> Self {
        self.aliyunaccountid = Some(account_id.into());
        self
    }

    /// Sets the event bus (`aliyuneventbusname`).
    pub fn with_event_bus_name(mut self, event_bus_name: impl Into<String>) -> Self {
        self.aliyuneventbusname = Some(event_bus_name.into());
        self
    }
}
