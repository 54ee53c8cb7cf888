//! One invocation as FC describes it to the function: [`Context`], built from FC's request headers by a
//! custom runtime, by [`ContextBuilder`] in a host or a test.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::HeaderMap;

use super::protocol::header;
use crate::credentials::EnvCredentials;
use crate::{Client, Credentials, Environment, FcError, Setting};

/// Where the lines of [`Context::log`] go.
#[derive(Clone, Default)]
pub(crate) enum LogSink {
    /// Standard output, between the invocation's markers (a custom-runtime process).
    #[default]
    Stdout,
    /// An in-process host's log buffer (`LocalFc`), or a test's ([`ContextBuilder::capture_log`]).
    Buffer(Arc<LogBuffer>),
}

/// The most of one invocation's log a host keeps: its last part, whole lines, whichever way the function is hosted
/// (a `Tail` shows the last 4 KB of it).
pub(crate) const MAX_INVOCATION_LOG: usize = 256 * 1024;

/// One invocation's log as a host keeps it: the last [`MAX_INVOCATION_LOG`] bytes, in whole lines, however much
/// the function writes (a route logging in a loop holds a bounded buffer, not every line it ever wrote).
#[derive(Default)]
pub(crate) struct LogBuffer(Mutex<Vec<u8>>);

impl LogBuffer {
    /// Appends one line; past twice the cap, the oldest lines are dropped down to the cap (amortised: a line
    /// costs its own length).
    pub(crate) fn line(&self, line: &str) {
        let mut log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log.extend_from_slice(line.as_bytes());
        log.push(b'\n');
        if log.len() > 2 * MAX_INVOCATION_LOG {
            let cut = keep_from(&log);
            log.drain(..cut);
        }
    }

    /// The log's last [`MAX_INVOCATION_LOG`] bytes, whole lines.
    pub(crate) fn contents(&self) -> Vec<u8> {
        let log = self.0.lock().unwrap_or_else(|p| p.into_inner());
        log[keep_from(&log)..].to_vec()
    }
}

/// Where the last [`MAX_INVOCATION_LOG`] bytes of `log` begin: after the first line break past the cut, so that
/// no line is kept in part (unless one line alone is longer than the cap).
fn keep_from(log: &[u8]) -> usize {
    let cut = log.len().saturating_sub(MAX_INVOCATION_LOG);
    if cut == 0 {
        return 0;
    }
    match log[cut..].iter().position(|b| *b == b'\n') {
        Some(at) if cut + at + 1 < log.len() => cut + at + 1,
        _ => cut,
    }
}

/// The level of a [`Context::log_at`] line, written as FC's built-in runtimes write it: `[INFO]`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LogLevel {
    /// `[DEBUG]`
    Debug,
    /// `[INFO]`, what [`Context::log`] writes.
    Info,
    /// `[WARN]`
    Warn,
    /// `[ERROR]`
    Error,
}

impl LogLevel {
    /// The level as written in a line: `DEBUG`, `INFO`, `WARN`, `ERROR`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }
}

/// Writes one line to standard output. A closed or broken stdout (the reader went away) loses the line: it must
/// not take the invocation, or the runtime, down with it.
pub(crate) fn write_line(line: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes()).and_then(|()| out.write_all(b"\n")).and_then(|()| out.flush());
}

impl LogSink {
    /// Writes one line.
    pub(crate) fn line(&self, line: &str) {
        match self {
            LogSink::Stdout => write_line(line),
            LogSink::Buffer(buffer) => buffer.line(line),
        }
    }
}

/// One invocation, as FC describes it to the function.
///
/// A custom runtime builds it from the request's `x-fc-*` headers ([`from_headers`](Self::from_headers));
/// credentials fall back to the `ALIBABA_CLOUD_*` environment when the headers do not carry them (the Debian 11
/// runtime does not send the token). [`Context::builder`] makes one by hand, for a host or a unit test. `Debug`
/// shows no secret.
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
    invocation_id: Option<String>,
    credentials: Option<Credentials>,
    endpoint: Option<String>,
    headers: Option<Arc<HeaderMap>>,
    log: LogSink,
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
            .field("invocation_id", &self.invocation_id)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

fn text(headers: &HeaderMap, name: &http::HeaderName) -> Option<String> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

