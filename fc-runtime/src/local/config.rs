//! What a hosted function is configured with ([`FunctionConfig`]) and the faults a test can inject ([`Fault`]).

use std::time::Duration;

/// Per-function settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FunctionConfig {
    /// Longest run before the invocation fails with `UnhandledInvocationError` (default 60 s).
    pub timeout: Duration,
    /// Most invocations running at once (default: unlimited): a sync one past it is refused with 429, an async
    /// attempt waits for a free slot, as FC's async system does.
    pub concurrency: Option<usize>,
    /// Retries of a failed async invocation (default 3, as FC).
    pub async_retries: u32,
    /// Pause before each async retry (default 50 ms).
    pub retry_delay: Duration,
    /// The function's memory (MB), as its context reports it (`x-fc-function-memory`; default 512).
    pub memory_mb: u32,
    /// Reported in `X-Fc-Max-Memory-Usage` (MB): in-process closures have no memory of their own to measure.
    pub reported_memory_mb: f64,
    /// Whether the function has an initializer: its instance's `/initialize` hook runs once before its first
    /// invocation (default false, as in FC, where the hook runs only when configured).
    pub initializer: bool,
    /// Whether the function has a pre-stop hook: its instance's `/pre-stop` runs when [`LocalFc::shutdown`]
    /// stops it (default false).
    ///
    /// [`LocalFc::shutdown`]: super::LocalFc::shutdown
    pub pre_stop: bool,
    /// Whether async invocations keep a stateful record (default true).
    pub stateful: bool,
    /// The most async invocation records kept for the function (default 10,000): past it, the oldest finished
    /// ones are forgotten, so that a LocalFc running for days holds bounded memory.
    pub max_records: usize,
    /// The most bytes the function's async records hold (default 32 MiB; each record's event, result and error
    /// are cut at 128 KiB): past it, the oldest finished ones are forgotten.
    pub max_record_bytes: usize,
    /// The most async invocations accepted and not yet finished at once, whichever door they came by (default
    /// 1,000): past it, an async invocation is refused with 429 `ResourceThrottled`, so that a flood of them holds
    /// bounded memory and tasks.
    pub max_async_in_flight: usize,
}

impl Default for FunctionConfig {
    fn default() -> Self {
        FunctionConfig {
            timeout: Duration::from_secs(60),
            concurrency: None,
            async_retries: 3,
            retry_delay: Duration::from_millis(50),
            memory_mb: 512,
            reported_memory_mb: 16.0,
            initializer: false,
            pre_stop: false,
            stateful: true,
            max_records: 10_000,
            max_record_bytes: 32 * 1024 * 1024,
            max_async_in_flight: 1_000,
        }
    }
}

impl FunctionConfig {
    /// Default settings.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the function timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
    /// Limits the invocations running at once.
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit);
        self
    }
    /// Sets how often a failed async invocation is retried.
    pub fn async_retries(mut self, retries: u32) -> Self {
        self.async_retries = retries;
        self
    }
    /// Sets the pause before async retries.
    pub fn retry_delay(mut self, delay: Duration) -> Self {
        self.retry_delay = delay;
        self
    }
    /// Sets whether async invocations keep a stateful record.
    pub fn stateful(mut self, stateful: bool) -> Self {
        self.stateful = stateful;
        self
    }
    /// Sets the memory the context reports (MB).
    pub fn memory_mb(mut self, memory_mb: u32) -> Self {
        self.memory_mb = memory_mb;
        self
    }
    /// Configures an initializer: the `/initialize` hook runs before the instance's first invocation.
    pub fn initializer(mut self, enabled: bool) -> Self {
        self.initializer = enabled;
        self
    }
    /// Configures a pre-stop hook: `/pre-stop` runs when `LocalFc` shuts down.
    pub fn pre_stop(mut self, enabled: bool) -> Self {
        self.pre_stop = enabled;
        self
    }
    /// Sets how many async invocations may be accepted and unfinished at once (at least 1).
    pub fn max_async_in_flight(mut self, max: usize) -> Self {
        self.max_async_in_flight = max.max(1);
        self
    }
    /// Sets how many bytes the function's async records may hold.
    pub fn max_record_bytes(mut self, max: usize) -> Self {
        self.max_record_bytes = max;
        self
    }
    /// Sets how many async invocation records the function keeps (at least 1).
    pub fn max_records(mut self, max: usize) -> Self {
        self.max_records = max.max(1);
        self
    }
}

/// A fault to inject into coming invocations.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum FaultKind {
    /// Answer with `status` (429 or 503) without running the function, optionally with `Retry-After`.
    Throttle {
        /// 429 or 503.
        status: http::StatusCode,
        /// `Retry-After` to send.
        retry_after: Option<Duration>,
    },
    /// Wait this long before running the function.
    Latency(Duration),
    /// Close the connection without an answer before the function runs.
    DropBeforeHandler,
    /// Run the function, then close the connection without an answer.
    DropAfterHandler,
}

/// A fault for the next `count` invocations, optionally of one function only. Every constructor takes the count
/// first.
///
/// ```
/// use fc_runtime::local::Fault;
/// let burst = Fault::throttle(3, fc_runtime::StatusCode::TOO_MANY_REQUESTS).for_function(("demo", "echo"));
/// let slow = Fault::latency(1, std::time::Duration::from_millis(200));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub(crate) kind: FaultKind,
    pub(crate) count: u32,
    pub(crate) target: Option<super::FunctionId>,
}

impl Fault {
    /// Throttles the next `count` invocations with `status` (429 or 503).
    pub fn throttle(count: u32, status: http::StatusCode) -> Self {
        Fault { kind: FaultKind::Throttle { status, retry_after: None }, count, target: None }
    }
    /// Adds `Retry-After` to a throttle fault.
    pub fn retry_after(mut self, after: Duration) -> Self {
        if let FaultKind::Throttle { retry_after, .. } = &mut self.kind {
            *retry_after = Some(after);
        }
        self
    }
    /// Delays the next `count` invocations by `delay`.
    pub fn latency(count: u32, delay: Duration) -> Self {
        Fault { kind: FaultKind::Latency(delay), count, target: None }
    }
    /// Drops the connection of the next `count` invocations before the function runs.
    pub fn drop_before_handler(count: u32) -> Self {
        Fault { kind: FaultKind::DropBeforeHandler, count, target: None }
    }
    /// Drops the connection of the next `count` invocations after the function ran.
    pub fn drop_after_handler(count: u32) -> Self {
        Fault { kind: FaultKind::DropAfterHandler, count, target: None }
    }
    /// Applies only to one function (`"web"`, FC 3.0; `("demo", "echo")`, FC 2.0).
    pub fn for_function(mut self, function: impl Into<super::FunctionId>) -> Self {
        self.target = Some(function.into());
        self
    }
    /// What the fault does.
    pub fn kind(&self) -> &FaultKind {
        &self.kind
    }
}
