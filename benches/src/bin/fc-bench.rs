//! The load program: measures every row of BENCHMARKS.md in one run and prints the table.
//!
//! ```text
//! fc-bench [--quick] [--write BENCHMARKS.md] [--python PATH] [--node PATH] [--skip-compile]   all measurements
//! fc-bench server localfc|bare                                                 a server process (internal)
//! fc-bench large ENDPOINT BYTES [fc3]                                          one large round trip (internal)
//! fc-bench load typed|typed3|raw|handwritten|reqwest|bare ENDPOINT CALLS CONCURRENCY   one client's load
//! ```

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use fc_benches::stats::{Samples, median, peak_rss_bytes, rss_bytes};
use fc_benches::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Bench as _, Event, NoIo, event_1kb, hand_written_echo};
use fc_runtime::{Client, Credentials, RetryPolicy};
use http_body_util::{BodyExt as _, Full};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the command line asks for.
enum Cli {
    Run(Options),
    Server(String),
    Large { endpoint: String, bytes: usize, fc3: bool },
    Load { client: String, endpoint: String, calls: usize, concurrency: usize },
}

fn parse_command() -> Result<Cli, lexopt::Error> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_env();
    let mut options = Options::default();
    let mut positional: Vec<String> = Vec::new();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("quick") => options.quick = true,
            Long("skip-compile") => options.skip_compile = true,
            Long("write") => options.write = Some(parser.value()?.into()),
            Long("python") => options.python = Some(parser.value()?.into()),
            Long("node") => options.node = Some(parser.value()?.into()),
            Long("only") => options.only = Some(parser.value()?.string()?.split(',').map(str::to_owned).collect()),
            Long("help") | Short('h') => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            Value(v) => positional.push(v.string()?),
            _ => return Err(arg.unexpected()),
        }
    }
    let missing = |what: &str| lexopt::Error::Custom(format!("missing {what}").into());
    let number = |s: &str, what: &str| {
        s.parse::<usize>().map_err(|e| lexopt::Error::Custom(format!("{what} {s:?}: {e}").into()))
    };
    let mut words = positional.into_iter();
    match words.next().as_deref() {
        None => Ok(Cli::Run(options.with_default_peers())),
        Some("server") => Ok(Cli::Server(words.next().ok_or_else(|| missing("server kind (localfc or bare)"))?)),
        Some("large") => {
            let endpoint = words.next().ok_or_else(|| missing("endpoint"))?;
            let bytes = number(&words.next().ok_or_else(|| missing("payload size in bytes"))?, "payload size")?;
            Ok(Cli::Large { endpoint, bytes, fc3: words.next().as_deref() == Some("fc3") })
        }
        Some("load") => {
            let client =
                words.next().ok_or_else(|| missing("client (typed, typed3, raw, handwritten, reqwest or bare)"))?;
            let endpoint = words.next().ok_or_else(|| missing("endpoint"))?;
            let calls = number(&words.next().ok_or_else(|| missing("number of calls"))?, "calls")?;
            let concurrency = number(&words.next().ok_or_else(|| missing("concurrency"))?, "concurrency")?.max(1);
            Ok(Cli::Load { client, endpoint, calls, concurrency })
        }
        Some(other) => Err(lexopt::Error::Custom(format!("unknown command {other:?}\n{USAGE}").into())),
    }
}

const USAGE: &str = "usage: fc-bench [--quick] [--write FILE] [--python PATH] [--node PATH] [--skip-compile]
                [--only sign,stub,loopback,runtime,http,cold,manage,cargofc,large,compile]
       fc-bench server localfc|bare|function|trigger
       fc-bench large ENDPOINT BYTES [fc3]
       fc-bench load typed|typed3|raw|handwritten|reqwest|bare ENDPOINT CALLS CONCURRENCY";

pub fn main() -> Result<(), BoxError> {
    match parse_command()? {
        Cli::Run(options) => run(options),
        Cli::Server(kind) => server(&kind),
        Cli::Large { endpoint, bytes, fc3 } => large(&endpoint, bytes, fc3),
        Cli::Load { client, endpoint, calls, concurrency } => {
            let rt = runtime();
            let mut load = match client.as_str() {
                "typed" => rt.block_on(typed_load(&endpoint, calls, concurrency)),
                "typed3" => rt.block_on(typed3_load(&endpoint, calls, concurrency)),
                "raw" => rt.block_on(raw_load(&endpoint, calls, concurrency)),
                "reqwest" => rt.block_on(reqwest_load(&endpoint, calls, concurrency, None)),
                "reqwest-timeout" => {
                    rt.block_on(reqwest_load(&endpoint, calls, concurrency, Some(fc_runtime::DEFAULT_TIMEOUT)))
                }
                "bare" => rt.block_on(bare_load(&endpoint, calls, concurrency)),
                "handwritten" => rt.block_on(handwritten_load(&endpoint, calls, concurrency)),
                other => {
                    return Err(
                        format!("unknown client {other:?}: typed, typed3, raw, handwritten, reqwest or bare").into()
                    );
                }
            };
            println!("{}", load.describe());
            Ok(())
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime")
}

fn client(endpoint: &str) -> Client {
    Client::builder()
        .endpoint(endpoint)
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry(RetryPolicy::none())
        .use_env_proxy(false)
        .build()
        .expect("valid client")
}

// ---------------------------------------------------------------------------------------------------------------
// Server processes

/// Serves until stdin closes, after printing `listening on http://ADDR`.
fn server(kind: &str) -> Result<(), BoxError> {
    let rt = runtime();
    rt.block_on(async {
        let addr: SocketAddr = ([127, 0, 0, 1], 0).into();
        let (endpoint, _guard): (String, Box<dyn std::any::Any>) = match kind {
            "localfc" => {
                let fc = fc_benches::start_local_fc(addr).await?;
                (fc.endpoint(), Box::new(fc))
            }
            "function" => {
                // `POST /invoke` to the route `echo`; HTTP-trigger requests (`/stream`) to the web function.
                let router = fc_benches::web_router()
                    .route("echo", |event, _ctx| async move { Ok::<_, fc_runtime::function::Failure>(event) });
                let bound = fc_runtime::function::Server::new(router)
                    .addr(addr)
                    .shutdown_on(std::future::pending())
                    .bind()
                    .await?;
                let endpoint = format!("http://{}", bound.local_addr());
                tokio::spawn(bound.run());
                (endpoint, Box::new(()))
            }
            "trigger" => {
                // The web function behind an anonymous trigger (`open`) and a signed one (`signed`). The sync limit
                // (which also bounds an answer, FC's 32 MB) is raised so that row 11's 256 MiB stream gets through.
                use fc_runtime::local::{FunctionConfig, HttpTrigger, LocalFc};
                let fc = LocalFc::builder()
                    .addr(addr)
                    .limits(fc_runtime::Limits::new(1 << 30, fc_runtime::Limits::default().max_async_payload))
                    .access_key(fc_benches::ACCESS_KEY_ID, fc_benches::ACCESS_KEY_SECRET)
                    .function("open", fc_benches::web_router(), FunctionConfig::default().concurrency(1000))
                    .function("signed", fc_benches::web_router(), FunctionConfig::default().concurrency(1000))
                    .http_trigger("open", HttpTrigger::anonymous("open"))
                    .http_trigger("signed", HttpTrigger::signed("signed"))
                    .start()
                    .await?;
                let urls = format!(
                    "{} {}",
                    fc.http_trigger_url("open").unwrap_or_default(),
                    fc.http_trigger_url("signed").unwrap_or_default()
                );
                (urls, Box::new(fc))
            }
            "bare" => {
                let listener = tokio::net::TcpListener::bind(addr).await?;
                let endpoint = format!("http://{}", listener.local_addr()?);
                tokio::spawn(bare_server(listener));
                (endpoint, Box::new(()))
            }
            other => return Err(format!("unknown server {other:?}").into()),
        };
        println!("listening on {endpoint}");
        std::io::stdout().flush()?;
        // Until the parent closes our stdin.
        tokio::task::spawn_blocking(|| std::io::stdin().lines().count()).await?;
        Ok(())
    })
}

/// A bare hyper server that answers every request with its own body and the headers LocalFc sends.
async fn bare_server(listener: tokio::net::TcpListener) {
    use hyper::service::service_fn;
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                if req.uri().path() == "/stream" {
                    let mib = req.uri().query().and_then(|q| q.strip_prefix("mib=")).and_then(|n| n.parse().ok());
                    return Ok::<_, hyper::Error>(fc_benches::stream_response(mib.unwrap_or(1)));
                }
                let body = req.into_body().collect().await?.to_bytes();
                let response = http::Response::builder()
                    .header("content-type", "application/json")
                    .header("x-fc-request-id", "1-6741a0b2-3c1d2e4f5a6b7c8d9e0f1a2b")
                    .header("x-fc-invocation-duration", "1")
                    .header("x-fc-invocation-service-version", "LATEST")
                    .header("x-fc-max-memory-usage", "12.50")
                    .header("x-fc-instance-id", "c-0123456789abcdef")
                    .header("x-fc-code-checksum", "1234567890")
                    .body(fc_runtime::function::full(body))
                    .expect("static response");
                Ok::<_, hyper::Error>(response)
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
        });
    }
}

