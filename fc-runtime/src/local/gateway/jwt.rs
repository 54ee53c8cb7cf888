//! An HTTP trigger's JWT auth as FC configures it (`authConfig`): the public keys (`JWKS`), where the token is
//! read (`TokenLookup`), and which claims are passed on to the function (`ClaimPassBy`).
//!
//! ```json
//! {"JWKS": {"keys": [...]}, "TokenLookup": "header:Authorization:Bearer,cookie:AuthorizationCookie",
//!  "ClaimPassBy": "query:uid:uid,header:name:name"}
//! ```
//!
//! A `TokenLookup` entry is `PLACE:NAME[:PREFIX]` and a `ClaimPassBy` entry `PLACE:CLAIM:NAME`, where `PLACE` is
//! `header`, `cookie`, `query` or `form` (a `application/x-www-form-urlencoded` body). The token's `kid` picks the
//! key; a token without one, or with one no key has, is checked with the key that has no `kid` (FC allows at
//! most one). `exp` and `nbf` are checked when present, with 60 seconds of leeway (`exp` is required when the
//! trigger says so); `aud` and `iss` are not.
//!
//! Only the token can set a claim: every name `ClaimPassBy` passes is removed from what the caller sent in its
//! place (a header, a query parameter, a cookie, a form field) before the claims are added, whether or not the
//! token has the claim; hop-by-hop headers are gone before this runs (`Connection: x-name` cannot remove a claim's
//! header); a claim's value is percent-encoded where it could not travel as it is (a cookie's `;`, a header's
//! non-ASCII).

use http::HeaderValue;
use http::request::Parts;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::function::WebBody;
use crate::local::reply::Reject;

/// The most of a form body read to look for a token, before the request is authenticated.
const MAX_FORM_LOOKUP: usize = 64 * 1024;

/// What a claim's value may not carry as it is in a cookie: controls, non-ASCII, and the cookie syntax's own
/// characters (space, `"`, `,`, `;`, `\\`), plus `%` so that the encoding can be undone.
const COOKIE_VALUE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%');
/// What a claim's value may not carry as it is in a header: controls and non-ASCII (a header value must be visible
/// ASCII to reach every server), plus `%`.
const HEADER_VALUE: &AsciiSet = &CONTROLS.add(b'%');

/// Where a token is read from or a claim is put.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Header,
    Cookie,
    Query,
    Form,
}

impl Place {
    fn parse(word: &str) -> Result<Self, String> {
        match word {
            "header" => Ok(Place::Header),
            "cookie" => Ok(Place::Cookie),
            "query" => Ok(Place::Query),
            "form" => Ok(Place::Form),
            other => Err(format!("{other:?} is not a place: header, cookie, query or form")),
        }
    }
}

#[derive(Debug)]
struct Lookup {
    place: Place,
    name: String,
    prefix: Option<String>,
}

#[derive(Debug)]
struct Pass {
    place: Place,
    claim: String,
    name: String,
}

struct Key {
    id: Option<String>,
    key: DecodingKey,
    algorithm: Option<Algorithm>,
}

/// A trigger's parsed JWT auth.
pub(crate) struct JwtAuth {
    keys: Vec<Key>,
    lookup: Vec<Lookup>,
    pass: Vec<Pass>,
    require_exp: bool,
}

impl std::fmt::Debug for JwtAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuth")
            .field("keys", &self.keys.iter().map(|k| k.id.as_deref().unwrap_or("")).collect::<Vec<_>>())
            .field("lookup", &self.lookup)
            .field("pass", &self.pass)
            .field("require_exp", &self.require_exp)
            .finish()
    }
}

/// The form body's pairs, when a lookup or a pass needs them.
pub(crate) type Form = Vec<(String, String)>;

fn unauthorized(message: impl Into<String>) -> Reject {
    Reject::new(401, "InvalidJWT", message)
}

