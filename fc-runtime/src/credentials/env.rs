//! Credentials from `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and
//! `ALIBABA_CLOUD_SECURITY_TOKEN`: the first link of the chain, and what fires inside Function Compute.

use super::{BoxFuture, Credentials, CredentialsProvider, Environment};
use crate::FcError;
use crate::error::CredentialsErrorKind;

/// Credentials read from the `ALIBABA_CLOUD_*` environment variables at every request, so that a rotated STS
/// token in the environment is picked up. A missing or empty key id or secret is a
/// [`NotConfigured`](CredentialsErrorKind::NotConfigured) error naming the variable.
#[derive(Debug, Clone, Default)]
pub struct EnvCredentials {
    env: Environment,
}

impl EnvCredentials {
    /// Reads the process environment.
    pub fn new() -> Self {
        EnvCredentials::default()
    }

    /// Reads `env` instead of the process environment.
    pub fn with_environment(env: Environment) -> Self {
        EnvCredentials { env }
    }

    pub(crate) fn read(&self) -> Result<Credentials, FcError> {
        Credentials::from_lookup(|k| self.env.var(k))
            .map_err(|e| FcError::credentials("env", CredentialsErrorKind::NotConfigured, super::reason_of(&e)))
    }
}

impl CredentialsProvider for EnvCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        // Checked by the client, like every provider's answer.
        let read = self.read();
        Box::pin(async move { read })
    }
}
