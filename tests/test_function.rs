//! Both ends of one trait, end to end: the `Demo` trait's client stubs → `LocalFc` (signatures checked) → the
//! `function` example running as its own process (an FC custom runtime) → the `DemoServer` implementation → back;
//! the same implementation hosted in process; bad input sent straight to the runtime; and SIGTERM with
//! invocations in flight.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use examples::{Demo, DemoFunctions, DemoServer, Greet, Greeting, Lines, Sleep};
use fc_runtime::local::{CustomRuntime, LocalFc};
use fc_runtime::{Bytes, Client, FcError, FunctionErrorKind, FunctionRef, InvocationStatus, fc_function, fc_service};

/// The `function` example binary `cargo test --workspace` builds.
fn function_binary() -> PathBuf {
    support::example_binary("function")
}

/// Every function of the demo trait, as the `server` side lists them.
const FUNCTIONS: &[&str] = <DemoFunctions as DemoServer>::FUNCTIONS;

/// A stub form the demo trait does not have: a unit result.
#[fc_service(service = "demo")]
trait Extra {
    #[fc_function(function = "sleep")]
    async fn nap(&self, event: Sleep) -> Result<(), FcError>;
}

async fn over_http() -> LocalFc {
    LocalFc::builder()
        .custom_runtime("demo", FUNCTIONS, CustomRuntime::command(function_binary()))
        .start()
        .await
        .expect("LocalFc starts the function")
}

async fn in_process() -> LocalFc {
    LocalFc::builder().router("demo", DemoFunctions::default().into_router()).start().await.unwrap()
}

