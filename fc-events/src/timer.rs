//! The timer trigger.

use serde::{Deserialize, Serialize};

/// What a timer trigger sends at each of its times.
///
/// ```json
/// { "triggerTime": "2023-12-26T07:49:00Z", "triggerName": "timer-trigger", "payload": "awesome-fc" }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimerEvent {
    /// When the trigger fired: RFC 3339, UTC, whole seconds (`2023-12-26T07:49:00Z`).
    pub trigger_time: String,
    /// The trigger's name.
    pub trigger_name: String,
    /// The trigger's configured message ("trigger message"), always a string, often JSON of its own: decode it
    /// with [`payload_json`](Self::payload_json).
    #[serde(default)]
    pub payload: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl TimerEvent {
    /// What the trigger `trigger_name` sends at `trigger_time` (RFC 3339), with its configured `payload`.
    pub fn new(trigger_time: impl Into<String>, trigger_name: impl Into<String>, payload: impl Into<String>) -> Self {
        TimerEvent {
            trigger_time: trigger_time.into(),
            trigger_name: trigger_name.into(),
            payload: payload.into(),
            ..TimerEvent::default()
        }
    }

    /// The payload decoded as JSON.
    pub fn payload_json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.payload)
    }
}

impl crate::TriggerEvent for TimerEvent {
    const SOURCE: &'static str = "timer";
}
