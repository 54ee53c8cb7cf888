//! The one path every request takes, invoke and stateful API alike: credentials, headers, signing, sending,
//! classifying the answer, and retrying what [`retry::is_safe_to_retry`] allows.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, DATE, HOST, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::credentials::CredentialsProvider;
use crate::error::{Delivery, ErrorCode};
use crate::response::{headers as resp_headers, parse_retry_after, service_error};
use crate::retry::{self, Idempotency, Outcome};
use crate::sign::acs3::{self, Acs3Key, Acs3Request};
use crate::sign::{QueryParam, SignableRequest, SigningKey};
use crate::{Credentials, FcError, RetryPolicy};

pub(crate) const X_FC_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-fc-security-token");
pub(crate) const X_FC_ACCOUNT_ID: HeaderName = HeaderName::from_static("x-fc-account-id");

/// Where request credentials come from.
#[derive(Debug, Clone)]
pub(crate) enum CredentialSource {
    /// Fixed credentials, checked at `build()`, with their signing key prepared once.
    Fixed(Arc<Prepared>),
    /// Asked before each attempt (rotating or temporary credentials); what it returns is checked each time.
    Provider(Arc<dyn CredentialsProvider>),
}

/// Credentials ready to sign with, under either scheme.
pub(crate) struct Prepared {
    credentials: Credentials,
    key: SigningKey,
    acs3_key: Acs3Key,
    token: Option<HeaderValue>,
    key_id: HeaderValue,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").field("credentials", &self.credentials).finish_non_exhaustive()
    }
}

impl Prepared {
    /// Checks `credentials` with the one rule ([`Credentials::validate`]) and prepares the key.
    pub(crate) fn new(credentials: Credentials) -> Result<Self, FcError> {
        credentials.validate()?;
        let key = SigningKey::new(credentials.access_key_secret.expose());
        let acs3_key = Acs3Key::from_fc_key(&key);
        let key_id = HeaderValue::from_str(&credentials.access_key_id).map_err(|_| unsendable())?;
        let token = match &credentials.security_token {
            Some(t) => {
                let mut value = HeaderValue::from_str(t.expose()).map_err(|_| unsendable())?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Prepared { credentials, key, acs3_key, token, key_id })
    }
}

fn unsendable() -> FcError {
    FcError::config(crate::Setting::Credentials, "the security token cannot be sent in a header")
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
    pub timeout: Duration,
    pub idempotency: Idempotency,
    pub signing: Signing,
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
#[derive(Debug)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    /// The endpoint, parsed once: each request only sets its path.
    pub base_url: reqwest::Url,
    pub credentials: CredentialSource,
    /// What was prepared from a provider's latest answer.
    pub last_prepared: std::sync::Mutex<Option<Arc<Prepared>>>,
    pub account_id: Option<HeaderValue>,
    /// `host[:port]` as sent: signed by ACS3.
    pub host: HeaderValue,
    pub retry: RetryPolicy,
}

/// The `host` header for an endpoint: the host, and the port when the URL names a non-default one.
pub(crate) fn host_header(url: &reqwest::Url) -> Result<HeaderValue, FcError> {
    let host = url.host_str().unwrap_or_default();
    let value = match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    };
    HeaderValue::try_from(value)
        .map_err(|_| FcError::config(crate::Setting::Endpoint, "the host is not a header value"))
}

