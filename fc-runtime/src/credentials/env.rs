//! Credentials from `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and
//! `ALIBABA_CLOUD_SECURITY_TOKEN`: the first link of the chain, and what fires inside Function Compute.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{BoxFuture, Credentials, CredentialsProvider, Environment};
use crate::FcError;
use crate::error::CredentialsErrorKind;

/// How long the variables read are used before they are read again.
const REREAD: Duration = Duration::from_secs(1);

/// Credentials read from the `ALIBABA_CLOUD_*` environment variables, read again at most once a second, so that
/// a rotated STS token in the environment is picked up. While the values stay the same, the same credentials are
/// handed out (the client prepares their signing key once, not for every request). A missing or empty key id or
/// secret is a [`NotConfigured`](CredentialsErrorKind::NotConfigured) error naming the variable.
#[derive(Debug, Default)]
pub struct EnvCredentials {
    env: Environment,
    /// The credentials last handed out, and when the variables were read for them.
    last: Mutex<Option<(Instant, Credentials)>>,
}

impl Clone for EnvCredentials {
    fn clone(&self) -> Self {
        EnvCredentials::with_environment(self.env.clone())
    }
}

impl EnvCredentials {
    /// Reads the process environment.
    pub fn new() -> Self {
        EnvCredentials::default()
    }

    /// Reads `env` instead of the process environment.
    pub fn with_environment(env: Environment) -> Self {
        EnvCredentials { env, last: Mutex::new(None) }
    }

    /// The credentials to hand out: the last ones while they are fresh or the variables still say the same.
    fn current(&self) -> Result<Credentials, FcError> {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((read_at, credentials)) = last.as_ref()
            && read_at.elapsed() < REREAD
        {
            return Ok(credentials.clone());
        }
        let fresh = self.read()?;
        let keep = match last.take() {
            Some((_, old)) if old.same_values(&fresh) => old,
            _ => fresh,
        };
        *last = Some((Instant::now(), keep.clone()));
        Ok(keep)
    }

    pub(crate) fn read(&self) -> Result<Credentials, FcError> {
        Credentials::from_lookup(|k| self.env.var(k))
            .map_err(|e| FcError::credentials("env", CredentialsErrorKind::NotConfigured, super::reason_of(&e)))
    }
}

impl CredentialsProvider for EnvCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        // Checked by the client, like every provider's answer.
        let current = self.current();
        Box::pin(async move { current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_values_are_handed_out_as_the_same_credentials() {
        let env = Environment::from_vars([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "t"),
        ]);
        let provider = EnvCredentials::with_environment(env);
        let first = provider.current().unwrap();
        // Past the re-read, the values are the same: the same allocations, so the client's prepared key is reused.
        provider.last.lock().unwrap().as_mut().unwrap().0 -= REREAD;
        let again = provider.current().unwrap();
        assert!(first.is_same(&again));
        let fresh = provider.read().unwrap();
        assert!(!first.is_same(&fresh) && first.same_values(&fresh));
    }
}
