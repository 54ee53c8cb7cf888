//! The MNS topic trigger, in both of its event formats.
//!
//! | format | without message attributes | with message attributes |
//! |---|---|---|
//! | `STREAM` | the message body itself (plain text): [`MnsTopicEvent::Raw`] | `{"body", "attrs"}`: [`MnsTopicEvent::Stream`] |
//! | `JSON` | `{"TopicOwner", "Message", …}`: [`MnsTopicEvent::Json`] | the same, the attributes at the top level |
//!
//! A STREAM body is the application's message as it published it, often JSON of its own. Decoded from a JSON
//! value, [`MnsTopicEvent`] takes a string as [`Raw`](MnsTopicEvent::Raw) and refuses other JSON that is neither
//! format; the function side (`fc_runtime::function::decode_event`) then offers the body's text as a string, so
//! that such a body arrives as `Raw` with its exact text. (A STREAM body that is itself shaped like a JSON-format
//! message cannot be told from one, and is taken as one.)

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What an MNS topic trigger sends, in whichever format the trigger is configured with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MnsTopicEvent {
    /// The `JSON` format.
    Json(MnsTopicMessage),
    /// The `STREAM` format of a message with attributes.
    Stream(StreamMessage),
    /// The `STREAM` format of a message without attributes: the body as sent (lossily UTF-8).
    Raw(String),
}

impl MnsTopicEvent {
    /// The message's body, whatever the format.
    pub fn body(&self) -> &str {
        match self {
            MnsTopicEvent::Json(m) => &m.message,
            MnsTopicEvent::Stream(m) => &m.body,
            MnsTopicEvent::Raw(body) => body,
        }
    }
}

/// An MNS topic message in the `JSON` format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct MnsTopicMessage {
    /// The topic.
    pub topic_name: String,
    /// The topic owner's account id.
    #[serde(default)]
    pub topic_owner: String,
    /// The message body.
    pub message: String,
    /// The subscriber's account id.
    #[serde(default)]
    pub subscriber: String,
    /// When it was published, **milliseconds** since the epoch (a number, as FC sends it; the official Go SDK's
    /// `time.Time` cannot decode it).
    #[serde(with = "crate::tolerant::int", default)]
    pub publish_time: i64,
    /// The subscription.
    #[serde(default)]
    pub subscription_name: String,
    /// The body's MD5, upper-case hex.
    #[serde(rename = "MessageMD5", default)]
    pub message_md5: String,
    /// The message id.
    #[serde(default)]
    pub message_id: String,
    /// The message's attributes, which the `JSON` format puts at the top level beside the fields above.
    #[serde(flatten)]
    pub attributes: BTreeMap<String, serde_json::Value>,
}

/// An MNS topic message with attributes in the `STREAM` format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamMessage {
    /// The message body.
    pub body: String,
    /// The message's attributes (`Extend` holds a JSON string of the custom ones).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
}

impl Serialize for MnsTopicEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            MnsTopicEvent::Json(m) => m.serialize(serializer),
            MnsTopicEvent::Stream(m) => m.serialize(serializer),
            MnsTopicEvent::Raw(body) => serializer.serialize_str(body),
        }
    }
}

impl<'de> Deserialize<'de> for MnsTopicEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EventVisitor;
        impl<'de> Visitor<'de> for EventVisitor {
            type Value = MnsTopicEvent;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an MNS topic message: JSON (`TopicName`, `Message`, …), STREAM with attributes (`body`, `attrs`), or a STREAM body")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<MnsTopicEvent, E> {
                Ok(MnsTopicEvent::Raw(v.to_owned()))
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<MnsTopicEvent, E> {
                Ok(MnsTopicEvent::Raw(v))
            }

            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<MnsTopicEvent, A::Error> {
                let object: serde_json::Map<String, serde_json::Value> =
                    Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let value = serde_json::Value::Object(object);
                let format = if value.get("Message").is_some() { "JSON" } else { "STREAM" };
                let typed = if format == "JSON" {
                    serde_json::from_value(value).map(MnsTopicEvent::Json)
                } else if value.get("body").is_some() {
                    serde_json::from_value(value).map(MnsTopicEvent::Stream)
                } else {
                    // A STREAM body that is JSON of the application's own: the function side offers its text next.
                    return Err(de::Error::custom(
                        "an MNS topic event object has `Message` (the JSON format) or `body` (STREAM with attributes); \
                         other JSON is a STREAM body, to be taken as text",
                    ));
                };
                typed.map_err(|e| de::Error::custom(format_args!("an MNS topic message in the {format} format: {e}")))
            }
        }
        deserializer.deserialize_any(EventVisitor)
    }
}

impl crate::TriggerEvent for MnsTopicEvent {
    const SOURCE: &'static str = "mns-topic";

    fn encoding(&self) -> crate::Encoding {
        match self {
            MnsTopicEvent::Raw(_) => crate::Encoding::Raw,
            _ => crate::Encoding::Json,
        }
    }

    fn to_body(&self) -> Vec<u8> {
        match self {
            MnsTopicEvent::Raw(body) => body.as_bytes().to_vec(),
            other => serde_json::to_vec(other).expect("an event serializes to JSON"),
        }
    }
}