impl Context {
    /// A context for `request_id` calling `function_name`, with nothing else known.
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
            invocation_id: None,
            credentials: None,
            endpoint: None,
            headers: None,
            log: LogSink::Stdout,
        }
    }

    /// A builder for the context of `request_id` calling `function_name`: what a host passes to a
    /// [`Router`](super::Router), and what a unit test of a function gives it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use fc_runtime::function::Context;
    /// let ctx = Context::builder("req-1", "greet").qualifier("prod").timeout(Duration::from_secs(3)).build();
    /// assert!(ctx.remaining().is_some_and(|left| left <= Duration::from_secs(3)));
    /// ```
    pub fn builder(request_id: impl Into<String>, function_name: impl Into<String>) -> ContextBuilder {
        ContextBuilder(Context::new(request_id, function_name))
    }

    /// The context FC's request headers describe, arriving at `arrived`; `env` fills what the headers lack
    /// (`FC_FUNCTION_NAME`, `FC_REGION`, `FC_ACCOUNT_ID`, `FC_SERVICE_NAME`, `FC_QUALIFIER`, the credentials, and
    /// `FC_ENDPOINT` for [`client`](Self::client)).
    pub fn from_headers(headers: &HeaderMap, arrived: Instant, env: &Environment) -> Self {
        Self::from_headers_and(Arc::new(headers.clone()), arrived, &InstanceDefaults::from_environment(env))
    }

    /// [`from_headers`](Self::from_headers) with the environment read once, at start, as a server does: an
    /// instance's environment does not change while it runs.
    pub(crate) fn from_headers_and(headers: Arc<HeaderMap>, arrived: Instant, defaults: &InstanceDefaults) -> Self {
        let h = &*headers;
        let or = |name: &http::HeaderName, fallback: &Option<String>| text(h, name).or_else(|| fallback.clone());
        let timeout =
            text(h, &header::TIMEOUT).and_then(|t| t.parse::<u64>().ok()).filter(|t| *t > 0).map(Duration::from_secs);
        let credentials = match (text(h, &header::ACCESS_KEY_ID), text(h, &header::ACCESS_KEY_SECRET)) {
            (Some(id), Some(secret)) => Some(pair(id, secret, text(h, &header::SECURITY_TOKEN), &defaults.credentials)),
            _ => defaults.credentials.clone(),
        };
        Context {
            request_id: text(h, &header::REQUEST_ID).unwrap_or_default(),
            function_name: or(&header::FUNCTION_NAME, &defaults.function_name).unwrap_or_default(),
            service_name: or(&header::SERVICE_NAME, &defaults.service_name),
            qualifier: or(&header::QUALIFIER, &defaults.qualifier),
            version: or(&header::VERSION_ID, &defaults.version),
            region: or(&header::REGION, &defaults.region),
            account_id: or(&header::ACCOUNT_ID, &defaults.account_id),
            memory_mb: or(&header::MEMORY, &defaults.memory_mb).and_then(|m| m.parse().ok()),
            timeout,
            deadline: timeout.map(|t| arrived + t),
            retry_count: text(h, &header::RETRY_COUNT).and_then(|r| r.parse().ok()).unwrap_or(0),
            invocation_id: text(h, &header::ASYNC_TASK_ID).or_else(|| text(h, &header::STATEFUL_INVOCATION_ID)),
            credentials,
            endpoint: defaults.endpoint.clone(),
            headers: Some(headers),
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

    /// The version that runs (an alias resolved).
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

    /// The function's timeout, when FC sent it (`x-fc-function-timeout`).
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// When the invocation times out: its arrival plus the function's timeout, when known.
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

    /// The id the caller gave an async invocation (FC 3.0's async task id, FC 2.0's stateful invocation id):
    /// what a function can key its idempotency on.
    pub fn invocation_id(&self) -> Option<&str> {
        self.invocation_id.as_deref()
    }

    /// The instance's temporary credentials (the function role's), when it has a role.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// A header of the request that started this invocation, as the host received it: FC's request to the
    /// custom runtime (a process), or the caller's InvokeFunction request (`LocalFc` in process). `None` for a
    /// context built by hand.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.as_ref()?.get(name).and_then(|v| v.to_str().ok())
    }

    /// Writes `message` to the invocation's log at level `INFO`, in the line format of FC's built-in runtimes:
    /// `2026-12-03T08:15:30.123Z {request id} [INFO] {message}` (UTC, milliseconds; each line of a multi-line
    /// message gets the prefix). The line goes to standard output in a custom runtime, where the request id lets
    /// a host tell concurrent invocations' lines apart (`LocalFc` gives each line to its own invocation's `Tail`),
    /// and to the invocation's log buffer under `LocalFc` in process.
    pub fn log(&self, message: impl AsRef<str>) {
        self.log_at(LogLevel::Info, message);
    }

    /// [`log`](Self::log) at another level.
    pub fn log_at(&self, level: LogLevel, message: impl AsRef<str>) {
        let stamp = humantime::format_rfc3339_millis(std::time::SystemTime::now());
        for line in message.as_ref().split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.log.line(&format!("{stamp} {} [{}] {line}", self.request_id, level.as_str()));
        }
    }

    /// The lines written to the log so far, for a context built with [`ContextBuilder::capture_log`] (or hosted
    /// by `LocalFc` in process); empty when they went to standard output.
    pub fn logged_lines(&self) -> Vec<String> {
        match &self.log {
            LogSink::Stdout => Vec::new(),
            LogSink::Buffer(buffer) => String::from_utf8_lossy(&buffer.contents()).lines().map(str::to_owned).collect(),
        }
    }

    /// Where this invocation's log lines go.
    pub(crate) fn log_sink(&self) -> LogSink {
        self.log.clone()
    }

    /// A [`Client`] that calls other functions with the instance's credentials: to `FC_ENDPOINT` when set (the
    /// host's own endpoint under `LocalFc`), else the region's VPC endpoint
    /// `https://{account}.{region}-internal.fc.aliyuncs.com`. Clients are cached per endpoint and credentials, so
    /// calling this in every invocation reuses one connection pool.
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
        let client = builder.credentials(credentials).build()?;
        *cache = Some((key, client.clone()));
        Ok(client)
    }

    /// The same context for the function `name` (a runtime given no function name serves its only one).
    pub(crate) fn with_function_name(mut self, name: &str) -> Self {
        self.function_name = name.to_owned();
        self
    }
}

