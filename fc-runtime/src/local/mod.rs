//! `LocalFc`: an embedded Function Compute 2.0 endpoint on 127.0.0.1 that hosts Rust closures as functions.
//!
//! It verifies signatures as FC does, routes services, versions and aliases, runs sync and async invocations
//! (with FC's retry of failed async attempts and the stateful invocation store), returns log tails, handled and
//! unhandled errors, enforces payload and concurrency limits, and injects faults on demand. The official SDKs can
//! call it unchanged.
//!
//! ```
//! use fc_runtime::local::{json_fn, HandlerError, LocalFc};
//! use fc_runtime::InvokeRequest;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fc = LocalFc::builder()
//!     .function("demo", "add", json_fn(|(a, b): (i64, i64), _ctx| async move { Ok::<_, HandlerError>(a + b) }))
//!     .start()
//!     .await?;
//! let answer = fc.client().invoke(InvokeRequest::new("demo", "add").json_bytes("[2, 3]")).await?;
//! assert_eq!(&answer.body[..], b"5");
//! assert_eq!(fc.executions("demo", "add"), 1);
//! # Ok(()) }
//! ```

mod auth;
mod handler;
mod reply;
mod runtime;
mod server;
mod store;

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use handler::{Context, Handler, HandlerError, HandlerResult, bytes_fn, json_fn};
pub use runtime::CustomRuntime;

use crate::{Client, ClientBuilder, Credentials, Limits, function};

/// Access key accepted when none is configured.
pub const DEFAULT_ACCESS_KEY_ID: &str = "testKeyId";
/// Secret of [`DEFAULT_ACCESS_KEY_ID`].
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "testKeySecret";

/// Per-function settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FunctionConfig {
    /// Longest run before the invocation fails with `UnhandledInvocationError` (default 60 s).
    pub timeout: Duration,
    /// Most sync invocations running at once; more are refused with 429 (default: unlimited).
    pub concurrency: Option<usize>,
    /// Retries of a failed async invocation (default 3, as FC).
    pub async_retries: u32,
    /// Pause before each async retry (default 50 ms).
    pub retry_delay: Duration,
    /// Reported in `X-Fc-Max-Memory-Usage` (MB): in-process closures have no memory of their own to measure.
    pub reported_memory_mb: f64,
    /// Whether async invocations keep a stateful record (default true).
    pub stateful: bool,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            timeout: Duration::from_secs(60),
            concurrency: None,
            async_retries: 3,
            retry_delay: Duration::from_millis(50),
            reported_memory_mb: 16.0,
            stateful: true,
        }
    }
}

impl FunctionConfig {
    /// Default settings.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the function timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Limits concurrent sync invocations.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit);
        self
    }
    /// Sets how often a failed async invocation is retried.
    pub fn async_retries(mut self, retries: u32) -> Self {
        self.async_retries = retries;
        self
    }
    /// Sets the pause before async retries.
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }
    /// Sets whether async invocations keep a stateful record.
    pub fn stateful(mut self, stateful: bool) -> Self {
        self.stateful = stateful;
        self
    }
}

/// A fault to inject into coming invocations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with `status` (429 or 503) without running the function, optionally with `Retry-After`.
    Throttle {
        /// 429 or 503.
        status: u16,
        /// `Retry-After` to send.
        retry_after: Option<Duration>,
    },
    /// Wait this long before running the function.
    Latency(Duration),
    /// Close the connection without an answer before the function runs.
    DropBeforeHandler,
    /// Run the function, then close the connection without an answer.
    DropAfterHandler,
}

/// A fault for the next `count` invocations, optionally of one function only. Every constructor takes the count
/// first.
///
/// ```
/// use fc_runtime::local::Fault;
/// let burst = Fault::throttle(3, 429).for_function("demo", "echo");
/// let slow = Fault::latency(1, std::time::Duration::from_millis(200));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    kind: FaultKind,
    count: u32,
    target: Option<(String, String)>,
}

