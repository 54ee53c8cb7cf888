//! Calling a web function through its HTTP trigger (FC 3.0's recommended way in): [`HttpTriggerClient`].
//!
//! The client is given the trigger's URL and how the trigger authenticates: anonymous, `function` (each request
//! signed as FC's documentation's samples sign it, [`sign::http_trigger`](crate::sign::http_trigger), with
//! credentials from a provider: the default chain by default), or a JWT sent as a bearer token. A call is a
//! method, a path (percent-encoded here, segment by segment), query parameters and a body; the answer is its
//! status, headers and body. A non-2xx answer is an error: [`FcError::Service`] when FC itself refused (a bad
//! signature, a limit: FC's error body), [`FcError::Http`] when the function answered so, with its status, FC's
//! request id and the body (`{"errorMessage", "errorType"}` decoded when it is one).
//!
//! ```no_run
//! # async fn run() -> Result<(), fc_runtime::FcError> {
//! use fc_runtime::http_trigger::HttpTriggerClient;
//! let web = HttpTriggerClient::builder("https://web-demo-abc.cn-hangzhou.fcapp.run").sign_with_default_chain().build()?;
//! let greeting: serde_json::Value = web.post("/greet").json(&serde_json::json!({"name": "Ann"}))?.send().await?.json()?;
//! let echoed = web.get("/echo").query("text", "hi").send().await?.text()?;
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::credentials::{CredentialsProvider, DefaultCredentialsChain};
use crate::error::{Delivery, HttpError, Setting};
use crate::sign::acs3;
use crate::{Credentials, Environment, FcError, RetryPolicy};

/// How a client proves itself to an HTTP trigger.
#[derive(Clone)]
pub enum TriggerAuth {
    /// `authType = anonymous`: nothing.
    Anonymous,
    /// `authType = function`: each request signed with credentials from this provider.
    Function(Arc<dyn CredentialsProvider>),
    /// A JWT trigger: `Authorization: Bearer {token}`.
    Bearer(String),
}

impl std::fmt::Debug for TriggerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TriggerAuth::Anonymous => f.write_str("Anonymous"),
            TriggerAuth::Function(p) => f.debug_tuple("Function").field(p).finish(),
            TriggerAuth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Builds an [`HttpTriggerClient`].
#[derive(Debug)]
#[must_use]
pub struct HttpTriggerClientBuilder {
    url: String,
    auth: TriggerAuth,
    timeout: Duration,
    retry: RetryPolicy,
    env: Environment,
}

impl HttpTriggerClientBuilder {
    /// Signs every request (`authType = function`) with credentials from the default chain.
    pub fn sign_with_default_chain(mut self) -> Self {
        self.auth = TriggerAuth::Function(Arc::new(DefaultCredentialsChain::from_environment(self.env.clone())));
        self
    }

    /// Signs every request with these credentials.
    pub fn sign_with(mut self, credentials: Credentials) -> Self {
        self.auth = TriggerAuth::Function(Arc::new(credentials));
        self
    }

    /// Signs every request with credentials from `provider`.
    pub fn sign_with_provider(mut self, provider: impl CredentialsProvider + 'static) -> Self {
        self.auth = TriggerAuth::Function(Arc::new(provider));
        self
    }

    /// Sends a JWT: `Authorization: Bearer {token}`.
    pub fn bearer(mut self, token: impl Into<String>) -> Self {
        self.auth = TriggerAuth::Bearer(token.into());
        self
    }

