//! Helpers shared by the integration tests: a server that answers canned bytes (for malformed answers FC's
//! emulator never gives), a recording `Invoke`, and a tracing capture.

pub mod standins;

use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use fc_runtime::{Client, Credentials, FcError, Invoke, InvokeRequest, InvokeResponse, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback server answering each connection with the next canned response, then closing it.
pub struct CannedServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Requests received so far.
    pub requests: Arc<AtomicUsize>,
}

impl CannedServer {
    /// Serves `responses` in order (the last one repeats).
    pub async fn start(responses: Vec<Vec<u8>>) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let response = responses[n.min(responses.len() - 1)].clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Read the head and the declared body before answering.
                    loop {
                        let Ok(read) = stream.read(&mut chunk).await else { return };
                        if read == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..read]);
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                            let len: usize = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse().ok())
                                .unwrap_or(0);
                            if buf.len() >= end + 4 + len {
                                break;
                            }
                        }
                    }
                    let _ = stream.write_all(&response).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Ok(CannedServer { endpoint, requests })
    }

    /// A client for this server, without retries.
    pub fn client(&self) -> Client {
        Client::builder()
            .endpoint(&self.endpoint)
            .credentials(Credentials::new("testKeyId", "testKeySecret"))
            .retry(RetryPolicy::none())
            .use_env_proxy(false)
            .build()
            .expect("valid client")
    }
}

/// Polls `condition` every 10 ms until it gives `Some(value)`, and returns the value; fails the test, naming
/// `what`, when `deadline` passes first. The one way a test waits for something to happen: it cannot hang, and
/// it cannot go on as if the thing had happened.
pub async fn eventually<T, F, Fut>(deadline: std::time::Duration, what: &str, mut condition: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let until = tokio::time::Instant::now() + deadline;
    loop {
        if let Some(value) = condition().await {
            return value;
        }
        assert!(tokio::time::Instant::now() < until, "{what}: not within {deadline:?}");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// [`eventually`] for a plain condition, checked without awaiting anything.
pub async fn eventually_true(deadline: std::time::Duration, what: &str, mut condition: impl FnMut() -> bool) {
    eventually(deadline, what, || std::future::ready(condition().then_some(()))).await
}

/// A loopback server that reads each request and never answers, holding the connection open: a stalled service.
pub struct StallingServer {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    requests: Arc<AtomicUsize>,
}

impl StallingServer {
    /// Starts it.
    pub async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while let Ok(read) = stream.read(&mut chunk).await {
                        if read == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..read]);
                        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                            counter.fetch_add(1, Ordering::SeqCst);
                            buf.clear();
                        }
                    }
                });
            }
        });
        Ok(StallingServer { endpoint, requests })
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// An HTTP/1.1 response with `Content-Length` and `Connection: close`.
pub fn http_response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (k, v) in headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

type Answer = dyn Fn(&InvokeRequest) -> Result<InvokeResponse, FcError> + Send + Sync;

/// An `Invoke` that records requests and answers with a fixed response.
#[derive(Clone)]
pub struct Recorder {
    /// Every request received.
    pub requests: Arc<Mutex<Vec<InvokeRequest>>>,
    answer: Arc<Answer>,
}

impl Recorder {
    /// Answers every request with `answer(request)`.
    pub fn new(answer: impl Fn(&InvokeRequest) -> Result<InvokeResponse, FcError> + Send + Sync + 'static) -> Self {
        Recorder { requests: Default::default(), answer: Arc::new(answer) }
    }

    /// The last request.
    pub fn last(&self) -> InvokeRequest {
        self.requests.lock().unwrap().last().cloned().expect("a request was made")
    }
}

impl Invoke for Recorder {
    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        let answer = (self.answer)(&request);
        self.requests.lock().unwrap().push(request);
        answer
    }
}

/// A writer that appends to a shared buffer, for capturing `tracing` output.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `f` on a fresh current-thread runtime with a subscriber that records every level, and returns
/// `f`'s value with everything that was logged.
pub fn with_captured_tracing<T>(f: impl std::future::Future<Output = T>) -> (T, String) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
    });
    (out, captured.text())
}

/// A hand-signed request (key `testKeyId`/`testKeySecret`), to send what our client never would: an old
/// `Date`, a signature made for another path, a method FC does not serve. Returns the status and the JSON body
/// (`null` when the body is not JSON).
pub async fn send_signed(
    endpoint: &str,
    method: &str,
    signed_path: &str,
    sent_path: &str,
    date: &str,
) -> (u16, serde_json::Value) {
    let headers = [("date", date), ("content-type", "application/json")];
    let auth = fc_runtime::sign::authorization(
        "testKeyId",
        "testKeySecret",
        &fc_runtime::sign::SignableRequest { method, path: signed_path, headers: &headers, query: &[] },
    );
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
        .request(method.parse().expect("valid method"), format!("{endpoint}{sent_path}"))
        .header("date", date)
        .header("content-type", "application/json")
        .header("authorization", auth)
        .body("1")
        .send()
        .await
        .expect("the server answers");
    let status = resp.status().as_u16();
    (status, serde_json::from_slice(&resp.bytes().await.unwrap_or_default()).unwrap_or_default())
}

