//! Custom runtimes under `LocalFc`: a server reached over HTTP as FC reaches it (a process `LocalFc` starts
//! from a command, or an address it is given), run through FC's instance lifecycle (started, started again after
//! it exits, `/initialize` before its first invocation, `/pre-stop` then SIGTERM then SIGKILL when stopped), each
//! invocation forwarded by the custom-runtime protocol, and the runtime's output given line by line to the
//! invocation each line belongs to.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::Credentials;
use crate::function::protocol::{self, Call, Marker};
use crate::function::{Context, Failure, Lifecycle};

/// How long to wait, by default, for a started runtime to say where it listens.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stopping runtime gets, by default, for `/pre-stop` and then between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait, after the answer, for the runtime's end marker to reach its standard output.
const LOG_GRACE: Duration = Duration::from_millis(250);
/// How long to wait, after a failed request, for the runtime's exit to be seen.
const EXIT_GRACE: Duration = Duration::from_millis(250);

/// A custom-runtime server `LocalFc` forwards invocations to: a command it starts, or an address.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use fc_runtime::local::{CustomRuntime, LocalFc};
/// let fc = LocalFc::builder()
///     .custom_runtime("demo", ["greet", "echo"], CustomRuntime::command("target/debug/examples/function"))
///     .start()
///     .await?;
/// # Ok(()) }
/// ```
///
/// `Debug` shows the command, its arguments and the names of the environment variables given to it, not their
/// values (where a function's secrets go).
#[derive(Clone)]
pub struct CustomRuntime {
    pub(crate) target: Target,
    startup_timeout: Duration,
    stop_timeout: Duration,
}

#[derive(Clone)]
pub(crate) enum Target {
    Command { program: PathBuf, args: Vec<OsString>, env: Vec<(OsString, OsString)> },
    Address(SocketAddr),
}

impl fmt::Debug for CustomRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CustomRuntime");
        match &self.target {
            Target::Command { program, args, env } => {
                let names: Vec<_> = env.iter().map(|(k, _)| k).collect();
                d.field("program", program).field("args", args).field("env", &names)
            }
            Target::Address(addr) => d.field("address", addr),
        };
        d.field("startup_timeout", &self.startup_timeout).field("stop_timeout", &self.stop_timeout).finish()
    }
}

impl CustomRuntime {
    /// A process `LocalFc` starts when it starts, as FC starts a custom runtime: with `FC_CUSTOM_LISTEN_PORT=0`
    /// and `RUST_FC_LISTEN_HOST=127.0.0.1` (so it listens on a free loopback port, which it prints),
    /// `FC_ENDPOINT` set to `LocalFc`, `FC_REGION`, `FC_ACCOUNT_ID` and the role's credentials in
    /// `ALIBABA_CLOUD_*`. A process that exits is started again for the next invocation. Its standard output
    /// becomes the invocations' logs: each line in FC's log format goes to the invocation its request id names,
    /// and so do the lines between an invocation's markers while it is the only one running; a line without a
    /// request id printed while several invocations run belongs to none of them (it is traced at `debug`).
    pub fn command(program: impl Into<PathBuf>) -> Self {
        let target = Target::Command { program: program.into(), args: Vec::new(), env: Vec::new() };
        CustomRuntime { target, startup_timeout: DEFAULT_STARTUP_TIMEOUT, stop_timeout: DEFAULT_STOP_TIMEOUT }
    }

    /// An argument of the command.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        if let Target::Command { args, .. } = &mut self.target {
            args.push(arg.into());
        }
        self
    }

    /// An environment variable of the command.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        if let Target::Command { env, .. } = &mut self.target {
            env.push((key.into(), value.into()));
        }
        self
    }

    /// A server already listening at `addr` (its log is not seen; `LocalFc` neither starts nor stops it).
    pub fn address(addr: SocketAddr) -> Self {
        CustomRuntime {
            target: Target::Address(addr),
            startup_timeout: DEFAULT_STARTUP_TIMEOUT,
            stop_timeout: DEFAULT_STOP_TIMEOUT,
        }
    }

    /// How long a started command has to print where it listens before starting it counts as failed (default
    /// [`DEFAULT_STARTUP_TIMEOUT`], 10 s).
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }

    /// How long a stopping command gets for `/pre-stop`, and then to exit after SIGTERM before it is killed
    /// (default [`DEFAULT_STOP_TIMEOUT`], 3 s).
    pub fn stop_timeout(mut self, timeout: Duration) -> Self {
        self.stop_timeout = timeout;
        self
    }
}

