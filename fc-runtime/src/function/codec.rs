//! Events and results as JSON, by one set of rules for every route: the generated server's and the closures'
//! ([`Router::json`](super::Router::json)).

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Failure, error_types};

fn invalid(what: impl std::fmt::Display) -> Failure {
    Failure::new(error_types::INVALID_EVENT, format!("the event is not valid for this function: {what}"))
}

/// The whole event as one JSON value. The one rule for an empty event: empty or only whitespace is `null` (so a
/// function taking `()` or an `Option` can be called without a body).
pub(crate) fn decode_event<T: DeserializeOwned>(event: &[u8]) -> Result<T, Failure> {
    let text: &[u8] = if event.iter().all(u8::is_ascii_whitespace) { b"null" } else { event };
    serde_json::from_slice(text).map_err(invalid)
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
        serde_json::from_value(value).map_err(|e| invalid(format!("field `{key}`: {e}")))
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
