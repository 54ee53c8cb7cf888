//! STS: `AssumeRoleWithOIDC` (anonymous) and `AssumeRole` (RPC-signed), and where STS is.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::{Clock, Credentials, Environment, TemporaryCredentials};
use crate::FcError;
use crate::error::CredentialsErrorKind;
use crate::sign::rpc;

/// The shortest session STS grants.
const MIN_DURATION: Duration = Duration::from_secs(900);
/// The session length asked for unless told otherwise.
const DEFAULT_DURATION: Duration = Duration::from_secs(3600);
/// How long one STS exchange may take (the official libraries: connect 5 s, read 10 s).
const STS_TIMEOUT: Duration = Duration::from_secs(15);

/// What the role providers ([`OidcRoleCredentials`](super::OidcRoleCredentials),
/// [`RamRoleArnCredentials`](super::RamRoleArnCredentials)) ask STS for, and where STS is.
///
/// Unset values come from the environment ([`environment`](Self::environment), default the process's):
/// `ALIBABA_CLOUD_ROLE_SESSION_NAME`; the endpoint from `ALIBABA_CLOUD_STS_ENDPOINT` (a host, or an
/// `http(s)://host:port` URL), else `sts[-vpc].{ALIBABA_CLOUD_STS_REGION}.aliyuncs.com`
/// (`ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true` for `sts-vpc`), else `sts.aliyuncs.com`. The precedence: an
/// explicit [`sts_endpoint`](Self::sts_endpoint), then `ALIBABA_CLOUD_STS_ENDPOINT` (an endpoint override is
/// more specific than any region), then an explicit [`sts_region`](Self::sts_region) (a CLI profile's
/// `sts_region`), then `ALIBABA_CLOUD_STS_REGION`.
///
/// ```
/// use std::time::Duration;
/// use fc_runtime::credentials::RoleOptions;
/// let options = RoleOptions::new()
///     .role_session_name("billing-job")
///     .duration(Duration::from_secs(900))
///     .sts_region("cn-hangzhou")
///     .vpc_endpoint(true);
/// ```
#[derive(Debug, Clone, Default)]
pub struct RoleOptions {
    pub(crate) session_name: Option<String>,
    pub(crate) policy: Option<String>,
    pub(crate) external_id: Option<String>,
    pub(crate) duration: Option<Duration>,
    pub(crate) sts_endpoint: Option<String>,
    pub(crate) sts_region: Option<String>,
    pub(crate) vpc: Option<bool>,
    pub(crate) env: Environment,
    pub(crate) clock: Clock,
    pub(crate) refresh_window: Option<Duration>,
}

impl RoleOptions {
    /// Defaults, with unset values from the process environment.
    pub fn new() -> Self {
        RoleOptions::default()
    }

