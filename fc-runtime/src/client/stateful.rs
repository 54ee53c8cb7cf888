//! Stateful async invocations: get, list (with paging), stop.

use std::borrow::Cow;

use futures_util::Stream;
use http::Method;
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

use super::listing::{ListFilter, paged};
use super::{paths, validate};
use crate::transport::{Answer, Exchange, Signing};
use crate::{Api, Client, FcError, InvocationStatus};

/// A function, optionally at a qualifier: what the stateful-invocation APIs address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FunctionRef {
    /// Service name.
    pub service: Cow<'static, str>,
    /// `LATEST`, a version or an alias.
    pub qualifier: Option<Cow<'static, str>>,
    /// Function name.
    pub function: Cow<'static, str>,
}

impl FunctionRef {
    /// `service/function` without a qualifier.
    pub fn new(service: impl Into<Cow<'static, str>>, function: impl Into<Cow<'static, str>>) -> Self {
        FunctionRef { service: service.into(), qualifier: None, function: function.into() }
    }

    /// Sets the qualifier.
    pub fn qualifier(mut self, qualifier: impl Into<Cow<'static, str>>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }

    fn validate(&self) -> Result<(), FcError> {
        validate::service(&self.service)?;
        validate::function(&self.function)?;
        if let Some(q) = &self.qualifier {
            validate::qualifier(q)?;
        }
        Ok(())
    }
}

/// One step in an invocation's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct InvocationEvent {
    /// Sequence number.
    pub event_id: Option<i64>,
    /// What happened (`Enqueued`, `Started`, `Succeeded`, …).
    pub status: Option<String>,
    /// Milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Details (e.g. an error message).
    pub event_detail: Option<String>,
}

impl InvocationEvent {
    /// An event.
    pub fn new(event_id: i64, status: impl Into<String>, timestamp: i64, detail: Option<String>) -> Self {
        InvocationEvent {
            event_id: Some(event_id),
            status: Some(status.into()),
            timestamp: Some(timestamp),
            event_detail: detail,
        }
    }
}

/// A stateful async invocation as FC reports it. Every field is optional: FC omits what it does not know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct StatefulInvocation {
    /// Service name.
    pub service_name: Option<String>,
    /// Function name.
    pub function_name: Option<String>,
    /// Qualifier it ran under.
    pub qualifier: Option<String>,
    /// The invocation id.
    pub invocation_id: Option<String>,
    /// Current status.
    pub status: Option<InvocationStatus>,
    /// Start, in ms since the epoch.
    pub started_time: Option<i64>,
    /// End, in ms since the epoch.
    pub end_time: Option<i64>,
    /// Status of the configured destination.
    pub destination_status: Option<String>,
    /// Error message of a failed invocation.
    pub invocation_error_message: Option<String>,
    /// The event, when requested with `includePayload`.
    pub invocation_payload: Option<String>,
    /// Request id of the accepting call.
    pub request_id: Option<String>,
    /// How many times FC retried.
    pub already_retried_times: Option<i64>,
    /// Instance that ran it.
    pub instance_id: Option<String>,
    /// Duration in ms.
    pub duration_ms: Option<i64>,
    /// The function's output, when requested with `includePayload`.
    pub return_payload: Option<String>,
    /// History.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<InvocationEvent>,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct InvocationPage {
    /// The invocations on this page.
    pub invocations: Vec<StatefulInvocation>,
    /// Token for the next page; `None` on the last page (FC marks it with `"nextToken": ""`, which is read as
    /// `None` and written back the same way).
    #[serde(with = "super::listing::next_token")]
    pub next_token: Option<String>,
}

impl InvocationPage {
    /// A page.
    pub fn new(invocations: Vec<StatefulInvocation>, next_token: Option<String>) -> Self {
        InvocationPage { invocations, next_token }
    }
}

impl Client {
    async fn stateful_call(
        &self,
        method: Method,
        function: &FunctionRef,
        id: Option<&str>,
        query: &[(&str, String)],
    ) -> Result<Answer, FcError> {
        function.validate()?;
        if let Some(id) = id {
            validate::invocation_id(id)?;
        }
        let qualifier = self.qualifier_for(function.qualifier.as_deref());
        let path = paths::stateful(&function.service, qualifier, &function.function, id);
        let span = tracing::info_span!(
            "fc.stateful_invocation",
            method = %method,
            service = %function.service,
            function = %function.function,
            qualifier = qualifier.unwrap_or(""),
            invocation_id = id.unwrap_or(""),
            request_id = tracing::field::Empty,
        );
        self.call(Exchange::api(method, &path, query, Signing::Fc)).instrument(span).await
    }

    /// GetStatefulAsyncInvocation.
    pub async fn get_stateful_invocation(
        &self,
        function: &FunctionRef,
        invocation_id: &str,
    ) -> Result<StatefulInvocation, FcError> {
        let raw = self.stateful_call(Method::GET, function, Some(invocation_id), &[]).await?;
        raw.json()
    }

    /// One page of ListStatefulAsyncInvocations.
    pub async fn list_stateful_invocations(
        &self,
        function: &FunctionRef,
        filter: &ListFilter,
    ) -> Result<InvocationPage, FcError> {
        let mut query = Vec::new();
        filter.query(Api::Fc2, &mut query)?;
        let raw = self.stateful_call(Method::GET, function, None, &query).await?;
        raw.json()
    }

    /// Every invocation of `function` matching `filter`, fetching pages as the stream is polled.
    pub fn stateful_invocations(
        &self,
        function: FunctionRef,
        filter: ListFilter,
    ) -> impl Stream<Item = Result<StatefulInvocation, FcError>> + Send + '_ {
        paged(function, filter, move |function, filter| async move {
            let page = self.list_stateful_invocations(&function, &filter).await?;
            Ok((page.invocations, page.next_token))
        })
    }

    /// StopStatefulAsyncInvocation.
    pub async fn stop_stateful_invocation(&self, function: &FunctionRef, invocation_id: &str) -> Result<(), FcError> {
        self.stateful_call(Method::PUT, function, Some(invocation_id), &[]).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_next_token_marks_the_last_page() {
        let last: InvocationPage = serde_json::from_str(r#"{"invocations":[],"nextToken":""}"#).unwrap();
        assert_eq!(last.next_token, None);
        let absent: InvocationPage = serde_json::from_str(r#"{"invocations":[]}"#).unwrap();
        assert_eq!(absent.next_token, None);
        let null: InvocationPage = serde_json::from_str(r#"{"nextToken":null}"#).unwrap();
        assert_eq!(null.next_token, None);
        let more: InvocationPage = serde_json::from_str(r#"{"invocations":[],"nextToken":"2"}"#).unwrap();
        assert_eq!(more.next_token.as_deref(), Some("2"));
        assert_eq!(serde_json::to_string(&last).unwrap(), r#"{"invocations":[],"nextToken":""}"#);
    }
}