impl Fault {
    /// Throttles the next `count` invocations with `status` (429 or 503).
    pub fn throttle(count: u32, status: u16) -> Self {
        Fault { kind: FaultKind::Throttle { status, retry_after: None }, count, target: None }
    }
    /// Adds `Retry-After` to a throttle fault.
    pub fn retry_after(mut self, after: Duration) -> Self {
        if let FaultKind::Throttle { retry_after, .. } = &mut self.kind {
            *retry_after = Some(after);
        }
        self
    }
    /// Delays the next `count` invocations by `delay`.
    pub fn latency(count: u32, delay: Duration) -> Self {
        Fault { kind: FaultKind::Latency(delay), count, target: None }
    }
    /// Drops the connection of the next `count` invocations before the function runs.
    pub fn drop_before_handler(count: u32) -> Self {
        Fault { kind: FaultKind::DropBeforeHandler, count, target: None }
    }
    /// Drops the connection of the next `count` invocations after the function ran.
    pub fn drop_after_handler(count: u32) -> Self {
        Fault { kind: FaultKind::DropAfterHandler, count, target: None }
    }
    /// Applies only to one function.
    pub fn for_function(mut self, service: impl Into<String>, function: impl Into<String>) -> Self {
        self.target = Some((service.into(), function.into()));
        self
    }
    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }
}

pub(crate) struct Function {
    handler: Arc<dyn Handler>,
    config: FunctionConfig,
    running: AtomicUsize,
    executions: AtomicU64,
    received: AtomicU64,
    instance_id: String,
    code_checksum: String,
}