    /// `RoleSessionName`: 2–64 characters of `A–Z a–z 0–9 . @ _ -` (default: `ALIBABA_CLOUD_ROLE_SESSION_NAME`,
    /// else `fc-runtime-{unix milliseconds}`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// A session policy (JSON), narrowing the role's permissions.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into()).filter(|p| !p.is_empty());
        self
    }

    /// `ExternalId`, for `AssumeRole` only.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into()).filter(|p| !p.is_empty());
        self
    }

    /// How long the credentials last (default one hour; at least 900 s; at most the role's maximum).
    pub fn duration(mut self, duration: Duration) -> Self {
        self.duration = Some(duration);
        self
    }

    /// The STS endpoint: a host (`sts.cn-hangzhou.aliyuncs.com`, reached over HTTPS) or a URL
    /// (`http://127.0.0.1:8080` for a stand-in).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The STS region: `sts.{region}.aliyuncs.com`.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.sts_region = Some(region.into());
        self
    }

    /// With a region, use the VPC endpoint `sts-vpc.{region}.aliyuncs.com`.
    pub fn vpc_endpoint(mut self, vpc: bool) -> Self {
        self.vpc = Some(vpc);
        self
    }

    /// The environment unset values come from.
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The clock expirations are compared with.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The longest early-refresh window (see [`RefreshingCredentials`](super::RefreshingCredentials)).
    pub fn refresh_window(mut self, window: Duration) -> Self {
        self.refresh_window = Some(window);
        self
    }

    /// Checks the options and resolves the endpoint.
    pub(crate) fn resolve(&self, provider: &'static str) -> Result<Sts, FcError> {
        let invalid = |reason: String| FcError::credentials(provider, CredentialsErrorKind::Invalid, reason);
        let session_name = match self.session_name.clone().or_else(|| self.env.get("ALIBABA_CLOUD_ROLE_SESSION_NAME")) {
            Some(name) => {
                let ok = (2..=64).contains(&name.len())
                    && name.bytes().all(|b| b.is_ascii_alphanumeric() || b".@_-".contains(&b));
                if !ok {
                    return Err(invalid(format!(
                        "the role session name {name:?} is not 2-64 characters of A-Z a-z 0-9 . @ _ -"
                    )));
                }
                Some(name)
            }
            None => None,
        };
        let duration = self.duration.unwrap_or(DEFAULT_DURATION);
        if duration < MIN_DURATION {
            return Err(invalid(format!("the duration {}s is under STS's minimum of 900s", duration.as_secs())));
        }
        if self.policy.as_ref().is_some_and(|p| serde_json::from_str::<serde_json::Value>(p).is_err()) {
            return Err(invalid("the session policy is not JSON".to_owned()));
        }
        Ok(Sts {
            endpoint: self.endpoint(provider)?,
            session_name,
            duration,
            policy: self.policy.clone(),
            external_id: self.external_id.clone(),
            clock: self.clock.clone(),
        })
    }

    fn endpoint(&self, provider: &'static str) -> Result<reqwest::Url, FcError> {
        let host = |region: &str, vpc: bool| {
            let prefix = if vpc { "sts-vpc" } else { "sts" };
            format!("{prefix}.{region}.aliyuncs.com")
        };
        let env_vpc = || self.env.flag("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED");
        let value = if let Some(endpoint) = &self.sts_endpoint {
            endpoint.clone()
        } else if let Some(endpoint) = self.env.get("ALIBABA_CLOUD_STS_ENDPOINT") {
            endpoint
        } else if let Some(region) = &self.sts_region {
            host(region, self.vpc.unwrap_or_else(env_vpc))
        } else if let Some(region) = self.env.get("ALIBABA_CLOUD_STS_REGION") {
            host(&region, self.vpc.unwrap_or_else(env_vpc))
        } else {
            "sts.aliyuncs.com".to_owned()
        };
        super::endpoint_url(provider, "STS endpoint", &value, "https")
    }
}

/// A resolved STS: where, and what to ask for.
#[derive(Debug, Clone)]
pub(crate) struct Sts {
    pub endpoint: reqwest::Url,
    session_name: Option<String>,
    duration: Duration,
    policy: Option<String>,
    external_id: Option<String>,
    pub clock: Clock,
}

/// STS's answer: the credentials (the other fields are not needed).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsAnswer {
    credentials: Option<TemporaryCredentials>,
}

/// STS's error body.
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct StsError {
    code: Option<String>,
    message: Option<String>,
    request_id: Option<String>,
}

fn timestamp(at: SystemTime) -> String {
    humantime::format_rfc3339_seconds(at).to_string()
}

fn form(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", rpc::percent_encode(k), rpc::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn nonce() -> String {
    let mut bytes = [0u8; 16];
    // A nonce only has to be unique; if the OS cannot give randomness, the time is unique enough.
    if getrandom::getrandom(&mut bytes).is_err() {
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes = nanos.to_le_bytes();
    }
    let mut out = [0u8; 32];
    hex::encode_to_slice(bytes, &mut out).expect("32 hex digits");
    String::from_utf8_lossy(&out).into_owned()
}