/// The credentials an invocation's headers carry, completed from the environment (read at start) only where they
/// belong together: the Debian 11 runtime sends the key and secret but no token, and the environment's token is
/// the token of the environment's key. When FC has rotated the role's credentials since the instance started,
/// the headers carry a key the environment does not know: pairing it with the old token would make a set that
/// works nowhere, so the environment's own (consistent) set is used for a temporary key, and a long-term key
/// goes alone.
fn pair(id: String, secret: String, token: Option<String>, env: &Option<Credentials>) -> Credentials {
    let header = Credentials::new(id, secret);
    match (token, env) {
        (Some(token), _) => header.with_security_token(token),
        (None, Some(env)) if env.access_key_id == header.access_key_id => match &env.security_token {
            Some(token) => header.with_security_token(token.expose()),
            None => header,
        },
        (None, Some(env)) if header.access_key_id.starts_with("STS.") => env.clone(),
        (None, _) => header,
    }
}

/// Builds a [`Context`]: see [`Context::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ContextBuilder(Context);

impl ContextBuilder {
    /// The FC 2.0 service.
    pub fn service(mut self, service: impl Into<String>) -> Self {
        self.0.service_name = Some(service.into());
        self
    }

    /// The qualifier the caller named.
    pub fn qualifier(mut self, qualifier: impl Into<String>) -> Self {
        self.0.qualifier = Some(qualifier.into());
        self
    }

