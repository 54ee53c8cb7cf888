//! Shared pieces of the examples: the demo functions that `local_fc` serves and the other examples start
//! embedded, and the choice between an embedded `LocalFc` and a real endpoint.

use std::time::Duration;

use fc_runtime::events::oss::OssEvent;
use fc_runtime::events::tablestore::TablestoreEvent;
use fc_runtime::events::timer::TimerEvent;
use fc_runtime::local::{LocalFc, LocalFcBuilder, Namespace};
use fc_runtime::{Accepted, Bytes, Client, ClientBuilder, FcError, Invocation, fc_function, fc_service};
use serde::{Deserialize, Serialize};

/// The service the demo functions live in.
pub const DEMO_SERVICE: &str = "demo";

/// Event of `demo/greet`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Greet {
    /// Who to greet.
    pub name: String,
}

/// Result of `demo/greet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Greeting {
    /// `Hello, {name}!`
    pub greeting: String,
}

/// Hosts the demo functions ([`DemoFunctions`], in process) under the FC 2.0 service `demo` (also reachable as
/// `demo.LATEST`, version `demo.1` and the alias `demo.prod`) and as FC 3.0 functions of the same names (each with
/// version 1 and alias `prod`; async tasks enabled): every function of [`Demo`] (`DemoServer::FUNCTIONS`). The
/// demo web function is `examples_web`'s, beside it (`examples/web/`).
pub fn demo_functions(builder: LocalFcBuilder) -> LocalFcBuilder {
    let router = DemoFunctions::default().into_router();
    // The same functions under FC 2.0 (service `demo`, version 1, alias `prod`) and FC 3.0 (no service; each
    // function with version 1 and alias `prod`, as FC 3.0 versions functions one by one).
    let mut builder = builder.router(DEMO_SERVICE, router.clone()).versions((DEMO_SERVICE, "greet"), 1).alias(
        (DEMO_SERVICE, "greet"),
        "prod",
        "1",
    );
    for name in router.functions() {
        builder = builder.versions(name, 1).alias(name, "prod", "1");
    }
    builder.router(Namespace::Fc3, router)
}

/// Event of `demo/sleep`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sleep {
    /// How long to sleep, in milliseconds.
    pub ms: u64,
}

/// Event of `demo/log`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lines {
    /// How many lines to log.
    pub lines: u64,
}

/// Where an example sends its calls: an embedded `LocalFc`, or a real endpoint from the environment.
pub struct Target {
    /// The embedded endpoint, when there is one (it stops when this value is dropped).
    pub local: Option<LocalFc>,
}

impl Target {
    /// Starts an embedded `LocalFc` with `setup` applied, unless `FC_ENDPOINT` or `FC_ACCOUNT_ID` is set, in
    /// which case calls go to that endpoint with credentials from the environment. Prints which one is used.
    pub async fn start(
        setup: impl FnOnce(LocalFcBuilder) -> LocalFcBuilder,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let remote = ["FC_ENDPOINT", "FC_ACCOUNT_ID"].iter().any(|v| std::env::var(v).is_ok_and(|v| !v.is_empty()));
        if remote {
            let endpoint = Client::from_env()?.endpoint().to_owned();
            println!("using the endpoint from the environment: {endpoint}");
            return Ok(Target { local: None });
        }
        let fc = setup(LocalFc::builder()).start().await?;
        println!("using an embedded LocalFc at {}", fc.endpoint());
        Ok(Target { local: Some(fc) })
    }

    /// A client builder for the target (adjust timeouts or retries, then build).
    pub fn client_builder(&self) -> Result<ClientBuilder, FcError> {
        match &self.local {
            Some(fc) => Ok(fc.client_builder()),
            None => Client::builder_from_env(),
        }
    }

    /// A client with default settings.
    pub fn client(&self) -> Result<Client, FcError> {
        self.client_builder()?.build()
    }
}

/// Result of `demo/sleep`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Slept {
    /// How long the function slept.
    pub slept_ms: u64,
}

/// The demo service as one contract: the stubs callers use, and (`server`) the `DemoServer` trait that the
/// function implements — the compiler checks that both ends agree.
#[fc_service(service = "demo", server)]
pub trait Demo {
    /// Returns the event bytes unchanged.
    #[fc_function]
    async fn echo(&self, event: Bytes) -> Result<Bytes, FcError>;

    /// `{"name"}` → `{"greeting"}`; logs `greeting {name}`.
    #[fc_function]
    async fn greet(&self, event: Greet) -> Result<Greeting, FcError>;

    /// `greet`, with the function's log.
    #[fc_function(function = "greet", log = "tail")]
    async fn greet_traced(&self, event: Greet) -> Result<Invocation<Greeting>, FcError>;

    /// Logs `lines` lines and returns how many.
    #[fc_function(log = "tail")]
    async fn log(&self, event: Lines) -> Result<Invocation<u64>, FcError>;

    /// Always fails with a `DemoError`.
    #[fc_function]
    async fn fail(&self) -> Result<(), FcError>;

    /// Always panics: an unhandled error.
    #[fc_function]
    async fn crash(&self) -> Result<(), FcError>;

