//! Stateful async invocations: get, list (with paging), stop.

use std::borrow::Cow;
use std::fmt;

use futures_util::Stream;
use http::Method;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use http::HeaderValue;

use crate::error::InputField;
use crate::retry::Idempotency;
use crate::transport::{Answer, Exchange, Signing};
use crate::{Client, FcError, validate};

/// A function, optionally at a qualifier: what the stateful-invocation APIs address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// Status of a stateful async invocation. Unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvocationStatus {
    /// Queued.
    Enqueued,
    /// Taken off the queue.
    Dequeued,
    /// Running.
    Running,
    /// Finished successfully.
    Succeeded,
    /// Finished with an error (after FC's retries).
    Failed,
    /// Being stopped.
    Stopping,
    /// Stopped by a Stop call.
    Stopped,
    /// Rejected as invalid.
    Invalid,
    /// Expired in the queue.
    Expired,
    /// Failed once and waiting for a retry.
    Retrying,
    /// A status this version does not know.
    Other(String),
}

impl InvocationStatus {
    /// The status as FC writes it.
    pub fn as_str(&self) -> &str {
        match self {
            InvocationStatus::Enqueued => "Enqueued",
            InvocationStatus::Dequeued => "Dequeued",
            InvocationStatus::Running => "Running",
            InvocationStatus::Succeeded => "Succeeded",
            InvocationStatus::Failed => "Failed",
            InvocationStatus::Stopping => "Stopping",
            InvocationStatus::Stopped => "Stopped",
            InvocationStatus::Invalid => "Invalid",
            InvocationStatus::Expired => "Expired",
            InvocationStatus::Retrying => "Retrying",
            InvocationStatus::Other(s) => s,
        }
    }

    /// True for states that will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            InvocationStatus::Succeeded
                | InvocationStatus::Failed
                | InvocationStatus::Stopped
                | InvocationStatus::Invalid
                | InvocationStatus::Expired
        )
    }
}

impl From<&str> for InvocationStatus {
    fn from(s: &str) -> Self {
        match s {
            "Enqueued" => InvocationStatus::Enqueued,
            "Dequeued" => InvocationStatus::Dequeued,
            "Running" => InvocationStatus::Running,
            "Succeeded" => InvocationStatus::Succeeded,
            "Failed" => InvocationStatus::Failed,
            "Stopping" => InvocationStatus::Stopping,
            "Stopped" => InvocationStatus::Stopped,
            "Invalid" => InvocationStatus::Invalid,
            "Expired" => InvocationStatus::Expired,
            "Retrying" => InvocationStatus::Retrying,
            other => InvocationStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for InvocationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InvocationStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InvocationStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        Ok(InvocationStatus::from(&*s))
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

/// Sort order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first.
    Desc,
}

impl SortOrder {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// Filters of ListStatefulAsyncInvocations.
///
/// ```
/// use fc_runtime::{FunctionRef, InvocationStatus, ListInvocations, SortOrder};
/// let query = ListInvocations::new(FunctionRef::new("video", "transcode"))
///     .status(InvocationStatus::Running)
///     .invocation_id_prefix("movie_")
///     .sort(SortOrder::Desc)
///     .limit(50);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListInvocations {
    /// Which function.
    pub function: FunctionRef,
    /// Only invocations in this status.
    pub status: Option<InvocationStatus>,
    /// Started at or after (ms since the epoch).
    pub started_time_begin: Option<i64>,
    /// Started before (ms since the epoch).
    pub started_time_end: Option<i64>,
    /// Order by start time.
    pub sort_order: Option<SortOrder>,
    /// Only ids starting with this.
    pub invocation_id_prefix: Option<String>,
    /// Include event and result payloads.
    pub include_payload: bool,
    /// Page size (FC allows 1–100).
    pub limit: Option<u32>,
    /// Continue after a previous page.
    pub next_token: Option<String>,
}

impl ListInvocations {
    /// Lists everything of `function`.
    pub fn new(function: FunctionRef) -> Self {
        ListInvocations {
            function,
            status: None,
            started_time_begin: None,
            started_time_end: None,
            sort_order: None,
            invocation_id_prefix: None,
            include_payload: false,
            limit: None,
            next_token: None,
        }
    }
    /// Filters by status.
    pub fn status(mut self, status: InvocationStatus) -> Self {
        self.status = Some(status);
        self
    }
    /// Filters by start time, `[begin, end)` in ms since the epoch.
    pub fn started_between(mut self, begin: i64, end: i64) -> Self {
        self.started_time_begin = Some(begin);
        self.started_time_end = Some(end);
        self
    }
    /// Sort order.
    pub fn sort(mut self, order: SortOrder) -> Self {
        self.sort_order = Some(order);
        self
    }
    /// Filters by id prefix.
    pub fn invocation_id_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.invocation_id_prefix = Some(prefix.into());
        self
    }
    /// Includes payloads.
    pub fn include_payload(mut self, include: bool) -> Self {
        self.include_payload = include;
        self
    }
    /// Page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continues from a page's `next_token`.
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }

