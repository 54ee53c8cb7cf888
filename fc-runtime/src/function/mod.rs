//! The function side of the contract: what an FC custom runtime needs to serve a trait's implementation.
//!
//! `#[fc_service(…, server)]` generates, next to the client stubs, a trait `{Trait}Server` with the same
//! methods over the same types (arguments owned, results without `FcError`), an associated `Error` type of the
//! author's choosing, the lifecycle hooks, and `into_router()`: a [`Router`] from function name to method.
//! [`serve`] (feature `function`) runs a router as FC's custom-runtime HTTP server; `LocalFc` (feature `local`)
//! runs one in process or forwards to a custom-runtime process as FC does.
//!
//! Inside a method, [`context()`] is the invocation's [`Context`]: request id, names, qualifier, region,
//! account, memory, deadline and the instance's temporary credentials, from which [`Context::client`] makes a
//! [`Client`] for typed calls to other functions.
//!
//! A method's error becomes a function error `{"errorMessage", "errorType"}`: [`Failure`], converted from the
//! author's error type (any `std::error::Error` converts, its type name becoming `errorType`), which the client
//! stub turns back into [`FcError::Function`] with the same
//! [`error_type`](crate::FunctionError::error_type).

#[cfg(feature = "function")]
mod server;

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderMap;

use crate::credentials::{BoxFuture, EnvCredentials};
use crate::{Client, Credentials, FcError, Setting};

#[cfg(feature = "function")]
pub use server::{BoundServer, MAX_EVENT, Server, serve, serve_io};

/// The variable naming the address a custom runtime listens on instead of `0.0.0.0` (FC requires `0.0.0.0`;
/// tests and local runs use `127.0.0.1`). Not an `FC_` name: FC reserves those.
pub const LISTEN_HOST_VAR: &str = "RUST_FC_LISTEN_HOST";

/// The `errorType` of the errors the runtime itself reports.
pub mod error_types {
    /// The event is not what the function takes (not JSON, the wrong shape, a missing argument).
    pub const INVALID_EVENT: &str = "InvalidEvent";
    /// The result could not be serialized.
    pub const INVALID_RESULT: &str = "InvalidResult";
    /// No method serves the function named in the request.
    pub const UNKNOWN_FUNCTION: &str = "UnknownFunction";
    /// The method panicked.
    pub const PANIC: &str = "Panic";
    /// The event is larger than a function accepts.
    pub const EVENT_TOO_LARGE: &str = "EventTooLarge";
}

/// A function error as the runtime reports it: `{"errorMessage", "errorType"}`, with HTTP 404 and
/// `x-fc-status: 404`.
///
/// Any `std::error::Error` converts into it, with its type's name (the last path segment) as `errorType` and its
/// `Display` as `errorMessage`; build one with [`Failure::new`] to choose the type.
///
/// ```
/// use fc_runtime::function::Failure;
/// #[derive(Debug, thiserror::Error)]
/// #[error("no such user: {0}")]
/// struct NoSuchUser(String);
/// let f = Failure::from(NoSuchUser("ann".into()));
/// assert_eq!((f.error_type.as_str(), f.message.as_str()), ("NoSuchUser", "no such user: ann"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Failure {
    /// `errorType`.
    pub error_type: String,
    /// `errorMessage`.
    pub message: String,
}

impl Failure {
    /// A failure of type `error_type`.
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Failure { error_type: error_type.into(), message: message.into() }
    }

    /// Whether the runtime reported it for a crash of the method (a panic) rather than the method's own error.
    pub fn is_panic(&self) -> bool {
        self.error_type == error_types::PANIC
    }

    /// The body FC returns to the caller: `{"errorMessage", "errorType"}`.
    pub fn body(&self) -> Bytes {
        let body = serde_json::json!({ "errorMessage": self.message, "errorType": self.error_type });
        Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error_type, self.message)
    }
}

impl<E: std::error::Error> From<E> for Failure {
    fn from(e: E) -> Self {
        let name = std::any::type_name::<E>();
        let name = name.split('<').next().unwrap_or(name);
        Failure::new(name.rsplit("::").next().unwrap_or(name), e.to_string())
    }
}

