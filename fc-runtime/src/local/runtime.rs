//! Function code under `LocalFc`, the two ways: a [`Router`] in process, and a custom-runtime server reached
//! over HTTP as FC reaches it (a process `LocalFc` starts from a command, or an address it is given).

use std::collections::HashMap;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};

use super::handler::{Context, Handler, HandlerError, HandlerResult};
use crate::credentials::BoxFuture;
use crate::function::{self, Failure, LogSink, Router};

/// How long to wait for a started runtime to say where it listens.
const STARTUP: Duration = Duration::from_secs(60);
/// How long to wait, after the answer, for the runtime's end marker to reach its standard output.
const LOG_GRACE: Duration = Duration::from_millis(250);

fn handler_error(failure: Failure) -> HandlerError {
    let panicked = failure.is_panic();
    let error = HandlerError::new(failure.message).with_type(failure.error_type);
    if panicked { error.unhandled() } else { error }
}

/// One function of a [`Router`], run in process.
pub(crate) struct RouterFunction {
    pub router: Arc<Router>,
    pub name: String,
}

impl RouterFunction {
    /// A handler for each function of `router`, with its name.
    pub(crate) fn each(router: Router) -> Vec<(String, RouterFunction)> {
        let router = Arc::new(router);
        let names: Vec<String> = router.functions().map(str::to_owned).collect();
        names.into_iter().map(|name| (name.clone(), RouterFunction { router: router.clone(), name })).collect()
    }
}

impl Handler for RouterFunction {
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        let endpoint = ctx.header("host").map(|h| format!("http://{h}"));
        let service = Some(ctx.service.clone()).filter(|s| !s.is_empty());
        let fctx = function::Context::new(&ctx.request_id, &self.name)
            .with_details(service, Some(ctx.qualifier.clone()), ctx.role.clone(), endpoint, ctx.account_id.clone())
            .with_log(LogSink::Buffer(ctx.log.clone()));
        let (router, name) = (self.router.clone(), self.name.clone());
        Box::pin(async move { router.call(&name, event, fctx).await.map_err(handler_error) })
    }
}

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

/// The lines a runtime printed, gathered per invocation between its markers.
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
        if let Some(id) = line.strip_prefix("FC Invoke Start RequestId: ") {
            state.open.insert(id.trim().to_owned(), Vec::new());
        } else if let Some(rest) = line.strip_prefix("FC Invoke End RequestId: ") {
            let id = rest.split(", Error").next().unwrap_or(rest).trim().to_owned();
            let lines = state.open.remove(&id).unwrap_or_default();
            if state.done.len() >= 1024 {
                state.done.clear();
            }
            state.done.insert(id, lines);
            drop(state);
            self.ended.notify_waiters();
        } else {
            // Concurrent invocations interleave: a line belongs to every invocation open when it was printed.
            for lines in state.open.values_mut() {
                lines.push(line.clone());
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
    pub target: Target,
    pub addr: OnceLock<SocketAddr>,
    pub logs: Arc<Logs>,
    http: reqwest::Client,
}

impl RuntimeLink {
    pub(crate) fn new(target: Target) -> Self {
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
            .env(function::LISTEN_HOST_VAR, "127.0.0.1")
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
                if let Some((_, addr)) = line.rsplit_once("listening on ")
                    && let Ok(addr) = addr.trim().parse::<SocketAddr>()
                {
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
}

/// One function of a custom runtime, reached over HTTP with the headers FC sends.
pub(crate) struct ForwardedFunction {
    pub link: Arc<RuntimeLink>,
}

fn set(request: reqwest::RequestBuilder, name: &str, value: &str) -> reqwest::RequestBuilder {
    if value.is_empty() { request } else { request.header(name, value) }
}

impl Handler for ForwardedFunction {
    fn call(&self, event: Bytes, ctx: Context) -> BoxFuture<'static, HandlerResult> {
        let link = self.link.clone();
        Box::pin(async move {
            let Some(addr) = link.addr.get().copied() else {
                return Err(HandlerError::new("the custom runtime is not running")
                    .with_type("RuntimeNotStarted")
                    .unhandled());
            };
            let mut request = link
                .http
                .post(format!("http://{addr}/invoke"))
                .header("content-type", "application/octet-stream")
                .header("x-fc-control-path", "/invoke")
                .header("x-fc-request-id", &ctx.request_id)
                .header("x-fc-function-name", &ctx.function)
                .header("x-fc-retry-count", (ctx.attempt.saturating_sub(1)).to_string())
                .body(event);
            request = set(request, "x-fc-service-name", &ctx.service);
            request = set(request, "x-fc-qualifier", &ctx.qualifier);
            request = set(request, "x-fc-version-id", &ctx.qualifier);
            request = set(request, "x-fc-account-id", ctx.account_id.as_deref().unwrap_or(""));
            if let Some(role) = &ctx.role {
                request = request
                    .header("x-fc-access-key-id", &role.access_key_id)
                    .header("x-fc-access-key-secret", role.access_key_secret.expose());
                if let Some(token) = &role.security_token {
                    request = request.header("x-fc-security-token", token.expose());
                }
            }
            let outcome = match request.send().await {
                Err(e) => Err(HandlerError::new(format!(
                    "Process exited unexpectedly before completing request (the custom runtime: {e})"
                ))
                .unhandled()),
                Ok(response) => {
                    let failed = response.status() == 404
                        || response.headers().get("x-fc-status").is_some_and(|v| v.as_bytes() == b"404");
                    let status = response.status();
                    match response.bytes().await {
                        Err(e) => Err(HandlerError::new(format!(
                            "Process exited unexpectedly before completing request (the custom runtime: {e})"
                        ))
                        .unhandled()),
                        Ok(body) if failed => Err(runtime_error(&body)),
                        Ok(body) if status.is_success() => Ok(body),
                        Ok(_) => Err(HandlerError::new(format!(
                            "the custom runtime answered HTTP {}, neither 200 nor 404",
                            status.as_u16()
                        ))
                        .unhandled()),
                    }
                }
            };
            for line in link.logs.take(&ctx.request_id).await {
                ctx.log(line);
            }
            outcome
        })
    }
}

/// A failure the runtime reported: its `{"errorMessage", "errorType"}`, or the body as text.
fn runtime_error(body: &[u8]) -> HandlerError {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(rename = "errorMessage")]
        message: Option<String>,
        #[serde(rename = "errorType")]
        error_type: Option<String>,
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(Body { message, error_type }) => {
            handler_error(Failure::new(error_type.unwrap_or_else(|| "Error".to_owned()), message.unwrap_or_default()))
        }
        Err(_) => HandlerError::new(String::from_utf8_lossy(body).into_owned()).unhandled(),
    }
}