    /// A call's deadline, every attempt included (default 120 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// When to send again: a call that may have been delivered only when marked idempotent
    /// ([`TriggerCall::idempotent`]); one never sent, and 429/503 refusals, always (default 3 attempts).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Checks the URL and builds the client.
    pub fn build(self) -> Result<HttpTriggerClient, FcError> {
        let base = reqwest::Url::parse(self.url.trim_end_matches('/'))
            .map_err(|e| FcError::config(Setting::Endpoint, format!("the HTTP trigger URL {:?}: {e}", self.url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(FcError::config(Setting::Endpoint, format!("{:?} is not an http(s) URL", self.url)));
        }
        let proxy = crate::client::proxy_for(&base, &self.env);
        let mut http = reqwest::Client::builder().tcp_nodelay(true).redirect(reqwest::redirect::Policy::none());
        http = match &proxy {
            Some(p) => http
                .proxy(reqwest::Proxy::all(&p.url).map_err(|e| FcError::config(Setting::HttpClient, e.to_string()))?),
            None => http.no_proxy(),
        };
        let http = http.build().map_err(|e| FcError::config(Setting::HttpClient, e.to_string()))?;
        Ok(HttpTriggerClient {
            inner: Arc::new(Inner {
                http,
                base,
                auth: self.auth,
                timeout: self.timeout,
                retry: self.retry,
                proxy: proxy.map(|p| p.describe()),
                prepared: Default::default(),
            }),
        })
    }
}

/// A client of one HTTP trigger. Cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct HttpTriggerClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: reqwest::Client,
    base: reqwest::Url,
    auth: TriggerAuth,
    timeout: Duration,
    retry: RetryPolicy,
    proxy: Option<String>,
    /// The signing key prepared from the provider's latest credentials.
    prepared: crate::transport::PreparedCache,
}

impl HttpTriggerClient {
    /// A builder for the trigger at `url` (`https://{trigger}.{region}.fcapp.run`, or LocalFc's), anonymous until
    /// told otherwise.
    pub fn builder(url: impl Into<String>) -> HttpTriggerClientBuilder {
        HttpTriggerClientBuilder {
            url: url.into(),
            auth: TriggerAuth::Anonymous,
            timeout: crate::DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            env: Environment::process(),
        }
    }

    /// A builder for the trigger at `FC_HTTP_TRIGGER_URL`, signing with the default chain.
    pub fn builder_from_env() -> Result<HttpTriggerClientBuilder, FcError> {
        let env = Environment::process();
        let url = env
            .get("FC_HTTP_TRIGGER_URL")
            .ok_or_else(|| FcError::config(Setting::Env("FC_HTTP_TRIGGER_URL"), "not set"))?;
        Ok(HttpTriggerClient::builder(url).sign_with_default_chain())
    }

    /// The trigger's URL.
    pub fn url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// A call of `method` on `path` (`/albums/a b`: each segment between `/` is percent-encoded here).
    pub fn request(&self, method: Method, path: &str) -> TriggerCall {
        let path = path.strip_prefix('/').unwrap_or(path);
        self.request_segments(method, path.split('/'))
    }

