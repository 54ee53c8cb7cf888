//! Request authentication as the FC front end performs it: the signature is recomputed from the request as
//! received (decoded path, headers as sent), independently of the client's signer.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

use super::reply::Reject;

/// An access key `LocalFc` accepts.
#[derive(Clone)]
pub(crate) struct Key {
    pub id: String,
    pub secret: String,
    /// For STS keys: the token that must accompany them.
    pub security_token: Option<String>,
}

pub(crate) struct AuthConfig {
    pub keys: Vec<Key>,
    pub account_id: Option<String>,
    pub max_skew: Duration,
}

impl AuthConfig {
    /// The credentials a hosted function's role gets: the first key (FC would give it the role's STS key).
    pub fn role(&self) -> Option<crate::Credentials> {
        self.keys.first().map(|k| {
            let c = crate::Credentials::new(&k.id, &k.secret);
            match &k.security_token {
                Some(t) => c.with_security_token(t),
                None => c,
            }
        })
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The string FC signs, rebuilt from what arrived on the wire.
fn canonical_string(method: &str, decoded_path: &str, raw_query: Option<&str>, headers: &HeaderMap) -> String {
    let mut fc: Vec<(&str, &str)> = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("x-fc-"))
        .map(|(name, value)| (name.as_str(), value.to_str().unwrap_or("")))
        .collect();
    // HeaderMap names are already lower-case; a stable sort keeps repeated headers in arrival order.
    fc.sort_by(|a, b| a.0.cmp(b.0));
    let mut s = [
        method.to_ascii_uppercase().as_str(),
        header_str(headers, "content-md5").unwrap_or(""),
        header_str(headers, "content-type").unwrap_or(""),
        header_str(headers, "date").unwrap_or(""),
    ]
    .join("\n");
    s.push('\n');
    for (name, value) in fc {
        s += name;
        s += ":";
        s += value;
        s += "\n";
    }
    s += decoded_path;
    let mut segments = decoded_path.trim_start_matches('/').split('/');
    if segments.nth(1) == Some("proxy") {
        // `a=` (an empty value) signs as `a=`, a bare `a` as `a`, as the official SDK signs them: the two are told
        // apart on the wire, not after decoding.
        let mut params: Vec<String> = raw_query
            .unwrap_or("")
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| {
                let decode = |s: &str| form_urlencoded::parse(s.as_bytes()).next().map(|(k, _)| k.into_owned());
                match part.split_once('=') {
                    Some((k, v)) => format!("{}={}", decode(k).unwrap_or_default(), decode(v).unwrap_or_default()),
                    None => decode(part).unwrap_or_default(),
                }
            })
            .collect();
        params.sort();
        s.push('\n');
        s += &params.join("\n");
    }
    s
}

