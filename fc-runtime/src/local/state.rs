//! What a running `LocalFc` holds: its services and functions, the code that serves each function (a router in
//! process or a custom runtime over HTTP), and one execution of a function.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
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

/// The code behind a function: the only two ways `LocalFc` hosts one, each one instance.
#[derive(Clone)]
pub(crate) enum Host {
    /// A router, run in process.
    Router(Arc<RouterHost>),
    /// A custom-runtime server, reached over HTTP as FC reaches it.
    Runtime(Arc<RuntimeLink>),
}

impl Host {
    /// Whether two hosts are the same instance (the functions of one router or one runtime share it).
    pub(crate) fn same(&self, other: &Host) -> bool {
        match (self, other) {
            (Host::Router(a), Host::Router(b)) => Arc::ptr_eq(a, b),
            (Host::Runtime(a), Host::Runtime(b)) => Arc::ptr_eq(a, b),
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

pub(crate) struct Function {
    pub host: Host,
    pub config: FunctionConfig,
    /// The invocations it may run at once, when limited.
    pub slots: Option<Arc<tokio::sync::Semaphore>>,
    pub executions: AtomicU64,
    pub received: AtomicU64,
    /// Async invocations accepted and not finished.
    pub async_in_flight: std::sync::atomic::AtomicUsize,
    pub instance_id: String,
    pub code_checksum: String,
}

impl Function {
    /// A hosted function whose instance id and code checksum derive from where it lives (its service, or FC 3.0's
    /// internal one) and its name, so that every function has its own.
    pub(crate) fn new(service: &str, function: &str, config: FunctionConfig, host: Host, seed: u64) -> Self {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        (service, function).hash(&mut h);
        let code = h.finish();
        let slots = config.concurrency.map(|max| Arc::new(tokio::sync::Semaphore::new(max)));
        Function {
            host,
            config,
            slots,
            executions: AtomicU64::new(0),
            received: AtomicU64::new(0),
            async_in_flight: Default::default(),
            instance_id: format!("c-{:016x}", code ^ seed),
            code_checksum: code.to_string(),
        }
    }
}

#[derive(Default)]
pub(crate) struct Service {
    pub versions: u32,
    pub aliases: HashMap<String, String>,
    pub functions: HashMap<String, Arc<Function>>,
}

pub(crate) struct State {
    pub auth: auth::AuthConfig,
    /// The region hosted functions are told they run in.
    pub region: String,
    /// What hosted functions get as their role's credentials, derived once from `auth`.
    pub role: Option<Credentials>,
    /// `http://127.0.0.1:{port}`: where a hosted function's `ctx.client()` calls.
    pub endpoint: String,
    pub limits: Limits,
    pub services: HashMap<String, Service>,
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
}

impl State {
    /// A fresh, unique, uuid-shaped request id.
    pub(crate) fn request_id(&self) -> String {
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

    pub(crate) fn function(&self, service: &str, function: &str) -> Option<&Arc<Function>> {
        self.services.get(service)?.functions.get(function)
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
}

impl Failed {
    /// The failure a record or a log shows.
    pub(crate) fn failure(&self) -> Failure {
        match self {
            Failed::Function(_, failure) => failure.clone(),
            Failed::TooLarge(max) => {
                Failure::new("BadResponse", format!("the function's answer is over FC's {max} byte response limit"))
            }
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
    function.executions.fetch_add(1, Ordering::SeqCst);
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
                link.invoke(event, &ctx, initializer).await.map(Output::Event).map_err(|failed| match failed {
                    RunFailure::Function(failure) => unhandled(failure),
                    RunFailure::TooLarge(max) => Failed::TooLarge(max),
                })
            }
            (Host::Runtime(link), Work::Http(request)) => {
                link.forward_http(*request, &ctx, initializer).await.map(Output::Http).map_err(unhandled)
            }
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
