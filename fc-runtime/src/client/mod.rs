//! The client layer: [`Client`] and its builder, the invoke call and its request and response types, the
//! stateful-invocation (FC 2.0) and async-task (FC 3.0) APIs with their shared listing, the checks made before
//! anything is sent, and the API paths. Every call goes through [`Client::call`] into the transport.

mod builder;
pub(crate) mod invoke;
pub(crate) mod listing;
pub(crate) mod paths;

pub mod manage;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod stateful;
pub(crate) mod tasks;
pub mod trigger;
pub(crate) mod validate;

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use builder::ClientBuilder;

use crate::credentials::DefaultCredentialsChain;
use crate::transport::{Answer, Exchange, Transport};
use crate::{Environment, FcError, Limits};

pub use crate::transport::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_TIMEOUT};

/// A Function Compute client. Cheap to clone: clones share one connection pool.
///
/// ```no_run
/// # async fn run() -> Result<(), fc_runtime::FcError> {
/// use fc_runtime::{Client, InvokeRequest};
/// let client = Client::from_env()?;
/// let answer = client.invoke(InvokeRequest::new("demo", "echo").json_bytes(&b"{}"[..])).await?;
/// println!("{} bytes, request {:?}", answer.body.len(), answer.meta.request_id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    qualifier_override: Option<Cow<'static, str>>,
    timeout_override: Option<Duration>,
}

pub(crate) struct Inner {
    transport: Transport,
    endpoint: String,
    account_id: Option<String>,
    timeout: Duration,
    limits: Limits,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint)
            .field("account_id", &self.inner.account_id)
            .field("timeout", &self.inner.timeout)
            .field("transport", &self.inner.transport)
            .field("limits", &self.inner.limits)
            .field("qualifier_override", &self.qualifier_override)
            .field("timeout_override", &self.timeout_override)
            .finish()
    }
}

impl Client {
    /// A builder with defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A builder configured from the environment as [`Client::from_env`] describes, for adjusting timeouts,
    /// retries or limits before building.
    pub fn builder_from_env() -> Result<ClientBuilder, FcError> {
        Self::builder_from_environment(Environment::process())
    }

    /// [`builder_from_env`](Self::builder_from_env) with `env` instead of the process environment (the endpoint
    /// variables and the default chain's both come from it).
    pub fn builder_from_environment(env: Environment) -> Result<ClientBuilder, FcError> {
        let (endpoint, account_id) = builder::endpoint_from_env(&env)?;
        let mut builder = Client::builder()
            .endpoint(endpoint)
            .proxy_environment(env.clone())
            .credentials_provider(DefaultCredentialsChain::from_environment(env));
        if let Some(id) = account_id {
            builder = builder.account_id(id);
        }
        Ok(builder)
    }

    /// A client configured from the environment:
    ///
    /// - endpoint: `FC_ENDPOINT` (an explicit URL), else `FC_ACCOUNT_ID` + `FC_REGION`
    ///   → `https://{account}.{region}.fc.aliyuncs.com` (`FC_INTERNAL=true` for the VPC endpoint);
    ///   `FC_ACCOUNT_ID` is also sent as `X-Fc-Account-Id`
    /// - credentials: the official default chain ([`DefaultCredentialsChain`]): the `ALIBABA_CLOUD_*` access key
    ///   variables, RRSA/OIDC, the CLI's profiles, the credentials file, the ECS instance's RAM role, a
    ///   credentials URI — resolved at the first request, then kept and refreshed
    ///
    /// A missing or malformed setting is a [`FcError::Config`] naming the variable.
    pub fn from_env() -> Result<Self, FcError> {
        Self::builder_from_env()?.build()
    }

    /// The endpoint URL, without a trailing slash.
    pub fn endpoint(&self) -> &str {
        &self.inner.endpoint
    }

    /// A client sharing this one's connection pool whose calls all use `qualifier` (e.g. `staging`).
    pub fn with_qualifier(&self, qualifier: impl Into<String>) -> Result<Client, FcError> {
        let qualifier = qualifier.into();
        validate::qualifier(&qualifier)?;
        Ok(Client { qualifier_override: Some(Cow::Owned(qualifier)), ..self.clone() })
    }

    /// A client sharing this one's connection pool whose calls all have `timeout` as their deadline (every
    /// attempt included), whatever the stubs or the builder say: `client.with_timeout(Duration::from_secs(900)).transcode(job)`.
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client { timeout_override: Some(timeout), ..self.clone() }
    }

    pub(crate) fn qualifier_for<'a>(&'a self, stub: Option<&'a str>) -> Option<&'a str> {
        self.qualifier_override.as_deref().or(stub)
    }

    /// Sends one API call through the transport: the one entry point of invoke, stateful-invocation and
    /// async-task calls. The call's timeout is [`with_timeout`](Self::with_timeout)'s, else the call's own, else
    /// the client's.
    pub(crate) async fn call(&self, mut exchange: Exchange<'_>) -> Result<Answer, FcError> {
        exchange.timeout = Some(self.timeout_override.or(exchange.timeout).unwrap_or(self.inner.timeout));
        let answer = self.inner.transport.send(exchange).await;
        let request_id = match &answer {
            Ok(a) => crate::transport::request_id(&a.headers),
            Err(e) => e.request_id(),
        };
        if let Some(id) = request_id {
            // Recorded on the operation's span (`fc.invoke`, `fc.stateful_invocation`, `fc.async_task`).
            tracing::Span::current().record("request_id", id);
        }
        answer
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub(crate) fn qualifier_override(&self) -> Option<&Cow<'static, str>> {
        self.qualifier_override.as_ref()
    }
}
