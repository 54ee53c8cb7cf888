//! [`Batch`]: the events of one invocation of an EventBridge-backed trigger.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The events of one invocation of an EventBridge-backed trigger (MNS queue, RocketMQ, RabbitMQ, Kafka, DTS,
/// MQTT).
///
/// FC's current documentation shows a JSON array (a batch, even of one); RocketMQ's "event mode" sends a single
/// event; the official Go SDK's Kafka sample is an array of JSON-encoded **strings**. All three decode: a single
/// event is a batch of one, a string element is decoded as the JSON it holds. A batch serializes as an array of
/// objects, the documented form.
///
/// A test builds one from a `Vec` (`Batch::from(vec![event])`, or `.into()`) or an iterator (`.collect()`).
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T>(pub Vec<T>);

impl<T> Batch<T> {
    /// The events.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

impl<T> std::ops::Deref for Batch<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T> IntoIterator for Batch<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a, T> IntoIterator for &'a Batch<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// An empty batch (whatever `T` is: not derived, which would ask for `T: Default`).
impl<T> Default for Batch<T> {
    fn default() -> Self {
        Batch(Vec::new())
    }
}

impl<T> From<Vec<T>> for Batch<T> {
    fn from(events: Vec<T>) -> Self {
        Batch(events)
    }
}

impl<T> FromIterator<T> for Batch<T> {
    fn from_iter<I: IntoIterator<Item = T>>(events: I) -> Self {
        Batch(events.into_iter().collect())
    }
}

impl<T: Serialize> Serialize for Batch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Batch<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(BatchVisitor(PhantomData))
    }
}

struct BatchVisitor<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for BatchVisitor<T> {
    type Value = Batch<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events, or one event")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Batch<T>, A::Error> {
        let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(1024));
        while let Some(event) = seq.next_element_seed(Element(PhantomData))? {
            events.push(event);
        }
        Ok(Batch(events))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Batch<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|event| Batch(vec![event]))
    }
}

/// One element of a batch: an event, or a string of JSON holding one.
struct Element<T>(PhantomData<T>);

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for Element<T> {
    type Value = T;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for Element<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event, or a string of JSON holding one")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        serde_json::from_str(v).map_err(|e| E::custom(format_args!("a JSON-encoded event that does not decode: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Event {
        id: u32,
    }

    #[test]
    fn an_array_a_single_event_and_string_elements_all_decode() {
        let two: Batch<Event> = serde_json::from_str(r#"[{"id":1},{"id":2}]"#).unwrap();
        assert_eq!(two.0, [Event { id: 1 }, Event { id: 2 }]);
        let one: Batch<Event> = serde_json::from_str(r#"{"id":3}"#).unwrap();
        assert_eq!(one.0, [Event { id: 3 }]);
        let strings: Batch<Event> = serde_json::from_str(r#"["{\"id\":4}", {"id":5}]"#).unwrap();
        assert_eq!(strings.0, [Event { id: 4 }, Event { id: 5 }]);
        assert_eq!(serde_json::to_string(&strings).unwrap(), r#"[{"id":4},{"id":5}]"#);
    }

    #[test]
    fn a_bad_element_is_named_by_its_index() {
        let json = r#"[{"id":1},{"id":"x"}]"#;
        let err = serde_path_to_error::deserialize::<_, Batch<Event>>(&mut serde_json::Deserializer::from_str(json))
            .unwrap_err();
        assert_eq!(err.path().to_string(), "[1].id");
        let err = serde_json::from_str::<Batch<Event>>("7").unwrap_err().to_string();
        assert!(err.contains("an array of events, or one event"), "{err}");
    }
}