/// The longest line kept from a runtime's output: the rest of a longer line is cut.
const MAX_LINE: usize = 16 * 1024;
/// The most of one invocation's output kept (its last part: a `Tail` shows the last 4 KB).
const MAX_INVOCATION_LOG: usize = 256 * 1024;
/// Invocations whose output is kept at once, open or ended but not yet taken.
const MAX_INVOCATIONS: usize = 1024;

/// Lines of a runtime's output, each at most [`MAX_LINE`] bytes, however long the runtime makes them.
pub(crate) struct LineReader<R> {
    inner: R,
    line: Vec<u8>,
}

impl<R: tokio::io::AsyncBufRead + Unpin> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader { inner, line: Vec::new() }
    }

    /// The next line (lossily UTF-8, without its newline), cut at [`MAX_LINE`]; `None` at the end.
    pub(crate) async fn next(&mut self) -> Option<String> {
        self.line.clear();
        let mut cut = false;
        loop {
            let available = match self.inner.fill_buf().await {
                Ok(available) => available,
                Err(_) => return None,
            };
            if available.is_empty() {
                return (!self.line.is_empty() || cut).then(|| self.finish(cut));
            }
            let (chunk, ended) = match available.iter().position(|b| *b == b'\n') {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            let room = MAX_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            cut |= chunk.len() > room;
            let used = ended.unwrap_or(available.len());
            self.inner.consume(used);
            if ended.is_some() {
                return Some(self.finish(cut));
            }
        }
    }

    fn finish(&mut self, cut: bool) -> String {
        let mut line = String::from_utf8_lossy(&self.line).into_owned();
        if line.ends_with('\r') {
            line.pop();
        }
        if cut {
            line.push_str(" …(line cut)");
        }
        line
    }
}

/// The lines a runtime printed, gathered per call (an invocation or a hook, by its request id) from its Start
/// marker to its End marker (both included), within bounds: [`MAX_INVOCATION_LOG`] bytes a call (its last part),
/// [`MAX_INVOCATIONS`] calls.
#[derive(Default)]
pub(crate) struct Logs {
    state: Mutex<LogState>,
    ended: tokio::sync::Notify,
}

#[derive(Default)]
struct LogState {
    open: HashMap<String, Lines>,
    done: HashMap<String, Lines>,
    sequence: u64,
}

/// One call's lines, with their size and when its Start marker came.
#[derive(Default)]
struct Lines {
    started: u64,
    request_id: String,
    lines: std::collections::VecDeque<String>,
    bytes: usize,
}

impl Lines {
    fn push(&mut self, line: String) {
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > MAX_INVOCATION_LOG {
            match self.lines.pop_front() {
                Some(old) => self.bytes -= old.len() + 1,
                None => break,
            }
        }
    }
}

/// Forgets the oldest entry once there are too many.
fn bound(map: &mut HashMap<String, Lines>) {
    if map.len() > MAX_INVOCATIONS
        && let Some(oldest) = map.iter().min_by_key(|(_, l)| l.started).map(|(id, _)| id.clone())
    {
        map.remove(&oldest);
    }
}

/// The key of one call's lines: the call's marker word and its request id (an invocation and the `/initialize`
/// it caused share the request id).
fn key(call: &str, request_id: &str) -> String {
    format!("{call} {request_id}")
}

