//! The CDN trigger: every `eventName` with its own `eventParameter`.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a CDN trigger sends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CdnEvent {
    /// The events.
    pub events: Vec<CdnRecord>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One CDN event: the common fields, and the parameters its `eventName` carries.
///
/// Under the feature `catch-all-fields`, `other` keeps the record's unknown fields, but not those inside
/// `userIdentity` and `resource`, which this type holds as single fields of its own.
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    pub other: serde_json::Map<String, serde_json::Value>,
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

/// `LogFileCreated`, empty: CDN triggers exist mostly to process offline log files.
impl Default for CdnParameter {
    fn default() -> Self {
        CdnParameter::LogFileCreated(LogFileCreated::default())
    }
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

    /// The domain the parameters name (`domain`), if they do.
    pub fn domain(&self) -> Option<&str> {
        match self {
            CdnParameter::LogFileCreated(p) => Some(&p.domain),
            CdnParameter::CachedObjectsRefreshed(p)
            | CdnParameter::CachedObjectsPushed(p)
            | CdnParameter::CachedObjectsBlocked(p) => Some(&p.domain),
            CdnParameter::CdnDomainStarted(p) | CdnParameter::CdnDomainStopped(p) => Some(&p.domain),
            CdnParameter::CdnDomainAdded(p) | CdnParameter::CdnDomainDeleted(p) => Some(&p.domain),
            CdnParameter::Other { parameter, .. } => parameter.get("domain").and_then(serde_json::Value::as_str),
        }
    }
}

/// `LogFileCreated`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The parameters of `CachedObjectsRefreshed`, `CachedObjectsPushed` and `CachedObjectsBlocked`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The parameters of `CdnDomainStarted` and `CdnDomainStopped`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DomainStatus {
    /// The domain.
    pub domain: String,
    /// The domain's status, e.g. `online` (empty when not sent).
    #[serde(default)]
    pub status: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The parameters of `CdnDomainAdded` and `CdnDomainDeleted`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Domain {
    /// The domain.
    pub domain: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl CdnEvent {
    /// An event of these records (FC sends one per notification).
    pub fn new(events: Vec<CdnRecord>) -> Self {
        CdnEvent { events, ..CdnEvent::default() }
    }

    /// An event of one offline log file of `domain` ready at `file_path` (a signed OSS URL), `file_size` bytes,
    /// covering `start_time` to `end_time` (seconds since the epoch).
    pub fn log_file_created(
        domain: impl Into<String>,
        file_path: impl Into<String>,
        file_size: u64,
        start_time: i64,
        end_time: i64,
    ) -> Self {
        let parameter = LogFileCreated::new(domain, file_path, file_size).with_period(start_time, end_time);
        CdnEvent::new(vec![CdnRecord::new(CdnParameter::LogFileCreated(parameter))])
    }
}

impl CdnRecord {
    /// A record of `parameter` (which names the `eventName`), about the domain the parameter names, with the
    /// fixed values FC sends (`eventSource` `cdn`, `eventVersion` `1.0.0`).
    pub fn new(parameter: CdnParameter) -> Self {
        CdnRecord {
            event_source: "cdn".to_owned(),
            event_version: "1.0.0".to_owned(),
            domain: parameter.domain().unwrap_or_default().to_owned(),
            parameter,
            ..CdnRecord::default()
        }
    }

    /// Sets the region (`cn-hangzhou`).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets when it happened (RFC 3339 with the region's offset: `2018-03-16T14:19:55+08:00`).
    pub fn with_event_time(mut self, event_time: impl Into<String>) -> Self {
        self.event_time = event_time.into();
        self
    }

    /// Sets the account (`userIdentity.aliUid`).
    pub fn with_ali_uid(mut self, ali_uid: impl Into<String>) -> Self {
        self.ali_uid = ali_uid.into();
        self
    }
}

impl LogFileCreated {
    /// The log file of `domain` at `file_path` (a signed OSS URL), `file_size` bytes; set the period it covers with
    /// [`with_period`](Self::with_period).
    pub fn new(domain: impl Into<String>, file_path: impl Into<String>, file_size: u64) -> Self {
        LogFileCreated { domain: domain.into(), file_path: file_path.into(), file_size, ..LogFileCreated::default() }
    }

    /// Sets the period the file covers, seconds since the epoch.
    pub fn with_period(mut self, start_time: i64, end_time: i64) -> Self {
        self.start_time = start_time;
        self.end_time = end_time;
        self
    }
}

impl CachedObjects {
    /// A task on `object_path` (files or directories) of `domain`, of `object_type` `File`; set the rest with
    /// the `with_*` setters.
    pub fn new(domain: impl Into<String>, object_path: Vec<String>) -> Self {
        CachedObjects { domain: domain.into(), object_path, object_type: "File".to_owned(), ..CachedObjects::default() }
    }

    /// Sets the task's id.
    pub fn with_task_id(mut self, task_id: impl Into<String>) -> Self {
        self.task_id = task_id.into();
        self
    }

    /// Sets `File` or `Directory`.
    pub fn with_object_type(mut self, object_type: impl Into<String>) -> Self {
        self.object_type = object_type.into();
        self
    }

    /// Sets when the task was created and when it completed, seconds since the epoch.
    pub fn with_times(mut self, create_time: i64, complete_time: i64) -> Self {
        self.create_time = create_time;
        self.complete_time = complete_time;
        self
    }
}

impl DomainStatus {
    /// `domain`, now of `status` (`online`, `offline`, …).
    pub fn new(domain: impl Into<String>, status: impl Into<String>) -> Self {
        DomainStatus { domain: domain.into(), status: status.into(), ..DomainStatus::default() }
    }
}

impl Domain {
    /// `domain`.
    pub fn new(domain: impl Into<String>) -> Self {
        Domain { domain: domain.into(), ..Domain::default() }
    }
}

/// `userIdentity` as sent.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserIdentity<S> {
    #[serde(default)]
    ali_uid: S,
}

