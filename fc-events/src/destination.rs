//! The record an async invocation's destination receives (MNS, FC, EventBridge or RocketMQ), and what a function
//! configured as a destination gets as its event.

use serde::{Deserialize, Serialize};

/// The outcome of one async invocation, as its destination receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// The invocation a destination record is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// How an async invocation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DestinationResponseContext {
    /// 200 unless the platform failed (a system error).
    #[serde(with = "crate::tolerant::int", default)]
    pub status_code: u16,
    /// The function's error type (`UnhandledInvocationError`, …), empty when it succeeded.
    #[serde(default)]
    pub function_error: String,
}

impl crate::TriggerEvent for DestinationRecord {
    const SOURCE: &'static str = "destination";
}
