//! The OSS trigger (OSS's own notifications; OSS events routed through EventBridge are CloudEvents).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an OSS trigger sends: the events of one notification (one, in every sample).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssEvent {
    /// The events.
    pub events: Vec<OssRecord>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OssRecord {
    /// What happened, **without** the `oss:` prefix the trigger's configuration uses: `ObjectCreated:PutObject`,
    /// `ObjectCreated:PostObject`, `ObjectRemoved:DeleteObject`, ….
    pub event_name: String,
    /// `acs:oss`.
    #[serde(default)]
    pub event_source: String,
    /// When it happened: RFC 3339 with milliseconds, UTC (`2022-08-13T06:45:43.000Z`).
    #[serde(default)]
    pub event_time: String,
    /// `1.0`.
    #[serde(default)]
    pub event_version: String,
    /// The bucket and the object.
    pub oss: OssEntity,
    /// The bucket's region, e.g. `cn-hangzhou`.
    #[serde(default)]
    pub region: String,
    /// Who made the request.
    #[serde(default)]
    pub request_parameters: RequestParameters,
    /// OSS's answer to it.
    #[serde(default)]
    pub response_elements: ResponseElements,
    /// The account that made it.
    #[serde(default)]
    pub user_identity: UserIdentity,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The bucket and the object of an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OssEntity {
    /// The bucket.
    pub bucket: Bucket,
    /// The object.
    pub object: Object,
    /// `1.0`.
    #[serde(default)]
    pub oss_schema_version: String,
    /// The id of the notification rule that matched.
    #[serde(default)]
    pub rule_id: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// An OSS bucket.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Bucket {
    /// `acs:oss:{region}:{account}:{bucket}`.
    #[serde(default)]
    pub arn: String,
    /// The bucket's name.
    pub name: String,
    /// The owner's account id.
    #[serde(default)]
    pub owner_identity: String,
    /// Empty for a normal bucket.
    #[serde(default)]
    pub virtual_bucket: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// An OSS object.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Object {
    /// The object's key, as OSS sends it (`source/a.png`).
    pub key: String,
    /// Its size, bytes.
    #[serde(with = "crate::tolerant::int", default)]
    pub size: u64,
    /// How much the size changed, bytes: the size for a new object, the difference for an overwrite (negative
    /// when it shrank).
    #[serde(with = "crate::tolerant::int", default)]
    pub delta_size: i64,
    /// The object's ETag (an MD5 hex digest, upper-case, for a simple upload).
    #[serde(rename = "eTag", default)]
    pub e_tag: String,
    /// The content type and user metadata, in newer events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_meta: Option<ObjectMeta>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// An object's metadata, as newer OSS events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ObjectMeta {
    /// The content type, e.g. `application/zip`.
    #[serde(default)]
    pub mime_type: String,
    /// The `x-oss-meta-*` headers, by name.
    #[serde(default)]
    pub user_meta: BTreeMap<String, String>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Who made the request that caused an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestParameters {
    /// The client's IP address (masked in samples: `140.205.XX.XX`).
    #[serde(rename = "sourceIPAddress", default)]
    pub source_ip_address: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// OSS's answer to the request that caused an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResponseElements {
    /// OSS's request id.
    #[serde(default)]
    pub request_id: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The account behind an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserIdentity {
    /// The account (or RAM user) id.
    #[serde(default)]
    pub principal_id: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl OssEvent {
    /// An event of these records (FC sends one per notification).
    pub fn new(events: Vec<OssRecord>) -> Self {
        OssEvent { events, ..OssEvent::default() }
    }

    /// An event of one object created in `bucket` of `region` under `key`, of `size` bytes, as a `PutObject` sends
    /// it: what a test fires at an upload handler.
    pub fn object_created(region: &str, bucket: &str, key: &str, size: u64) -> Self {
        let mut record = OssRecord::object_created(bucket, key, size).with_region(region);
        // The ARN names the region; the account is left out, as a test rarely knows it.
        record.oss.bucket.arn = format!("acs:oss:{region}::{bucket}");
        OssEvent::new(vec![record])
    }
}

impl OssRecord {
    /// A record of `event_name` (`ObjectCreated:PutObject`, …, without the `oss:` prefix) about `object` in
    /// `bucket`, with the fixed values FC sends (`eventSource` `acs:oss`, versions `1.0`).
    pub fn new(event_name: impl Into<String>, bucket: Bucket, object: Object) -> Self {
        OssRecord {
            event_name: event_name.into(),
            event_source: "acs:oss".to_owned(),
            event_version: "1.0".to_owned(),
            oss: OssEntity::new(bucket, object),
            ..OssRecord::default()
        }
    }

    /// `ObjectCreated:PutObject` of a new object `key` of `size` bytes in `bucket`.
    pub fn object_created(bucket: impl Into<String>, key: impl Into<String>, size: u64) -> Self {
        OssRecord::new("ObjectCreated:PutObject", Bucket::new(bucket), Object::new(key, size))
    }

    /// `ObjectRemoved:DeleteObject` of `key` in `bucket`.
    pub fn object_removed(bucket: impl Into<String>, key: impl Into<String>) -> Self {
        OssRecord::new("ObjectRemoved:DeleteObject", Bucket::new(bucket), Object::new(key, 0))
    }

    /// Sets the bucket's region (`cn-hangzhou`).
    pub fn with_region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Sets when it happened (RFC 3339 with milliseconds, UTC: `2022-08-13T06:45:43.000Z`).
    pub fn with_event_time(mut self, event_time: impl Into<String>) -> Self {
        self.event_time = event_time.into();
        self
    }
}

impl OssEntity {
    /// The bucket and the object, with the schema version FC sends (`1.0`).
    pub fn new(bucket: Bucket, object: Object) -> Self {
        OssEntity { bucket, object, oss_schema_version: "1.0".to_owned(), ..OssEntity::default() }
    }
}

impl Bucket {
    /// The bucket `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Bucket { name: name.into(), ..Bucket::default() }
    }
}

impl Object {
    /// The object `key` of `size` bytes, new (`deltaSize` is its size, as for an object that did not exist).
    pub fn new(key: impl Into<String>, size: u64) -> Self {
        // Saturating: a size beyond `i64::MAX` bytes is not a real object, and a test should not panic on it.
        let delta_size = i64::try_from(size).unwrap_or(i64::MAX);
        Object { key: key.into(), size, delta_size, ..Object::default() }
    }

    /// Sets the ETag.
    pub fn with_e_tag(mut self, e_tag: impl Into<String>) -> Self {
        self.e_tag = e_tag.into();
        self
    }

    /// Sets the content type and user metadata.
    pub fn with_object_meta(mut self, object_meta: ObjectMeta) -> Self {
        self.object_meta = Some(object_meta);
        self
    }
}

impl ObjectMeta {
    /// Metadata of the content type `mime_type` (`application/zip`), without user metadata.
    pub fn new(mime_type: impl Into<String>) -> Self {
        ObjectMeta { mime_type: mime_type.into(), ..ObjectMeta::default() }
    }

    /// Adds the user metadata `name` (`x-oss-meta-…`) with `value`.
    pub fn with_user_meta(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.user_meta.insert(name.into(), value.into());
        self
    }
}

impl RequestParameters {
    /// A request from `source_ip_address`.
    pub fn new(source_ip_address: impl Into<String>) -> Self {
        RequestParameters { source_ip_address: source_ip_address.into(), ..RequestParameters::default() }
    }
}

impl ResponseElements {
    /// OSS's answer with its `request_id`.
    pub fn new(request_id: impl Into<String>) -> Self {
        ResponseElements { request_id: request_id.into(), ..ResponseElements::default() }
    }
}

impl UserIdentity {
    /// The account (or RAM user) `principal_id`.
    pub fn new(principal_id: impl Into<String>) -> Self {
        UserIdentity { principal_id: principal_id.into(), ..UserIdentity::default() }
    }
}

impl crate::TriggerEvent for OssEvent {
    const SOURCE: &'static str = "oss";
}
