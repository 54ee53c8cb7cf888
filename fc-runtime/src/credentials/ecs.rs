//! The ECS instance's RAM role, from instance metadata (IMDS): a v2 token, role discovery, the credentials.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue};

use super::{BoxFuture, Clock, Credentials, CredentialsProvider, Environment, RefreshingCredentials};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "ecs_ram_role";
/// The instance metadata service.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://100.100.100.200";
const TOKEN_TTL: HeaderName = HeaderName::from_static("x-aliyun-ecs-metadata-token-ttl-seconds");
const TOKEN: HeaderName = HeaderName::from_static("x-aliyun-ecs-metadata-token");
/// How long one metadata exchange may take (the official libraries: connect 1 s, read 1 s).
const METADATA_TIMEOUT: Duration = Duration::from_secs(2);
const ROLES_PATH: &str = "/latest/meta-data/ram/security-credentials/";

/// Temporary credentials of the ECS instance's RAM role.
///
/// Each refresh asks instance metadata for a session token (IMDSv2: `PUT /latest/api/token`, 6 hours); without
/// one it continues without the token header (IMDSv1) unless v1 is disabled. The role is the configured one, or
/// discovered (`GET /latest/meta-data/ram/security-credentials/`); a request made with the token that fails is
/// repeated once without it, as the official Python, Java and Node libraries do. Credentials are cached and
/// refreshed by [`RefreshingCredentials`].
///
/// ```
/// use fc_runtime::credentials::EcsRamRoleCredentials;
/// let provider = EcsRamRoleCredentials::builder().role_name("app-role").build()?;
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
pub struct EcsRamRoleCredentials {
    endpoint: reqwest::Url,
    role_name: Option<String>,
    cache: RefreshingCredentials,
}

impl fmt::Debug for EcsRamRoleCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcsRamRoleCredentials")
            .field("endpoint", &self.endpoint.as_str())
            .field("role_name", &self.role_name)
            .field("cache", &self.cache)
            .finish()
    }
}

/// Builds an [`EcsRamRoleCredentials`].
#[derive(Debug, Clone, Default)]
pub struct EcsRamRoleBuilder {
    role_name: Option<String>,
    endpoint: Option<String>,
    imdsv1_disabled: bool,
    clock: Clock,
    refresh_window: Option<Duration>,
}

impl EcsRamRoleBuilder {
    /// The role (default: discovered from instance metadata).
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into()).filter(|n| !n.trim().is_empty());
        self
    }

    /// The metadata endpoint (default `http://100.100.100.200`): a host, `host:port` or an `http://` URL.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// Require the IMDSv2 token (no fallback to requests without it).
    pub fn imdsv1_disabled(mut self, disabled: bool) -> Self {
        self.imdsv1_disabled = disabled;
        self
    }

    /// The clock expirations are compared with.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The longest early-refresh window (see [`RefreshingCredentials`]).
    pub fn refresh_window(mut self, window: Duration) -> Self {
        self.refresh_window = Some(window);
        self
    }

    /// The provider.
    pub fn build(self) -> Result<EcsRamRoleCredentials, FcError> {
        let endpoint = super::endpoint_url(
            NAME,
            "metadata endpoint",
            self.endpoint.as_deref().unwrap_or(DEFAULT_METADATA_ENDPOINT),
            "http",
        )?;
        if let Some(role) = &self.role_name {
            check_role_name(role)?;
        }
        let imds = Arc::new(Imds { endpoint: endpoint.clone(), v1_disabled: self.imdsv1_disabled });
        let role = self.role_name.clone().map(Arc::<str>::from);
        let mut cache = RefreshingCredentials::new(move || {
            let (imds, role) = (imds.clone(), role.clone());
            async move { imds.fetch(role.as_deref()).await }
        })
        .named(NAME)
        .clock(self.clock);
        if let Some(window) = self.refresh_window {
            cache = cache.refresh_window(window);
        }
        Ok(EcsRamRoleCredentials { endpoint, role_name: self.role_name, cache })
    }
}

fn check_role_name(role: &str) -> Result<(), FcError> {
    // The name becomes a path segment.
    if role.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.@+=,".contains(&b)) {
        Ok(())
    } else {
        Err(FcError::credentials(
            NAME,
            CredentialsErrorKind::Invalid,
            format!("the role name {role:?} has characters a RAM role name cannot have"),
        ))
    }
}

impl EcsRamRoleCredentials {
    /// A builder.
    pub fn builder() -> EcsRamRoleBuilder {
        EcsRamRoleBuilder::default()
    }

    /// The provider the environment describes: `ALIBABA_CLOUD_ECS_METADATA` (the role; discovered when unset),
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`, and the endpoint override `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`.
    /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` turns it off (`NotConfigured`), whatever the endpoint.
    pub fn from_environment(env: &Environment) -> Result<Self, FcError> {
        Self::builder_from_environment(env)?.build()
    }

    pub(crate) fn builder_from_environment(env: &Environment) -> Result<EcsRamRoleBuilder, FcError> {
        if env.flag("ALIBABA_CLOUD_ECS_METADATA_DISABLED") {
            return Err(FcError::credentials(
                NAME,
                CredentialsErrorKind::NotConfigured,
                "disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED",
            ));
        }
        let mut builder = Self::builder_for(env);
        if let Some(role) = env.get("ALIBABA_CLOUD_ECS_METADATA") {
            builder = builder.role_name(role);
        }
        Ok(builder)
    }