/// The string to sign as echoed in `SignatureNotMatch`, with the security token's value masked: error messages
/// end up in logs, and the token is a credential.
fn redact_token(string_to_sign: &str, header: &str) -> String {
    string_to_sign
        .split('\n')
        .map(|line| match line.strip_prefix(header).and_then(|rest| rest.strip_prefix(':')) {
            Some(_) => format!("{header}:***"),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The key named by a request, with its STS token checked in constant time against the one sent in `header`.
fn key_with_token<'a>(
    config: &'a AuthConfig,
    key_id: &str,
    headers: &HeaderMap,
    header: &str,
) -> Result<&'a Key, Reject> {
    let Some(key) = config.keys.iter().find(|k| k.id == key_id) else {
        return Err(Reject::new(403, "InvalidAccessKeyID", format!("access key id {key_id:?} does not exist")));
    };
    match (&key.security_token, header_str(headers, header)) {
        (Some(expected), Some(got)) if bool::from(expected.as_bytes().ct_eq(got.as_bytes())) => Ok(key),
        (Some(_), _) => Err(Reject::new(403, "InvalidSecurityToken", "the security token is missing or invalid")),
        (None, Some(_)) => {
            Err(Reject::new(403, "InvalidSecurityToken", "a security token was sent with a long-term access key"))
        }
        (None, None) => Ok(key),
    }
}

/// Refuses an `X-Fc-Account-Id` other than the endpoint's account, when the endpoint has one.
fn check_account(config: &AuthConfig, headers: &HeaderMap) -> Result<(), Reject> {
    match (&config.account_id, header_str(headers, "x-fc-account-id")) {
        (Some(expected), Some(got)) if expected != got => {
            Err(Reject::new(403, "AccessDenied", format!("account {got:?} is not this endpoint's account")))
        }
        _ => Ok(()),
    }
}

/// Refuses a request time further from the clock than the configured skew; `what` names it in the message.
fn check_skew(config: &AuthConfig, what: &str, date: &str, at: SystemTime, now: SystemTime) -> Result<(), Reject> {
    let skew = now.duration_since(at).or_else(|e| Ok::<_, ()>(e.duration())).unwrap_or_default();
    if skew > config.max_skew {
        return Err(Reject::new(
            403,
            "RequestTimeTooSkewed",
            format!(
                "{what} {date} differs from the server time by {}s (at most {}s allowed)",
                skew.as_secs(),
                config.max_skew.as_secs()
            ),
        ));
    }
    Ok(())
}

/// Checks Date, Authorization, the key, the STS token, the account id and the signature.
pub(crate) fn authenticate(
    config: &AuthConfig,
    method: &str,
    decoded_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), Reject> {
    let Some(date) = header_str(headers, "date") else {
        return Err(Reject::new(403, "AccessDenied", "the Date header is missing"));
    };
    let Ok(at) = httpdate::parse_http_date(date) else {
        return Err(Reject::new(403, "AccessDenied", format!("the Date header {date:?} is not an RFC 1123 date")));
    };
    let now = SystemTime::now();
    check_skew(config, "the request time", date, at, now)?;
    let Some(authorization) = header_str(headers, "authorization") else {
        return Err(Reject::new(403, "AccessDenied", "the Authorization header is missing"));
    };
    let Some((key_id, signature)) = authorization.strip_prefix("FC ").and_then(|rest| rest.split_once(':')) else {
        return Err(Reject::new(
            403,
            "SignatureNotMatch",
            "the Authorization header is malformed: expected `FC <AccessKeyId>:<Signature>`",
        ));
    };
    let key = key_with_token(config, key_id, headers, "x-fc-security-token")?;
    check_account(config, headers)?;
    let string_to_sign = canonical_string(method, decoded_path, raw_query, headers);
    let mut mac = Hmac::<Sha256>::new_from_slice(key.secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    // A signature that is not base64 cannot match; one that is is compared in constant time.
    let matches = STANDARD.decode(signature).is_ok_and(|sent| mac.verify_slice(&sent).is_ok());
    if !matches {
        return Err(Reject::new(
            403,
            "SignatureNotMatch",
            format!(
                "the request signature does not match; the server signed {:?}",
                redact_token(&string_to_sign, "x-fc-security-token")
            ),
        ));
    }
    Ok(())
}

/// `x-acs-signature-nonce` values seen within the skew window: a nonce used twice is a replay. Nonces expire in
/// arrival order, so each request costs O(1) amortized however many are remembered.
#[derive(Default)]
pub(crate) struct Nonces(std::sync::Mutex<NonceWindow>);

#[derive(Default)]
pub(crate) struct NonceWindow {
    seen: std::collections::HashSet<String>,
    order: std::collections::VecDeque<(SystemTime, String)>,
}

/// At most this many nonces are remembered (about 15 MB at worst): a replay is refused within the window at up to
/// 55 requests a second sustained for the whole 30 minutes; beyond that the oldest are forgotten early.
const MAX_NONCES: usize = 100_000;

impl Nonces {
    /// Records `nonce`; false when it was already used within `window`.
    fn fresh(&self, nonce: &str, now: SystemTime, window: Duration) -> bool {
        let mut w = self.0.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((at, _)) = w.order.front() {
            let expired = now.duration_since(*at).is_ok_and(|age| age > window);
            if !expired && w.order.len() < MAX_NONCES {
                break;
            }
            if let Some((_, old)) = w.order.pop_front() {
                w.seen.remove(&old);
            }
        }
        if !w.seen.insert(nonce.to_owned()) {
            return false;
        }
        w.order.push_back((now, nonce.to_owned()));
        true
    }
}

/// Checks an FC 3.0 request signed with ACS3-HMAC-SHA256, rebuilding the canonical request from what arrived:
/// the path as sent, the decoded query, and exactly the headers named in `SignedHeaders` (both official SDKs'
/// choices verify: the Go SDK signs `host`, `content-type` and `x-acs-*`, the Python SDK every header). Returns
/// the `x-acs-content-sha256` the body must hash to.
pub(crate) fn authenticate_acs3(
    config: &AuthConfig,
    nonces: &Nonces,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
) -> Result<String, Reject> {
    let missing = |name: &str| Reject::new(400, "MissingRequiredHeader", format!("the {name} header is missing"));
    let date = header_str(headers, "x-acs-date").ok_or_else(|| missing("x-acs-date"))?;
    let Ok(at) = humantime::parse_rfc3339(date) else {
        return Err(Reject::new(403, "AccessDenied", format!("x-acs-date {date:?} is not yyyy-MM-ddTHH:mm:ssZ")));
    };
    let now = SystemTime::now();
    check_skew(config, "x-acs-date", date, at, now)?;
    let hashed = header_str(headers, "x-acs-content-sha256").ok_or_else(|| missing("x-acs-content-sha256"))?;
    let nonce = header_str(headers, "x-acs-signature-nonce").ok_or_else(|| missing("x-acs-signature-nonce"))?;
    verify_acs3(config, method, raw_path, raw_query, headers, &API_SIGNED, hashed, false)?;
    check_account(config, headers)?;
    if !nonces.fresh(nonce, now, config.max_skew * 2) {
        return Err(Reject::new(
            403,
            "SignatureNonceUsed",
            format!("x-acs-signature-nonce {nonce:?} was already used"),
        ));
    }
    Ok(hashed.to_owned())
}

/// The headers an API request's ACS3 signature must cover.
const API_SIGNED: [&str; 4] = ["host", "x-acs-date", "x-acs-content-sha256", "x-acs-signature-nonce"];

/// Verifies an ACS3 `Authorization` against the request as it arrived: the key it names (and its token, where an
/// empty token counts as none when `empty_token_is_none`), `required` among its signed headers, and the
/// signature over the path as sent, the decoded query, the signed headers and `payload` as the last line.
#[allow(clippy::too_many_arguments)]
fn verify_acs3<'a>(
    config: &'a AuthConfig,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
    required: &[&str],
    payload: &str,
    empty_token_is_none: bool,
) -> Result<&'a Key, Reject> {
    use crate::sign::acs3::{self, Acs3Key, Acs3Request};
    let Some(authorization) = header_str(headers, "authorization") else {
        return Err(Reject::new(403, "AccessDenied", "the Authorization header is missing"));
    };
    let malformed = || {
        Reject::new(
            403,
            "SignatureNotMatch",
            "the Authorization header is malformed: expected `ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`",
        )
    };
    let rest = authorization.strip_prefix("ACS3-HMAC-SHA256 ").ok_or_else(malformed)?;
    let (mut key_id, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => key_id = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => return Err(malformed()),
        }
    }
    let (Some(key_id), Some(signed), Some(signature)) = (key_id, signed, signature) else {
        return Err(malformed());
    };
    let key = if empty_token_is_none && header_str(headers, "x-acs-security-token").is_some_and(str::is_empty) {
        let mut without = headers.clone();
        without.remove("x-acs-security-token");
        key_with_token(config, key_id, &without, "x-acs-security-token")?
    } else {
        key_with_token(config, key_id, headers, "x-acs-security-token")?
    };
    let names: Vec<&str> = signed.split(';').collect();
    for required in required {
        if !names.contains(required) {
            return Err(Reject::new(403, "SignatureNotMatch", format!("SignedHeaders must include {required}")));
        }
    }
    let mut signed_headers: Vec<(&str, &str)> = Vec::with_capacity(names.len());
    for name in &names {
        let values = headers.get_all(*name);
        let mut any = false;
        for value in values {
            signed_headers.push((name, value.to_str().unwrap_or("")));
            any = true;
        }
        if !any {
            return Err(Reject::new(403, "SignatureNotMatch", format!("signed header {name:?} was not sent")));
        }
    }
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let request =
        Acs3Request { method, path: raw_path, query: &query, headers: &signed_headers, hashed_payload: payload };
    let canonical = acs3::canonical_request(&request);
    let expected = Acs3Key::new(&key.secret).signature(&acs3::string_to_sign(&canonical));
    if !bool::from(expected.as_bytes().ct_eq(signature.as_bytes())) {
        return Err(Reject::new(
            403,
            "SignatureNotMatch",
            format!(
                "the request signature does not match; the server's canonical request is {:?}",
                redact_token(&canonical, "x-acs-security-token")
            ),
        ));
    }
    Ok(key)
}