/// A server child process; killed when dropped.
struct ServerProcess {
    child: Child,
    endpoint: String,
}

impl ServerProcess {
    fn start(kind: &str) -> Result<Self, BoxError> {
        let mut child = Command::new(std::env::current_exe()?)
            .args(["server", kind])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
        let endpoint = loop {
            let mut line = String::new();
            if stdout.read_line(&mut line)? == 0 {
                return Err("server did not start".into());
            }
            if let Some(endpoint) = line.trim().strip_prefix("listening on ") {
                break endpoint.to_owned();
            }
        };
        // Keep reading what it prints (a custom runtime's invocation markers), as FC does.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Ok(ServerProcess { child, endpoint })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Large payload child

fn large(endpoint: &str, size: usize, fc3: bool) -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let client = client(endpoint);
        // Warm the connection and the runtime so the baseline includes them.
        if fc3 {
            fc_benches::Bench3::echo_bytes(&client, Bytes::from_static(b"warm")).await?;
        } else {
            fc_benches::Bench::echo_bytes(&client, Bytes::from_static(b"warm")).await?;
        }
        let baseline = rss_bytes();
        let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let started = Instant::now();
        let answer = if fc3 {
            fc_benches::Bench3::echo_bytes(&client, Bytes::from(payload)).await?
        } else {
            fc_benches::Bench::echo_bytes(&client, Bytes::from(payload)).await?
        };
        let secs = started.elapsed().as_secs_f64();
        let ok = answer.len() == size && answer.iter().enumerate().all(|(i, b)| *b == (i % 251) as u8);
        if !ok {
            return Err("the large answer differs from the payload".into());
        }
        println!(
            "{}",
            serde_json::json!({"secs": secs, "baseline_rss": baseline, "peak_rss": peak_rss_bytes(), "size": size})
        );
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

#[derive(Default)]
struct Options {
    quick: bool,
    write: Option<PathBuf>,
    python: Option<PathBuf>,
    node: Option<PathBuf>,
    skip_compile: bool,
    /// Only these groups of rows (all when `None`).
    only: Option<Vec<String>>,
}

impl Options {
    fn wants(&self, group: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|g| g == group))
    }
}

impl Options {
    /// The official SDKs installed under `target/` (by `.ci/run` or by hand) unless paths were given.
    fn with_default_peers(mut self) -> Self {
        if self.python.is_none() {
            let venv = workspace().join("target/sdk-venv/bin/python");
            self.python = venv.exists().then_some(venv);
        }
        if self.node.is_none() && node_sdk().exists() {
            self.node = Some("node".into());
        }
        self
    }
}

/// Where `npm install --prefix target/node-sdk @alicloud/fc2@2.6.6` puts the official Node SDK.
fn node_sdk() -> PathBuf {
    workspace().join("target/node-sdk/node_modules/@alicloud/fc2")
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// One line of the results table.
struct Row {
    measurement: String,
    ours: String,
    other: String,
    ratio: String,
    target: &'static str,
}

fn row(measurement: impl Into<String>, ours: String, other: String, ratio: String, target: &'static str) -> Row {
    Row { measurement: measurement.into(), ours, other, ratio, target }
}

fn run(options: Options) -> Result<(), BoxError> {
    let mut rows = Vec::new();
    let scale = if options.quick { 1 } else { 20 };
    if options.wants("sign") {
        eprintln!("signing…");
        rows.extend(signing(&options, scale)?);
        rows.push(acs3_signing(&options, scale)?);
    }
    if options.wants("stub") {
        eprintln!("stub overhead…");
        rows.push(stub_overhead(scale)?);
    }
    if options.wants("loopback") {
        eprintln!("loopback throughput…");
        rows.extend(loopback(&options)?);
    }
    if options.wants("runtime") {
        eprintln!("custom runtime…");
        rows.push(runtime_throughput(options.quick)?);
    }
    if options.wants("http") {
        eprintln!("HTTP triggers and streaming…");
        rows.extend(http_trigger_rows(options.quick)?);
    }
    if options.wants("cold") {
        eprintln!("cold start…");
        rows.push(cold_start(&options)?);
    }
    if options.wants("manage") {
        eprintln!("management API…");
        rows.extend(management_rows(&options)?);
    }
    if options.wants("cargofc") {
        eprintln!("cargo fc deploy…");
        rows.push(cargo_fc_deploy_row(&options)?);
    }
    if options.wants("large") {
        eprintln!("large payload…");
        rows.push(large_payload(options.quick, false)?);
        rows.push(large_payload(options.quick, true)?);
    }
    if !options.skip_compile && options.wants("compile") {
        eprintln!("compile time…");
        rows.extend(compile_time(options.quick)?);
        eprintln!("cargo fc build…");
        rows.push(cargo_fc_build_row(options.quick)?);
    }
    let mut table = render(&rows, options.quick);
    if options.wants("loopback") {
        let program = std::env::current_exe()?.with_file_name("fc-allocs");
        if program.exists() {
            let calls = if options.quick { "200" } else { "2000" };
            let out = Command::new(program).arg(calls).stderr(Stdio::inherit()).output()?;
            table.push_str(
                "\nHeap allocations per call (row 3's echo, one call at a time, counted by `fc-allocs`):\n\n",
            );
            table.push_str(String::from_utf8_lossy(&out.stdout).trim());
            table.push('\n');
        }
    }
    println!("{table}");
    if let Some(path) = &options.write {
        let doc = std::fs::read_to_string(path)?;
        let (start, end) = ("<!-- results:start -->", "<!-- results:end -->");
        let (Some(a), Some(b)) = (doc.find(start), doc.find(end)) else {
            return Err(format!("{} has no results markers", path.display()).into());
        };
        let updated = format!("{}{start}\n{table}\n{}", &doc[..a], &doc[b..]);
        std::fs::write(path, updated)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn render(rows: &[Row], quick: bool) -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = Command::new("rustc").arg("-V").output().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let mut s = format!(
        "Measured {} on {cpu}, {cores} cores, {}{}.\n\n| Measurement | fc-runtime | Compared with | Ratio | Target |\n|---|---|---|---|---|\n",
        httpdate::fmt_http_date(SystemTime::now()),
        rustc.unwrap_or_default(),
        if quick { " (quick smoke run: numbers are not meaningful)" } else { "" }
    );
    for r in rows {
        s.push_str(&format!("| {} | {} | {} | {} | {} |\n", r.measurement, r.ours, r.other, r.ratio, r.target));
    }
    s
}

fn python(options: &Options, args: &[&str]) -> Result<Option<serde_json::Value>, BoxError> {
    let Some(python) = &options.python else { return Ok(None) };
    let script = workspace().join("benches/python/sdk_bench.py");
    let out = Command::new(python).arg(script).args(args).stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        return Err(format!("sdk_bench.py {args:?} failed").into());
    }
    Ok(Some(serde_json::from_slice(&out.stdout)?))
}

fn signing(options: &Options, scale: usize) -> Result<Vec<Row>, BoxError> {
    let date = httpdate::fmt_http_date(SystemTime::now());
    let owned = fc_benches::typical_headers(&date);
    let headers: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let iterations = 1_000 * scale;
    let key = fc_runtime::sign::SigningKey::new(fc_benches::ACCESS_KEY_SECRET);
    let (mut prepared, mut fresh) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(fc_benches::sign_typical(&key, std::hint::black_box(&headers)));
        }
        prepared.push(started.elapsed().as_nanos() as f64 / iterations as f64);
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(fc_benches::sign_typical_from_secret(std::hint::black_box(&headers)));
        }
        fresh.push(started.elapsed().as_nanos() as f64 / iterations as f64);
    }
    let (ours, fresh) = (median(prepared), median(fresh));
    let headers_json = serde_json::to_string(
        &owned.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<std::collections::BTreeMap<_, _>>(),
    )?;
    let iterations_py = (200 * scale).to_string();
    let py = python(options, &["sign", fc_benches::TYPICAL_PATH, &headers_json, &iterations_py])?;
    // Both sides must produce the same signature.
    let (other, ratio) = match py {
        Some(v) => {
            let expected = fc_benches::sign_typical(&key, &headers);
            if v["signature"].as_str() != Some(expected.as_str()) {
                return Err(format!("the SDK signed differently: {} vs {expected}", v["signature"]).into());
            }
            let ns = v["ns_per_op"].as_f64().unwrap_or(f64::NAN);
            (
                format!("{ns:.0} ns (aliyun-fc2 `Auth.sign_request`)"),
                format!("{:.0}× faster ({:.0}× with the key prepared per call)", ns / ours, ns / fresh),
            )
        }
        None => ("n/a (no SDK virtualenv)".into(), "n/a".into()),
    };
    Ok(vec![row(
        "1. Sign a typical invoke request",
        format!("{ours:.0} ns ({fresh:.0} ns preparing the key per call)"),
        other,
        ratio,
        "< 1 µs; report ratio",
    )])
}

