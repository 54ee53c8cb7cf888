//! The Log Service (SLS) trigger.

use serde::{Deserialize, Serialize};

/// What an SLS trigger sends: where new logs are, not the logs themselves. The function reads the shard from
/// `beginCursor` up to `endCursor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// Where the new logs of an SLS event are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl crate::TriggerEvent for SlsEvent {
    const SOURCE: &'static str = "sls";
}
