//! The HTTP client: endpoint, credentials, signing, retries, timeouts.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tracing::Instrument as _;

use crate::credentials::{CredentialsProvider, EnvCredentials};
use crate::response::{headers as resp_headers, parse_invoke_response};
use crate::sign::{self, QueryParam, SignableRequest};
use crate::validate::{self, Limits};
use crate::{Credentials, FcError, Invoke, InvokeRequest, InvokeResponse, RetryPolicy};

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
/// let answer = client.invoke(InvokeRequest::new("demo", "echo").json(&b"{}"[..])).await?;
/// println!("{} bytes, request {:?}", answer.body.len(), answer.meta.request_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    qualifier_override: Option<Cow<'static, str>>,
}

struct Inner {
    http: reqwest::Client,
    endpoint: String,
    /// The endpoint, parsed once: each request only sets its path.
    base_url: reqwest::Url,
    credentials: CredentialSource,
    account_id: Option<String>,
    timeout: Duration,
    retry: RetryPolicy,
    limits: Limits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("credentials", &self.inner.credentials)
            .field("account_id", &self.inner.account_id)
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .field("limits", &self.inner.limits)
            .field("qualifier_override", &self.qualifier_override)
            .finish()
    }
}

/// Where request credentials come from.
#[derive(Debug, Clone)]
enum CredentialSource {
    /// Fixed credentials, with their signing key prepared once.
    Fixed(Box<(Credentials, sign::SigningKey)>),
    /// Asked before each request (rotating or temporary credentials).
    Provider(Arc<dyn CredentialsProvider>),
}

/// Where the client sends requests.
#[derive(Debug, Clone, PartialEq, Eq)]
enum EndpointSpec {
    Url(String),
    Account { account_id: String, region: String, internal: bool },
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
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    endpoint: Option<EndpointSpec>,
    account_id: Option<String>,
    credentials: Option<CredentialSource>,
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
    /// An explicit endpoint URL, e.g. `http://127.0.0.1:9000` (any scheme, host and port; no path).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(EndpointSpec::Url(url.into()));
        self
    }

    /// The public endpoint `https://{account_id}.{region}.fc.aliyuncs.com`; also sends `X-Fc-Account-Id`.
    pub fn account(mut self, account_id: impl Into<String>, region: impl Into<String>) -> Self {
        let account_id = account_id.into();
        self.account_id = Some(account_id.clone());
        self.endpoint = Some(EndpointSpec::Account { account_id, region: region.into(), internal: false });
        self
    }

    /// Uses the VPC endpoint `{account_id}.{region}-internal.fc.aliyuncs.com` (after [`account`](Self::account)).
    pub fn internal(mut self, internal: bool) -> Self {
        if let Some(EndpointSpec::Account { internal: i, .. }) = &mut self.endpoint {
            *i = internal;
        }
        self
    }

    /// Sends `X-Fc-Account-Id` with every request (lets a client reach FC through an explicit endpoint).
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Fixed credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        let key = sign::SigningKey::new(credentials.access_key_secret.expose());
        self.credentials = Some(CredentialSource::Fixed(Box::new((credentials, key))));
        self
    }

    /// A credentials provider, asked before each request.
    pub fn credentials_provider(mut self, provider: impl CredentialsProvider + 'static) -> Self {
        self.credentials = Some(CredentialSource::Provider(Arc::new(provider)));
        self
    }

    /// Per-call timeout, from connecting until the answer's body is read (default 120 s).
    /// [`InvokeRequest::timeout`] overrides it per call.
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
        let endpoint = match self.endpoint {
            None => {
                return Err(FcError::config("endpoint", "no endpoint: call `endpoint(url)` or `account(id, region)`"));
            }
            Some(EndpointSpec::Url(url)) => normalize_url("endpoint", &url)?,
            Some(EndpointSpec::Account { account_id, region, internal }) => {
                account_endpoint("account id", &account_id, "region", &region, internal)?
            }
        };
        if let Some(id) = &self.account_id {
            check_account_id("account id", id)?;
        }
        let credentials = self.credentials.ok_or_else(|| {
            FcError::config("credentials", "no credentials: call `credentials(..)` or `credentials_provider(..)`")
        })?;
        validate::header_value("User-Agent", &self.user_agent)
            .map_err(|e| FcError::config("user agent", e.to_string()))?;
        if let Some(q) = &self.qualifier_override {
            validate::qualifier(q).map_err(|e| FcError::config("qualifier override", e.to_string()))?;
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
        let http = http.build().map_err(|e| FcError::config("http client", e.to_string()))?;
        let base_url = reqwest::Url::parse(&endpoint).map_err(|e| FcError::config("endpoint", e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                endpoint,
                base_url,
                credentials,
                account_id: self.account_id,
                timeout: self.timeout,
                retry: self.retry,
                limits: self.limits,
            }),
            qualifier_override: self.qualifier_override.map(Cow::Owned),
        })
    }
}

fn check_account_id(setting: &str, id: &str) -> Result<(), FcError> {
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FcError::config(setting, format!("{id:?} is not an account id (digits only)")));
    }
    Ok(())
}