/// `resource` as sent.
#[derive(Serialize, Deserialize)]
struct Resource<S> {
    #[serde(default)]
    domain: S,
}

/// A record as sent, borrowed from a [`CdnRecord`] to serialize it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireRecord<'a> {
    event_name: &'a str,
    event_source: &'a str,
    region: &'a str,
    event_version: &'a str,
    event_time: &'a str,
    trace_id: &'a str,
    user_identity: UserIdentity<&'a str>,
    resource: Resource<&'a str>,
    event_parameter: &'a CdnParameter,
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    other: &'a serde_json::Map<String, serde_json::Value>,
}

impl Serialize for CdnRecord {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireRecord {
            event_name: self.parameter.event_name(),
            event_source: &self.event_source,
            region: &self.region,
            event_version: &self.event_version,
            event_time: &self.event_time,
            trace_id: &self.trace_id,
            user_identity: UserIdentity { ali_uid: &self.ali_uid },
            resource: Resource { domain: &self.domain },
            event_parameter: &self.parameter,
            #[cfg(feature = "catch-all-fields")]
            other: &self.other,
        }
        .serialize(serializer)
    }
}

/// The `eventParameter` alone: what the record's `eventName` says it is.
impl Serialize for CdnParameter {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CdnParameter::LogFileCreated(p) => p.serialize(serializer),
            CdnParameter::CachedObjectsRefreshed(p)
            | CdnParameter::CachedObjectsPushed(p)
            | CdnParameter::CachedObjectsBlocked(p) => p.serialize(serializer),
            CdnParameter::CdnDomainStarted(p) | CdnParameter::CdnDomainStopped(p) => p.serialize(serializer),
            CdnParameter::CdnDomainAdded(p) | CdnParameter::CdnDomainDeleted(p) => p.serialize(serializer),
            CdnParameter::Other { parameter, .. } => parameter.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for CdnRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor)
    }
}

/// Decodes a record field by field, so that `eventParameter` is decoded in place, typed by the `eventName` seen
/// before it (FC sends `eventName` first): an error inside it names its whole path
/// (`events[0].eventParameter.fileSize`), as a derived `Deserialize` would. Only an `eventParameter` sent before its
/// `eventName` is buffered, and an error in it then names the record and `eventParameter` in its message.
struct RecordVisitor;

impl<'de> Visitor<'de> for RecordVisitor {
    type Value = CdnRecord;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CDN event record")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CdnRecord, A::Error> {
        let mut record = CdnRecord::default();
        let mut event_name: Option<String> = None;
        let mut parameter: Option<CdnParameter> = None;
        let mut parameter_before_name: Option<serde_json::Value> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "eventName" => event_name = Some(map.next_value()?),
                "eventParameter" => match &event_name {
                    Some(name) => parameter = Some(map.next_value_seed(ParameterOf(name))?),
                    None => parameter_before_name = Some(map.next_value()?),
                },
                "eventSource" => record.event_source = map.next_value()?,
                "region" => record.region = map.next_value()?,
                "eventVersion" => record.event_version = map.next_value()?,
                "eventTime" => record.event_time = map.next_value()?,
                "traceId" => record.trace_id = map.next_value()?,
                "userIdentity" => record.ali_uid = map.next_value::<UserIdentity<String>>()?.ali_uid,
                "resource" => record.domain = map.next_value::<Resource<String>>()?.domain,
                #[cfg(feature = "catch-all-fields")]
                _ => {
                    record.other.insert(key, map.next_value()?);
                }
                #[cfg(not(feature = "catch-all-fields"))]
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let name = event_name.ok_or_else(|| de::Error::missing_field("eventName"))?;
        record.parameter = match (parameter, parameter_before_name) {
            (Some(parameter), _) => parameter,
            (None, Some(value)) => ParameterOf(&name)
                .deserialize(value)
                .map_err(|e| de::Error::custom(format_args!("eventParameter: {e}")))?,
            // A known `eventName` needs its parameters; any other keeps `null`.
            (None, None) => ParameterOf(&name)
                .deserialize(serde_json::Value::Null)
                .map_err(|_| de::Error::missing_field("eventParameter"))?,
        };
        Ok(record)
    }
}

/// The `eventParameter` of the `eventName` it holds.
struct ParameterOf<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for ParameterOf<'_> {
    type Value = CdnParameter;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<CdnParameter, D::Error> {
        Ok(match self.0 {
            "LogFileCreated" => CdnParameter::LogFileCreated(Deserialize::deserialize(d)?),
            "CachedObjectsRefreshed" => CdnParameter::CachedObjectsRefreshed(Deserialize::deserialize(d)?),
            "CachedObjectsPushed" => CdnParameter::CachedObjectsPushed(Deserialize::deserialize(d)?),
            "CachedObjectsBlocked" => CdnParameter::CachedObjectsBlocked(Deserialize::deserialize(d)?),
            "CdnDomainStarted" => CdnParameter::CdnDomainStarted(Deserialize::deserialize(d)?),
            "CdnDomainStopped" => CdnParameter::CdnDomainStopped(Deserialize::deserialize(d)?),
            "CdnDomainAdded" => CdnParameter::CdnDomainAdded(Deserialize::deserialize(d)?),
            "CdnDomainDeleted" => CdnParameter::CdnDomainDeleted(Deserialize::deserialize(d)?),
            other => CdnParameter::Other { event_name: other.to_owned(), parameter: Deserialize::deserialize(d)? },
        })
    }
}

impl crate::TriggerEvent for CdnEvent {
    const SOURCE: &'static str = "cdn";
}
