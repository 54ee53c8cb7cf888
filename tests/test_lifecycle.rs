//! LocalFc stops cleanly and fails fast: a runtime that dies inside a hook is reported at once with its exit
//! status (no lock held across the hook), `shutdown` waits for the requests in flight and stops a runtime's whole
//! process group, dropping `LocalFc` aborts its pending async retries, a closed stderr does not stop a runtime,
//! a runtime that prints no markers still gets the platform's markers in its log (and is not waited for:
//! `local::runtime::log::tests`), and the function server handles SIGTERM from the moment it says it listens.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{CustomRuntime, FunctionConfig, LocalFc};
use fc_runtime::{FcError, InvokeRequest};

/// A custom runtime not written with this crate: a Python HTTP server on `FC_SERVER_PORT` that prints nothing
/// LocalFc would recognise. `/invoke` echoes; `/initialize` and `/pre-stop` exit with the status given as
/// `EXIT_IN_INITIALIZE` / `EXIT_IN_PRE_STOP`, when set.
const PYTHON_RUNTIME: &str = r#"
import http.server, os, sys
class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        self.send_response(200)
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        if self.path == '/initialize' and os.environ.get('EXIT_IN_INITIALIZE'):
            os._exit(int(os.environ['EXIT_IN_INITIALIZE']))
        length = int(self.headers.get('content-length') or 0)
        body = self.rfile.read(length)
        print('handled', self.path, flush=True)
        self.answer(b'x' * (2 << 20) if body == b'"big"' else body)
    def do_GET(self):
        if self.path == '/pre-stop' and os.environ.get('EXIT_IN_PRE_STOP'):
            os._exit(int(os.environ['EXIT_IN_PRE_STOP']))
        self.answer(b'')
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['FC_SERVER_PORT'])), Handler).serve_forever()
"#;

fn python_runtime(dir: &Path) -> CustomRuntime {
    let script = dir.join("runtime.py");
    std::fs::write(&script, PYTHON_RUNTIME).unwrap();
    CustomRuntime::command("python3").arg(script)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fc-lifecycle-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Far longer than a test should take: a deadlock shows as this wait running out, not as a slow test.
const HANG: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_in_its_initializer_is_reported_with_its_exit_status() {
    let dir = temp_dir("initialize");
    let runtime = python_runtime(&dir).env("EXIT_IN_INITIALIZE", "4");
    let config = FunctionConfig::default().initializer(true).timeout(Duration::from_secs(120));
    let fc = LocalFc::builder().custom_runtime_with("svc", ["echo"], runtime, config).start().await.unwrap();
    let client = fc.client();
    let call = || client.invoke(InvokeRequest::new("svc", "echo").json_bytes("{}"));
    let (first, second) = tokio::time::timeout(HANG, async { tokio::join!(call(), call()) }).await.expect("no hang");
    for result in [first, second] {
        let err = result.unwrap_err();
        let FcError::Function(failure) = &err else { panic!("{err:?}") };
        assert!(failure.message.contains("Process exited unexpectedly"), "{failure:?}");
        assert!(failure.message.contains("exit status: 4"), "{failure:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_with_a_pre_stop_hook_the_runtime_dies_in_ends_with_no_hang() {
    let dir = temp_dir("pre-stop");
    let runtime = python_runtime(&dir).env("EXIT_IN_PRE_STOP", "5").stop_timeout(Duration::from_secs(120));
    let config = FunctionConfig::default().pre_stop(true);
    let fc = LocalFc::builder().custom_runtime_with("svc", ["echo"], runtime, config).start().await.unwrap();
    let answer = fc.client().invoke(InvokeRequest::new("svc", "echo").json_bytes("\"hi\"")).await.unwrap();
    assert_eq!(&answer.body[..], b"\"hi\"");
    tokio::time::timeout(HANG, fc.shutdown()).await.expect("shutdown ends although the runtime died in /pre-stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_prints_no_markers_logs_without_being_waited_for() {
    let dir = temp_dir("markers");
    let fc = LocalFc::builder().custom_runtime("svc", ["echo"], python_runtime(&dir)).start().await.unwrap();
    let client = fc.client();
    let tail = InvokeRequest::new("svc", "echo").json_bytes("1").log_type(fc_runtime::LogType::Tail);
    let answer = client.invoke(tail).await.unwrap();
    let log = answer.meta.log_tail.unwrap();
    let id = answer.meta.request_id.unwrap();
    assert!(log.starts_with(&format!("FC Invoke Start RequestId: {id}")), "{log}");
    assert!(log.trim_end().ends_with(&format!("FC Invoke End RequestId: {id}")), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_waits_for_the_requests_in_flight() {
    let started = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicU64::new(0));
    let (seen, done) = (started.clone(), finished.clone());
    let router = Router::new().json("slow", move |(): (), _ctx| {
        let (seen, done) = (seen.clone(), done.clone());
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(500)).await;
            done.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Failure>("done")
        }
    });
    let fc = LocalFc::builder().router("svc", router).start().await.unwrap();
    let client = fc.client();
    let call = tokio::spawn(async move { client.invoke(InvokeRequest::new("svc", "slow")).await });
    support::eventually_true(Duration::from_secs(10), "the call started", || started.load(Ordering::SeqCst) == 1).await;
    fc.shutdown().await;
    assert_eq!(finished.load(Ordering::SeqCst), 1, "shutdown returned before the request in flight was answered");
    assert_eq!(&call.await.unwrap().unwrap().body[..], b"\"done\"");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_local_fc_aborts_its_pending_async_retries() {
    let attempts = Arc::new(AtomicU64::new(0));
    let seen = attempts.clone();
    let router = Router::new().json("flaky", move |(): (), _ctx| {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Failure::new("Flaky", "fails every time"))
        }
    });
    let config = FunctionConfig::default().async_retries(3).retry_delay(Duration::from_millis(300));
    let fc = LocalFc::builder().router_with("svc", router, config).start().await.unwrap();
    let request = InvokeRequest::new("svc", "flaky").invocation_type(fc_runtime::InvocationType::Async);
    fc.client().invoke(request).await.unwrap();
    support::eventually_true(Duration::from_secs(10), "the first attempt ran", || attempts.load(Ordering::SeqCst) == 1)
        .await;
    drop(fc);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(attempts.load(Ordering::SeqCst), 1, "a retry ran after LocalFc was dropped");
}

/// A `bootstrap` shell script that does not `exec` its server: the server is the script's child, in the
/// runtime's process group, and stopping the runtime stops it too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bootstrap_script_that_does_not_exec_leaves_no_server_behind() {
    let dir = temp_dir("group");
    let port_file = dir.join("port");
    let script = dir.join("bootstrap");
    let function = support::example_binary("function");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$FC_CUSTOM_LISTEN_PORT\" > '{}'\n'{}'\necho the server exited\n",
            port_file.display(),
            function.display()
        ),
    )
    .unwrap();
    let status = std::process::Command::new("chmod").arg("+x").arg(&script).status().unwrap();
    assert!(status.success());
    let fc =
        LocalFc::builder().custom_runtime("demo", ["greet"], CustomRuntime::command(&script)).start().await.unwrap();
    let greet = InvokeRequest::new("demo", "greet").json_bytes(r#"{"name":"group"}"#);
    assert!(fc.client().invoke(greet).await.is_ok());
    let port: u16 = std::fs::read_to_string(&port_file).unwrap().trim().parse().unwrap();
    let listening = || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok();
    assert!(listening(), "the script's server listens on its port");
    tokio::time::timeout(HANG, fc.shutdown()).await.unwrap();
    support::eventually_true(Duration::from_secs(10), "the server stopped with its script", || !listening()).await;
}