/// ACS3: signing an FC 3.0 invoke with a 1 KB body, the body's hash included, against the official signer
/// (`alibabacloud_tea_openapi`'s `Utils.get_authorization`, with `hashlib` for the hash) over the same parts.
fn acs3_signing(options: &Options, scale: usize) -> Result<Row, BoxError> {
    use fc_runtime::sign::acs3::{Acs3Key, Acs3Request, payload_hash};
    let body = serde_json::to_vec(&event_1kb())?;
    let date = "2026-11-26T10:22:32Z";
    let path = "/2023-03-30/functions/echo/invocations";
    let sign = |key: &Acs3Key, body: &[u8]| {
        let hashed = payload_hash(body);
        let headers = [
            ("host", "1234567890.cn-hangzhou.fc.aliyuncs.com"),
            ("content-type", "application/octet-stream"),
            ("x-acs-action", "InvokeFunction"),
            ("x-acs-version", "2023-03-30"),
            ("x-acs-date", date),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", hashed.as_str()),
        ];
        let request = Acs3Request {
            method: "POST",
            path,
            query: &[("qualifier", "LATEST")],
            headers: &headers,
            hashed_payload: &hashed,
        };
        key.authorization(ACCESS_KEY_ID, &request)
    };
    let key = Acs3Key::new(ACCESS_KEY_SECRET);
    let iterations = 1_000 * scale;
    let mut runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(sign(&key, std::hint::black_box(&body)));
        }
        runs.push(started.elapsed().as_nanos() as f64 / iterations as f64);
    }
    let ours = median(runs);
    let body_text = String::from_utf8(body.clone())?;
    let iterations_py = (200 * scale).to_string();
    let py = python(options, &["sign3", path, date, &body_text, &iterations_py])?;
    let (other, ratio) = match py {
        Some(v) => {
            let expected = sign(&key, &body);
            if v["authorization"].as_str() != Some(expected.as_str()) {
                return Err(format!(
                    "the official ACS3 signer signed differently: {} vs {expected}",
                    v["authorization"]
                )
                .into());
            }
            let ns = v["ns_per_op"].as_f64().unwrap_or(f64::NAN);
            (format!("{ns:.0} ns (`Utils.get_authorization` + hashlib)"), format!("{:.0}× faster", ns / ours))
        }
        None => ("n/a (no SDK virtualenv)".into(), "n/a".into()),
    };
    Ok(row(
        "7. ACS3-sign an FC 3.0 invoke, 1 KB body hashed",
        format!("{ours:.0} ns"),
        other,
        ratio,
        "< 2 µs; report ratio",
    ))
}

fn stub_overhead(scale: usize) -> Result<Row, BoxError> {
    let rt = tokio::runtime::Builder::new_current_thread().build()?;
    let invoker = NoIo::default();
    let event = event_1kb();
    let iterations = 500 * scale;
    let (mut typed, mut hand) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for _ in 0..7 {
            let started = Instant::now();
            for _ in 0..iterations {
                let out: Event = invoker.echo(std::hint::black_box(&event)).await?;
                std::hint::black_box(out);
            }
            typed.push(started.elapsed().as_nanos() as f64 / iterations as f64);
            let started = Instant::now();
            for _ in 0..iterations {
                let out = hand_written_echo(&invoker, std::hint::black_box(&event)).await?;
                std::hint::black_box(out);
            }
            hand.push(started.elapsed().as_nanos() as f64 / iterations as f64);
        }
        Ok::<_, BoxError>(())
    })?;
    let (typed, hand) = (median(typed), median(hand));
    Ok(row(
        "2. Typed call without I/O (encode + sign + build + decode, 1 KB event)",
        format!("{:.2} µs", typed / 1000.0),
        format!("{:.2} µs (hand-written serde_json + `InvokeRequest`)", hand / 1000.0),
        format!("{:.3}", typed / hand),
        "≤ 1.05",
    ))
}

struct Load {
    calls: usize,
    secs: f64,
    samples: Samples,
    errors: usize,
}

impl Load {
    fn per_sec(&self) -> f64 {
        self.calls as f64 / self.secs
    }
    fn describe(&mut self) -> String {
        summary(self.per_sec(), &self.samples, self.errors)
    }
}

/// `rate/s, p50, p99[, errors]`.
fn summary(rate: f64, samples: &Samples, errors: usize) -> String {
    let (p50, p99) = (samples.percentile(50.0), samples.percentile(99.0));
    let errors = if errors > 0 { format!(", {errors} errors") } else { String::new() };
    format!("{rate:.0}/s, p50 {p50} µs, p99 {p99} µs{errors}")
}

/// A warm-up of a tenth of the calls (connections, allocator), then the measured run.
async fn warm_then_drive<F, Fut>(calls: usize, concurrency: usize, call: F) -> Load
where
    F: Fn() -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    drive(calls / 10, concurrency, call.clone()).await;
    drive(calls, concurrency, call).await
}

/// Runs `calls` calls split over `concurrency` tasks.
async fn drive<F, Fut>(calls: usize, concurrency: usize, call: F) -> Load
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|t| {
            let call = call.clone();
            let share = calls / concurrency + usize::from(t < calls % concurrency);
            tokio::spawn(async move {
                let (mut samples, mut errors) = (Samples::with_capacity(share), 0);
                for _ in 0..share {
                    let at = Instant::now();
                    if !call().await {
                        errors += 1;
                    }
                    samples.push(at.elapsed());
                }
                (samples, errors)
            })
        })
        .collect();
    let mut load = Load { calls, secs: 0.0, samples: Samples::with_capacity(calls), errors: 0 };
    for t in tasks {
        let (samples, errors) = t.await.expect("load task");
        load.samples.extend(samples);
        load.errors += errors;
    }
    load.secs = started.elapsed().as_secs_f64();
    load
}