/// Checks a call to an HTTP trigger whose `authType` is `function`, as the official samples sign it: ACS3 over
/// `x-acs-date` (required, within the allowed skew) and `x-acs-security-token` (empty without STS), the path as
/// sent and the query, with an empty payload line (the body is not signed).
pub(crate) fn authenticate_http_trigger(
    config: &AuthConfig,
    method: &str,
    raw_path: &str,
    raw_query: Option<&str>,
    headers: &HeaderMap,
) -> Result<(), Reject> {
    // A request without a date or a signature is a bad request (400), as the HTTP-trigger FAQ's table has it; a
    // wrong or stale signature is refused (403).
    let Some(date) = header_str(headers, "x-acs-date") else {
        return Err(Reject::new(
            400,
            "MissingRequiredHeader",
            "required HTTP header x-acs-date was not specified (the trigger's authType is function: sign the request)",
        ));
    };
    if headers.get(http::header::AUTHORIZATION).is_none() {
        return Err(Reject::new(
            400,
            "MissingRequiredHeader",
            "required HTTP header Authorization was not specified (the trigger's authType is function: sign the request)",
        ));
    }
    let Ok(at) = humantime::parse_rfc3339(date) else {
        return Err(Reject::new(403, "AccessDenied", format!("x-acs-date {date:?} is not yyyy-MM-ddTHH:mm:ssZ")));
    };
    check_skew(config, "x-acs-date", date, at, SystemTime::now())?;
    verify_acs3(config, method, raw_path, raw_query, headers, &["x-acs-date"], "", true)?;
    Ok(())
}

