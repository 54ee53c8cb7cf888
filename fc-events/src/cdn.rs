//! The CDN trigger: every `eventName` with its own `eventParameter`.

use serde::{Deserialize, Serialize};

/// What a CDN trigger sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdnEvent {
    /// The events.
    pub events: Vec<CdnRecord>,
}

/// One CDN event: the common fields, and the parameters its `eventName` carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawRecord", into = "RawRecord")]
#[non_exhaustive]
pub struct CdnRecord {
    /// `cdn`.
    pub event_source: String,
    /// The region, e.g. `cn-hangzhou`.
    pub region: String,
    /// `1.0.0`.
    pub event_version: String,
    /// When it happened: RFC 3339 with the region's offset (`2018-03-16T14:19:55+08:00`).
    pub event_time: String,
    /// The event's trace id.
    pub trace_id: String,
    /// The account (`userIdentity.aliUid`).
    pub ali_uid: String,
    /// The domain the event is about (`resource.domain`).
    pub domain: String,
    /// What happened, with its parameters (`eventName` and `eventParameter`).
    pub parameter: CdnParameter,
}

/// A CDN event's `eventName` and its `eventParameter`. The documentation types `endTime`, `fileSize`,
/// `createTime` and `taskId` as strings and its samples send numbers: either decodes.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum CdnParameter {
    /// `LogFileCreated`: an offline log file is ready.
    LogFileCreated(LogFileCreated),
    /// `CachedObjectsRefreshed`: a refresh task finished.
    CachedObjectsRefreshed(CachedObjects),
    /// `CachedObjectsPushed`: a prefetch task finished.
    CachedObjectsPushed(CachedObjects),
    /// `CachedObjectsBlocked`: a block task finished.
    CachedObjectsBlocked(CachedObjects),
    /// `CdnDomainStarted`.
    CdnDomainStarted(DomainStatus),
    /// `CdnDomainStopped`.
    CdnDomainStopped(DomainStatus),
    /// `CdnDomainAdded`.
    CdnDomainAdded(Domain),
    /// `CdnDomainDeleted`.
    CdnDomainDeleted(Domain),
    /// Any other `eventName`, with its parameters as sent.
    Other {
        /// The `eventName`.
        event_name: String,
        /// The `eventParameter`.
        parameter: serde_json::Value,
    },
}

impl CdnParameter {
    /// The `eventName`.
    pub fn event_name(&self) -> &str {
        match self {
            CdnParameter::LogFileCreated(_) => "LogFileCreated",
            CdnParameter::CachedObjectsRefreshed(_) => "CachedObjectsRefreshed",
            CdnParameter::CachedObjectsPushed(_) => "CachedObjectsPushed",
            CdnParameter::CachedObjectsBlocked(_) => "CachedObjectsBlocked",
            CdnParameter::CdnDomainStarted(_) => "CdnDomainStarted",
            CdnParameter::CdnDomainStopped(_) => "CdnDomainStopped",
            CdnParameter::CdnDomainAdded(_) => "CdnDomainAdded",
            CdnParameter::CdnDomainDeleted(_) => "CdnDomainDeleted",
            CdnParameter::Other { event_name, .. } => event_name,
        }
    }
}

/// `LogFileCreated`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LogFileCreated {
    /// The domain.
    pub domain: String,
    /// Start of the period the file covers, **seconds** since the epoch.
    #[serde(with = "crate::tolerant::int")]
    pub start_time: i64,
    /// End of the period, seconds since the epoch.
    #[serde(with = "crate::tolerant::int")]
    pub end_time: i64,
    /// The file's size, bytes.
    #[serde(with = "crate::tolerant::int")]
    pub file_size: u64,
    /// Where to download it: a signed OSS URL (it expires).
    pub file_path: String,
}

/// The parameters of `CachedObjectsRefreshed`, `CachedObjectsPushed` and `CachedObjectsBlocked`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CachedObjects {
    /// The domain.
    pub domain: String,
    /// The paths (files or directories) of the task.
    #[serde(default)]
    pub object_path: Vec<String>,
    /// `File` or `Directory`.
    #[serde(default)]
    pub object_type: String,
    /// When the task was created, seconds since the epoch.
    #[serde(with = "crate::tolerant::int", default)]
    pub create_time: i64,
    /// When it completed, seconds since the epoch.
    #[serde(with = "crate::tolerant::int", default)]
    pub complete_time: i64,
    /// The task's id (a number in the samples, a string in the documentation's table).
    #[serde(with = "crate::tolerant::string", default)]
    pub task_id: String,
}