/// Every stub form, against `fc`. A function's own error reaches the caller as `fail_kind`: FC reports every
/// failure of a custom runtime as unhandled (it can only say that it failed), while in process the host can tell
/// the function's error from a crash; the `errorType` is the same either way, and is what callers branch on.
async fn every_stub_form(fc: &LocalFc, fail_kind: FunctionErrorKind) {
    let client: Client = fc.client();
    // Raw bytes both ways, not UTF-8.
    let raw = Bytes::from_static(&[0, 159, 146, 150, 255, b'\n']);
    assert_eq!(client.echo(raw.clone()).await.unwrap(), raw);
    // JSON.
    let ann = Greet { name: "Ann".into() };
    assert_eq!(client.greet(ann.clone()).await.unwrap(), Greeting { greeting: "Hello, Ann!".into() });
    // Several arguments.
    assert_eq!(client.add(2, 40).await.unwrap(), 42);
    // Unit.
    client.nap(Sleep { ms: 1 }).await.unwrap();
    // Invocation<T> whose Tail log holds the function's own lines.
    let traced = client.greet_traced(ann.clone()).await.unwrap();
    assert_eq!(traced.value.greeting, "Hello, Ann!");
    let log = client.log(Lines { lines: 3 }).await.unwrap();
    assert_eq!(log.value, 3);
    let tail = traced.meta.log_tail.as_deref().unwrap_or_default();
    assert!(tail.contains("greeting Ann"), "{tail:?}");
    let tail = log.meta.log_tail.as_deref().unwrap_or_default();
    for i in 1..=3 {
        assert!(tail.contains(&format!("line {i} of 3\n")), "{tail:?}");
    }
    assert_eq!(tail.matches("FC Invoke Start RequestId").count(), 1, "{tail:?}");
    // A handled error, typed back with its errorType.
    let err = client.fail().await.unwrap_err();
    let f = err.as_function().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(f.kind, fail_kind);
    assert_eq!(f.error_type.as_deref(), Some("DemoError"));
    assert_eq!(f.message, "the demo function failed on purpose");
    // A panic, unhandled.
    let err = client.crash().await.unwrap_err();
    let f = err.as_function().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(f.kind, FunctionErrorKind::Unhandled);
    assert_eq!(f.error_type.as_deref(), Some("Panic"));
    assert!(f.message.contains("the demo function crashed"), "{}", f.message);
    // A typed call from one function to another, with the instance's credentials.
    let relayed = client.relay(Greet { name: "Bo".into() }).await.unwrap();
    assert_eq!(relayed.greeting, "Hello, Bo! (relayed)");
    // Async, with an invocation id: runs exactly once.
    let before = fc.executions(("demo", "sleep"));
    let accepted = client.sleep_later("nap_once", Sleep { ms: 20 }).await.unwrap();
    assert!(accepted.request_id().is_some());
    let function = FunctionRef::new("demo", "sleep");
    let done = support::eventually(Duration::from_secs(10), "the async call finished", || async {
        let state = client.get_stateful_invocation(&function, "nap_once").await.unwrap();
        state.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(state)
    })
    .await;
    assert_eq!(done.status, Some(InvocationStatus::Succeeded));
    assert_eq!(fc.executions(("demo", "sleep")) - before, 1);
    // The same id again is refused, and nothing runs.
    assert!(client.sleep_later("nap_once", Sleep { ms: 1 }).await.is_err());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(fc.executions(("demo", "sleep")) - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stub_form_through_the_function_process() {
    let fc = over_http().await;
    every_stub_form(&fc, FunctionErrorKind::Unhandled).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stub_form_with_the_implementation_in_process() {
    let fc = in_process().await;
    every_stub_form(&fc, FunctionErrorKind::Handled).await;
}

/// The example function, started by hand on a loopback port; killed on drop.
struct Runtime {
    child: Child,
    addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Runtime {
    /// Reads the runtime's output until every line of `expected` has been printed; fails after 10 s.
    fn wait_for_lines(&self, expected: &[String]) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut printed = Vec::new();
        while !expected.iter().all(|e| printed.contains(e)) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => printed.push(line),
                Err(_) => panic!("the runtime did not print {expected:?}; it printed {printed:?}"),
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_runtime() -> Runtime {
    start_program(&function_binary())
}

fn start_program(program: &Path) -> Runtime {
    let mut child = Command::new(program)
        .env("RUST_FC_LISTEN_HOST", "127.0.0.1")
        .env("FC_CUSTOM_LISTEN_PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr = first.trim().rsplit("listening on ").next().unwrap().parse().unwrap_or_else(|_| panic!("{first}"));
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    Runtime { child, addr, lines }
}

async fn invoke(addr: SocketAddr, function: &str, body: impl Into<reqwest::Body>) -> (u16, String, String) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("http://{addr}/invoke"))
        .header("x-fc-request-id", format!("req-{function}"))
        .header("x-fc-function-name", function)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let x_fc_status = response.headers().get("x-fc-status").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, x_fc_status, response.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_function_error_and_the_runtime_keeps_serving() {
    let runtime = start_runtime();
    let addr = runtime.addr;
    let garbage = vec![b'x'; 32 * 1024 * 1024];
    let cases: Vec<(&str, &str, Vec<u8>, &str)> = vec![
        ("empty body", "greet", Vec::new(), "InvalidEvent"),
        ("invalid JSON", "greet", b"{\"name\": ".to_vec(), "InvalidEvent"),
        ("the wrong type", "greet", br#"{"name": 5}"#.to_vec(), "InvalidEvent"),
        ("a missing argument", "add", br#"{"a": 1}"#.to_vec(), "InvalidEvent"),
        ("an unknown function", "resize", b"{}".to_vec(), "UnknownFunction"),
        ("32 MB of garbage", "greet", garbage, "InvalidEvent"),
        ("one byte over 32 MB", "echo", vec![b'x'; 32 * 1024 * 1024 + 1], "EventTooLarge"),
    ];
    for (name, function, body, error_type) in cases {
        let (status, x_fc_status, text) = invoke(addr, function, body).await;
        assert_eq!((status, x_fc_status.as_str()), (404, "404"), "{name}: {text}");
        let error: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{name}: {text}"));
        assert_eq!(error["errorType"], error_type, "{name}: {text}");
        assert!(error["errorMessage"].as_str().is_some_and(|m| !m.is_empty()), "{name}: {text}");
        // Still serving.
        let (status, _, text) = invoke(addr, "greet", r#"{"name":"after"}"#).await;
        assert_eq!((status, text.as_str()), (200, r#"{"greeting":"Hello, after!"}"#), "after {name}");
    }
    // Paths and methods that are not the protocol's.
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let answer = http.get(format!("http://{addr}/invoke")).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    // The hooks answer 200 when the implementation has nothing to do.
    for (method, path) in [("POST", "/initialize"), ("GET", "/pre-stop"), ("GET", "/pre-freeze")] {
        let answer = http
            .request(method.parse().unwrap(), format!("http://{addr}{path}"))
            .header("x-fc-request-id", "hook-1")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200, "{method} {path}");
    }
    // The markers, with the error suffix on failure: waited for, as the reader thread may not have them yet.
    let mut expected = vec![
        "FC Invoke Start RequestId: req-resize".to_owned(),
        "FC Invoke End RequestId: req-resize, Error: Unhandled function error".to_owned(),
        "FC Invoke End RequestId: req-greet".to_owned(),
    ];
    expected.extend(["Initialize", "PreStop", "PreFreeze"].map(|word| format!("FC {word} End RequestId: hook-1")));
    runtime.wait_for_lines(&expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_invocations_in_flight_finish_and_refuses_new_ones() {
    let mut runtime = start_runtime();
    let addr = runtime.addr;
    let calls: Vec<_> =
        (0..3).map(|_| tokio::spawn(async move { invoke(addr, "sleep", r#"{"ms": 1500}"#).await })).collect();
    // Wait until all three are running.
    let mut started = 0;
    while started < 3 {
        let line = runtime.lines.recv_timeout(Duration::from_secs(10)).expect("the invocations start");
        if line.starts_with("FC Invoke Start RequestId") {
            started += 1;
        }
    }
    let killed = Command::new("kill").args(["-TERM", &runtime.child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    // The listener closes at once, while the three are still running.
    support::eventually_true(Duration::from_secs(10), "the listener closed", || {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err()
    })
    .await;
    assert!(calls.iter().all(|c| !c.is_finished()), "the invocations in flight had not finished yet");
    // New connections are refused while the three finish.
    let refused = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("http://{addr}/invoke"))
        .header("x-fc-function-name", "greet")
        .body(r#"{"name":"late"}"#)
        .send()
        .await;
    assert!(refused.is_err(), "a new invocation after SIGTERM was served: {refused:?}");
    for call in calls {
        let (status, _, text) = call.await.unwrap();
        assert_eq!((status, text.as_str()), (200, r#"{"slept_ms":1500}"#));
    }
    let status = tokio::task::spawn_blocking(move || {
        let status = runtime.child.wait();
        (runtime, status)
    })
    .await
    .unwrap()
    .1
    .unwrap();
    assert!(status.success(), "{status:?}");
}

/// The reader of the runtime's standard output going away (a closed pipe) loses the lines, not the invocations:
/// the markers and the function's own log lines are written without panicking.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_loses_the_log_lines_not_the_invocations() {
    let mut child = Command::new(function_binary())
        .env("RUST_FC_LISTEN_HOST", "127.0.0.1")
        .env("FC_CUSTOM_LISTEN_PORT", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let addr: SocketAddr = first.trim().rsplit("listening on ").next().unwrap().parse().unwrap();
    drop(stdout);
    for name in ["Ann", "Bo"] {
        let (status, _, text) = invoke(addr, "greet", format!(r#"{{"name":"{name}"}}"#)).await;
        assert_eq!((status, text), (200, format!(r#"{{"greeting":"Hello, {name}!"}}"#)));
    }
    let (status, _, text) = invoke(addr, "log", r#"{"lines": 50}"#).await;
    assert_eq!((status, text.as_str()), (200, "50"));
    let _ = child.kill();
    let _ = child.wait();
}

/// A stopping server waits for invocations in flight up to its drain deadline, then returns anyway.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_server_returns_at_its_drain_deadline() {
    use fc_runtime::function::{Failure, Router, Server};
    let (started_tx, started) = tokio::sync::oneshot::channel::<()>();
    let started_tx = std::sync::Mutex::new(Some(started_tx));
    let router = Router::new().bytes("stuck", move |_, _| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, Failure>(Bytes::new())
        }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Server::new(router)
        .addr(SocketAddr::from(([127, 0, 0, 1], 0)))
        .shutdown_on(async move {
            let _ = stopped.await;
        })
        .drain_deadline(Duration::from_millis(200))
        .bind()
        .await
        .unwrap();
    let addr = server.local_addr();
    let running = tokio::spawn(server.run());
    let call = tokio::spawn(async move { invoke(addr, "stuck", "").await });
    started.await.unwrap();
    let asked = std::time::Instant::now();
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running).await.expect("the server returned").unwrap().unwrap();
    // It returned at its deadline, with the 60 s invocation still in flight (not after it).
    assert!(asked.elapsed() < Duration::from_secs(30));
    assert!(!call.is_finished(), "the stuck invocation answered");
    call.abort();
}

/// The process FC runs, spoken to as FC's HTTP trigger speaks to it: any request but `POST /invoke` goes to the
/// web function with the invocation's context (its Start/End markers carry the request id FC sent), the answer
/// streams through as it is made, and the process itself sends none of the headers FC forbids (`date`,
/// `x-fc-status`, `connection: keep-alive`, `server`), while `POST /invoke` still reaches the trait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_process_serves_http_trigger_requests_beside_invoke() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let runtime = start_runtime();
    let raw = |request: String| async move {
        let mut stream = tokio::net::TcpStream::connect(runtime.addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        String::from_utf8_lossy(&answer).into_owned()
    };
    let answer = raw("GET /echo?text=from%20FC HTTP/1.1\r\nhost: f\r\nx-fc-request-id: web-1\r\nx-fc-function-name: web\r\nconnection: close\r\n\r\n".into()).await;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(body, "from FC");
    let head = head.to_ascii_lowercase();
    for forbidden in ["\r\ndate:", "\r\nx-fc-", "\r\nserver:", "\r\nkeep-alive:"] {
        assert!(!head.contains(forbidden), "the process sent {forbidden:?}: {head}");
    }
    support::eventually_true(Duration::from_secs(5), "the web request's markers", || {
        let lines: Vec<String> = runtime.lines.try_iter().collect();
        lines.iter().any(|l| l.contains("FC Invoke End RequestId: web-1"))
    })
    .await;
    // Streamed: chunked, five lines.
    let answer =
        raw("GET /stream?lines=5 HTTP/1.1\r\nhost: f\r\nx-fc-request-id: web-2\r\nconnection: close\r\n\r\n".into())
            .await;
    assert!(answer.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{answer}");
    assert_eq!(answer.matches("line ").count(), 5, "{answer}");
    // And the trait, in the same process.
    let (status, x_fc_status, text) = invoke(runtime.addr, "greet", r#"{"name":"both"}"#).await;
    assert_eq!((status, x_fc_status.as_str(), text.as_str()), (200, "200", r#"{"greeting":"Hello, both!"}"#));
}
