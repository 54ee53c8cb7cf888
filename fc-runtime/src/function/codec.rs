//! Events and results, by one set of rules for every route: the generated server's and the closures'
//! ([`Router::json`](super::Router::json)), and the `events` example's.

use bytes::Bytes;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize};

use super::{Failure, error_types};

fn invalid(what: impl std::fmt::Display) -> Failure {
    Failure::new(error_types::INVALID_EVENT, format!("the event is not valid for this function: {what}"))
}

/// Decodes an invocation's body into the type the function takes, as every route does:
///
/// 1. JSON (what the API and almost every trigger send). Empty, or only whitespace, is `null`, so that a function
///    taking `()` or an `Option` can be called without a body.
/// 2. A body that is not JSON and starts like a CBOR map or array is decoded as CBOR (what the Tablestore trigger
///    sends).
/// 3. A body that is not JSON, or whose JSON the type refuses as a whole, is offered as raw text to a type that
///    declares it takes FC's raw text (it asks the deserializer for a newtype struct named `fc_events::RAW_TEXT`, as
///    `fc_events`' MNS topic event does for the STREAM format, whose body is the message as published). No other
///    type gets a fallback: a `String` function is given a JSON string, and `{}` or `null` is refused.
///
/// A body that does not decode is a [`Failure`] of type `InvalidEvent` whose message names the path of the
/// failing field (`events[0].oss.object.size: invalid type: map, expected u64 …`); when no fallback decodes
/// either, the message is JSON's.
pub fn decode_event<T: DeserializeOwned>(event: &[u8]) -> Result<T, Failure> {
    let text: &[u8] = if event.iter().all(u8::is_ascii_whitespace) { b"null" } else { event };
    let mut json = serde_json::Deserializer::from_slice(text);
    // (the error, whether the body is not JSON at all, whether the type refused it as a whole)
    let (error, not_json, whole) = match serde_path_to_error::deserialize::<_, T>(&mut json) {
        Ok(value) => match json.end() {
            Ok(()) => return Ok(value),
            // One JSON value and more after it: not a JSON body (a STREAM message `" " "`, say).
            Err(e) => (invalid(e), true, true),
        },
        Err(e) => {
            let not_json =
                matches!(e.inner().classify(), serde_json::error::Category::Syntax | serde_json::error::Category::Eof);
            let whole = e.path().iter().next().is_none();
            (invalid(e), not_json, whole)
        }
    };
    // A type's error inside a value it understood (a field, an element) is final; a body that is not JSON, or
    // that the type refuses as a whole, gets the fallbacks.
    if not_json || whole {
        if not_json && looks_like_cbor(event) {
            return ciborium::from_reader::<Tracked<T>, _>(event).map(|t| t.0).map_err(|e| invalid(cbor_error(e)));
        }
        if let Ok(text) = std::str::from_utf8(event)
            && let Ok(value) = T::deserialize(RawText(text))
        {
            return Ok(value);
        }
    }
    Err(error)
}

/// The name of the newtype struct a type asks for when it accepts a body FC sends as raw text (the same as
/// `fc_events::RAW_TEXT`).
pub(crate) const RAW_TEXT: &str = "$fc_events::RawText";

/// A body offered as raw text: it answers only a type that asks for a newtype struct named [`RAW_TEXT`], and
/// refuses every other request (a `String` asks for a string and is refused).
struct RawText<'a>(&'a str);

impl<'de> Deserializer<'de> for RawText<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(Self::Error::custom("the body is not JSON"))
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        if name == RAW_TEXT { visitor.visit_str(self.0) } else { self.deserialize_any(visitor) }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// Whether a body starts with a CBOR array or map head (no JSON text starts with a byte above `0x7f`).
fn looks_like_cbor(body: &[u8]) -> bool {
    body.first().is_some_and(|b| (0x80..=0xbf).contains(b))
}

/// A value decoded with the path of a failing field kept in the error's message, for decoders whose own
/// deserializer is not reachable (CBOR's).
struct Tracked<T>(T);

impl<'de, T: DeserializeOwned> Deserialize<'de> for Tracked<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut track = serde_path_to_error::Track::new();
        match T::deserialize(serde_path_to_error::Deserializer::new(deserializer, &mut track)) {
            Ok(value) => Ok(Tracked(value)),
            Err(e) => {
                let path = track.path();
                let at = path.to_string();
                Err(if at == "." { e } else { D::Error::custom(format_args!("{at}: {e}")) })
            }
        }
    }
}

fn cbor_error(e: ciborium::de::Error<std::io::Error>) -> String {
    match e {
        ciborium::de::Error::Semantic(_, message) => format!("CBOR: {message}"),
        ciborium::de::Error::Syntax(offset) => format!("CBOR: malformed at byte {offset}"),
        ciborium::de::Error::Io(e) => format!("CBOR: {e}"),
        ciborium::de::Error::RecursionLimitExceeded => "CBOR: nested too deeply".to_owned(),
    }
}

/// The event of a function with several arguments: a JSON object, one field per argument.
pub struct EventObject(serde_json::Map<String, serde_json::Value>);

impl EventObject {
    /// Parses the event as an object.
    pub fn parse(event: &[u8]) -> Result<Self, Failure> {
        match serde_json::from_slice::<serde_json::Value>(event).map_err(invalid)? {
            serde_json::Value::Object(map) => Ok(EventObject(map)),
            other => Err(invalid(format!("expected an object with one field per argument, got {}", kind(&other)))),
        }
    }

