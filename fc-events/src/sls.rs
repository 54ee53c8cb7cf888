//! The Log Service (SLS) trigger.

use serde::{Deserialize, Serialize};

/// What an SLS trigger sends: where new logs are, not the logs themselves. The function reads the shard from
/// `beginCursor` up to `endCursor`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SlsEvent {
    /// The trigger's configured `functionParameter` (a JSON object; `{}` when none is configured).
    #[serde(default)]
    pub parameter: serde_json::Value,
    /// The shard and the cursor range.
    pub source: SlsSource,
    /// The ETL job's name.
    #[serde(default)]
    pub job_name: String,
    /// The task's id.
    #[serde(default)]
    pub task_id: String,
    /// When the data at `endCursor` arrived, **seconds** since the epoch.
    #[serde(with = "crate::tolerant::int", default)]
    pub cursor_time: i64,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Where the new logs of an SLS event are.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SlsSource {
    /// The Log Service endpoint to read from (an intranet one, e.g. `http://cn-hangzhou-intranet.log.aliyuncs.com`).
    pub endpoint: String,
    /// The project.
    pub project_name: String,
    /// The logstore.
    pub logstore_name: String,
    /// The shard.
    #[serde(with = "crate::tolerant::int")]
    pub shard_id: u32,
    /// The first cursor to read (base64, as Log Service gives it).
    pub begin_cursor: String,
    /// The cursor to stop before.
    pub end_cursor: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl SlsEvent {
    /// New logs in `source`, with no `functionParameter` configured (`{}`, as FC sends then).
    pub fn new(source: SlsSource) -> Self {
        SlsEvent { parameter: serde_json::Value::Object(serde_json::Map::new()), source, ..SlsEvent::default() }
    }

    /// Sets the trigger's configured `functionParameter`.
    pub fn with_parameter(mut self, parameter: serde_json::Value) -> Self {
        self.parameter = parameter;
        self
    }

    /// Sets when the data at `endCursor` arrived, seconds since the epoch.
    pub fn with_cursor_time(mut self, cursor_time: i64) -> Self {
        self.cursor_time = cursor_time;
        self
    }
}

impl SlsSource {
    /// Shard `shard_id` of the logstore `logstore_name` of `project_name`; set the cursors with
    /// [`with_cursors`](Self::with_cursors).
    pub fn new(project_name: impl Into<String>, logstore_name: impl Into<String>, shard_id: u32) -> Self {
        SlsSource {
            project_name: project_name.into(),
            logstore_name: logstore_name.into(),
            shard_id,
            ..SlsSource::default()
        }
    }

    /// Sets the range of new logs: from `begin_cursor` up to, not including, `end_cursor`.
    pub fn with_cursors(mut self, begin_cursor: impl Into<String>, end_cursor: impl Into<String>) -> Self {
        self.begin_cursor = begin_cursor.into();
        self.end_cursor = end_cursor.into();
        self
    }

    /// Sets the Log Service endpoint to read from.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = endpoint.into();
        self
    }
}

impl crate::TriggerEvent for SlsEvent {
    const SOURCE: &'static str = "sls";
}
