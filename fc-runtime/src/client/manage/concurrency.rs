//! Concurrency: PutConcurrencyConfig, GetConcurrencyConfig and DeleteConcurrencyConfig — the instances a function
//! may run at once, reserved from the account's.

use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, function_path};
use crate::client::{Client, validate};
use crate::{FcError, InputField};

/// A function's concurrency config.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConcurrencyConfig {
    /// The function's ARN.
    pub function_arn: Option<String>,
    /// The invocations it may run at once (0 stops it from running at all).
    pub reserved_concurrency: Option<u32>,
}

impl Client {
    /// PutConcurrencyConfig: `function` may run at most `reserved` invocations at once; more are refused with 429.
    pub async fn put_concurrency_config(&self, function: &str, reserved: u32) -> Result<ConcurrencyConfig, FcError> {
        validate::fc3_function(function)?;
        if reserved > 100_000 {
            return Err(FcError::invalid_input(
                InputField::Setting,
                format!("reservedConcurrency {reserved} is not plausible"),
            ));
        }
        let body = serde_json::json!({ "reservedConcurrency": reserved });
        let call = Call::new("PutConcurrencyConfig", Method::PUT, function, function_path(function, "/concurrency"))
            .json(&body)?;
        self.manage_json(call).await
    }

    /// GetConcurrencyConfig.
    pub async fn get_concurrency_config(&self, function: &str) -> Result<ConcurrencyConfig, FcError> {
        validate::fc3_function(function)?;
        let path = function_path(function, "/concurrency");
        self.manage_json(Call::new("GetConcurrencyConfig", Method::GET, function, path)).await
    }

    /// DeleteConcurrencyConfig: the function's concurrency is the account's again.
    pub async fn delete_concurrency_config(&self, function: &str) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        let path = function_path(function, "/concurrency");
        self.manage(Call::new("DeleteConcurrencyConfig", Method::DELETE, function, path)).await.map(drop)
    }
}