    fn query(&self) -> Result<Vec<(&'static str, String)>, FcError> {
        let mut q = Vec::new();
        let prefix =
            self.invocation_id_prefix.as_deref().map(|p| ("invocationIdPrefix", InputField::InvocationIdPrefix, p));
        list_filters(
            &mut q,
            ListFilters {
                next_token: self.next_token.as_deref(),
                limit: self.limit,
                status: self.status.as_ref(),
                started_time_begin: self.started_time_begin,
                started_time_end: self.started_time_end,
                sort_order: self.sort_order,
                prefix,
                include_payload: self.include_payload,
            },
        )?;
        Ok(q)
    }
}

/// The filters FC 2.0's and FC 3.0's listings share; only the id prefix's parameter name differs.
pub(crate) struct ListFilters<'a> {
    pub next_token: Option<&'a str>,
    pub limit: Option<u32>,
    pub status: Option<&'a InvocationStatus>,
    pub started_time_begin: Option<i64>,
    pub started_time_end: Option<i64>,
    pub sort_order: Option<SortOrder>,
    /// `(parameter, field named in errors, value)`.
    pub prefix: Option<(&'static str, InputField, &'a str)>,
    pub include_payload: bool,
}

/// Appends the listing's query parameters to `q`, refusing what cannot be sent.
pub(crate) fn list_filters(q: &mut Vec<(&'static str, String)>, f: ListFilters<'_>) -> Result<(), FcError> {
    if let Some(t) = f.next_token {
        validate::header_value(InputField::NextToken, t)?;
        q.push(("nextToken", t.to_owned()));
    }
    if let Some(l) = f.limit {
        if !(1..=100).contains(&l) {
            return Err(FcError::invalid_input(InputField::Limit, format!("{l} is outside 1..=100")));
        }
        q.push(("limit", l.to_string()));
    }
    if let Some(s) = f.status {
        q.push(("status", s.as_str().to_owned()));
    }
    if let Some(b) = f.started_time_begin {
        q.push(("startedTimeBegin", b.to_string()));
    }
    if let Some(e) = f.started_time_end {
        q.push(("startedTimeEnd", e.to_string()));
    }
    if let Some(o) = f.sort_order {
        q.push(("sortOrderByTime", o.as_str().to_owned()));
    }
    if let Some((name, field, p)) = f.prefix {
        validate::header_value(field, p)?;
        q.push((name, p.to_owned()));
    }
    if f.include_payload {
        q.push(("includePayload", "true".to_owned()));
    }
    Ok(())
}

/// Every item of a paged listing: `fetch` one page, continue with `next(query, token)` until a page has no token;
/// an error ends the stream after it is yielded.
pub(crate) fn paged<'a, Q, T, F, Fut>(
    query: Q,
    fetch: F,
    next: fn(Q, String) -> Q,
) -> impl futures_util::Stream<Item = Result<T, FcError>> + Send + 'a
where
    Q: Send + 'a,
    T: Send + 'a,
    F: Fn(Q) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = (Q, Result<(Vec<T>, Option<String>), FcError>)> + Send + 'a,
{
    let fetch = std::sync::Arc::new(fetch);
    let pages = futures_util::stream::unfold(Some(query), move |state| {
        let fetch = fetch.clone();
        async move {
            let (query, page) = fetch(state?).await;
            match page {
                Ok((items, token)) => {
                    let rest = token.map(|t| next(query, t));
                    Some((futures_util::stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()), rest))
                }
                Err(e) => Some((futures_util::stream::iter(vec![Err(e)]), None)),
            }
        }
    });
    futures_util::StreamExt::flatten(pages)
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
    #[serde(with = "next_token")]
    pub next_token: Option<String>,
}

/// FC's paging token: `""` (or nothing) on the last page is `None`, and `None` is written back as `""`.
pub(crate) mod next_token {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(token: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(token.as_deref().unwrap_or(""))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<String>::deserialize(d)?.filter(|t| !t.is_empty()))
    }
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
        let path = crate::paths::stateful(&function.service, qualifier, &function.function, id);
        let idempotency = if method == Method::GET { Idempotency::Safe } else { Idempotency::Unsafe };
        self.transport()
            .send(Exchange {
                method,
                path: &path,
                query,
                fc_headers: &[],
                content_type: HeaderValue::from_static("application/json"),
                body: bytes::Bytes::new(),
                timeout: self.timeout_for(None),
                idempotency,
                signing: Signing::Fc,
            })
            .await
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
    pub async fn list_stateful_invocations(&self, query: &ListInvocations) -> Result<InvocationPage, FcError> {
        let q = query.query()?;
        let raw = self.stateful_call(Method::GET, &query.function, None, &q).await?;
        raw.json()
    }

    /// Every invocation matching `query`, fetching pages as the stream is polled.
    pub fn stateful_invocations(
        &self,
        query: ListInvocations,
    ) -> impl Stream<Item = Result<StatefulInvocation, FcError>> + Send + '_ {
        paged(
            query,
            move |query: ListInvocations| async move {
                let page = self.list_stateful_invocations(&query).await.map(|p| (p.invocations, p.next_token));
                (query, page)
            },
            ListInvocations::next_token,
        )
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
