//! The credential types every provider hands out and every client signs with: [`Credentials`], [`Secret`] and
//! the [`CredentialsProvider`] trait. Exported at the crate root.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

use super::BoxFuture;
use crate::FcError;
use crate::error::Setting;

/// A secret string (access key secret, STS token) that never prints.
///
/// `Debug` and `Display` show `***`; the value is reachable only through [`Secret::expose`].
///
/// ```
/// let s = fc_runtime::Secret::new("hunter2");
/// assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret value. Call it only where the value is used (signing, the token header).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// One set of credentials: an access key pair and, for temporary (STS) credentials, a security token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Credentials {
    /// The access key id (not secret: it appears in every `Authorization` header).
    pub access_key_id: String,
    /// The access key secret.
    pub access_key_secret: Secret,
    /// The STS security token, sent as `X-Fc-Security-Token`.
    pub security_token: Option<Secret>,
    /// When temporary credentials stop working.
    pub expires_at: Option<SystemTime>,
}

impl Credentials {
    /// Long-lived credentials.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: None,
            expires_at: None,
        }
    }

    /// Adds an STS security token.
    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret::new(token));
        self
    }

    /// Sets when the credentials expire.
    pub fn with_expiry(mut self, expires_at: SystemTime) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Reads `ALIBABA_CLOUD_ACCESS_KEY_ID`, `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and the optional
    /// `ALIBABA_CLOUD_SECURITY_TOKEN` once. A missing or empty variable is a `Config` error naming it. (The
    /// default chain, [`DefaultCredentialsChain`](crate::credentials::DefaultCredentialsChain), is what `Client::from_env` uses.)
    pub fn from_env() -> Result<Self, FcError> {
        let creds = Self::from_lookup(|k| std::env::var(k).ok())?;
        creds.validate()?;
        Ok(creds)
    }

    pub(crate) fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, FcError> {
        let required = |name: &'static str| match get(name) {
            Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
            Some(_) => Err(FcError::config(Setting::Env(name), "is set but empty")),
            None => Err(FcError::config(Setting::Env(name), "is not set")),
        };
        let mut creds =
            Credentials::new(required("ALIBABA_CLOUD_ACCESS_KEY_ID")?, required("ALIBABA_CLOUD_ACCESS_KEY_SECRET")?);
        if let Some(token) = get("ALIBABA_CLOUD_SECURITY_TOKEN").filter(|t| !t.trim().is_empty()) {
            creds = creds.with_security_token(token.trim());
        }
        Ok(creds)
    }

    /// Whether `other` is this very set of credentials (the same key id, and the same secret and token values
    /// handed out again, not merely equal ones): what a cache hands out on every call.
    pub(crate) fn is_same(&self, other: &Credentials) -> bool {
        self.access_key_id == other.access_key_id
            && Arc::ptr_eq(&self.access_key_secret.0, &other.access_key_secret.0)
            && match (&self.security_token, &other.security_token) {
                (None, None) => true,
                (Some(a), Some(b)) => Arc::ptr_eq(&a.0, &b.0),
                _ => false,
            }
    }

    /// Whether `other` holds the same key id, secret and token values (whatever their allocations).
    pub(crate) fn same_values(&self, other: &Credentials) -> bool {
        self.access_key_id == other.access_key_id
            && self.access_key_secret.expose() == other.access_key_secret.expose()
            && self.security_token.as_ref().map(Secret::expose) == other.security_token.as_ref().map(Secret::expose)
    }

    /// The one rule for credentials, applied to fixed credentials once when the client is built and to a
    /// provider's answer each time it is asked: the key id and the token travel in headers (the id inside
    /// `Authorization: FC id:signature`), so they must be non-empty printable ASCII without spaces; the secret must
    /// not be empty. The message never quotes a value.
    pub(crate) fn validate(&self) -> Result<(), FcError> {
        fn problem(value: &str) -> Option<String> {
            if value.is_empty() {
                return Some("is empty".to_owned());
            }
            crate::wire::header_value_problem(value)
                .or_else(|| value.find(' ').map(|at| format!("contains a space at position {at}")))
        }
        let bad = |what: &str, problem: &str| {
            Err(FcError::config(Setting::Credentials, format!("the {what} {problem}; it cannot be sent")))
        };
        if let Some(p) = problem(&self.access_key_id) {
            return bad("access key id", &p);
        }
        if self.access_key_secret.expose().is_empty() {
            return bad("access key secret", "is empty");
        }
        if let Some(p) = self.security_token.as_ref().and_then(|t| problem(t.expose())) {
            return bad("security token", &p);
        }
        Ok(())
    }
}

/// A source of credentials, asked before every request (including each retry).
///
/// Implementations cache: asking must be cheap when nothing changed. Temporary credentials go through
/// [`RefreshingCredentials`](crate::credentials::RefreshingCredentials), which does that for them.
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with. The client checks them before use (an unsendable key id
    /// or token is a [`FcError::Config`], nothing is sent).
    #[allow(clippy::type_complexity)]
    fn credentials(&self) -> Pin<Box<dyn Future<Output = Result<Credentials, FcError>> + Send + '_>>;
}

/// Fixed credentials are a provider too (the source of a [`RamRoleArnCredentials`](crate::credentials::RamRoleArnCredentials), for instance).
impl CredentialsProvider for Credentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        let creds = self.clone();
        Box::pin(async move { Ok(creds) })
    }
}

impl<T: CredentialsProvider + ?Sized> CredentialsProvider for Arc<T> {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        (**self).credentials()
    }
}

impl<T: CredentialsProvider + ?Sized> CredentialsProvider for Box<T> {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        (**self).credentials()
    }
}