    /// Sleeps `ms` milliseconds.
    #[fc_function]
    async fn sleep(&self, event: Sleep) -> Result<Slept, FcError>;

    /// `sleep`, started asynchronously under a stateful invocation id.
    #[fc_function(function = "sleep", invocation = "async")]
    async fn sleep_later(&self, #[fc(invocation_id)] id: &str, event: Sleep) -> Result<Accepted, FcError>;

    /// `a + b`: a function of several arguments (the event is `{"a": …, "b": …}`).
    #[fc_function]
    async fn add(&self, a: i64, b: i64) -> Result<i64, FcError>;

    /// What the function is told about this invocation.
    #[fc_function]
    async fn whoami(&self) -> Result<Whoami, FcError>;

    /// Started asynchronously under an invocation id; each attempt with a `retry_count` below `failures` fails
    /// with `refused attempt {retry_count} of {invocation id}`, so that FC retries it.
    #[fc_function(function = "whoami_retried", invocation = "async")]
    async fn whoami_later(&self, #[fc(invocation_id)] id: &str, failures: u32) -> Result<Accepted, FcError>;

    /// Exits the function's process with status 3, as a crashing runtime does (hosted in process, it refuses).
    #[fc_function]
    async fn exit(&self) -> Result<(), FcError>;

    /// An OSS trigger's handler (`oss:ObjectCreated:*`): logs each object, returns what was uploaded.
    #[fc_function]
    async fn on_upload(&self, event: OssEvent) -> Result<Uploaded, FcError>;

    /// A timer trigger's handler: logs and returns `tick {trigger name} at {trigger time}: {payload}`.
    #[fc_function]
    async fn on_timer(&self, event: TimerEvent) -> Result<String, FcError>;

    /// A Tablestore trigger's handler (FC sends CBOR): returns how many rows changed.
    #[fc_function]
    async fn on_row_change(&self, event: TablestoreEvent) -> Result<u64, FcError>;

    /// `greet`, called from inside the function through FC with the instance's own credentials: a typed call
    /// from one function to another.
    #[fc_function]
    async fn relay(&self, event: Greet) -> Result<Greeting, FcError>;
}

/// What `on_upload` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uploaded {
    /// The bucket.
    pub bucket: String,
    /// The objects' keys.
    pub keys: Vec<String>,
    /// Their total size, bytes.
    pub bytes: u64,
}

/// What `whoami` returns: what the function is told about its invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Whoami {
    /// The request id.
    pub request_id: String,
    /// The function's name.
    pub function: String,
    /// The FC 2.0 service.
    pub service: Option<String>,
    /// The qualifier the caller named.
    pub qualifier: Option<String>,
    /// The version that runs.
    pub version: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// The function's memory, MB.
    pub memory_mb: Option<u32>,
    /// The function's timeout, seconds.
    pub timeout_secs: Option<u64>,
    /// Time left before the deadline, milliseconds.
    pub remaining_ms: Option<u64>,
    /// How many attempts came before this one.
    pub retry_count: u32,
    /// The async invocation's id.
    pub invocation_id: Option<String>,
    /// Whether the instance's `/initialize` hook ran.
    pub initialized: bool,
}

/// The demo function's own error.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// What `fail` returns.
    #[error("the demo function failed on purpose")]
    OnPurpose,
    /// `add` overflowed.
    #[error("{0} + {1} overflows a 64-bit integer")]
    Overflow(i64, i64),
    /// `relay`'s call to `greet` failed.
    #[error("the call to greet failed: {0}")]
    Upstream(String),
    /// What `whoami_retried` and `exit` refuse.
    #[error("{0}")]
    Refused(String),
}

/// The demo functions, written once against [`DemoServer`]: `cargo run --example function` serves them as an FC
/// custom runtime. One value is one instance: its `/initialize` hook marks it initialized (and logs
/// `initializing`), its `/pre-stop` hook logs `stopping` and writes `pre-stop ran` to its pre-stop file, if it
/// has one.
#[derive(Debug, Clone, Default)]
pub struct DemoFunctions {
    initialized: std::sync::Arc<std::sync::atomic::AtomicBool>,
    may_exit: bool,
    pre_stop_file: Option<std::path::PathBuf>,
}

impl DemoFunctions {
    /// The functions as their own process serves them: `exit` ends the process, and the pre-stop hook writes to
    /// the file `DEMO_PRE_STOP_FILE` names.
    pub fn process() -> Self {
        let pre_stop_file = std::env::var_os("DEMO_PRE_STOP_FILE").map(Into::into);
        DemoFunctions { may_exit: true, pre_stop_file, ..DemoFunctions::default() }
    }

    /// The same functions, whose pre-stop hook writes `pre-stop ran` to `path`.
    pub fn with_pre_stop_file(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.pre_stop_file = Some(path.into());
        self
    }
}

/// A line in the invocation's log (`ctx.log`), or on standard output outside one.
pub fn log_line(line: String) {
    match fc_runtime::function::context() {
        Some(ctx) => ctx.log(line),
        None => println!("{line}"),
    }
}