impl Logs {
    fn line(&self, line: String) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match Marker::parse(&line) {
            Some(Marker::Start { call, request_id }) => {
                let key = key(call, request_id);
                state.sequence += 1;
                let mut lines =
                    Lines { started: state.sequence, request_id: request_id.to_owned(), ..Lines::default() };
                lines.push(line);
                state.open.insert(key, lines);
                bound(&mut state.open);
            }
            Some(Marker::End { call, request_id, .. }) => {
                let key = key(call, request_id);
                let mut lines = state.open.remove(&key).unwrap_or_default();
                lines.push(line);
                state.done.insert(key, lines);
                bound(&mut state.done);
                drop(state);
                self.ended.notify_waiters();
            }
            None => {
                // A line in FC's log format goes to the call its request id names; another line goes to the one
                // call running when it was printed, and to none when several were (it cannot be told whose).
                let owner = match protocol::line_request_id(&line) {
                    Some(id) => state.open.values_mut().find(|l| l.request_id == id),
                    None if state.open.len() == 1 => state.open.values_mut().next(),
                    None => None,
                };
                match owner {
                    Some(lines) => lines.push(line),
                    None => tracing::debug!(line, "a custom runtime's line that belongs to no single invocation"),
                }
            }
        }
    }

    /// The lines of `call` for `request_id`, once its end marker arrived (or after a short wait).
    async fn take(&self, call: Call, request_id: &str) -> Vec<String> {
        let key = key(call.marker(), request_id);
        let deadline = tokio::time::Instant::now() + LOG_GRACE;
        loop {
            let ended = self.ended.notified();
            if let Some(lines) = self.state.lock().unwrap_or_else(|p| p.into_inner()).done.remove(&key) {
                return lines.lines.into();
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let lines = state.done.remove(&key).or_else(|| state.open.remove(&key));
                return lines.map(|l| l.lines.into()).unwrap_or_default();
            }
        }
    }
}

/// What `LocalFc` gives every process it starts: where to call it back, the role, the account, the region.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub endpoint: String,
    pub role: Option<Credentials>,
    pub account_id: Option<String>,
    pub region: String,
}

/// The running instance of a runtime: where it listens, its process, whether it was initialized.
#[derive(Default)]
struct Instance {
    addr: Option<SocketAddr>,
    child: Option<tokio::process::Child>,
    initialized: bool,
}

/// A runtime as `LocalFc` uses it: its instance (started, restarted, initialized, stopped) and its log.
pub(crate) struct RuntimeLink {
    runtime: CustomRuntime,
    launch: OnceLock<Launch>,
    instance: tokio::sync::Mutex<Instance>,
    logs: Arc<Logs>,
    http: reqwest::Client,
    /// The client HTTP-trigger requests go through (any body, streamed both ways).
    web_client: OnceLock<
        hyper_util::client::legacy::Client<
            hyper_util::client::legacy::connect::HttpConnector,
            crate::function::WebBody,
        >,
    >,
}

/// A body that runs `done` once, when it has ended or is dropped.
/// In the extensions of a runtime's HTTP answer: turns `true` once the invocation's lines are in its log, which is
/// after the body has ended. A Tail waits for it.
#[derive(Clone)]
pub(crate) struct LogsCopied(pub(crate) tokio::sync::watch::Receiver<bool>);

impl LogsCopied {
    /// Waits until the lines are copied (or the copy was abandoned).
    pub(crate) async fn wait(mut self) {
        let _ = self.0.wait_for(|copied| *copied).await;
    }
}

struct LogWhenDone {
    inner: crate::function::WebBody,
    done: Option<Box<dyn FnOnce() + Send>>,
}

impl http_body::Body for LogWhenDone {
    type Data = Bytes;
    type Error = crate::function::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_frame(cx);
        if let std::task::Poll::Ready(None) = polled
            && let Some(done) = self.done.take()
        {
            done();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for LogWhenDone {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            done();
        }
    }
}