/// Where the lines of [`Context::log`] go.
#[derive(Clone, Default)]
pub(crate) enum LogSink {
    /// Standard output, between the invocation's markers (a custom-runtime process).
    #[default]
    Stdout,
    /// An in-process host's log buffer (`LocalFc`).
    #[cfg_attr(not(feature = "local"), allow(dead_code))]
    Buffer(Arc<Mutex<Vec<u8>>>),
}

/// One invocation, as FC describes it to the function.
///
/// Built from the request's `x-fc-*` headers; credentials fall back to the `ALIBABA_CLOUD_*` environment when the
/// headers do not carry them (the Debian 11 runtime does not send the token). `Debug` shows no secret.
#[derive(Clone)]
pub struct Context {
    request_id: String,
    function_name: String,
    service_name: Option<String>,
    qualifier: Option<String>,
    version: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    memory_mb: Option<u32>,
    timeout: Option<Duration>,
    deadline: Option<Instant>,
    retry_count: u32,
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    pub(crate) log: LogSink,
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("request_id", &self.request_id)
            .field("function_name", &self.function_name)
            .field("service_name", &self.service_name)
            .field("qualifier", &self.qualifier)
            .field("version", &self.version)
            .field("region", &self.region)
            .field("account_id", &self.account_id)
            .field("memory_mb", &self.memory_mb)
            .field("timeout", &self.timeout)
            .field("retry_count", &self.retry_count)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl Context {
    /// A context for `request_id` calling `function_name`, with nothing else known (for tests of a method).
    pub fn new(request_id: impl Into<String>, function_name: impl Into<String>) -> Self {
        Context {
            request_id: request_id.into(),
            function_name: function_name.into(),
            service_name: None,
            qualifier: None,
            version: None,
            region: None,
            account_id: None,
            memory_mb: None,
            timeout: None,
            deadline: None,
            retry_count: 0,
            credentials: None,
            endpoint: None,
            log: LogSink::Stdout,
        }
    }

    /// The context FC's request headers describe, arriving at `arrived`; `env` fills what the headers lack
    /// (`FC_FUNCTION_NAME`, `FC_REGION`, `FC_ACCOUNT_ID`, `FC_SERVICE_NAME`, `FC_QUALIFIER`, the credentials, and
    /// `FC_ENDPOINT` for [`client`](Self::client)).
    pub fn from_headers(headers: &HeaderMap, arrived: Instant, env: &crate::Environment) -> Self {
        Self::from_headers_and(headers, arrived, &InstanceDefaults::from_environment(env))
    }

    /// [`from_headers`](Self::from_headers) with the environment read once, at start, as a server does: an
    /// instance's environment does not change while it runs.
    pub(crate) fn from_headers_and(headers: &HeaderMap, arrived: Instant, defaults: &InstanceDefaults) -> Self {
        let or = |h: &str, fallback: &Option<String>| header(headers, h).or_else(|| fallback.clone());
        let timeout = header(headers, "x-fc-function-timeout")
            .and_then(|t| t.parse::<u64>().ok())
            .filter(|t| *t > 0)
            .map(Duration::from_secs);
        let credentials = match (header(headers, "x-fc-access-key-id"), header(headers, "x-fc-access-key-secret")) {
            (Some(id), Some(secret)) => {
                let mut c = Credentials::new(id, secret);
                let token = header(headers, "x-fc-security-token").or_else(|| {
                    defaults.credentials.as_ref().and_then(|d| d.security_token.as_ref().map(|t| t.expose().to_owned()))
                });
                if let Some(token) = token {
                    c = c.with_security_token(token);
                }
                Some(c)
            }
            _ => defaults.credentials.clone(),
        };
        Context {
            request_id: header(headers, "x-fc-request-id").unwrap_or_default(),
            function_name: or("x-fc-function-name", &defaults.function_name).unwrap_or_default(),
            service_name: or("x-fc-service-name", &defaults.service_name),
            qualifier: or("x-fc-qualifier", &defaults.qualifier),
            version: or("x-fc-version-id", &defaults.version),
            region: or("x-fc-region", &defaults.region),
            account_id: or("x-fc-account-id", &defaults.account_id),
            memory_mb: or("x-fc-function-memory", &defaults.memory_mb).and_then(|m| m.parse().ok()),
            timeout,
            deadline: timeout.map(|t| arrived + t),
            retry_count: header(headers, "x-fc-retry-count").and_then(|r| r.parse().ok()).unwrap_or(0),
            credentials,
            endpoint: defaults.endpoint.clone(),
            log: LogSink::Stdout,
        }
    }

    /// The request id FC assigned to this invocation.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The function's name.
    pub fn function_name(&self) -> &str {
        &self.function_name
    }

    /// The FC 2.0 service's name (FC 3.0 has no services).
    pub fn service_name(&self) -> Option<&str> {
        self.service_name.as_deref()
    }

    /// The qualifier the caller named (`LATEST`, a version or an alias).
    pub fn qualifier(&self) -> Option<&str> {
        self.qualifier.as_deref()
    }

    /// The version that runs.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The region, e.g. `cn-hangzhou`.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The account that owns the function.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    /// The function's memory, in MB.
    pub fn memory_mb(&self) -> Option<u32> {
        self.memory_mb
    }

    /// When the invocation times out: its arrival plus the function's timeout, when FC sent it
    /// (`x-fc-function-timeout`).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Time left before [`deadline`](Self::deadline).
    pub fn remaining(&self) -> Option<Duration> {
        self.deadline.map(|d| d.saturating_duration_since(Instant::now()))
    }

    /// How many times FC retried this (async) invocation before.
    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// The instance's temporary credentials (the function role's), when it has a role.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// Writes a line to the invocation's log: standard output in a custom runtime (between the invocation's
    /// markers, so that a caller asking for the `Tail` log sees it), the log buffer under `LocalFc`.
    pub fn log(&self, line: impl AsRef<str>) {
        match &self.log {
            LogSink::Stdout => println!("{}", line.as_ref()),
            LogSink::Buffer(buffer) => {
                let mut log = buffer.lock().unwrap_or_else(|p| p.into_inner());
                log.extend_from_slice(line.as_ref().as_bytes());
                log.push(b'\n');
            }
        }
    }

    /// A [`Client`] that calls other functions with the instance's credentials: to `FC_ENDPOINT` when set, else
    /// the region's VPC endpoint `https://{account}.{region}-internal.fc.aliyuncs.com`. Clients are cached per
    /// endpoint and credentials, so calling this in every invocation reuses one connection pool.
    pub fn client(&self) -> Result<Client, FcError> {
        let credentials = self.credentials.clone().ok_or_else(|| {
            FcError::config(
                Setting::Credentials,
                "the function has no credentials: give it a role (or set the ALIBABA_CLOUD_* variables)",
            )
        })?;
        let (target, builder) = match (&self.endpoint, &self.account_id, &self.region) {
            (Some(endpoint), account, _) => {
                let builder = Client::builder().endpoint(endpoint);
                (
                    endpoint.clone(),
                    match account {
                        Some(a) => builder.account_id(a),
                        None => builder,
                    },
                )
            }
            (None, Some(account), Some(region)) => {
                (format!("{account}@{region}"), Client::builder().account(account, region).internal(true))
            }
            _ => {
                return Err(FcError::config(
                    Setting::Endpoint,
                    "neither FC_ENDPOINT nor the account id and region of the invocation are known",
                ));
            }
        };
        let key = (
            target,
            credentials.access_key_id.clone(),
            credentials.security_token.as_ref().map(|t| t.expose().to_owned()),
        );
        type Cached = Option<((String, String, Option<String>), Client)>;
        static CACHE: Mutex<Cached> = Mutex::new(None);
        let mut cache = CACHE.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached_key, client)) = cache.as_ref()
            && *cached_key == key
        {
            return Ok(client.clone());
        }
        let builder = builder.credentials(credentials);
        let client = builder.build()?;
        *cache = Some((key, client.clone()));
        Ok(client)
    }

    #[allow(dead_code)]
    pub(crate) fn with_function_name(mut self, name: &str) -> Self {
        self.function_name = name.to_owned();
        self
    }

    #[allow(dead_code)]
    pub(crate) fn with_log(mut self, log: LogSink) -> Self {
        self.log = log;
        self
    }

    /// The same context with these settings (for hosts such as `LocalFc` and for tests).
    #[doc(hidden)]
    pub fn with_details(
        mut self,
        service: Option<String>,
        qualifier: Option<String>,
        credentials: Option<Credentials>,
        endpoint: Option<String>,
        account_id: Option<String>,
    ) -> Self {
        self.service_name = service;
        self.qualifier = qualifier;
        self.credentials = credentials;
        self.endpoint = endpoint;
        self.account_id = account_id;
        self
    }
}