impl JwtAuth {
    /// Parses FC's `authConfig` JSON.
    pub(crate) fn parse(config: &str) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct Config {
            #[serde(rename = "JWKS", alias = "jwks")]
            jwks: JwkSet,
            #[serde(rename = "TokenLookup", alias = "tokenLookup")]
            token_lookup: String,
            #[serde(rename = "ClaimPassBy", alias = "claimPassBy", default)]
            claim_pass_by: String,
        }
        let config: Config =
            serde_json::from_str(config).map_err(|e| format!("the JWT auth config is not FC's authConfig: {e}"))?;
        let mut keys = Vec::new();
        for jwk in &config.jwks.keys {
            keys.push(key(jwk)?);
        }
        if keys.is_empty() {
            return Err("the JWKS has no key".into());
        }
        if keys.iter().filter(|k| k.id.is_none()).count() > 1 {
            return Err("at most one key of the JWKS may be without a kid".into());
        }
        let mut lookup = Vec::new();
        for entry in config.token_lookup.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let mut parts = entry.splitn(3, ':');
            let place = Place::parse(parts.next().unwrap_or_default())
                .map_err(|e| format!("TokenLookup entry {entry:?}: {e}"))?;
            let name = parts
                .next()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| format!("TokenLookup entry {entry:?} names no parameter: write PLACE:NAME[:PREFIX]"))?;
            let prefix = parts.next().filter(|p| !p.is_empty()).map(str::to_owned);
            lookup.push(Lookup { place, name: name.to_owned(), prefix });
        }
        if lookup.is_empty() {
            return Err("TokenLookup names no place to read the token from".into());
        }
        let mut pass = Vec::new();
        for entry in config.claim_pass_by.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let fields: Vec<&str> = entry.split(':').collect();
            let [place, claim, name] = fields.as_slice() else {
                return Err(format!("ClaimPassBy entry {entry:?} is not PLACE:CLAIM:NAME"));
            };
            let place = Place::parse(place).map_err(|e| format!("ClaimPassBy entry {entry:?}: {e}"))?;
            if claim.is_empty() || name.is_empty() {
                return Err(format!("ClaimPassBy entry {entry:?} is not PLACE:CLAIM:NAME"));
            }
            if place == Place::Header && http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                return Err(format!("ClaimPassBy entry {entry:?}: {name:?} is not a header name"));
            }
            pass.push(Pass { place, claim: (*claim).to_owned(), name: (*name).to_owned() });
        }
        // Explicitly ours: if another crate in the build enables jsonwebtoken's other backend, neither would be
        // the default, and every verification would panic. An error means a provider is already installed.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        Ok(JwtAuth { keys, lookup, pass, require_exp: false })
    }

    /// Whether a token must carry `exp`.
    pub(crate) fn require_exp(mut self, required: bool) -> Self {
        self.require_exp = required;
        self
    }

    /// Authenticates a request, FC's 401 otherwise: finds the token (reading a form body first when a lookup
    /// reads one), checks it, then removes what the caller sent under every passed claim's name and passes the
    /// claims on. Returns the body to pass on (rebuilt when it is a form the claims changed).
    pub(crate) async fn admit(&self, parts: &mut Parts, body: WebBody, limit: usize) -> Result<WebBody, Reject> {
        let form_body = is_form(parts);
        let mut body = body;
        let mut form: Option<Form> = None;
        if form_body && self.lookup.iter().any(|l| l.place == Place::Form) {
            // Read before authentication: bounded well below the payload limit.
            let bytes = crate::local::state::read_whole(body, MAX_FORM_LOOKUP).await.ok_or_else(|| {
                unauthorized(format!("no JWT in the request: a form body over {MAX_FORM_LOOKUP} bytes is not searched"))
            })?;
            form = Some(form_urlencoded::parse(&bytes).into_owned().collect());
            body = crate::function::full(bytes);
        }
        let token = self.token(parts, form.as_ref()).ok_or_else(|| {
            unauthorized(format!(
                "no JWT in the request: looked in {}",
                self.lookup
                    .iter()
                    .map(|l| format!("{:?} {}", l.place, l.name).to_lowercase())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let claims = self.verify(&token)?;
        if form_body && form.is_none() && self.pass.iter().any(|p| p.place == Place::Form) {
            let bytes = crate::local::state::read_whole(body, limit).await.ok_or_else(|| {
                Reject::new(400, "EntityTooLarge", format!("the body exceeds the {limit} byte limit"))
            })?;
            form = Some(form_urlencoded::parse(&bytes).into_owned().collect());
            body = crate::function::full(bytes);
        }
        self.pass_claims(&claims, parts, form.as_mut());
        if let Some(form) = form.filter(|_| self.pass.iter().any(|p| p.place == Place::Form)) {
            let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
            parts.headers.remove(http::header::CONTENT_LENGTH);
            body = crate::function::full(encoded);
        }
        Ok(body)
    }

    fn token(&self, parts: &Parts, form: Option<&Form>) -> Option<String> {
        self.lookup.iter().find_map(|l| {
            let value = match l.place {
                Place::Header => parts.headers.get(&l.name).and_then(|v| v.to_str().ok()).map(str::to_owned),
                Place::Cookie => cookie(parts, &l.name),
                Place::Query => query(parts, &l.name),
                Place::Form => form.and_then(|f| f.iter().find(|(k, _)| *k == l.name).map(|(_, v)| v.clone())),
            }?;
            let value = match &l.prefix {
                None => value.trim().to_owned(),
                Some(prefix) => {
                    let head = value.get(..prefix.len())?;
                    if !head.eq_ignore_ascii_case(prefix) {
                        return None;
                    }
                    value[prefix.len()..].trim().to_owned()
                }
            };
            (!value.is_empty()).then_some(value)
        })
    }

    fn verify(&self, token: &str) -> Result<Map<String, Value>, Reject> {
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| unauthorized(format!("the JWT does not parse: {e}")))?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.keys.iter().find(|k| k.id.as_deref() == Some(kid)))
            .or_else(|| self.keys.iter().find(|k| k.id.is_none()))
            .ok_or_else(|| {
                unauthorized(format!("no key of the JWKS has the JWT's kid {:?}", header.kid.as_deref().unwrap_or("")))
            })?;
        if key.algorithm.is_some_and(|a| a != header.alg) {
            return Err(unauthorized(format!("the JWT's alg {:?} is not its key's", header.alg)));
        }
        let mut validation = Validation::new(header.alg);
        validation.required_spec_claims.clear();
        if self.require_exp {
            validation.required_spec_claims.insert("exp".to_owned());
        }
        validation.validate_aud = false;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| unauthorized(format!("the JWT is not valid: {e}")))?;
        Ok(data.claims)
    }

    /// Removes every passed name from what the caller sent, then adds the token's claims.
    fn pass_claims(&self, claims: &Map<String, Value>, parts: &mut Parts, mut form: Option<&mut Form>) {
        for pass in &self.pass {
            match pass.place {
                Place::Header => {
                    parts.headers.remove(pass.name.as_str());
                }
                Place::Cookie => remove_cookie(parts, &pass.name),
                Place::Query => remove_query(parts, &pass.name),
                Place::Form => {
                    if let Some(form) = form.as_deref_mut() {
                        form.retain(|(k, _)| *k != pass.name);
                    }
                }
            }
        }
        for pass in &self.pass {
            let Some(value) = claims.get(&pass.claim) else { continue };
            let value = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            match pass.place {
                Place::Header => {
                    let encoded = utf8_percent_encode(&value, HEADER_VALUE).to_string();
                    if let (Ok(name), Ok(v)) =
                        (http::HeaderName::from_bytes(pass.name.as_bytes()), HeaderValue::from_str(&encoded))
                    {
                        parts.headers.insert(name, v);
                    }
                }
                Place::Cookie => {
                    let pair = format!("{}={}", pass.name, utf8_percent_encode(&value, COOKIE_VALUE));
                    let joined = match parts.headers.get(http::header::COOKIE).and_then(|v| v.to_str().ok()) {
                        Some(existing) if !existing.is_empty() => format!("{existing}; {pair}"),
                        _ => pair,
                    };
                    if let Ok(v) = HeaderValue::from_str(&joined) {
                        parts.headers.insert(http::header::COOKIE, v);
                    }
                }
                Place::Query => {
                    let mut query = parts.uri.query().unwrap_or_default().to_owned();
                    let mut encoded = form_urlencoded::Serializer::new(String::new());
                    encoded.append_pair(&pass.name, &value);
                    if !query.is_empty() {
                        query.push('&');
                    }
                    query.push_str(&encoded.finish());
                    set_query(parts, &query);
                }
                Place::Form => {
                    if let Some(form) = form.as_deref_mut() {
                        form.push((pass.name.clone(), value));
                    }
                }
            }
        }
    }
}