impl RuntimeLink {
    pub(crate) fn new(runtime: CustomRuntime) -> Self {
        let mut instance = Instance::default();
        if let Target::Address(a) = &runtime.target {
            instance.addr = Some(*a);
        }
        let http = reqwest::Client::builder().no_proxy().pool_idle_timeout(None).build().unwrap_or_default();
        RuntimeLink {
            runtime,
            launch: OnceLock::new(),
            instance: tokio::sync::Mutex::new(instance),
            logs: Arc::default(),
            http,
            web_client: OnceLock::new(),
        }
    }

    /// Remembers how to start the command, starts it and waits for its address.
    pub(crate) async fn start(&self, launch: Launch) -> Result<(), String> {
        let _ = self.launch.set(launch);
        let mut instance = self.instance.lock().await;
        if instance.addr.is_none() {
            self.spawn(&mut instance).await?;
        }
        Ok(())
    }

    fn program(&self) -> String {
        match &self.runtime.target {
            Target::Command { program, .. } => program.display().to_string(),
            Target::Address(addr) => addr.to_string(),
        }
    }

    /// Starts the command, waits for its address, and keeps reading its output into the log.
    async fn spawn(&self, instance: &mut Instance) -> Result<(), String> {
        let Target::Command { program, args, env } = &self.runtime.target else { return Ok(()) };
        let launch = self.launch.get().ok_or("LocalFc has not started")?;
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env("FC_CUSTOM_LISTEN_PORT", "0")
            .env(crate::function::LISTEN_HOST_VAR, "127.0.0.1")
            .env("FC_ENDPOINT", &launch.endpoint)
            .env("FC_REGION", &launch.region)
            .stdout(std::process::Stdio::piped())
            // Piped and copied, not inherited: a runtime that outlived this process must not hold its stderr.
            .stderr(std::process::Stdio::piped())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(account) = &launch.account_id {
            command.env("FC_ACCOUNT_ID", account);
        }
        if let Some(role) = &launch.role {
            command
                .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &role.access_key_id)
                .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", role.access_key_secret.expose());
            match &role.security_token {
                Some(t) => command.env("ALIBABA_CLOUD_SECURITY_TOKEN", t.expose()),
                None => command.env_remove("ALIBABA_CLOUD_SECURITY_TOKEN"),
            };
        }
        command.envs(env.iter().map(|(k, v)| (k, v)));
        let mut child = command.spawn().map_err(|e| format!("could not start {}: {e}", program.display()))?;
        let stdout = child.stdout.take().ok_or("no standard output")?;
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                let mut lines = LineReader::new(BufReader::new(stderr));
                while let Some(line) = lines.next().await {
                    eprintln!("{line}");
                }
            });
        }
        let mut lines = LineReader::new(BufReader::new(stdout));
        let wait = self.runtime.startup_timeout;
        let listening = tokio::time::timeout(wait, async {
            while let Some(line) = lines.next().await {
                if let Some(addr) = protocol::parse_listening(&line) {
                    return Some(addr);
                }
            }
            None
        })
        .await;
        let addr = match listening {
            Ok(Some(addr)) => addr,
            Ok(None) => {
                let status = child.wait().await.map_or_else(|e| e.to_string(), describe);
                return Err(format!("{} exited before it said where it listens ({status})", program.display()));
            }
            Err(_) => {
                return Err(format!(
                    "{} did not print where it listens (`… listening on ADDR`) within {wait:?}; \
                     CustomRuntime::startup_timeout sets the wait",
                    program.display()
                ));
            }
        };
        let logs = self.logs.clone();
        tokio::spawn(async move {
            while let Some(line) = lines.next().await {
                logs.line(line);
            }
        });
        *instance = Instance { addr: Some(addr), child: Some(child), initialized: false };
        Ok(())
    }

    /// The instance's address, started again when its process exited, and initialized first when `initialize`
    /// is asked for (the hook's lines going to `ctx`'s log): what FC does before it forwards an invocation.
    async fn ready(&self, ctx: &Context, initialize: bool) -> Result<SocketAddr, Failure> {
        let mut instance = self.instance.lock().await;
        if let Some(child) = instance.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            tracing::warn!(runtime = %self.program(), status = %describe(status), "the custom runtime exited; starting it again");
            *instance = Instance::default();
        }
        if instance.addr.is_none() {
            self.spawn(&mut instance)
                .await
                .map_err(|reason| Failure::new("", format!("the custom runtime could not be started: {reason}")))?;
        }
        let addr = instance.addr.expect("started above");
        if initialize && !instance.initialized {
            self.call(addr, Call::Hook(Lifecycle::Initialize), Bytes::new(), ctx).await?;
            instance.initialized = true;
        }
        Ok(addr)
    }

    /// Forwards one invocation as FC does: the instance made ready (started, initialized when `initialize`),
    /// `POST /invoke` with the event and the headers that describe `ctx`, the answer read by the protocol's status
    /// rule, and the runtime's lines for this invocation copied into the invocation's log.
    pub(crate) async fn invoke(&self, event: Bytes, ctx: &Context, initialize: bool) -> Result<Bytes, Failure> {
        let addr = self.ready(ctx, initialize).await?;
        self.call(addr, Call::Invoke, event, ctx).await
    }

    /// Passes an HTTP trigger's request to the runtime as FC does (the request as it came, with FC's `x-fc-*`
    /// headers describing `ctx` and `x-fc-control-path: /http-invoke`), the instance made ready first. The answer
    /// comes back as it streams; when it has ended, the runtime's lines for it are copied into `ctx`'s log.
    pub(crate) async fn forward_http(
        self: &Arc<Self>,
        request: crate::function::WebRequest,
        ctx: &Context,
        initialize: bool,
    ) -> Result<crate::function::WebResponse, Failure> {
        use http_body_util::BodyExt as _;
        let addr = self.ready(ctx, initialize).await?;
        let (mut parts, body) = request.into_parts();
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        parts.uri =
            format!("http://{addr}{path}").parse().map_err(|e| Failure::new("", format!("bad request path: {e}")))?;
        for (name, value) in protocol::request_headers(ctx, Call::Invoke) {
            if let Some(name) = name
                && name != http::header::CONTENT_TYPE
            {
                parts.headers.insert(name, value);
            }
        }
        parts.headers.insert(protocol::header::CONTROL_PATH, http::HeaderValue::from_static(protocol::HTTP_INVOKE));
        let client = self.web_client.get_or_init(|| {
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http()
        });
        let response = match client.request(http::Request::from_parts(parts, body)).await {
            Ok(response) => response,
            Err(e) => return Err(self.lost_http(e.to_string()).await),
        };
        let (parts, body) = response.into_parts();
        // The lines are taken when the body has ended (or was dropped): a streamed answer is not waited for.
        let (link, sink, request_id) = (self.clone(), ctx.log_sink(), ctx.request_id().to_owned());
        let (copied, logs) = tokio::sync::watch::channel(false);
        let body = LogWhenDone {
            inner: body.map_err(Into::into).boxed_unsync(),
            done: Some(Box::new(move || {
                tokio::spawn(async move {
                    for line in link.logs.take(Call::Invoke, &request_id).await {
                        sink.line(&line);
                    }
                    let _ = copied.send(true);
                });
            })),
        };
        let mut response = http::Response::from_parts(parts, body.boxed_unsync());
        response.extensions_mut().insert(LogsCopied(logs));
        Ok(response)
    }

    /// [`lost`](Self::lost) for the HTTP client's error.
    async fn lost_http(&self, error: String) -> Failure {
        let mut instance = self.instance.lock().await;
        if let Some(child) = instance.child.as_mut()
            && let Ok(Some(status)) = child.try_wait()
        {
            *instance = Instance::default();
            return Failure::new(
                "",
                format!("Process exited unexpectedly before completing request ({})", describe(status)),
            );
        }
        Failure::new("", format!("Process exited unexpectedly before completing request (the custom runtime: {error})"))
    }

    /// One call to the runtime at `addr`, its lines copied into `ctx`'s log.
    async fn call(&self, addr: SocketAddr, call: Call, body: Bytes, ctx: &Context) -> Result<Bytes, Failure> {
        let sent = self
            .http
            .request(call.method(), format!("http://{addr}{}", call.path()))
            .headers(protocol::request_headers(ctx, call))
            .body(body)
            .send()
            .await;
        let outcome = match sent {
            Err(e) => Err(self.lost(e).await),
            Ok(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                match response.bytes().await {
                    Err(e) => Err(self.lost(e).await),
                    Ok(body) => protocol::answer(status, &headers, body),
                }
            }
        };
        let lines = self.logs.take(call, ctx.request_id()).await;
        if lines.is_empty() {
            // A runtime whose output is not seen (an address), or one that died: the platform's own markers.
            ctx.log_sink().line(&protocol::start_line(call, ctx.request_id()));
            if let Err(failure) = &outcome {
                ctx.log_sink().line(&failure.to_string());
            }
            ctx.log_sink().line(&protocol::end_line(call, ctx.request_id(), outcome.is_err()));
        }
        for line in lines {
            ctx.log_sink().line(&line);
        }
        outcome
    }

    /// The failure of a request the runtime did not answer: FC's words, with the exit status when the process
    /// exited (it is started again for the next invocation).
    async fn lost(&self, e: reqwest::Error) -> Failure {
        let e = e.without_url();
        let mut instance = self.instance.lock().await;
        let mut exited = None;
        if let Some(child) = instance.child.as_mut() {
            let deadline = tokio::time::Instant::now() + EXIT_GRACE;
            exited = loop {
                match child.try_wait() {
                    Ok(Some(status)) => break Some(status),
                    Ok(None) if tokio::time::Instant::now() < deadline => {
                        tokio::time::sleep(Duration::from_millis(10)).await
                    }
                    _ => break None,
                }
            };
        }
        let why = match exited {
            Some(status) => {
                tracing::warn!(runtime = %self.program(), status = %describe(status), "the custom runtime exited during a request");
                *instance = Instance::default();
                describe(status)
            }
            None => format!("the custom runtime: {e}"),
        };
        Failure::new("", format!("Process exited unexpectedly before completing request ({why})"))
    }

    /// Stops the instance as FC does: `/pre-stop` when `pre_stop` names its context, then SIGTERM, then SIGKILL
    /// after the stop timeout. Returns how the process ended (`None` for an address, or a runtime not running).
    pub(crate) async fn stop(&self, pre_stop: Option<Context>) -> Option<ExitStatus> {
        let mut instance = self.instance.lock().await;
        if let (Some(ctx), Some(addr)) = (pre_stop, instance.addr) {
            let hook = self.call(addr, Call::Hook(Lifecycle::PreStop), Bytes::new(), &ctx);
            match tokio::time::timeout(self.runtime.stop_timeout, hook).await {
                Ok(Ok(_)) => {}
                Ok(Err(failure)) => tracing::warn!(%failure, "the custom runtime's pre-stop hook failed"),
                Err(_) => {
                    tracing::warn!(timeout = ?self.runtime.stop_timeout, "the custom runtime's pre-stop hook timed out")
                }
            }
            for line in ctx.logged_lines() {
                tracing::info!(line, "pre-stop");
            }
        }
        let mut child = instance.child.take()?;
        *instance = Instance::default();
        let status = terminate(&mut child, self.runtime.stop_timeout).await;
        if let Some(status) = status {
            tracing::info!(runtime = %self.program(), status = %describe(status), "the custom runtime stopped");
        }
        status
    }
}

