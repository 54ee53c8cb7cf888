//! What a running `LocalFc` holds: its services and functions, the code that serves each function (a router in
//! process or a custom runtime over HTTP), and one execution of a function.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt as _;

use super::auth;
use super::config::{Fault, FaultKind, FunctionConfig};
use super::runtime::{RunFailure, RuntimeLink};
use super::store;
use crate::function::protocol::{self, Call};
use crate::function::{ContextBuilder, Failure, Lifecycle, LogBuffer, Router, WebRequest, WebResponse};
use crate::{Credentials, FunctionErrorKind, Limits};

/// The code behind a function: the only two ways `LocalFc` runs one, each one instance, or code it keeps but
/// cannot run.
#[derive(Clone)]
pub(crate) enum Host {
    /// A router, run in process.
    Router(Arc<RouterHost>),
    /// A custom-runtime server, reached over HTTP as FC reaches it.
    Runtime(Arc<RuntimeLink>),
    /// A function created through the management API in a runtime `LocalFc` does not run (`python3.10`,
    /// `custom-container`, …): stored and listed; an invocation is refused naming the runtime.
    Stored(Arc<str>),
}

impl Host {
    /// Whether two hosts are the same instance (the functions of one router or one runtime share it).
    pub(crate) fn same(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Router(a), Host::Router(b)) => Arc::ptr_eq(a, b),
            (Host::Runtime(a), Host::Runtime(b)) => Arc::ptr_eq(a, b),
            (Host::Stored(a), Host::Stored(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Runs the instance's pre-stop hook in `ctx` (when given) and stops it.
    pub(crate) async fn stop(&self, pre_stop: Option<crate::function::Context>) {
        match self {
            Host::Router(host) => {
                if let Some(ctx) = pre_stop {
                    let hook = host.router.serve(Call::Hook(Lifecycle::PreStop), Bytes::new(), ctx.clone());
                    if let Err(failure) = hook.await {
                        tracing::warn!(%failure, "a pre-stop hook failed");
                    }
                }
            }
            Host::Runtime(link) => {
                link.stop(pre_stop).await;
            }
            Host::Stored(_) => {}
        }
    }

    /// Kills a process at once, without hooks (dropping `LocalFc`).
    pub(crate) fn kill_now(&self) {
        if let Host::Runtime(link) = self {
            link.kill_now();
        }
    }
}

/// A router run in process, as one instance: initialized once, before its first invocation, when a function
/// it serves has an initializer.
pub(crate) struct RouterHost {
    pub router: Router,
    initialized: tokio::sync::Mutex<bool>,
}

impl RouterHost {
    pub(crate) fn new(router: Router) -> Self {
        RouterHost { router, initialized: tokio::sync::Mutex::new(false) }
    }

    /// Runs the `/initialize` hook once (again after a failure), its lines in `ctx`'s log.
    pub(crate) async fn initialize(&self, ctx: &crate::function::Context) -> Result<(), Failure> {
        let mut done = self.initialized.lock().await;
        if !*done {
            self.router.serve(Call::Hook(Lifecycle::Initialize), Bytes::new(), ctx.clone()).await?;
            *done = true;
        }
        Ok(())
    }
}

/// What one function counts and limits across all its code: shared by its versions and kept when `LATEST` is
/// updated.
pub(crate) struct Tally {
    pub executions: AtomicU64,
    pub received: AtomicU64,
    /// Async invocations accepted and not finished.
    pub async_in_flight: std::sync::atomic::AtomicUsize,
    /// The invocations it may run at once and their slots, when limited (FunctionConfig::concurrency, then the
    /// management API's concurrency config).
    slots: Mutex<Option<(usize, Arc<tokio::sync::Semaphore>)>>,
    /// FC's id of the function (`functionId`).
    pub function_id: String,
    /// When it was created (RFC 3339).
    pub created: String,
}

impl Tally {
    pub(crate) fn new(concurrency: Option<usize>, function_id: String, created: String) -> Self {
        Tally {
            executions: AtomicU64::new(0),
            received: AtomicU64::new(0),
            async_in_flight: Default::default(),
            slots: Mutex::new(concurrency.map(|max| (max, Arc::new(tokio::sync::Semaphore::new(max))))),
            function_id,
            created,
        }
    }

    /// The concurrency limit and its slots, if any.
    pub(crate) fn slots(&self) -> Option<(usize, Arc<tokio::sync::Semaphore>)> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// A new limit (`None`: unlimited). Invocations running keep their slot of the old one.
    pub(crate) fn limit(&self, max: Option<usize>) {
        *self.slots.lock().unwrap_or_else(|p| p.into_inner()) =
            max.map(|max| (max, Arc::new(tokio::sync::Semaphore::new(max))));
    }

    /// The limit, if any.
    pub(crate) fn limited_to(&self) -> Option<usize> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|(max, _)| *max)
    }
}