impl Sts {
    fn session_name(&self) -> String {
        self.session_name.clone().unwrap_or_else(|| {
            let millis = self.clock.now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis();
            format!("fc-runtime-{millis}")
        })
    }

    /// `AssumeRoleWithOIDC`: anonymous, the OIDC token proves who asks.
    pub(crate) async fn assume_role_with_oidc(
        &self,
        provider: &'static str,
        role_arn: &str,
        oidc_provider_arn: &str,
        oidc_token: &str,
    ) -> Result<Credentials, FcError> {
        let now = timestamp(self.clock.now());
        let query =
            [("Action", "AssumeRoleWithOIDC"), ("Format", "JSON"), ("Version", "2015-04-01"), ("Timestamp", &now)];
        let duration = self.duration.as_secs().to_string();
        let session_name = self.session_name();
        let mut body = vec![
            ("RoleArn", role_arn),
            ("OIDCProviderArn", oidc_provider_arn),
            ("OIDCToken", oidc_token),
            ("RoleSessionName", session_name.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(policy) = &self.policy {
            body.push(("Policy", policy));
        }
        self.post(provider, "AssumeRoleWithOIDC", &query, &body).await
    }

    /// `AssumeRole`, signed with `source` (and carrying its security token when it has one: role chaining).
    pub(crate) async fn assume_role(
        &self,
        provider: &'static str,
        role_arn: &str,
        source: &Credentials,
    ) -> Result<Credentials, FcError> {
        let now = timestamp(self.clock.now());
        let nonce = nonce();
        let mut query = vec![
            ("Action", "AssumeRole"),
            ("Format", "JSON"),
            ("Version", "2015-04-01"),
            ("Timestamp", now.as_str()),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", nonce.as_str()),
            ("AccessKeyId", source.access_key_id.as_str()),
        ];
        if let Some(token) = &source.security_token {
            query.push(("SecurityToken", token.expose()));
        }
        let duration = self.duration.as_secs().to_string();
        let session_name = self.session_name();
        let mut body = vec![
            ("RoleArn", role_arn),
            ("RoleSessionName", session_name.as_str()),
            ("DurationSeconds", duration.as_str()),
        ];
        if let Some(policy) = &self.policy {
            body.push(("Policy", policy));
        }
        if let Some(id) = &self.external_id {
            body.push(("ExternalId", id));
        }
        let signed: Vec<(&str, &str)> = query.iter().chain(body.iter()).copied().collect();
        let signature = rpc::signature("POST", &signed, source.access_key_secret.expose());
        query.push(("Signature", &signature));
        self.post(provider, "AssumeRole", &query, &body).await
    }

    /// POSTs `body` as a form to STS with `query`, and reads the credentials from the answer.
    async fn post(
        &self,
        provider: &'static str,
        action: &str,
        query: &[(&str, &str)],
        body: &[(&str, &str)],
    ) -> Result<Credentials, FcError> {
        let mut url = self.endpoint.clone();
        url.set_path("/");
        url.set_query(Some(&form(query)));
        let http = super::web_http(provider)?;
        let request = http
            .post(url)
            .timeout(STS_TIMEOUT)
            .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(body));
        let (status, bytes) = super::exchange(provider, &format!("STS ({action})"), request).await?;
        if status != reqwest::StatusCode::OK {
            let err: StsError = serde_json::from_slice(&bytes).unwrap_or_default();
            let mut reason = format!("STS refused {action} with HTTP {}", status.as_u16());
            if let Some(code) = err.code {
                reason.push_str(&format!(": {code}"));
            }
            if let Some(message) = err.message {
                // STS echoes what it signed when a signature does not match: the query, with the token and the
                // signature in it. Those values are masked.
                let secrets = query.iter().chain(body).filter(|(k, _)| SECRET_PARAMS.contains(k)).map(|(_, v)| *v);
                reason.push_str(&format!(": {}", mask(&message, secrets)));
            }
            if let Some(id) = err.request_id {
                reason.push_str(&format!(" (request id {id})"));
            }
            return Err(FcError::credentials(provider, CredentialsErrorKind::Refused, reason));
        }
        let answer: StsAnswer = super::parse_json(provider, &bytes)?;
        let credentials = answer.credentials.ok_or_else(|| {
            FcError::credentials(
                provider,
                CredentialsErrorKind::Malformed,
                format!("STS's {action} answer has no Credentials"),
            )
        })?;
        credentials.into_credentials(provider)
    }
}

/// The request parameters whose values are credentials, masked wherever STS echoes them.
const SECRET_PARAMS: &[&str] = &["SecurityToken", "Signature", "AccessKeyId", "OIDCToken"];

/// `text` with every occurrence of each non-empty `secret` (as sent, and percent-encoded as STS prints its
/// string to sign) replaced by `***`.
fn mask<'a>(text: &str, secrets: impl Iterator<Item = &'a str>) -> String {
    let mut masked = text.to_owned();
    for secret in secrets.filter(|s| s.len() >= 4) {
        for form in [secret.to_owned(), rpc::percent_encode(secret), rpc::percent_encode(&rpc::percent_encode(secret))]
        {
            masked = masked.replace(&form, "***");
        }
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(options: RoleOptions) -> String {
        options.resolve("t").map(|s| s.endpoint.to_string()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn the_endpoint_follows_the_official_precedence() {
        let env = |vars: &[(&str, &str)]| RoleOptions::new().environment(Environment::from_vars(vars.to_vec()));
        assert_eq!(endpoint(env(&[])), "https://sts.aliyuncs.com/");
        assert_eq!(endpoint(env(&[("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true")])), "https://sts.aliyuncs.com/");
        assert_eq!(
            endpoint(env(&[("ALIBABA_CLOUD_STS_REGION", "cn-beijing")])),
            "https://sts.cn-beijing.aliyuncs.com/"
        );
        assert_eq!(
            endpoint(env(&[
                ("ALIBABA_CLOUD_STS_REGION", "cn-beijing"),
                ("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "TRUE")
            ])),
            "https://sts-vpc.cn-beijing.aliyuncs.com/"
        );
        assert_eq!(
            endpoint(env(&[
                ("ALIBABA_CLOUD_STS_REGION", "cn-beijing"),
                ("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9")
            ])),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            endpoint(env(&[("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9")]).sts_region("cn-shanghai")),
            "http://127.0.0.1:9/"
        );
        assert_eq!(
            endpoint(env(&[("ALIBABA_CLOUD_STS_REGION", "cn-beijing")]).sts_region("cn-shanghai")),
            "https://sts.cn-shanghai.aliyuncs.com/"
        );
        assert_eq!(
            endpoint(env(&[("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9")]).sts_endpoint("http://127.0.0.1:8")),
            "http://127.0.0.1:8/"
        );
        assert_eq!(endpoint(env(&[]).sts_endpoint("sts.example.com")), "https://sts.example.com/");
        assert!(endpoint(env(&[]).sts_endpoint("ftp://x")).contains("not an http(s) URL"));
    }

    #[test]
    fn options_are_checked() {
        let base = RoleOptions::new().environment(Environment::from_vars::<&str, &str>([]));
        for (options, expected) in [
            (base.clone().role_session_name("a"), "role session name"),
            (base.clone().role_session_name("has space"), "role session name"),
            (base.clone().duration(Duration::from_secs(899)), "minimum of 900s"),
            (base.clone().policy("{not json"), "policy is not JSON"),
        ] {
            let err = options.resolve("t").unwrap_err();
            assert!(err.to_string().contains(expected), "{err}");
        }
        assert!(base.role_session_name("ok.name@x_y-z").duration(Duration::from_secs(900)).resolve("t").is_ok());
    }
}
