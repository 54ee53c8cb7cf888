//! The signature of an FC 3.0 HTTP trigger whose `authType` is `function`: ACS3-HMAC-SHA256 as the official
//! documentation's samples compute it with the official signing utility
//! (`Utils.get_authorization(request, "ACS3-HMAC-SHA256", "", ak, secret)`), which differs from the API's:
//!
//! - only `x-acs-date` and `x-acs-security-token` are signed (the token empty without STS, as the samples send
//!   it); no `host`, no `x-acs-action`, `x-acs-version` or nonce;
//! - the payload line is **empty**: the body is not signed;
//! - the canonical URI is the path as sent (percent-encoded), the query every parameter as for the API.
//!
//! ```
//! use fc_runtime::sign::http_trigger::{self, TriggerRequest};
//! let auth = http_trigger::authorization(
//!     "testKeyId",
//!     "testKeySecret",
//!     &TriggerRequest { method: "POST", path: "/hello", query: &[("foo", "bar")], date: "2024-02-22T09:21:31Z", security_token: "" },
//! );
//! assert!(auth.starts_with("ACS3-HMAC-SHA256 Credential=testKeyId,SignedHeaders=x-acs-date;x-acs-security-token,Signature="));
//! ```

use super::acs3::{Acs3Key, Acs3Request};

/// The header carrying the date the signature covers.
pub const DATE_HEADER: &str = "x-acs-date";
/// The header carrying the STS token (empty without one).
pub const TOKEN_HEADER: &str = "x-acs-security-token";

/// The parts of an HTTP-trigger request the signature covers.
#[derive(Debug, Clone, Copy)]
pub struct TriggerRequest<'a> {
    /// The method.
    pub method: &'a str,
    /// The path exactly as sent, percent-encoded (`/albums/a%20b`); empty is signed as `/`.
    pub path: &'a str,
    /// The query parameters, not encoded.
    pub query: &'a [(&'a str, &'a str)],
    /// `x-acs-date`: `yyyy-MM-ddTHH:mm:ssZ`, UTC.
    pub date: &'a str,
    /// `x-acs-security-token`: the STS token, or empty.
    pub security_token: &'a str,
}

impl TriggerRequest<'_> {
    fn headers(&self) -> [(&str, &str); 2] {
        [(DATE_HEADER, self.date), (TOKEN_HEADER, self.security_token)]
    }
}

/// The canonical request of an HTTP-trigger call (what the official utility hashes).
pub fn canonical_request(request: &TriggerRequest<'_>) -> String {
    let headers = request.headers();
    super::acs3::canonical_request(&Acs3Request {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: &headers,
        hashed_payload: "",
    })
}

/// The `Authorization` value of an HTTP-trigger call, with a prepared key.
pub fn authorization_with(key: &Acs3Key, access_key_id: &str, request: &TriggerRequest<'_>) -> String {
    let headers = request.headers();
    key.authorization(
        access_key_id,
        &Acs3Request {
            method: request.method,
            path: request.path,
            query: request.query,
            headers: &headers,
            hashed_payload: "",
        },
    )
}

/// The `Authorization` value of an HTTP-trigger call, signed with `secret`.
pub fn authorization(access_key_id: &str, secret: &str, request: &TriggerRequest<'_>) -> String {
    authorization_with(&Acs3Key::new(secret), access_key_id, request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_is_not_signed_and_only_date_and_token_are() {
        let request = TriggerRequest {
            method: "post",
            path: "/hello",
            query: &[("foo", "bar"), ("a b", "c/d")],
            date: "2024-02-22T09:21:31Z",
            security_token: "",
        };
        assert_eq!(
            canonical_request(&request),
            "POST\n/hello\na%20b=c%2Fd&foo=bar\nx-acs-date:2024-02-22T09:21:31Z\nx-acs-security-token:\n\n\
             x-acs-date;x-acs-security-token\n"
        );
        let with_token = TriggerRequest { security_token: "tok", ..request };
        assert_ne!(authorization("id", "s", &request), authorization("id", "s", &with_token));
    }
}