/// What an instance's environment says about every invocation, read once.
#[derive(Debug, Clone, Default)]
pub(crate) struct InstanceDefaults {
    function_name: Option<String>,
    service_name: Option<String>,
    qualifier: Option<String>,
    version: Option<String>,
    region: Option<String>,
    account_id: Option<String>,
    memory_mb: Option<String>,
    credentials: Option<Credentials>,
    endpoint: Option<String>,
}

impl InstanceDefaults {
    pub(crate) fn from_environment(env: &crate::Environment) -> Self {
        InstanceDefaults {
            function_name: env.get("FC_FUNCTION_NAME"),
            service_name: env.get("FC_SERVICE_NAME"),
            qualifier: env.get("FC_QUALIFIER"),
            version: env.get("FC_FUNCTION_VERSION").or_else(|| env.get("FC_VER_ID")),
            region: env.get("FC_REGION"),
            account_id: env.get("FC_ACCOUNT_ID"),
            memory_mb: env.get("FC_FUNCTION_MEMORY_SIZE"),
            credentials: EnvCredentials::with_environment(env.clone()).read().ok(),
            endpoint: env.get("FC_ENDPOINT"),
        }
    }
}

tokio::task_local! {
    static CURRENT: Context;
}

/// The context of the invocation being served, inside a method of a `{Trait}Server` (and anything it awaits).
/// `None` outside an invocation, and in tasks the method spawns: clone the context into them.
pub fn context() -> Option<Context> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Runs `fut` with `ctx` as the current [`context()`].
pub fn scope<F: Future>(ctx: Context, fut: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(ctx, fut)
}

