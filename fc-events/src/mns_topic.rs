//! The MNS topic trigger, in both of its event formats.
//!
//! | format | without message attributes | with message attributes |
//! |---|---|---|
//! | `STREAM` | the message body itself (plain text): [`MnsTopicEvent::Raw`] | `{"body", "attrs"}`: [`MnsTopicEvent::Stream`] |
//! | `JSON` | `{"TopicOwner", "Message", …}`: [`MnsTopicEvent::Json`] | the same, the attributes at the top level |
//!
//! A STREAM body is the application's message as it published it: any text, often JSON of its own. Decoded from
//! JSON (or CBOR, or a `serde_json::Value`), [`MnsTopicEvent`] takes a string as [`Raw`](MnsTopicEvent::Raw), an
//! object of either format as that format, and refuses anything else, so that a body that is not JSON, or JSON of
//! the application's own, fails as a whole. The function side (`fc_runtime::function::decode_event`) then decodes
//! the body a second time as raw text ([`RAW_TEXT`](crate::RAW_TEXT)), which `MnsTopicEvent` accepts, so that such
//! a body arrives as `Raw` with its exact text; a `String`, or any other type, does not accept raw text and the
//! body stays refused. (A STREAM body that is itself shaped like a JSON-format message cannot be told from one, and
//! is taken as one; one that is a JSON string literal is taken as the string it holds.)
//!
//! ```
//! use fc_events::mns_topic::{MnsTopicEvent, MnsTopicMessage};
//!
//! let event: MnsTopicEvent = MnsTopicMessage::new("orders", "hello topic").with_attribute("key", "value").into();
//! assert_eq!(event.body(), "hello topic");
//! let stream = MnsTopicEvent::Raw("hello topic".to_owned());
//! assert_eq!(fc_events::TriggerEvent::to_body(&stream)?, b"hello topic");
//! # Ok::<(), fc_events::EncodeError>(())
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What an MNS topic trigger sends, in whichever format the trigger is configured with.
///
/// Its [`Default`] is an empty message in the `JSON` format, the one format that carries every field.
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

impl Default for MnsTopicEvent {
    fn default() -> Self {
        MnsTopicEvent::Json(MnsTopicMessage::default())
    }
}

impl From<MnsTopicMessage> for MnsTopicEvent {
    fn from(message: MnsTopicMessage) -> Self {
        MnsTopicEvent::Json(message)
    }
}

impl From<StreamMessage> for MnsTopicEvent {
    fn from(message: StreamMessage) -> Self {
        MnsTopicEvent::Stream(message)
    }
}

/// An MNS topic message in the `JSON` format.
///
/// It has no catch-all field under the feature `catch-all-fields`: `attributes` already keeps every field it does
/// not name.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StreamMessage {
    /// The message body.
    pub body: String,
    /// The message's attributes (`Extend` holds a JSON string of the custom ones).
    #[serde(default)]
    pub attrs: BTreeMap<String, String>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl MnsTopicMessage {
    /// A message of `topic_name` with the body `message`, without attributes.
    pub fn new(topic_name: impl Into<String>, message: impl Into<String>) -> Self {
        MnsTopicMessage { topic_name: topic_name.into(), message: message.into(), ..MnsTopicMessage::default() }
    }

    /// Adds the attribute `name` with `value`.
    pub fn with_attribute(mut self, name: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    /// Sets the message id.
    pub fn with_message_id(mut self, message_id: impl Into<String>) -> Self {
        self.message_id = message_id.into();
        self
    }

    /// Sets when it was published, milliseconds since the epoch.
    pub fn with_publish_time(mut self, publish_time: i64) -> Self {
        self.publish_time = publish_time;
        self
    }
}

impl StreamMessage {
    /// A message with the body `body`; add its attributes with [`with_attr`](Self::with_attr).
    pub fn new(body: impl Into<String>) -> Self {
        StreamMessage { body: body.into(), ..StreamMessage::default() }
    }

    /// Adds the attribute `name` with `value` (`Extend` holds a JSON string of the custom ones).
    pub fn with_attr(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.insert(name.into(), value.into());
        self
    }
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
        // Asks for raw text (see `RAW_TEXT`): a raw-text deserializer answers `visit_str` with the body's text,
        // any other deserializer `visit_newtype_struct`, and the event decodes from it as usual.
        deserializer.deserialize_newtype_struct(crate::RAW_TEXT, EventVisitor)
    }
}