    /// The version that runs.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.0.version = Some(version.into());
        self
    }

    /// The region.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.0.region = Some(region.into());
        self
    }

    /// The owner's account id.
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.0.account_id = Some(account_id.into());
        self
    }

    /// The function's memory, MB.
    pub fn memory_mb(mut self, memory_mb: u32) -> Self {
        self.0.memory_mb = Some(memory_mb);
        self
    }

    /// The function's timeout: the deadline is now plus `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.0.timeout = Some(timeout);
        self.0.deadline = Some(Instant::now() + timeout);
        self
    }

    /// The deadline, when it is not now plus the timeout.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.0.deadline = Some(deadline);
        self
    }

    /// How many times the invocation was retried before.
    pub fn retry_count(mut self, retry_count: u32) -> Self {
        self.0.retry_count = retry_count;
        self
    }

    /// The caller's async task id or stateful invocation id.
    pub fn invocation_id(mut self, id: impl Into<String>) -> Self {
        self.0.invocation_id = Some(id.into());
        self
    }

    /// The role's credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.0.credentials = Some(credentials);
        self
    }

    /// The endpoint [`Context::client`] calls.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.0.endpoint = Some(endpoint.into());
        self
    }

    /// The headers of the request that started the invocation ([`Context::header`]).
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        self.0.headers = Some(Arc::new(headers));
        self
    }

    /// Keeps the lines of [`Context::log`] in memory instead of writing them to standard output, for a test to
    /// read with [`Context::logged_lines`].
    pub fn capture_log(mut self) -> Self {
        self.0.log = LogSink::Buffer(Arc::default());
        self
    }

    /// Where [`Context::log`] writes: this buffer instead of standard output.
    #[cfg_attr(not(feature = "local"), allow(dead_code))]
    pub(crate) fn log_to(mut self, buffer: Arc<LogBuffer>) -> Self {
        self.0.log = LogSink::Buffer(buffer);
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        self.0
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
    pub(crate) fn from_environment(env: &Environment) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_buffer_keeps_its_last_part_in_whole_lines() {
        let log = LogBuffer::default();
        let line = "x".repeat(1023);
        for i in 0..2_000 {
            log.line(&format!("{i:04}{line}"));
            assert!(log.0.lock().unwrap().len() <= 2 * MAX_INVOCATION_LOG + 2048);
        }
        let kept = log.contents();
        assert!(kept.len() <= MAX_INVOCATION_LOG && kept.len() > MAX_INVOCATION_LOG - 2048, "{}", kept.len());
        let text = String::from_utf8(kept).unwrap();
        assert!(text.starts_with(|c: char| c.is_ascii_digit()) && text.ends_with('\n'), "whole lines");
        assert!(text.trim_end().lines().last().unwrap().starts_with("1999"));
        let small = LogBuffer::default();
        small.line("one");
        small.line("two");
        assert_eq!(small.contents(), b"one\ntwo\n");
    }

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
            ("x-fc-access-key-id", "STS.env"),
            ("x-fc-access-key-secret", "header-secret-value"),
        ]);
        let ctx = Context::from_headers(&full, arrived, &env);
        assert_eq!((ctx.request_id(), ctx.function_name(), ctx.service_name()), ("r-1", "greet", Some("demo")));
        assert_eq!((ctx.qualifier(), ctx.version(), ctx.region()), (Some("prod"), Some("3"), Some("cn-hangzhou")));
        assert_eq!((ctx.account_id(), ctx.memory_mb(), ctx.retry_count()), (Some("1234567890"), Some(512), 2));
        assert_eq!(ctx.deadline(), Some(arrived + Duration::from_secs(60)));
        assert_eq!(ctx.header("x-fc-region"), Some("cn-hangzhou"));
        let creds = ctx.credentials().unwrap();
        assert_eq!(
            (creds.access_key_id.as_str(), creds.access_key_secret.expose()),
            ("STS.env", "header-secret-value")
        );
        // The Debian 11 runtime sends no token header: the environment's is used with the same key.
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
    fn the_environments_token_goes_only_with_the_environments_key() {
        let env = Environment::from_vars([
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.at-start"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret-at-start"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "token-at-start"),
        ]);
        let at = |pairs: &[(&'static str, &'static str)]| {
            let ctx = Context::from_headers(&headers(pairs), Instant::now(), &env);
            let c = ctx.credentials().unwrap().clone();
            (c.access_key_id, c.access_key_secret.expose().to_owned(), c.security_token.map(|t| t.expose().to_owned()))
        };
        let owned = |(a, b, c): (&str, &str, Option<&str>)| (a.to_owned(), b.to_owned(), c.map(str::to_owned));
        // The same key as at start, no token in the headers (Debian 11): the environment's token.
        let same = at(&[("x-fc-access-key-id", "STS.at-start"), ("x-fc-access-key-secret", "secret-now")]);
        assert_eq!(same, owned(("STS.at-start", "secret-now", Some("token-at-start"))));
        // Rotated: a new temporary key, no token. Not the new key with the old token: the old set, whole.
        let rotated = at(&[("x-fc-access-key-id", "STS.rotated"), ("x-fc-access-key-secret", "secret-rotated")]);
        assert_eq!(rotated, owned(("STS.at-start", "secret-at-start", Some("token-at-start"))));
        // A token in the headers: the headers' set.
        let full = at(&[
            ("x-fc-access-key-id", "STS.rotated"),
            ("x-fc-access-key-secret", "secret-rotated"),
            ("x-fc-security-token", "token-rotated"),
        ]);
        assert_eq!(full, owned(("STS.rotated", "secret-rotated", Some("token-rotated"))));
        // A long-term key needs no token and gets none.
        let long = at(&[("x-fc-access-key-id", "LTAI-long"), ("x-fc-access-key-secret", "s")]);
        assert_eq!(long, owned(("LTAI-long", "s", None)));
    }
}
