//! Configuring a [`LocalFc`]: keys, limits, what it hosts (routers in process, custom runtimes over HTTP),
//! versions and aliases; [`LocalFcBuilder::start`] checks it all, binds, and starts.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::config::FunctionConfig;
use super::gateway::{Gateway, HttpTrigger, HttpTriggerInfo};
use super::id::{FunctionId, Namespace};
use super::runtime::{CustomRuntime, Launch, RuntimeLink};
use super::state::{Alias, Function, Host, Published, RouterHost, Service, State};
use super::triggers::{Timer, TimerTrigger};
use super::{DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, LocalFc, auth, server, store};
use crate::function::Router;
use crate::{Credentials, Limits};

/// How long, by default, [`LocalFc::shutdown`] waits for the requests in flight.
pub const DEFAULT_DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// Functions to host, as registered: where they go, their names, the code, the settings.
struct Pending {
    namespace: Namespace,
    names: Vec<String>,
    host: Host,
    config: FunctionConfig,
}

/// Configures and starts a [`LocalFc`].
#[must_use]
pub struct LocalFcBuilder {
    addr: SocketAddr,
    keys: Vec<auth::Key>,
    account_id: Option<String>,
    max_skew: Duration,
    limits: Limits,
    pending: Vec<Pending>,
    /// Versions published, by the function that names their owner.
    versions: Vec<(FunctionId, u32)>,
    /// Aliases: `(function, alias, version)`.
    aliases: Vec<(FunctionId, String, String)>,
    region: String,
    /// Settings of one function, over its host's.
    configs: Vec<(FunctionId, FunctionConfig)>,
    timers: Vec<(FunctionId, TimerTrigger)>,
    http_triggers: Vec<(FunctionId, HttpTrigger)>,
    drain_deadline: Duration,
    state_dir: Option<std::path::PathBuf>,
}

impl fmt::Debug for LocalFcBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let functions: Vec<String> = self
            .pending
            .iter()
            .flat_map(|p| p.names.iter().map(move |n| p.namespace.function(n).to_string()))
            .collect();
        f.debug_struct("LocalFcBuilder")
            .field("addr", &self.addr)
            .field("keys", &self.keys.iter().map(|k| &k.id).collect::<Vec<_>>())
            .field("account_id", &self.account_id)
            .field("functions", &functions)
            .finish_non_exhaustive()
    }
}

impl LocalFcBuilder {
    pub(super) fn new() -> Self {
        LocalFcBuilder {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            keys: Vec::new(),
            account_id: None,
            max_skew: Duration::from_secs(15 * 60),
            limits: Limits::default(),
            pending: Vec::new(),
            versions: Vec::new(),
            aliases: Vec::new(),
            region: "cn-hangzhou".to_owned(),
            configs: Vec::new(),
            timers: Vec::new(),
            http_triggers: Vec::new(),
            drain_deadline: DEFAULT_DRAIN_DEADLINE,
            state_dir: None,
        }
    }