/// One function's code and settings: `LATEST`, or a published version's snapshot of it (the same `Arc`).
pub(crate) struct Function {
    pub host: Host,
    pub config: FunctionConfig,
    pub tally: Arc<Tally>,
    pub instance_id: String,
    pub code_checksum: String,
    /// Its code's size in bytes (the zip's, for code deployed through the management API).
    pub code_size: u64,
    /// Its settings as the management API reports them (FC 3.0's names: `runtime`, `handler`, `timeout`, …).
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// When its code or settings last changed (RFC 3339).
    pub modified: String,
    /// Where its code is unpacked, for code deployed through the management API.
    pub code_dir: Option<std::path::PathBuf>,
}

impl Function {
    /// A function registered in code, whose instance id and code checksum derive from where it lives (its
    /// service, or FC 3.0's internal one) and its name, so that every function has its own.
    pub(crate) fn new(service: &str, function: &str, config: FunctionConfig, host: Host, seed: u64) -> Self {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (service, function).hash(&mut h);
        let code = h.finish();
        let now = rfc3339_now();
        let tally = Arc::new(Tally::new(config.concurrency, uuid_like(code ^ seed), now.clone()));
        let runtime = match &host {
            Host::Stored(runtime) => runtime.to_string(),
            _ => "custom.debian12".to_owned(),
        };
        let mut settings = serde_json::Map::new();
        settings.insert("runtime".into(), runtime.into());
        settings.insert("handler".into(), "index.handler".into());
        settings.insert("timeout".into(), config.timeout.as_secs().into());
        settings.insert("memorySize".into(), config.memory_mb.into());
        settings.insert("description".into(), "registered in code with LocalFc".into());
        Function {
            host,
            config,
            tally,
            instance_id: format!("c-{:016x}", code ^ seed),
            code_checksum: code.to_string(),
            code_size: 0,
            settings,
            modified: now,
            code_dir: None,
        }
    }
}

/// A published version: a snapshot of its owner's functions (an FC 3.0 function's one; an FC 2.0 service's all).
pub(crate) struct Published {
    pub functions: HashMap<String, Arc<Function>>,
    pub description: String,
    pub created: String,
}

/// An alias: the version it names and, optionally, a second version taking a share of the invocations.
pub(crate) struct Alias {
    pub version: String,
    pub additional: Option<(String, f64)>,
    pub description: String,
    pub created: String,
    pub modified: String,
    /// Invocations resolved through it so far: the split is deterministic (of every `1 / weight` invocations,
    /// one goes to the additional version).
    pub resolved: AtomicU64,
}

impl Alias {
    pub(crate) fn new(version: String, additional: Option<(String, f64)>, description: String) -> Self {
        let now = rfc3339_now();
        Alias { version, additional, description, created: now.clone(), modified: now, resolved: AtomicU64::new(0) }
    }

