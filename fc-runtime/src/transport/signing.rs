//! Signing an attempt: credentials prepared once per credential, then the headers and signature of either
//! scheme (FC 2.0's `FC id:signature`, FC 3.0's ACS3-HMAC-SHA256), with a fresh date (and nonce) per attempt.

use std::sync::Arc;
use std::time::SystemTime;

use http::header::{AUTHORIZATION, CONTENT_TYPE, DATE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::{Exchange, Transport};
use crate::sign::acs3::{Acs3Key, Acs3Request};
use crate::sign::{QueryParam, SignableRequest, SigningKey};
use crate::{Credentials, FcError};

const X_FC_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-fc-security-token");
const X_FC_ACCOUNT_ID: HeaderName = HeaderName::from_static("x-fc-account-id");

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

/// What was prepared from a provider's latest answer, reused while it hands out the same credentials.
#[derive(Debug, Default)]
pub(crate) struct PreparedCache(std::sync::Mutex<Option<Arc<Prepared>>>);

impl PreparedCache {
    /// A provider's answer, ready to sign with: the one prepared for the previous request when the provider
    /// handed out the same credentials again (a cache does, until it refreshes), so that the key is checked and
    /// derived once per credential, not once per request.
    pub(crate) fn get(&self, credentials: Credentials) -> Result<Arc<Prepared>, FcError> {
        let mut last = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(prepared) = last.as_ref().filter(|p| p.credentials.is_same(&credentials)) {
            return Ok(prepared.clone());
        }
        let prepared = Arc::new(Prepared::new(credentials)?);
        *last = Some(prepared.clone());
        Ok(prepared)
    }
}

/// An HTTP-trigger request signed as `authType = function` requires (`sign::http_trigger`): `x-acs-date`,
/// `x-acs-security-token` (empty without STS) and `Authorization` set in `headers`.
pub(crate) fn http_trigger_headers(
    prepared: &Prepared,
    method: &str,
    encoded_path: &str,
    query: &[(&str, &str)],
    headers: &mut HeaderMap,
) -> Result<(), FcError> {
    use crate::sign::http_trigger::{self, TriggerRequest};
    let date = acs3_date_now();
    let token = prepared.credentials.security_token.as_ref().map(|t| t.expose()).unwrap_or_default();
    let authorization = http_trigger::authorization_with(
        &prepared.acs3_key,
        &prepared.credentials.access_key_id,
        &TriggerRequest {
            method,
            path: encoded_path,
            query,
            date: date.to_str().expect("a date is ASCII"),
            security_token: token,
        },
    );
    let mut authorization = HeaderValue::from_str(&authorization).map_err(|_| unsendable())?;
    authorization.set_sensitive(true);
    headers.insert(X_ACS_DATE, date);
    headers.insert(
        HeaderName::from_static(http_trigger::TOKEN_HEADER),
        prepared.token.clone().unwrap_or_else(|| HeaderValue::from_static("")),
    );
    headers.insert(AUTHORIZATION, authorization);
    Ok(())
}

impl Transport {
    /// A provider's answer, ready to sign with ([`PreparedCache::get`]).
    pub(super) fn prepare(&self, credentials: Credentials) -> Result<Arc<Prepared>, FcError> {
        self.last_prepared.get(credentials)
    }

    /// FC 2.0: `Date`, `Content-Type`, the `x-fc-*` headers and `Authorization: FC id:signature`.
    pub(super) fn fc_headers(
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
        // Room for reqwest's own (`accept`, `user-agent`) too, so that the map does not grow.
        let mut headers = HeaderMap::with_capacity(ex.fc_headers.len() + 8);
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
    pub(super) fn acs3_headers(
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
        signed.push(("x-acs-version", crate::wire::FC3_API_VERSION));
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
        let mut headers = HeaderMap::with_capacity(ex.fc_headers.len() + 13);
        headers.insert(HOST, self.host.clone());
        headers.insert(CONTENT_TYPE, ex.content_type.clone());
        headers.insert(X_ACS_ACTION, HeaderValue::from_static(action));
        headers.insert(X_ACS_VERSION, HeaderValue::from_static(crate::wire::FC3_API_VERSION));
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
}
