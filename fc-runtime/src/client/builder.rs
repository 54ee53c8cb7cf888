//! Building a [`Client`]: endpoint, credentials, timeouts, retries, limits, checked once by `build()`.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use super::{Client, DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT, Inner, validate};
use crate::credentials::CredentialsProvider;
use crate::error::Setting;
use crate::transport::{CredentialSource, HttpSetup, Prepared, Transport};
use crate::{Credentials, Environment, FcError, Limits, RetryPolicy};

/// What the builder was given for credentials; checked in `build()`.
#[derive(Debug)]
enum CredentialsSetting {
    Fixed(Credentials),
    Provider(Arc<dyn CredentialsProvider>),
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use fc_runtime::{Client, Credentials, RetryPolicy};
/// let client = Client::builder()
///     .account("123456789", "cn-hangzhou")
///     .credentials(Credentials::new("keyId", "keySecret"))
///     .timeout(Duration::from_secs(30))
///     .retry(RetryPolicy::attempts(4))
///     .build()?;
/// assert_eq!(client.endpoint(), "https://123456789.cn-hangzhou.fc.aliyuncs.com");
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
/// The order of the calls does not matter: [`endpoint`](Self::endpoint) wins over the endpoint
/// [`account`](Self::account) implies (the account id is still sent), [`internal`](Self::internal) applies to the
/// account endpoint, and contradictions (two different account ids, `internal(true)` with only an explicit
/// endpoint) are [`FcError::Config`] errors from [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    endpoint: Option<String>,
    account: Option<(String, String)>,
    internal: bool,
    account_id: Option<String>,
    credentials: Option<CredentialsSetting>,
    timeout: Duration,
    attempt_timeout: Option<Duration>,
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    retry: RetryPolicy,
    limits: Limits,
    user_agent: String,
    qualifier_override: Option<String>,
    use_env_proxy: bool,
    /// Where the proxy variables are read.
    proxy_env: Environment,
    max_response_bytes: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            endpoint: None,
            account: None,
            internal: false,
            account_id: None,
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            attempt_timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            user_agent: HttpSetup::default().user_agent,
            qualifier_override: None,
            use_env_proxy: true,
            proxy_env: Environment::process(),
            max_response_bytes: HttpSetup::default().max_response_bytes,
        }
    }
}

impl ClientBuilder {
    /// An explicit endpoint URL, e.g. `http://127.0.0.1:9000` (any scheme, host and port; no path). Wins over
    /// the endpoint [`account`](Self::account) implies.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The public endpoint `https://{account_id}.{region}.fc.aliyuncs.com`; also sends `X-Fc-Account-Id`.
    pub fn account(mut self, account_id: impl Into<String>, region: impl Into<String>) -> Self {
        self.account = Some((account_id.into(), region.into()));
        self
    }

    /// Uses the VPC endpoint `{account_id}.{region}-internal.fc.aliyuncs.com` of [`account`](Self::account).
    pub fn internal(mut self, internal: bool) -> Self {
        self.internal = internal;
        self
    }