    /// Keeps what the management API deploys in `dir` — the functions with their code, versions, aliases,
    /// triggers, async and concurrency configs — so that a `LocalFc` started again with the same directory serves
    /// them again (HTTP triggers on the same ports when they are free). Without it, deployed code lives in a
    /// temporary directory removed with `LocalFc`.
    pub fn state_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.state_dir = Some(dir.into());
        self
    }

    /// How long [`LocalFc::shutdown`] waits for the requests in flight before it stops the functions anyway
    /// (default [`DEFAULT_DRAIN_DEADLINE`], 30 s).
    pub fn drain_deadline(mut self, deadline: Duration) -> Self {
        self.drain_deadline = deadline;
        self
    }

    /// An HTTP trigger on `function`, listening on its own loopback port from `start()` on
    /// ([`LocalFc::http_triggers`] lists the URLs): each request is checked by FC's rules (no `x-fc-*` headers
    /// but `X-Fc-Invocation-Type` and `X-Fc-Log-Type`, headers within 8 KB, path and query within 4 KB, the body
    /// within the invocation type's limit, the trigger's methods) and its `authType`, then handed to the function
    /// as an API invocation is (its concurrency, injected faults, async records) and passed to its web service
    /// ([`Router::http`]) in process, or to its custom-runtime process, the answer streamed back with
    /// `X-Fc-Request-Id`. `X-Fc-Invocation-Type: Async` answers 202 at once and runs the request in the background
    /// with the function's async retries; `X-Fc-Log-Type: Tail` waits for the whole answer and adds
    /// `X-Fc-Log-Result`.
    ///
    /// [`LocalFc::http_triggers`]: super::LocalFc::http_triggers
    pub fn http_trigger(mut self, function: impl Into<FunctionId>, trigger: HttpTrigger) -> Self {
        self.http_triggers.push((function.into(), trigger));
        self
    }

    /// A timer trigger on `function`: from `start()` on, each time its schedule says, the function gets FC's
    /// timer event (`{"triggerTime", "triggerName", "payload"}`) as an async invocation. A schedule `start()`
    /// cannot parse is a [`StartError::InvalidTrigger`].
    pub fn timer_trigger(mut self, function: impl Into<FunctionId>, trigger: TimerTrigger) -> Self {
        self.timers.push((function.into(), trigger));
        self
    }

    /// The region hosted functions are told they run in (`ctx.region()`, `FC_REGION`; default `cn-hangzhou`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// Settings for one function, whichever way it is hosted, over the settings it was registered with.
    pub fn configure(mut self, function: impl Into<FunctionId>, config: FunctionConfig) -> Self {
        self.configs.push((function.into(), config));
        self
    }

    /// Listens on `addr` (default `127.0.0.1:0`, an ephemeral port), a loopback address: [`start`](Self::start)
    /// refuses any other with [`StartError::NotLoopback`].
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

    /// Hosts every function of `router` in `namespace` — as FC 3.0 functions of the same names
    /// ([`Namespace::Fc3`]), or in an FC 2.0 service (`"demo"`) — run in process with default settings: the
    /// function side of an `#[fc_service(…, server)]` trait (`implementation.into_router()`), or closures
    /// registered with [`Router::json`] / [`Router::bytes`]. Inside a function, `fc_runtime::function::context()`
    /// is the invocation's context: its `log` lines go to the invocation's log, its credentials are this
    /// `LocalFc`'s first key and its `client()` calls this `LocalFc`.
    pub fn router(self, namespace: impl Into<Namespace>, router: Router) -> Self {
        self.router_with(namespace, router, FunctionConfig::default())
    }

    /// [`router`](Self::router) with explicit settings for each of its functions (`stateful(true)`, the default,
    /// enables async records).
    pub fn router_with(self, namespace: impl Into<Namespace>, router: Router, config: FunctionConfig) -> Self {
        let names: Vec<String> = router.functions().map(str::to_owned).collect();
        self.host(namespace.into(), names, Host::Router(Arc::new(RouterHost::new(router))), config)
    }

    /// Hosts `router` in process as the one function `function`, whatever functions it routes: a web function
    /// whose router serves HTTP-trigger requests ([`Router::http`]) and perhaps none by name, of FC 3.0 or of an
    /// FC 2.0 service.
    pub fn function(self, function: impl Into<FunctionId>, router: Router, config: FunctionConfig) -> Self {
        let id = function.into();
        let namespace = match id.service() {
            Some(service) => Namespace::service(service),
            None => Namespace::Fc3,
        };
        self.host(namespace, [id.name().to_owned()], Host::Router(Arc::new(RouterHost::new(router))), config)
    }

    /// Hosts `functions` of `namespace` in a custom runtime, as FC does: each invocation is forwarded to the
    /// runtime's `POST /invoke` with the headers FC sends (request id, function and service names, qualifier,
    /// version, account, the role's temporary credentials); a failure it reports (`404`/`x-fc-status: 404`) is
    /// an unhandled function error, as FC reports every custom runtime's failure, with the runtime's
    /// `errorType`; and the runtime's output from the invocation's Start marker to its End marker becomes its log.
    pub fn custom_runtime(
        self,
        namespace: impl Into<Namespace>,
        functions: impl IntoIterator<Item = impl AsRef<str>>,
        runtime: CustomRuntime,
    ) -> Self {
        self.custom_runtime_with(namespace, functions, runtime, FunctionConfig::default())
    }

    /// [`custom_runtime`](Self::custom_runtime) with explicit settings for each of its functions.
    pub fn custom_runtime_with(
        self,
        namespace: impl Into<Namespace>,
        functions: impl IntoIterator<Item = impl AsRef<str>>,
        runtime: CustomRuntime,
        config: FunctionConfig,
    ) -> Self {
        self.host(namespace.into(), functions, Host::Runtime(Arc::new(RuntimeLink::new(runtime))), config)
    }

    /// Hosts `functions` of `namespace` with `host`.
    fn host(
        mut self,
        namespace: Namespace,
        functions: impl IntoIterator<Item = impl AsRef<str>>,
        host: Host,
        config: FunctionConfig,
    ) -> Self {
        let names = functions.into_iter().map(|name| name.as_ref().to_owned()).collect();
        self.pending.push(Pending { namespace, names, host, config });
        self
    }

    /// Publishes versions `1..=count` of what owns `function`'s versions: an FC 3.0 function's own, an FC 2.0
    /// function's service's (each serves the same code).
    pub fn versions(mut self, function: impl Into<FunctionId>, count: u32) -> Self {
        self.versions.push((function.into(), count));
        self
    }

    /// Adds an alias of what owns `function`'s versions (an FC 3.0 function, an FC 2.0 function's service)
    /// pointing at `version` (a published version number, or `LATEST`).
    pub fn alias(
        mut self,
        function: impl Into<FunctionId>,
        alias: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        self.aliases.push((function.into(), alias.into(), version.into()));
        self
    }

    /// Checks the configuration, binds the socket, starts serving on the current Tokio runtime, and starts the
    /// custom runtimes given as commands.
    pub async fn start(self) -> Result<LocalFc, StartError> {
        let seed = super::random_seed();
        let mut services: HashMap<String, Service> = HashMap::new();
        let now = super::state::rfc3339_now();
        let mut runtimes: Vec<Arc<RuntimeLink>> = Vec::new();
        // Every instance, and whether one of its functions has a pre-stop hook.
        let mut hosts: Vec<(Host, bool)> = Vec::new();
        for pending in self.pending {
            if let Host::Runtime(link) = &pending.host {
                runtimes.push(link.clone());
            }
            if !hosts.iter().any(|(h, _)| h.same(&pending.host)) {
                hosts.push((pending.host.clone(), false));
            }
            if let Namespace::Service(service) = &pending.namespace {
                check(fc_names::check_service(service), "service name", service)?;
            }
            for name in pending.names {
                let id = pending.namespace.function(&name);
                match id.api() {
                    crate::Api::Fc3 => check(fc_names::check_fc3_function(&name), "FC 3.0 function name", &name)?,
                    _ => check(fc_names::check_function(&name), "function name", &name)?,
                }
                let config = self
                    .configs
                    .iter()
                    .rev()
                    .find(|(f, _)| *f == id)
                    .map_or_else(|| pending.config.clone(), |(_, c)| c.clone());
                if config.pre_stop
                    && let Some(entry) = hosts.iter_mut().find(|(h, _)| h.same(&pending.host))
                {
                    entry.1 = true;
                }
                let service = id.owner();
                let f = Function::new(&service, &name, config, pending.host.clone(), seed);
                services.entry(service).or_default().functions.insert(name, Arc::new(f));
            }
        }
        let hosted_functions: std::collections::HashSet<FunctionId> = services
            .iter()
            .flat_map(|(owner, service)| {
                service.functions.keys().map(move |name| match owner.strip_prefix("fc3:") {
                    Some(_) => FunctionId::fc3(name),
                    None => FunctionId::fc2(owner, name),
                })
            })
            .collect();
        let hosted = |id: &FunctionId| hosted_functions.contains(id);
        for (function, _) in &self.configs {
            if !hosted(function) {
                return Err(StartError::UnknownFunction { function: function.clone() });
            }
        }
        let mut timers = Vec::new();
        for (function, trigger) in self.timers {
            if !hosted(&function) {
                return Err(StartError::UnknownFunction { function });
            }
            let name = trigger.name().to_owned();
            let timer =
                Timer::new(function, trigger).map_err(|reason| StartError::InvalidTrigger { trigger: name, reason })?;
            timers.push(timer);
        }
        let mut gateways = Vec::new();
        for (function, trigger) in self.http_triggers {
            if !hosted(&function) {
                return Err(StartError::UnknownFunction { function });
            }
            let name = trigger.name().to_owned();
            let gateway = Gateway::new(trigger, function)
                .map_err(|reason| StartError::InvalidTrigger { trigger: name, reason })?;
            gateways.push(gateway);
        }
        for (function, count) in self.versions {
            if !hosted(&function) {
                return Err(StartError::UnknownFunction { function });
            }
            // Each version serves the code registered: a snapshot of the owner's functions.
            let service = services.entry(function.owner()).or_default();
            for id in 1..=count {
                let functions = service.functions.clone();
                service.versions.insert(id, Published { functions, description: String::new(), created: now.clone() });
            }
            service.last_version = service.last_version.max(count);
        }
        for (function, alias, version) in self.aliases {
            if !hosted(&function) {
                return Err(StartError::UnknownFunction { function });
            }
            check(fc_names::check_service(&alias), "alias", &alias)?;
            let s = services.entry(function.owner()).or_default();
            let ok = version == "LATEST" || version.parse::<u32>().is_ok_and(|v| s.versions.contains_key(&v));
            if !ok {
                return Err(StartError::UnpublishedVersion { function, alias, version });
            }
            s.aliases.insert(alias, Alias::new(version, None, String::new()));
        }
        let mut keys = self.keys;
        if keys.is_empty() {
            keys.push(auth::Key {
                id: DEFAULT_ACCESS_KEY_ID.to_owned(),
                secret: DEFAULT_ACCESS_KEY_SECRET.to_owned(),
                security_token: None,
            });
        }
        for key in &keys {
            let mut credentials = Credentials::new(&key.id, &key.secret);
            if let Some(token) = &key.security_token {
                credentials = credentials.with_security_token(token);
            }
            credentials.validate().map_err(|e| StartError::InvalidKey { id: key.id.clone(), reason: e.to_string() })?;
        }
        if !self.addr.ip().is_loopback() {
            return Err(StartError::NotLoopback { addr: self.addr });
        }
        let bind = |source| StartError::Bind { addr: self.addr, source };
        let listener = tokio::net::TcpListener::bind(self.addr).await.map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let auth = auth::AuthConfig { keys, account_id: self.account_id, max_skew: self.max_skew };
        let endpoint = format!("http://{addr}");
        let launch = Launch {
            endpoint: endpoint.clone(),
            role: auth.role(),
            account_id: auth.account_id.clone(),
            region: self.region.clone(),
            max_response: self.limits.max_sync_payload,
        };
        let deploy = super::manage::Deploy::new(self.state_dir.clone(), launch.clone())
            .map_err(|source| StartError::StateDir { dir: self.state_dir.clone().unwrap_or_default(), source })?;
        let (shutdown, watch) = tokio::sync::watch::channel(false);
        let state = Arc::new(State {
            role: auth.role(),
            auth,
            region: self.region,
            endpoint,
            limits: self.limits,
            services: RwLock::new(services),
            hosts: Mutex::new(hosts),
            faults: Mutex::new(Vec::new()),
            store: store::Store::default(),
            nonces: auth::Nonces::default(),
            sequence: AtomicU64::new(0),
            seed,
            connections: Default::default(),
            runners: Default::default(),
            deploy,
            destinations: Default::default(),
            stopping: watch.clone(),
        });
        let mut listeners = vec![tokio::spawn(server::serve(listener, state.clone(), watch.clone()))];
        let timers = timers.into_iter().map(|t| tokio::spawn(t.run(state.clone())).abort_handle()).collect();
        let mut http_triggers = Vec::new();
        let mut gateways_by_index = Vec::new();
        for gateway in gateways {
            let bind = |source| StartError::Bind { addr: SocketAddr::from(([127, 0, 0, 1], 0)), source };
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.map_err(bind)?;
            let url = format!("http://{}", listener.local_addr().map_err(bind)?);
            http_triggers.push(HttpTriggerInfo {
                name: gateway.trigger.name().to_owned(),
                function: gateway.function.clone(),
                url,
                auth: gateway.trigger.auth(),
            });
            let gateway = Arc::new(gateway);
            gateways_by_index.push(gateway.clone());
            listeners.push(tokio::spawn(super::gateway::serve(listener, state.clone(), gateway, watch.clone())));
        }
        let fc = LocalFc {
            addr,
            state,
            shutdown,
            listeners,
            drain_deadline: self.drain_deadline,
            timers,
            http_triggers,
            gateways: gateways_by_index,
        };
        for link in runtimes {
            link.start(launch.clone()).await.map_err(|reason| StartError::Runtime { reason })?;
        }
        super::manage::persist::restore(&fc.state).await.map_err(|reason| StartError::StateDir {
            dir: self.state_dir.clone().unwrap_or_default(),
            source: io::Error::other(reason),
        })?;
        Ok(fc)
    }
}

