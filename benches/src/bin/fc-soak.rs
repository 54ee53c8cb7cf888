//! The long soak of a `local_fc` process: a million invocations (by default) of every kind LocalFc serves, while
//! the process's resident memory is sampled. Not part of the test suite (it takes minutes); RELIABILITY.md reports
//! its figures.
//!
//! ```text
//! cargo build --release --example local_fc --example function
//! cargo run --release -p fc-benches --bin fc-soak -- [--calls N] [--concurrency C]
//!     [--local-fc target/release/examples/local_fc] [--function-command target/release/examples/function]
//! ```
//!
//! The mix, call by call: a sync FC 2.0 call with its `Tail` log, a sync FC 3.0 call, an async call under a fresh
//! task id (a record for LocalFc to keep, then forget past its cap), a call forwarded to the custom runtime with
//! its `Tail` (the output reader), and every 1,000th call a listing of the async records. RSS is LocalFc's own,
//! and the custom runtime's beside it.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fc_runtime::{Client, Credentials, Fc3FunctionRef, InvokeRequest, ListFilter, LogType, RetryPolicy};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

struct Args {
    calls: u64,
    concurrency: u64,
    local_fc: PathBuf,
    function_command: Option<PathBuf>,
    /// Only calls of this kind of the mix (0–4), to find what grows.
    only: Option<u64>,
}

fn args() -> Result<Args, lexopt::Error> {
    use lexopt::prelude::*;
    let mut args = Args {
        calls: 1_000_000,
        concurrency: 64,
        local_fc: PathBuf::from("target/release/examples/local_fc"),
        function_command: Some(PathBuf::from("target/release/examples/function")),
        only: None,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("calls") => args.calls = parser.value()?.parse()?,
            Long("concurrency") => args.concurrency = parser.value()?.parse()?,
            Long("local-fc") => args.local_fc = parser.value()?.into(),
            Long("function-command") => args.function_command = Some(parser.value()?.into()),
            Long("no-function-command") => args.function_command = None,
            Long("only") => args.only = Some(parser.value()?.parse()?),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(args)
}

/// The resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The custom runtime `local_fc` started, as its child.
fn child_of(pid: u32) -> Option<u32> {
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        std::thread::sleep(Duration::from_millis(300));
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let args = args()?;
    let mut command = Command::new(&args.local_fc);
    command.args(["--addr", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null());
    if let Some(function) = &args.function_command {
        command.arg("--function-command").arg(function);
    }
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", args.local_fc.display()))?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let mut first = String::new();
    stdout.read_line(&mut first)?;
    let endpoint = first.trim().rsplit(' ').next().ok_or("no endpoint")?.to_owned();
    std::thread::spawn(move || for _ in stdout.lines() {});
    let pid = child.id();
    let server = Server(child);
    let client = Client::builder()
        .endpoint(&endpoint)
        .credentials(Credentials::new("testKeyId", "testKeySecret"))
        .retry(RetryPolicy::attempts(3))
        .use_env_proxy(false)
        .build()?;
    let runtime = args.function_command.is_some();
    println!("soak of local_fc {endpoint} (pid {pid}): {} calls at concurrency {}", args.calls, args.concurrency);
    println!("| calls | local_fc RSS | custom runtime RSS | calls/s |");
    println!("|---|---|---|---|");
    let next = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let run = Arc::new(std::process::id());
    let step = (args.calls / 10).max(1);
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut done = 0;
    while done < args.calls {
        let until = (done + step).min(args.calls);
        let window = Instant::now();
        let tasks: Vec<_> = (0..args.concurrency)
            .map(|_| {
                let (client, next, failed, run) = (client.clone(), next.clone(), failed.clone(), run.clone());
                let only = args.only;
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= until {
                            next.fetch_sub(1, Ordering::SeqCst);
                            break;
                        }
                        let request = match only.unwrap_or(i % 5) {
                            0 => InvokeRequest::new("demo", "greet")
                                .json_bytes(r#"{"name":"soak"}"#)
                                .log_type(LogType::Tail),
                            1 => InvokeRequest::fc3("echo").bytes(vec![b'x'; 512]),
                            2 => InvokeRequest::fc3("sleep")
                                .invocation_id(format!("soak_{run}_{i}"))
                                .json_bytes(r#"{"ms":0}"#),
                            3 if runtime => InvokeRequest::new("custom", "greet")
                                .json_bytes(r#"{"name":"runtime"}"#)
                                .log_type(LogType::Tail),
                            _ => InvokeRequest::new("demo", "add").json_bytes(r#"{"a":1,"b":2}"#),
                        };
                        if client.invoke(request).await.is_err() {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                        if i % 1000 == 999 {
                            let filter = ListFilter::new().limit(100);
                            if client.list_async_tasks(&Fc3FunctionRef::new("sleep"), &filter).await.is_err() {
                                failed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await?;
        }
        let rate = (until - done) as f64 / window.elapsed().as_secs_f64();
        done = until;
        let ours = rss_kib(pid);
        let theirs = child_of(pid).map(rss_kib);
        samples.push(ours);
        println!(
            "| {done} | {} MiB | {} | {rate:.0} |",
            ours / 1024,
            theirs.map_or("–".to_owned(), |k| format!("{} MiB", k / 1024))
        );
    }
    let first = samples.first().copied().unwrap_or(0);
    let last = samples.last().copied().unwrap_or(0);
    let peak = samples.iter().copied().max().unwrap_or(0);
    println!(
        "{} calls in {:.0} s, {} failed; local_fc RSS after the first tenth {} MiB, at the end {} MiB, peak {} MiB",
        args.calls,
        started.elapsed().as_secs_f64(),
        failed.load(Ordering::SeqCst),
        first / 1024,
        last / 1024,
        peak / 1024
    );
    drop(server);
    Ok(())
}