/// A runtime writing to a stderr whose reader has gone: LocalFc forwards its stderr, and a closed one loses the
/// lines, not the runtime (a forwarder that panicked would stop draining the pipe, and the runtime would block).
#[test]
fn a_closed_stderr_does_not_stop_a_runtime() {
    let dir = temp_dir("stderr");
    let script = dir.join("bootstrap");
    let function = support::example_binary("function");
    // 256 KiB to stderr before the server starts: more than a pipe holds.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nhead -c 262144 /dev/zero | tr '\\0' 'e' | fold -w 1023 >&2\nexec '{}'\n",
            function.display()
        ),
    )
    .unwrap();
    let status = std::process::Command::new("chmod").arg("+x").arg(&script).status().unwrap();
    assert!(status.success());
    let local_fc = support::example_binary("local_fc");
    let mut child = std::process::Command::new(local_fc)
        .args(["--addr", "127.0.0.1:0", "--timer", "off", "--function-command"])
        .arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = String::new();
    let mut started = false;
    while stdout.read_line(&mut banner).unwrap_or(0) > 0 {
        if banner.contains("access key id") {
            started = true;
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "local_fc did not start its runtime: {banner}");
}

/// The function server handles SIGTERM from before it prints where it listens: a SIGTERM sent by whoever read
/// that line is a graceful stop, not the signal's default.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_function_server_handles_sigterm_from_the_moment_it_listens() {
    let server =
        fc_runtime::function::Server::new(Router::new()).addr("127.0.0.1:0".parse().unwrap()).bind().await.unwrap();
    let kill = std::process::Command::new("kill").args(["-TERM", &std::process::id().to_string()]).status();
    assert!(kill.unwrap().success());
    tokio::time::timeout(HANG, server.run()).await.expect("the SIGTERM stops the server").unwrap();
}

/// Answers are read up to a limit, and no further, on every path: a runtime's answer over FC's response limit is
/// FC's `502 BadResponse`; each client stops reading at its `max_response_bytes`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_over_the_limits_are_refused_without_being_held() {
    let dir = temp_dir("limits");
    let fc = LocalFc::builder()
        .limits(fc_runtime::Limits::new(1 << 20, 128 * 1024))
        .custom_runtime("svc", ["echo"], python_runtime(&dir))
        .router("local", Router::new().json("big", |n: usize, _ctx| async move { Ok::<_, Failure>("y".repeat(n)) }))
        .start()
        .await
        .unwrap();
    let err = fc.client().invoke(InvokeRequest::new("svc", "echo").json_bytes("\"big\"")).await.unwrap_err();
    let refused = err.as_service().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((refused.status.as_u16(), refused.code.as_str()), (502, "BadResponse"), "{refused:?}");
    assert!(refused.message.contains("1048576 byte response limit"), "{refused:?}");
    // The API client's own limit.
    let small = fc.client_builder().max_response_bytes(64 * 1024).build().unwrap();
    let err = small.invoke(InvokeRequest::new("local", "big").json_bytes("100000")).await.unwrap_err();
    assert!(matches!(err, FcError::Decode(_)) && err.to_string().contains("max_response_bytes"), "{err}");
    assert!(small.invoke(InvokeRequest::new("local", "big").json_bytes("1000")).await.is_ok());
}
