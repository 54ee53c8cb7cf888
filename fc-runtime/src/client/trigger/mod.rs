//! Calling a web function through its HTTP trigger (FC 3.0's recommended way in): [`HttpTriggerClient`].
//!
//! The client is given the trigger's URL and how the trigger authenticates: anonymous, `function` (each request
//! signed as FC's documentation's samples sign it, [`sign::http_trigger`](crate::sign::http_trigger), with
//! credentials from a provider: the default chain by default), a JWT, or one of the trigger's bearer tokens. A call
//! is a method, a path (percent-encoded here, segment by segment), query parameters, headers and a body; the answer
//! is its status, headers and body. A non-2xx answer is an error, classified by FC's marker, the
//! `X-Fc-Error-Type` header FC puts on its own answers (the HTTP-trigger FAQ's table):
//!
//! | the answer | the error |
//! |---|---|
//! | `X-Fc-Error-Type: FcCommonError`: FC refused or failed (limits, auth, method, throttling, its own error) | [`FcError::Service`], FC's code and message |
//! | `X-Fc-Error-Type: UnhandledInvocationError` (502): the function failed, answered over the limits, or is not an HTTP function | [`FcError::Function`], unhandled, with the failure body's message and type |
//! | no marker: the function's own answer, whatever its status or body | [`FcError::Http`], with the status, FC's request id and the body |
//!
//! What `authType = function` protects, and what it does not: the signature covers the method, the path, the query
//! and the date, so a request cannot be sent to another route or with other parameters, and a captured one is
//! refused after 15 minutes. The body and the host are not signed (FC's scheme signs an empty payload line), so
//! whoever sees a request can replay it, with another body, within those 15 minutes: send it over HTTPS, and make
//! a route that must not run twice idempotent in the function itself.
//!
//! ```no_run
//! # async fn run() -> Result<(), fc_runtime::FcError> {
//! use fc_runtime::http_trigger::{HttpTriggerClient, TriggerRequests as _};
//! let web = HttpTriggerClient::builder("https://web-demo-abc.cn-hangzhou.fcapp.run").sign_with_default_chain().build()?;
//! let greeting: serde_json::Value = web.post("/greet").json(&serde_json::json!({"name": "Ann"}))?.send().await?.json()?;
//! let echoed = web.get("/echo").query("text", "hi").send().await?.text()?;
//! # Ok(()) }
//! ```

mod answer;
mod call;

use std::sync::Arc;
use std::time::Duration;

use http::Method;

pub use answer::{Reply, TriggerResponse, TriggerStream};
pub use call::TriggerCall;

use crate::credentials::{CredentialsProvider, DefaultCredentialsChain};
use crate::error::Setting;
use crate::transport::{HttpSetup, PreparedCache};
use crate::{Credentials, Environment, FcError, RetryPolicy};

/// How a client proves itself to an HTTP trigger.
#[derive(Clone)]
enum Auth {
    /// `authType = anonymous`: nothing.
    Anonymous,
    /// `authType = function`, with credentials from the default chain of the client's environment (resolved when
    /// the client is built, so that the order of the builder's calls does not matter).
    DefaultChain,
    /// `authType = function`: each request signed with credentials from this provider.
    Function(Arc<dyn CredentialsProvider>),
    /// A JWT trigger, or one of a bearer trigger's tokens: `Authorization: Bearer {token}`.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Anonymous => f.write_str("Anonymous"),
            Auth::DefaultChain => f.write_str("DefaultChain"),
            Auth::Function(p) => f.debug_tuple("Function").field(p).finish(),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Builds an [`HttpTriggerClient`]: the same HTTP setup as [`Client`](crate::Client)'s (user agent, connect
/// timeout, idle connections, proxy variables, retry rule), checked once by [`build`](Self::build).
#[derive(Debug)]
#[must_use]
pub struct HttpTriggerClientBuilder {
    url: String,
    auth: Auth,
    timeout: Duration,
    attempt_timeout: Option<Duration>,
    retry: RetryPolicy,
    env: Environment,
    setup: HttpSetup,
    use_env_proxy: bool,
}

impl HttpTriggerClientBuilder {
    /// Signs every request (`authType = function`) with credentials from the default chain, read from
    /// [`environment`](Self::environment)'s variables and files.
    pub fn sign_with_default_chain(mut self) -> Self {
        self.auth = Auth::DefaultChain;
        self
    }

    /// Signs every request with these credentials.
    pub fn sign_with(mut self, credentials: Credentials) -> Self {
        self.auth = Auth::Function(Arc::new(credentials));
        self
    }

    /// Signs every request with credentials from `provider`.
    pub fn sign_with_provider(mut self, provider: impl CredentialsProvider + 'static) -> Self {
        self.auth = Auth::Function(Arc::new(provider));
        self
    }

    /// Sends `Authorization: Bearer {token}`: a JWT to a JWT trigger, or one of a bearer trigger's tokens.
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Bearer(token.into());
        self
    }

