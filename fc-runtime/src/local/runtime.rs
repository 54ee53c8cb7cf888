//! Custom runtimes under `LocalFc`: a server reached over HTTP as FC reaches it (a process `LocalFc` starts
//! from a command, or an address it is given), each invocation forwarded by the custom-runtime protocol, and the
//! runtime's output read back into each invocation's log.

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::function::protocol::{self, Call, Marker};
use crate::function::{Context, Failure};

/// How long to wait for a started runtime to say where it listens.
const STARTUP: Duration = Duration::from_secs(60);
/// How long to wait, after the answer, for the runtime's end marker to reach its standard output.
const LOG_GRACE: Duration = Duration::from_millis(250);

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
#[derive(Debug, Clone)]
pub struct CustomRuntime {
    pub(crate) target: Target,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    Command { program: PathBuf, args: Vec<OsString>, env: Vec<(OsString, OsString)> },
    Address(SocketAddr),
}

impl CustomRuntime {
    /// A process `LocalFc` starts when it starts (and stops when it is dropped), as FC starts a custom runtime:
    /// with `FC_CUSTOM_LISTEN_PORT=0` and `RUST_FC_LISTEN_HOST=127.0.0.1` (so it listens on a free loopback port,
    /// which it prints), `FC_ENDPOINT` set to `LocalFc` and the role's credentials in `ALIBABA_CLOUD_*`. Its
    /// standard output between an invocation's markers becomes that invocation's log.
    pub fn command(program: impl Into<PathBuf>) -> Self {
        CustomRuntime { target: Target::Command { program: program.into(), args: Vec::new(), env: Vec::new() } }
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

    /// A server already listening at `addr` (its log is not seen).
    pub fn address(addr: SocketAddr) -> Self {
        CustomRuntime { target: Target::Address(addr) }
    }
}

/// The lines a runtime printed, gathered per invocation from its Start marker to its End marker (both included).
#[derive(Default)]
pub(crate) struct Logs {
    state: Mutex<LogState>,
    ended: tokio::sync::Notify,
}

#[derive(Default)]
struct LogState {
    open: HashMap<String, Vec<String>>,
    done: HashMap<String, Vec<String>>,
}

impl Logs {
    fn line(&self, line: String) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match Marker::parse(&line) {
            Some(Marker::Start { request_id, .. }) => {
                state.open.insert(request_id.to_owned(), vec![line]);
            }
            Some(Marker::End { request_id, .. }) => {
                let id = request_id.to_owned();
                let mut lines = state.open.remove(&id).unwrap_or_default();
                lines.push(line);
                if state.done.len() >= 1024 {
                    state.done.clear();
                }
                state.done.insert(id, lines);
                drop(state);
                self.ended.notify_waiters();
            }
            None => {
                // Concurrent invocations interleave: a line belongs to every invocation open when it was printed.
                for lines in state.open.values_mut() {
                    lines.push(line.clone());
                }
            }
        }
    }

    /// The lines of `request_id`, once its end marker arrived (or after a short wait).
    async fn take(&self, request_id: &str) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + LOG_GRACE;
        loop {
            let ended = self.ended.notified();
            if let Some(lines) = self.state.lock().unwrap_or_else(|p| p.into_inner()).done.remove(request_id) {
                return lines;
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                return state.done.remove(request_id).or_else(|| state.open.remove(request_id)).unwrap_or_default();
            }
        }
    }
}

/// A runtime as `LocalFc` uses it: where it listens, and its log.
pub(crate) struct RuntimeLink {
    target: Target,
    addr: OnceLock<SocketAddr>,
    logs: Arc<Logs>,
    http: reqwest::Client,
}

impl RuntimeLink {
    pub(crate) fn new(runtime: CustomRuntime) -> Self {
        let target = runtime.target;
        let addr = OnceLock::new();
        if let Target::Address(a) = &target {
            let _ = addr.set(*a);
        }
        let http = reqwest::Client::builder().no_proxy().pool_idle_timeout(None).build().unwrap_or_default();
        RuntimeLink { target, addr, logs: Arc::default(), http }
    }

    /// Starts the command, waits for its address, and keeps reading its output into the log.
    pub(crate) async fn start(
        &self,
        endpoint: &str,
        role: Option<&crate::Credentials>,
        account_id: Option<&str>,
    ) -> Result<Option<tokio::process::Child>, String> {
        let Target::Command { program, args, env } = &self.target else { return Ok(None) };
        let mut command = tokio::process::Command::new(program);
        command
            .args(args)
            .env("FC_CUSTOM_LISTEN_PORT", "0")
            .env(crate::function::LISTEN_HOST_VAR, "127.0.0.1")
            .env("FC_ENDPOINT", endpoint)
            .stdout(std::process::Stdio::piped())
            // Piped and copied, not inherited: a runtime that outlived this process must not hold its stderr.
            .stderr(std::process::Stdio::piped())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        if let Some(account) = account_id {
            command.env("FC_ACCOUNT_ID", account);
        }
        if let Some(role) = role {
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
                let mut lines = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    eprintln!("{line}");
                }
            });
        }
        let mut lines = BufReader::new(stdout).lines();
        let addr = tokio::time::timeout(STARTUP, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(addr) = protocol::parse_listening(&line) {
                    return Ok(addr);
                }
            }
            Err(format!("{} exited before it listened", program.display()))
        })
        .await
        .map_err(|_| format!("{} did not listen within {STARTUP:?}", program.display()))??;
        let _ = self.addr.set(addr);
        let logs = self.logs.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                logs.line(line);
            }
        });
        Ok(Some(child))
    }

    /// Forwards one invocation as FC does: `POST /invoke` with the event and the headers that describe `ctx`,
    /// the answer read by the protocol's status rule, and the runtime's lines for this invocation copied into
    /// the invocation's log.
    pub(crate) async fn invoke(&self, event: Bytes, ctx: &Context) -> Result<Bytes, Failure> {
        let Some(addr) = self.addr.get().copied() else {
            return Err(Failure::new("RuntimeNotStarted", "the custom runtime is not running"));
        };
        let exited = |e: reqwest::Error| {
            Failure::new(
                "",
                format!(
                    "Process exited unexpectedly before completing request (the custom runtime: {})",
                    e.without_url()
                ),
            )
        };
        let sent = self
            .http
            .request(Call::Invoke.method(), format!("http://{addr}{}", Call::Invoke.path()))
            .headers(protocol::request_headers(ctx, Call::Invoke))
            .body(event)
            .send()
            .await;
        let outcome = match sent {
            Err(e) => Err(exited(e)),
            Ok(response) => {
                let (status, headers) = (response.status(), response.headers().clone());
                match response.bytes().await {
                    Err(e) => Err(exited(e)),
                    Ok(body) => protocol::answer(status, &headers, body),
                }
            }
        };
        let lines = self.logs.take(ctx.request_id()).await;
        if lines.is_empty() {
            // A runtime whose output is not seen (an address): the platform's own markers.
            ctx.log(protocol::start_line(Call::Invoke, ctx.request_id()));
            ctx.log(protocol::end_line(Call::Invoke, ctx.request_id(), outcome.is_err()));
        }
        for line in lines {
            ctx.log(line);
        }
        outcome
    }
}
