//! Async invoke config: PutAsyncInvokeConfig, GetAsyncInvokeConfig, DeleteAsyncInvokeConfig and
//! ListAsyncInvokeConfigs — how often an async invocation is retried, how old an event may get before it is
//! dropped, where the outcome is sent (`destinationConfig`), and whether invocations are tracked as tasks. Set per
//! function and qualifier (`LATEST` when none is given).

use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ListOptions, Page, function_path, page, paged, qualifier_query};
use crate::client::{Client, validate};
use crate::wire::FC3_API_VERSION;
use crate::{FcError, InputField};

/// The longest an event may wait, in seconds (7 days).
pub const MAX_EVENT_AGE_SECONDS: u32 = 604_800;
/// The most retries of a failed async invocation.
pub const MAX_RETRY_ATTEMPTS: u32 = 8;

/// Where an outcome is sent: an ARN, `acs:fc:{region}:{account}:functions/{name}` for a function,
/// `acs:mns:{region}:{account}:/queues/{queue}/messages` for an MNS queue, ….
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Destination {
    /// The destination's ARN.
    pub destination: Option<String>,
}

impl Destination {
    /// The destination `arn`.
    pub fn arn(arn: impl Into<String>) -> Self {
        Destination { destination: Some(arn.into()) }
    }
}

/// Where successes and failures go.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DestinationConfig {
    /// Where a success's record goes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_success: Option<Destination>,
    /// Where a failure's record goes (after the last retry, or when the event got too old).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<Destination>,
}

/// An async invoke config, as FC reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AsyncConfig {
    /// The function's ARN.
    pub function_arn: Option<String>,
    /// The oldest an event may get before it is dropped, in seconds.
    pub max_async_event_age_in_seconds: Option<u32>,
    /// Retries after a failed invocation.
    pub max_async_retry_attempts: Option<u32>,
    /// Whether invocations are tracked as tasks (`x-fc-async-task-id`).
    pub async_task: Option<bool>,
    /// Where outcomes go.
    pub destination_config: Option<DestinationConfig>,
    /// When it was created.
    pub created_time: Option<String>,
    /// When it last changed.
    pub last_modified_time: Option<String>,
}

/// PutAsyncInvokeConfig's request: every field optional (FC's defaults: 86400 s, 3 retries, no destinations).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PutAsyncInvokeConfigInput {
    /// The oldest an event may get, in seconds: 1 to 604800.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_async_event_age_in_seconds: Option<u32>,
    /// Retries after a failed invocation: 0 to 8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_async_retry_attempts: Option<u32>,
    /// Track invocations as tasks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub async_task: Option<bool>,
    /// Where outcomes go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination_config: Option<DestinationConfig>,
}

impl PutAsyncInvokeConfigInput {
    /// FC's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retry a failed invocation `attempts` times (0 to 8).
    pub fn retries(mut self, attempts: u32) -> Self {
        self.max_async_retry_attempts = Some(attempts);
        self
    }

    /// Drop events older than `seconds` (1 to 604800).
    pub fn max_event_age(mut self, seconds: u32) -> Self {
        self.max_async_event_age_in_seconds = Some(seconds);
        self
    }

    /// Track invocations as tasks.
    pub fn async_task(mut self, enabled: bool) -> Self {
        self.async_task = Some(enabled);
        self
    }

    /// Send each success's record to `arn`.
    pub fn on_success(mut self, arn: impl Into<String>) -> Self {
        self.destination_config.get_or_insert_with(DestinationConfig::default).on_success = Some(Destination::arn(arn));
        self
    }

    /// Send each failure's record to `arn`.
    pub fn on_failure(mut self, arn: impl Into<String>) -> Self {
        self.destination_config.get_or_insert_with(DestinationConfig::default).on_failure = Some(Destination::arn(arn));
        self
    }

