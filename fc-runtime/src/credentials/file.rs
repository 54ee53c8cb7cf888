//! The shared credentials file (INI), `~/.alibabacloud/credentials`.

use std::path::PathBuf;
use std::sync::Arc;

use super::profile::{ProfileSpec, RoleSettings};
use super::{BoxFuture, Clock, Credentials, CredentialsProvider, Environment};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "profile";

/// Credentials as a section of the credentials file describes them, by `type`: `access_key`, `ecs_ram_role`,
/// `ram_role_arn` and `oidc_role_arn`. Other types are refused as unsupported.
///
/// Comments start a line with `#` or `;`, or follow whitespace after a value. A section with `enable = false` is
/// skipped; `enable` is not required. The file is read at the first request; the provider it describes is kept
/// (and refreshes itself when temporary).
///
/// ```ini
/// [default]
/// type = access_key
/// access_key_id = LTAI...
/// access_key_secret = ...     # a comment
/// ```
#[derive(Debug)]
pub struct ProfileFileCredentials {
    candidates: Vec<PathBuf>,
    profile: String,
    env: Environment,
    clock: Clock,
    resolved: tokio::sync::OnceCell<Arc<dyn CredentialsProvider>>,
}

impl ProfileFileCredentials {
    /// The section `default` of the file at `path` (see [`profile`](Self::profile)).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self::with_candidates(vec![path.into()], Environment::process())
    }

    fn with_candidates(candidates: Vec<PathBuf>, env: Environment) -> Self {
        ProfileFileCredentials {
            candidates,
            profile: "default".to_owned(),
            env,
            clock: Clock::system(),
            resolved: tokio::sync::OnceCell::new(),
        }
    }

    /// Use this section instead of `default`.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = name.into();
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

    /// The provider the environment describes: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else
    /// `~/.alibabacloud/credentials`, else `~/.alibabacloud/credentials.ini` (the name the Python and Java
    /// libraries use); the section from `ALIBABA_CLOUD_PROFILE`, else `default`.
    pub fn from_environment(env: &Environment) -> Result<Self, FcError> {
        let candidates = match env.get("ALIBABA_CLOUD_CREDENTIALS_FILE") {
            Some(path) => vec![PathBuf::from(path)],
            None => {
                let dir = env
                    .home()
                    .ok_or_else(|| not_configured("no home directory (HOME is not set)"))?
                    .join(".alibabacloud");
                vec![dir.join("credentials"), dir.join("credentials.ini")]
            }
        };
        let mut provider = Self::with_candidates(candidates, env.clone());
        if let Some(profile) = env.get("ALIBABA_CLOUD_PROFILE") {
            provider = provider.profile(profile);
        }
        Ok(provider)
    }

    async fn load(&self) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        for path in &self.candidates {
            let bytes = match super::read_file(path).await {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    let reason = format!("cannot read {}", path.display());
                    return Err(FcError::credentials_caused_by(NAME, CredentialsErrorKind::Invalid, reason, e));
                }
            };
            let text =
                String::from_utf8(bytes).map_err(|_| invalid(format!("{} is not UTF-8 text", path.display())))?;
            return self.provider_from_text(path, &text);
        }
        let names: Vec<String> = self.candidates.iter().map(|p| p.display().to_string()).collect();
        Err(not_configured(format!("{} does not exist", names.join(" nor "))))
    }

    /// Builds the provider the section of `text` describes; nothing is fetched.
    pub(crate) fn provider_from_text(
        &self,
        path: &std::path::Path,
        text: &str,
    ) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        let options = ini::ParseOption { enabled_quote: false, enabled_escape: false, ..Default::default() };
        let ini = ini::Ini::load_from_str_opt(text, options)
            .map_err(|e| invalid(format!("{} is not an INI file ({e})", path.display())))?;
        let section = ini
            .section(Some(self.profile.as_str()))
            .ok_or_else(|| not_configured(format!("{} has no [{}] section", path.display(), self.profile)))?;
        let get = |key: &str| {
            section
                .iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let section_name = &self.profile;
        let need = |key: &str| get(key).ok_or_else(|| invalid(format!("[{section_name}] has no {key}")));
        if get("enable").is_some_and(|v| v.eq_ignore_ascii_case("false")) {
            return Err(not_configured(format!("[{section_name}] is disabled (enable = false)")));
        }
        let role = || RoleSettings {
            session_name: get("role_session_name").map(str::to_owned),
            policy: get("policy").map(str::to_owned),
            ..RoleSettings::default()
        };
        let key = || -> Result<ProfileSpec, FcError> {
            Ok(ProfileSpec::AccessKey {
                id: need("access_key_id")?.to_owned(),
                secret: need("access_key_secret")?.to_owned(),
            })
        };
        let spec = match get("type") {
            Some("access_key") => key()?,
            Some("ecs_ram_role") => ProfileSpec::EcsRamRole { role_name: get("role_name").map(str::to_owned) },
            Some("ram_role_arn") => ProfileSpec::RamRoleArn {
                source: Box::new(key()?),
                role_arn: need("role_arn")?.to_owned(),
                role: role(),
            },
            Some("oidc_role_arn") => ProfileSpec::Oidc {
                role_arn: need("role_arn")?.to_owned(),
                provider_arn: need("oidc_provider_arn")?.to_owned(),
                token_file: need("oidc_token_file_path")?.to_owned(),
                role: role(),
            },
            Some(other) => return Err(invalid(format!("[{section_name}] has the unsupported type {other:?}"))),
            None => return Err(invalid(format!("[{section_name}] has no type"))),
        };
        spec.into_provider(&self.env, &self.clock)
    }
}

fn not_configured(reason: impl Into<String>) -> FcError {
    FcError::credentials(NAME, CredentialsErrorKind::NotConfigured, reason)
}

fn invalid(reason: impl Into<String>) -> FcError {
    FcError::credentials(NAME, CredentialsErrorKind::Invalid, reason)
}

impl CredentialsProvider for ProfileFileCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        Box::pin(async move { self.resolved.get_or_try_init(|| self.load()).await?.credentials().await })
    }
}
