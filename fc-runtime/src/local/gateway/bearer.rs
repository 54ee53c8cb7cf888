//! A trigger's bearer auth: 1 to 20 named opaque tokens, each enabled or not, checked before the function runs.
//!
//! FC's console sets "Bearer Authentication" with "Token Type: Opaque"; the `authConfig` JSON that holds the
//! tokens is not documented, so `LocalFc` reads `{"tokens": [{"name", "token", "enabled"}]}` and writes it back the
//! same way through the management API.

use http::HeaderMap;
use subtle::ConstantTimeEq as _;

use crate::local::reply::Reject;

/// The most tokens a trigger holds.
const MAX_TOKENS: usize = 20;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    tokens: Vec<Token>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Token {
    name: String,
    token: String,
    #[serde(default = "enabled")]
    enabled: bool,
}

fn enabled() -> bool {
    true
}

/// A trigger's parsed bearer auth: its enabled tokens.
pub(crate) struct BearerAuth {
    enabled: Vec<String>,
}

impl std::fmt::Debug for BearerAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BearerAuth").field("enabled", &self.enabled.len()).finish()
    }
}

impl BearerAuth {
    /// Parses and checks the `authConfig` by FC's limits.
    pub(crate) fn parse(config: &str) -> Result<Self, String> {
        let config: Config = serde_json::from_str(config).map_err(|e| {
            format!("the bearer auth config is not {{\"tokens\": [{{\"name\", \"token\", \"enabled\"}}]}}: {e}")
        })?;
        if config.tokens.is_empty() || config.tokens.len() > MAX_TOKENS {
            return Err(format!("a trigger holds 1 to {MAX_TOKENS} tokens, not {}", config.tokens.len()));
        }
        let mut names = std::collections::HashSet::new();
        for token in &config.tokens {
            check_name(&token.name)?;
            if !names.insert(token.name.as_str()) {
                return Err(format!("the token name {:?} is used twice", token.name));
            }
            check_token(&token.name, &token.token)?;
        }
        let enabled = config.tokens.into_iter().filter(|t| t.enabled).map(|t| t.token).collect();
        Ok(BearerAuth { enabled })
    }

    /// Admits a request carrying one of the enabled tokens; FC's refusals otherwise.
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), Reject> {
        let Some(value) = headers.get(http::header::AUTHORIZATION) else {
            return Err(Reject::new(400, "MissingRequiredHeader", "Authorization header is expected but missing"));
        };
        let presented = value
            .to_str()
            .ok()
            .and_then(|v| v.get(..7).filter(|scheme| scheme.eq_ignore_ascii_case("bearer ")).map(|_| v[7..].trim()));
        let denied = || Reject::new(403, "AccessDenied", "access denied due to invalid bearer token");
        let presented = presented.ok_or_else(denied)?;
        // Every enabled token is compared, in constant time, so that the time taken says nothing of which matched.
        let matched = self
            .enabled
            .iter()
            .fold(false, |found, token| found | bool::from(token.as_bytes().ct_eq(presented.as_bytes())));
        if matched { Ok(()) } else { Err(denied()) }
    }
}

/// FC's rule for a token's name: at most 128 letters, digits, `_` and `-`, not starting with a digit or `-`.
fn check_name(name: &str) -> Result<(), String> {
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let all_ok = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !first_ok || !all_ok || name.len() > 128 {
        return Err(format!(
            "the token name {name:?} is not 1 to 128 letters, digits, `_` and `-`, starting with a letter or `_`"
        ));
    }
    Ok(())
}

/// FC's rule for a token: 32 to 128 characters of `A-Z a-z 0-9 + / = - ~ .`. The message never quotes it.
fn check_token(name: &str, token: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+/=-~.".contains(c);
    if !(32..=128).contains(&token.len()) || !token.chars().all(allowed) {
        return Err(format!(
            "the token {name:?} is not 32 to 128 characters of A-Z a-z 0-9 + / = - ~ . ({} characters given)",
            token.chars().count()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn headers(auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(v) = auth {
            h.insert(http::header::AUTHORIZATION, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_enabled_tokens_are_admitted() {
        let config = format!(
            r#"{{"tokens": [{{"name": "ci", "token": "{A}"}}, {{"name": "old_key", "token": "{B}", "enabled": false}}]}}"#
        );
        let auth = BearerAuth::parse(&config).unwrap();
        assert!(auth.check(&headers(Some(&format!("Bearer {A}")))).is_ok());
        assert!(auth.check(&headers(Some(&format!("bearer {A}")))).is_ok());
        let refused = |h| auth.check(&h).map_err(|r| (r.status, r.code)).unwrap_err();
        assert_eq!(refused(headers(Some(&format!("Bearer {B}")))), (403, "AccessDenied"), "a disabled token");
        assert_eq!(refused(headers(Some("Bearer nope"))), (403, "AccessDenied"));
        assert_eq!(refused(headers(Some(&format!("Basic {A}")))), (403, "AccessDenied"));
        assert_eq!(refused(headers(None)), (400, "MissingRequiredHeader"));
        assert!(!format!("{auth:?}").contains(A), "Debug shows no token");
    }

    #[test]
    fn configs_fc_would_refuse_are_refused() {
        let one = |name: &str, token: &str| format!(r#"{{"tokens": [{{"name": "{name}", "token": "{token}"}}]}}"#);
        let many = format!(
            r#"{{"tokens": [{}]}}"#,
            (0..21).map(|i| format!(r#"{{"name": "t{i}", "token": "{A}"}}"#)).collect::<Vec<_>>().join(",")
        );
        for (config, expected) in [
            ("{}".to_owned(), "not {"),
            (r#"{"tokens": []}"#.to_owned(), "1 to 20"),
            (many, "1 to 20"),
            (one("9lives", A), "starting with a letter"),
            (one("-x", A), "starting with a letter"),
            (one("a b", A), "letters, digits"),
            (one("ok", "short"), "32 to 128"),
            (one("ok", &format!("{A}!")), "32 to 128"),
            (format!(r#"{{"tokens": [{{"name": "a", "token": "{A}"}}, {{"name": "a", "token": "{B}"}}]}}"#), "twice"),
        ] {
            let err = BearerAuth::parse(&config).unwrap_err();
            assert!(err.contains(expected), "{config}: {err}");
            assert!(!err.contains(A), "the message does not quote a token: {err}");
        }
    }
}