    /// The ranges FC takes, and destination ARNs that can travel.
    fn check(&self) -> Result<(), FcError> {
        if let Some(age) = self.max_async_event_age_in_seconds
            && !(1..=MAX_EVENT_AGE_SECONDS).contains(&age)
        {
            return Err(FcError::invalid_input(
                InputField::Setting,
                format!("maxAsyncEventAgeInSeconds {age} is not between 1 and {MAX_EVENT_AGE_SECONDS}"),
            ));
        }
        if let Some(retries) = self.max_async_retry_attempts
            && retries > MAX_RETRY_ATTEMPTS
        {
            return Err(FcError::invalid_input(
                InputField::Setting,
                format!("maxAsyncRetryAttempts {retries} is more than {MAX_RETRY_ATTEMPTS}"),
            ));
        }
        let destinations = self.destination_config.iter().flat_map(|d| [&d.on_success, &d.on_failure]);
        for arn in destinations.flatten().filter_map(|d| d.destination.as_deref()) {
            if !arn.starts_with("acs:") {
                return Err(FcError::invalid_input(
                    InputField::Setting,
                    format!("destination {arn:?} is not an ARN (acs:…)"),
                ));
            }
        }
        Ok(())
    }
}

impl Client {
    /// PutAsyncInvokeConfig: creates or replaces `function`'s config for `qualifier` (`LATEST` when `None`).
    pub async fn put_async_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
        input: &PutAsyncInvokeConfigInput,
    ) -> Result<AsyncConfig, FcError> {
        validate::fc3_function(function)?;
        input.check()?;
        let path = function_path(function, "/async-invoke-config");
        let call = Call::new("PutAsyncInvokeConfig", Method::PUT, function, path)
            .query(qualifier_query(qualifier)?)
            .json(input)?;
        self.manage_json(call).await
    }

    /// GetAsyncInvokeConfig; none set is [`ErrorCode::AsyncConfigNotExists`](crate::ErrorCode::AsyncConfigNotExists).
    pub async fn get_async_invoke_config(
        &self,
        function: &str,
        qualifier: Option<&str>,
    ) -> Result<AsyncConfig, FcError> {
        validate::fc3_function(function)?;
        let path = function_path(function, "/async-invoke-config");
        let call = Call::new("GetAsyncInvokeConfig", Method::GET, function, path).query(qualifier_query(qualifier)?);
        self.manage_json(call).await
    }

    /// DeleteAsyncInvokeConfig: FC's defaults apply again.
    pub async fn delete_async_invoke_config(&self, function: &str, qualifier: Option<&str>) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        let path = function_path(function, "/async-invoke-config");
        let call =
            Call::new("DeleteAsyncInvokeConfig", Method::DELETE, function, path).query(qualifier_query(qualifier)?);
        self.manage(call).await.map(drop)
    }

    /// One page of ListAsyncInvokeConfigs, the account's or (with `function`) one function's.
    pub async fn list_async_invoke_configs(
        &self,
        function: Option<&str>,
        options: &ListOptions,
    ) -> Result<Page<AsyncConfig>, FcError> {
        let mut query = options.query(false)?;
        if let Some(function) = function {
            validate::fc3_function(function)?;
            query.push(("functionName", function.to_owned()));
        }
        let path = format!("/{FC3_API_VERSION}/async-invoke-configs");
        let call = Call::new("ListAsyncInvokeConfigs", Method::GET, function.unwrap_or_default(), path).query(query);
        page(self.manage_json(call).await?, "configs")
    }

    /// Every async invoke config (of `function`, when given), page after page as the stream is polled.
    pub fn async_invoke_configs<'a>(
        &'a self,
        function: Option<&'a str>,
    ) -> impl futures_util::Stream<Item = Result<AsyncConfig, FcError>> + Send + Unpin + 'a {
        paged(
            ListOptions::new(),
            move |options| async move { self.list_async_invoke_configs(function, &options).await },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_settings_are_refused() {
        assert!(PutAsyncInvokeConfigInput::new().retries(9).check().is_err());
        assert!(PutAsyncInvokeConfigInput::new().max_event_age(0).check().is_err());
        assert!(PutAsyncInvokeConfigInput::new().max_event_age(604_801).check().is_err());
        assert!(PutAsyncInvokeConfigInput::new().on_failure("queue").check().is_err());
        let ok = PutAsyncInvokeConfigInput::new().retries(0).max_event_age(60).on_success("acs:fc:r::functions/x");
        ok.check().unwrap();
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"maxAsyncEventAgeInSeconds": 60, "maxAsyncRetryAttempts": 0,
                "destinationConfig": {"onSuccess": {"destination": "acs:fc:r::functions/x"}}})
        );
    }
}