/// The Python of the virtualenv holding the official SDKs and credentials library (`FC_SDK_VENV`, default
/// `target/sdk-venv`), installed there first if they are missing: `aliyun-fc2`, `alibabacloud-fc20230330`,
/// `alibabacloud-credentials`, at the versions `.ci/run` installs.
pub fn sdk_python() -> std::path::PathBuf {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let venv = std::env::var_os("FC_SDK_VENV").map(PathBuf::from).unwrap_or_else(|| root.join("target/sdk-venv"));
    let python = venv.join("bin/python");
    let ready = Command::new(&python)
        .args(["-c", "import fc2, alibabacloud_fc20230330, alibabacloud_credentials"])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let ok = (python.exists()
            || Command::new("python3").arg("-m").arg("venv").arg(&venv).status().unwrap().success())
            && Command::new(&python)
                .args(SDK_PACKAGES.iter().copied().fold(vec!["-m", "pip", "install", "--quiet"], |mut v, p| {
                    v.push(p);
                    v
                }))
                .status()
                .unwrap()
                .success();
        assert!(ok, "could not install the official SDKs into {}", venv.display());
    }
    python
}

/// The official Python packages the tests run against (the same pins as `.ci/run`).
pub const SDK_PACKAGES: &[&str] =
    &["aliyun-fc2==2.5.2", "alibabacloud-fc20230330==4.8.3", "alibabacloud-credentials==1.0.12"];

/// The example binary `name` that `cargo test --workspace` builds, next to the running test's `deps` directory.
pub fn example_binary(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    let dir = exe.parent().and_then(std::path::Path::parent).expect("target/debug");
    let path = dir.join("examples").join(name);
    assert!(path.exists(), "{} is missing: run the suite with `cargo test --workspace`", path.display());
    path
}

/// The packages that build the deploy package for glibc 2.28 (the same pins as `.ci/run`).
pub const ZIG_PACKAGES: &[&str] = &["cargo-zigbuild==0.24.1", "ziglang==0.17.1"];

/// The `bin` directory of the virtualenv holding `cargo-zigbuild` and zig (`target/zig-venv`), installed there first
/// if they are missing.
pub fn zig_tools() -> std::path::PathBuf {
    use std::process::Command;
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/zig-venv");
    let bin = venv.join("bin");
    if !bin.join("cargo-zigbuild").exists() {
        let python = bin.join("python");
        let ok = (python.exists()
            || Command::new("python3").args(["-m", "venv"]).arg(&venv).status().unwrap().success())
            && Command::new(&python)
                .args(["-m", "pip", "install", "--quiet"])
                .args(ZIG_PACKAGES)
                .status()
                .unwrap()
                .success();
        assert!(ok, "could not install cargo-zigbuild and ziglang into {}", venv.display());
    }
    bin
}

/// The zip of the Python custom runtime in `tests/sdk/python_function` (a function not written in Rust), saying
/// `version` when invoked; with a `bootstrap` that starts it unless `bootstrap` is false.
pub fn python_function_zip(version: &str, bootstrap: bool) -> Vec<u8> {
    let mut package = fc_runtime::manage::CodePackage::new()
        .file("server.py", include_bytes!("sdk/python_function/server.py").to_vec())
        .file("VERSION", version.as_bytes().to_vec());
    if bootstrap {
        package =
            package.executable("bootstrap", b"#!/bin/sh\nexec python3 \"$(dirname \"$0\")/server.py\"\n".to_vec());
    }
    package.finish().expect("the package's paths are fine")
}

/// The official Node packages the tests run against (the same pins as `.ci/run`).
pub const NODE_PACKAGES: &[&str] = &["@alicloud/fc2@2.6.6", "@alicloud/fc20230330@4.7.6"];

/// The `node_modules` directory holding the official Node SDKs (`target/node-sdk`), installed there with npm first
/// if they are missing.
pub fn node_modules() -> std::path::PathBuf {
    use std::process::Command;
    let prefix = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/node-sdk");
    let modules = prefix.join("node_modules");
    if !modules.join("@alicloud/fc20230330").is_dir() || !modules.join("@alicloud/fc2").is_dir() {
        let ok = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .args(NODE_PACKAGES)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "could not install the official Node SDKs into {} (npm is required)", prefix.display());
    }
    modules
}
