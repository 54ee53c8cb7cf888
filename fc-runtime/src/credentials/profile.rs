//! One description of what a configured profile asks for — a CLI profile's `mode`, a credentials-file section's
//! `type` — and the one place such a description becomes a provider.

use std::sync::Arc;
use std::time::Duration;

use super::{
    Clock, Credentials, CredentialsProvider, EcsRamRoleCredentials, Environment, OidcRoleCredentials,
    RamRoleArnCredentials, RoleOptions,
};
use crate::FcError;

/// What a role profile asks STS for, beyond the role itself.
#[derive(Default)]
pub(crate) struct RoleSettings {
    pub session_name: Option<String>,
    pub duration: Option<Duration>,
    /// With `vpc`: `sts-vpc.{region}.aliyuncs.com`.
    pub sts_region: Option<String>,
    pub vpc: bool,
    pub policy: Option<String>,
    pub external_id: Option<String>,
}

/// What a profile describes. Not `Debug`: it holds secrets.
pub(crate) enum ProfileSpec {
    /// A long-term access key.
    AccessKey { id: String, secret: String },
    /// A temporary key with its token, as given.
    StsToken { id: String, secret: String, token: String },
    /// A role assumed at STS with the credentials another description gives.
    RamRoleArn { source: Box<ProfileSpec>, role_arn: String, role: RoleSettings },
    /// The ECS instance's RAM role (discovered when no name is given).
    EcsRamRole { role_name: Option<String> },
    /// A role assumed at STS with an OIDC token read from a file.
    Oidc { role_arn: String, provider_arn: String, token_file: String, role: RoleSettings },
}

impl ProfileSpec {
    /// The provider the description asks for, its STS and metadata settings from `env`, its expirations by
    /// `clock`. Nothing is fetched.
    pub(crate) fn into_provider(
        self,
        env: &Environment,
        clock: &Clock,
    ) -> Result<Arc<dyn CredentialsProvider>, FcError> {
        let role_options = |role: RoleSettings| {
            let mut options = RoleOptions::new().environment(env.clone()).clock(clock.clone());
            if let Some(name) = role.session_name {
                options = options.role_session_name(name);
            }
            if let Some(duration) = role.duration {
                options = options.duration(duration);
            }
            if let Some(region) = role.sts_region {
                options = options.sts_region(region).vpc_endpoint(role.vpc);
            }
            if let Some(policy) = role.policy {
                options = options.policy(policy);
            }
            if let Some(id) = role.external_id {
                options = options.external_id(id);
            }
            options
        };
        Ok(match self {
            ProfileSpec::AccessKey { id, secret } => Arc::new(Credentials::new(id, secret)),
            ProfileSpec::StsToken { id, secret, token } => {
                Arc::new(Credentials::new(id, secret).with_security_token(token))
            }
            ProfileSpec::RamRoleArn { source, role_arn, role } => {
                let source = source.into_provider(env, clock)?;
                Arc::new(RamRoleArnCredentials::with_source(source, role_arn, role_options(role))?)
            }
            ProfileSpec::EcsRamRole { role_name } => {
                let mut builder = EcsRamRoleCredentials::builder_for(env).clock(clock.clone());
                if let Some(name) = role_name {
                    builder = builder.role_name(name);
                }
                Arc::new(builder.build()?)
            }
            ProfileSpec::Oidc { role_arn, provider_arn, token_file, role } => {
                Arc::new(OidcRoleCredentials::new(role_arn, provider_arn, token_file, role_options(role))?)
            }
        })
    }
}
