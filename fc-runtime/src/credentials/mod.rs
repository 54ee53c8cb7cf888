//! Credentials and where they come from: the official default chain ([`DefaultCredentialsChain`]), one provider
//! per source, and one caching layer ([`RefreshingCredentials`]) that every temporary credential goes through.
//!
//! | provider | source | temporary |
//! |---|---|---|
//! | [`EnvCredentials`] | `ALIBABA_CLOUD_ACCESS_KEY_ID`, `…_SECRET`, `…_SECURITY_TOKEN` | when a token is set |
//! | [`OidcRoleCredentials`] | RRSA: an OIDC token file exchanged at STS (`AssumeRoleWithOIDC`) | yes |
//! | [`CliProfileCredentials`] | the Aliyun CLI's `~/.aliyun/config.json` | by mode |
//! | [`ProfileFileCredentials`] | the credentials file `~/.alibabacloud/credentials` (INI) | by type |
//! | [`EcsRamRoleCredentials`] | the ECS instance's RAM role, from instance metadata | yes |
//! | [`UriCredentials`] | `ALIBABA_CLOUD_CREDENTIALS_URI` | yes |
//! | [`RamRoleArnCredentials`] | another provider's credentials exchanged at STS (`AssumeRole`) | yes |
//!
//! Every provider takes its environment ([`Environment`]), clock ([`Clock`]) and endpoints as inputs, so that it
//! can be pointed at stand-ins; nothing reads the process environment except through
//! [`Environment::process`].

mod cache;
mod chain;
mod cli;
mod ecs;
mod env;
mod file;
mod oidc;
mod profile;
mod ram_role;
mod sts;
pub(crate) mod types;
mod uri;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use crate::FcError;
pub(crate) use crate::env::{Clock, Environment};
use crate::error::{CredentialsErrorKind, Setting};

pub use cache::RefreshingCredentials;
pub use chain::DefaultCredentialsChain;
pub use cli::CliProfileCredentials;
pub use ecs::{EcsRamRoleBuilder, EcsRamRoleCredentials};
pub use env::EnvCredentials;
pub use file::ProfileFileCredentials;
pub use oidc::OidcRoleCredentials;
pub use ram_role::RamRoleArnCredentials;
pub use sts::RoleOptions;
pub use uri::UriCredentials;

pub(crate) use types::{Credentials, CredentialsProvider};

pub(crate) use crate::util::BoxFuture;

/// Parses an `Expiration` as the credential sources send it: `2024-10-26T03:46:38Z`, optionally with fractional
/// seconds.
pub(crate) fn parse_expiration(provider: &'static str, value: &str) -> Result<SystemTime, FcError> {
    humantime::parse_rfc3339(value.trim()).map_err(|e| {
        FcError::credentials_caused_by(
            provider,
            CredentialsErrorKind::Malformed,
            format!("the Expiration {value:?} is not a UTC time like 2024-10-26T03:46:38Z"),
            e,
        )
    })
}

/// The JSON shape every temporary-credential source answers with (STS's `Credentials` object, instance metadata,
/// the credentials URI). Not `Debug`: it holds secrets.
#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TemporaryCredentials {
    access_key_id: Option<String>,
    access_key_secret: Option<String>,
    security_token: Option<String>,
    expiration: Option<String>,
    pub(crate) code: Option<String>,
}

impl TemporaryCredentials {
    /// The credentials, when all four fields are present and non-empty.
    pub(crate) fn into_credentials(self, provider: &'static str) -> Result<Credentials, FcError> {
        let field = |v: Option<String>, name: &str| {
            v.filter(|v| !v.is_empty()).ok_or_else(|| {
                FcError::credentials(provider, CredentialsErrorKind::Malformed, format!("the answer has no {name}"))
            })
        };
        let id = field(self.access_key_id, "AccessKeyId")?;
        let secret = field(self.access_key_secret, "AccessKeySecret")?;
        let token = field(self.security_token, "SecurityToken")?;
        let expiration = parse_expiration(provider, &field(self.expiration, "Expiration")?)?;
        Ok(Credentials::new(id, secret).with_security_token(token).with_expiry(expiration))
    }
}

