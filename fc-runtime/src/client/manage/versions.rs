//! Versions: PublishFunctionVersion, ListFunctionVersions and DeleteFunctionVersion. A version is an immutable
//! snapshot of a function's code and settings (not of its triggers or async config), numbered from 1, never reused.

use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ListOptions, Page, function_path, page, paged, segment};
use crate::FcError;
use crate::client::{Client, validate};

/// A published version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Version {
    /// `1`, `2`, ….
    pub version_id: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// When it was published.
    pub created_time: Option<String>,
    /// When it last changed.
    pub last_modified_time: Option<String>,
}

/// The order of a version listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Newest first (FC's default).
    Backward,
    /// Oldest first.
    Forward,
}

impl Client {
    /// PublishFunctionVersion: a snapshot of `LATEST`'s code and settings, numbered after the last one.
    pub async fn publish_function_version(
        &self,
        function: &str,
        description: Option<&str>,
    ) -> Result<Version, FcError> {
        validate::fc3_function(function)?;
        let body = serde_json::json!({ "description": description.unwrap_or_default() });
        let call = Call::new("PublishFunctionVersion", Method::POST, function, function_path(function, "/versions"))
            .json(&body)?;
        self.manage_json(call).await
    }

    /// One page of ListFunctionVersions, newest first unless `direction` says otherwise.
    pub async fn list_function_versions(
        &self,
        function: &str,
        options: &ListOptions,
        direction: Option<Direction>,
    ) -> Result<Page<Version>, FcError> {
        validate::fc3_function(function)?;
        let mut query = options.query(false)?;
        if let Some(direction) = direction {
            let word = match direction {
                Direction::Backward => "BACKWARD",
                Direction::Forward => "FORWARD",
            };
            query.push(("direction", word.to_owned()));
        }
        let call =
            Call::new("ListFunctionVersions", Method::GET, function, function_path(function, "/versions")).query(query);
        page(self.manage_json(call).await?, "versions")
    }

    /// Every version of `function`, newest first, page after page as the stream is polled.
    pub fn function_versions<'a>(
        &'a self,
        function: &'a str,
    ) -> impl futures_util::Stream<Item = Result<Version, FcError>> + Send + Unpin + 'a {
        paged(
            ListOptions::new(),
            move |options| async move { self.list_function_versions(function, &options, None).await },
        )
    }

    /// DeleteFunctionVersion. A version an alias points at is refused
    /// ([`ErrorCode::VersionInUse`](crate::ErrorCode::VersionInUse) under `LocalFc`).
    pub async fn delete_function_version(&self, function: &str, version: &str) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        validate::version_id(version)?;
        let path = function_path(function, &format!("/versions/{}", segment(version)));
        self.manage(Call::new("DeleteFunctionVersion", Method::DELETE, function, path)).await.map(drop)
    }
}
