//! A RAM role assumed with another provider's credentials (`AssumeRole`, RPC-signed).

use std::fmt;
use std::sync::Arc;

use super::{BoxFuture, Credentials, CredentialsProvider, RefreshingCredentials, RoleOptions};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "ram_role_arn";

/// Temporary credentials for a RAM role, assumed with the credentials of another provider (an access key, or
/// temporary credentials: role chaining sends their security token along).
///
/// Each refresh asks the source first, so a source that rotates (an ECS role, another role) is followed.
/// Credentials are cached and refreshed by [`RefreshingCredentials`].
///
/// ```
/// use fc_runtime::Credentials;
/// use fc_runtime::credentials::{RamRoleArnCredentials, RoleOptions};
/// let provider = RamRoleArnCredentials::new(
///     Credentials::new("LTAI...", "secret"),
///     "acs:ram::123456789012:role/deployer",
///     RoleOptions::new().role_session_name("deploy"),
/// )?;
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
pub struct RamRoleArnCredentials {
    role_arn: String,
    source: Arc<dyn CredentialsProvider>,
    cache: RefreshingCredentials,
}

impl fmt::Debug for RamRoleArnCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RamRoleArnCredentials")
            .field("role_arn", &self.role_arn)
            .field("source", &self.source)
            .field("cache", &self.cache)
            .finish()
    }
}

impl RamRoleArnCredentials {
    /// Assumes `role_arn` with the credentials `source` gives.
    pub fn new(
        source: impl CredentialsProvider + 'static,
        role_arn: impl Into<String>,
        options: RoleOptions,
    ) -> Result<Self, FcError> {
        Self::with_source(Arc::new(source), role_arn, options)
    }

    pub(crate) fn with_source(
        source: Arc<dyn CredentialsProvider>,
        role_arn: impl Into<String>,
        options: RoleOptions,
    ) -> Result<Self, FcError> {
        let role_arn = role_arn.into();
        if role_arn.trim().is_empty() {
            return Err(FcError::credentials(NAME, CredentialsErrorKind::Invalid, "the role ARN is empty"));
        }
        let sts = Arc::new(options.resolve(NAME)?);
        let arn = Arc::<str>::from(role_arn.as_str());
        let from = source.clone();
        let mut cache = RefreshingCredentials::new(move || {
            let (sts, arn, from) = (sts.clone(), arn.clone(), from.clone());
            async move {
                let signer = from.credentials().await.map_err(|e| {
                    FcError::credentials_caused_by(
                        NAME,
                        CredentialsErrorKind::NotConfigured,
                        format!("the source credentials are unavailable: {}", super::reason_of(&e)),
                        e,
                    )
                })?;
                signer
                    .validate()
                    .map_err(|e| FcError::credentials(NAME, CredentialsErrorKind::Invalid, super::reason_of(&e)))?;
                sts.assume_role(NAME, &arn, &signer).await
            }
        })
        .named(NAME)
        .clock(options.clock.clone());
        if let Some(window) = options.refresh_window {
            cache = cache.refresh_window(window);
        }
        Ok(RamRoleArnCredentials { role_arn, source, cache })
    }
}

impl CredentialsProvider for RamRoleArnCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        self.cache.credentials()
    }
}
