//! The "FC" request signature, as a pure function of the request's parts.
//!
//! ```text
//! StringToSign = METHOD \n Content-MD5 \n Content-Type \n Date \n CanonicalizedFCHeaders CanonicalizedResource
//! Authorization = "FC " AccessKeyId ":" base64(HMAC-SHA256(AccessKeySecret, StringToSign))
//! ```
//!
//! The canonicalized headers are every header whose lower-cased name starts with `x-fc-`, lower-cased, sorted
//! bytewise by name, each written as `name:value\n` with the value verbatim. The canonicalized resource is the
//! unescaped path; only HTTP-trigger paths (`/2016-08-15/proxy/…`) append their sorted query lines.
//!
//! Nothing here does I/O, so every case of the official SDKs' golden vectors is a plain unit test. FC 3.0's
//! ACS3-HMAC-SHA256 signature is in [`acs3`]; the RPC signature STS's `AssumeRole` needs is in [`rpc`].

pub mod acs3;
pub mod http_trigger;
pub mod rpc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// One query parameter of an HTTP-trigger request, as it enters the canonical resource.
///
/// `value: None` is a key that carried no value at all (written as the bare key); `Some("")` is `key=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryParam<'a> {
    /// Unescaped key.
    pub key: &'a str,
    /// Unescaped value, or `None` for a bare key.
    pub value: Option<&'a str>,
}

/// The parts of a request that the FC signature covers.
///
/// Header names may be in any case; values are used verbatim. Headers that are not signed (`Host`,
/// `User-Agent`, `Content-Length`, …) may be present and are ignored.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method; upper-cased when signed.
    pub method: &'a str,
    /// The unescaped path, without the query string.
    pub path: &'a str,
    /// Every header of the request as `(name, value)`.
    pub headers: &'a [(&'a str, &'a str)],
    /// Query parameters; only signed when the path is an HTTP-trigger (`/proxy/`) path.
    pub query: &'a [QueryParam<'a>],
}

/// Returns true when `path` is an HTTP-trigger path, whose query string is part of the signature.
pub fn is_proxy_path(path: &str) -> bool {
    path.split('/').nth(2) == Some("proxy")
}

fn header<'a>(headers: &'a [(&'a str, &'a str)], name: &str) -> &'a str {
    headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v)
}

fn is_fc_header(name: &str) -> bool {
    name.as_bytes().get(..5).is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"x-fc-"))
}

/// Compares header names as their lower-cased forms would compare, without building them.
fn cmp_lowercase(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Appends the string to sign for `request` to `out`.
pub(crate) fn write_string_to_sign(request: &SignableRequest<'_>, out: &mut String) {
    let headers = request.headers;
    // A typical request has a handful of `x-fc-*` headers: sort references, not copies, on the stack.
    let mut fc_headers: smallvec::SmallVec<[&(&str, &str); 16]> =
        headers.iter().filter(|(name, _)| is_fc_header(name)).collect();
    fc_headers.sort_by(|a, b| cmp_lowercase(a.0, b.0));

    out.extend(request.method.chars().map(|c| c.to_ascii_uppercase()));
    out.push('\n');
    out.push_str(header(headers, "content-md5"));
    out.push('\n');
    out.push_str(header(headers, "content-type"));
    out.push('\n');
    out.push_str(header(headers, "date"));
    out.push('\n');
    for (name, value) in fc_headers {
        out.extend(name.chars().map(|c| c.to_ascii_lowercase()));
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push_str(request.path);
    if is_proxy_path(request.path) {
        let mut lines: Vec<String> = request
            .query
            .iter()
            .map(|q| match q.value {
                Some(v) => format!("{}={}", q.key, v),
                None => q.key.to_owned(),
            })
            .collect();
        lines.sort();
        out.push('\n');
        out.push_str(&lines.join("\n"));
    }
}

/// Builds the string to sign for `request`.
pub fn string_to_sign(request: &SignableRequest<'_>) -> String {
    let mut out = String::with_capacity(256);
    write_string_to_sign(request, &mut out);
    out
}

/// An access key secret made ready for signing: the HMAC key schedule (two SHA-256 blocks) is computed once,
/// not for every request. [`Client`](crate::Client) keeps one for fixed credentials.
#[derive(Clone)]
pub struct SigningKey {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl SigningKey {
    /// Prepares `secret`.
    pub fn new(secret: &str) -> Self {
        SigningKey { mac: Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length") }
    }

    fn mac(&self, string_to_sign: &str) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(string_to_sign.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The base64 HMAC-SHA256 signature of `string_to_sign`.
    pub fn signature(&self, string_to_sign: &str) -> String {
        STANDARD.encode(self.mac(string_to_sign))
    }

    /// The `Authorization` header value: `FC {access_key_id}:{signature}`.
    pub fn authorization(&self, access_key_id: &str, request: &SignableRequest<'_>) -> String {
        let mut buf = String::with_capacity(320);
        write_string_to_sign(request, &mut buf);
        let digest = self.mac(&buf);
        buf.clear();
        buf.push_str("FC ");
        buf.push_str(access_key_id);
        buf.push(':');
        STANDARD.encode_string(digest, &mut buf);
        buf
    }
}

/// The base64 HMAC-SHA256 signature of `string_to_sign` under `secret`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    SigningKey::new(secret).signature(string_to_sign)
}

/// The `Authorization` header value: `FC {access_key_id}:{signature}`.
pub fn authorization(access_key_id: &str, secret: &str, request: &SignableRequest<'_>) -> String {
    SigningKey::new(secret).authorization(access_key_id, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prepared_key_signs_like_the_secret_and_does_not_print_it() {
        let req =
            SignableRequest { method: "POST", path: "/p", headers: &[("Date", "d"), ("X-Fc-A", "1")], query: &[] };
        let key = SigningKey::new("s3cr3t");
        assert_eq!(key.authorization("id", &req), authorization("id", "s3cr3t", &req));
        assert_eq!(key.authorization("id", &req), key.authorization("id", &req), "a key signs any number of times");
        assert_eq!(format!("{key:?}"), "SigningKey(***)");
    }

    #[test]
    fn proxy_paths_are_recognised() {
        assert!(is_proxy_path("/2016-08-15/proxy/svc/fn/"));
        assert!(!is_proxy_path("/2016-08-15/services/proxy/functions/f/invocations"));
        assert!(!is_proxy_path("/"));
    }

    #[test]
    fn non_ascii_header_names_are_not_sliced_mid_character() {
        let req = SignableRequest { method: "POST", path: "/p", headers: &[("x-fé-a", "1"), ("é", "2")], query: &[] };
        assert_eq!(string_to_sign(&req), "POST\n\n\n\n/p");
    }

    #[test]
    fn no_fc_headers_means_no_header_block() {
        let req = SignableRequest { method: "get", path: "/p", headers: &[("Date", "d"), ("X-Fcx", "no")], query: &[] };
        assert_eq!(string_to_sign(&req), "GET\n\n\nd\n/p");
    }
}