async fn typed_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let client = client(endpoint);
    let event = Arc::new(event_1kb());
    let call = move || {
        let (client, event) = (client.clone(), event.clone());
        async move { client.echo(&event).await.is_ok_and(|e| e.id == event.id) }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// The typed stub with credentials from the default chain, its environment source holding the key (as inside FC).
async fn chain_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let env = fc_runtime::Environment::from_vars([
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
        ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true"),
        ("HOME", "/nonexistent"),
    ]);
    let client = Client::builder()
        .endpoint(endpoint)
        .credentials_provider(fc_runtime::credentials::DefaultCredentialsChain::from_environment(env))
        .retry(RetryPolicy::none())
        .use_env_proxy(false)
        .build()
        .expect("valid client");
    let event = Arc::new(event_1kb());
    let call = move || {
        let (client, event) = (client.clone(), event.clone());
        async move { client.echo(&event).await.is_ok_and(|e| e.id == event.id) }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// The rate of one client's load run by `fc-bench-mimalloc` (the same program with mimalloc as the global
/// allocator), in its own process; `None` when that binary was not built.
fn mimalloc_rate(client: &str, endpoint: &str, calls: usize, concurrency: usize) -> Result<Option<f64>, BoxError> {
    let program = std::env::current_exe()?.with_file_name("fc-bench-mimalloc");
    if !program.exists() {
        return Ok(None);
    }
    let out = Command::new(program)
        .args(["load", client, endpoint, &calls.to_string(), &concurrency.to_string()])
        .stderr(Stdio::inherit())
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let rate = text.split('/').next().and_then(|r| r.trim().parse::<f64>().ok());
    Ok(Some(rate.ok_or_else(|| format!("fc-bench-mimalloc printed {text:?}"))?))
}

async fn typed3_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let client = client(endpoint);
    let event = Arc::new(event_1kb());
    let call = move || {
        let (client, event) = (client.clone(), event.clone());
        async move { fc_benches::Bench3::echo(&client, &event).await.is_ok_and(|e| e.id == event.id) }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// The typed stub's echo request, signed once, for the clients that replay it: URL, headers, body.
fn presigned_echo(endpoint: &str) -> (String, Arc<http::HeaderMap>, Bytes) {
    let event = serde_json::to_vec(&event_1kb()).expect("serializes");
    let request = NoIo::default().build(&fc_runtime::InvokeRequest::new(fc_benches::SERVICE, "echo").json_bytes(event));
    let (parts, body) = request.into_parts();
    (format!("{endpoint}{}", parts.uri.path()), Arc::new(parts.headers), body)
}

/// A bare hyper client sending one pre-signed request over and over.
async fn bare_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .build_http::<Full<Bytes>>();
    let (url, headers, body) = presigned_echo(endpoint);
    let uri: http::Uri = url.parse().expect("uri");
    let call = move || {
        let (http, headers, body, uri) = (http.clone(), headers.clone(), body.clone(), uri.clone());
        async move {
            let mut req = http::Request::post(uri).body(Full::new(body)).expect("request");
            *req.headers_mut() = (*headers).clone();
            match http.request(req).await {
                Ok(resp) => resp.status() == 200 && resp.into_body().collect().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// What a user who did not adopt this crate would write for the same call: reqwest, serde_json and the public
/// `sign` module, per call — encode the 1 KB event, date and sign the request as FC 2.0 requires (the same headers
/// the client sends), send it, decode the answer. The fair yardstick for the typed stub's cost.
async fn handwritten_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    use fc_runtime::sign::{SignableRequest, SigningKey};
    let http = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build().expect("reqwest client");
    let path = format!("/2016-08-15/services/{}/functions/echo/invocations", fc_benches::SERVICE);
    let url = format!("{endpoint}{path}");
    let key = Arc::new(SigningKey::new(ACCESS_KEY_SECRET));
    let event = Arc::new(event_1kb());
    let call = move || {
        let (http, url, path, key, event) = (http.clone(), url.clone(), path.clone(), key.clone(), event.clone());
        async move {
            let Ok(body) = serde_json::to_vec(&*event) else { return false };
            let date = httpdate::fmt_http_date(SystemTime::now());
            let headers: [(&str, &str); 3] =
                [("date", &date), ("content-type", "application/json"), ("x-fc-invocation-type", "Sync")];
            let signed = SignableRequest { method: "POST", path: &path, headers: &headers, query: &[] };
            let authorization = key.authorization(ACCESS_KEY_ID, &signed);
            let mut request = http.post(&url).header("authorization", authorization).body(body);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            match request.send().await {
                Ok(resp) if resp.status() == 200 && resp.headers().get("x-fc-error-type").is_none() => {
                    match resp.bytes().await {
                        Ok(bytes) => serde_json::from_slice::<Event>(&bytes).is_ok_and(|e| e.id == event.id),
                        Err(_) => false,
                    }
                }
                _ => false,
            }
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// `Client::invoke` with a pre-encoded event: the client without the typed layer.
async fn raw_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let client = client(endpoint);
    let body = Bytes::from(serde_json::to_vec(&event_1kb()).expect("serializes"));
    let call = move || {
        let (client, body) = (client.clone(), body.clone());
        async move {
            let request = fc_runtime::InvokeRequest::new(fc_benches::SERVICE, "echo").json_bytes(body);
            client.invoke(request).await.is_ok()
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// reqwest (the HTTP client under `Client`) sending the same pre-signed request: separates what the stub adds
/// from what the HTTP client costs.
/// Bare reqwest sending one pre-signed request over and over; with `timeout`, each request bounded by it as the
/// typed client bounds every call (one timer per request).
async fn reqwest_load(endpoint: &str, calls: usize, concurrency: usize, timeout: Option<Duration>) -> Load {
    let http = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build().expect("reqwest client");
    let (url, headers, body) = presigned_echo(endpoint);
    let call = move || {
        let (http, headers, body, url) = (http.clone(), headers.clone(), body.clone(), url.clone());
        async move {
            let mut request = http.post(url).headers((*headers).clone()).body(body);
            if let Some(timeout) = timeout {
                request = request.timeout(timeout);
            }
            let sent = request.send().await;
            match sent {
                Ok(resp) => resp.status() == 200 && resp.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

fn python_load(options: &Options, endpoint: &str, calls: usize, concurrency: usize) -> Result<Option<Load>, BoxError> {
    let event = serde_json::to_string(&event_1kb())?;
    let v = python(options, &["invoke", endpoint, &calls.to_string(), &concurrency.to_string(), &event])?;
    Ok(v.map(|v| peer_load(&v)))
}

/// The official Node SDK (`@alicloud/fc2`) driving the same echo, `concurrency` calls in flight on its event loop.
fn node_load(options: &Options, endpoint: &str, calls: usize, concurrency: usize) -> Result<Option<Load>, BoxError> {
    let Some(node) = &options.node else { return Ok(None) };
    let event = serde_json::to_string(&event_1kb())?;
    let out = Command::new(node)
        .arg(workspace().join("benches/node/sdk_bench.js"))
        .args(["invoke", endpoint, &calls.to_string(), &concurrency.to_string(), &event])
        .env("FC_NODE_SDK", node_sdk())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err("sdk_bench.js failed".into());
    }
    Ok(Some(peer_load(&serde_json::from_slice(&out.stdout)?)))
}

/// A load measured by an official SDK's script: `{"calls", "secs", "errors", "latencies_us"}`.
fn peer_load(v: &serde_json::Value) -> Load {
    let mut samples = Samples::default();
    for us in v["latencies_us"].as_array().into_iter().flatten() {
        samples.push(Duration::from_micros(us.as_u64().unwrap_or(0)));
    }
    Load {
        calls: v["calls"].as_u64().unwrap_or(0) as usize,
        secs: v["secs"].as_f64().unwrap_or(f64::NAN),
        samples,
        errors: v["errors"].as_u64().unwrap_or(0) as usize,
    }
}

/// Several runs of one client against one server: the median rate, and latency over every call of every run.
struct Runs {
    loads: Vec<Load>,
}

impl Runs {
    fn median_rate(&self) -> f64 {
        median(self.loads.iter().map(Load::per_sec).collect())
    }

    fn describe(&mut self) -> String {
        let text = self.clone_describe();
        for load in &mut self.loads {
            load.samples = Samples::default();
        }
        text
    }

    /// The summary, leaving the samples in place.
    fn clone_describe(&self) -> String {
        let (mut samples, mut errors) = (Samples::default(), 0);
        for load in &self.loads {
            samples.extend(load.samples.clone());
            errors += load.errors;
        }
        summary(self.median_rate(), &samples, errors)
    }
}

/// The median over rounds of `a`'s rate divided by `b`'s in the same round: drift of a shared machine between
/// rounds cancels out.
/// FC's `POST /invoke` with a 1 KB event and the headers FC sends, over a pooled hyper client; each call has its
/// own request id.
async fn invoke_load(endpoint: &str, calls: usize, concurrency: usize) -> Load {
    let http = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .pool_max_idle_per_host(usize::MAX)
        .build_http::<Full<Bytes>>();
    let uri: http::Uri = format!("{endpoint}/invoke").parse().expect("uri");
    let body = Bytes::from(serde_json::to_vec(&event_1kb()).expect("serializes"));
    let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let call = move || {
        let (http, body, uri, counter) = (http.clone(), body.clone(), uri.clone(), counter.clone());
        async move {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let req = http::Request::post(uri)
                .header("content-type", "application/octet-stream")
                .header("x-fc-request-id", format!("bench-{n}"))
                .header("x-fc-function-name", "echo")
                .header("x-fc-control-path", "/invoke")
                .header("x-fc-region", "cn-hangzhou")
                .header("x-fc-account-id", "1234567890")
                .header("x-fc-qualifier", "LATEST")
                .body(Full::new(body))
                .expect("request");
            match http.request(req).await {
                Ok(resp) => resp.status() == 200 && resp.into_body().collect().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// The custom-runtime server (routing, context, markers on stdout) against a bare hyper server echoing the
/// same requests, each its own process under the same load.
fn runtime_throughput(quick: bool) -> Result<Row, BoxError> {
    let rt = runtime();
    let function = ServerProcess::start("function")?;
    let bare_server = ServerProcess::start("bare")?;
    let (rounds, calls, concurrency) = if quick { (1, 200, 64) } else { (5, 20_000, 64) };
    let (mut ours, mut bare) = (Runs { loads: Vec::new() }, Runs { loads: Vec::new() });
    for _ in 0..rounds {
        ours.loads.push(rt.block_on(invoke_load(&function.endpoint, calls, concurrency)));
        bare.loads.push(rt.block_on(invoke_load(&bare_server.endpoint, calls, concurrency)));
    }
    let ratio = round_ratio(&ours, &bare);
    Ok(row(
        format!("8. Custom-runtime server, `POST /invoke` 1 KB echo, concurrency {concurrency}"),
        ours.describe(),
        format!("{} (bare hyper server)", bare.describe()),
        format!("{ratio:.2}"),
        "≥ 0.8",
    ))
}

/// A typed `#[fc_http]` call through an HTTP trigger: anonymous, or signed as `authType = function` requires.
async fn trigger_typed_load(url: &str, signed: bool, calls: usize, concurrency: usize) -> Load {
    use fc_benches::BenchWeb as _;
    let mut builder = fc_runtime::http_trigger::HttpTriggerClient::builder(url);
    if signed {
        builder = builder.sign_with(Credentials::new(fc_benches::ACCESS_KEY_ID, fc_benches::ACCESS_KEY_SECRET));
    }
    let client = builder.retry(RetryPolicy::none()).build().expect("valid trigger client");
    let event = Arc::new(event_1kb());
    let call = move || {
        let (client, event) = (client.clone(), event.clone());
        async move { client.echo(&event).await.is_ok_and(|e| e.id == event.id) }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// The same request by bare reqwest: `POST /echo` with the JSON event, the answer decoded.
async fn trigger_reqwest_load(url: &str, calls: usize, concurrency: usize) -> Load {
    let http = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build().expect("reqwest client");
    let url = format!("{url}/echo");
    let body = Bytes::from(serde_json::to_vec(&event_1kb()).expect("serializes"));
    let call = move || {
        let (http, body, url) = (http.clone(), body.clone(), url.clone());
        async move {
            let sent = http.post(url).header("content-type", "application/json").body(body).send().await;
            match sent {
                Ok(resp) if resp.status() == 200 => match resp.bytes().await {
                    Ok(bytes) => serde_json::from_slice::<Event>(&bytes).is_ok(),
                    Err(_) => false,
                },
                _ => false,
            }
        }
    };
    warm_then_drive(calls, concurrency, call).await
}

/// MiB/s reading `GET /stream?mib=N` whole, chunk by chunk, `rounds` times in a row.
async fn stream_rate(url: &str, mib: usize, rounds: usize) -> Result<f64, BoxError> {
    let http = reqwest::Client::builder().no_proxy().build()?;
    let mut read = 0usize;
    let started = Instant::now();
    for _ in 0..rounds {
        let mut response = http.get(format!("{url}/stream?mib={mib}")).send().await?;
        while let Some(chunk) = response.chunk().await? {
            read += chunk.len();
        }
    }
    if read != rounds * mib * 1024 * 1024 {
        return Err(format!("read {read} bytes of {}", rounds * mib * 1024 * 1024).into());
    }
    Ok(read as f64 / (1024.0 * 1024.0) / started.elapsed().as_secs_f64())
}

/// HTTP triggers: the typed stub against bare reqwest (the same request, the same LocalFc trigger) at
/// concurrency 1 and 64, what signing costs, and a streamed answer's throughput from the custom-runtime server
/// (and through LocalFc's gateway) against a bare hyper server.
fn http_trigger_rows(quick: bool) -> Result<Vec<Row>, BoxError> {
    let rt = runtime();
    let trigger = ServerProcess::start("trigger")?;
    let (open, signed) = trigger.endpoint.split_once(' ').ok_or("the trigger server printed no URLs")?;
    let (open, signed) = (open.to_owned(), signed.to_owned());
    let rounds = if quick { 1 } else { 5 };
    let mut rows = Vec::new();
    for concurrency in [1usize, 64] {
        let calls = match (quick, concurrency) {
            (true, _) => 200,
            (false, 1) => 4_000,
            (false, _) => 20_000,
        };
        let runs = || Runs { loads: Vec::new() };
        let (mut typed, mut typed_signed, mut bare) = (runs(), runs(), runs());
        for _ in 0..rounds {
            typed.loads.push(rt.block_on(trigger_typed_load(&open, false, calls, concurrency)));
            typed_signed.loads.push(rt.block_on(trigger_typed_load(&signed, true, calls, concurrency)));
            bare.loads.push(rt.block_on(trigger_reqwest_load(&open, calls, concurrency)));
        }
        rows.push(row(
            format!("10. HTTP trigger (LocalFc, anonymous), `POST /echo` 1 KB JSON, concurrency {concurrency}: typed `#[fc_http]` stub vs bare reqwest"),
            typed.clone_describe(),
            format!("{} (bare reqwest, JSON decoded)", bare.clone_describe()),
            format!("{:.2}", round_ratio(&typed, &bare)),
            "≥ 0.9",
        ));
        rows.push(row(
            format!("10. HTTP trigger, concurrency {concurrency}: signed (`authType = function`, verified by LocalFc) vs anonymous, both typed"),
            typed_signed.describe(),
            format!("{} (anonymous)", typed.describe()),
            format!("{:.2}", round_ratio(&typed_signed, &typed)),
            "",
        ));
    }
    drop(trigger);
    let function = ServerProcess::start("function")?;
    let bare_server = ServerProcess::start("bare")?;
    let gateway = ServerProcess::start("trigger")?;
    let gateway_url = gateway.endpoint.split(' ').next().unwrap_or_default().to_owned();
    let (mib, rounds) = if quick { (4, 1) } else { (256, 5) };
    let (mut ours, mut bare, mut through) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(rt.block_on(stream_rate(&function.endpoint, mib, 1))?);
        bare.push(rt.block_on(stream_rate(&bare_server.endpoint, mib, 1))?);
        through.push(rt.block_on(stream_rate(&gateway_url, mib, 1))?);
    }
    let ratios: Vec<f64> = ours.iter().zip(&bare).map(|(a, b)| a / b).collect();
    let (ours, bare, through) = (median(ours), median(bare), median(through));
    rows.push(row(
        format!(
            "11. Streamed answer, {mib} MiB in 64 KiB chunks: custom-runtime server (a web route) vs bare hyper server"
        ),
        format!("{ours:.0} MiB/s ({through:.0} MiB/s through LocalFc's HTTP trigger to an in-process function)"),
        format!("{bare:.0} MiB/s (bare hyper server, same body)"),
        format!("{:.2}", median(ratios)),
        "≥ 0.8",
    ));
    Ok(rows)
}

/// A free loopback port (bound, read, released).
fn free_port() -> Result<u16, BoxError> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `command` listening on a free port and measures the time until its first `/invoke` is answered.
fn one_cold_start(mut command: Command) -> Result<Duration, BoxError> {
    let port = free_port()?;
    let started = Instant::now();
    let mut child = command
        .env("FC_CUSTOM_LISTEN_PORT", port.to_string())
        .env("RUST_FC_LISTEN_HOST", "127.0.0.1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let request = "POST /invoke HTTP/1.1\r\nhost: 127.0.0.1\r\nx-fc-request-id: cold\r\nx-fc-function-name: echo\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
    let outcome = loop {
        if started.elapsed() > Duration::from_secs(30) {
            break Err("no answer within 30 s".into());
        }
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            std::thread::sleep(Duration::from_micros(200));
            continue;
        };
        use std::io::Read as _;
        let mut answer = Vec::new();
        if stream.write_all(request.as_bytes()).is_ok()
            && stream.read_to_end(&mut answer).is_ok()
            && answer.starts_with(b"HTTP/1.1 200")
        {
            break Ok(started.elapsed());
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

/// Cold start: process start to the first answered `/invoke`, for `fc-function` (a custom runtime built on
/// `fc_runtime::function::serve`) and for a minimal Node.js HTTP server started and called the same way.
fn cold_start(options: &Options) -> Result<Row, BoxError> {
    let runs = if options.quick { 3 } else { 30 };
    let ours_bin = std::env::current_exe()?.with_file_name("fc-function");
    let mut ours = Vec::new();
    for _ in 0..runs {
        ours.push(one_cold_start(Command::new(&ours_bin))?.as_secs_f64() * 1e3);
    }
    let ours = median(ours);
    let node = options.node.clone().or_else(|| {
        Command::new("node").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| "node".into())
    });
    let (other, ratio) = match node {
        Some(node) => {
            let script = workspace().join("benches/node/custom_runtime.js");
            let mut theirs = Vec::new();
            for _ in 0..runs {
                let mut command = Command::new(&node);
                command.arg(&script);
                theirs.push(one_cold_start(command)?.as_secs_f64() * 1e3);
            }
            let theirs = median(theirs);
            (format!("{theirs:.1} ms (Node.js `http` server)"), format!("{:.2}", ours / theirs))
        }
        None => ("n/a (no node)".into(), "n/a".into()),
    };
    Ok(row(
        format!("9. Cold start: process start → first answered `/invoke` (median of {runs})"),
        format!("{ours:.1} ms"),
        other,
        ratio,
        "≤ 0.2",
    ))
}

/// The management API on LocalFc: a small zipped function created and invoked for the first time (the unzip,
/// the process start and the first answer), and one management call (GetFunction) compared with the official FC
/// 3.0 Python SDK's, one call at a time against the same LocalFc process.
fn management_rows(options: &Options) -> Result<Vec<Row>, BoxError> {
    use fc_runtime::manage::CodePackage;
    use fc_runtime::manage::functions::CreateFunctionInput;
    let rt = runtime();
    let runs = if options.quick { 3 } else { 20 };
    let binary = std::fs::read(std::env::current_exe()?.with_file_name("fc-function"))?;
    let zip = CodePackage::new().executable("bootstrap", binary).finish()?;
    let (mut create, mut first) = (Vec::new(), Vec::new());
    rt.block_on(async {
        let fc = fc_runtime::local::LocalFc::builder().start().await?;
        let client = fc.client();
        for _ in 0..runs {
            let started = Instant::now();
            client.create_function(&CreateFunctionInput::new("echo", "custom.debian12").zip(&zip)).await?;
            let created = started.elapsed();
            let answer = client.invoke(fc_runtime::InvokeRequest::fc3("echo").bytes(&b"first"[..])).await?;
            if &answer.body[..] != b"first" {
                return Err::<(), BoxError>("the deployed function did not echo".into());
            }
            create.push(created.as_secs_f64() * 1e3);
            first.push((started.elapsed() - created).as_secs_f64() * 1e3);
            client.delete_function("echo").await?;
        }
        fc.shutdown().await;
        Ok(())
    })?;
    let (create, first) = (median(create), median(first));
    let deploy = row(
        format!(
            "12. CreateFunction of the zipped `fc-function` ({:.1} MB) on LocalFc, then its first invoke (cold start), median of {runs}",
            zip.len() as f64 / 1e6
        ),
        format!("{:.1} ms ({create:.1} create + {first:.1} first invoke)", create + first),
        "n/a".into(),
        "n/a".into(),
        "—",
    );
    let calls = if options.quick { 50 } else { 1_000 };
    let local = ServerProcess::start("localfc")?;
    let ours = rt.block_on(async {
        let client = client(&local.endpoint);
        let small = CodePackage::new().file("index.py", b"def handler(e, c): return e".to_vec()).finish()?;
        client.create_function(&CreateFunctionInput::new("managed", "python3.10").zip(&small)).await?;
        for _ in 0..calls / 10 {
            client.get_function("managed", None).await?;
        }
        let started = Instant::now();
        for _ in 0..calls {
            client.get_function("managed", None).await?;
        }
        Ok::<_, BoxError>(started.elapsed().as_secs_f64() * 1e6 / calls as f64)
    })?;
    let theirs = python(options, &["manage", &local.endpoint, "managed", &calls.to_string()])?;
    let (other, ratio) = match theirs.and_then(|v| v["us_per_call"].as_f64()) {
        Some(theirs) => (format!("{theirs:.0} µs (alibabacloud-fc20230330, Python)"), format!("{:.2}", ours / theirs)),
        None => ("n/a (no SDK virtualenv)".into(), "n/a".into()),
    };
    let call = row(
        format!("13. A management call (GetFunction, ACS3-signed) against LocalFc, one at a time, mean of {calls}"),
        format!("{ours:.0} µs"),
        other,
        ratio,
        "≤ 0.5",
    );
    Ok(vec![deploy, call])
}

/// A crate with one function for `cargo fc`'s rows: its settings, and a binary that is never built (the deploy
/// row packs `fc-function`).
fn cargo_fc_fixture(dir: &Path) -> Result<cargo_fc::Project, BoxError> {
    std::fs::create_dir_all(dir.join("src/bin"))?;
    std::fs::write(dir.join("src/bin/bench.rs"), "fn main() {}\n")?;
    let manifest = "[package]\nname = \"bench\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n\
                    [package.metadata.fc]\nmemory = 128\nconcurrency = 5\n\
                    triggers = [{ name = \"web\", type = \"http\", config = { authType = \"anonymous\", methods = [\"GET\"] } }]\n";
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    Ok(cargo_fc::Project::load(Some(&dir.join("Cargo.toml")))?)
}

/// `cargo fc deploy` of one function (settings, concurrency, an HTTP trigger) against LocalFc: the no-op path
/// (everything unchanged: the reads of the plan, nothing written) and a code change (the plan, the upload, the
/// unpack, the wait until ready), the library's `plan` + `apply` as the command runs them.
fn cargo_fc_deploy_row(options: &Options) -> Result<Row, BoxError> {
    use cargo_fc::deploy::{DeployOptions, Deployable, apply, plan};
    let runs = if options.quick { 3 } else { 20 };
    let dir = std::env::temp_dir().join(format!("fc-bench-cargo-fc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let project = cargo_fc_fixture(&dir)?;
    let spec = project.functions(&[])?.remove(0);
    let binary = std::fs::read(std::env::current_exe()?.with_file_name("fc-function"))?;
    let zip = |marker: usize| {
        fc_runtime::manage::CodePackage::new()
            .executable("bootstrap", binary.clone())
            .file("MARKER", marker.to_string().into_bytes())
            .finish()
    };
    let rt = runtime();
    let (mut unchanged, mut changed) = (Vec::new(), Vec::new());
    rt.block_on(async {
        let fc = fc_runtime::local::LocalFc::builder().start().await?;
        let client = fc.client();
        let quiet = cargo_fc::Progress::quiet();
        let options = DeployOptions::default();
        let mut deployable = Deployable { spec, zip: zip(0)? };
        let planned = plan(&client, &deployable, &options).await?;
        apply(&client, &deployable, &planned, &options, &quiet).await?;
        for round in 1..=runs {
            let started = Instant::now();
            let planned = plan(&client, &deployable, &options).await?;
            apply(&client, &deployable, &planned, &options, &quiet).await?;
            unchanged.push(started.elapsed().as_secs_f64() * 1e3);
            deployable.zip = zip(round)?;
            let started = Instant::now();
            let planned = plan(&client, &deployable, &options).await?;
            apply(&client, &deployable, &planned, &options, &quiet).await?;
            changed.push(started.elapsed().as_secs_f64() * 1e3);
        }
        if fc.code_uploads() != 1 + runs as u64 {
            return Err::<(), BoxError>(format!("{} uploads for {runs} changes", fc.code_uploads()).into());
        }
        fc.shutdown().await;
        Ok(())
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    let (unchanged, changed) = (median(unchanged), median(changed));
    Ok(row(
        format!(
            "14. `cargo fc deploy` of one function (settings, concurrency, an HTTP trigger) to LocalFc, unchanged (no-op) vs its code changed ({:.1} MB zip), median of {runs}",
            zip(0)?.len() as f64 / 1e6
        ),
        format!("{unchanged:.1} ms"),
        format!("{changed:.1} ms (code changed: uploaded, unpacked, ready)"),
        format!("{:.2}", unchanged / changed),
        "—",
    ))
}

/// `cargo fc build`'s incremental rebuild of a crate it made (`cargo fc new`, one source touched) against `cargo
/// zigbuild` alone on the same crate and target directory: what packing, the glibc check and the zip cost.
fn cargo_fc_build_row(quick: bool) -> Result<Row, BoxError> {
    let rounds = if quick { 1 } else { 3 };
    // Outside this workspace (a crate inside it would have to be one of its members); its builds go to the shared
    // target directory below.
    let work = std::env::temp_dir().join("fc-bench-cargo-fc");
    let crate_dir = work.join("hello");
    if !crate_dir.exists() {
        std::fs::create_dir_all(&work)?;
        cargo_fc::new::new(
            &work,
            &cargo_fc::new::NewOptions {
                name: "hello".into(),
                http: false,
                event: None,
                runtime: cargo_fc::new::RuntimeDependency::Path(workspace().join("fc-runtime")),
            },
        )?;
    }
    let zigbuild = workspace().join("target/zig-venv/bin/cargo-zigbuild");
    if !zigbuild.exists() {
        return Ok(row(
            "15. `cargo fc build`, incremental",
            "n/a (no cargo-zigbuild)".into(),
            "n/a".into(),
            "n/a".into(),
            "—",
        ));
    }
    let target = workspace().join("target/cargo-fc-e2e");
    // The crate builds into the shared target directory and finds the workspace's cargo-zigbuild beside it.
    std::fs::create_dir_all(crate_dir.join(".cargo"))?;
    std::fs::write(
        crate_dir.join(".cargo/config.toml"),
        format!("[build]\ntarget-dir = {:?}\n", target.display().to_string()),
    )?;
    let venv = crate_dir.join(".venv");
    if !venv.exists() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(workspace().join("target/zig-venv"), &venv)?;
    }
    let touch = || -> Result<(), BoxError> {
        let lib = crate_dir.join("src/lib.rs");
        let text = std::fs::read_to_string(&lib)?;
        std::fs::write(&lib, text)?;
        Ok(())
    };
    let project = cargo_fc::Project::load(Some(&crate_dir.join("Cargo.toml")))?;
    let fc_build = || -> Result<f64, BoxError> {
        touch()?;
        let started = Instant::now();
        cargo_fc::compile::build(&project, &cargo_fc::compile::BuildOptions::default(), &cargo_fc::Progress::quiet())?;
        Ok(started.elapsed().as_secs_f64())
    };
    let zig_build = || -> Result<f64, BoxError> {
        touch()?;
        let started = Instant::now();
        let status = Command::new(&zigbuild)
            .args(["zigbuild", "--target", "x86_64-unknown-linux-gnu.2.28", "--bin", "hello"])
            .current_dir(&crate_dir)
            .env(
                "PATH",
                format!("{}:{}", zigbuild.parent().unwrap().display(), std::env::var("PATH").unwrap_or_default()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()?;
        if !status.success() {
            return Err("cargo zigbuild failed".into());
        }
        Ok(started.elapsed().as_secs_f64())
    };
    // Warm: the first build of the crate compiles everything.
    fc_build()?;
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours.push(fc_build()?);
        theirs.push(zig_build()?);
    }
    let (ours, theirs) = (median(ours), median(theirs));
    Ok(row(
        format!(
            "15. `cargo fc build` of a crate `cargo fc new` made, incremental (one source touched), median of {rounds}"
        ),
        format!("{ours:.2} s"),
        format!("{theirs:.2} s (`cargo zigbuild` alone)"),
        format!("{:.2}", ours / theirs),
        "≤ 1.1",
    ))
}

fn round_ratio(a: &Runs, b: &Runs) -> f64 {
    median(a.loads.iter().zip(&b.loads).map(|(a, b)| a.per_sec() / b.per_sec()).collect())
}

fn loopback(options: &Options) -> Result<Vec<Row>, BoxError> {
    let rt = runtime();
    let local = ServerProcess::start("localfc")?;
    let bare_server = ServerProcess::start("bare")?;
    let rounds = if options.quick { 1 } else { 5 };
    let mut rows = Vec::new();
    let mut fc3_rows = Vec::new();
    let mut capacity = None;
    for concurrency in [1usize, 64] {
        let calls = match (options.quick, concurrency) {
            (true, _) => 200,
            (false, 1) => 4_000,
            (false, _) => 20_000,
        };
        let runs = || Runs { loads: Vec::new() };
        let (mut typed, mut bare, mut plain_reqwest, mut against_bare) = (runs(), runs(), runs(), runs());
        let mut handwritten = runs();
        let (mut typed3, mut chain, mut timed_reqwest) = (runs(), runs(), runs());
        let mut mimalloc: Vec<(f64, f64)> = Vec::new();
        // Interleaved rounds: each client runs once per round, in the same order.
        for _ in 0..rounds {
            typed.loads.push(rt.block_on(typed_load(&local.endpoint, calls, concurrency)));
            handwritten.loads.push(rt.block_on(handwritten_load(&local.endpoint, calls, concurrency)));
            chain.loads.push(rt.block_on(chain_load(&local.endpoint, calls, concurrency)));
            typed3.loads.push(rt.block_on(typed3_load(&local.endpoint, calls, concurrency)));
            bare.loads.push(rt.block_on(bare_load(&local.endpoint, calls, concurrency)));
            plain_reqwest.loads.push(rt.block_on(reqwest_load(&local.endpoint, calls, concurrency, None)));
            timed_reqwest.loads.push(rt.block_on(reqwest_load(
                &local.endpoint,
                calls,
                concurrency,
                Some(fc_runtime::DEFAULT_TIMEOUT),
            )));
            if concurrency == 64 {
                against_bare.loads.push(rt.block_on(bare_load(&bare_server.endpoint, calls, concurrency)));
            }
            if let (Some(t), Some(r)) = (
                mimalloc_rate("typed", &local.endpoint, calls, concurrency)?,
                mimalloc_rate("reqwest", &local.endpoint, calls, concurrency)?,
            ) {
                mimalloc.push((t, r));
            }
        }
        rows.push(row(
            format!(
                "3. Loopback sync echo, concurrency {concurrency}, typed stub, credentials from the default chain (environment source) vs fixed"
            ),
            chain.clone_describe(),
            format!("{} (fixed credentials)", typed.clone_describe()),
            format!("{:.2}", round_ratio(&chain, &typed)),
            "≥ 0.97",
        ));
        if !mimalloc.is_empty() {
            let typed_rate = median(mimalloc.iter().map(|(t, _)| *t).collect());
            let reqwest_rate = median(mimalloc.iter().map(|(_, r)| *r).collect());
            rows.push(row(
                format!("3. Loopback sync echo, concurrency {concurrency}, with mimalloc: typed stub vs bare reqwest"),
                format!("{typed_rate:.0}/s"),
                format!("{reqwest_rate:.0}/s (reqwest, pre-signed, mimalloc)"),
                format!("{:.2}", median(mimalloc.iter().map(|(t, r)| t / r).collect())),
                "report",
            ));
        }
        let ratio3 = round_ratio(&typed3, &typed);
        fc3_rows.push(row(
            format!("7. Loopback sync echo, concurrency {concurrency}, typed FC 3.0 (ACS3) vs typed FC 2.0"),
            typed3.describe(),
            format!("{} (FC 2.0, same event)", typed.clone_describe()),
            format!("{ratio3:.2}"),
            "≥ 0.95",
        ));
        let py_calls = if options.quick { 50 } else { 2_000 };
        let mut py = python_load(options, &local.endpoint, py_calls, concurrency)?;
        let (ratio_bare, ratio_reqwest) = (round_ratio(&typed, &bare), round_ratio(&typed, &plain_reqwest));
        let (typed_text, bare_text) = (typed.describe(), bare.describe());
        rows.push(row(
            format!(
                "3. Loopback sync echo, concurrency {concurrency}, typed stub vs a hand-written call (reqwest + serde_json + the public `sign` module: encode, sign, send, decode)"
            ),
            typed_text.clone(),
            format!("{} (hand-written, same work)", handwritten.describe()),
            format!("{:.2}", round_ratio(&typed, &handwritten)),
            "≥ 0.95",
        ));
        rows.push(row(
            format!("3. Loopback sync echo, concurrency {concurrency}, typed stub vs bare hyper client"),
            typed_text.clone(),
            format!("{bare_text} (bare hyper, pre-signed)"),
            format!("{ratio_bare:.2}"),
            "report",
        ));
        rows.push(row(
            format!("3. Loopback sync echo, concurrency {concurrency}, typed stub vs bare reqwest (its HTTP client)"),
            typed_text.clone(),
            format!("{} (reqwest, pre-signed)", plain_reqwest.describe()),
            format!("{ratio_reqwest:.2}"),
            if concurrency == 64 { "≥ 0.8" } else { "≥ 0.9" },
        ));
        rows.push(row(
            format!(
                "3. Loopback sync echo, concurrency {concurrency}, typed stub vs bare reqwest with a per-request timeout (as the stub bounds every call)"
            ),
            typed_text.clone(),
            format!("{} (reqwest, pre-signed, 120 s timeout)", timed_reqwest.describe()),
            format!("{:.2}", round_ratio(&typed, &timed_reqwest)),
            "report",
        ));
        let (other, ratio) = match py.as_mut() {
            Some(py) => (
                format!("{} (aliyun-fc2, {concurrency} threads)", py.describe()),
                format!("{:.1}", typed.median_rate() / py.per_sec()),
            ),
            None => ("n/a (no SDK virtualenv)".into(), "n/a".into()),
        };
        rows.push(row(
            format!("3. Loopback sync echo, concurrency {concurrency}, typed stub vs official Python SDK"),
            typed_text.clone(),
            other,
            ratio,
            "≥ 20",
        ));
        let node_calls = if options.quick { 100 } else { 4_000 };
        let (other, ratio) = match node_load(options, &local.endpoint, node_calls, concurrency)?.as_mut() {
            Some(node) => (
                format!("{} (@alicloud/fc2 2.6.6, {concurrency} in flight)", node.describe()),
                format!("{:.1}", typed.median_rate() / node.per_sec()),
            ),
            None => ("n/a (no Node SDK under target/node-sdk)".into(), "n/a".into()),
        };
        rows.push(row(
            format!("3. Loopback sync echo, concurrency {concurrency}, typed stub vs official Node SDK"),
            typed_text,
            other,
            ratio,
            if concurrency == 64 { "≥ 3" } else { "report" },
        ));
        if concurrency == 64 {
            let ratio = round_ratio(&bare, &against_bare);
            capacity = Some(row(
                "4. Emulator capacity: LocalFc vs bare hyper server (same load generator, concurrency 64)",
                bare_text.clone(),
                format!("{} (bare hyper server, same bytes)", against_bare.describe()),
                format!("{ratio:.2}"),
                "≥ 0.5",
            ));
        }
    }
    rows.extend(capacity);
    rows.extend(fc3_rows);
    Ok(rows)
}

fn large_payload(quick: bool, fc3: bool) -> Result<Row, BoxError> {
    let local = ServerProcess::start("localfc")?;
    let size = if quick { 4 << 20 } else { 32 << 20 };
    let api = if fc3 { "fc3" } else { "fc2" };
    let out = Command::new(std::env::current_exe()?)
        .args(["large", &local.endpoint, &size.to_string(), api])
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err("the large round trip failed".into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mb = |b: f64| b / (1024.0 * 1024.0);
    let (peak, base) = (v["peak_rss"].as_f64().unwrap_or(0.0), v["baseline_rss"].as_f64().unwrap_or(0.0));
    Ok(row(
        if fc3 {
            format!("7. {} MB sync round trip under FC 3.0 (body hashed for ACS3): time, client peak RSS", size >> 20)
        } else {
            format!("5. {} MB sync round trip: time, client peak RSS", size >> 20)
        },
        format!(
            "{:.0} ms, peak RSS {:.0} MB ({:.0} MB before the payload)",
            v["secs"].as_f64().unwrap_or(0.0) * 1000.0,
            mb(peak),
            mb(base)
        ),
        format!("payload {} MB", size >> 20),
        format!("peak {:.2}× payload; growth {:.2}×", peak / size as f64, (peak - base) / size as f64),
        "≤ 3× payload",
    ))
}

fn compile_time(quick: bool) -> Result<Vec<Row>, BoxError> {
    let work = workspace().join("target/bench-compile");
    let (methods, rounds) = if quick { (20, 1) } else { (200, 5) };
    let t = fc_benches::compile::measure(
        &work,
        &workspace().join("fc-runtime"),
        &workspace().join("Cargo.lock"),
        methods,
        rounds,
    )?;
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    Ok(vec![
        row(
            format!("6. Compile {methods} `#[fc_function]` methods, clean build of the crate"),
            s(t.cold_macro),
            format!("{} (expansion pasted in)", s(t.cold_expanded)),
            format!("{:.2}", t.cold_macro.as_secs_f64() / t.cold_expanded.as_secs_f64()),
            "≤ 1.3",
        ),
        row(
            format!("6. Compile {methods} `#[fc_function]` methods, incremental rebuild"),
            s(t.incremental_macro),
            format!("{} (expansion pasted in)", s(t.incremental_expanded)),
            format!("{:.2}", t.incremental_macro.as_secs_f64() / t.incremental_expanded.as_secs_f64()),
            "≤ 1.3",
        ),
    ])
}
