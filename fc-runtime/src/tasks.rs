//! FC 3.0 async tasks: get, list (with paging), stop.

use std::borrow::Cow;

use futures_util::Stream;
use http::{HeaderValue, Method};
use serde::{Deserialize, Serialize};

use crate::error::InputField;
use crate::retry::Idempotency;
use crate::stateful::{ListFilters, list_filters, paged};
use crate::transport::{Answer, Exchange, Signing};
use crate::{Client, FcError, InvocationEvent, InvocationStatus, SortOrder, validate};

/// An FC 3.0 function, optionally at a qualifier: what the async-task APIs address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Fc3FunctionRef {
    /// Function name.
    pub function: Cow<'static, str>,
    /// `LATEST`, a version or an alias.
    pub qualifier: Option<Cow<'static, str>>,
}

impl Fc3FunctionRef {
    /// `function` without a qualifier.
    pub fn new(function: impl Into<Cow<'static, str>>) -> Self {
        Fc3FunctionRef { function: function.into(), qualifier: None }
    }

    /// Sets the qualifier.
    pub fn qualifier(mut self, qualifier: impl Into<Cow<'static, str>>) -> Self {
        self.qualifier = Some(qualifier.into());
        self
    }

    fn validate(&self) -> Result<(), FcError> {
        validate::fc3_function(&self.function)?;
        if let Some(q) = &self.qualifier {
            validate::qualifier(q)?;
        }
        Ok(())
    }
}

/// An FC 3.0 async task as FC reports it. Every field is optional (FC omits what it does not know), and fields
/// this version does not know are kept in [`extra`](Self::extra).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AsyncTask {
    /// The task id.
    pub task_id: Option<String>,
    /// Current status; unknown values are kept as [`InvocationStatus::Other`].
    pub status: Option<InvocationStatus>,
    /// `acs:fc:{region}:{account}:functions/{function}`.
    pub function_arn: Option<String>,
    /// Qualifier it ran under.
    pub qualifier: Option<String>,
    /// Start, in ms since the epoch.
    pub started_time: Option<i64>,
    /// End, in ms since the epoch.
    pub end_time: Option<i64>,
    /// Duration in ms.
    pub duration_ms: Option<i64>,
    /// Request id of the accepting call.
    pub request_id: Option<String>,
    /// Instance that ran it.
    pub instance_id: Option<String>,
    /// How many times FC retried.
    pub already_retried_times: Option<i64>,
    /// Status of the configured destination.
    pub destination_status: Option<String>,
    /// Error of a failed task.
    pub task_error_message: Option<String>,
    /// The event, when listed with `includePayload` (also read from `invocationPayload`).
    #[serde(alias = "invocationPayload")]
    pub task_payload: Option<String>,
    /// The function's output.
    pub return_payload: Option<String>,
    /// History.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<InvocationEvent>,
    /// Fields this version does not know, verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One page of ListAsyncTasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AsyncTaskPage {
    /// The tasks on this page.
    pub tasks: Vec<AsyncTask>,
    /// Token for the next page; `None` on the last page (FC marks it with `"nextToken": ""`).
    #[serde(with = "crate::stateful::next_token")]
    pub next_token: Option<String>,
}

impl AsyncTaskPage {
    /// A page.
    pub fn new(tasks: Vec<AsyncTask>, next_token: Option<String>) -> Self {
        AsyncTaskPage { tasks, next_token }
    }
}

/// Filters of ListAsyncTasks.
///
/// ```
/// use fc_runtime::{Fc3FunctionRef, InvocationStatus, ListAsyncTasks, SortOrder};
/// let query = ListAsyncTasks::new(Fc3FunctionRef::new("transcode"))
///     .status(InvocationStatus::Running)
///     .prefix("movie_")
///     .sort(SortOrder::Desc)
///     .limit(50);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListAsyncTasks {
    /// Which function.
    pub function: Fc3FunctionRef,
    /// Only tasks in this status.
    pub status: Option<InvocationStatus>,
    /// Started at or after (ms since the epoch).
    pub started_time_begin: Option<i64>,
    /// Started before (ms since the epoch).
    pub started_time_end: Option<i64>,
    /// Order by start time.
    pub sort_order: Option<SortOrder>,
    /// Only task ids starting with this.
    pub prefix: Option<String>,
    /// Include event and result payloads.
    pub include_payload: bool,
    /// Page size (FC allows 1–100).
    pub limit: Option<u32>,
    /// Continue after a previous page.
    pub next_token: Option<String>,
}

