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

    #[test]
    fn debug_shows_no_environment_value() {
        let runtime = CustomRuntime::command("bootstrap").arg("--serve").env("DB_PASSWORD", "hunter2-secret");
        let shown = format!("{runtime:?}");
        assert!(shown.contains("DB_PASSWORD") && shown.contains("--serve"), "{shown}");
        assert!(!shown.contains("hunter2-secret"), "{shown}");
    }
}