    /// A call's deadline, every attempt and pause included (default [`DEFAULT_TIMEOUT`](crate::DEFAULT_TIMEOUT),
    /// 120 s). A streamed answer's body is read after it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest one attempt may take until the answer's head arrives (default: the call's deadline).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// When to send again, by the one rule every client of this crate follows ([`RetryPolicy`]): a call FC answered
    /// without running the function (its `FcCommonError` 429, 500 or 503), or one never sent; a call that may have
    /// reached the function only when marked idempotent ([`TriggerCall::idempotent`]), then also after a lost
    /// connection and on the function's own 429 or 503. `Retry-After` is honoured. Default: 3 attempts.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The largest answer read (default: 32 MiB, FC's limit on a synchronous answer): a bigger body, whole or
    /// streamed, is an error once this many bytes have arrived, without holding more.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.setup.max_response_bytes = max;
        self
    }

    /// Where the default chain and the proxy variables are read (default: the process's).
    pub fn environment(mut self, env: Environment) -> Self {
        self.setup.proxy_env = Some(env.clone());
        self.env = env;
        self
    }

    /// The `User-Agent` (default `fc-runtime-rust/{version}`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.setup.user_agent = user_agent.into();
        self
    }

    /// The connect timeout (default [`DEFAULT_CONNECT_TIMEOUT`](crate::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.setup.connect_timeout = timeout;
        self
    }

    /// How long an idle pooled connection is kept (default
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`](crate::DEFAULT_POOL_IDLE_TIMEOUT)).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.setup.pool_idle_timeout = timeout;
        self
    }

    /// Whether to honour the environment's proxy variables (default true), as
    /// [`ClientBuilder::use_env_proxy`](crate::ClientBuilder::use_env_proxy) does: never for a loopback URL or a
    /// `NO_PROXY` host.
    pub fn use_env_proxy(mut self, enabled: bool) -> Self {
        self.use_env_proxy = enabled;
        self
    }

    /// Checks the URL and the settings, and builds the client. The URL is the trigger's
    /// (`https://{trigger}.{region}.fcapp.run`), or a custom domain's with a path prefix (`https://example.com/api`:
    /// every call's path goes after it); a query or a fragment is refused.
    pub fn build(self) -> Result<HttpTriggerClient, FcError> {
        let invalid = |why: String| FcError::config(Setting::Endpoint, why);
        let base = reqwest::Url::parse(self.url.trim())
            .map_err(|e| invalid(format!("the HTTP trigger URL {:?}: {e}", self.url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none_or(str::is_empty) {
            return Err(invalid(format!("{:?} is not an http(s) URL", self.url)));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid(format!("{:?}: give the trigger's URL without a query or fragment", self.url)));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(invalid(format!("{:?}: credentials do not belong in the URL", self.url)));
        }
        let prefix = base.path().trim_end_matches('/').to_owned();
        let mut setup = self.setup;
        if !self.use_env_proxy {
            setup.proxy_env = None;
        }
        let http = setup.build(&base)?;
        let auth = match self.auth {
            Auth::DefaultChain => Auth::Function(Arc::new(DefaultCredentialsChain::from_environment(self.env))),
            other => other,
        };
        if let Auth::Bearer(token) = &auth
            && let Some(problem) = crate::wire::header_value_problem(token)
        {
            return Err(FcError::config(Setting::Credentials, format!("the bearer token {problem}")));
        }
        Ok(HttpTriggerClient {
            inner: Arc::new(Inner {
                http: http.client,
                base,
                prefix,
                auth,
                timeout: self.timeout,
                attempt_timeout: self.attempt_timeout,
                retry: self.retry,
                max_response_bytes: http.max_response_bytes,
                proxy: http.proxy,
                prepared: Default::default(),
            }),
        })
    }
}

/// A client of one HTTP trigger. Cheap to clone (one connection pool).
///
/// Its calls are [`TriggerRequests`]' methods (`client.get(path)`, `client.post(path)`, …) and the routes of the
/// `#[fc_http]` traits it implements (`client.delete_photo(id)`): it has no method of its own, so that a route may
/// be called anything, `get` and `delete` included.
#[derive(Debug, Clone)]
pub struct HttpTriggerClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: reqwest::Url,
    /// The URL's own path, without a trailing `/`: every call's path goes after it.
    prefix: String,
    auth: Auth,
    timeout: Duration,
    attempt_timeout: Option<Duration>,
    retry: RetryPolicy,
    max_response_bytes: usize,
    proxy: Option<String>,
    /// The signing key prepared from the provider's latest credentials.
    prepared: PreparedCache,
}

impl HttpTriggerClient {
    /// A builder for the trigger at `url` (`https://{trigger}.{region}.fcapp.run`, or LocalFc's), anonymous until
    /// told otherwise.
    pub fn builder(url: impl Into<String>) -> HttpTriggerClientBuilder {
        HttpTriggerClientBuilder {
            url: url.into(),
            auth: Auth::Anonymous,
            timeout: crate::DEFAULT_TIMEOUT,
            attempt_timeout: None,
            retry: RetryPolicy::default(),
            env: Environment::process(),
            setup: HttpSetup::default(),
            use_env_proxy: true,
        }
    }

