//! Credentials from a URL that answers with temporary credentials (`ALIBABA_CLOUD_CREDENTIALS_URI`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::{BoxFuture, Clock, Credentials, CredentialsProvider, Environment, RefreshingCredentials};
use crate::FcError;
use crate::error::CredentialsErrorKind;

const NAME: &str = "credentials_uri";
/// How long one exchange may take (the official libraries: connect 5 s, read 10 s).
const URI_TIMEOUT: Duration = Duration::from_secs(15);

/// Temporary credentials from a URL: `GET` answered by HTTP 200 with
/// `{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration", "Code"}`.
///
/// All four credential fields are required; a `Code` other than `"Success"` is refused, a missing one accepted
/// (the Go and Node libraries do not check it). Credentials are cached and refreshed by
/// [`RefreshingCredentials`].
///
/// ```
/// use fc_runtime::credentials::UriCredentials;
/// let provider = UriCredentials::new("http://127.0.0.1:8080/credentials")?;
/// # Ok::<(), fc_runtime::FcError>(())
/// ```
pub struct UriCredentials {
    uri: Arc<reqwest::Url>,
    cache: RefreshingCredentials,
}

impl fmt::Debug for UriCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URI's query may carry a secret: show the origin and path only.
        let shown = format!("{}{}", self.uri.origin().ascii_serialization(), self.uri.path());
        f.debug_struct("UriCredentials").field("uri", &shown).field("cache", &self.cache).finish()
    }
}

impl UriCredentials {
    /// Credentials from `uri` (`http` or `https`), used verbatim, its query included.
    pub fn new(uri: impl AsRef<str>) -> Result<Self, FcError> {
        Self::with_clock(uri, Clock::system())
    }

    /// [`new`](Self::new) with a clock for expirations.
    pub fn with_clock(uri: impl AsRef<str>, clock: Clock) -> Result<Self, FcError> {
        let uri = uri.as_ref().trim();
        let parsed = reqwest::Url::parse(uri)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                FcError::credentials(NAME, CredentialsErrorKind::Invalid, "the credentials URI is not an http(s) URL")
            })?;
        let uri = Arc::new(parsed);
        let target = uri.clone();
        let cache = RefreshingCredentials::new(move || {
            let target = target.clone();
            async move { fetch(&target).await }
        })
        .named(NAME)
        .clock(clock);
        Ok(UriCredentials { uri, cache })
    }

    /// The provider `ALIBABA_CLOUD_CREDENTIALS_URI` describes (`NotConfigured` when it is unset).
    pub fn from_environment(env: &Environment) -> Result<Self, FcError> {
        match env.get("ALIBABA_CLOUD_CREDENTIALS_URI") {
            Some(uri) => Self::new(uri),
            None => Err(FcError::credentials(
                NAME,
                CredentialsErrorKind::NotConfigured,
                "ALIBABA_CLOUD_CREDENTIALS_URI not set",
            )),
        }
    }
}

async fn fetch(uri: &reqwest::Url) -> Result<Credentials, FcError> {
    let http = super::web_http(NAME)?;
    let (status, body) =
        super::exchange(NAME, "the credentials URI", http.get(uri.clone()).timeout(URI_TIMEOUT)).await?;
    if status != reqwest::StatusCode::OK {
        return Err(FcError::credentials(
            NAME,
            CredentialsErrorKind::Refused,
            format!("the credentials URI answered HTTP {}", status.as_u16()),
        ));
    }
    let answer: super::TemporaryCredentials = super::parse_json(NAME, &body)?;
    match answer.code.as_deref() {
        None | Some("Success") => answer.into_credentials(NAME),
        Some(code) => Err(FcError::credentials(
            NAME,
            CredentialsErrorKind::Refused,
            format!("the credentials URI answered Code {code:?}"),
        )),
    }
}

impl CredentialsProvider for UriCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        self.cache.credentials()
    }
}