impl RuntimeLink {
    /// Kills the process at once, if it can be reached without waiting (what dropping `LocalFc` does).
    pub(crate) fn kill_now(&self) {
        if let Ok(mut instance) = self.instance.try_lock()
            && let Some(child) = instance.child.as_mut()
        {
            let _ = child.start_kill();
        }
    }
}

/// SIGTERM, then SIGKILL once `grace` has passed.
async fn terminate(child: &mut tokio::process::Child, grace: Duration) -> Option<ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|id| libc::pid_t::try_from(id).ok()) {
        // SAFETY: `kill` has no memory effects; the pid is this process's own child, not yet reaped (a reaped
        // child's `id()` is `None`).
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        if let Ok(Ok(status)) = tokio::time::timeout(grace, child.wait()).await {
            return Some(status);
        }
    }
    let _ = child.kill().await;
    child.wait().await.ok()
}

/// An exit status in words: `exit status: 3`, `signal: 9 (SIGKILL)`.
fn describe(status: ExitStatus) -> String {
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_are_cut_at_the_cap_and_the_next_line_is_whole() {
        let long = "x".repeat(MAX_LINE * 3);
        let text = format!("first\r\n{long}\nlast");
        let mut reader = LineReader::new(BufReader::with_capacity(64, text.as_bytes()));
        assert_eq!(reader.next().await.as_deref(), Some("first"));
        let cut = reader.next().await.unwrap();
        assert!(cut.len() < MAX_LINE + 32 && cut.ends_with("…(line cut)"), "{}", cut.len());
        assert_eq!(reader.next().await.as_deref(), Some("last"));
        assert_eq!(reader.next().await, None);
    }

    #[tokio::test]
    async fn each_line_goes_to_the_invocation_it_names_and_an_anonymous_one_only_when_there_is_no_doubt() {
        let logs = Logs::default();
        logs.line(protocol::start_line(Call::Invoke, "a"));
        logs.line("alone in a".to_owned());
        logs.line(protocol::start_line(Call::Invoke, "b"));
        logs.line("2026-12-03T08:15:30.123Z b [INFO] mine is b".to_owned());
        logs.line("2026-12-03T08:15:30.124Z a [INFO] mine is a".to_owned());
        logs.line("whose is this".to_owned());
        logs.line("2026-12-03T08:15:30.125Z c [INFO] nobody open is c".to_owned());
        logs.line(protocol::end_line(Call::Invoke, "a", false));
        logs.line("2026-12-03T08:15:30.126Z b [WARN] still b".to_owned());
        logs.line(protocol::end_line(Call::Invoke, "b", true));
        let a = logs.take(Call::Invoke, "a").await;
        let b = logs.take(Call::Invoke, "b").await;
        assert_eq!(a.len(), 4, "{a:?}");
        assert!(a[1] == "alone in a" && a[2].ends_with("mine is a"), "{a:?}");
        assert_eq!(b.len(), 4, "{b:?}");
        assert!(b[1].ends_with("mine is b") && b[2].ends_with("still b"), "{b:?}");
        // An initialization and its invocation share a request id, not their lines.
        logs.line(protocol::start_line(Call::Hook(Lifecycle::Initialize), "c"));
        logs.line("2026-12-03T08:15:30.127Z c [INFO] warming up".to_owned());
        logs.line(protocol::end_line(Call::Hook(Lifecycle::Initialize), "c", false));
        assert_eq!(logs.take(Call::Hook(Lifecycle::Initialize), "c").await.len(), 3);
    }

    #[test]
    fn debug_shows_no_environment_value() {
        let runtime = CustomRuntime::command("bootstrap").arg("--serve").env("DB_PASSWORD", "hunter2-secret");
        let shown = format!("{runtime:?}");
        assert!(shown.contains("DB_PASSWORD") && shown.contains("--serve"), "{shown}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
    }

    #[test]
    fn an_invocations_log_keeps_its_last_part_within_the_cap() {
        let logs = Logs::default();
        logs.line("FC Invoke Start RequestId: r".to_owned());
        for i in 0..(MAX_INVOCATION_LOG / 100) * 2 {
            logs.line(format!("{i:0>99}"));
        }
        let state = logs.state.lock().unwrap();
        let open = &state.open[&key("Invoke", "r")];
        assert!(open.bytes <= MAX_INVOCATION_LOG, "{}", open.bytes);
        assert!(open.lines.back().unwrap().ends_with(&((MAX_INVOCATION_LOG / 100) * 2 - 1).to_string()));
    }
}
