//! RRSA: an OIDC token file (projected into the pod by ACK) exchanged at STS with `AssumeRoleWithOIDC`.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use super::{BoxFuture, Credentials, CredentialsProvider, Environment, RefreshingCredentials, RoleOptions};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "oidc_role_arn";

/// Temporary credentials for a RAM role, obtained with an OIDC token (RRSA on ACK).
///
/// The token file is read again at every refresh (RRSA rotates it); surrounding whitespace, such as a trailing
/// newline, is trimmed. Credentials are cached and refreshed by [`RefreshingCredentials`].
///
/// ```no_run
/// use fc_runtime::credentials::{OidcRoleCredentials, RoleOptions};
/// let provider = OidcRoleCredentials::new(
///     "acs:ram::123456789012:role/reader",
///     "acs:ram::123456789012:oidc-provider/ack-rrsa",
///     "/var/run/secrets/ack.alibabacloud.com/rrsa-tokens/token",
///     RoleOptions::new().sts_region("cn-hangzhou"),
/// )?;
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
pub struct OidcRoleCredentials {
    role_arn: String,
    token_file: PathBuf,
    cache: RefreshingCredentials,
}

impl fmt::Debug for OidcRoleCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcRoleCredentials")
            .field("role_arn", &self.role_arn)
            .field("token_file", &self.token_file)
            .field("cache", &self.cache)
            .finish()
    }
}

impl OidcRoleCredentials {
    /// A provider for `role_arn`, trusting `oidc_provider_arn`, with the token in `token_file`.
    pub fn new(
        role_arn: impl Into<String>,
        oidc_provider_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
        options: RoleOptions,
    ) -> Result<Self, FcError> {
        let role_arn = role_arn.into();
        let provider_arn = oidc_provider_arn.into();
        let token_file = token_file.into();
        for (what, value) in [("role ARN", &role_arn), ("OIDC provider ARN", &provider_arn)] {
            if value.trim().is_empty() {
                return Err(FcError::credentials(NAME, CredentialsErrorKind::Invalid, format!("the {what} is empty")));
            }
        }
        let sts = Arc::new(options.resolve(NAME)?);
        let (arn, file) = (Arc::<str>::from(role_arn.as_str()), token_file.clone());
        let provider_arn = Arc::<str>::from(provider_arn);
        let mut cache = RefreshingCredentials::new(move || {
            let (sts, arn, provider_arn, file) = (sts.clone(), arn.clone(), provider_arn.clone(), file.clone());
            async move {
                let token = read_token(&file).await?;
                sts.assume_role_with_oidc(NAME, &arn, &provider_arn, &token).await
            }
        })
        .named(NAME)
        .clock(options.clock.clone());
        if let Some(window) = options.refresh_window {
            cache = cache.refresh_window(window);
        }
        Ok(OidcRoleCredentials { role_arn, token_file, cache })
    }

    /// The provider the environment describes: `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE` (all three needed; otherwise `NotConfigured`) and the optional
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`, with STS from `options` or the environment.
    pub fn from_environment(env: &Environment, options: RoleOptions) -> Result<Self, FcError> {
        let vars = ["ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"];
        let [role, provider, file] = vars.map(|v| env.get(v));
        match (role, provider, file) {
            (Some(role), Some(provider), Some(file)) => {
                Self::new(role, provider, file, options.environment(env.clone()))
            }
            _ => {
                let missing: Vec<&str> = vars.into_iter().filter(|v| env.get(v).is_none()).collect();
                Err(FcError::credentials(
                    NAME,
                    CredentialsErrorKind::NotConfigured,
                    format!("{} not set", missing.join(", ")),
                ))
            }
        }
    }
}

async fn read_token(file: &std::path::Path) -> Result<String, FcError> {
    let token = super::read_file(file).await.map_err(|e| {
        FcError::credentials_caused_by(
            NAME,
            CredentialsErrorKind::Invalid,
            format!("cannot read the OIDC token file {}", file.display()),
            e,
        )
    })?;
    let token = String::from_utf8_lossy(&token);
    let token = token.trim();
    if token.is_empty() {
        return Err(FcError::credentials(
            NAME,
            CredentialsErrorKind::Invalid,
            format!("the OIDC token file {} is empty", file.display()),
        ));
    }
    Ok(token.to_owned())
}

impl CredentialsProvider for OidcRoleCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        self.cache.credentials()
    }
}