impl ListAsyncTasks {
    /// Lists everything of `function`.
    pub fn new(function: Fc3FunctionRef) -> Self {
        ListAsyncTasks {
            function,
            status: None,
            started_time_begin: None,
            started_time_end: None,
            sort_order: None,
            prefix: None,
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
    /// Filters by task-id prefix.
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

    fn query(&self, qualifier: Option<&str>) -> Result<Vec<(&'static str, String)>, FcError> {
        let mut q = Vec::new();
        if let Some(qualifier) = qualifier {
            q.push(("qualifier", qualifier.to_owned()));
        }
        list_filters(
            &mut q,
            ListFilters {
                next_token: self.next_token.as_deref(),
                limit: self.limit,
                status: self.status.as_ref(),
                started_time_begin: self.started_time_begin,
                started_time_end: self.started_time_end,
                sort_order: self.sort_order,
                prefix: self.prefix.as_deref().map(|p| ("prefix", InputField::TaskIdPrefix, p)),
                include_payload: self.include_payload,
            },
        )?;
        Ok(q)
    }
}

impl Client {
    async fn task_call(
        &self,
        method: Method,
        action: &'static str,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<Answer, FcError> {
        let idempotency = if method == Method::GET { Idempotency::Safe } else { Idempotency::Unsafe };
        self.transport()
            .send(Exchange {
                method,
                path,
                query,
                fc_headers: &[],
                content_type: HeaderValue::from_static("application/json"),
                body: bytes::Bytes::new(),
                timeout: self.timeout_for(None),
                idempotency,
                signing: Signing::Acs3 { action },
            })
            .await
    }

    fn task_target<'a>(
        &'a self,
        function: &'a Fc3FunctionRef,
        task_id: Option<&str>,
    ) -> Result<Option<&'a str>, FcError> {
        function.validate()?;
        if let Some(id) = task_id {
            validate::async_task_id(id)?;
        }
        Ok(self.qualifier_for(function.qualifier.as_deref()))
    }

    /// GetAsyncTask (FC 3.0).
    pub async fn get_async_task(&self, function: &Fc3FunctionRef, task_id: &str) -> Result<AsyncTask, FcError> {
        let qualifier = self.task_target(function, Some(task_id))?;
        let query: Vec<(&str, String)> = qualifier.map(|q| ("qualifier", q.to_owned())).into_iter().collect();
        let path = crate::paths::fc3_async_tasks(&function.function, Some(task_id), false);
        let answer = self.task_call(Method::GET, "GetAsyncTask", &path, &query).await?;
        answer.json()
    }

    /// One page of ListAsyncTasks (FC 3.0).
    pub async fn list_async_tasks(&self, query: &ListAsyncTasks) -> Result<AsyncTaskPage, FcError> {
        let qualifier = self.task_target(&query.function, None)?;
        let params = query.query(qualifier)?;
        let path = crate::paths::fc3_async_tasks(&query.function.function, None, false);
        let answer = self.task_call(Method::GET, "ListAsyncTasks", &path, &params).await?;
        answer.json()
    }

    /// Every task matching `query`, fetching pages as the stream is polled.
    pub fn async_tasks(&self, query: ListAsyncTasks) -> impl Stream<Item = Result<AsyncTask, FcError>> + Send + '_ {
        paged(
            query,
            move |query: ListAsyncTasks| async move {
                let page = self.list_async_tasks(&query).await.map(|p| (p.tasks, p.next_token));
                (query, page)
            },
            ListAsyncTasks::next_token,
        )
    }

    /// StopAsyncTask (FC 3.0).
    pub async fn stop_async_task(&self, function: &Fc3FunctionRef, task_id: &str) -> Result<(), FcError> {
        let qualifier = self.task_target(function, Some(task_id))?;
        let query: Vec<(&str, String)> = qualifier.map(|q| ("qualifier", q.to_owned())).into_iter().collect();
        let path = crate::paths::fc3_async_tasks(&function.function, Some(task_id), true);
        self.task_call(Method::PUT, "StopAsyncTask", &path, &query).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_statuses_are_kept_and_empty_tokens_end_paging() {
        let page: AsyncTaskPage = serde_json::from_str(
            r#"{"tasks":[{"taskId":"t1","status":"Hibernating","invocationPayload":"p","shard":7}],"nextToken":""}"#,
        )
        .unwrap();
        let task = &page.tasks[0];
        assert_eq!(task.status, Some(InvocationStatus::Other("Hibernating".into())));
        assert_eq!(task.task_payload.as_deref(), Some("p"));
        assert_eq!(task.extra.get("shard"), Some(&serde_json::json!(7)));
        assert_eq!(page.next_token, None);
    }
}
