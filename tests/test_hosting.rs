//! What LocalFc emulates of FC's hosting, one test body run both ways: the demo functions hosted in process (a
//! router) and as their own process (the `function` example as a custom runtime), FC 2.0 and FC 3.0 alike. The
//! context a function is given, each invocation's own Tail, async retries, the instance lifecycle (initializer,
//! restart after an exit, pre-stop then SIGTERM), per-function settings, and the error types an author has.

use std::time::Duration;

use examples::{Demo, DemoFunctions, DemoServer, Lines, Sleep, Whoami};
use fc_runtime::function::{Context, Failure, Router};
use fc_runtime::local::{CustomRuntime, FunctionConfig, LocalFc, LocalFcBuilder, Namespace, StartError};
use fc_runtime::{
    Client, Fc3FunctionRef, FcError, FunctionRef, InvocationStatus, InvokeRequest, LogType, fc_function, fc_service,
};

/// Every function of the demo trait.
const FUNCTIONS: &[&str] = <DemoFunctions as DemoServer>::FUNCTIONS;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hosting {
    InProcess,
    Process,
}

/// The demo app, hosted `how`, under FC 2.0 (service `demo`, version 1, alias `prod`) and FC 3.0 (each function
/// with version 1 and alias `prod`), in region `cn-shanghai`, `whoami` with a 7 s timeout and 1024 MB, and
/// `settings` applied to the builder last.
async fn app(how: Hosting, settings: impl FnOnce(LocalFcBuilder) -> LocalFcBuilder) -> LocalFc {
    app_with(how, DemoFunctions::default(), CustomRuntime::command(support::example_binary("function")), settings).await
}

async fn app_with(
    how: Hosting,
    functions: DemoFunctions,
    runtime: CustomRuntime,
    settings: impl FnOnce(LocalFcBuilder) -> LocalFcBuilder,
) -> LocalFc {
    let mut builder = LocalFc::builder().region("cn-shanghai");
    builder = match how {
        Hosting::InProcess => {
            let router = functions.into_router();
            builder.router("demo", router.clone()).router(Namespace::Fc3, router)
        }
        Hosting::Process => builder.custom_runtime("demo", FUNCTIONS, runtime.clone()).custom_runtime(
            Namespace::Fc3,
            FUNCTIONS,
            runtime,
        ),
    };
    builder = builder.versions(("demo", FUNCTIONS[0]), 1).alias(("demo", FUNCTIONS[0]), "prod", "1");
    for name in FUNCTIONS {
        builder = builder.versions(*name, 1).alias(*name, "prod", "1");
    }
    let whoami = FunctionConfig::new().timeout(Duration::from_secs(7)).memory_mb(1024);
    builder = builder.configure(("demo", "whoami"), whoami.clone()).configure("whoami", whoami);
    settings(builder).start().await.expect("LocalFc starts")
}

async fn whoami(client: &Client, request: InvokeRequest) -> Whoami {
    let answer = client.invoke(request).await.unwrap();
    serde_json::from_slice(&answer.body).unwrap_or_else(|e| panic!("{e}: {:?}", answer.body))
}

