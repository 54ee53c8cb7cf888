//! The ACS3-HMAC-SHA256 signature of FC 3.0 (API 2023-03-30), as a pure function of the request's parts.
//!
//! ```text
//! CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//! StringToSign     = "ACS3-HMAC-SHA256" \n hex(SHA-256(CanonicalRequest))
//! Authorization    = "ACS3-HMAC-SHA256 Credential=" id ",SignedHeaders=" h1;h2;… ",Signature=" hex(HMAC-SHA256(secret, StringToSign))
//! ```
//!
//! - The canonical URI is the path exactly as sent (each segment already percent-encoded); an empty path is `/`.
//! - The canonical query is every parameter, name and value percent-encoded (RFC 3986 unreserved characters kept,
//!   everything else `%XX` in upper case), sorted, joined as `name=value` with `&`; no value is `name=`.
//! - The canonical headers are the headers chosen for signing, names lower-cased and sorted, values trimmed,
//!   each `name:value\n`; a name given twice has its values sorted and joined with `,`. Which headers are signed
//!   is the caller's choice: the official Go SDK signs `host`, `content-type` and `x-acs-*`
//!   ([`signed_by_default`]), the Python SDK every header; the server takes the list from `SignedHeaders`.
//! - The hashed payload is the `x-acs-content-sha256` value: the lower-case hex SHA-256 of the exact body
//!   ([`payload_hash`]); it is the only part whose cost grows with the body.
//!
//! Nothing here does I/O; the official documentation's worked example and the official SDKs' unit-test vectors are
//! plain tests.

use std::borrow::Cow;
use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// The algorithm name, first word of the `Authorization` value and first line of the string to sign.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// `x-acs-content-sha256` of an empty body.
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// What ACS3 percent-encodes: everything but letters, digits and `-`, `_`, `.`, `~`.
pub const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes one path segment or query name or value as ACS3 does (`/` is encoded too).
pub fn encode(value: &str) -> impl std::fmt::Display + '_ {
    utf8_percent_encode(value, ENCODE_SET)
}

/// The parts of a request that the ACS3 signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Acs3Request<'a> {
    /// HTTP method; upper-cased when signed.
    pub method: &'a str,
    /// The path exactly as sent, segments already percent-encoded; empty is signed as `/`.
    pub path: &'a str,
    /// Query parameters, not encoded (a parameter without a value is `""`).
    pub query: &'a [(&'a str, &'a str)],
    /// The headers to sign, names in any case; every header given here is signed.
    pub headers: &'a [(&'a str, &'a str)],
    /// The `x-acs-content-sha256` value: lower-case hex SHA-256 of the body.
    pub hashed_payload: &'a str,
}

/// The headers the official Go SDK (and this crate's client) signs: `host`, `content-type` and every `x-acs-*`.
/// Headers outside this set (`user-agent`, `accept`, `x-fc-*`) may then be changed by a proxy without breaking
/// the signature.
pub fn signed_by_default(name: &str) -> bool {
    name.eq_ignore_ascii_case("host")
        || name.eq_ignore_ascii_case("content-type")
        || name.as_bytes().get(..6).is_some_and(|p| p.eq_ignore_ascii_case(b"x-acs-"))
}

/// Lower-case hex SHA-256 of `body`, the `x-acs-content-sha256` value. Hashes the bytes in place.
pub fn payload_hash(body: &[u8]) -> String {
    hex_lower(&Sha256::digest(body))
}

fn hex_lower(bytes: &[u8]) -> String {
    let mut buf = [0u8; 64];
    let out = &mut buf[..bytes.len() * 2];
    hex::encode_to_slice(bytes, out).expect("the buffer is twice the input");
    std::str::from_utf8(out).expect("hex is ASCII").to_owned()
}

/// The headers to sign: lower-cased names, sorted, a repeated name's sorted values joined with `,`. Names that
/// are already lower case (all of this crate's) and values that appear once are borrowed, not copied.
fn canonical_headers<'a>(headers: &'a [(&'a str, &'a str)]) -> Vec<(Cow<'a, str>, Cow<'a, str>)> {
    let lower = |name: &'a str| -> Cow<'a, str> {
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(name.to_ascii_lowercase())
        } else {
            Cow::Borrowed(name)
        }
    };
    let mut sorted: Vec<(Cow<'a, str>, &'a str)> =
        headers.iter().map(|(name, value)| (lower(name), value.trim())).collect();
    sorted.sort_unstable();
    let mut out: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::with_capacity(sorted.len());
    for (name, value) in sorted {
        match out.last_mut() {
            Some((last, joined)) if *last == name => {
                let joined = joined.to_mut();
                joined.push(',');
                joined.push_str(value);
            }
            _ => out.push((name, Cow::Borrowed(value))),
        }
    }
    out
}