fn check(result: Result<(), fc_names::NameError>, what: &'static str, name: &str) -> Result<(), StartError> {
    result.map_err(|reason| StartError::InvalidName { what, name: name.to_owned(), reason })
}

/// Why [`LocalFcBuilder::start`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// A service, function or alias name FC would refuse.
    #[error("invalid {what} {name:?}: {reason}")]
    #[non_exhaustive]
    InvalidName {
        /// `service name`, `function name`, `FC 3.0 function name` or `alias`.
        what: &'static str,
        /// The name as given.
        name: String,
        /// The rule it breaks.
        #[source]
        reason: fc_names::NameError,
    },
    /// An access key that no request could be signed with (an empty id or secret, a control character).
    #[error("invalid access key {id:?}: {reason}")]
    #[non_exhaustive]
    InvalidKey {
        /// The key id as given.
        id: String,
        /// What is wrong with it (never the secret).
        reason: String,
    },
    /// An alias pointing at a version that was not published with [`LocalFcBuilder::versions`].
    #[error("alias {alias:?} of {function} points at unpublished version {version:?}")]
    #[non_exhaustive]
    UnpublishedVersion {
        /// The function whose versions (its own, or its service's) the alias names.
        function: FunctionId,
        /// The alias.
        alias: String,
        /// The version it names.
        version: String,
    },
    /// A trigger whose settings FC would refuse (a timer's schedule or a JWT auth config that does not parse).
    #[error("invalid trigger {trigger:?}: {reason}")]
    #[non_exhaustive]
    InvalidTrigger {
        /// The trigger's name.
        trigger: String,
        /// What is wrong with it.
        reason: String,
    },
    /// [`LocalFcBuilder::configure`], a trigger, a version or an alias named a function that is not hosted.
    #[error("{function} is configured, but no router or custom runtime hosts it")]
    #[non_exhaustive]
    UnknownFunction {
        /// The function.
        function: FunctionId,
    },
    /// A custom runtime could not be started (or did not say where it listens).
    #[error("custom runtime: {reason}")]
    #[non_exhaustive]
    Runtime {
        /// Why.
        reason: String,
    },
    /// The state directory ([`LocalFcBuilder::state_dir`]), or the temporary directory deployed code goes to,
    /// could not be made or read.
    #[error("could not use the state directory {dir:?}")]
    #[non_exhaustive]
    StateDir {
        /// The directory (empty for the temporary one).
        dir: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// An address that is not loopback: LocalFc runs code uploaded through its API and must not be reachable
    /// from another machine.
    #[error("LocalFc listens on loopback addresses only, not {addr}")]
    #[non_exhaustive]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
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