impl Transport {
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
        let mut attempt = 1u32;
        let mut resent = false;
        loop {
            let result = self.attempt(&ex, &url, &query, payload_hash.as_deref()).await;
            let outcome = match &result {
                Ok(answer) => Some((
                    Outcome::Answered(answer.status),
                    answer.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after),
                )),
                Err(FcError::Transport(e)) => Some((Outcome::Failed(e.delivery), None)),
                Err(FcError::Timeout(_)) => Some((Outcome::Failed(Delivery::MaybeDelivered), None)),
                // Credentials that could not be had or sent: nothing was attempted.
                Err(_) => None,
            };
            if let Some((outcome, retry_after)) = outcome
                && retry::is_safe_to_retry(outcome, ex.idempotency)
                && let Some(wait) = self.retry.backoff(attempt, retry_after)
            {
                tracing::debug!(?outcome, attempt, ?wait, "safe to re-send; retrying");
                tokio::time::sleep(wait).await;
                resent |= outcome == Outcome::Failed(Delivery::MaybeDelivered);
                attempt += 1;
                continue;
            }
            let answer = result?;
            if !answer.status.is_success() {
                return Err(classify_refusal(answer, resent));
            }
            return Ok(answer);
        }
    }

    /// One signed attempt.
    async fn attempt(
        &self,
        ex: &Exchange<'_>,
        url: &reqwest::Url,
        query: &[QueryParam<'_>],
        payload_hash: Option<&str>,
    ) -> Result<Answer, FcError> {
        let fetched;
        let prepared: &Prepared = match &self.credentials {
            CredentialSource::Fixed(prepared) => prepared,
            CredentialSource::Provider(provider) => {
                fetched = self.prepare(provider.credentials().await?)?;
                &fetched
            }
        };
        let headers = match ex.signing {
            Signing::Fc => self.fc_headers(ex, query, prepared)?,
            Signing::Acs3 { action } => self.acs3_headers(ex, action, payload_hash.unwrap_or_default(), prepared)?,
        };
        let request = self
            .http
            .request(ex.method.clone(), url.clone())
            .timeout(ex.timeout)
            .headers(headers)
            .body(ex.body.clone());
        let mut response = request.send().await.map_err(|e| transport_error(e, ex.timeout))?;
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(|e| transport_error(e, ex.timeout))?;
        Ok(Answer { status, headers, body })
    }

    /// A provider's answer, ready to sign with: the one prepared for the previous request when the provider
    /// handed out the same credentials again (a cache does, until it refreshes), so that the key is checked and
    /// derived once per credential, not once per request.
    fn prepare(&self, credentials: Credentials) -> Result<Arc<Prepared>, FcError> {
        let mut last = self.last_prepared.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(prepared) = last.as_ref().filter(|p| p.credentials.is_same(&credentials)) {
            return Ok(prepared.clone());
        }
        let prepared = Arc::new(Prepared::new(credentials)?);
        *last = Some(prepared.clone());
        Ok(prepared)
    }

    /// FC 2.0: `Date`, `Content-Type`, the `x-fc-*` headers and `Authorization: FC id:signature`.
    fn fc_headers(
        &self,
        ex: &Exchange<'_>,
        query: &[QueryParam<'_>],
        prepared: &Prepared,
    ) -> Result<HeaderMap, FcError> {
        let date = http_date_now();
        let date_str = date.to_str().expect("an HTTP date is ASCII");
        let content_type = ex.content_type.to_str().expect("a static content type is ASCII");
        let mut signed: Vec<(&str, &str)> = Vec::with_capacity(ex.fc_headers.len() + 4);
        signed.push(("date", date_str));
        signed.push(("content-type", content_type));
        for (name, value) in ex.fc_headers {
            signed.push((name.as_str(), value.to_str().expect("fc header values are checked ASCII")));
        }
        if let Some(token) = &prepared.token {
            signed.push(("x-fc-security-token", token.to_str().expect("checked ASCII")));
        }
        if let Some(account) = &self.account_id {
            signed.push(("x-fc-account-id", account.to_str().expect("digits")));
        }
        let signable = SignableRequest { method: ex.method.as_str(), path: ex.path, headers: &signed, query };
        let authorization = prepared.key.authorization(&prepared.credentials.access_key_id, &signable);
        let mut headers = HeaderMap::with_capacity(ex.fc_headers.len() + 5);
        headers.insert(DATE, date);
        headers.insert(CONTENT_TYPE, ex.content_type.clone());
        for (name, value) in ex.fc_headers {
            headers.append(name.clone(), value.clone());
        }
        if let Some(token) = &prepared.token {
            headers.insert(X_FC_SECURITY_TOKEN, token.clone());
        }
        if let Some(account) = &self.account_id {
            headers.insert(X_FC_ACCOUNT_ID, account.clone());
        }
        headers.insert(AUTHORIZATION, authorization_value(authorization)?);
        Ok(headers)
    }

    /// FC 3.0: `host`, `content-type` and the `x-acs-*` headers signed with ACS3-HMAC-SHA256 (the official Go
    /// SDK's set), a fresh date and nonce per attempt; the `x-fc-*` headers travel unsigned.
    fn acs3_headers(
        &self,
        ex: &Exchange<'_>,
        action: &'static str,
        payload_hash: &str,
        prepared: &Prepared,
    ) -> Result<HeaderMap, FcError> {
        let date = acs3_date_now();
        let nonce = nonce();
        let host = self.host.to_str().expect("a host is ASCII");
        let content_type = ex.content_type.to_str().expect("a static content type is ASCII");
        let mut signed: Vec<(&str, &str)> = Vec::with_capacity(9);
        signed.push(("host", host));
        signed.push(("content-type", content_type));
        signed.push(("x-acs-action", action));
        signed.push(("x-acs-version", crate::paths::FC3_API_VERSION));
        signed.push(("x-acs-date", date.to_str().expect("a date is ASCII")));
        signed.push(("x-acs-signature-nonce", &nonce));
        signed.push(("x-acs-content-sha256", payload_hash));
        if let Some(token) = &prepared.token {
            signed.push(("x-acs-security-token", token.to_str().expect("checked ASCII")));
            signed.push(("x-acs-accesskey-id", &prepared.credentials.access_key_id));
        }
        let query: Vec<(&str, &str)> = ex.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let request = Acs3Request {
            method: ex.method.as_str(),
            path: ex.path,
            query: &query,
            headers: &signed,
            hashed_payload: payload_hash,
        };
        let authorization = prepared.acs3_key.authorization(&prepared.credentials.access_key_id, &request);
        let mut headers = HeaderMap::with_capacity(ex.fc_headers.len() + 10);
        headers.insert(HOST, self.host.clone());
        headers.insert(CONTENT_TYPE, ex.content_type.clone());
        headers.insert(X_ACS_ACTION, HeaderValue::from_static(action));
        headers.insert(X_ACS_VERSION, HeaderValue::from_static(crate::paths::FC3_API_VERSION));
        headers.insert(X_ACS_DATE, date);
        headers.insert(X_ACS_SIGNATURE_NONCE, HeaderValue::try_from(nonce).expect("hex is a header value"));
        headers.insert(X_ACS_CONTENT_SHA256, HeaderValue::from_str(payload_hash).expect("hex is a header value"));
        if let Some(token) = &prepared.token {
            headers.insert(X_ACS_SECURITY_TOKEN, token.clone());
            headers.insert(X_ACS_ACCESSKEY_ID, prepared.key_id.clone());
        }
        for (name, value) in ex.fc_headers {
            headers.append(name.clone(), value.clone());
        }
        if let Some(account) = &self.account_id {
            headers.insert(X_FC_ACCOUNT_ID, account.clone());
        }
        headers.insert(AUTHORIZATION, authorization_value(authorization)?);
        Ok(headers)
    }
}

const X_ACS_ACTION: HeaderName = HeaderName::from_static("x-acs-action");
const X_ACS_VERSION: HeaderName = HeaderName::from_static("x-acs-version");
const X_ACS_DATE: HeaderName = HeaderName::from_static("x-acs-date");
const X_ACS_SIGNATURE_NONCE: HeaderName = HeaderName::from_static("x-acs-signature-nonce");
const X_ACS_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-acs-content-sha256");
const X_ACS_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-acs-security-token");
const X_ACS_ACCESSKEY_ID: HeaderName = HeaderName::from_static("x-acs-accesskey-id");

/// The key id was checked to be header-safe, so the `Authorization` value is too.
fn authorization_value(authorization: String) -> Result<HeaderValue, FcError> {
    HeaderValue::try_from(authorization)
        .map_err(|_| FcError::config(crate::Setting::Credentials, "the access key id cannot be sent in a header"))
}

/// A fresh `x-acs-signature-nonce`: 128 random bits as 32 hex digits.
fn nonce() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No system randomness: still unique per process and call.
        use std::sync::atomic::{AtomicU64, Ordering};
        static SEQUENCE: AtomicU64 = AtomicU64::new(0);
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        bytes[..8].copy_from_slice(&now.to_le_bytes());
        bytes[8..].copy_from_slice(&SEQUENCE.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    }
    let mut out = [0u8; 32];
    hex::encode_to_slice(bytes, &mut out).expect("32 hex digits");
    String::from_utf8(out.to_vec()).expect("hex is ASCII")
}

