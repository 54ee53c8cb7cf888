//! The Aliyun CLI's profiles, `~/.aliyun/config.json`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::profile::{ProfileSpec, RoleSettings};
use super::{BoxFuture, Clock, Credentials, CredentialsProvider, Environment};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "cli_profile";
/// Source profiles followed by `ChainableRamRoleArn` before giving up (a cycle is refused earlier).
const MAX_CHAIN: usize = 8;

/// Credentials as a profile of the Aliyun CLI describes them: `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`,
/// `OIDC` and `ChainableRamRoleArn` (whose `source_profile` is resolved the same way). Other modes are
/// refused as unsupported, as the official libraries do.
///
/// The file is read at the first request; the provider it describes is kept (and refreshes itself when
/// temporary).
///
/// ```
/// use fc_runtime::credentials::CliProfileCredentials;
/// let provider = CliProfileCredentials::new("/home/me/.aliyun/config.json").profile("staging");
/// ```
#[derive(Debug)]
pub struct CliProfileCredentials {
    path: PathBuf,
    profile: Option<String>,
    env: Environment,
    clock: Clock,
    resolved: tokio::sync::OnceCell<Arc<dyn CredentialsProvider>>,
}

#[derive(Deserialize)]
struct Config {
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<Profile>,
}

/// One profile; unknown keys (region, language, SSO settings…) are ignored. Not `Debug`: it holds secrets.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Profile {
    name: String,
    mode: String,
    access_key_id: String,
    access_key_secret: String,
    sts_token: String,
    ram_role_arn: String,
    ram_session_name: String,
    expired_seconds: u64,
    sts_region: String,
    enable_vpc: bool,
    policy: String,
    external_id: String,
    ram_role_name: String,
    oidc_token_file: String,
    oidc_provider_arn: String,
    source_profile: String,
}