    /// Sends `X-Fc-Account-Id` with every request (lets a client reach FC through an explicit endpoint). Must
    /// agree with [`account`](Self::account) when both are given.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Fixed credentials, checked once by [`build`](Self::build).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(CredentialsSetting::Fixed(credentials));
        self
    }

    /// A credentials provider, asked before each attempt; each answer is checked before use.
    pub fn credentials_provider(mut self, provider: impl CredentialsProvider + 'static) -> Self {
        self.credentials = Some(CredentialsSetting::Provider(Arc::new(provider)));
        self
    }

    /// The call's deadline: how long a call may take from start to answer, every attempt and every pause
    /// between attempts included (default 120 s). A stub's `timeout = "…"`,
    /// [`InvokeRequest::timeout`](crate::InvokeRequest::timeout) and [`Client::with_timeout`] override it. When it
    /// expires the call ends with [`FcError::Timeout`] of kind [`Call`](crate::TimeoutKind::Call).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest one attempt may take, from connecting until the answer's body is read (default: no limit but
    /// the call's deadline). An attempt that times out is re-sent only when the call is safe to re-send (an
    /// async call with an invocation id, a read); otherwise the call ends with [`FcError::Timeout`] of kind
    /// [`Attempt`](crate::TimeoutKind::Attempt).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }
    /// Connect timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long idle connections stay pooled (default 60 s; keep it under FC's 90 s).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.pool_idle_timeout = timeout;
        self
    }

    /// Retry policy (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Payload limits (default: 32 MB sync, 128 KB async).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// `User-Agent` (default `fc-runtime-rust/{version}`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Replaces the qualifier of every call (e.g. `staging` vs `prod`), whatever the stubs say.
    pub fn qualifier_override(mut self, qualifier: impl Into<String>) -> Self {
        self.qualifier_override = Some(qualifier.into());
        self
    }

    /// Whether to honour the proxy variables of the environment (default true): `HTTPS_PROXY` for an `https`
    /// endpoint, `HTTP_PROXY` for `http`, else `ALL_PROXY` (lower-case names too), except for a loopback
    /// endpoint and the hosts `NO_PROXY` names (`*`, domains with their subdomains, addresses, CIDR blocks). The
    /// choice is made once, by `build()`, for the client's one endpoint; a connection error through a proxy
    /// names it ([`TransportError::proxy`](crate::TransportError::proxy)).
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// The largest answer read (default: 32 MiB, FC's limit on a synchronous answer): a bigger body is a
    /// [`FcError::Decode`] once this many bytes have arrived, without holding more.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Reads the proxy variables from `env` instead of the process environment.
    pub(crate) fn proxy_environment(mut self, env: Environment) -> Self {
        self.proxy_env = env;
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(self) -> Result<Client, FcError> {
        if let (Some((from_account, _)), Some(id)) = (&self.account, &self.account_id)
            && from_account != id
        {
            return Err(FcError::config(
                Setting::AccountId,
                format!("`account({from_account:?}, …)` and `account_id({id:?})` name different accounts"),
            ));
        }
        let account_id = self.account_id.or_else(|| self.account.as_ref().map(|(id, _)| id.clone()));
        if let Some(id) = &account_id {
            check_account_id(Setting::AccountId, id)?;
        }
        let endpoint = match (self.endpoint, self.account) {
            (Some(url), _) if self.internal => {
                return Err(FcError::config(
                    Setting::Endpoint,
                    format!("`internal(true)` selects an account's VPC endpoint, but the endpoint is given as {url:?}"),
                ));
            }
            (Some(url), _) => normalize_url(Setting::Endpoint, &url)?,
            (None, Some((id, region))) => {
                account_endpoint(Setting::AccountId, &id, Setting::Region, &region, self.internal)?
            }
            (None, None) => {
                return Err(FcError::config(
                    Setting::Endpoint,
                    "no endpoint: call `endpoint(url)` or `account(id, region)`",
                ));
            }
        };
        let credentials = match self.credentials {
            None => {
                return Err(FcError::config(
                    Setting::Credentials,
                    "no credentials: call `credentials(..)` or `credentials_provider(..)`",
                ));
            }
            Some(CredentialsSetting::Fixed(c)) => CredentialSource::Fixed(Arc::new(Prepared::new(c)?)),
            Some(CredentialsSetting::Provider(p)) => CredentialSource::Provider(p),
        };
        if let Some(q) = &self.qualifier_override {
            validate::qualifier(q).map_err(|e| FcError::config(Setting::QualifierOverride, e.to_string()))?;
        }
        let base_url = reqwest::Url::parse(&endpoint).map_err(|e| FcError::config(Setting::Endpoint, e.to_string()))?;
        let setup = HttpSetup {
            user_agent: self.user_agent,
            connect_timeout: self.connect_timeout,
            pool_idle_timeout: self.pool_idle_timeout,
            proxy_env: self.use_env_proxy.then_some(self.proxy_env),
            max_response_bytes: self.max_response_bytes,
        };
        let http = setup.build(&base_url)?;
        let account_header =
            account_id.as_deref().map(|id| HeaderValue::from_str(id).expect("an account id is digits"));
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport::new(
                    http,
                    base_url,
                    credentials,
                    account_header,
                    self.retry,
                    self.attempt_timeout,
                )?,
                endpoint,
                account_id,
                timeout: self.timeout,
                limits: self.limits,
            }),
            qualifier_override: self.qualifier_override.map(Cow::Owned),
            timeout_override: None,
        })
    }
}

fn check_account_id(setting: Setting, id: &str) -> Result<(), FcError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FcError::config(setting, format!("{id:?} is not an account id (digits only)")));
    }
    Ok(())
}

fn account_endpoint(
    id_setting: Setting,
    id: &str,
    region_setting: Setting,
    region: &str,
    internal: bool,
) -> Result<String, FcError> {
    check_account_id(id_setting, id)?;
    if region.is_empty() || !region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(FcError::config(region_setting, format!("{region:?} is not a region id such as cn-hangzhou")));
    }
    let suffix = if internal { "-internal" } else { "" };
    Ok(format!("https://{id}.{region}{suffix}.fc.aliyuncs.com"))
}