/// `x-acs-date` for now (`2023-10-26T10:22:32Z`), formatted once per second per thread.
fn acs3_date_now() -> HeaderValue {
    thread_local! {
        static CACHE: SecondCache = const { SecondCache::new() };
    }
    CACHE.with(|cache| cache.get(|now| humantime::format_rfc3339_seconds(now).to_string()))
}

/// A non-2xx answer as a service error; a duplicate-id refusal of a re-sent call says what probably happened.
fn classify_refusal(answer: Answer, resent: bool) -> FcError {
    let mut error = service_error(answer.status.as_u16(), &answer.headers, &answer.body);
    if let FcError::Service(e) = &mut error
        && resent
        && e.code == ErrorCode::StatefulAsyncInvocationAlreadyExists
    {
        e.message.push_str(
            " (this call was re-sent after a connection failure: the earlier attempt was probably accepted under \
             this id; check it with get_stateful_invocation)",
        );
    }
    error
}

fn transport_error(e: reqwest::Error, timeout: Duration) -> FcError {
    if e.is_connect() {
        return FcError::transport(Delivery::NotSent, e);
    }
    if e.is_timeout() {
        return FcError::timeout(timeout);
    }
    FcError::transport(Delivery::MaybeDelivered, e)
}

/// A header value formatted from the clock at most once per second.
struct SecondCache(std::cell::RefCell<Option<(u64, HeaderValue)>>);