    /// A call of `method` on the path made of `segments`, each percent-encoded whole: a `/` inside a segment is
    /// sent as `%2F`, so a value taken from the caller cannot add segments. `["albums", "a/b"]` is
    /// `/albums/a%2Fb`; no segment is `/`.
    pub fn request_segments<S: Into<String>>(
        &self,
        method: Method,
        segments: impl IntoIterator<Item = S>,
    ) -> TriggerCall {
        TriggerCall {
            client: self.clone(),
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent: false,
            error: None,
        }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> TriggerCall {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> TriggerCall {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> TriggerCall {
        self.request(Method::PUT, path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> TriggerCall {
        self.request(Method::DELETE, path)
    }
}

/// One call to an HTTP trigger, built then sent.
#[derive(Debug)]
#[must_use]
pub struct TriggerCall {
    client: HttpTriggerClient,
    method: Method,
    /// The path's segments, not encoded.
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    idempotent: bool,
    error: Option<FcError>,
}

impl TriggerCall {
    /// A query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// A header. `x-fc-*` headers are FC's (refused, as FC refuses them; see [`log_tail`](Self::log_tail) and
    /// [`asynchronous`](Self::asynchronous)), and so are `connection`, `keep-alive` and `authorization` when the
    /// client signs.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let refused = name.len() >= 5 && name[..5].eq_ignore_ascii_case("x-fc-")
            || ["connection", "keep-alive"].iter().any(|n| n.eq_ignore_ascii_case(name));
        let parsed = HeaderName::from_bytes(name.as_bytes()).ok().zip(HeaderValue::from_str(value).ok());
        match (refused, parsed) {
            (false, Some((name, mut value))) => {
                // Credentials a caller sends in a header of its own are not printed by `Debug`.
                let credential = [http::header::AUTHORIZATION, http::header::COOKIE, http::header::PROXY_AUTHORIZATION];
                value.set_sensitive(credential.contains(&name));
                self.headers.append(name, value);
            }
            _ => {
                self.error.get_or_insert_with(|| {
                    FcError::invalid_input(
                        crate::InputField::HeaderValue,
                        format!("the header {name:?} cannot be sent through an HTTP trigger"),
                    )
                });
            }
        }
        self
    }

    /// A JSON body (`content-type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Result<Self, FcError> {
        self.body = Bytes::from(serde_json::to_vec(value).map_err(|e| FcError::encode(None, e))?);
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(self)
    }

    /// A text body (`content-type: text/plain; charset=utf-8`).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Bytes::from(text.into());
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        self
    }

    /// A binary body (`content-type: application/octet-stream`).
    pub fn bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        self
    }

    /// `X-Fc-Log-Type: Tail`: the answer carries the invocation's last 4 KB of log ([`TriggerResponse::log_tail`]).
    pub fn log_tail(mut self) -> Self {
        self.headers.insert("x-fc-log-type", HeaderValue::from_static("Tail"));
        self
    }

    /// `X-Fc-Invocation-Type: Async`: FC accepts the request (202) and runs it later; its result goes to the
    /// function's destination, not back here.
    pub fn asynchronous(mut self) -> Self {
        self.headers.insert("x-fc-invocation-type", HeaderValue::from_static("Async"));
        self
    }

    /// Marks the call safe to send twice: it is then re-sent after a connection that may have delivered it.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sends the call and reads the whole answer.
    pub async fn send(self) -> Result<TriggerResponse, FcError> {
        let response = self.send_streaming().await?;
        let body = response
            .response
            .bytes()
            .await
            .map_err(|e| FcError::transport(Delivery::MaybeDelivered, e.without_url()))?;
        Ok(TriggerResponse {
            status: response.status,
            headers: response.headers,
            body,
            request_id: response.request_id,
        })
    }

    /// Sends the call and returns as soon as the answer's head has arrived: its body is read chunk by chunk, as
    /// the function streams it ([`TriggerStream::chunk`]). A non-2xx answer is read whole and is an error.
    pub async fn send_streaming(self) -> Result<TriggerStream, FcError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let inner = &self.client.inner;
        let mut url = inner.base.clone();
        let encoded = encode_path(&self.segments);
        url.set_path(&encoded);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let deadline = tokio::time::Instant::now() + inner.timeout;
        let idempotency =
            if self.idempotent { crate::transport::Idempotency::Safe } else { crate::transport::Idempotency::Unsafe };
        let mut attempt = 1;
        loop {
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if remaining.is_zero() {
                return Err(FcError::timeout(inner.timeout));
            }
            let mut headers = self.headers.clone();
            match &inner.auth {
                TriggerAuth::Anonymous => {}
                TriggerAuth::Bearer(token) => {
                    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                        FcError::config(Setting::Credentials, "the bearer token cannot be sent in a header")
                    })?;
                    value.set_sensitive(true);
                    headers.insert(http::header::AUTHORIZATION, value);
                }
                TriggerAuth::Function(provider) => {
                    let credentials = tokio::time::timeout(remaining, provider.credentials())
                        .await
                        .map_err(|_| FcError::timeout(inner.timeout))??;
                    let prepared = inner.prepared.get(credentials)?;
                    let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    crate::transport::http_trigger_headers(
                        &prepared,
                        self.method.as_str(),
                        &encoded,
                        &query,
                        &mut headers,
                    )?;
                }
            }
            let mut request = reqwest::Request::new(self.method.clone(), url.clone());
            *request.headers_mut() = headers;
            *request.timeout_mut() = Some(remaining);
            *request.body_mut() = Some(self.body.clone().into());
            let outcome = inner.http.execute(request).await;
            let (result, retryable) = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let retry = status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE;
                    (Ok(response), retry)
                }
                Err(e) => {
                    let e = e.without_url();
                    if e.is_timeout() {
                        return Err(FcError::timeout(inner.timeout));
                    }
                    let delivery = if e.is_connect() { Delivery::NotSent } else { Delivery::MaybeDelivered };
                    let retry = delivery == Delivery::NotSent || idempotency == crate::transport::Idempotency::Safe;
                    (Err(FcError::transport(delivery, e).through_proxy(inner.proxy.as_deref())), retry)
                }
            };
            if retryable
                && let Some(wait) = inner.retry.backoff(attempt, None)
                && tokio::time::Instant::now() + wait < deadline
            {
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            let response = result?;
            return TriggerStream::from_response(response).await;
        }
    }
}

/// `["albums", "a b"]` → `/albums/a%20b`: each segment percent-encoded as ACS3 encodes (`/` included).
fn encode_path(segments: &[String]) -> String {
    let mut path = String::new();
    for segment in segments {
        path.push('/');
        path.push_str(&acs3::encode(segment).to_string());
    }
    if path.is_empty() {
        path.push('/');
    }
    path
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

/// A route's decoded answer with what came with it: the status, the headers, FC's request id and, when the route
/// asked for it (`log = "tail"`), the invocation's log tail. The result type of an `#[fc_http]` route written
/// `Reply<T>`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reply<T> {
    /// The decoded body.
    pub value: T,
    /// The status (2xx).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// FC's request id (`x-fc-request-id`).
    pub request_id: Option<String>,
}

