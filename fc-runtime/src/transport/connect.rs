//! The HTTP client under every client of this crate (the API's and the HTTP trigger's), set up one way: the user
//! agent, the connect timeout, how long idle pooled connections live, no redirects, the one proxy decision for
//! the client's one endpoint, and the largest answer read.

use std::time::Duration;

use crate::error::Setting;
use crate::{Environment, FcError};

/// Default per-call timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle pooled connections are closed after this long, below FC's ~90 s server-side idle timeout.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How a client's HTTP connections are made.
#[derive(Debug, Clone)]
pub(crate) struct HttpSetup {
    pub user_agent: String,
    pub connect_timeout: Duration,
    pub pool_idle_timeout: Duration,
    /// Where the proxy variables are read; `None`: never through a proxy.
    pub proxy_env: Option<Environment>,
    /// The largest answer read (FC's limit on a synchronous answer by default).
    pub max_response_bytes: usize,
}

impl Default for HttpSetup {
    fn default() -> Self {
        HttpSetup {
            user_agent: concat!("fc-runtime-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            proxy_env: Some(Environment::process()),
            max_response_bytes: crate::wire::MAX_SYNC_PAYLOAD,
        }
    }
}

/// A built HTTP client, the proxy its requests go through (as errors name it), and the largest answer it reads.
pub(crate) struct Http {
    pub client: reqwest::Client,
    pub proxy: Option<String>,
    pub max_response_bytes: usize,
}

impl HttpSetup {
    /// The HTTP client for requests to `endpoint`. The user agent must be a header value FC accepts.
    pub(crate) fn build(&self, endpoint: &reqwest::Url) -> Result<Http, FcError> {
        if let Some(problem) = crate::wire::header_value_problem(&self.user_agent) {
            return Err(FcError::config(Setting::UserAgent, problem));
        }
        let mut http = reqwest::Client::builder()
            .user_agent(&self.user_agent)
            .connect_timeout(self.connect_timeout)
            .pool_idle_timeout(self.pool_idle_timeout)
            .tcp_nodelay(true)
            .redirect(reqwest::redirect::Policy::none());
        // One endpoint, one decision: the proxy (if any) for every request, or none at all.
        let proxy = self.proxy_env.as_ref().and_then(|env| super::proxy::for_endpoint(endpoint, env));
        http = match &proxy {
            Some(p) => http.proxy(reqwest::Proxy::all(&p.url).map_err(|e| {
                FcError::config(Setting::HttpClient, format!("the proxy in {} is not usable: {e}", p.variable))
            })?),
            None => http.no_proxy(),
        };
        let client = http.build().map_err(|e| FcError::config(Setting::HttpClient, e.to_string()))?;
        Ok(Http { client, proxy: proxy.map(|p| p.describe()), max_response_bytes: self.max_response_bytes })
    }
}