fn account_endpoint(
    id_setting: &str,
    id: &str,
    region_setting: &str,
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

fn normalize_url(setting: &str, url: &str) -> Result<String, FcError> {
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

/// What the environment says about the endpoint: `FC_ENDPOINT`, else `FC_ACCOUNT_ID` + `FC_REGION` (+ `FC_INTERNAL`).
fn endpoint_from_lookup(get: &dyn Fn(&str) -> Option<String>) -> Result<(String, Option<String>), FcError> {
    let var = |name: &str| get(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
    let account = var("FC_ACCOUNT_ID");
    if let Some(account) = &account {
        check_account_id("FC_ACCOUNT_ID", account)?;
    }
    if let Some(url) = var("FC_ENDPOINT") {
        return Ok((normalize_url("FC_ENDPOINT", &url)?, account));
    }
    let Some(account) = account else {
        return Err(FcError::config("FC_ENDPOINT", "neither FC_ENDPOINT nor FC_ACCOUNT_ID is set"));
    };
    let region =
        var("FC_REGION").ok_or_else(|| FcError::config("FC_REGION", "is not set (needed with FC_ACCOUNT_ID)"))?;
    let internal = match var("FC_INTERNAL").as_deref() {
        None | Some("0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => return Err(FcError::config("FC_INTERNAL", format!("{other:?} is not true/false"))),
    };
    Ok((account_endpoint("FC_ACCOUNT_ID", &account, "FC_REGION", &region, internal)?, Some(account)))
}

/// One signed HTTP exchange, as the retry loop sees it.
pub(crate) struct Exchange<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    pub fc_headers: &'a [(&'static str, &'a str)],
    pub content_type: &'static str,
    pub body: Bytes,
    pub timeout: Duration,
    /// Re-sending cannot run anything twice (a stateful async id makes the service refuse a duplicate), so a
    /// failure after the request may have been delivered is retried too.
    pub idempotent: bool,
}

/// A raw answer.
pub(crate) struct RawResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// An earlier attempt failed after it may have been delivered.
    pub resent: bool,
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
        Credentials::from_env()?;
        let mut builder = Client::builder().endpoint(endpoint).credentials_provider(EnvCredentials);
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
    /// - credentials: `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optional
    ///   `ALIBABA_CLOUD_SECURITY_TOKEN`, re-read for every request so rotated tokens are picked up
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
        Ok(Client { inner: self.inner.clone(), qualifier_override: Some(Cow::Owned(qualifier)) })
    }

    pub(crate) fn qualifier_for<'a>(&'a self, stub: Option<&'a str>) -> Option<&'a str> {
        self.qualifier_override.as_deref().or(stub)
    }

    pub(crate) fn default_timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Sends one InvokeFunction call; see [`Invoke`].
    pub async fn invoke(&self, mut request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        if let Some(q) = &self.qualifier_override {
            request.qualifier = Some(q.clone());
        }
        validate::invoke_request(&request, &self.inner.limits)?;
        let ty = request.effective_type();
        let span = tracing::info_span!(
            "fc.invoke",
            service = %request.service,
            function = %request.function,
            qualifier = request.qualifier.as_deref().unwrap_or(""),
            invocation_type = ty.as_str(),
            request_id = tracing::field::Empty,
        );
        async move {
            let path = request.path();
            let mut fc_headers: Vec<(&'static str, &str)> = Vec::with_capacity(4);
            fc_headers.push(("x-fc-invocation-type", ty.as_str()));
            if request.log_type == crate::LogType::Tail {
                fc_headers.push(("x-fc-log-type", request.log_type.as_str()));
            }
            if let Some(id) = &request.invocation_id {
                fc_headers.push(("x-fc-stateful-async-invocation-id", id));
            }
            if let Some(trace) = &request.trace_id {
                fc_headers.push(("x-fc-trace-id", trace));
            }
            let raw = self
                .execute(Exchange {
                    method: Method::POST,
                    path: &path,
                    query: &[],
                    fc_headers: &fc_headers,
                    content_type: request.content_type.as_str(),
                    body: request.body.clone(),
                    timeout: request.timeout.unwrap_or(self.inner.timeout),
                    idempotent: request.invocation_id.is_some(),
                })
                .await?;
            if let Some(id) = raw.headers.get(resp_headers::REQUEST_ID).and_then(|v| v.to_str().ok()) {
                tracing::Span::current().record("request_id", id);
            }
            let mut result = parse_invoke_response(raw.status, &raw.headers, raw.body);
            if let Err(FcError::Service(e)) = &mut result
                && raw.resent
                && e.code == crate::ErrorCode::StatefulAsyncInvocationAlreadyExists
            {
                e.message.push_str(
                    " (this call was re-sent after a connection failure: the earlier attempt was probably accepted \
                     under this id; check it with get_stateful_invocation)",
                );
            }
            match &result {
                Ok(r) => tracing::debug!(status = r.status, bytes = r.body.len(), "invocation answered"),
                Err(e) => tracing::debug!(error = %e, "invocation failed"),
            }
            result
        }
        .instrument(span)
        .await
    }

    /// Signs and sends one request, retrying what is safe to retry.
    pub(crate) async fn execute(&self, ex: Exchange<'_>) -> Result<RawResponse, FcError> {
        let inner = &*self.inner;
        let mut url = inner.base_url.clone();
        url.set_path(ex.path);
        if !ex.query.is_empty() {
            url.query_pairs_mut().extend_pairs(ex.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let query: Vec<QueryParam<'_>> =
            ex.query.iter().map(|(k, v)| QueryParam { key: k, value: Some(v.as_str()) }).collect();
        let mut attempt = 1u32;
        let mut resent = false;
        loop {
            let provided;
            let (creds, key) = match &inner.credentials {
                CredentialSource::Fixed(fixed) => (&fixed.0, &fixed.1),
                CredentialSource::Provider(provider) => {
                    let creds = provider.credentials().await?;
                    let key = sign::SigningKey::new(creds.access_key_secret.expose());
                    provided = (creds, key);
                    (&provided.0, &provided.1)
                }
            };
            check_credentials(creds)?;
            let date = httpdate::fmt_http_date(SystemTime::now());
            let mut headers: Vec<(&'static str, &str)> = Vec::with_capacity(ex.fc_headers.len() + 4);
            headers.push(("date", &date));
            headers.push(("content-type", ex.content_type));
            headers.extend(ex.fc_headers.iter().map(|(k, v)| (*k, *v)));
            if let Some(token) = &creds.security_token {
                headers.push(("x-fc-security-token", token.expose()));
            }
            if let Some(account) = &inner.account_id {
                headers.push(("x-fc-account-id", account));
            }
            let signable =
                SignableRequest { method: ex.method.as_str(), path: ex.path, headers: &headers, query: &query };
            let authorization = key.authorization(&creds.access_key_id, &signable);
            let mut header_map = HeaderMap::with_capacity(headers.len() + 1);
            for (name, value) in &headers {
                header_map.append(HeaderName::from_static(name), header_value(value)?);
            }
            header_map.append(http::header::AUTHORIZATION, header_value(&authorization)?);
            let builder = inner
                .http
                .request(ex.method.clone(), url.clone())
                .timeout(ex.timeout)
                .headers(header_map)
                .body(ex.body.clone());

            let failure = match builder.send().await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let body = response.bytes().await.map_err(|e| transport_error(e, ex.timeout))?;
                    let retry_after = || {
                        headers
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(crate::response::parse_retry_after)
                    };
                    if matches!(status, 429 | 503)
                        && let Some(wait) = inner.retry.backoff(attempt, retry_after())
                    {
                        tracing::debug!(status, attempt, ?wait, "throttled; retrying");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(RawResponse { status, headers, body, resent });
                }
                Err(e) => transport_error(e, ex.timeout),
            };
            let (safe, maybe_delivered) = match &failure {
                FcError::Transport { before_send: true, .. } => (true, false),
                FcError::Transport { before_send: false, .. } | FcError::Timeout { .. } => (ex.idempotent, true),
                _ => (false, false),
            };
            match inner.retry.backoff(attempt, None) {
                Some(wait) if safe => {
                    tracing::debug!(attempt, ?wait, error = %failure, "request failed; safe to re-send, retrying");
                    tokio::time::sleep(wait).await;
                    resent |= maybe_delivered;
                    attempt += 1;
                }
                _ => return Err(failure),
            }
        }
    }
}

/// A header value that was validated (or built from validated parts) before; anything else is refused, not sent.
fn header_value(value: &str) -> Result<HeaderValue, FcError> {
    HeaderValue::from_str(value)
        .map_err(|_| FcError::invalid("header value", "has a control or non-ASCII character and cannot be sent"))
}

/// The key id and token travel in headers: refuse what cannot be sent, without echoing the token.
fn check_credentials(creds: &Credentials) -> Result<(), FcError> {
    if creds.access_key_id.is_empty() {
        return Err(FcError::config("credentials", "the access key id is empty"));
    }
    let token = creds.security_token.as_ref().map(|t| t.expose());
    for (what, value) in [("access key id", Some(creds.access_key_id.as_str())), ("security token", token)] {
        if let Some(problem) = value.and_then(validate::header_value_problem) {
            return Err(FcError::config("credentials", format!("the {what} {problem}; it cannot be sent")));
        }
    }
    Ok(())
}

fn transport_error(e: reqwest::Error, timeout: Duration) -> FcError {
    if e.is_connect() {
        let message = format!("could not connect (nothing was sent): {}", error_chain(&e));
        return FcError::Transport { message, before_send: true, source: Some(Box::new(e)) };
    }
    if e.is_timeout() {
        return FcError::Timeout { timeout };
    }
    let message =
        format!("connection failed after the request was sent; it may have been delivered: {}", error_chain(&e));
    FcError::Transport { message, before_send: false, source: Some(Box::new(e)) }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
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
            FcError::Config { setting, .. } => setting,
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
