//! Listing async invocations: the one filter both APIs take ([`ListFilter`]), the statuses and sort order they
//! report in, FC's paging token, and the stream that follows it from page to page.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::validate;
use crate::error::InputField;
use crate::{Api, FcError};

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

/// The filters of a listing of async invocations, shared by FC 2.0's stateful invocations
/// ([`Client::list_stateful_invocations`](crate::Client::list_stateful_invocations)) and FC 3.0's async tasks
/// ([`Client::list_async_tasks`](crate::Client::list_async_tasks)).
///
/// ```
/// use fc_runtime::{InvocationStatus, ListFilter, SortOrder};
/// let filter = ListFilter::new()
///     .status(InvocationStatus::Running)
///     .prefix("movie_")
///     .sort(SortOrder::Desc)
///     .limit(50);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListFilter {
    /// Only invocations in this status.
    pub status: Option<InvocationStatus>,
    /// Started at or after (ms since the epoch).
    pub started_time_begin: Option<i64>,
    /// Started before (ms since the epoch).
    pub started_time_end: Option<i64>,
    /// Order by start time.
    pub sort_order: Option<SortOrder>,
    /// Only ids starting with this: the stateful invocation id (FC 2.0's `invocationIdPrefix`) or the async task
    /// id (FC 3.0's `prefix`).
    pub prefix: Option<String>,
    /// Include event and result payloads.
    pub include_payload: bool,
    /// Page size (FC allows 1–100).
    pub limit: Option<u32>,
    /// Continue after a previous page.
    pub next_token: Option<String>,
}

impl ListFilter {
    /// Everything: no filter, FC's page size.
    pub fn new() -> Self {
        ListFilter::default()
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
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
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

    /// Appends the filter's query parameters for `api` to `q`, refusing what cannot be sent.
    pub(crate) fn query(&self, api: Api, q: &mut Vec<(&'static str, String)>) -> Result<(), FcError> {
        if let Some(t) = &self.next_token {
            validate::header_value(InputField::NextToken, t)?;
            q.push(("nextToken", t.clone()));
        }
        if let Some(l) = self.limit {
            if !(1..=100).contains(&l) {
                return Err(FcError::invalid_input(InputField::Limit, format!("{l} is outside 1..=100")));
            }
            q.push(("limit", l.to_string()));
        }
        if let Some(s) = &self.status {
            q.push(("status", s.as_str().to_owned()));
        }
        if let Some(b) = self.started_time_begin {
            q.push(("startedTimeBegin", b.to_string()));
        }
        if let Some(e) = self.started_time_end {
            q.push(("startedTimeEnd", e.to_string()));
        }
        if let Some(o) = self.sort_order {
            q.push(("sortOrderByTime", o.as_str().to_owned()));
        }
        if let Some(p) = &self.prefix {
            let (name, field) = match api {
                Api::Fc2 => ("invocationIdPrefix", InputField::InvocationIdPrefix),
                Api::Fc3 => ("prefix", InputField::TaskIdPrefix),
            };
            validate::header_value(field, p)?;
            q.push((name, p.clone()));
        }
        if self.include_payload {
            q.push(("includePayload", "true".to_owned()));
        }
        Ok(())
    }
}

/// Every item of a paged listing of `function`'s invocations: `fetch` one page for a filter, continue with the
/// page's token until a page has none; an error ends the stream after it is yielded.
pub(crate) fn paged<'a, R, T, F, Fut>(
    function: R,
    filter: ListFilter,
    fetch: F,
) -> impl futures_util::Stream<Item = Result<T, FcError>> + Send + 'a
where
    R: Send + Sync + 'a,
    T: Send + 'a,
    F: Fn(std::sync::Arc<R>, ListFilter) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), FcError>> + Send + 'a,
{
    let (function, fetch) = (std::sync::Arc::new(function), std::sync::Arc::new(fetch));
    let pages = futures_util::stream::unfold(Some(filter), move |state| {
        let (function, fetch) = (function.clone(), fetch.clone());
        async move {
            let filter = state?;
            match fetch(function, filter.clone()).await {
                Ok((items, token)) => {
                    let rest = token.map(|t| filter.next_token(t));
                    Some((futures_util::stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()), rest))
                }
                Err(e) => Some((futures_util::stream::iter(vec![Err(e)]), None)),
            }
        }
    });
    futures_util::StreamExt::flatten(pages)
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