/// Replaces the query, the path kept as it came.
fn set_query(parts: &mut Parts, query: &str) {
    let path_and_query =
        if query.is_empty() { parts.uri.path().to_owned() } else { format!("{}?{query}", parts.uri.path()) };
    if let Ok(uri) = path_and_query.parse() {
        parts.uri = uri;
    }
}

/// Drops every query parameter named `name` (compared decoded); the others are kept exactly as sent.
fn remove_query(parts: &mut Parts, name: &str) {
    let Some(query) = parts.uri.query() else { return };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            form_urlencoded::parse(key.as_bytes()).next().map_or(key.is_empty() || key != name, |(k, _)| k != name)
        })
        .collect();
    let kept = kept.join("&");
    set_query(parts, &kept);
}

/// Drops every cookie named `name` from the `Cookie` headers; the others are kept as sent.
fn remove_cookie(parts: &mut Parts, name: &str) {
    let headers: Vec<String> = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|header| {
            header
                .split(';')
                .map(str::trim)
                .filter(|pair| !pair.is_empty() && pair.split('=').next().map(str::trim) != Some(name))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .filter(|h| !h.is_empty())
        .collect();
    parts.headers.remove(http::header::COOKIE);
    if !headers.is_empty()
        && let Ok(v) = HeaderValue::from_str(&headers.join("; "))
    {
        parts.headers.insert(http::header::COOKIE, v);
    }
}

fn key(jwk: &Jwk) -> Result<Key, String> {
    let id = jwk.common.key_id.clone().filter(|k| !k.is_empty());
    let key = DecodingKey::from_jwk(jwk)
        .map_err(|e| format!("the JWKS key {:?} is not usable: {e}", id.as_deref().unwrap_or("")))?;
    let algorithm = match jwk.common.key_algorithm {
        None => None,
        Some(a) => Some(Algorithm::try_from(a).map_err(|e| format!("the JWKS key's alg {a}: {e}"))?),
    };
    Ok(Key { id, key, algorithm })
}

fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts.headers.get_all(http::header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|header| {
        header.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then(|| v.trim_matches('"').to_owned())
        })
    })
}