    /// The version the next invocation through the alias runs: the additional one for its share, spread evenly
    /// (the `n`th invocation goes there when `floor(n * weight)` grows).
    pub(crate) fn pick(&self) -> &str {
        let Some((other, weight)) = &self.additional else { return &self.version };
        let n = self.resolved.fetch_add(1, Ordering::Relaxed);
        let before = (n as f64 * weight).floor();
        let after = ((n + 1) as f64 * weight).floor();
        if after > before { other } else { &self.version }
    }
}

/// A function's async invoke config for one qualifier, as the management API set it.
#[derive(Debug, Clone)]
pub(crate) struct AsyncSettings {
    pub retries: u32,
    pub max_age: Duration,
    pub on_success: Option<String>,
    pub on_failure: Option<String>,
    pub async_task: Option<bool>,
    pub created: String,
    pub modified: String,
}

/// A trigger created through the management API: what it reports, and what runs it (a listener, a timer),
/// stopped when the record goes.
pub(crate) struct TriggerRecord {
    /// The trigger as GetTrigger answers it.
    pub json: serde_json::Map<String, serde_json::Value>,
    /// An HTTP trigger's gateway and where it listens.
    pub http: Option<(Arc<super::gateway::Gateway>, String)>,
    pub task: Option<tokio::task::JoinHandle<()>>,
}

impl TriggerRecord {
    /// What a stored trigger runs: its type, the qualifier it invokes, and its config parsed from the JSON text.
    pub(crate) fn parts(json: &serde_json::Map<String, serde_json::Value>) -> (String, String, serde_json::Value) {
        let text = |key: &str| json.get(key).and_then(serde_json::Value::as_str);
        let config = text("triggerConfig")
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_else(|| serde_json::Value::Object(serde_json::Map::new()));
        (text("triggerType").unwrap_or_default().to_owned(), text("qualifier").unwrap_or("LATEST").to_owned(), config)
    }
}

impl Drop for TriggerRecord {
    fn drop(&mut self) {
        if let Some(task) = &self.task {
            task.abort();
        }
        if let Some((gateway, _)) = &self.http {
            gateway.retired.store(true, Ordering::SeqCst);
        }
    }
}

#[derive(Default)]
pub(crate) struct Service {
    pub functions: HashMap<String, Arc<Function>>,
    /// Published versions, by number.
    pub versions: BTreeMap<u32, Published>,
    /// The last version number given out: numbers are never reused.
    pub last_version: u32,
    pub aliases: BTreeMap<String, Alias>,
    /// An FC 3.0 function's triggers created through the management API.
    pub triggers: BTreeMap<String, TriggerRecord>,
    /// An FC 3.0 function's async invoke configs, by qualifier.
    pub async_configs: BTreeMap<String, AsyncSettings>,
}

/// A record an async invocation's destination received, as [`LocalFc::destinations`](super::LocalFc::destinations)
/// lists them.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DestinationDelivery {
    /// The destination's ARN.
    pub destination: String,
    /// The record, as FC sends it (`timestamp`, `requestContext`, `requestPayload`, `responseContext`,
    /// `responsePayload`).
    pub record: serde_json::Value,
}

/// The most destination records [`LocalFc::destinations`](super::LocalFc::destinations) keeps: older ones are
/// forgotten.
pub const MAX_DESTINATION_RECORDS: usize = 1_000;

