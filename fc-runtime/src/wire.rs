//! FC's wire vocabulary, below every layer that speaks it: the API versions, the response header names and their
//! values, `Retry-After`, and the one rule for what may travel as a header value. The client, the transport, the
//! credentials providers and `LocalFc` all read it from here, and it imports none of them.

use std::time::Duration;

/// The API version prefix every FC 2.0 path starts with.
pub(crate) const API_VERSION: &str = "2016-08-15";

/// The API version of FC 3.0 (`x-acs-version`, and the prefix of its paths).
pub(crate) const FC3_API_VERSION: &str = "2023-03-30";

/// FC's limit on a synchronous invocation's event, and on its answer.
pub(crate) const MAX_SYNC_PAYLOAD: usize = 32 * 1024 * 1024;
/// FC's limit on an asynchronous invocation's event.
pub(crate) const MAX_ASYNC_PAYLOAD: usize = 128 * 1024;

/// Response header names, lower-case.
pub(crate) mod headers {
    /// Request id assigned by FC.
    pub const REQUEST_ID: &str = "x-fc-request-id";
    /// Id of the instance that ran the function.
    pub const INSTANCE_ID: &str = "x-fc-instance-id";
    /// CRC-64 of the code package.
    pub const CODE_CHECKSUM: &str = "x-fc-code-checksum";
    /// Billed duration in milliseconds.
    pub const INVOCATION_DURATION: &str = "x-fc-invocation-duration";
    /// Peak memory in MB.
    pub const MAX_MEMORY_USAGE: &str = "x-fc-max-memory-usage";
    /// The version that actually ran.
    pub const SERVICE_VERSION: &str = "x-fc-invocation-service-version";
    /// Base64 of the last 4 KB of the log.
    pub const LOG_RESULT: &str = "x-fc-log-result";
    /// Who failed: [`error_type`](super::error_type)'s values.
    pub const ERROR_TYPE: &str = "x-fc-error-type";
    /// Stateful async invocation id.
    pub const INVOCATION_ID: &str = "x-fc-stateful-async-invocation-id";
    /// FC 3.0: the async task id an async call was accepted under.
    pub const ASYNC_TASK_ID: &str = "x-fc-async-task-id";
}

/// The values of `X-Fc-Error-Type`: who failed, or who answered.
pub(crate) mod error_type {
    /// The function reported its own error (an API invocation's 200).
    pub const HANDLED: &str = "HandledInvocationError";
    /// The function failed: it crashed, timed out, or (through an HTTP trigger) answered over the limits or is not
    /// an HTTP function. An HTTP trigger's 502.
    pub const UNHANDLED: &str = "UnhandledInvocationError";
    #[allow(dead_code)] // the HTTP-trigger client reads it next
    /// FC itself answered an HTTP-trigger request: a refusal (limits, auth, method, no trigger, throttling) or its
    /// own error. The HTTP-trigger FAQ (Alibaba Cloud help, document 85445) documents the table.
    pub const FC_COMMON: &str = "FcCommonError";
}

/// `Retry-After` as delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(std::time::SystemTime::now()).unwrap_or_default())
}

/// What keeps `value` from travelling as a header value FC can sign and every proxy passes unchanged: a control
/// or non-ASCII character, or surrounding spaces (HTTP strips them, so the service would verify a value other than
/// the one signed). `None` when it is fit. Never quotes the value, which may be a credential.
pub(crate) fn header_value_problem(value: &str) -> Option<String> {
    if let Some((at, c)) = value.char_indices().find(|(_, c)| !(' '..='~').contains(c)) {
        let what = if c.is_control() { "a control character" } else { "a non-ASCII character" };
        return Some(format!("contains {what} at position {at}"));
    }
    if value.starts_with(' ') || value.ends_with(' ') {
        return Some("has leading or trailing spaces, which HTTP strips in transit".to_owned());
    }
    None
}