/// One visitor for both answers, and for deserializers that take a newtype struct for its content (serde's own
/// value deserializers call `visit_str` or `visit_map` directly).
struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = MnsTopicEvent;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "an MNS topic message: JSON (`TopicName`, `Message`, …), STREAM with attributes (`body`, `attrs`), \
             or a STREAM body",
        )
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, deserializer: D) -> Result<MnsTopicEvent, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<MnsTopicEvent, E> {
        Ok(MnsTopicEvent::Raw(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<MnsTopicEvent, E> {
        Ok(MnsTopicEvent::Raw(v))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<MnsTopicEvent, A::Error> {
        // Which format it is depends on keys anywhere in the object: buffered, then typed.
        let object: serde_json::Map<String, serde_json::Value> =
            Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let value = serde_json::Value::Object(object);
        let format = if value.get("Message").is_some() { "JSON" } else { "STREAM" };
        let typed = if format == "JSON" {
            serde_json::from_value(value).map(MnsTopicEvent::Json)
        } else if value.get("body").is_some() {
            serde_json::from_value(value).map(MnsTopicEvent::Stream)
        } else {
            // A STREAM body that is JSON of the application's own: refused as a whole, so that the function side
            // offers it as raw text next.
            return Err(de::Error::custom(
                "an MNS topic event object has `Message` (the JSON format) or `body` (STREAM with attributes); \
                 other JSON is a STREAM body, to be taken as raw text",
            ));
        };
        typed.map_err(|e| de::Error::custom(format_args!("an MNS topic message in the {format} format: {e}")))
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

    fn to_body(&self) -> Result<Vec<u8>, crate::EncodeError> {
        match self {
            MnsTopicEvent::Raw(body) => Ok(body.as_bytes().to_vec()),
            other => Ok(serde_json::to_vec(other)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::de::{self, Deserialize, Deserializer, Visitor};

    use super::MnsTopicEvent;

    /// A stand-in for the function side's raw-text deserializer: it answers only a newtype struct named
    /// `RAW_TEXT`, with the text.
    struct RawText<'a>(&'a str);

    impl<'de> Deserializer<'de> for RawText<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("raw text is only for a type that asks for it"))
        }

        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value, Self::Error> {
            if name == crate::RAW_TEXT { visitor.visit_str(self.0) } else { self.deserialize_any(visitor) }
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
            unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
        }
    }

    #[test]
    fn raw_text_is_a_stream_body_and_nothing_else_takes_it() {
        for text in ["hello", r#"{"order":1}"#] {
            assert_eq!(MnsTopicEvent::deserialize(RawText(text)).unwrap(), MnsTopicEvent::Raw(text.to_owned()));
        }
        assert!(String::deserialize(RawText("hello")).is_err());
    }

    #[test]
    fn a_json_string_is_a_stream_body_and_json_of_the_applications_own_is_refused() {
        let raw: MnsTopicEvent = serde_json::from_slice(br#""hello""#).unwrap();
        assert_eq!(raw, MnsTopicEvent::Raw("hello".to_owned()));
        let raw: MnsTopicEvent = serde_json::from_value(serde_json::json!("hello")).unwrap();
        assert_eq!(raw, MnsTopicEvent::Raw("hello".to_owned()));
        let err = serde_json::from_slice::<MnsTopicEvent>(br#"{"order":1}"#).unwrap_err().to_string();
        assert!(err.contains("other JSON is a STREAM body, to be taken as raw text"), "{err}");
    }
}