    /// A builder with the environment's metadata settings (`ALIBABA_CLOUD_IMDSV1_DISABLED`, the endpoint
    /// override), for a profile that names this provider explicitly.
    pub(crate) fn builder_for(env: &Environment) -> EcsRamRoleBuilder {
        let mut builder =
            EcsRamRoleBuilder { imdsv1_disabled: env.flag("ALIBABA_CLOUD_IMDSV1_DISABLED"), ..Default::default() };
        if let Some(endpoint) = env.get("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT") {
            builder = builder.endpoint(endpoint);
        }
        builder
    }
}

impl CredentialsProvider for EcsRamRoleCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        self.cache.credentials()
    }
}

struct Imds {
    endpoint: reqwest::Url,
    v1_disabled: bool,
}

impl Imds {
    fn url(&self, path: &str) -> reqwest::Url {
        let mut url = self.endpoint.clone();
        url.set_path(path);
        url
    }

    /// One refresh: token, role, credentials.
    async fn fetch(&self, role: Option<&str>) -> Result<Credentials, FcError> {
        let http = super::metadata_http(NAME)?;
        let token = self.token(&http).await?;
        let role = match role {
            Some(role) => role.to_owned(),
            None => {
                let body = self.get(&http, ROLES_PATH, token.as_ref(), "the role name").await?;
                let role = String::from_utf8_lossy(&body).trim().to_owned();
                if role.is_empty() {
                    return Err(FcError::credentials(
                        NAME,
                        CredentialsErrorKind::NotConfigured,
                        "instance metadata names no RAM role: attach one to the instance",
                    ));
                }
                check_role_name(&role)?;
                role
            }
        };
        let path = format!("{ROLES_PATH}{role}");
        let body = self.get(&http, &path, token.as_ref(), &format!("the credentials of role {role}")).await?;
        let answer: super::TemporaryCredentials = super::parse_json(NAME, &body)?;
        match answer.code.as_deref() {
            Some("Success") => answer.into_credentials(NAME),
            Some(code) => Err(FcError::credentials(
                NAME,
                CredentialsErrorKind::Refused,
                format!("instance metadata answered Code {code:?} for role {role}"),
            )),
            None => Err(FcError::credentials(NAME, CredentialsErrorKind::Malformed, "the answer has no Code")),
        }
    }

    /// The IMDSv2 session token; `None` (continue with v1) when it cannot be had and v1 is allowed.
    async fn token(&self, http: &reqwest::Client) -> Result<Option<HeaderValue>, FcError> {
        let request = http
            .put(self.url("/latest/api/token"))
            .timeout(METADATA_TIMEOUT)
            .header(TOKEN_TTL, HeaderValue::from_static("21600"));
        let outcome = super::exchange(NAME, "instance metadata (token)", request).await;
        let failure = match outcome {
            Ok((status, body)) if status == reqwest::StatusCode::OK => {
                match HeaderValue::from_bytes(body.trim_ascii()) {
                    Ok(mut value) if !body.trim_ascii().is_empty() => {
                        value.set_sensitive(true);
                        return Ok(Some(value));
                    }
                    _ => FcError::credentials(
                        NAME,
                        CredentialsErrorKind::Malformed,
                        "the metadata token is not a header value",
                    ),
                }
            }
            Ok((status, _)) => FcError::credentials(
                NAME,
                CredentialsErrorKind::Refused,
                format!("instance metadata refused a token with HTTP {}", status.as_u16()),
            ),
            Err(e) => e,
        };
        if self.v1_disabled {
            return Err(FcError::credentials_caused_by(
                NAME,
                failure.as_credentials().map_or(CredentialsErrorKind::Unreachable, |c| c.kind),
                "no metadata token, and ALIBABA_CLOUD_IMDSV1_DISABLED forbids going on without one",
                failure,
            ));
        }
        tracing::debug!(error = %failure, "no metadata token; continuing without it (IMDSv1)");
        Ok(None)
    }

    /// GETs `path`, with the token when there is one; a failure with the token is retried once without it
    /// (unless v1 is disabled).
    async fn get(
        &self,
        http: &reqwest::Client,
        path: &str,
        token: Option<&HeaderValue>,
        what: &str,
    ) -> Result<bytes::Bytes, FcError> {
        let once = |token: Option<&HeaderValue>| {
            let mut request = http.get(self.url(path)).timeout(METADATA_TIMEOUT);
            if let Some(token) = token {
                request = request.header(TOKEN, token.clone());
            }
            async move {
                let (status, body) = super::exchange(NAME, &format!("instance metadata ({what})"), request).await?;
                match status.as_u16() {
                    200 => Ok(body),
                    404 => Err(FcError::credentials(
                        NAME,
                        CredentialsErrorKind::NotConfigured,
                        format!("instance metadata has no {what} (HTTP 404)"),
                    )),
                    other => Err(FcError::credentials(
                        NAME,
                        CredentialsErrorKind::Refused,
                        format!("instance metadata refused {what} with HTTP {other}"),
                    )),
                }
            }
        };
        match once(token).await {
            // When the retry fails too, the first answer (with the token) is the one to report.
            Err(first) if token.is_some() && !self.v1_disabled => once(None).await.map_err(|_| first),
            outcome => outcome,
        }
    }
}
