//! Access keys and where they come from.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::Mutex;

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
    /// `ALIBABA_CLOUD_SECURITY_TOKEN`. A missing or empty variable is a `Config` error naming it.
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

    /// The one rule for credentials, applied to fixed credentials once when the client is built and to a
    /// provider's answer each time it is asked: the key id and the token travel in headers (the id inside
    /// `Authorization: FC id:signature`), so they must be non-empty printable ASCII without spaces; the secret must
    /// not be empty. The message never quotes a value.
    pub(crate) fn validate(&self) -> Result<(), FcError> {
        fn problem(value: &str) -> Option<String> {
            if value.is_empty() {
                return Some("is empty".to_owned());
            }
            crate::validate::header_value_problem(value)
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

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A source of credentials, asked before every request (including each retry).
///
/// Implementations cache: asking must be cheap when nothing changed.
pub trait CredentialsProvider: Send + Sync + fmt::Debug {
    /// The credentials to sign the next request with. The client checks them before use (an unsendable key id
    /// or token is a [`FcError::Config`], nothing is sent).
    #[allow(clippy::type_complexity)]
    fn credentials(&self) -> Pin<Box<dyn Future<Output = Result<Credentials, FcError>> + Send + '_>>;
}

/// Credentials read from the `ALIBABA_CLOUD_*` environment variables at every request, so that a rotated STS
/// token in the environment is picked up.
#[derive(Debug, Clone, Default)]
pub struct EnvCredentials;

impl CredentialsProvider for EnvCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        // Checked by the client, like every provider's answer.
        Box::pin(async { Credentials::from_lookup(|k| std::env::var(k).ok()) })
    }
}

type FetchFn = dyn Fn() -> BoxFuture<'static, Result<Credentials, FcError>> + Send + Sync;

/// Temporary (STS) credentials fetched by a user-supplied function and refreshed shortly before they expire.
///
/// Concurrent callers share one refresh.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use fc_runtime::{Credentials, RefreshingCredentials};
///
/// let provider = RefreshingCredentials::new(|| async {
///     // e.g. call STS AssumeRole here
///     Ok(Credentials::new("STS.id", "secret")
///         .with_security_token("token")
///         .with_expiry(SystemTime::now() + Duration::from_secs(3600)))
/// });
/// ```
pub struct RefreshingCredentials {
    fetch: Box<FetchFn>,
    refresh_before: Duration,
    cached: Mutex<Option<Credentials>>,
}

impl fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshingCredentials").field("refresh_before", &self.refresh_before).finish_non_exhaustive()
    }
}

impl RefreshingCredentials {
    /// Calls `fetch` for the first request and again whenever the cached credentials are within five minutes of
    /// their expiry (credentials without an expiry are kept forever).
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Credentials, FcError>> + Send + 'static,
    {
        RefreshingCredentials {
            fetch: Box::new(move || Box::pin(fetch())),
            refresh_before: Duration::from_secs(300),
            cached: Mutex::new(None),
        }
    }

    /// How long before expiry to refresh (default five minutes).
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }
}

impl CredentialsProvider for RefreshingCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        Box::pin(async move {
            let mut cached = self.cached.lock().await;
            let fresh = cached.as_ref().is_some_and(|c| match c.expires_at {
                None => true,
                Some(at) => SystemTime::now() + self.refresh_before < at,
            });
            if !fresh {
                *cached = Some((self.fetch)().await?);
            }
            Ok(cached.clone().expect("set above"))
        })
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

    #[tokio::test]
    async fn refreshing_credentials_refresh_near_expiry() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let provider = RefreshingCredentials::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                // The first token is already inside the refresh margin; the second lasts an hour.
                let ttl = if n == 0 { 60 } else { 3600 };
                Ok(Credentials::new("id", "s")
                    .with_security_token(format!("t{n}"))
                    .with_expiry(SystemTime::now() + Duration::from_secs(ttl)))
            }
        });
        let first = provider.credentials().await.unwrap();
        let second = provider.credentials().await.unwrap();
        let third = provider.credentials().await.unwrap();
        assert_eq!(first.security_token.unwrap().expose(), "t0");
        assert_eq!(second.security_token.unwrap().expose(), "t1");
        assert_eq!(third.security_token.unwrap().expose(), "t1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