fn query(parts: &Parts, name: &str) -> Option<String> {
    form_urlencoded::parse(parts.uri.query()?.as_bytes()).find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Whether a request's body is a form (`application/x-www-form-urlencoded`).
fn is_form(parts: &Parts) -> bool {
    parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    const SECRET_B64: &str = "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0xMjM0NTY3OA";

    fn config(lookup: &str, pass: &str) -> String {
        serde_json::json!({
            "JWKS": {"keys": [{"kty": "oct", "kid": "k1", "alg": "HS256", "k": SECRET_B64}]},
            "TokenLookup": lookup,
            "ClaimPassBy": pass,
        })
        .to_string()
    }

    fn token(claims: serde_json::Value, kid: Option<&str>) -> String {
        use base64::Engine as _;
        let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(SECRET_B64).unwrap();
        let mut header = jsonwebtoken::Header::new(Algorithm::HS256);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, &claims, &jsonwebtoken::EncodingKey::from_secret(&secret).unwrap()).unwrap()
    }

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = http::Request::builder().uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        builder.body(()).unwrap().into_parts().0
    }

    /// Admits `p` with an empty body (a form body when `form` is given); the parts as the function gets them.
    fn admit(auth: &JwtAuth, mut p: Parts, form: Option<&str>) -> Result<(Parts, String), (u16, String)> {
        let body = crate::function::full(form.unwrap_or_default().to_owned());
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let body = auth.admit(&mut p, body, 1 << 20).await.map_err(|r| (r.status, r.message))?;
            let bytes = body.collect().await.unwrap().to_bytes();
            Ok((p, String::from_utf8(bytes.to_vec()).unwrap()))
        })
    }

    #[test]
    fn a_valid_token_passes_its_claims_on() {
        let auth =
            JwtAuth::parse(&config("header:Authorization:Bearer,cookie:jwt", "query:uid:uid,header:name:x-name"))
                .unwrap();
        let t = token(serde_json::json!({"uid": 42, "name": "Ann"}), Some("k1"));
        let (p, _) = admit(&auth, parts("/a?b=1", &[("authorization", &format!("Bearer {t}"))]), None).unwrap();
        assert_eq!(p.uri.query(), Some("b=1&uid=42"));
        assert_eq!(p.headers["x-name"], "Ann");
        let (p, _) = admit(&auth, parts("/a", &[("cookie", &format!("other=1; jwt={t}"))]), None).unwrap();
        assert_eq!(p.uri.query(), Some("uid=42"));
    }

    #[test]
    fn only_the_token_sets_a_passed_claim() {
        let auth = JwtAuth::parse(&config(
            "header:Authorization:Bearer",
            "query:name:text,header:name:x-name,cookie:name:who,form:name:by",
        ))
        .unwrap();
        let bearer = |claims| format!("Bearer {}", token(claims, Some("k1")));
        // A token without the claim: whatever the caller sent under each name is gone, nothing comes instead.
        let spoofed = parts(
            "/echo?text=admin&keep=1&text=root",
            &[
                ("authorization", &bearer(serde_json::json!({}))),
                ("x-name", "admin"),
                ("cookie", "who=admin; session=s1"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        );
        let (p, form) = admit(&auth, spoofed, Some("by=admin&note=hi")).unwrap();
        assert_eq!(p.uri.query(), Some("keep=1"));
        assert!(p.headers.get("x-name").is_none());
        assert_eq!(p.headers["cookie"], "session=s1");
        assert_eq!(form, "note=hi");
        // With the claim: the token's value, encoded where it could not travel as it is.
        let claimed = parts(
            "/echo?text=admin",
            &[
                ("authorization", &bearer(serde_json::json!({"name": "Zoë; admin=1"}))),
                ("x-name", "admin"),
                ("cookie", "who=admin"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
        );
        let (p, form) = admit(&auth, claimed, Some("by=admin")).unwrap();
        let query: Vec<(String, String)> =
            form_urlencoded::parse(p.uri.query().unwrap().as_bytes()).into_owned().collect();
        assert_eq!(query, [("text".to_owned(), "Zoë; admin=1".to_owned())]);
        assert_eq!(p.headers["x-name"], "Zo%C3%AB; admin=1", "a non-ASCII claim is percent-encoded in a header");
        assert_eq!(p.headers["cookie"], "who=Zo%C3%AB%3B%20admin=1", "a `;` in a claim adds no cookie");
        let fields: Vec<(String, String)> = form_urlencoded::parse(form.as_bytes()).into_owned().collect();
        assert_eq!(fields, [("by".to_owned(), "Zoë; admin=1".to_owned())]);
    }

    #[test]
    fn refusals() {
        let auth = JwtAuth::parse(&config("header:Authorization:Bearer", "")).unwrap();
        let check = |value: String| admit(&auth, parts("/", &[("authorization", &value)]), None).map(drop);
        let err = check("Basic abc".into()).unwrap_err();
        assert_eq!(err.0, 401);
        assert!(err.1.contains("no JWT"), "{}", err.1);
        let expired = token(serde_json::json!({"exp": 1_000_000_000}), Some("k1"));
        assert!(check(format!("Bearer {expired}")).unwrap_err().1.contains("not valid"));
        let unknown_kid = token(serde_json::json!({}), Some("k9"));
        assert!(check(format!("Bearer {unknown_kid}")).unwrap_err().1.contains("kid"));
        let mut tampered = token(serde_json::json!({"uid": 1}), Some("k1"));
        tampered.pop();
        assert!(check(format!("Bearer {tampered}")).is_err());
        let no_exp = format!("Bearer {}", token(serde_json::json!({"uid": 1}), Some("k1")));
        assert!(check(no_exp.clone()).is_ok(), "a token without exp is accepted by default");
        let strict = JwtAuth::parse(&config("header:Authorization:Bearer", "")).unwrap().require_exp(true);
        let err = admit(&strict, parts("/", &[("authorization", &no_exp)]), None).unwrap_err();
        assert!(err.1.contains("exp"), "{}", err.1);
        // A form too big to search before authentication is not read.
        let form_auth = JwtAuth::parse(&config("form:jwt", "")).unwrap();
        let big = format!("pad={}", "x".repeat(MAX_FORM_LOOKUP));
        let err = admit(&form_auth, parts("/", &[("content-type", "application/x-www-form-urlencoded")]), Some(&big))
            .unwrap_err();
        assert!(err.0 == 401 && err.1.contains("not searched"), "{err:?}");
    }

    #[test]
    fn bad_configs_are_refused() {
        for (config, expected) in [
            ("{}".to_owned(), "authConfig"),
            (config("", ""), "TokenLookup names no place"),
            (config("body:x", ""), "not a place"),
            (config("header", ""), "names no parameter"),
            (config("header:a", "query:uid"), "PLACE:CLAIM:NAME"),
            (config("header:a", "header:uid:bad name"), "not a header name"),
            (serde_json::json!({"JWKS": {"keys": []}, "TokenLookup": "header:a"}).to_string(), "no key"),
        ] {
            let err = JwtAuth::parse(&config).unwrap_err();
            assert!(err.contains(expected), "{config}: {err}");
        }
    }
}