/// Parses a source's JSON answer; the error names the provider and never quotes the body (it may hold secrets).
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(provider: &'static str, body: &[u8]) -> Result<T, FcError> {
    serde_json::from_slice(body).map_err(|e| {
        FcError::credentials(
            provider,
            CredentialsErrorKind::Malformed,
            format!(
                "the answer is not the expected JSON ({} at line {} column {})",
                json_problem(&e),
                e.line(),
                e.column()
            ),
        )
    })
}

/// What kind of JSON error it is, in words.
fn json_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "wrong shape",
        serde_json::error::Category::Eof => "truncated",
    }
}

/// The HTTP client for STS and the credentials URI (connect within 5 s, as the official libraries do), shared by
/// every provider in the process.
pub(crate) fn web_http(provider: &'static str) -> Result<reqwest::Client, FcError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    shared_http(&CLIENT, provider, Duration::from_secs(5))
}

/// The HTTP client for instance metadata (connect within 1 s, as the official libraries do; never through a
/// proxy: the metadata address is link-local).
pub(crate) fn metadata_http(provider: &'static str) -> Result<reqwest::Client, FcError> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    shared_http(&CLIENT, provider, Duration::from_secs(1))
}

fn shared_http(
    cell: &'static OnceLock<reqwest::Client>,
    provider: &'static str,
    connect: Duration,
) -> Result<reqwest::Client, FcError> {
    if let Some(client) = cell.get() {
        return Ok(client.clone());
    }
    let mut builder = reqwest::Client::builder().connect_timeout(connect).user_agent(concat!(
        "fc-runtime/",
        env!("CARGO_PKG_VERSION"),
        " credentials"
    ));
    if connect < Duration::from_secs(2) {
        builder = builder.no_proxy();
    }
    let client = builder.build().map_err(|e| {
        FcError::credentials_caused_by(provider, CredentialsErrorKind::Invalid, "cannot create an HTTP client", e)
    })?;
    Ok(cell.get_or_init(|| client).clone())
}

/// Reads a file on the blocking pool, not on the async threads (a file on a slow or network disk must not stall
/// every task of the runtime).
pub(crate) async fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let path = path.to_owned();
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(read) => read,
        Err(e) => Err(std::io::Error::other(e)),
    }
}

/// The most a credential source's answer may hold.
const MAX_ANSWER: usize = 256 * 1024;

/// Sends `request` and reads the whole answer (at most 256 KiB); connection failures and timeouts are `Unreachable`.
pub(crate) async fn exchange(
    provider: &'static str,
    what: &str,
    request: reqwest::RequestBuilder,
) -> Result<(reqwest::StatusCode, bytes::Bytes), FcError> {
    let unreachable = |e: reqwest::Error| {
        let how = if e.is_timeout() { "did not answer in time" } else { "could not be reached" };
        // The URL may carry secrets in its query (an STS token and signature, a credentials URI's own secret): it
        // is dropped from the error, which is kept as the source.
        FcError::credentials_caused_by(
            provider,
            CredentialsErrorKind::Unreachable,
            format!("{what} {how}"),
            e.without_url(),
        )
    };
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status();
    let too_large = || {
        FcError::credentials(
            provider,
            CredentialsErrorKind::Malformed,
            format!("{what} answered more than {} KiB; credentials are a few hundred bytes", MAX_ANSWER / 1024),
        )
    };
    if response.content_length().is_some_and(|len| len > MAX_ANSWER as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_ANSWER {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body.freeze()))
}

