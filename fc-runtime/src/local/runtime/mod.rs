//! Custom runtimes under `LocalFc`: a server reached over HTTP as FC reaches it (a process `LocalFc` starts
//! from a command, or an address it is given), run through FC's instance lifecycle (started, started again after
//! it exits, `/initialize` before its first invocation, `/pre-stop` then SIGTERM then SIGKILL when stopped), each
//! invocation forwarded by the custom-runtime protocol, and the runtime's output given line by line to the
//! invocation each line belongs to.

use std::ffi::OsString;
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitStatus;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::BufReader;

mod http;
mod log;

pub(crate) use http::LogsCopied;
pub(crate) use log::{LineReader, Logs};

use crate::Credentials;
use crate::function::protocol::{self, Call};
use crate::function::{Context, Failure, Lifecycle};

/// How long to wait, by default, for a started runtime to say where it listens.
pub const DEFAULT_STARTUP_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a stopping runtime gets, by default, for `/pre-stop` and then between SIGTERM and SIGKILL.
pub const DEFAULT_STOP_TIMEOUT: Duration = Duration::from_secs(3);
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
    Command { program: PathBuf, args: Vec<OsString>, env: Vec<(OsString, OsString)>, dir: Option<PathBuf> },
    Address(SocketAddr),
}

impl fmt::Debug for CustomRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("CustomRuntime");
        match &self.target {
            Target::Command { program, args, env, dir } => {
                let names: Vec<_> = env.iter().map(|(k, _)| k).collect();
                d.field("program", program).field("args", args).field("env", &names).field("dir", dir)
            }
            Target::Address(addr) => d.field("address", addr),
        };
        d.field("startup_timeout", &self.startup_timeout).field("stop_timeout", &self.stop_timeout).finish()
    }
}