impl DemoServer for DemoFunctions {
    type Error = DemoError;

    async fn echo(&self, event: Bytes) -> Result<Bytes, DemoError> {
        Ok(event)
    }

    async fn greet(&self, event: Greet) -> Result<Greeting, DemoError> {
        log_line(format!("greeting {}", event.name));
        Ok(Greeting { greeting: format!("Hello, {}!", event.name) })
    }

    async fn log(&self, event: Lines) -> Result<u64, DemoError> {
        for i in 1..=event.lines {
            log_line(format!("line {i} of {}", event.lines));
            // Concurrent invocations' lines interleave, as they do on FC.
            tokio::task::yield_now().await;
        }
        Ok(event.lines)
    }

    async fn fail(&self) -> Result<(), DemoError> {
        log_line("about to fail".to_owned());
        Err(DemoError::OnPurpose)
    }

    async fn crash(&self) -> Result<(), DemoError> {
        if std::hint::black_box(true) {
            panic!("the demo function crashed");
        }
        Ok(())
    }

    async fn sleep(&self, event: Sleep) -> Result<Slept, DemoError> {
        tokio::time::sleep(Duration::from_millis(event.ms)).await;
        Ok(Slept { slept_ms: event.ms })
    }

    async fn add(&self, a: i64, b: i64) -> Result<i64, DemoError> {
        a.checked_add(b).ok_or(DemoError::Overflow(a, b))
    }

    async fn whoami(&self) -> Result<Whoami, DemoError> {
        let ctx = fc_runtime::function::context().ok_or_else(|| DemoError::Refused("no invocation".into()))?;
        Ok(Whoami {
            request_id: ctx.request_id().to_owned(),
            function: ctx.function_name().to_owned(),
            service: ctx.service_name().map(str::to_owned),
            qualifier: ctx.qualifier().map(str::to_owned),
            version: ctx.version().map(str::to_owned),
            region: ctx.region().map(str::to_owned),
            memory_mb: ctx.memory_mb(),
            timeout_secs: ctx.timeout().map(|t| t.as_secs()),
            remaining_ms: ctx.remaining().map(|r| r.as_millis() as u64),
            retry_count: ctx.retry_count(),
            invocation_id: ctx.invocation_id().map(str::to_owned),
            initialized: self.initialized.load(std::sync::atomic::Ordering::SeqCst),
        })
    }

    async fn whoami_later(&self, failures: u32) -> Result<(), DemoError> {
        let ctx = fc_runtime::function::context().ok_or_else(|| DemoError::Refused("no invocation".into()))?;
        if ctx.retry_count() < failures {
            let id = ctx.invocation_id().unwrap_or("no id");
            return Err(DemoError::Refused(format!("refused attempt {} of {id}", ctx.retry_count())));
        }
        Ok(())
    }

    async fn exit(&self) -> Result<(), DemoError> {
        if !self.may_exit {
            return Err(DemoError::Refused("hosted in process: not exiting the host".into()));
        }
        log_line("exiting with status 3".to_owned());
        std::process::exit(3)
    }

    async fn on_upload(&self, event: OssEvent) -> Result<Uploaded, DemoError> {
        let mut uploaded = Uploaded { bucket: String::new(), keys: Vec::new(), bytes: 0 };
        for record in &event.events {
            let object = &record.oss.object;
            log_line(format!(
                "{} {}/{} ({} bytes)",
                record.event_name, record.oss.bucket.name, object.key, object.size
            ));
            uploaded.bucket = record.oss.bucket.name.clone();
            uploaded.keys.push(object.key.clone());
            uploaded.bytes += object.size;
        }
        Ok(uploaded)
    }

    async fn on_timer(&self, event: TimerEvent) -> Result<String, DemoError> {
        let tick = format!("tick {} at {}: {}", event.trigger_name, event.trigger_time, event.payload);
        log_line(tick.clone());
        Ok(tick)
    }

    async fn on_row_change(&self, event: TablestoreEvent) -> Result<u64, DemoError> {
        for record in &event.records {
            log_line(format!("{:?} of {} primary key column(s)", record.record_type, record.primary_key.len()));
        }
        Ok(event.records.len() as u64)
    }

    async fn on_initialize(&self) -> Result<(), DemoError> {
        log_line("initializing".to_owned());
        self.initialized.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    async fn on_pre_stop(&self) -> Result<(), DemoError> {
        log_line("stopping".to_owned());
        if let Some(path) = &self.pre_stop_file {
            std::fs::write(path, "pre-stop ran").map_err(|e| DemoError::Refused(e.to_string()))?;
        }
        Ok(())
    }

    async fn relay(&self, event: Greet) -> Result<Greeting, DemoError> {
        let upstream = |e: FcError| DemoError::Upstream(e.to_string());
        let ctx = fc_runtime::function::context().ok_or_else(|| DemoError::Upstream("no invocation".into()))?;
        let client = ctx.client().map_err(upstream)?;
        let mut greeting = client.greet(event).await.map_err(upstream)?;
        greeting.greeting.push_str(" (relayed)");
        Ok(greeting)
    }
}