/// Reads an HTTP(S) endpoint setting: `host`, `host:port` (then `default_scheme`), or a full `http(s)://` URL.
pub(crate) fn endpoint_url(
    provider: &'static str,
    what: &str,
    value: &str,
    default_scheme: &str,
) -> Result<reqwest::Url, FcError> {
    let value = value.trim().trim_end_matches('/');
    let with_scheme = if value.contains("://") { value.to_owned() } else { format!("{default_scheme}://{value}") };
    let url = reqwest::Url::parse(&with_scheme).map_err(|e| {
        FcError::credentials_caused_by(
            provider,
            CredentialsErrorKind::Invalid,
            format!("the {what} {value:?} is not a URL"),
            e,
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(FcError::credentials(
            provider,
            CredentialsErrorKind::Invalid,
            format!("the {what} {value:?} is not an http(s) URL with a host"),
        ));
    }
    Ok(url)
}

/// Entry points for the fuzz targets: the parsers of every credential source, without I/O. Not a public API.
#[doc(hidden)]
pub mod fuzzing {
    use super::*;

    /// Parses a CLI configuration and builds the provider of its current profile (or `profile`); nothing is
    /// fetched. Returns the provider's `Debug`.
    pub fn cli_config(text: &[u8], profile: Option<&str>) -> Result<String, FcError> {
        let mut provider = CliProfileCredentials::new("fuzz/config.json").environment(offline());
        if let Some(p) = profile {
            provider = provider.profile(p);
        }
        provider.provider_from_text(text).map(|p| format!("{p:?}"))
    }

    /// Parses a credentials file and builds the provider of `section`; nothing is fetched.
    pub fn credentials_file(text: &str, section: &str) -> Result<String, FcError> {
        let provider = ProfileFileCredentials::new("fuzz/credentials").environment(offline()).profile(section);
        provider.provider_from_text(std::path::Path::new("fuzz/credentials"), text).map(|p| format!("{p:?}"))
    }

    /// Parses a temporary-credentials answer (instance metadata, STS's `Credentials`, a credentials URI).
    pub fn temporary_credentials(body: &[u8]) -> Result<Credentials, FcError> {
        let answer: TemporaryCredentials = parse_json("fuzz", body)?;
        let credentials = answer.into_credentials("fuzz")?;
        credentials.validate()?;
        Ok(credentials)
    }

    /// Endpoints that go nowhere, so that nothing built here could reach a real service.
    fn offline() -> Environment {
        Environment::from_vars([
            ("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9"),
            ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9"),
        ])
    }
}

/// The reason of a provider's error, for lists (the chain's) where the provider is already named.
pub(crate) fn reason_of(err: &FcError) -> String {
    match err {
        FcError::Credentials(e) => e.reason.clone(),
        FcError::Config(c) => match c.setting {
            Setting::Env(name) => format!("{name} {}", c.reason),
            _ => c.reason.clone(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_lookup_names_the_missing_variable() {
        let env: HashMap<&str, &str> = [("ALIBABA_CLOUD_ACCESS_KEY_ID", "id")].into();
        let err = Credentials::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap_err();
        assert_eq!(err.to_string(), "configuration error in ALIBABA_CLOUD_ACCESS_KEY_SECRET: is not set");
        assert!(
            matches!(&err, FcError::Config(c) if c.setting == Setting::Env("ALIBABA_CLOUD_ACCESS_KEY_SECRET")),
            "{err}"
        );
        let env: HashMap<&str, &str> = [
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "tok"),
        ]
        .into();
        let c = Credentials::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.security_token.unwrap().expose(), "tok");
        let env: HashMap<&str, &str> =
            [("ALIBABA_CLOUD_ACCESS_KEY_ID", "a b"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "s")].into();
        assert!(Credentials::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap().validate().is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        let c = Credentials::new("id", "topsecret").with_security_token("tokentoken");
        let shown = format!("{c:?}");
        assert!(!shown.contains("topsecret") && !shown.contains("tokentoken"), "{shown}");
    }
}