async fn the_context_fc_gives(how: Hosting) {
    let fc = app(how, |b| b).await;
    let client = fc.client();
    let latest = whoami(&client, InvokeRequest::new("demo", "whoami")).await;
    assert_eq!(latest.function, "whoami");
    assert_eq!(latest.service.as_deref(), Some("demo"));
    assert_eq!((latest.qualifier.as_deref(), latest.version.as_deref()), (Some("LATEST"), Some("LATEST")));
    assert_eq!((latest.region.as_deref(), latest.memory_mb), (Some("cn-shanghai"), Some(1024)));
    assert_eq!(latest.timeout_secs, Some(7));
    let left = latest.remaining_ms.expect("a deadline from the function's timeout");
    assert!(left > 0 && left <= 7_000, "{left}");
    assert_eq!((latest.retry_count, latest.invocation_id.as_deref(), latest.initialized), (0, None, false));
    // Through the alias: the qualifier the caller named, the version it points at.
    let aliased = whoami(&client, InvokeRequest::new("demo", "whoami").qualifier("prod")).await;
    assert_eq!((aliased.qualifier.as_deref(), aliased.version.as_deref()), (Some("prod"), Some("1")));
    let fc3 = whoami(&client, InvokeRequest::fc3("whoami").qualifier("prod")).await;
    assert_eq!((fc3.function.as_str(), fc3.service.as_deref()), ("whoami", None));
    assert_eq!((fc3.qualifier.as_deref(), fc3.version.as_deref()), (Some("prod"), Some("1")));
    assert_eq!((fc3.region.as_deref(), fc3.memory_mb, fc3.timeout_secs), (Some("cn-shanghai"), Some(1024), Some(7)));
    // The request id the caller got back is the one the function saw.
    let answer = client.invoke(InvokeRequest::new("demo", "whoami")).await.unwrap();
    let seen: Whoami = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(answer.meta.request_id.as_deref(), Some(seen.request_id.as_str()));
    // Other functions keep the defaults: 60 s, 512 MB.
    let config = fc_runtime::local::FunctionConfig::default();
    assert_eq!((config.timeout, config.memory_mb), (Duration::from_secs(60), 512));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_fc_gives_in_process() {
    the_context_fc_gives(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_fc_gives_as_a_process() {
    the_context_fc_gives(Hosting::Process).await;
}

async fn async_retries_carry_the_retry_count_and_the_callers_id(how: Hosting) {
    let retried = FunctionConfig::new().async_retries(2).retry_delay(Duration::from_millis(10));
    let fc =
        app(how, |b| b.configure(("demo", "whoami_retried"), retried.clone()).configure("whoami_retried", retried))
            .await;
    let client = fc.client();
    // FC 2.0: a stateful invocation whose every attempt fails; the last says which attempt it was, and whose.
    client.whoami_later("job_1", 10).await.unwrap();
    let function = FunctionRef::new("demo", "whoami_retried");
    let done = support::eventually(Duration::from_secs(20), "the async invocation failed for good", || async {
        let state = client.get_stateful_invocation(&function, "job_1").await.unwrap();
        state.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(state)
    })
    .await;
    assert_eq!(done.status, Some(InvocationStatus::Failed));
    assert_eq!(done.invocation_error_message.as_deref(), Some("refused attempt 2 of job_1"));
    // One retry fewer than the failures it takes: it succeeds on the last attempt.
    client.whoami_later("job_2", 2).await.unwrap();
    let done = support::eventually(Duration::from_secs(20), "the async invocation succeeded", || async {
        let state = client.get_stateful_invocation(&function, "job_2").await.unwrap();
        state.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(state)
    })
    .await;
    assert_eq!(done.status, Some(InvocationStatus::Succeeded));
    // FC 3.0: the async task id the caller chose.
    client.invoke(InvokeRequest::fc3("whoami_retried").invocation_id("task_1").json_bytes("10")).await.unwrap();
    let task_function = Fc3FunctionRef::new("whoami_retried");
    let task = support::eventually(Duration::from_secs(20), "the async task failed for good", || async {
        let task = client.get_async_task(&task_function, "task_1").await.unwrap();
        task.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(task)
    })
    .await;
    assert_eq!(task.task_error_message.as_deref(), Some("refused attempt 2 of task_1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_retries_carry_the_retry_count_and_the_callers_id_in_process() {
    async_retries_carry_the_retry_count_and_the_callers_id(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_retries_carry_the_retry_count_and_the_callers_id_as_a_process() {
    async_retries_carry_the_retry_count_and_the_callers_id(Hosting::Process).await;
}

/// A Tail with the request id and timestamps replaced, so that two hostings' tails compare.
fn normalized(tail: &str, request_id: &str) -> Vec<String> {
    tail.lines()
        .map(|line| {
            let line = line.replace(request_id, "ID");
            match line.split_once(" ID [") {
                Some((_stamp, rest)) => format!("TIME ID [{rest}"),
                None => line,
            }
        })
        .collect()
}

async fn each_invocations_tail_holds_its_own_lines(how: Hosting) -> Vec<String> {
    let fc = app(how, |b| b).await;
    let client = fc.client();
    // Concurrent invocations, each logging its own number of lines between yields.
    let calls: Vec<_> = (1..=8u64)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { (n, client.log(Lines { lines: 10 + n }).await.unwrap()) })
        })
        .collect();
    for call in calls {
        let (n, log) = call.await.unwrap();
        let total = 10 + n;
        let tail = log.meta.log_tail.clone().unwrap_or_default();
        let request_id = log.meta.request_id.clone().unwrap();
        for line in tail.lines() {
            let own = line.contains(&format!(" of {total}")) || line.contains(&request_id);
            assert!(own, "invocation {request_id} ({total} lines) got a line that is not its own: {line:?}\n{tail}");
        }
        for i in 1..=total {
            let line = format!(" {request_id} [INFO] line {i} of {total}");
            assert!(tail.lines().any(|l| l.ends_with(&line)), "{line:?} is missing from\n{tail}");
        }
    }
    // A failure's Tail, normalized: what both hostings must show alike.
    let failed = client.invoke(InvokeRequest::new("demo", "fail").log_type(LogType::Tail)).await.unwrap_err();
    let failed = failed.as_function().unwrap_or_else(|| panic!("{failed:?}"));
    normalized(failed.log_tail.as_deref().unwrap_or_default(), failed.request_id.as_deref().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_invocations_tail_holds_its_own_lines_and_a_failure_looks_the_same_in_both_hostings() {
    let in_process = each_invocations_tail_holds_its_own_lines(Hosting::InProcess).await;
    let as_process = each_invocations_tail_holds_its_own_lines(Hosting::Process).await;
    assert_eq!(
        in_process,
        [
            "FC Invoke Start RequestId: ID",
            "TIME ID [INFO] about to fail",
            "DemoError: the demo function failed on purpose",
            "FC Invoke End RequestId: ID, Error: Unhandled function error",
        ]
    );
    assert_eq!(as_process, in_process);
}

async fn the_initializer_runs_once_before_the_first_invocation(how: Hosting) {
    let fc = app(how, |b| {
        let init = FunctionConfig::new().initializer(true);
        b.configure(("demo", "whoami"), init.timeout(Duration::from_secs(7)))
    })
    .await;
    let client = fc.client();
    let first = client.invoke(InvokeRequest::new("demo", "whoami").log_type(LogType::Tail)).await.unwrap();
    let seen: Whoami = serde_json::from_slice(&first.body).unwrap();
    assert!(seen.initialized, "{seen:?}");
    let tail = first.meta.log_tail.unwrap_or_default();
    assert!(tail.contains("FC Initialize Start RequestId") && tail.contains("[INFO] initializing"), "{tail}");
    // Once: the next invocation's log has no initialization.
    let second = client.invoke(InvokeRequest::new("demo", "whoami").log_type(LogType::Tail)).await.unwrap();
    let tail = second.meta.log_tail.unwrap_or_default();
    assert!(!tail.contains("Initialize") && tail.contains("FC Invoke Start"), "{tail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_initializer_runs_once_before_the_first_invocation_in_process() {
    the_initializer_runs_once_before_the_first_invocation(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_initializer_runs_once_before_the_first_invocation_as_a_process() {
    the_initializer_runs_once_before_the_first_invocation(Hosting::Process).await;
}

async fn shutdown_runs_pre_stop(how: Hosting) {
    let dir = std::env::temp_dir().join(format!("fc-hosting-pre-stop-{}-{how:?}", std::process::id()));
    let _ = std::fs::remove_file(&dir);
    let functions = DemoFunctions::default().with_pre_stop_file(&dir);
    let runtime = CustomRuntime::command(support::example_binary("function")).env("DEMO_PRE_STOP_FILE", &dir);
    let fc = app_with(how, functions, runtime, |b| b.configure(("demo", "echo"), FunctionConfig::new().pre_stop(true)))
        .await;
    let client = fc.client();
    assert_eq!(&client.echo(fc_runtime::Bytes::from_static(b"x")).await.unwrap()[..], b"x");
    assert!(!dir.exists(), "pre-stop ran before shutdown");
    fc.shutdown().await;
    let written = std::fs::read_to_string(&dir).unwrap_or_else(|e| panic!("pre-stop did not run ({e})"));
    assert_eq!(written, "pre-stop ran");
    let _ = std::fs::remove_file(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_runs_pre_stop_in_process() {
    shutdown_runs_pre_stop(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_runs_pre_stop_then_stops_the_process() {
    shutdown_runs_pre_stop(Hosting::Process).await;
}

async fn per_function_settings(how: Hosting) {
    let one_at_a_time = FunctionConfig::new().concurrency(1);
    let fc = app(how, |b| b.configure(("demo", "sleep"), one_at_a_time)).await;
    let client = fc.client();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.sleep(Sleep { ms: 1500 }).await }
    });
    support::eventually_true(Duration::from_secs(10), "the first sleep runs", || fc.executions(("demo", "sleep")) == 1)
        .await;
    let second = client.sleep(Sleep { ms: 1 }).await.unwrap_err();
    assert_eq!(second.as_service().map(|e| e.status.as_u16()), Some(429), "{second:?}");
    assert!(first.await.unwrap().is_ok());
    // Another function of the same host is not limited.
    let both = futures_util::future::join(client.add(1, 2), client.add(3, 4)).await;
    assert_eq!((both.0.unwrap(), both.1.unwrap()), (3, 7));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_function_settings_in_process() {
    per_function_settings(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_function_settings_as_a_process() {
    per_function_settings(Hosting::Process).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_is_started_again_and_its_exit_status_is_reported() {
    let fc = app(Hosting::Process, |b| b.configure(("demo", "whoami"), FunctionConfig::new().initializer(true))).await;
    let client = fc.client();
    assert!(client.whoami().await.unwrap().initialized);
    let err = client.exit().await.unwrap_err();
    let f = err.as_function().unwrap_or_else(|| panic!("{err:?}"));
    assert!(f.message.contains("Process exited unexpectedly") && f.message.contains("exit status: 3"), "{}", f.message);
    // The next invocation starts the runtime again, and initializes the new instance.
    let again = client.whoami().await.unwrap();
    assert!(again.initialized, "{again:?}");
    assert_eq!(&client.echo(fc_runtime::Bytes::from_static(b"back")).await.unwrap()[..], b"back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_does_not_listen_is_a_clear_start_error() {
    let silent = CustomRuntime::command("sleep").arg("30").startup_timeout(Duration::from_millis(300));
    let err = LocalFc::builder().custom_runtime("demo", ["echo"], silent).start().await.unwrap_err();
    assert!(matches!(err, StartError::Runtime { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("within 300ms") && text.contains("startup_timeout"), "{text}");
    let gone = CustomRuntime::command("sh").arg("-c").arg("exit 7");
    let text = LocalFc::builder().custom_runtime("demo", ["echo"], gone).start().await.unwrap_err().to_string();
    assert!(text.contains("exited before") && text.contains("exit status: 7"), "{text}");
}

#[tokio::test]
async fn configure_refuses_a_function_nobody_hosts() {
    let router = Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) });
    let err = LocalFc::builder()
        .router("demo", router)
        .configure(("demo", "ehco"), FunctionConfig::new())
        .start()
        .await
        .unwrap_err();
    assert!(matches!(&err, StartError::UnknownFunction { function, .. } if function.name() == "ehco"), "{err:?}");
    assert_eq!(err.to_string(), "demo/ehco is configured, but no router or custom runtime hosts it");
}

/// A function unit-tested without a socket: a context built by hand, the method called under `scope`, its log
/// read back.
#[tokio::test]
async fn a_server_method_is_tested_without_a_socket() {
    let ctx = Context::builder("req-7", "greet").region("cn-hangzhou").retry_count(1).capture_log().build();
    let greeting = fc_runtime::function::scope(ctx.clone(), async {
        DemoFunctions::default().greet(examples::Greet { name: "Ann".into() }).await
    })
    .await
    .unwrap();
    assert_eq!(greeting.greeting, "Hello, Ann!");
    let lines = ctx.logged_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].ends_with(" req-7 [INFO] greeting Ann"), "{lines:?}");
    let stamp = lines[0].split(' ').next().unwrap();
    assert!(humantime::parse_rfc3339(stamp).is_ok(), "{stamp}");
}

// ---------------------------------------------------------------------------------------------------------------
// The error types an author already has.

#[derive(Debug, thiserror::Error)]
enum OrderError {
    #[error("no such order: {0}")]
    NotFound(u64),
    #[error("the store is unavailable")]
    Unavailable,
}

impl From<OrderError> for Failure {
    fn from(e: OrderError) -> Failure {
        let ty = match e {
            OrderError::NotFound(_) => "OrderNotFound",
            OrderError::Unavailable => "StoreUnavailable",
        };
        Failure::new(ty, e.to_string())
    }
}

#[fc_service(service = "errors", server)]
trait WithAnyhow {
    #[fc_function(function = "anyhow")]
    async fn with_anyhow(&self, fail: bool) -> Result<u8, FcError>;
}

struct AnyhowImpl;
impl WithAnyhowServer for AnyhowImpl {
    type Error = anyhow::Error;
    async fn with_anyhow(&self, fail: bool) -> Result<u8, anyhow::Error> {
        if fail {
            let io = std::io::Error::other("connection refused");
            return Err(anyhow::Error::new(io).context("could not load order 7"));
        }
        Ok(1)
    }
}

#[fc_service(service = "errors", server)]
trait WithBoxed {
    #[fc_function(function = "boxed")]
    async fn with_boxed(&self) -> Result<u8, FcError>;
}

struct BoxedImpl;
impl WithBoxedServer for BoxedImpl {
    type Error = Box<dyn std::error::Error + Send + Sync>;
    async fn with_boxed(&self) -> Result<u8, Self::Error> {
        Err("the queue is full".into())
    }
}

#[fc_service(service = "errors", server)]
trait PerVariant {
    #[fc_function(function = "per_variant")]
    async fn per_variant(&self, id: u64) -> Result<u8, FcError>;
}

struct PerVariantImpl;
impl PerVariantServer for PerVariantImpl {
    type Error = Failure;
    async fn per_variant(&self, id: u64) -> Result<u8, Failure> {
        if id == 0 {
            Err(OrderError::Unavailable)?;
        }
        Err(OrderError::NotFound(id))?
    }
}

#[fc_service(service = "errors", server)]
trait BoxedTyped {
    #[fc_function(function = "boxed_typed")]
    async fn boxed_typed(&self) -> Result<u8, FcError>;
}

struct BoxedTypedImpl;
impl BoxedTypedServer for BoxedTypedImpl {
    type Error = Box<OrderError>;
    async fn boxed_typed(&self) -> Result<u8, Box<OrderError>> {
        Err(Box::new(OrderError::NotFound(9)))
    }
}

#[tokio::test]
async fn an_authors_error_types_keep_their_error_type() {
    let router = AnyhowImpl
        .into_router()
        .merge(BoxedImpl.into_router())
        .merge(PerVariantImpl.into_router())
        .merge(BoxedTypedImpl.into_router());
    let fc = LocalFc::builder().router("errors", router).start().await.unwrap();
    let client = fc.client();
    let function_error = |e: FcError| {
        let f = e.as_function().unwrap_or_else(|| panic!("{e:?}")).clone();
        (f.error_type.unwrap_or_default(), f.message)
    };
    assert_eq!(client.with_anyhow(false).await.unwrap(), 1);
    assert_eq!(
        function_error(client.with_anyhow(true).await.unwrap_err()),
        ("Error".to_owned(), "could not load order 7: connection refused".to_owned())
    );
    assert_eq!(
        function_error(client.with_boxed().await.unwrap_err()),
        ("Error".to_owned(), "the queue is full".to_owned())
    );
    assert_eq!(
        function_error(client.per_variant(3).await.unwrap_err()),
        ("OrderNotFound".to_owned(), "no such order: 3".to_owned())
    );
    assert_eq!(function_error(client.per_variant(0).await.unwrap_err()).0, "StoreUnavailable");
    assert_eq!(function_error(client.boxed_typed().await.unwrap_err()).0, "OrderError");
}