/// `h1;h2;…`, the `SignedHeaders` value for `headers`.
pub fn signed_headers(headers: &[(&str, &str)]) -> String {
    let mut names: Vec<String> = headers.iter().map(|(name, _)| name.to_ascii_lowercase()).collect();
    names.sort_unstable();
    names.dedup();
    names.join(";")
}

/// Appends the canonical request to `out` and returns the `SignedHeaders` value.
pub(crate) fn write_canonical_request(request: &Acs3Request<'_>, out: &mut String) -> String {
    out.extend(request.method.chars().map(|c| c.to_ascii_uppercase()));
    out.push('\n');
    out.push_str(if request.path.is_empty() { "/" } else { request.path });
    out.push('\n');
    let mut query: Vec<(String, String)> =
        request.query.iter().map(|(k, v)| (encode(k).to_string(), encode(v).to_string())).collect();
    query.sort_unstable();
    for (i, (k, v)) in query.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out.push('\n');
    let headers = canonical_headers(request.headers);
    for (name, value) in &headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    let mut signed = String::with_capacity(headers.iter().map(|(name, _)| name.len() + 1).sum());
    for (i, (name, _)) in headers.iter().enumerate() {
        if i > 0 {
            signed.push(';');
        }
        signed.push_str(name);
    }
    out.push_str(&signed);
    out.push('\n');
    out.push_str(request.hashed_payload);
    signed
}

/// The canonical request for `request`.
pub fn canonical_request(request: &Acs3Request<'_>) -> String {
    let mut out = String::with_capacity(512);
    write_canonical_request(request, &mut out);
    out
}

/// `ACS3-HMAC-SHA256\n` + hex(SHA-256(canonical request)).
pub fn string_to_sign(canonical_request: &str) -> String {
    let mut out = String::with_capacity(ALGORITHM.len() + 65);
    out.push_str(ALGORITHM);
    out.push('\n');
    out.push_str(&hex_lower(&Sha256::digest(canonical_request.as_bytes())));
    out
}

/// An access key secret made ready for ACS3 signing: the HMAC key schedule is computed once.
#[derive(Clone)]
pub struct Acs3Key {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Acs3Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Acs3Key(***)")
    }
}

impl Acs3Key {
    /// Prepares `secret` (used as it is: no suffix, unlike the RPC V2 signature).
    pub fn new(secret: &str) -> Self {
        Acs3Key { mac: Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length") }
    }

    /// The same secret's key, prepared for FC 2.0 already: both schemes key HMAC-SHA256 with the raw secret, so
    /// the key schedule is shared, not computed twice.
    pub(crate) fn from_fc_key(key: &super::SigningKey) -> Self {
        Acs3Key { mac: key.mac.clone() }
    }

    /// Lower-case hex HMAC-SHA256 of `string_to_sign`.
    pub fn signature(&self, string_to_sign: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(string_to_sign.as_bytes());
        hex_lower(&mac.finalize().into_bytes())
    }

    /// The `Authorization` header value for `request`.
    pub fn authorization(&self, access_key_id: &str, request: &Acs3Request<'_>) -> String {
        let mut canonical = String::with_capacity(512);
        let signed = write_canonical_request(request, &mut canonical);
        let signature = self.signature(&string_to_sign(&canonical));
        let mut out = String::with_capacity(ALGORITHM.len() + access_key_id.len() + signed.len() + 110);
        let _ = write!(out, "{ALGORITHM} Credential={access_key_id},SignedHeaders={signed},Signature={signature}");
        out
    }
}

/// The `Authorization` header value for `request`, signed with `secret`.
pub fn authorization(access_key_id: &str, secret: &str, request: &Acs3Request<'_>) -> String {
    Acs3Key::new(secret).authorization(access_key_id, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_follows_the_official_unit_tests() {
        assert_eq!(encode(" ~/*-+").to_string(), "%20~%2F%2A-%2B");
        assert_eq!(encode("a/b/c/ test").to_string(), "a%2Fb%2Fc%2F%20test");
        assert_eq!(encode("é").to_string(), "%C3%A9");
    }

    #[test]
    fn the_default_signed_set() {
        for name in ["host", "Content-Type", "x-acs-date", "X-Acs-Signature-Nonce"] {
            assert!(signed_by_default(name), "{name}");
        }
        for name in ["user-agent", "accept", "x-fc-invocation-type", "x-ac", "é"] {
            assert!(!signed_by_default(name), "{name}");
        }
    }

    #[test]
    fn empty_payload_hash() {
        assert_eq!(payload_hash(b""), EMPTY_PAYLOAD_SHA256);
    }

    #[test]
    fn a_key_shared_with_the_fc_scheme_signs_alike() {
        let shared = Acs3Key::from_fc_key(&super::super::SigningKey::new("s3cr3t"));
        assert_eq!(shared.signature("x"), Acs3Key::new("s3cr3t").signature("x"));
    }

    #[test]
    fn a_prepared_key_does_not_print_the_secret() {
        assert_eq!(format!("{:?}", Acs3Key::new("s3cr3t")), "Acs3Key(***)");
    }
}