impl CustomRuntime {
    /// A process `LocalFc` starts when it starts, as FC starts a custom runtime: in a process group of its own,
    /// with a free loopback port in `FC_CUSTOM_LISTEN_PORT` and `FC_SERVER_PORT`, `RUST_FC_LISTEN_HOST=127.0.0.1`,
    /// `FC_ENDPOINT` set to `LocalFc`, `FC_REGION`, `FC_ACCOUNT_ID` and the role's credentials in
    /// `ALIBABA_CLOUD_*`. It is ready when that port accepts connections, as FC's health check decides (or when it
    /// prints where it listens, as this crate's runtimes do). A process that exits is started again for the next
    /// invocation; a stopped one is stopped with its whole group. Its standard output
    /// becomes the invocations' logs: each line in FC's log format goes to the invocation its request id names,
    /// and so do the lines between an invocation's markers while it is the only one running; a line without a
    /// request id printed while several invocations run belongs to none of them (it is traced at `debug`).
    pub fn command(program: impl Into<PathBuf>) -> Self {
        let target = Target::Command { program: program.into(), args: Vec::new(), env: Vec::new(), dir: None };
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

    /// The directory the command runs in (default: `LocalFc`'s own).
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        if let Target::Command { dir: current, .. } = &mut self.target {
            *current = Some(dir.into());
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

    /// How long a started command has to listen before starting it counts as failed (default
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

/// What `LocalFc` gives every process it starts: where to call it back, the role, the account, the region, and
/// the largest answer it reads from a runtime.
#[derive(Debug, Clone)]
pub(crate) struct Launch {
    pub endpoint: String,
    pub role: Option<Credentials>,
    pub account_id: Option<String>,
    pub region: String,
    pub max_response: usize,
}

/// A started process, the leader of its own process group (so that a `bootstrap` script and whatever it started
/// are stopped together), and its exit once a task that owns it has seen it.
struct Process {
    pid: u32,
    exited: tokio::sync::watch::Receiver<Option<ExitStatus>>,
}

impl Process {
    /// How it ended, if it has.
    fn exit_status(&self) -> Option<ExitStatus> {
        *self.exited.borrow()
    }

    /// Its exit, waited for at most `within`.
    async fn wait_exit(&self, within: Duration) -> Option<ExitStatus> {
        let mut exited = self.exited.clone();
        let waited = tokio::time::timeout(within, exited.wait_for(Option::is_some)).await;
        waited.ok().and_then(|seen| seen.ok().and_then(|status| *status))
    }

    /// Sends `signal` to its whole group.
    fn signal_group(&self, signal: i32) {
        signal_group(self.pid, signal);
    }
}

/// Sends `signal` to the process group `pid` leads.
fn signal_group(pid: u32, signal: i32) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: `kill` has no memory effects. The group is one this runtime started; its leader is reaped only
        // by the task that waits for it, and a group id is not reused while any process of the group lives.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
    #[cfg(not(unix))]
    let _ = (pid, signal);
}

/// The running instance of a runtime: where it listens, its process, whether it was initialized, and which start
/// of the runtime it is (a failure seen by a call only resets the instance it happened to).
#[derive(Default)]
struct Instance {
    addr: Option<SocketAddr>,
    process: Option<Arc<Process>>,
    initialized: bool,
    generation: u64,
}

/// A runtime as `LocalFc` uses it: its instance (started, restarted, initialized, stopped) and its log.
///
/// The instance's lock is only held to read or replace the instance, never across a request to the runtime, so
/// that a request failing because the process died (which looks at the instance) cannot wait on a request in
/// flight (an `/initialize` or a `/pre-stop` the process died in).
pub(crate) struct RuntimeLink {
    runtime: CustomRuntime,
    launch: OnceLock<Launch>,
    instance: tokio::sync::Mutex<Instance>,
    /// Held while the instance is initialized, so that one `/initialize` runs at a time.
    initializing: tokio::sync::Mutex<()>,
    /// The running process's group, for a stop that cannot wait (dropping `LocalFc`).
    group: std::sync::Mutex<Option<u32>>,
    starts: std::sync::atomic::AtomicU64,
    /// Set by `stop`: the instance was replaced or deleted, and is never started again.
    retired: std::sync::atomic::AtomicBool,
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

impl RuntimeLink {
    pub(crate) fn new(runtime: CustomRuntime) -> Self {
        let http = reqwest::Client::builder().no_proxy().pool_idle_timeout(None).build().unwrap_or_default();
        RuntimeLink {
            runtime,
            launch: OnceLock::new(),
            instance: tokio::sync::Mutex::new(Instance::default()),
            initializing: tokio::sync::Mutex::new(()),
            group: std::sync::Mutex::new(None),
            starts: Default::default(),
            retired: Default::default(),
            logs: Arc::default(),
            http,
            web_client: OnceLock::new(),
        }
    }

    /// An instance not started yet: a runtime given as an address is always there.
    fn fresh(&self) -> Instance {
        let addr = match &self.runtime.target {
            Target::Address(addr) => Some(*addr),
            Target::Command { .. } => None,
        };
        Instance { addr, ..Instance::default() }
    }

    fn set_group(&self, pid: Option<u32>) {
        *self.group.lock().unwrap_or_else(|p| p.into_inner()) = pid;
    }

    /// Remembers how to start the command, starts it and waits until it listens.
    pub(crate) async fn start(&self, launch: Launch) -> Result<(), String> {
        let _ = self.launch.set(launch);
        let mut instance = self.instance.lock().await;
        if instance.addr.is_none() {
            *instance = self.fresh();
        }
        if instance.addr.is_none() {
            self.spawn(&mut instance).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Remembers how to start the command without starting it: the first invocation starts it (FC's cold start).
    pub(crate) fn prepare(&self, launch: Launch) {
        let _ = self.launch.set(launch);
    }

    fn program(&self) -> String {
        match &self.runtime.target {
            Target::Command { program, .. } => program.display().to_string(),
            Target::Address(addr) => addr.to_string(),
        }
    }

    /// Starts the command as FC starts a custom runtime — its own process group, a free loopback port in
    /// `FC_CUSTOM_LISTEN_PORT` and `FC_SERVER_PORT` — and waits until it is ready as FC's health check decides:
    /// its port accepts connections (or it printed where it listens, as this crate's runtimes do). Its output
    /// goes to the log from the first line on.
    async fn spawn(&self, instance: &mut Instance) -> Result<(), NotStarted> {
        let Target::Command { program, args, env, dir } = &self.runtime.target else { return Ok(()) };
        let internal = |message: String| NotStarted { code: "InternalServerError", message };
        let launch = self.launch.get().ok_or_else(|| internal("LocalFc has not started".to_owned()))?;
        let port = free_port().map_err(|e| internal(format!("no free port for {}: {e}", program.display())))?;
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env("FC_CUSTOM_LISTEN_PORT", port.to_string())
            .env("FC_SERVER_PORT", port.to_string())
            .env(crate::function::LISTEN_HOST_VAR, "127.0.0.1")
            .env("FC_ENDPOINT", &launch.endpoint)
            .env("FC_REGION", &launch.region)
            .stdout(std::process::Stdio::piped())
            // Piped and copied, not inherited: a runtime that outlived this process must not hold its stderr.
            .stderr(std::process::Stdio::piped())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        #[cfg(unix)]
        command.process_group(0);
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
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
        let mut child = command.spawn().map_err(|e| NotStarted::spawn(program, &e))?;
        let exited_at_once =
            || NotStarted { code: "CAExited", message: format!("{} exited at once", program.display()) };
        let pid = child.id().ok_or_else(exited_at_once)?;
        let stdout = child.stdout.take().ok_or_else(|| internal("no standard output".to_owned()))?;
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(async move {
                use std::io::Write as _;
                let mut lines = LineReader::new(BufReader::new(stderr));
                while let Some(line) = lines.next().await {
                    // A closed stderr loses the line, not LocalFc.
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                }
            });
        }
        let (exit_tx, exited) = tokio::sync::watch::channel(None);
        tokio::spawn(async move {
            let status = child.wait().await.ok();
            let _ = exit_tx.send(status);
        });
        let process = Arc::new(Process { pid, exited });
        self.set_group(Some(pid));
        let (listening_tx, mut listening) = tokio::sync::watch::channel(None);
        let logs = self.logs.clone();
        tokio::spawn(async move {
            let mut lines = LineReader::new(BufReader::new(stdout));
            while let Some(line) = lines.next().await {
                if let Some(addr) = protocol::parse_listening(&line) {
                    let _ = listening_tx.send(Some(addr));
                }
                logs.line(line);
            }
        });
        let wait = self.runtime.startup_timeout;
        let deadline = tokio::time::Instant::now() + wait;
        let mut exited = process.exited.clone();
        let addr = loop {
            if let Some(addr) = *listening.borrow() {
                break addr;
            }
            if let Some(status) = process.exit_status() {
                self.set_group(None);
                return Err(NotStarted {
                    code: "CAExited",
                    message: format!("{} exited before it listened ({})", program.display(), describe(status)),
                });
            }
            let local = SocketAddr::from(([127, 0, 0, 1], port));
            if tokio::net::TcpStream::connect(local).await.is_ok() {
                break local;
            }
            if tokio::time::Instant::now() >= deadline {
                process.signal_group(SIGKILL);
                self.set_group(None);
                return Err(NotStarted {
                    code: "FunctionNotStarted",
                    message: format!(
                        "{} did not listen on port {port} (FC_CUSTOM_LISTEN_PORT, FC_SERVER_PORT) nor print where it \
                         listens (`… listening on ADDR`) within {wait:?}; CustomRuntime::startup_timeout sets the wait",
                        program.display()
                    ),
                });
            }
            tokio::select! {
                _ = listening.changed() => {}
                _ = exited.changed() => {}
                _ = tokio::time::sleep(READY_POLL) => {}
            }
        };
        let generation = self.starts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        *instance = Instance { addr: Some(addr), process: Some(process), initialized: false, generation };
        Ok(())
    }

    /// The instance's address, started again when its process exited, and initialized first when `initialize`
    /// is asked for (the hook's lines going to `ctx`'s log): what FC does before it forwards an invocation.
    async fn ready(&self, ctx: &Context, initialize: bool) -> Result<SocketAddr, RunFailure> {
        if self.retired.load(std::sync::atomic::Ordering::SeqCst) {
            // An invocation that found this instance before it was replaced (a pending async retry, say): never
            // started again, where nothing would stop it.
            return Err(RunFailure::NotStarted(NotStarted {
                code: "InstanceStopped",
                message: "the function's instance was replaced or deleted; invoke it again".to_owned(),
            }));
        }
        loop {
            let (addr, generation, initialized) = {
                let mut instance = self.instance.lock().await;
                if let Some(status) = instance.process.as_ref().and_then(|p| p.exit_status()) {
                    tracing::warn!(runtime = %self.program(), status = %describe(status), "the custom runtime exited; starting it again");
                    *instance = self.fresh();
                    self.set_group(None);
                }
                if instance.addr.is_none() {
                    // Checked again under the lock `stop` takes after retiring, so that no process starts behind it.
                    if self.retired.load(std::sync::atomic::Ordering::SeqCst) {
                        return Err(RunFailure::NotStarted(NotStarted {
                            code: "InstanceStopped",
                            message: "the function's instance was replaced or deleted; invoke it again".to_owned(),
                        }));
                    }
                    self.spawn(&mut instance).await.map_err(RunFailure::NotStarted)?;
                }
                (instance.addr.expect("started above"), instance.generation, instance.initialized)
            };
            if !initialize || initialized {
                return Ok(addr);
            }
            let _one_at_a_time = self.initializing.lock().await;
            let current = {
                let instance = self.instance.lock().await;
                (instance.generation == generation).then_some(instance.initialized)
            };
            match current {
                // Initialized by another call while this one waited.
                Some(true) => return Ok(addr),
                Some(false) => {
                    // No lock on the instance while the runtime runs its initializer (in which it may die).
                    self.call(addr, Call::Hook(Lifecycle::Initialize), Bytes::new(), ctx)
                        .await
                        .map_err(|failed| RunFailure::Function(failed.into_failure()))?;
                    let mut instance = self.instance.lock().await;
                    if instance.generation == generation {
                        instance.initialized = true;
                    }
                    return Ok(addr);
                }
                // The instance this call saw is gone (it died, perhaps in another call's initializer): start over.
                None => continue,
            }
        }
    }

    /// Forwards one invocation as FC does: the instance made ready (started, initialized when `initialize`),
    /// `POST /invoke` with the event and the headers that describe `ctx`, the answer read by the protocol's status
    /// rule, and the runtime's lines for this invocation copied into the invocation's log.
    pub(crate) async fn invoke(&self, event: Bytes, ctx: &Context, initialize: bool) -> Result<Bytes, RunFailure> {
        let addr = self.ready(ctx, initialize).await?;
        self.call(addr, Call::Invoke, event, ctx).await
    }

    /// One call to the runtime at `addr`, its answer read up to FC's response limit, its lines copied into
    /// `ctx`'s log.
    async fn call(&self, addr: SocketAddr, call: Call, body: Bytes, ctx: &Context) -> Result<Bytes, RunFailure> {
        let max = self.launch.get().map_or(usize::MAX, |l| l.max_response);
        self.logs.begin(call, ctx.request_id());
        let sent = self
            .http
            .request(call.method(), format!("http://{addr}{}", call.path()))
            .headers(protocol::request_headers(ctx, call))
            .body(body)
            .send()
            .await;
        let outcome = match sent {
            Err(e) => Err(RunFailure::Function(self.lost(e.without_url().to_string()).await)),
            Ok(mut response) => {
                let (status, headers) = (response.status(), std::mem::take(response.headers_mut()));
                match read_bounded(&mut response, max).await {
                    Err(Read::Broke(e)) => Err(RunFailure::Function(self.lost(e).await)),
                    Err(Read::TooLarge) => Err(RunFailure::TooLarge(max)),
                    Ok(body) => protocol::answer(status, &headers, body).map_err(RunFailure::Function),
                }
            }
        };
        let lines = self.logs.take(call, ctx.request_id()).await;
        let marked =
            lines.first().is_some_and(|l| matches!(protocol::Marker::parse(l), Some(protocol::Marker::Start { .. })));
        if marked {
            for line in lines {
                ctx.log_sink().line(&line);
            }
        } else {
            // A runtime that prints no markers, or whose output is not seen (an address), or that died: its lines
            // (if any) between the platform's own markers.
            ctx.log_sink().line(&protocol::start_line(call, ctx.request_id()));
            for line in lines {
                ctx.log_sink().line(&line);
            }
            if let Err(failure) = &outcome {
                ctx.log_sink().line(&failure.to_string());
            }
            ctx.log_sink().line(&protocol::end_line(call, ctx.request_id(), outcome.is_err()));
        }
        outcome
    }

    /// The failure of a request the runtime did not answer: FC's words, with the exit status when the process
    /// exited (it is started again for the next invocation). Waits at most [`EXIT_GRACE`] for the exit, holding
    /// no lock meanwhile.
    async fn lost(&self, error: String) -> Failure {
        let process = self.instance.lock().await.process.clone();
        let exited = match &process {
            Some(process) => process.wait_exit(EXIT_GRACE).await,
            None => None,
        };
        let why = match exited {
            Some(status) => {
                tracing::warn!(runtime = %self.program(), status = %describe(status), "the custom runtime exited during a request");
                let mut instance = self.instance.lock().await;
                if instance.process.as_ref().is_some_and(|p| process.as_ref().is_some_and(|q| Arc::ptr_eq(p, q))) {
                    *instance = self.fresh();
                    self.set_group(None);
                }
                describe(status)
            }
            None => format!("the custom runtime: {error}"),
        };
        Failure::new("", format!("Process exited unexpectedly before completing request ({why})"))
    }

    /// Stops the instance as FC does: `/pre-stop` when `pre_stop` names its context, then SIGTERM to its process
    /// group, then SIGKILL after the stop timeout. Returns how the process ended (`None` for an address, or a
    /// runtime not running). No lock is held while the runtime runs its hook.
    pub(crate) async fn stop(&self, pre_stop: Option<Context>) -> Option<ExitStatus> {
        self.retired.store(true, std::sync::atomic::Ordering::SeqCst);
        let (addr, process) = {
            let mut instance = self.instance.lock().await;
            let taken = (instance.addr, instance.process.take());
            *instance = self.fresh();
            taken
        };
        let alive = process.as_ref().is_none_or(|p| p.exit_status().is_none());
        if let (Some(ctx), Some(addr), true) = (pre_stop, addr, alive) {
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
        let process = process?;
        self.set_group(None);
        let status = terminate(&process, self.runtime.stop_timeout).await;
        if let Some(status) = status {
            tracing::info!(runtime = %self.program(), status = %describe(status), "the custom runtime stopped");
        }
        status
    }

    /// Kills the process group at once, without waiting (what dropping `LocalFc` does).
    pub(crate) fn kill_now(&self) {
        if let Some(pid) = self.group.lock().unwrap_or_else(|p| p.into_inner()).take() {
            signal_group(pid, SIGKILL);
        }
    }
}

/// Why a call to a runtime failed: the function failed (its failure, or the process died), its answer is over
/// FC's response limit (read no further), or its instance could not be started.
#[derive(Debug)]
pub(crate) enum RunFailure {
    Function(Failure),
    TooLarge(usize),
    NotStarted(NotStarted),
}

/// Why an instance could not be started, as FC reports it (HTTP 412): `CAFileNotFound` (the command does not
/// exist), `CAFilePermission` (it is not executable), `CAExited` (it exited before it listened),
/// `FunctionNotStarted` (it did not listen in time).
#[derive(Debug, Clone)]
pub(crate) struct NotStarted {
    pub code: &'static str,
    pub message: String,
}

impl NotStarted {
    /// A command the system could not start.
    fn spawn(program: &std::path::Path, e: &std::io::Error) -> Self {
        let shown = program.display();
        match e.kind() {
            std::io::ErrorKind::NotFound => NotStarted {
                code: "CAFileNotFound",
                message: format!(
                    "{shown} does not exist: a custom runtime starts `bootstrap` in the code directory unless \
                     customRuntimeConfig.command names another file"
                ),
            },
            std::io::ErrorKind::PermissionDenied => NotStarted {
                code: "CAFilePermission",
                message: format!("{shown} is not executable (a zip keeps each entry's Unix mode: give it 0755)"),
            },
            _ => NotStarted { code: "CAExited", message: format!("could not start {shown}: {e}") },
        }
    }
}

impl std::fmt::Display for NotStarted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl RunFailure {
    /// The failure as the function's own: an answer over the limit is a failure too.
    pub(crate) fn into_failure(self) -> Failure {
        match self {
            RunFailure::Function(failure) => failure,
            RunFailure::NotStarted(not) => Failure::new(not.code, not.message),
            too_large => Failure::new("BadResponse", too_large.to_string()),
        }
    }
}

impl From<Failure> for RunFailure {
    fn from(f: Failure) -> Self {
        RunFailure::Function(f)
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunFailure::Function(failure) => failure.fmt(f),
            RunFailure::TooLarge(max) => write!(f, "the function's answer is over FC's {max} byte response limit"),
            RunFailure::NotStarted(not) => not.fmt(f),
        }
    }
}

enum Read {
    Broke(String),
    TooLarge,
}

/// A runtime's whole answer, at most `max` bytes: a longer one stops being read once past it.
async fn read_bounded(response: &mut reqwest::Response, max: usize) -> Result<Bytes, Read> {
    if response.content_length().is_some_and(|len| len > max as u64) {
        return Err(Read::TooLarge);
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| Read::Broke(e.without_url().to_string()))? {
        if body.len() + chunk.len() > max {
            return Err(Read::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

#[cfg(unix)]
const SIGKILL: i32 = libc::SIGKILL;
#[cfg(not(unix))]
const SIGKILL: i32 = 9;

/// How often a starting runtime's port is tried.
const READY_POLL: Duration = Duration::from_millis(20);

/// A free loopback port, for a runtime to listen on.
fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}

/// SIGTERM to the process group, then SIGKILL once `grace` has passed (and to whatever of the group outlived its
/// leader).
async fn terminate(process: &Process, grace: Duration) -> Option<ExitStatus> {
    if process.exit_status().is_none() {
        #[cfg(unix)]
        process.signal_group(libc::SIGTERM);
    }
    let status = match process.wait_exit(grace).await {
        Some(status) => Some(status),
        None => {
            process.signal_group(SIGKILL);
            process.wait_exit(grace).await
        }
    };
    // A `bootstrap` that started a server without `exec` leaves it in the group: it goes too.
    process.signal_group(SIGKILL);
    status
}

/// An exit status in words: `exit status: 3`, `signal: 9 (SIGKILL)`.
fn describe(status: ExitStatus) -> String {
    status.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_environment_value() {
        let runtime = CustomRuntime::command("bootstrap").arg("--serve").env("DB_PASSWORD", "hunter2-secret");
        let shown = format!("{runtime:?}");
        assert!(shown.contains("DB_PASSWORD") && shown.contains("--serve"), "{shown}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
    }
}
