//! The one path every request takes, invoke and stateful API alike: credentials, headers, signing, sending,
//! classifying the answer, and retrying what [`retry::is_safe_to_retry`] allows.

mod connect;
mod proxy;
mod retry;
mod signing;

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::header::RETRY_AFTER;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

pub use connect::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT};
pub(crate) use connect::{Http, HttpSetup};
pub use retry::RetryPolicy;
pub(crate) use retry::{Attempt, Idempotency, Outcome, Retried, retrying, trigger_outcome};
pub(crate) use signing::{Prepared, PreparedCache, http_trigger_headers};

use crate::FcError;
use crate::credentials::CredentialsProvider;
use crate::error::{Delivery, ErrorCode, TimeoutKind};
use crate::sign::QueryParam;
use crate::sign::acs3;
use crate::wire::{headers as resp_headers, parse_retry_after};

/// Where request credentials come from.
#[derive(Debug, Clone)]
pub(crate) enum CredentialSource {
    /// Fixed credentials, checked at `build()`, with their signing key prepared once.
    Fixed(Arc<Prepared>),
    /// Asked before each attempt (rotating or temporary credentials); what it returns is checked each time.
    Provider(Arc<dyn CredentialsProvider>),
}

/// How a request is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signing {
    /// FC 2.0's `FC id:signature` over `Date`, `Content-Type` and the `x-fc-*` headers.
    Fc,
    /// FC 3.0's ACS3-HMAC-SHA256 over `host`, `content-type` and the `x-acs-*` headers, for this action.
    Acs3 { action: &'static str },
}

/// One request, as the caller decides it; the transport adds date, credentials and signature.
pub(crate) struct Exchange<'a> {
    pub method: Method,
    pub path: &'a str,
    pub query: &'a [(&'a str, String)],
    /// `x-fc-*` headers, signed and sent.
    pub fc_headers: &'a [(HeaderName, HeaderValue)],
    pub content_type: HeaderValue,
    pub body: Bytes,
    /// The call's own deadline, every attempt and pause included; `Client::call` fills in the
    /// client's when it has none.
    pub timeout: Option<Duration>,
    pub idempotency: Idempotency,
    pub signing: Signing,
}

impl<'a> Exchange<'a> {
    /// A body-less API call (get, list, stop): JSON content type, no `x-fc-*` headers, the client's timeout; only
    /// a `GET` may be re-sent after a lost connection.
    pub(crate) fn api(method: Method, path: &'a str, query: &'a [(&'a str, String)], signing: Signing) -> Self {
        let idempotency = if method == Method::GET { Idempotency::Safe } else { Idempotency::Unsafe };
        Exchange {
            method,
            path,
            query,
            fc_headers: &[],
            content_type: HeaderValue::from_static("application/json"),
            body: Bytes::new(),
            timeout: None,
            idempotency,
            signing,
        }
    }
}

/// A 2xx answer; every other status has become a [`ServiceError`](crate::ServiceError).
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as JSON of the API's answer type; anything else is a decode error naming the request.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, FcError> {
        serde_json::from_slice(&self.body).map_err(|e| {
            let request_id = request_id(&self.headers).map(str::to_owned);
            FcError::decode_json("the answer is not the expected JSON", e, &self.body, request_id)
        })
    }
}

/// The HTTP client and everything a request needs that does not change per call.
pub(crate) struct Transport {
    http: reqwest::Client,
    /// The endpoint, parsed once: each request only sets its path.
    base_url: reqwest::Url,
    credentials: CredentialSource,
    /// What was prepared from a provider's latest answer.
    last_prepared: PreparedCache,
    account_id: Option<HeaderValue>,
    /// `host[:port]` as sent: signed by ACS3.
    host: HeaderValue,
    retry: RetryPolicy,
    /// The longest one attempt may take (the call's deadline bounds it in any case).
    attempt_timeout: Option<Duration>,
    /// The proxy every request goes through, as errors name it.
    proxy: Option<String>,
    /// The largest answer read.
    max_response_bytes: usize,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("attempt_timeout", &self.attempt_timeout)
            .finish_non_exhaustive()
    }
}

/// The `host` header for an endpoint: the host, and the port when the URL names a non-default one.
fn host_header(url: &reqwest::Url) -> Result<HeaderValue, FcError> {
    let host = url.host_str().unwrap_or_default();
    let value = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::try_from(value)
        .map_err(|_| FcError::config(crate::Setting::Endpoint, "the host is not a header value"))
}

