//! The RPC ("POP v1") signature STS uses for `AssumeRole`, as a pure function of the parameters.
//!
//! ```text
//! CanonicalizedQueryString = join("&", sorted(percentEncode(name) "=" percentEncode(value)))
//! StringToSign             = METHOD "&" percentEncode("/") "&" percentEncode(CanonicalizedQueryString)
//! Signature                = base64(HMAC-SHA1(AccessKeySecret "&", StringToSign))
//! ```
//!
//! Every parameter sent is signed, wherever it travels (query or form body), except `Signature` itself.
//! `percentEncode` is RFC 3986: every byte but `A–Z a–z 0–9 - _ . ~` becomes `%XY` with upper-case hex, so a
//! space is `%20` (never `+`) and `*` is `%2A`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;

/// The bytes the RPC signature leaves as they are: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// RFC 3986 percent-encoding, as the RPC signature and its requests use it. Public on purpose, and stable: a
/// request signed with [`signature`] must carry its parameters encoded exactly this way (the signature covers the
/// encoded form), so a caller building such a request needs the same function.
///
/// ```
/// use fc_runtime::sign::rpc::percent_encode;
/// assert_eq!(percent_encode("a b*c~:/"), "a%20b%2Ac~%3A%2F");
/// ```
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// The canonicalized query string: the parameters (except `Signature`) sorted by name, encoded, joined by `&`.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().filter(|(k, _)| *k != "Signature").collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.as_bytes().cmp(b.1.as_bytes())));
    let mut out = String::new();
    for (k, v) in sorted {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

/// The string to sign for `method` (`GET` or `POST`) over every parameter sent.
pub fn string_to_sign(method: &str, params: &[(&str, &str)]) -> String {
    format!("{}&%2F&{}", method.to_ascii_uppercase(), percent_encode(&canonical_query(params)))
}

/// `base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The `Signature` parameter for a request sending `params` with `method`, signed with `secret`.
pub fn signature(method: &str, params: &[(&str, &str)], secret: &str) -> String {
    sign(secret, &string_to_sign(method, params))
}

/// `base64(HMAC-SHA1(key, data))` with the key used as given (no `&` appended): the primitive under [`sign`].
pub fn hmac_sha1_base64(key: &str, data: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(data.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}