impl CliProfileCredentials {
    /// The profiles in `path`; the profile is [`profile`](Self::profile), else the file's `current`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        CliProfileCredentials {
            path: path.into(),
            profile: None,
            env: Environment::process(),
            clock: Clock::system(),
            resolved: tokio::sync::OnceCell::new(),
        }
    }

    /// Use this profile instead of the file's `current`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The environment STS and metadata settings come from (default: the process's).
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The clock expirations are compared with.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The provider the environment describes: `ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`; the
    /// profile from `ALIBABA_CLOUD_PROFILE`, else the file's `current`. `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true`
    /// turns it off (`NotConfigured`).
    pub fn from_environment(env: &Environment) -> Result<Self, FcError> {
        if env.flag("ALIBABA_CLOUD_CLI_PROFILE_DISABLED") {
            return Err(not_configured("disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED"));
        }
        let path = match env.get("ALIBABA_CLOUD_CONFIG_FILE") {
            Some(path) => PathBuf::from(path),
            None => env
                .home()
                .ok_or_else(|| not_configured("no home directory (HOME is not set)"))?
                .join(".aliyun")
                .join("config.json"),
        };
        let mut provider = Self::new(path).environment(env.clone());
        if let Some(profile) = env.get("ALIBABA_CLOUD_PROFILE") {
            provider = provider.profile(profile);
        }
        Ok(provider)
    }

    async fn load(&self) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        let text = match super::read_file(&self.path).await {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(not_configured(format!("{} does not exist", self.path.display())));
            }
            Err(e) => return Err(invalid_caused(format!("cannot read {}", self.path.display()), e)),
        };
        self.provider_from_text(&text)
    }

    /// Builds the provider the configuration `text` describes for this provider's profile; nothing is fetched.
    pub(crate) fn provider_from_text(&self, text: &[u8]) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        let config: Config = serde_json::from_slice(text)
            .map_err(|e| invalid(format!("{} is not a CLI configuration ({e})", self.path.display())))?;
        let name = self
            .profile
            .clone()
            .or(config.current.clone())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| invalid(format!("{} has no current profile and none was named", self.path.display())))?;
        let mut seen = HashSet::new();
        self.build(&config, &name, &mut seen)
    }

    fn build(
        &self,
        config: &Config,
        name: &str,
        seen: &mut HashSet<String>,
    ) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        self.spec(config, name, seen)?.into_provider(&self.env, &self.clock)
    }

    /// What the profile `name` describes (a `ChainableRamRoleArn`'s source profile too).
    fn spec(&self, config: &Config, name: &str, seen: &mut HashSet<String>) -> Result<ProfileSpec, FcError> {
        if config.profiles.is_empty() {
            return Err(invalid(format!("{} has no profiles", self.path.display())));
        }
        if !seen.insert(name.to_owned()) || seen.len() > MAX_CHAIN {
            return Err(invalid(format!("the source profiles loop back to {name:?}")));
        }
        let profile = config
            .profiles
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| invalid(format!("{} has no profile named {name:?}", self.path.display())))?;
        let need = |value: &str, key: &str| {
            if value.is_empty() {
                Err(invalid(format!("profile {name:?} (mode {}) has no {key}", profile.mode)))
            } else {
                Ok(value.to_owned())
            }
        };
        let key = || -> Result<ProfileSpec, FcError> {
            Ok(ProfileSpec::AccessKey {
                id: need(&profile.access_key_id, "access_key_id")?,
                secret: need(&profile.access_key_secret, "access_key_secret")?,
            })
        };
        Ok(match profile.mode.as_str() {
            "AK" => key()?,
            "StsToken" => ProfileSpec::StsToken {
                id: need(&profile.access_key_id, "access_key_id")?,
                secret: need(&profile.access_key_secret, "access_key_secret")?,
                token: need(&profile.sts_token, "sts_token")?,
            },
            "RamRoleArn" => ProfileSpec::RamRoleArn {
                source: Box::new(key()?),
                role_arn: need(&profile.ram_role_arn, "ram_role_arn")?,
                role: role_settings(profile),
            },
            "ChainableRamRoleArn" => {
                let source = need(&profile.source_profile, "source_profile")?;
                let role_arn = need(&profile.ram_role_arn, "ram_role_arn")?;
                ProfileSpec::RamRoleArn {
                    source: Box::new(self.spec(config, &source, seen)?),
                    role_arn,
                    role: role_settings(profile),
                }
            }
            "EcsRamRole" => ProfileSpec::EcsRamRole { role_name: Some(profile.ram_role_name.clone()) },
            "OIDC" => ProfileSpec::Oidc {
                role_arn: need(&profile.ram_role_arn, "ram_role_arn")?,
                provider_arn: need(&profile.oidc_provider_arn, "oidc_provider_arn")?,
                token_file: need(&profile.oidc_token_file, "oidc_token_file")?,
                role: role_settings(profile),
            },
            other => return Err(invalid(format!("unsupported profile mode '{other}' (profile {name:?})"))),
        })
    }
}

/// The STS settings of a role profile.
fn role_settings(profile: &Profile) -> RoleSettings {
    let text = |v: &str| Some(v.to_owned()).filter(|v| !v.is_empty());
    RoleSettings {
        session_name: text(&profile.ram_session_name),
        duration: (profile.expired_seconds > 0).then(|| Duration::from_secs(profile.expired_seconds)),
        sts_region: text(&profile.sts_region),
        vpc: profile.enable_vpc,
        policy: text(&profile.policy),
        external_id: text(&profile.external_id),
    }
}

fn not_configured(reason: impl Into<String>) -> FcError {
    FcError::credentials(NAME, CredentialsErrorKind::NotConfigured, reason)
}

fn invalid(reason: impl Into<String>) -> FcError {
    FcError::credentials(NAME, CredentialsErrorKind::Invalid, reason)
}

fn invalid_caused(reason: impl Into<String>, source: std::io::Error) -> FcError {
    FcError::credentials_caused_by(NAME, CredentialsErrorKind::Invalid, reason, source)
}

impl CredentialsProvider for CliProfileCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        Box::pin(async move { self.resolved.get_or_try_init(|| self.load()).await?.credentials().await })
    }
}
