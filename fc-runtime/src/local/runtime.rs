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

/// The lines a runtime printed, gathered per invocation from its Start marker to its End marker (both included),
/// within bounds: [`MAX_INVOCATION_LOG`] bytes an invocation (its last part), [`MAX_INVOCATIONS`] invocations.
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

/// One invocation's lines, with their size and when its Start marker came.
#[derive(Default)]
struct Lines {
    started: u64,
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

impl Logs {
    fn line(&self, line: String) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match Marker::parse(&line) {
            Some(Marker::Start { request_id, .. }) => {
                let id = request_id.to_owned();
                state.sequence += 1;
                let mut lines = Lines { started: state.sequence, ..Lines::default() };
                lines.push(line);
                state.open.insert(id, lines);
                bound(&mut state.open);
            }
            Some(Marker::End { request_id, .. }) => {
                let id = request_id.to_owned();
                let mut lines = state.open.remove(&id).unwrap_or_default();
                lines.push(line);
                state.done.insert(id, lines);
                bound(&mut state.done);
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
                return lines.lines.into();
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                let lines = state.done.remove(request_id).or_else(|| state.open.remove(request_id));
                return lines.map(|l| l.lines.into()).unwrap_or_default();
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
                let mut lines = LineReader::new(BufReader::new(stderr));
                while let Some(line) = lines.next().await {
                    eprintln!("{line}");
                }
            });
        }
        let mut lines = LineReader::new(BufReader::new(stdout));
        let addr = tokio::time::timeout(STARTUP, async {
            while let Some(line) = lines.next().await {
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
            while let Some(line) = lines.next().await {
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

    #[test]
    fn an_invocations_log_keeps_its_last_part_within_the_cap() {
        let logs = Logs::default();
        logs.line("FC Invoke Start RequestId: r".to_owned());
        for i in 0..(MAX_INVOCATION_LOG / 100) * 2 {
            logs.line(format!("{i:0>99}"));
        }
        let state = logs.state.lock().unwrap();
        let open = &state.open["r"];
        assert!(open.bytes <= MAX_INVOCATION_LOG, "{}", open.bytes);
        assert!(open.lines.back().unwrap().ends_with(&((MAX_INVOCATION_LOG / 100) * 2 - 1).to_string()));
    }
}
