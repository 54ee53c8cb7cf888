//! The one path every request takes, invoke and stateful API alike: credentials, headers, signing, sending,
//! classifying the answer, and retrying what [`retry::is_safe_to_retry`] allows.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, DATE, RETRY_AFTER};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::credentials::CredentialsProvider;
use crate::error::{Delivery, ErrorCode};
use crate::response::{headers as resp_headers, parse_retry_after, service_error};
use crate::retry::{self, Idempotency, Outcome};
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

/// Credentials ready to sign with.
pub(crate) struct Prepared {
    credentials: Credentials,
    key: SigningKey,
    token: Option<HeaderValue>,
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
        let token = match &credentials.security_token {
            Some(t) => {
                let mut value = HeaderValue::from_str(t.expose()).map_err(|_| unsendable())?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Prepared { credentials, key, token })
    }
}

fn unsendable() -> FcError {
    FcError::config(crate::Setting::Credentials, "the security token cannot be sent in a header")
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
}

/// A 2xx answer; every other status has become a [`ServiceError`](crate::ServiceError).
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The HTTP client and everything a request needs that does not change per call.
#[derive(Debug)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    /// The endpoint, parsed once: each request only sets its path.
    pub base_url: reqwest::Url,
    pub credentials: CredentialSource,
    pub account_id: Option<HeaderValue>,
    pub retry: RetryPolicy,
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
        let mut attempt = 1u32;
        let mut resent = false;
        loop {
            let result = self.attempt(&ex, &url, &query).await;
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
    ) -> Result<Answer, FcError> {
        let fetched;
        let prepared: &Prepared = match &self.credentials {
            CredentialSource::Fixed(prepared) => prepared,
            CredentialSource::Provider(provider) => {
                fetched = Prepared::new(provider.credentials().await?)?;
                &fetched
            }
        };
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
        // The key id was checked to be header-safe, so the Authorization value is too.
        let authorization = HeaderValue::try_from(authorization).map_err(|_| {
            FcError::config(crate::Setting::Credentials, "the access key id cannot be sent in a header")
        })?;

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
        headers.insert(AUTHORIZATION, authorization);

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

/// The `Date` header for now, formatted once per second per thread.
fn http_date_now() -> HeaderValue {
    use std::cell::RefCell;
    thread_local! {
        static CACHE: RefCell<Option<(u64, HeaderValue)>> = const { RefCell::new(None) };
    }
    let now = SystemTime::now();
    let second = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHE.with_borrow_mut(|cache| match cache {
        Some((at, value)) if *at == second => value.clone(),
        _ => {
            let value = HeaderValue::try_from(httpdate::fmt_http_date(now)).expect("an HTTP date is a header value");
            *cache = Some((second, value.clone()));
            value
        }
    })
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
}