impl SecondCache {
    const fn new() -> Self {
        SecondCache(std::cell::RefCell::new(None))
    }

    fn get(&self, format: impl FnOnce(SystemTime) -> String) -> HeaderValue {
        let now = SystemTime::now();
        let second = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut cache = self.0.borrow_mut();
        match &*cache {
            Some((at, value)) if *at == second => value.clone(),
            _ => {
                let value = HeaderValue::try_from(format(now)).expect("a formatted date is a header value");
                *cache = Some((second, value.clone()));
                value
            }
        }
    }
}

/// The `Date` header for now, formatted once per second per thread.
fn http_date_now() -> HeaderValue {
    thread_local! {
        static CACHE: SecondCache = const { SecondCache::new() };
    }
    CACHE.with(|cache| cache.get(httpdate::fmt_http_date))
}

/// The request-id header of an answer, when it has a readable one.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(resp_headers::REQUEST_ID).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cached_date_is_todays_http_date() {
        let before = httpdate::fmt_http_date(SystemTime::now());
        let cached = http_date_now();
        let after = httpdate::fmt_http_date(SystemTime::now());
        let cached = cached.to_str().unwrap();
        assert!(cached == before || cached == after, "{cached} vs {before}/{after}");
    }

    #[test]
    fn acs3_dates_and_nonces() {
        let date = acs3_date_now();
        let date = date.to_str().unwrap();
        assert_eq!(date.len(), 20, "{date}");
        assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
        let (a, b) = (nonce(), nonce());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "a fresh nonce per attempt");
    }

    #[test]
    fn host_headers_keep_a_non_default_port() {
        let h = |u: &str| host_header(&reqwest::Url::parse(u).unwrap()).unwrap();
        assert_eq!(h("http://127.0.0.1:9000"), "127.0.0.1:9000");
        assert_eq!(h("https://1.cn-hangzhou.fc.aliyuncs.com"), "1.cn-hangzhou.fc.aliyuncs.com");
        assert_eq!(h("https://x.example:443"), "x.example");
    }
}