#[cfg(test)]
mod canonical_tests {
    use super::*;

    /// The official SDK's canonicalisation of HTTP-trigger queries, from the query as it travels.
    #[test]
    fn proxy_queries_canonicalise_as_the_official_sdk_signs_them() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/data/fc-proxy-query-vectors.json")).unwrap();
        let mut headers = HeaderMap::new();
        for (k, v) in doc["headers"].as_object().unwrap() {
            headers.insert(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.as_str().unwrap().parse().unwrap());
        }
        let path = doc["path"].as_str().unwrap();
        for case in doc["cases"].as_array().unwrap() {
            let wire = case["wireQuery"].as_str().unwrap();
            let canonical = canonical_string("GET", path, Some(wire), &headers);
            assert_eq!(canonical, case["stringToSign"].as_str().unwrap(), "{}", case["name"]);
        }
    }
}

#[cfg(test)]
mod nonce_tests {
    use super::*;

    #[test]
    fn nonces_are_single_use_within_the_window_and_expire_after_it() {
        let nonces = Nonces::default();
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let window = Duration::from_secs(60);
        assert!(nonces.fresh("a", t0, window));
        assert!(!nonces.fresh("a", t0 + Duration::from_secs(59), window));
        assert!(nonces.fresh("b", t0 + Duration::from_secs(30), window));
        // After the window, `a` is forgotten and accepted again; `b` is still inside its own.
        assert!(nonces.fresh("a", t0 + Duration::from_secs(61), window));
        assert!(!nonces.fresh("b", t0 + Duration::from_secs(61), window));
        let w = nonces.0.lock().unwrap();
        assert_eq!((w.seen.len(), w.order.len()), (2, 2));
    }
}