impl Transport {
    /// A transport to `base_url` through `http`, signing with `credentials` (and `X-Fc-Account-Id` when given),
    /// retrying by `retry`.
    pub(crate) fn new(
        http: Http,
        base_url: reqwest::Url,
        credentials: CredentialSource,
        account_id: Option<HeaderValue>,
        retry: RetryPolicy,
        attempt_timeout: Option<Duration>,
    ) -> Result<Self, FcError> {
        let host = host_header(&base_url)?;
        let Http { client: http, proxy, max_response_bytes } = http;
        Ok(Transport {
            http,
            base_url,
            credentials,
            last_prepared: Default::default(),
            account_id,
            host,
            retry,
            attempt_timeout,
            proxy,
            max_response_bytes,
        })
    }

    /// Signs and sends `ex`, retrying what is safe to retry; non-2xx answers become service errors.
    pub(crate) async fn send(&self, ex: Exchange<'_>) -> Result<Answer, FcError> {
        let mut url = self.base_url.clone();
        url.set_path(ex.path);
        if !ex.query.is_empty() {
            url.query_pairs_mut().extend_pairs(ex.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let query: Vec<QueryParam<'_>> =
            ex.query.iter().map(|(k, v)| QueryParam { key: k, value: Some(v.as_str()) }).collect();
        // ACS3 signs the body's hash: computed once, whatever the number of attempts.
        let payload_hash = match ex.signing {
            Signing::Acs3 { .. } => Some(acs3::payload_hash(&ex.body)),
            Signing::Fc => None,
        };
        let call_timeout = ex.timeout.unwrap_or(DEFAULT_TIMEOUT);
        let deadline = tokio::time::Instant::now() + call_timeout;
        let attempt = |_| async {
            // Each attempt gets its own timeout, within what is left of the call's deadline.
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let limit = match self.attempt_timeout {
                Some(own) if own < remaining => (own, TimeoutKind::Attempt),
                _ => (remaining, TimeoutKind::Call),
            };
            let timed_out = || match limit.1 {
                TimeoutKind::Call => FcError::timeout_of(call_timeout, TimeoutKind::Call),
                _ => FcError::timeout_of(limit.0, limit.1),
            };
            // One timer an attempt: the HTTP client's, armed with the attempt's limit (and the credentials fetch
            // bounded by the same limit).
            let result = if remaining.is_zero() {
                Err(timed_out())
            } else {
                match self.attempt(&ex, &url, &query, payload_hash.as_deref(), limit.0).await {
                    Err(FcError::Timeout(_)) => Err(timed_out()),
                    result => result,
                }
            };
            let (outcome, retry_after) = match &result {
                Ok(answer) => (
                    Some(retry::api_outcome(answer.status)),
                    answer.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after),
                ),
                Err(e) => (failure_outcome(e), None),
            };
            Attempt { result, outcome, retry_after }
        };
        let Retried { result, resent } = retrying(&self.retry, deadline, ex.idempotency, attempt).await;
        let answer = result?;
        if !answer.status.is_success() {
            return Err(classify_refusal(answer, resent, ex.signing));
        }
        Ok(answer)
    }

    /// One signed attempt.
    async fn attempt(
        &self,
        ex: &Exchange<'_>,
        url: &reqwest::Url,
        query: &[QueryParam<'_>],
        payload_hash: Option<&str>,
        timeout: Duration,
    ) -> Result<Answer, FcError> {
        let fetched;
        let prepared: &Prepared = match &self.credentials {
            CredentialSource::Fixed(prepared) => prepared,
            CredentialSource::Provider(provider) => {
                // Within the attempt's time: a provider that hangs must not outlast the call.
                let credentials = tokio::time::timeout(timeout, provider.credentials())
                    .await
                    .map_err(|_| FcError::timeout_of(timeout, TimeoutKind::Attempt))??;
                fetched = self.prepare(credentials)?;
                &fetched
            }
        };
        let headers = match ex.signing {
            Signing::Fc => self.fc_headers(ex, query, prepared)?,
            Signing::Acs3 { action } => self.acs3_headers(ex, action, payload_hash.unwrap_or_default(), prepared)?,
        };
        // The request built directly: the signed headers are moved in, not merged into a builder's map.
        let mut request = reqwest::Request::new(ex.method.clone(), url.clone());
        *request.headers_mut() = headers;
        *request.timeout_mut() = Some(timeout);
        *request.body_mut() = Some(ex.body.clone().into());
        let lost = |e| transport_error(e, timeout, self.proxy.as_deref());
        let mut response = self.http.execute(request).await.map_err(lost)?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let body = read_body(&mut response, self.max_response_bytes, request_id(&headers), lost).await?;
        Ok(Answer { status, headers, body })
    }
}

/// A non-2xx answer as a service error; a duplicate-id refusal of a re-sent call carries a hint at what probably
/// happened, naming the method of the API the call spoke.
fn classify_refusal(answer: Answer, resent: bool, signing: Signing) -> FcError {
    let mut error = FcError::from_answer(answer.status.as_u16(), &answer.headers, &answer.body);
    if let FcError::Service(e) = &mut error
        && resent
        && e.code == ErrorCode::StatefulAsyncInvocationAlreadyExists
    {
        e.hint = Some(match signing {
            Signing::Fc => {
                "this call was re-sent after a connection failure: the earlier attempt was probably accepted under \
                 this id; check it with get_stateful_invocation"
            }
            Signing::Acs3 { .. } => {
                "this call was re-sent after a connection failure: the earlier attempt was probably accepted under \
                 this task id; check it with get_async_task"
            }
        });
    }
    error
}

/// How an attempt that ended in an error ended, for the retry rule: a transport failure (sent or not), a timeout
/// (perhaps delivered); `None` for an error before anything was attempted (credentials that could not be had).
pub(crate) fn failure_outcome(e: &FcError) -> Option<Outcome> {
    match e {
        FcError::Transport(e) => Some(Outcome::Failed(e.delivery)),
        FcError::Timeout(_) => Some(Outcome::Failed(Delivery::MaybeDelivered)),
        _ => None,
    }
}

pub(crate) fn transport_error(e: reqwest::Error, timeout: Duration, proxy: Option<&str>) -> FcError {
    // Kept as the source, without the URL: what a caller prints must not depend on what a URL carries.
    let e = e.without_url();
    if e.is_timeout() {
        return FcError::timeout(timeout);
    }
    let delivery = if e.is_connect() { Delivery::NotSent } else { Delivery::MaybeDelivered };
    FcError::transport(delivery, e).through_proxy(proxy)
}

/// What a failed read of an answer's body is: the connection broke after the request was delivered.
pub(crate) fn body_broke(e: reqwest::Error) -> FcError {
    FcError::transport(Delivery::MaybeDelivered, e.without_url())
}

/// An answer over the client's `max_response_bytes`.
pub(crate) fn too_large(max: usize, request_id: Option<&str>) -> FcError {
    FcError::decode(
        format!("the answer is over the client's max_response_bytes ({max} bytes); the rest was not read"),
        b"",
        request_id.map(str::to_owned),
    )
}

/// An answer's whole body, at most `max` bytes (the client's `max_response_bytes`): a longer one is an error once `max` bytes have arrived, without reading
/// or holding the rest.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    max: usize,
    request_id: Option<&str>,
    lost: impl Fn(reqwest::Error) -> FcError,
) -> Result<Bytes, FcError> {
    if response.content_length().is_some_and(|len| len > max as u64) {
        return Err(too_large(max, request_id));
    }
    // A body that arrives in one chunk (the common case) is kept as it came, without a copy.
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(&lost)? {
        let held = first.as_ref().map_or(body.len(), Bytes::len);
        if held + chunk.len() > max {
            return Err(too_large(max, request_id));
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            Some(earlier) => {
                body.extend_from_slice(&earlier);
                body.extend_from_slice(&chunk);
            }
            None => body.extend_from_slice(&chunk),
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}

/// The request-id header of an answer, when it has a readable one.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(resp_headers::REQUEST_ID).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_headers_keep_a_non_default_port() {
        let h = |u: &str| host_header(&reqwest::Url::parse(u).unwrap()).unwrap();
        assert_eq!(h("http://127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(h("https://1.cn-hangzhou.fc.aliyuncs.com"), "1.cn-hangzhou.fc.aliyuncs.com");
        assert_eq!(h("https://x.example:443"), "x.example");
    }
}