impl Function {
    /// A hosted function whose instance id and code checksum derive from where it lives (its service, or FC 3.0's
    /// internal one) and its name, so that every function has its own.
    fn new(service: &str, function: &str, config: FunctionConfig, handler: Arc<dyn Handler>, seed: u64) -> Self {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (service, function).hash(&mut h);
        let code = h.finish();
        Function {
            handler,
            config,
            running: AtomicUsize::new(0),
            executions: AtomicU64::new(0),
            received: AtomicU64::new(0),
            instance_id: format!("c-{:016x}", code ^ seed),
            code_checksum: code.to_string(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Service {
    versions: u32,
    aliases: HashMap<String, String>,
    functions: HashMap<String, Arc<Function>>,
}

pub(crate) struct State {
    auth: auth::AuthConfig,
    /// What hosted functions get as their role's credentials, derived once from `auth`.
    role: Option<Credentials>,
    limits: Limits,
    services: HashMap<String, Service>,
    faults: Mutex<Vec<Fault>>,
    store: store::Store,
    nonces: auth::Nonces,
    sequence: AtomicU64,
    seed: u64,
}

impl State {
    /// A fresh, unique, uuid-shaped request id.
    fn request_id(&self) -> String {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        let a = self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            a as u16 & 0xfff,
            0x8000 | (n >> 48) as u16 & 0x3fff,
            n & 0xffff_ffff_ffff
        )
    }

    fn function(&self, service: &str, function: &str) -> Option<&Arc<Function>> {
        self.services.get(service)?.functions.get(function)
    }

    /// Takes one use of the first fault matching this function, of a kind `accept` selects.
    fn take_fault(&self, service: &str, function: &str, accept: impl Fn(&FaultKind) -> bool) -> Option<FaultKind> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let at = faults.iter().position(|f| {
            f.count > 0 && accept(&f.kind) && f.target.as_ref().is_none_or(|(s, fun)| s == service && fun == function)
        })?;
        faults[at].count -= 1;
        let kind = faults[at].kind.clone();
        if faults[at].count == 0 {
            faults.remove(at);
        }
        Some(kind)
    }
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new().build_hasher().finish()
}

type PendingFunction = (String, String, FunctionConfig, Arc<dyn Handler>);

/// Configures and starts a [`LocalFc`].
#[must_use]
pub struct LocalFcBuilder {
    addr: SocketAddr,
    keys: Vec<auth::Key>,
    account_id: Option<String>,
    max_skew: Duration,
    limits: Limits,
    functions: Vec<PendingFunction>,
    fc3_functions: Vec<(String, FunctionConfig, Arc<dyn Handler>)>,
    versions: HashMap<String, u32>,
    aliases: Vec<(String, String, String)>,
    runtimes: Vec<Arc<runtime::RuntimeLink>>,
}

/// FC 3.0 functions have no service: each lives alone in an internal service named after it, whose name no FC 2.0
/// service can have (`:` is not allowed there), so that versions, aliases, faults and async tasks work per
/// function with the same machinery.
pub(crate) fn fc3_service(function: &str) -> String {
    format!("fc3:{function}")
}

impl fmt::Debug for LocalFcBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFcBuilder")
            .field("addr", &self.addr)
            .field("keys", &self.keys.iter().map(|k| &k.id).collect::<Vec<_>>())
            .field("account_id", &self.account_id)
            .field("functions", &self.functions.iter().map(|(s, f, ..)| format!("{s}/{f}")).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl LocalFcBuilder {
    /// Listens on `addr` (default `127.0.0.1:0`, an ephemeral port).
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Accepts this long-term access key (default, when no key is given: `testKeyId` / `testKeySecret`).
    pub fn access_key(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.keys.push(auth::Key { id: id.into(), secret: secret.into(), security_token: None });
        self
    }

    /// Accepts temporary (STS) credentials: requests must carry `token` in `X-Fc-Security-Token`.
    pub fn sts_key(mut self, id: impl Into<String>, secret: impl Into<String>, token: impl Into<String>) -> Self {
        self.keys.push(auth::Key { id: id.into(), secret: secret.into(), security_token: Some(token.into()) });
        self
    }

    /// Fixes the account: requests with a different `X-Fc-Account-Id` are refused (default: any account).
    pub fn account_id(mut self, account_id: impl Into<String>) -> Self {
        self.account_id = Some(account_id.into());
        self
    }

    /// Largest accepted difference between a request's Date and the clock (default 15 minutes).
    pub fn max_skew(mut self, skew: Duration) -> Self {
        self.max_skew = skew;
        self
    }

    /// Payload limits (default: FC's 32 MB sync, 128 KB async).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Hosts `handler` as `service/function` with default settings (the service is created when needed).
    pub fn function(self, service: impl Into<String>, function: impl Into<String>, handler: impl Handler) -> Self {
        self.function_with(service, function, FunctionConfig::default(), handler)
    }

    /// Hosts `handler` with explicit settings.
    pub fn function_with(
        mut self,
        service: impl Into<String>,
        function: impl Into<String>,
        config: FunctionConfig,
        handler: impl Handler,
    ) -> Self {
        self.functions.push((service.into(), function.into(), config, Arc::new(handler)));
        self
    }

    /// Publishes versions `1..=count` of `service` (each serves the same functions).
    pub fn versions(mut self, service: impl Into<String>, count: u32) -> Self {
        self.versions.insert(service.into(), count);
        self
    }

    /// Adds an alias of `service` pointing at `version` (a published version number, or `LATEST`).
    pub fn alias(mut self, service: impl Into<String>, alias: impl Into<String>, version: impl Into<String>) -> Self {
        self.aliases.push((service.into(), alias.into(), version.into()));
        self
    }

    /// Hosts `handler` as the FC 3.0 function `function` (API 2023-03-30, no service) with default settings.
    pub fn fc3_function(self, function: impl Into<String>, handler: impl Handler) -> Self {
        self.fc3_function_with(function, FunctionConfig::default(), handler)
    }

    /// Hosts `handler` as an FC 3.0 function with explicit settings (`stateful(true)`, the default, enables async
    /// tasks).
    pub fn fc3_function_with(
        mut self,
        function: impl Into<String>,
        config: FunctionConfig,
        handler: impl Handler,
    ) -> Self {
        self.fc3_functions.push((function.into(), config, Arc::new(handler)));
        self
    }

    /// Publishes versions `1..=count` of the FC 3.0 function `function`.
    pub fn fc3_versions(mut self, function: impl Into<String>, count: u32) -> Self {
        self.versions.insert(fc3_service(&function.into()), count);
        self
    }

    /// Adds an alias of the FC 3.0 function `function` pointing at `version` (a published number or `LATEST`).
    pub fn fc3_alias(
        mut self,
        function: impl Into<String>,
        alias: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        self.aliases.push((fc3_service(&function.into()), alias.into(), version.into()));
        self
    }

    /// Hosts every function of `router` (the function side of an `#[fc_service(…, server)]` trait:
    /// `implementation.into_router()`) in the FC 2.0 service `service`, run in process. Inside the methods,
    /// `fc_runtime::function::context()` is the invocation's context, its `log` lines go to the invocation's log,
    /// its credentials are this `LocalFc`'s first key and its `client()` calls this `LocalFc`.
    pub fn router(mut self, service: impl Into<String>, router: function::Router) -> Self {
        let service = service.into();
        for (name, handler) in runtime::RouterFunction::each(router) {
            self = self.function(service.clone(), name, handler);
        }
        self
    }

    /// Hosts every function of `router` as FC 3.0 functions of the same names, run in process.
    pub fn fc3_router(mut self, router: function::Router) -> Self {
        for (name, handler) in runtime::RouterFunction::each(router) {
            self = self.fc3_function(name, handler);
        }
        self
    }

    /// Hosts `functions` of the FC 2.0 service `service` in a custom runtime, as FC does: each invocation is
    /// forwarded to the runtime's `POST /invoke` with the headers FC sends (request id, function and service
    /// names, qualifier, account, the role's temporary credentials); `404`/`x-fc-status: 404` answers become
    /// function errors (a `Panic` one unhandled), and the runtime's output between the invocation's markers
    /// becomes its log.
    pub fn custom_runtime(
        mut self,
        service: impl Into<String>,
        functions: impl IntoIterator<Item = impl Into<String>>,
        runtime: CustomRuntime,
    ) -> Self {
        let service = service.into();
        let link = Arc::new(runtime::RuntimeLink::new(runtime.target));
        for name in functions {
            self = self.function(service.clone(), name, runtime::ForwardedFunction { link: link.clone() });
        }
        self.runtimes.push(link);
        self
    }

    /// [`custom_runtime`](Self::custom_runtime) for FC 3.0 functions.
    pub fn fc3_custom_runtime(
        mut self,
        functions: impl IntoIterator<Item = impl Into<String>>,
        runtime: CustomRuntime,
    ) -> Self {
        let link = Arc::new(runtime::RuntimeLink::new(runtime.target));
        for name in functions {
            self = self.fc3_function(name, runtime::ForwardedFunction { link: link.clone() });
        }
        self.runtimes.push(link);
        self
    }

    /// Checks the configuration, binds the socket and starts serving on the current Tokio runtime.
    pub async fn start(mut self) -> Result<LocalFc, StartError> {
        let mut services: HashMap<String, Service> = HashMap::new();
        let seed = random_seed();
        for (function, config, handler) in std::mem::take(&mut self.fc3_functions) {
            fc_names::check_fc3_function(&function).map_err(|reason| StartError::InvalidName {
                what: "FC 3.0 function name",
                name: function.clone(),
                reason,
            })?;
            let service = fc3_service(&function);
            let f = Function::new(&service, &function, config, handler, seed);
            services.entry(service).or_default().functions.insert(function, Arc::new(f));
        }
        for (service, function, config, handler) in self.functions {
            fc_names::check_service(&service).map_err(|reason| StartError::InvalidName {
                what: "service name",
                name: service.clone(),
                reason,
            })?;
            fc_names::check_function(&function).map_err(|reason| StartError::InvalidName {
                what: "function name",
                name: function.clone(),
                reason,
            })?;
            let f = Function::new(&service, &function, config, handler, seed);
            services.entry(service).or_default().functions.insert(function, Arc::new(f));
        }
        for (service, count) in self.versions {
            services.entry(service).or_default().versions = count;
        }
        for (service, alias, version) in self.aliases {
            fc_names::check_service(&alias).map_err(|reason| StartError::InvalidName {
                what: "alias",
                name: alias.clone(),
                reason,
            })?;
            let s = services.entry(service.clone()).or_default();
            let ok = version == "LATEST" || version.parse::<u32>().is_ok_and(|v| v >= 1 && v <= s.versions);
            if !ok {
                return Err(StartError::UnpublishedVersion { service, alias, version });
            }
            s.aliases.insert(alias, version);
        }
        let mut keys = self.keys;
        if keys.is_empty() {
            keys.push(auth::Key {
                id: DEFAULT_ACCESS_KEY_ID.to_owned(),
                secret: DEFAULT_ACCESS_KEY_SECRET.to_owned(),
                security_token: None,
            });
        }
        let auth = auth::AuthConfig { keys, account_id: self.account_id, max_skew: self.max_skew };
        let state = Arc::new(State {
            role: auth.role(),
            auth,
            limits: self.limits,
            services,
            faults: Mutex::new(Vec::new()),
            store: store::Store::default(),
            nonces: auth::Nonces::default(),
            sequence: AtomicU64::new(0),
            seed,
        });
        let bind = |source| StartError::Bind { addr: self.addr, source };
        let listener = tokio::net::TcpListener::bind(self.addr).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let (shutdown, watch) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(server::serve(listener, state.clone(), watch));
        let mut fc = LocalFc { addr, state, shutdown, task: Some(task), children: Vec::new() };
        for link in &self.runtimes {
            let child = link
                .start(&fc.endpoint(), fc.state.role.as_ref(), fc.state.auth.account_id.as_deref())
                .await
                .map_err(|reason| StartError::Runtime { reason })?;
            fc.children.extend(child);
        }
        Ok(fc)
    }
}

/// Why [`LocalFcBuilder::start`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A service, function or alias name FC would refuse.
    #[error("invalid {what} {name:?}: {reason}")]
    #[non_exhaustive]
    InvalidName {
        /// `service name`, `function name` or `alias`.
        what: &'static str,
        /// The name as given.
        name: String,
        /// The rule it breaks.
        #[source]
        reason: fc_names::NameError,
    },
    /// An alias pointing at a version that was not published with [`LocalFcBuilder::versions`].
    #[error("alias {alias:?} of {service:?} points at unpublished version {version:?}")]
    #[non_exhaustive]
    UnpublishedVersion {
        /// The service.
        service: String,
        /// The alias.
        alias: String,
        /// The version it names.
        version: String,
    },
    /// A custom runtime could not be started (or did not say where it listens).
    #[error("custom runtime: {reason}")]
    #[non_exhaustive]
    Runtime {
        /// Why.
        reason: String,
    },
    /// The socket could not be bound.
    #[error("could not listen on {addr}")]
    #[non_exhaustive]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// An embedded Function Compute endpoint; see the [module docs](self). Stops when dropped.
pub struct LocalFc {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
    /// Custom runtimes started from commands: killed when this is dropped.
    children: Vec<tokio::process::Child>,
}

impl fmt::Debug for LocalFc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFc").field("endpoint", &self.endpoint()).finish_non_exhaustive()
    }
}

impl LocalFc {
    /// A builder with FC's defaults and the `testKeyId` / `testKeySecret` key.
    pub fn builder() -> LocalFcBuilder {
        LocalFcBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: Vec::new(),
            account_id: None,
            max_skew: Duration::from_secs(15 * 60),
            limits: Limits::default(),
            functions: Vec::new(),
            fc3_functions: Vec::new(),
            versions: HashMap::new(),
            aliases: Vec::new(),
            runtimes: Vec::new(),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client builder already pointed at this endpoint with its first key (adjust retries, timeouts, …).
    pub fn client_builder(&self) -> ClientBuilder {
        let key = &self.state.auth.keys[0];
        let mut creds = Credentials::new(&key.id, &key.secret);
        if let Some(token) = &key.security_token {
            creds = creds.with_security_token(token);
        }
        let mut builder = Client::builder().endpoint(self.endpoint()).credentials(creds).use_env_proxy(false);
        if let Some(account) = &self.state.auth.account_id {
            builder = builder.account_id(account);
        }
        builder
    }

    /// A client configured for this endpoint.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("LocalFc's own endpoint and key are valid")
    }