pub(crate) struct State {
    pub auth: auth::AuthConfig,
    /// The region hosted functions are told they run in.
    pub region: String,
    /// What hosted functions get as their role's credentials, derived once from `auth`.
    pub role: Option<Credentials>,
    /// `http://127.0.0.1:{port}`: where a hosted function's `ctx.client()` calls.
    pub endpoint: String,
    pub limits: Limits,
    /// Services, functions, versions, aliases and what the management API made: read for every invocation (the
    /// lock is never held across an await), written by the management API.
    pub services: RwLock<HashMap<String, Service>>,
    /// Every instance (a router, a custom runtime) and whether a function it serves has a pre-stop hook: stopped
    /// by `shutdown`, custom runtimes killed when `LocalFc` is dropped.
    pub hosts: Mutex<Vec<(Host, bool)>>,
    pub faults: Mutex<Vec<Fault>>,
    pub store: store::Store,
    pub nonces: auth::Nonces,
    pub sequence: AtomicU64,
    pub seed: u64,
    /// Every listener's connections, for a clean stop.
    pub connections: super::server::Connections,
    /// The async invocations running in the background, aborted when `LocalFc` stops or is dropped (so that a
    /// pending retry never starts a runtime again).
    pub runners: Mutex<tokio::task::JoinSet<()>>,
    /// What the management API needs to deploy: where code goes, how processes start, one write at a time.
    pub deploy: super::manage::Deploy,
    /// The records async invocations sent to their destinations, newest last, at most
    /// [`MAX_DESTINATION_RECORDS`].
    pub destinations: Mutex<std::collections::VecDeque<DestinationDelivery>>,
    /// Turns true when `LocalFc` stops: listeners the management API starts watch it.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}

impl State {
    /// Runs `task` in the background among the async runners; finished ones are reaped as new ones come, so the
    /// set holds only what runs.
    pub(crate) fn spawn_runner(
        &self,
        task: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> tokio::task::AbortHandle {
        let mut runners = self.runners.lock().unwrap_or_else(|p| p.into_inner());
        while runners.try_join_next().is_some() {}
        runners.spawn(task)
    }

    /// Aborts every async runner.
    pub(crate) fn abort_runners(&self) {
        self.runners.lock().unwrap_or_else(|p| p.into_inner()).abort_all();
    }

    /// Stops what runs the triggers the management API made (their listeners' accept loops, their timers).
    pub(crate) fn abort_triggers(&self) {
        for service in self.read().values() {
            for trigger in service.triggers.values() {
                if let Some(task) = &trigger.task {
                    task.abort();
                }
            }
        }
    }

    /// The registry, to read.
    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Service>> {
        self.services.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The registry, to change.
    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Service>> {
        self.services.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps a destination's record, forgetting the oldest past [`MAX_DESTINATION_RECORDS`].
    pub(crate) fn deliver(&self, delivery: DestinationDelivery) {
        let mut records = self.destinations.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() == MAX_DESTINATION_RECORDS {
            records.pop_front();
        }
        records.push_back(delivery);
    }

    /// Registers an instance to stop with `LocalFc`.
    pub(crate) fn add_host(&self, host: &Host, pre_stop: bool) {
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        match hosts.iter_mut().find(|(h, _)| h.same(host)) {
            Some(entry) => entry.1 |= pre_stop,
            None => hosts.push((host.clone(), pre_stop)),
        }
    }

    /// Stops the instances no function or version uses any more (after an update or a delete), in the
    /// background.
    pub(crate) fn stop_unused_hosts(&self) {
        let used: Vec<Host> = {
            let services = self.read();
            services
                .values()
                .flat_map(|s| s.functions.values().chain(s.versions.values().flat_map(|v| v.functions.values())))
                .map(|f| f.host.clone())
                .collect()
        };
        let unused: Vec<Host> = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            let (keep, unused) =
                std::mem::take(&mut *hosts).into_iter().partition(|(h, _)| used.iter().any(|u| u.same(h)));
            *hosts = keep;
            unused.into_iter().map(|(h, _)| h).collect()
        };
        for host in unused {
            tokio::spawn(async move { host.stop(None).await });
        }
    }
}

/// Now, as FC writes times: RFC 3339, UTC, seconds.
pub(crate) fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// A uuid-shaped id from 64 bits.
pub(crate) fn uuid_like(n: u64) -> String {
    uuid_shape(n, n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n.rotate_left(29))
}

/// `hi` and `lo` laid out as a version-4, variant-1 uuid (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`).
fn uuid_shape(hi: u64, lo: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (hi >> 32) as u32,
        (hi >> 16) as u16,
        hi as u16 & 0xfff,
        0x8000 | (lo >> 48) as u16 & 0x3fff,
        lo & 0xffff_ffff_ffff
    )
}

impl State {
    /// A fresh, unique, uuid-shaped request id.
    pub(crate) fn request_id(&self) -> String {
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        uuid_shape(self.seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15), n)
    }