    /// A builder for the trigger at `FC_HTTP_TRIGGER_URL`, signing with the default chain.
    pub fn builder_from_env() -> Result<HttpTriggerClientBuilder, FcError> {
        let env = Environment::process();
        let url = env
            .get("FC_HTTP_TRIGGER_URL")
            .ok_or_else(|| FcError::config(Setting::Env("FC_HTTP_TRIGGER_URL"), "not set"))?;
        Ok(HttpTriggerClient::builder(url).environment(env).sign_with_default_chain())
    }
}

/// Untyped calls through an HTTP trigger: `client.get("/echo").query("text", "hi").send().await`.
///
/// A trait rather than methods of [`HttpTriggerClient`], so that the routes of an `#[fc_http]` trait are what
/// `client.get(…)` or `client.delete(…)` call when that trait is the one in scope; bring this one in
/// (`use fc_runtime::http_trigger::TriggerRequests as _;`) for calls of your own. Implemented for every
/// [`TriggerClient`].
pub trait TriggerRequests {
    /// The trigger's URL.
    fn url(&self) -> &str;

    /// A call of `method` on `path` (`/albums/a b`: each segment between `/` is percent-encoded here).
    fn request(&self, method: Method, path: &str) -> TriggerCall;

    /// A call of `method` on the path made of `segments`, each percent-encoded whole: a `/` inside a segment is
    /// sent as `%2F`, so that a value taken from the caller cannot add segments. `["albums", "a/b"]` is
    /// `/albums/a%2Fb`. A segment that is `.` or `..` is refused when sent: every URL parser on the way (this
    /// client's, a proxy's, FC's) would resolve it, so it cannot reach the function as a value.
    fn request_segments<S: Into<String>>(&self, method: Method, segments: impl IntoIterator<Item = S>) -> TriggerCall;

    /// `GET path`.
    fn get(&self, path: &str) -> TriggerCall {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    fn post(&self, path: &str) -> TriggerCall {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    fn put(&self, path: &str) -> TriggerCall {
        self.request(Method::PUT, path)
    }

    /// `PATCH path`.
    fn patch(&self, path: &str) -> TriggerCall {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path`.
    fn delete(&self, path: &str) -> TriggerCall {
        self.request(Method::DELETE, path)
    }
}

impl<T: TriggerClient + ?Sized> TriggerRequests for T {
    fn url(&self) -> &str {
        self.trigger_client().inner.base.as_str()
    }

    fn request(&self, method: Method, path: &str) -> TriggerCall {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.request_segments(method, path.split('/'))
    }

    fn request_segments<S: Into<String>>(&self, method: Method, segments: impl IntoIterator<Item = S>) -> TriggerCall {
        TriggerCall::new(self.trigger_client().clone(), method, segments.into_iter().map(Into::into).collect())
    }
}

/// What the stubs of an [`fc_http`](crate::fc_http) trait call through: the client of one HTTP trigger.
///
/// `#[fc_http]` makes it the trait's supertrait and implements the trait for [`HttpTriggerClient`]; implement it
/// for a type of your own (a wrapper holding the client) to call the routes on that type.
pub trait TriggerClient {
    /// The client the calls go through.
    fn trigger_client(&self) -> &HttpTriggerClient;
}

impl TriggerClient for HttpTriggerClient {
    fn trigger_client(&self) -> &HttpTriggerClient {
        self
    }
}

impl<T: TriggerClient + ?Sized> TriggerClient for &T {
    fn trigger_client(&self) -> &HttpTriggerClient {
        (**self).trigger_client()
    }
}

impl<T: TriggerClient + ?Sized> TriggerClient for Arc<T> {
    fn trigger_client(&self) -> &HttpTriggerClient {
        (**self).trigger_client()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_a_path_keeps_it_and_one_with_a_query_is_refused() {
        let client = HttpTriggerClient::builder("http://127.0.0.1:1/api/").build().unwrap();
        assert_eq!(client.inner.prefix, "/api");
        assert_eq!(client.inner.base.path(), "/api/");
        let root = HttpTriggerClient::builder("http://127.0.0.1:1").build().unwrap();
        assert_eq!(root.inner.prefix, "");
        for bad in ["http://127.0.0.1:1/?a=1", "http://127.0.0.1:1/#x", "ftp://h", "http://u:p@h/", "nope"] {
            let err = HttpTriggerClient::builder(bad).build().unwrap_err();
            assert!(matches!(err, FcError::Config(_)), "{bad}: {err:?}");
        }
        let err = HttpTriggerClient::builder("http://127.0.0.1:1").bearer("Zoë").build().unwrap_err();
        assert!(err.to_string().contains("non-ASCII"), "{err}");
        let err = HttpTriggerClient::builder("http://127.0.0.1:1").user_agent("a\nb").build().unwrap_err();
        assert!(matches!(err, FcError::Config(_)), "{err:?}");
    }
}
