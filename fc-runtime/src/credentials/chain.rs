//! The default chain, in the official libraries' order.

use std::fmt;
use std::sync::{Arc, OnceLock};

use super::{
    BoxFuture, CliProfileCredentials, Credentials, CredentialsProvider, EcsRamRoleCredentials, EnvCredentials,
    Environment, OidcRoleCredentials, ProfileFileCredentials, RoleOptions, UriCredentials,
};
use crate::FcError;
use crate::error::Setting;

/// One link: a provider, or why it is not in the chain here.
struct Link {
    name: &'static str,
    provider: Result<Arc<dyn CredentialsProvider>, String>,
}

/// The default credentials chain of the official Alibaba Cloud libraries:
///
/// 1. `env`: `ALIBABA_CLOUD_ACCESS_KEY_ID` + `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (+ `ALIBABA_CLOUD_SECURITY_TOKEN`);
/// 2. `oidc_role_arn` (RRSA): when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and
///    `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set ([`OidcRoleCredentials`]);
/// 3. `cli_profile`: `~/.aliyun/config.json` ([`CliProfileCredentials`]), unless
///    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`;
/// 4. `profile`: `~/.alibabacloud/credentials` ([`ProfileFileCredentials`]);
/// 5. `ecs_ram_role`: instance metadata ([`EcsRamRoleCredentials`]), unless
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true`;
/// 6. `credentials_uri`: when `ALIBABA_CLOUD_CREDENTIALS_URI` is set ([`UriCredentials`]).
///
/// The environment is read when the chain is built. The first provider that **succeeds** is kept for every later
/// request (its own cache refreshes it); a provider that fails does not stick, so the next request walks the
/// chain again. When none succeeds, the error is one [`FcError::Config`] listing each provider in order and why
/// it was skipped or failed — never a secret.
///
/// ```no_run
/// use fc_runtime::Client;
/// use fc_runtime::credentials::DefaultCredentialsChain;
/// let client = Client::builder()
///     .account("123456789012", "cn-hangzhou")
///     .credentials_provider(DefaultCredentialsChain::new())
///     .build()?;
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
pub struct DefaultCredentialsChain {
    links: Vec<Link>,
    sticky: bool,
    chosen: OnceLock<usize>,
    /// Held while walking the chain, so that concurrent first requests walk it once.
    walking: tokio::sync::Mutex<()>,
}

impl fmt::Debug for DefaultCredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let links: Vec<&str> = self.links.iter().filter(|l| l.provider.is_ok()).map(|l| l.name).collect();
        f.debug_struct("DefaultCredentialsChain")
            .field("providers", &links)
            .field("chosen", &self.chosen_provider())
            .finish_non_exhaustive()
    }
}

impl Default for DefaultCredentialsChain {
    fn default() -> Self {
        Self::new()
    }
}

impl DefaultCredentialsChain {
    /// The chain the process environment describes.
    pub fn new() -> Self {
        Self::from_environment(Environment::process())
    }

    /// The chain `env` describes (variables and home directory), for tests or another environment.
    pub fn from_environment(env: Environment) -> Self {
        let link = |name: &'static str, provider: Result<Arc<dyn CredentialsProvider>, FcError>| Link {
            name,
            provider: provider.map_err(|e| super::reason_of(&e)),
        };
        let role = || RoleOptions::new().environment(env.clone());
        let links = vec![
            link("env", Ok(Arc::new(EnvCredentials::with_environment(env.clone())))),
            link("oidc_role_arn", OidcRoleCredentials::from_environment(&env, role()).map(|p| Arc::new(p) as _)),
            link("cli_profile", CliProfileCredentials::from_environment(&env).map(|p| Arc::new(p) as _)),
            link("profile", ProfileFileCredentials::from_environment(&env).map(|p| Arc::new(p) as _)),
            link("ecs_ram_role", EcsRamRoleCredentials::from_environment(&env).map(|p| Arc::new(p) as _)),
            link("credentials_uri", UriCredentials::from_environment(&env).map(|p| Arc::new(p) as _)),
        ];
        DefaultCredentialsChain { links, sticky: true, chosen: OnceLock::new(), walking: tokio::sync::Mutex::new(()) }
    }

    /// Whether to keep the first provider that succeeds (default `true`, as the official libraries do). With
    /// `false`, every request walks the chain from the start (each provider still caches its own credentials).
    pub fn sticky(mut self, sticky: bool) -> Self {
        self.sticky = sticky;
        self
    }

    /// The providers in the chain here, in order (those skipped by the environment are left out).
    pub fn providers(&self) -> Vec<&'static str> {
        self.links.iter().filter(|l| l.provider.is_ok()).map(|l| l.name).collect()
    }

    /// The provider kept after the first success, if any yet.
    pub fn chosen_provider(&self) -> Option<&'static str> {
        self.chosen.get().map(|&i| self.links[i].name)
    }

    async fn resolve(&self) -> Result<Credentials, FcError> {
        if let Some(Ok(provider)) = self.chosen.get().map(|&i| &self.links[i].provider) {
            return provider.credentials().await;
        }
        let _walking = if self.sticky { Some(self.walking.lock().await) } else { None };
        if let Some(Ok(provider)) = self.chosen.get().map(|&i| &self.links[i].provider) {
            return provider.credentials().await;
        }
        let mut reasons = Vec::with_capacity(self.links.len());
        for (i, link) in self.links.iter().enumerate() {
            match &link.provider {
                Err(skipped) => reasons.push(format!("{}. {}: skipped: {skipped}", i + 1, link.name)),
                Ok(provider) => match provider.credentials().await {
                    Ok(credentials) => {
                        if self.sticky {
                            let _ = self.chosen.set(i);
                        }
                        tracing::debug!(provider = link.name, "credentials from the default chain");
                        return Ok(credentials);
                    }
                    Err(e) => reasons.push(format!("{}. {}: {}", i + 1, link.name, super::reason_of(&e))),
                },
            }
        }
        Err(FcError::config(
            Setting::Credentials,
            format!("no provider of the default chain gave credentials: {}", reasons.join("; ")),
        ))
    }
}

impl CredentialsProvider for DefaultCredentialsChain {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        Box::pin(self.resolve())
    }
}