    pub(crate) fn function(&self, service: &str, function: &str) -> Option<Arc<Function>> {
        self.read().get(service)?.functions.get(function).cloned()
    }

    /// Takes one use of the first fault matching this function, of a kind `accept` selects.
    pub(crate) fn take_fault(
        &self,
        service: &str,
        function: &str,
        accept: impl Fn(&FaultKind) -> bool,
    ) -> Option<FaultKind> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let at = faults.iter().position(|f| {
            f.count > 0
                && accept(&f.kind)
                && f.target.as_ref().is_none_or(|id| id.owner() == service && id.name() == function)
        })?;
        faults[at].count -= 1;
        let kind = faults[at].kind.clone();
        if faults[at].count == 0 {
            faults.remove(at);
        }
        Some(kind)
    }
}

/// Bytes of log returned by `X-Fc-Log-Type: Tail`, by either door.
pub(crate) const LOG_TAIL: usize = 4096;

/// What reaches a function, by whichever door it came in.
pub(crate) enum Work {
    /// An event: the API's body, a trigger's event.
    Event(Bytes),
    /// An HTTP-trigger request, passed to the function as it came (its body streamed).
    Http(Box<WebRequest>),
}

/// What a function gave back: an event's result, or the head of its HTTP answer (the body streams after).
pub(crate) enum Output {
    Event(Bytes),
    Http(WebResponse),
}

/// How one execution ended: the result, or why not.
pub(crate) type Outcome = Result<Output, Failed>;

/// Why an execution gave no result.
#[derive(Debug)]
pub(crate) enum Failed {
    /// The function failed, reported as FC reports it: `Handled` or `Unhandled`.
    Function(FunctionErrorKind, Failure),
    /// Its answer is over FC's response limit of this many bytes (and was read no further).
    TooLarge(usize),
    /// It could not run at all, and FC answers for it: an instance that did not start (`CAFileNotFound`, …), a
    /// runtime `LocalFc` does not run.
    Platform(super::reply::Reject),
}

impl Failed {
    /// The failure a record or a log shows.
    pub(crate) fn failure(&self) -> Failure {
        match self {
            Failed::Function(_, failure) => failure.clone(),
            Failed::TooLarge(max) => {
                Failure::new("BadResponse", format!("the function's answer is over FC's {max} byte response limit"))
            }
            Failed::Platform(reject) => Failure::new(reject.code, reject.message.clone()),
        }
    }
}

pub(crate) struct Execution {
    pub outcome: Outcome,
    /// The invocation's log: whole once an event's execution returns; for an HTTP answer, once its body has ended
    /// and (from a process) its lines are copied ([`LogsCopied`](super::runtime::LogsCopied)).
    pub log: Arc<LogBuffer>,
    pub duration: Duration,
}

impl Execution {
    /// Keeps `held` (a concurrency slot) until the execution is over: now for an event; for an HTTP answer, until
    /// its body has ended or been dropped.
    pub(crate) fn hold(&mut self, held: Option<tokio::sync::OwnedSemaphorePermit>) {
        let Some(permit) = held else { return };
        if let Ok(Output::Http(response)) = &mut self.outcome {
            let body = std::mem::replace(response.body_mut(), crate::function::full(Bytes::new()));
            *response.body_mut() = Holding { inner: body, _held: permit }.boxed_unsync();
        }
    }
}

/// The whole of `body`, or `None` past `limit` bytes (or when it broke off): never more than `limit` bytes held.
pub(crate) async fn read_whole(mut body: crate::function::WebBody, limit: usize) -> Option<Bytes> {
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.ok()?.into_data() {
            if buf.len() + data.len() > limit {
                return None;
            }
            buf.extend_from_slice(&data);
        }
    }
    Some(buf.freeze())
}