/// One function: its event in, its result or failure out.
pub type Route = Arc<dyn Fn(Bytes) -> BoxFuture<'static, Result<Bytes, Failure>> + Send + Sync>;

/// A lifecycle hook.
pub type Hook = Arc<dyn Fn() -> BoxFuture<'static, Result<(), Failure>> + Send + Sync>;

/// Which function runs for a name, and the lifecycle hooks: what `into_router()` of a generated
/// `{Trait}Server` builds, and what [`serve`] and `LocalFc` run.
#[derive(Clone, Default)]
pub struct Router {
    routes: BTreeMap<String, Route>,
    initialize: Option<Hook>,
    pre_stop: Option<Hook>,
    pre_freeze: Option<Hook>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router").field("functions", &self.routes.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

impl Router {
    /// No functions, no hooks.
    pub fn new() -> Self {
        Router::default()
    }

    /// Serves the function `name` with `route` (a later route for the same name replaces an earlier one).
    pub fn route<F, Fut>(mut self, name: impl Into<String>, route: F) -> Self
    where
        F: Fn(Bytes) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Bytes, Failure>> + Send + 'static,
    {
        self.routes.insert(name.into(), Arc::new(move |event| Box::pin(route(event))));
        self
    }

    /// Runs `hook` on `POST /initialize` (FC calls it once per instance when an initializer is configured).
    pub fn on_initialize<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.initialize = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Runs `hook` on `GET /pre-stop` (before FC destroys the instance).
    pub fn on_pre_stop<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.pre_stop = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Runs `hook` on `GET /pre-freeze` (FC 2.0, before the instance is frozen).
    pub fn on_pre_freeze<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.pre_freeze = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// The function names served, in order.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.routes.keys().map(String::as_str)
    }