impl<T> Reply<T> {
    /// `value` with the metadata of `response`.
    pub fn new(value: T, response: TriggerResponse) -> Self {
        Reply { value, status: response.status, headers: response.headers, request_id: response.request_id }
    }

    /// The invocation's last 4 KB of log, when the call asked for it.
    pub fn log_tail(&self) -> Option<String> {
        log_tail(&self.headers)
    }
}

/// A whole answer of an HTTP trigger.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TriggerResponse {
    /// The status (2xx: others are errors).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
    /// FC's request id (`x-fc-request-id`).
    pub request_id: Option<String>,
}

impl TriggerResponse {
    /// The body as JSON of `T`; a body that does not decode names the failing field.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, FcError> {
        crate::error::decode_json_body(&self.body, self.request_id.as_deref(), "answer")
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String, FcError> {
        String::from_utf8(self.body.to_vec())
            .map_err(|_| FcError::decode("the answer is not UTF-8 text", &self.body, self.request_id.clone()))
    }

    /// The invocation's last 4 KB of log, when the call asked for it ([`TriggerCall::log_tail`]).
    pub fn log_tail(&self) -> Option<String> {
        log_tail(&self.headers)
    }
}

/// `x-fc-log-result`, decoded.
fn log_tail(headers: &HeaderMap) -> Option<String> {
    use base64::Engine as _;
    let value = headers.get("x-fc-log-result")?.to_str().ok()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(value).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// An answer of an HTTP trigger whose body is read as it arrives.
#[derive(Debug)]
#[non_exhaustive]
pub struct TriggerStream {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// FC's request id.
    pub request_id: Option<String>,
    response: reqwest::Response,
}

impl TriggerStream {
    async fn from_response(mut response: reqwest::Response) -> Result<Self, FcError> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let request_id = headers.get("x-fc-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned);
        if status.is_success() {
            return Ok(TriggerStream { status, headers, request_id, response });
        }
        let body = response.bytes().await.unwrap_or_default();
        Err(refusal(status, &headers, body, request_id))
    }

    /// The next chunk of the body as it arrives; `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, FcError> {
        self.response.chunk().await.map_err(|e| FcError::transport(Delivery::MaybeDelivered, e.without_url()))
    }
}

/// A non-2xx answer: FC's own refusal when its body is FC's error (`Code`/`ErrorCode` with a message), else the
/// function's answer.
fn refusal(status: StatusCode, headers: &HeaderMap, body: Bytes, request_id: Option<String>) -> FcError {
    #[derive(serde::Deserialize)]
    struct FcBody {
        #[serde(alias = "ErrorCode")]
        #[serde(rename = "Code")]
        code: Option<String>,
    }
    let from_fc = serde_json::from_slice::<FcBody>(&body).ok().and_then(|b| b.code).is_some();
    if from_fc {
        return FcError::from_answer(status.as_u16(), headers, &body);
    }
    FcError::Http(Box::new(HttpError::new(status, request_id, body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_callers_headers_are_not_printed() {
        let client = HttpTriggerClient::builder("http://127.0.0.1:1").bearer("bearer-secret").build().unwrap();
        let call = client.get("/").header("cookie", "jwt=cookie-secret").header("x-tag", "shown");
        let shown = format!("{call:?} {client:?}");
        assert!(!shown.contains("cookie-secret") && !shown.contains("bearer-secret"), "{shown}");
        assert!(shown.contains("shown"), "{shown}");
    }

    #[test]
    fn paths_are_encoded_segment_by_segment() {
        let client = HttpTriggerClient::builder("http://127.0.0.1:1").build().unwrap();
        let path = |p: &str| encode_path(&client.request(Method::GET, p).segments);
        assert_eq!(path("/albums/a b/$x"), "/albums/a%20b/%24x");
        assert_eq!(path("greet"), "/greet");
        assert_eq!(path("/"), "/");
        assert_eq!(path("/albums/"), "/albums/");
        let segments = client.request_segments(Method::GET, ["albums", "a/b", "é"]).segments;
        assert_eq!(encode_path(&segments), "/albums/a%2Fb/%C3%A9");
    }
}