/// A body that holds something until it ends or is dropped.
struct Holding<T> {
    inner: crate::function::WebBody,
    _held: T,
}

impl<T: Unpin> http_body::Body for Holding<T> {
    type Data = Bytes;
    type Error = crate::function::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        std::pin::Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// A runtime's failure as an execution reports it.
fn run_failed(failed: RunFailure) -> Failed {
    match failed {
        RunFailure::Function(failure) => Failed::Function(FunctionErrorKind::Unhandled, failure),
        RunFailure::TooLarge(max) => Failed::TooLarge(max),
        RunFailure::NotStarted(not) => Failed::Platform(super::reply::Reject::new(412, not.code, not.message)),
    }
}

/// Runs `function` once on `work`, in the context `ctx` describes (given the function's timeout and a fresh log
/// here), within the function's timeout: the whole run for an event, until the answer's head for an HTTP request.
///
/// When the function has an initializer, its instance is initialized first (once; again after a failure, which
/// fails the invocation as unhandled), within the same timeout.
///
/// How a failure is reported depends on what can be known, as in FC: in process, the function's own error is
/// `Handled` and a panic `Unhandled`; a custom runtime can only say that it failed (404 / `x-fc-status: 404`),
/// so every failure of one is `Unhandled`, with its `errorType` carried in the body either way. A timeout is
/// `Unhandled`, without an `errorType`. An HTTP request can only fail unhandled: the function answers it, or it
/// failed.
pub(crate) async fn execute(function: &Function, work: Work, ctx: ContextBuilder) -> Execution {
    function.tally.executions.fetch_add(1, Ordering::SeqCst);
    let log = Arc::new(LogBuffer::default());
    let timeout = function.config.timeout;
    let ctx = ctx.timeout(timeout).log_to(log.clone()).build();
    let request_id = ctx.request_id().to_owned();
    let sink = ctx.log_sink();
    let started = Instant::now();
    let initializer = function.config.initializer;
    let unhandled = |f| Failed::Function(FunctionErrorKind::Unhandled, f);
    let run = async {
        match (&function.host, work) {
            (Host::Router(host), work) => {
                if initializer {
                    host.initialize(&ctx).await.map_err(unhandled)?;
                }
                match work {
                    Work::Event(event) => {
                        host.router.serve(Call::Invoke, event, ctx).await.map(Output::Event).map_err(|failure| {
                            let kind = if failure.is_panic() {
                                FunctionErrorKind::Unhandled
                            } else {
                                FunctionErrorKind::Handled
                            };
                            Failed::Function(kind, failure)
                        })
                    }
                    Work::Http(request) => {
                        host.router.serve_web_outcome(*request, ctx).await.map(Output::Http).map_err(unhandled)
                    }
                }
            }
            (Host::Runtime(link), Work::Event(event)) => {
                link.invoke(event, &ctx, initializer).await.map(Output::Event).map_err(run_failed)
            }
            (Host::Runtime(link), Work::Http(request)) => {
                link.forward_http(*request, &ctx, initializer).await.map(Output::Http).map_err(run_failed)
            }
            (Host::Stored(runtime), _) => Err(Failed::Platform(super::reply::Reject::new(
                501,
                "RuntimeNotSupported",
                format!(
                    "LocalFc runs custom runtimes (custom, custom.debian10, custom.debian11, custom.debian12) and \
                     keeps functions of other runtimes without running them: this function's runtime is {runtime}"
                ),
            ))),
        }
    };
    let outcome = match tokio::time::timeout(timeout, run).await {
        Ok(outcome) => outcome,
        Err(_) => {
            let failure = Failure::new("", format!("Function timed out after {} seconds", timeout.as_secs_f64()));
            // The function never wrote its end: the platform does.
            sink.line(&failure.to_string());
            sink.line(&protocol::end_line(Call::Invoke, &request_id, true));
            Err(Failed::Function(FunctionErrorKind::Unhandled, failure))
        }
    };
    Execution { outcome, log, duration: started.elapsed() }
}