/// The parameters of `CdnDomainStarted` and `CdnDomainStopped`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DomainStatus {
    /// The domain.
    pub domain: String,
    /// The domain's status, e.g. `online` (empty when not sent).
    #[serde(default)]
    pub status: String,
}

/// The parameters of `CdnDomainAdded` and `CdnDomainDeleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Domain {
    /// The domain.
    pub domain: String,
}

/// The record as sent, with `eventParameter` not yet typed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRecord {
    event_name: String,
    #[serde(default)]
    event_source: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    event_version: String,
    #[serde(default)]
    event_time: String,
    #[serde(default)]
    trace_id: String,
    #[serde(default)]
    user_identity: RawIdentity,
    #[serde(default)]
    resource: RawResource,
    #[serde(default)]
    event_parameter: serde_json::Value,
}

#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawIdentity {
    #[serde(default)]
    ali_uid: String,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct RawResource {
    #[serde(default)]
    domain: String,
}

impl TryFrom<RawRecord> for CdnRecord {
    type Error = String;

    fn try_from(raw: RawRecord) -> Result<Self, String> {
        fn typed<T: serde::de::DeserializeOwned>(name: &str, value: serde_json::Value) -> Result<T, String> {
            serde_json::from_value(value).map_err(|e| format!("eventParameter of {name}: {e}"))
        }
        let value = raw.event_parameter;
        let name = raw.event_name.as_str();
        let parameter = match name {
            "LogFileCreated" => CdnParameter::LogFileCreated(typed(name, value)?),
            "CachedObjectsRefreshed" => CdnParameter::CachedObjectsRefreshed(typed(name, value)?),
            "CachedObjectsPushed" => CdnParameter::CachedObjectsPushed(typed(name, value)?),
            "CachedObjectsBlocked" => CdnParameter::CachedObjectsBlocked(typed(name, value)?),
            "CdnDomainStarted" => CdnParameter::CdnDomainStarted(typed(name, value)?),
            "CdnDomainStopped" => CdnParameter::CdnDomainStopped(typed(name, value)?),
            "CdnDomainAdded" => CdnParameter::CdnDomainAdded(typed(name, value)?),
            "CdnDomainDeleted" => CdnParameter::CdnDomainDeleted(typed(name, value)?),
            _ => CdnParameter::Other { event_name: raw.event_name.clone(), parameter: value },
        };
        Ok(CdnRecord {
            event_source: raw.event_source,
            region: raw.region,
            event_version: raw.event_version,
            event_time: raw.event_time,
            trace_id: raw.trace_id,
            ali_uid: raw.user_identity.ali_uid,
            domain: raw.resource.domain,
            parameter,
        })
    }
}

impl From<CdnRecord> for RawRecord {
    fn from(record: CdnRecord) -> Self {
        fn value<T: Serialize>(parameter: &T) -> serde_json::Value {
            serde_json::to_value(parameter).expect("parameters serialize")
        }
        let event_name = record.parameter.event_name().to_owned();
        let event_parameter = match record.parameter {
            CdnParameter::LogFileCreated(p) => value(&p),
            CdnParameter::CachedObjectsRefreshed(p)
            | CdnParameter::CachedObjectsPushed(p)
            | CdnParameter::CachedObjectsBlocked(p) => value(&p),
            CdnParameter::CdnDomainStarted(p) | CdnParameter::CdnDomainStopped(p) => value(&p),
            CdnParameter::CdnDomainAdded(p) | CdnParameter::CdnDomainDeleted(p) => value(&p),
            CdnParameter::Other { parameter, .. } => parameter,
        };
        RawRecord {
            event_name,
            event_source: record.event_source,
            region: record.region,
            event_version: record.event_version,
            event_time: record.event_time,
            trace_id: record.trace_id,
            user_identity: RawIdentity { ali_uid: record.ali_uid },
            resource: RawResource { domain: record.domain },
            event_parameter,
        }
    }
}

impl crate::TriggerEvent for CdnEvent {
    const SOURCE: &'static str = "cdn";
}