    /// The route for `name`.
    pub fn get(&self, name: &str) -> Option<&Route> {
        self.routes.get(name)
    }

    /// The hook for a lifecycle event.
    pub fn hook(&self, which: Lifecycle) -> Option<&Hook> {
        match which {
            Lifecycle::Initialize => self.initialize.as_ref(),
            Lifecycle::PreStop => self.pre_stop.as_ref(),
            Lifecycle::PreFreeze => self.pre_freeze.as_ref(),
        }
    }

    /// Runs the function `name` on `event` with `ctx` current, catching a panic as a [`Failure`] of type
    /// `Panic`; an unknown name is a failure of type `UnknownFunction`.
    pub async fn call(&self, name: &str, event: Bytes, ctx: Context) -> Result<Bytes, Failure> {
        let Some(route) = self.routes.get(name) else {
            let known: Vec<&str> = self.functions().collect();
            return Err(Failure::new(
                error_types::UNKNOWN_FUNCTION,
                format!("no function named {name:?} here; this runtime serves {known:?}"),
            ));
        };
        guarded(ctx, route(event)).await
    }

    /// Runs the hook for `which` with `ctx` current, a panic caught as a `Panic` failure; `Ok` when there is none.
    pub async fn call_hook(&self, which: Lifecycle, ctx: Context) -> Result<(), Failure> {
        match self.hook(which) {
            None => Ok(()),
            Some(hook) => guarded(ctx, hook()).await,
        }
    }
}

/// `fut` with `ctx` as the current [`context()`], a panic turned into a [`Failure`] of type `Panic`.
async fn guarded<T>(ctx: Context, fut: BoxFuture<'static, Result<T, Failure>>) -> Result<T, Failure> {
    use futures_util::FutureExt as _;
    match std::panic::AssertUnwindSafe(scope(ctx, fut)).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => Err(Failure::new(error_types::PANIC, panic_message(panic))),
    }
}

/// The lifecycle events FC announces to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lifecycle {
    /// `POST /initialize`: once per instance, before its first invocation (when an initializer is configured).
    Initialize,
    /// `GET /pre-stop`: before the instance is destroyed.
    PreStop,
    /// `GET /pre-freeze`: before the instance is frozen (FC 2.0).
    PreFreeze,
}

impl Lifecycle {
    /// The word in the log markers: `FC Initialize Start RequestId: …`.
    pub fn marker(self) -> &'static str {
        match self {
            Lifecycle::Initialize => "Initialize",
            Lifecycle::PreStop => "PreStop",
            Lifecycle::PreFreeze => "PreFreeze",
        }
    }
}

pub(crate) fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned());
    format!("the function panicked: {text}")
}

/// Helpers for the code `#[fc_service(…, server)]` generates. Not a public API.
#[doc(hidden)]
pub mod __generated {
    use bytes::Bytes;
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    use super::{Failure, error_types};

    fn invalid(what: impl std::fmt::Display) -> Failure {
        Failure::new(error_types::INVALID_EVENT, format!("the event is not valid for this function: {what}"))
    }

    /// The whole event as one JSON value (an empty event is `null`).
    pub fn decode_event<T: DeserializeOwned>(event: &Bytes) -> Result<T, Failure> {
        let text: &[u8] = if event.iter().all(u8::is_ascii_whitespace) { b"null" } else { event };
        serde_json::from_slice(text).map_err(invalid)
    }

    /// The event of a function with several arguments: a JSON object, one field per argument.
    pub struct EventObject(serde_json::Map<String, serde_json::Value>);

    impl EventObject {
        /// Parses the event as an object.
        pub fn parse(event: &Bytes) -> Result<Self, Failure> {
            match serde_json::from_slice::<serde_json::Value>(event).map_err(invalid)? {
                serde_json::Value::Object(map) => Ok(EventObject(map)),
                other => Err(invalid(format!("expected an object with one field per argument, got {}", kind(&other)))),
            }
        }