    /// The argument `key` (a missing field is `null`, so that `Option` arguments may be left out).
    pub fn field<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, Failure> {
        let value = self.0.remove(key).unwrap_or(serde_json::Value::Null);
        serde_path_to_error::deserialize(value).map_err(|e| {
            let at = e.path().to_string();
            let path = if at == "." { key.to_owned() } else { format!("{key}.{at}") };
            invalid(format!("field `{path}`: {}", e.into_inner()))
        })
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The result as JSON.
pub(crate) fn encode_result<T: Serialize>(value: &T) -> Result<Bytes, Failure> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|e| Failure::new(error_types::INVALID_RESULT, format!("the result could not be serialized: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Upload {
        events: Vec<Record>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Record {
        size: u64,
        key: String,
    }

    #[test]
    fn a_failing_field_is_named_by_its_path() {
        let bad = br#"{"events":[{"size":1,"key":"a"},{"size":{},"key":"b"}]}"#;
        let f = decode_event::<Upload>(bad).unwrap_err();
        assert_eq!(f.error_type, error_types::INVALID_EVENT);
        assert!(f.message.contains("events[1].size: invalid type: map, expected u64"), "{}", f.message);
        // Not JSON, not CBOR, and not a string the type takes: JSON's own error.
        let f = decode_event::<Upload>(b"{nope").unwrap_err();
        assert!(f.message.contains("key must be a string"), "{}", f.message);
        // Trailing garbage after a JSON value is refused.
        assert!(decode_event::<u8>(b"1 2").is_err());
    }

    #[test]
    fn cbor_and_text_bodies_decode_when_json_cannot() {
        let mut cbor = Vec::new();
        ciborium::into_writer(&serde_json::json!({"events": [{"size": 3, "key": "k"}]}), &mut cbor).unwrap();
        let decoded: Upload = decode_event(&cbor).unwrap();
        assert_eq!(decoded.events[0], Record { size: 3, key: "k".into() });
        let mut bad = Vec::new();
        ciborium::into_writer(&serde_json::json!({"events": [{"size": "x", "key": "k"}]}), &mut bad).unwrap();
        let f = decode_event::<Upload>(&bad).unwrap_err();
        assert!(f.message.contains("CBOR: events[0].size:"), "{}", f.message);
        assert_eq!(decode_event::<Option<u8>>(b"  ").unwrap(), None);
    }

    /// A type that takes FC's raw text, as `fc_events`' MNS topic event does.
    #[derive(Debug, PartialEq)]
    enum Message {
        Json(serde_json::Value),
        Raw(String),
    }

    impl<'de> Deserialize<'de> for Message {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> serde::de::Visitor<'de> for V {
                type Value = Message;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a message object, or raw text")
                }
                fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Message, D::Error> {
                    let value = serde_json::Value::deserialize(d)?;
                    if value.get("Message").is_some() {
                        Ok(Message::Json(value))
                    } else {
                        Err(D::Error::custom("not a message object"))
                    }
                }
                fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Message, E> {
                    Ok(Message::Raw(v.to_owned()))
                }
            }
            deserializer.deserialize_newtype_struct(RAW_TEXT, V)
        }
    }

    #[test]
    fn raw_text_reaches_only_a_type_that_takes_it() {
        assert_eq!(decode_event::<Message>(b"hello topic").unwrap(), Message::Raw("hello topic".into()));
        assert_eq!(decode_event::<Message>(br#"{"order":1}"#).unwrap(), Message::Raw(r#"{"order":1}"#.into()));
        assert!(matches!(decode_event::<Message>(br#"{"Message":"m"}"#).unwrap(), Message::Json(_)));
        // One JSON value with more after it is text, not JSON (found by the trigger_event fuzz target).
        assert_eq!(decode_event::<Message>(br#" " " ""#).unwrap(), Message::Raw(r#" " " ""#.into()));
        assert_eq!(decode_event::<Message>(br#"{"a":1} tail"#).unwrap(), Message::Raw(r#"{"a":1} tail"#.into()));
        assert_eq!(decode_event::<String>(br#""a" "b""#).unwrap_err().error_type, error_types::INVALID_EVENT);
        // A `String` takes a JSON string, and nothing else.
        assert_eq!(decode_event::<String>(br#""quoted""#).unwrap(), "quoted");
        for refused in [&b"hello topic"[..], b"123", b"{}", b"null", b"[1]"] {
            let f = decode_event::<String>(refused).unwrap_err();
            assert_eq!(f.error_type, error_types::INVALID_EVENT, "{}", String::from_utf8_lossy(refused));
        }
        #[cfg(feature = "events")]
        assert_eq!(RAW_TEXT, fc_events::RAW_TEXT);
    }

    #[test]
    fn a_field_of_a_several_argument_event_is_named_with_its_path() {
        let mut object = EventObject::parse(br#"{"order":{"lines":[{"qty":"x"}]}}"#).unwrap();
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Order {
            lines: Vec<Line>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Line {
            qty: u32,
        }
        let f = object.field::<Order>("order").unwrap_err();
        assert!(f.message.contains("field `order.lines[0].qty`: invalid type: string"), "{}", f.message);
    }
}
