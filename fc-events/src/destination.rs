//! The record an async invocation's destination receives (MNS, FC, EventBridge or RocketMQ), and what a function
//! configured as a destination gets as its event.

use serde::{Deserialize, Serialize};

/// The outcome of one async invocation, as its destination receives it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DestinationRecord {
    /// When the record was made, **milliseconds** since the epoch.
    #[serde(with = "crate::tolerant::int", default)]
    pub timestamp: i64,
    /// The invocation.
    pub request_context: DestinationRequestContext,
    /// The invocation's event, as a string.
    #[serde(default)]
    pub request_payload: String,
    /// How it ended.
    pub response_context: DestinationResponseContext,
    /// The function's result or error body, as a string.
    #[serde(default)]
    pub response_payload: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The invocation a destination record is about.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DestinationRequestContext {
    /// Its request id.
    pub request_id: String,
    /// The function (`acs:fc:{region}:{account}:functions/{name}`, or FC 2.0's `…:services/{s}/functions/{f}`).
    pub function_arn: String,
    /// Why it went to this destination: an invocation error code such as `UnhandledInvocationError` or
    /// `FunctionResourceExhausted` (FC does not document the full list).
    #[serde(default)]
    pub condition: String,
    /// How many times it ran (more than 1: it was retried).
    #[serde(with = "crate::tolerant::int", default)]
    pub approximate_invoke_count: u32,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// How an async invocation ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DestinationResponseContext {
    /// 200 unless the platform failed (a system error).
    #[serde(with = "crate::tolerant::int", default)]
    pub status_code: u16,
    /// The function's error type (`UnhandledInvocationError`, …), empty when it succeeded.
    #[serde(default)]
    pub function_error: String,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl DestinationRecord {
    /// The record of invocation `request_id` of `function_arn` that succeeded the first time, returning
    /// `response_payload`.
    pub fn on_success(
        request_id: impl Into<String>,
        function_arn: impl Into<String>,
        response_payload: impl Into<String>,
    ) -> Self {
        DestinationRecord {
            request_context: DestinationRequestContext::new(request_id, function_arn),
            response_context: DestinationResponseContext::new(200, ""),
            response_payload: response_payload.into(),
            ..DestinationRecord::default()
        }
    }

    /// The record of invocation `request_id` of `function_arn` that failed for `condition` (an invocation error
    /// code: `UnhandledInvocationError`, `FunctionResourceExhausted`, …), with the error body
    /// `response_payload`. The platform's status is 200 and the function's error type empty, as in FC's sample;
    /// set them on `response_context` when a test needs others.
    pub fn on_failure(
        request_id: impl Into<String>,
        function_arn: impl Into<String>,
        condition: impl Into<String>,
        response_payload: impl Into<String>,
    ) -> Self {
        let mut record = DestinationRecord::on_success(request_id, function_arn, response_payload);
        record.request_context.condition = condition.into();
        record
    }

    /// Sets the invocation's event.
    pub fn with_request_payload(mut self, request_payload: impl Into<String>) -> Self {
        self.request_payload = request_payload.into();
        self
    }

    /// Sets how many times the invocation ran (more than 1: it was retried).
    pub fn with_approximate_invoke_count(mut self, count: u32) -> Self {
        self.request_context.approximate_invoke_count = count;
        self
    }

    /// Sets when the record was made, milliseconds since the epoch.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = timestamp;
        self
    }
}

impl DestinationRequestContext {
    /// Invocation `request_id` of `function_arn`, run once, without a condition.
    pub fn new(request_id: impl Into<String>, function_arn: impl Into<String>) -> Self {
        DestinationRequestContext {
            request_id: request_id.into(),
            function_arn: function_arn.into(),
            approximate_invoke_count: 1,
            ..DestinationRequestContext::default()
        }
    }
}

impl DestinationResponseContext {
    /// An end with the platform's `status_code` (200 unless the platform failed) and the function's error type
    /// `function_error` (empty when it succeeded).
    pub fn new(status_code: u16, function_error: impl Into<String>) -> Self {
        DestinationResponseContext {
            status_code,
            function_error: function_error.into(),
            ..DestinationResponseContext::default()
        }
    }
}

impl crate::TriggerEvent for DestinationRecord {
    const SOURCE: &'static str = "destination";
}