        /// The argument `key` (a missing field is `null`, so that `Option` arguments may be left out).
        pub fn field<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, Failure> {
            let value = self.0.remove(key).unwrap_or(serde_json::Value::Null);
            serde_json::from_value(value).map_err(|e| invalid(format!("field `{key}`: {e}")))
        }
    }

    fn kind(v: &serde_json::Value) -> &'static str {
        match v {
            serde_json::Value::Null => "null",
            serde_json::Value::Bool(_) => "a boolean",
            serde_json::Value::Number(_) => "a number",
            serde_json::Value::String(_) => "a string",
            serde_json::Value::Array(_) => "an array",
            serde_json::Value::Object(_) => "an object",
        }
    }

    /// The result as JSON.
    pub fn encode_result<T: Serialize>(value: &T) -> Result<Bytes, Failure> {
        serde_json::to_vec(value)
            .map(Bytes::from)
            .map_err(|e| Failure::new(error_types::INVALID_RESULT, format!("the result could not be serialized: {e}")))
    }

    /// The author's error as a function error.
    pub fn failure<E: Into<Failure>>(e: E) -> Failure {
        e.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Environment;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(http::HeaderName::from_static(k), http::HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn the_context_comes_from_the_headers_then_the_environment_and_hides_secrets() {
        let env = Environment::from_vars([
            ("FC_REGION", "cn-shanghai"),
            ("FC_FUNCTION_NAME", "from-env"),
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.env"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret-value"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token-value"),
        ]);
        let arrived = Instant::now();
        let full = headers(&[
            ("x-fc-request-id", "r-1"),
            ("x-fc-function-name", "greet"),
            ("x-fc-service-name", "demo"),
            ("x-fc-qualifier", "prod"),
            ("x-fc-version-id", "3"),
            ("x-fc-region", "cn-hangzhou"),
            ("x-fc-account-id", "1234567890"),
            ("x-fc-function-memory", "512"),
            ("x-fc-function-timeout", "60"),
            ("x-fc-retry-count", "2"),
            ("x-fc-access-key-id", "STS.header"),
            ("x-fc-access-key-secret", "header-secret-value"),
        ]);
        let ctx = Context::from_headers(&full, arrived, &env);
        assert_eq!((ctx.request_id(), ctx.function_name(), ctx.service_name()), ("r-1", "greet", Some("demo")));
        assert_eq!((ctx.qualifier(), ctx.version(), ctx.region()), (Some("prod"), Some("3"), Some("cn-hangzhou")));
        assert_eq!((ctx.account_id(), ctx.memory_mb(), ctx.retry_count()), (Some("1234567890"), Some(512), 2));
        assert_eq!(ctx.deadline(), Some(arrived + Duration::from_secs(60)));
        let creds = ctx.credentials().unwrap();
        assert_eq!(creds.access_key_id, "STS.header");
        // The Debian 11 runtime sends no token header: the environment's is used with the header's key.
        assert_eq!(creds.security_token.as_ref().unwrap().expose(), "env-token-value");
        let shown = format!("{ctx:?}");
        for secret in ["header-secret-value", "env-token-value", "env-secret-value"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        // Without headers: the environment.
        let bare = Context::from_headers(&headers(&[("x-fc-request-id", "r-2")]), arrived, &env);
        assert_eq!((bare.function_name(), bare.region()), ("from-env", Some("cn-shanghai")));
        assert_eq!(bare.credentials().unwrap().access_key_id, "STS.env");
        assert_eq!(bare.deadline(), None);
    }

    #[test]
    fn failures_take_the_error_type_name() {
        #[derive(Debug)]
        struct QuotaExceeded;
        impl fmt::Display for QuotaExceeded {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("over quota")
            }
        }
        impl std::error::Error for QuotaExceeded {}
        let f = Failure::from(QuotaExceeded);
        assert_eq!((f.error_type.as_str(), f.message.as_str()), ("QuotaExceeded", "over quota"));
        assert_eq!(&f.body()[..], br#"{"errorMessage":"over quota","errorType":"QuotaExceeded"}"#);
        assert!(!f.is_panic());
    }
}
