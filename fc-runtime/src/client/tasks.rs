//! FC 3.0 async tasks: get, list (with paging), stop.

use std::borrow::Cow;

use futures_util::Stream;
use http::Method;
use serde::{Deserialize, Serialize};
use tracing::Instrument as _;

use super::listing::{ListFilter, paged};
use super::{paths, validate};
use crate::transport::{Answer, Exchange, Signing};
use crate::{Api, Client, FcError, InvocationEvent, InvocationStatus};

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
    #[serde(with = "super::listing::next_token")]
    pub next_token: Option<String>,
}

impl AsyncTaskPage {
    /// A page.
    pub fn new(tasks: Vec<AsyncTask>, next_token: Option<String>) -> Self {
        AsyncTaskPage { tasks, next_token }
    }
}

impl Client {
    async fn task_call(
        &self,
        method: Method,
        action: &'static str,
        function: &Fc3FunctionRef,
        task_id: Option<&str>,
        filter: Option<&ListFilter>,
    ) -> Result<Answer, FcError> {
        function.validate()?;
        if let Some(id) = task_id {
            validate::async_task_id(id)?;
        }
        let mut query = Vec::new();
        if let Some(qualifier) = self.qualifier_for(function.qualifier.as_deref()) {
            query.push(("qualifier", qualifier.to_owned()));
        }
        if let Some(filter) = filter {
            filter.query(Api::Fc3, &mut query)?;
        }
        let path = paths::fc3_async_tasks(&function.function, task_id, method == Method::PUT);
        let span = tracing::info_span!(
            "fc.async_task",
            action,
            function = %function.function,
            qualifier = self.qualifier_for(function.qualifier.as_deref()).unwrap_or(""),
            task_id = task_id.unwrap_or(""),
            request_id = tracing::field::Empty,
        );
        self.call(Exchange::api(method, &path, &query, Signing::Acs3 { action })).instrument(span).await
    }

    /// GetAsyncTask (FC 3.0).
    pub async fn get_async_task(&self, function: &Fc3FunctionRef, task_id: &str) -> Result<AsyncTask, FcError> {
        self.task_call(Method::GET, "GetAsyncTask", function, Some(task_id), None).await?.json()
    }

    /// One page of ListAsyncTasks (FC 3.0).
    pub async fn list_async_tasks(
        &self,
        function: &Fc3FunctionRef,
        filter: &ListFilter,
    ) -> Result<AsyncTaskPage, FcError> {
        self.task_call(Method::GET, "ListAsyncTasks", function, None, Some(filter)).await?.json()
    }

    /// Every task of `function` matching `filter`, fetching pages as the stream is polled.
    pub fn async_tasks(
        &self,
        function: Fc3FunctionRef,
        filter: ListFilter,
    ) -> impl Stream<Item = Result<AsyncTask, FcError>> + Send + '_ {
        paged(function, filter, move |function, filter| async move {
            let page = self.list_async_tasks(&function, &filter).await?;
            Ok((page.tasks, page.next_token))
        })
    }

    /// StopAsyncTask (FC 3.0).
    pub async fn stop_async_task(&self, function: &Fc3FunctionRef, task_id: &str) -> Result<(), FcError> {
        self.task_call(Method::PUT, "StopAsyncTask", function, Some(task_id), None).await.map(drop)
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