fn normalize_url(setting: Setting, url: &str) -> Result<String, FcError> {
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| FcError::config(setting, format!("{url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FcError::config(setting, format!("{url:?}: the scheme must be http or https")));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FcError::config(setting, format!("{url:?} has no host")));
    }
    if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(FcError::config(setting, format!("{url:?}: give only scheme, host and port")));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

const FC_ENDPOINT: Setting = Setting::Env("FC_ENDPOINT");
const FC_ACCOUNT_ID: Setting = Setting::Env("FC_ACCOUNT_ID");

/// What the environment says about the endpoint: `FC_ENDPOINT`, else `FC_ACCOUNT_ID` + `FC_REGION` (+ `FC_INTERNAL`).
pub(super) fn endpoint_from_env(env: &Environment) -> Result<(String, Option<String>), FcError> {
    let var = |name: &str| env.get(name);
    let account = var("FC_ACCOUNT_ID");
    if let Some(account) = &account {
        check_account_id(FC_ACCOUNT_ID, account)?;
    }
    if let Some(url) = var("FC_ENDPOINT") {
        return Ok((normalize_url(FC_ENDPOINT, &url)?, account));
    }
    let Some(account) = account else {
        return Err(FcError::config(FC_ENDPOINT, "neither FC_ENDPOINT nor FC_ACCOUNT_ID is set"));
    };
    let region = var("FC_REGION")
        .ok_or_else(|| FcError::config(Setting::Env("FC_REGION"), "is not set (needed with FC_ACCOUNT_ID)"))?;
    let internal = match var("FC_INTERNAL").as_deref() {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => {
            return Err(FcError::config(Setting::Env("FC_INTERNAL"), format!("{other:?} is not true/false")));
        }
    };
    Ok((account_endpoint(FC_ACCOUNT_ID, &account, Setting::Env("FC_REGION"), &region, internal)?, Some(account)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Credentials;

    fn lookup(pairs: &[(&str, &str)]) -> Result<(String, Option<String>), FcError> {
        endpoint_from_env(&Environment::from_vars(pairs.iter().copied()))
    }

    fn setting_of(e: FcError) -> String {
        match e {
            FcError::Config(c) => c.setting.to_string(),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn endpoint_from_environment() {
        assert_eq!(
            lookup(&[("FC_ENDPOINT", "http://127.0.0.1:9000/")]).unwrap(),
            ("http://127.0.0.1:9000".into(), None)
        );
        assert_eq!(
            lookup(&[("FC_ACCOUNT_ID", "123"), ("FC_REGION", "cn-hangzhou")]).unwrap(),
            ("https://123.cn-hangzhou.fc.aliyuncs.com".into(), Some("123".into()))
        );
        assert_eq!(
            lookup(&[("FC_ACCOUNT_ID", "123"), ("FC_REGION", "cn-shanghai"), ("FC_INTERNAL", "true")]).unwrap().0,
            "https://123.cn-shanghai-internal.fc.aliyuncs.com"
        );
        assert_eq!(setting_of(lookup(&[]).unwrap_err()), "FC_ENDPOINT");
        assert_eq!(setting_of(lookup(&[("FC_ACCOUNT_ID", "123")]).unwrap_err()), "FC_REGION");
        assert_eq!(setting_of(lookup(&[("FC_ACCOUNT_ID", "12x"), ("FC_REGION", "r")]).unwrap_err()), "FC_ACCOUNT_ID");
        assert_eq!(
            setting_of(lookup(&[("FC_ACCOUNT_ID", "1"), ("FC_REGION", "cn hangzhou")]).unwrap_err()),
            "FC_REGION"
        );
        assert_eq!(setting_of(lookup(&[("FC_ENDPOINT", "ftp://x")]).unwrap_err()), "FC_ENDPOINT");
        assert_eq!(setting_of(lookup(&[("FC_ENDPOINT", "http://x/path")]).unwrap_err()), "FC_ENDPOINT");
        assert_eq!(setting_of(lookup(&[("FC_ENDPOINT", "not a url")]).unwrap_err()), "FC_ENDPOINT");
        assert_eq!(
            setting_of(lookup(&[("FC_ACCOUNT_ID", "1"), ("FC_REGION", "r"), ("FC_INTERNAL", "maybe")]).unwrap_err()),
            "FC_INTERNAL"
        );
    }

    #[test]
    fn builder_requires_endpoint_and_credentials() {
        assert_eq!(setting_of(Client::builder().build().unwrap_err()), "endpoint");
        assert_eq!(setting_of(Client::builder().endpoint("http://localhost:1").build().unwrap_err()), "credentials");
        let c = Client::builder()
            .endpoint("http://localhost:1")
            .credentials(Credentials::new("a", "supersecret"))
            .build()
            .unwrap();
        assert!(!format!("{c:?}").contains("supersecret"));
        assert!(c.with_qualifier("bad.q").is_err());
    }
}