    /// Queues a fault for coming invocations.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
    }

    /// Removes all pending faults.
    pub fn clear_faults(&self) {
        self.state.faults.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many times the function's handler has started (sync calls plus every async attempt).
    pub fn executions(&self, service: &str, function: &str) -> u64 {
        self.state.function(service, function).map_or(0, |f| f.executions.load(Ordering::SeqCst))
    }

    /// How many authenticated invoke requests reached the function (throttled and dropped ones included).
    pub fn requests(&self, service: &str, function: &str) -> u64 {
        self.state.function(service, function).map_or(0, |f| f.received.load(Ordering::SeqCst))
    }

    /// [`executions`](Self::executions) of an FC 3.0 function.
    pub fn fc3_executions(&self, function: &str) -> u64 {
        self.executions(&fc3_service(function), function)
    }

    /// [`requests`](Self::requests) of an FC 3.0 function.
    pub fn fc3_requests(&self, function: &str) -> u64 {
        self.requests(&fc3_service(function), function)
    }

    /// Serves one HTTP/1 connection over any byte stream exactly as if it had arrived on the listening socket
    /// (authentication, routing, faults and all). For in-memory tests over `tokio::io::duplex` and for fuzzing
    /// the request parser; returns when the peer closes the stream or the server shuts down.
    pub async fn serve_connection<IO>(&self, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let io = hyper_util::rt::TokioIo::new(io);
        server::serve_connection(io, self.state.clone(), self.shutdown.subscribe()).await;
    }

    /// Stops accepting connections and waits for the accept loop to end; open connections finish their
    /// current request.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for LocalFc {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = &self.task {
            task.abort();
        }
    }
}
