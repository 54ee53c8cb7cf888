//! The OSS trigger (OSS's own notifications; OSS events routed through EventBridge are CloudEvents).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an OSS trigger sends: the events of one notification (one, in every sample).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OssEvent {
    /// The events.
    pub events: Vec<OssRecord>,
}

/// One OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The bucket and the object of an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// Who made the request that caused an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestParameters {
    /// The client's IP address (masked in samples: `140.205.XX.XX`).
    #[serde(rename = "sourceIPAddress", default)]
    pub source_ip_address: String,
}

/// OSS's answer to the request that caused an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResponseElements {
    /// OSS's request id.
    #[serde(default)]
    pub request_id: String,
}

/// The account behind an OSS event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UserIdentity {
    /// The account (or RAM user) id.
    #[serde(default)]
    pub principal_id: String,
}

impl OssEvent {
    /// An event of one object created in `bucket` under `key`, of `size` bytes, as a `PutObject` sends it: what a
    /// test fires at an upload handler.
    pub fn object_created(region: &str, bucket: &str, key: &str, size: u64) -> Self {
        OssEvent {
            events: vec![OssRecord {
                event_name: "ObjectCreated:PutObject".to_owned(),
                event_source: "acs:oss".to_owned(),
                event_time: String::new(),
                event_version: "1.0".to_owned(),
                oss: OssEntity {
                    bucket: Bucket {
                        arn: format!("acs:oss:{region}::{bucket}"),
                        name: bucket.to_owned(),
                        ..Bucket::default()
                    },
                    object: Object { key: key.to_owned(), size, delta_size: size as i64, ..Object::default() },
                    oss_schema_version: "1.0".to_owned(),
                    rule_id: String::new(),
                },
                region: region.to_owned(),
                request_parameters: RequestParameters::default(),
                response_elements: ResponseElements::default(),
                user_identity: UserIdentity::default(),
            }],
        }
    }
}

impl crate::TriggerEvent for OssEvent {
    const SOURCE: &'static str = "oss";
}
