//! The HTTP client: endpoint, credentials, signing, retries, timeouts.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use tracing::Instrument as _;

use crate::credentials::{CredentialsProvider, DefaultCredentialsChain};
use crate::error::Setting;
use crate::response::parse_invoke_response;
use crate::retry::Idempotency;
use crate::transport::{self, CredentialSource, Exchange, Prepared, Signing, Transport};
use crate::validate::{self, Limits};
use crate::{Api, Credentials, FcError, Invoke, InvokeRequest, InvokeResponse, RetryPolicy};

/// Default per-call timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle pooled connections are closed after this long, below FC's ~90 s server-side idle timeout.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// A Function Compute client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), fc_runtime::FcError> {
/// use fc_runtime::{Client, InvokeRequest};
/// let client = Client::from_env()?;
/// let answer = client.invoke(InvokeRequest::new("demo", "echo").json_bytes(&b"{}"[..])).await?;
/// println!("{} bytes, request {:?}", answer.body.len(), answer.meta.request_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    qualifier_override: Option<Cow<'static, str>>,
    timeout_override: Option<Duration>,
}

struct Inner {
    transport: Transport,
    endpoint: String,
    account_id: Option<String>,
    timeout: Duration,
    limits: Limits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("credentials", &self.inner.transport.credentials)
            .field("account_id", &self.inner.account_id)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.transport.retry)
            .field("limits", &self.inner.limits)
            .field("qualifier_override", &self.qualifier_override)
            .field("timeout_override", &self.timeout_override)
            .finish()
    }
}

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
    connect_timeout: Duration,
    pool_idle_timeout: Duration,
    retry: RetryPolicy,
    limits: Limits,
    user_agent: String,
    qualifier_override: Option<String>,
    use_env_proxy: bool,
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
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            retry: RetryPolicy::default(),
            limits: Limits::default(),
            user_agent: concat!("fc-runtime-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            qualifier_override: None,
            use_env_proxy: true,
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

    /// Per-call timeout, from connecting until the answer's body is read (default 120 s). A stub's
    /// `timeout = "…"`, [`InvokeRequest::timeout`] and [`Client::with_timeout`] override it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
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

    /// Whether to honour `HTTP(S)_PROXY` from the environment (default true).
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
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
        if let Some(problem) = validate::header_value_problem(&self.user_agent) {
            return Err(FcError::config(Setting::UserAgent, problem));
        }
        if let Some(q) = &self.qualifier_override {
            validate::qualifier(q).map_err(|e| FcError::config(Setting::QualifierOverride, e.to_string()))?;
        }
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none());
        if !self.use_env_proxy {
            http = http.no_proxy();
        }
        let http = http.build().map_err(|e| FcError::config(Setting::HttpClient, e.to_string()))?;
        let base_url = reqwest::Url::parse(&endpoint).map_err(|e| FcError::config(Setting::Endpoint, e.to_string()))?;
        let host = transport::host_header(&base_url)?;
        let account_header =
            account_id.as_deref().map(|id| HeaderValue::from_str(id).expect("an account id is digits"));
        Ok(Client {
            inner: Arc::new(Inner {
                transport: Transport {
                    http,
                    base_url,
                    credentials,
                    last_prepared: Default::default(),
                    account_id: account_header,
                    host,
                    retry: self.retry,
                },
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
fn endpoint_from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<(String, Option<String>), FcError> {
    let var = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
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

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder configured from the environment as [`Client::from_env`] describes, for adjusting timeouts,
    /// retries or limits before building.
    pub fn builder_from_env() -> Result<ClientBuilder, FcError> {
        let get = |k: &str| std::env::var(k).ok();
        let (endpoint, account_id) = endpoint_from_lookup(&get)?;
        let mut builder = Client::builder().endpoint(endpoint).credentials_provider(DefaultCredentialsChain::new());
        if let Some(id) = account_id {
            builder = builder.account_id(id);
        }
        Ok(builder)
    }

    /// A client configured from the environment:
    ///
    /// - endpoint: `FC_ENDPOINT` (an explicit URL), else `FC_ACCOUNT_ID` + `FC_REGION`
    ///   → `https://{account}.{region}.fc.aliyuncs.com` (`FC_INTERNAL=true` for the VPC endpoint);
    ///   `FC_ACCOUNT_ID` is also sent as `X-Fc-Account-Id`
    /// - credentials: the official default chain ([`DefaultCredentialsChain`]): the `ALIBABA_CLOUD_*` access key
    ///   variables, RRSA/OIDC, the CLI's profiles, the credentials file, the ECS instance's RAM role, a
    ///   credentials URI — resolved at the first request, then kept and refreshed
    ///
    /// A missing or malformed setting is a [`FcError::Config`] naming the variable.
    pub fn from_env() -> Result<Self, FcError> {
        Self::builder_from_env()?.build()
    }

    /// The endpoint URL, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// A client sharing this one's connection pool whose calls all use `qualifier` (e.g. `staging`).
    pub fn with_qualifier(&self, qualifier: impl Into<String>) -> Result<Client, FcError> {
        let qualifier = qualifier.into();
        validate::qualifier(&qualifier)?;
        Ok(Client { qualifier_override: Some(Cow::Owned(qualifier)), ..self.clone() })
    }

    /// A client sharing this one's connection pool whose calls all wait up to `timeout` for their answer,
    /// whatever the stubs or the builder say: `client.with_timeout(Duration::from_secs(900)).transcode(job)`.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client { timeout_override: Some(timeout), ..self.clone() }
    }

    pub(crate) fn qualifier_for<'a>(&'a self, stub: Option<&'a str>) -> Option<&'a str> {
        self.qualifier_override.as_deref().or(stub)
    }

    /// The timeout of one call: [`with_timeout`](Self::with_timeout), else the request's, else the client's.
    pub(crate) fn timeout_for(&self, request: Option<Duration>) -> Duration {
        self.timeout_override.or(request).unwrap_or(self.inner.timeout)
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    /// Sends one InvokeFunction call; see [`Invoke`].
    pub async fn invoke(&self, mut request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        if let Some(q) = &self.qualifier_override {
            request.qualifier = Some(q.clone());
        }
        validate::invoke_request(&request, &self.inner.limits)?;
        let ty = request.invocation.invocation_type();
        let span = tracing::info_span!(
            "fc.invoke",
            service = %request.service.as_deref().unwrap_or(""),
            api = ?request.api(),
            function = %request.function,
            qualifier = request.qualifier.as_deref().unwrap_or(""),
            invocation_type = ty.as_str(),
            request_id = tracing::field::Empty,
        );
        async move {
            let path = request.path();
            let api = request.api();
            let mut fc_headers: Vec<(HeaderName, HeaderValue)> = Vec::with_capacity(4);
            fc_headers.push((X_FC_INVOCATION_TYPE, HeaderValue::from_static(ty.as_str())));
            if request.log_type == crate::LogType::Tail {
                fc_headers.push((X_FC_LOG_TYPE, HeaderValue::from_static(request.log_type.as_str())));
            }
            if let Some(id) = request.invocation.id() {
                let name = if api == Api::Fc3 { X_FC_ASYNC_TASK_ID } else { X_FC_STATEFUL_ID };
                fc_headers.push((name, header_value(id)?));
            }
            if let Some(trace) = &request.trace_id {
                fc_headers.push((X_FC_TRACE_ID, header_value(trace)?));
            }
            let (query, signing) = match (api, request.qualifier.as_deref()) {
                (Api::Fc3, Some(q)) => (vec![("qualifier", q.to_owned())], Signing::Acs3 { action: "InvokeFunction" }),
                (Api::Fc3, None) => (Vec::new(), Signing::Acs3 { action: "InvokeFunction" }),
                _ => (Vec::new(), Signing::Fc),
            };
            let answer = self
                .transport()
                .send(Exchange {
                    method: Method::POST,
                    path: &path,
                    query: &query,
                    fc_headers: &fc_headers,
                    content_type: HeaderValue::from_static(request.content_type.as_str()),
                    body: request.body,
                    timeout: self.timeout_for(request.timeout),
                    idempotency: if request.invocation.id().is_some() {
                        Idempotency::Safe
                    } else {
                        Idempotency::Unsafe
                    },
                    signing,
                })
                .await;
            let result = answer.and_then(|a| {
                if let Some(id) = transport::request_id(&a.headers) {
                    tracing::Span::current().record("request_id", id);
                }
                parse_invoke_response(a.status.as_u16(), &a.headers, a.body)
            });
            match &result {
                Ok(r) => tracing::debug!(status = r.status, bytes = r.body.len(), "invocation answered"),
                Err(e) => tracing::debug!(error = %e, "invocation failed"),
            }
            result
        }
        .instrument(span)
        .await
    }
}

const X_FC_INVOCATION_TYPE: HeaderName = HeaderName::from_static("x-fc-invocation-type");
const X_FC_LOG_TYPE: HeaderName = HeaderName::from_static("x-fc-log-type");
const X_FC_STATEFUL_ID: HeaderName = HeaderName::from_static("x-fc-stateful-async-invocation-id");
const X_FC_TRACE_ID: HeaderName = HeaderName::from_static("x-fc-trace-id");
const X_FC_ASYNC_TASK_ID: HeaderName = HeaderName::from_static("x-fc-async-task-id");

/// A header value that was validated before; anything else is refused, not sent.
fn header_value(value: &str) -> Result<HeaderValue, FcError> {
    HeaderValue::from_str(value).map_err(|_| {
        FcError::invalid_input(
            crate::InputField::HeaderValue,
            "has a control or non-ASCII character and cannot be sent",
        )
    })
}

impl Invoke for Client {
    fn invoke(
        &self,
        request: InvokeRequest,
    ) -> impl std::future::Future<Output = Result<InvokeResponse, FcError>> + Send {
        Client::invoke(self, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> Result<(String, Option<String>), FcError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        endpoint_from_lookup(&move |k| env.get(k).cloned())
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
