//! `LocalFc`: an embedded Function Compute endpoint on 127.0.0.1, FC 2.0 and FC 3.0 on one port.
//!
//! It hosts functions the two ways FC does, and only those, as FC 3.0 functions or FC 2.0 functions of a service
//! (a [`Namespace`]; one function is named by a [`FunctionId`], `"web"` or `("demo", "echo")`): a
//! [`Router`](crate::function::Router) run in process (the function side of a `server` trait, or closures
//! registered with `Router::json` / `Router::bytes`), and a custom runtime reached over HTTP by FC's custom-runtime
//! protocol ([`CustomRuntime`]), each one instance with FC's lifecycle (`/initialize` before the first invocation
//! when configured, a process started again after it exits, `/pre-stop` on [`LocalFc::shutdown`]). It verifies signatures
//! as FC does (FC 2.0's and ACS3), routes services, functions, versions and aliases, runs sync and async
//! invocations (with FC's retry of failed async attempts, the stateful invocation store and FC 3.0's async
//! tasks), returns log tails, handled and unhandled errors, enforces payload and concurrency limits, and injects
//! faults on demand. The official SDKs can call it unchanged.
//!
//! ```
//! use fc_runtime::function::{Failure, Router};
//! use fc_runtime::local::LocalFc;
//! use fc_runtime::InvokeRequest;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fc = LocalFc::builder()
//!     .router("demo", Router::new().json("add", |(a, b): (i64, i64), _ctx| async move { Ok::<_, Failure>(a + b) }))
//!     .start()
//!     .await?;
//! let answer = fc.client().invoke(InvokeRequest::new("demo", "add").json_bytes("[2, 3]")).await?;
//! assert_eq!(&answer.body[..], b"5");
//! assert_eq!(fc.executions(("demo", "add")), 1);
//! # Ok(()) }
//! ```

mod admission;
mod auth;
mod builder;
mod config;
mod gateway;
mod id;
mod invoke;
mod listing;
mod manage;
mod reply;
mod routes;
mod runner;
mod runtime;
mod server;
mod state;
mod store;
mod triggers;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use builder::{DEFAULT_DRAIN_DEADLINE, LocalFcBuilder, StartError};
pub use config::{Fault, FaultKind, FunctionConfig};
pub use gateway::{
    HttpAuth, HttpTrigger, HttpTriggerInfo, MAX_PATH_AND_QUERY, MAX_REQUEST_HEADERS, MAX_RESPONSE_HEADERS,
};
pub use id::{FunctionId, Namespace};
pub use runtime::{CustomRuntime, DEFAULT_STARTUP_TIMEOUT, DEFAULT_STOP_TIMEOUT};
pub use state::{DestinationDelivery, MAX_DESTINATION_RECORDS};
pub use triggers::{FireError, TimerTrigger};

/// For the fuzz targets only; not an API.
#[doc(hidden)]
pub mod fuzzing {
    /// Parses an HTTP trigger's JWT `authConfig` as `start()` does.
    #[cfg(feature = "jwt")]
    pub fn jwt_auth_config(config: &str) -> Result<(), String> {
        super::gateway::jwt::JwtAuth::parse(config).map(drop)
    }

    /// Checks a code package as CreateFunction does before anything is written: each entry's path inside the
    /// code directory, or why the zip is refused.
    pub fn zip_plan(zip: &[u8]) -> Result<usize, String> {
        super::manage::code::plan(zip).map(|planned| planned.len())
    }

    /// Parses a management request's method and path as the API port does.
    pub fn management_route(method: &http::Method, path: &str) -> bool {
        matches!(super::manage::Op::parse(method, path), Some(Ok(_)))
    }
}

use state::State;

use crate::{Client, ClientBuilder, Credentials};

/// Access key accepted when none is configured.
pub const DEFAULT_ACCESS_KEY_ID: &str = "testKeyId";
/// Secret of [`DEFAULT_ACCESS_KEY_ID`].
pub const DEFAULT_ACCESS_KEY_SECRET: &str = "testKeySecret";

fn random_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    std::collections::hash_map::RandomState::new().build_hasher().finish()
}

/// An embedded Function Compute endpoint; see the [module docs](self). Stops when dropped.
pub struct LocalFc {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: tokio::sync::watch::Sender<bool>,
    /// The accept loops: the API's, then each HTTP trigger's.
    listeners: Vec<tokio::task::JoinHandle<()>>,
    drain_deadline: std::time::Duration,
    /// The timer triggers' tasks: stopped with the server.
    timers: Vec<tokio::task::AbortHandle>,
    /// The HTTP triggers and where they listen.
    http_triggers: Vec<HttpTriggerInfo>,
    /// The triggers' gateways, in the order of `http_triggers`.
    gateways: Vec<Arc<gateway::Gateway>>,
}

impl fmt::Debug for LocalFc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFc").field("endpoint", &self.endpoint()).finish_non_exhaustive()
    }
}

impl LocalFc {
    /// A builder with FC's defaults and the `testKeyId` / `testKeySecret` key.
    pub fn builder() -> LocalFcBuilder {
        LocalFcBuilder::new()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:{port}`.
    pub fn endpoint(&self) -> String {
        self.state.endpoint.clone()
    }

    /// The HTTP triggers, each with the URL it listens on: those registered in code, then those created through
    /// the management API.
    pub fn http_triggers(&self) -> Vec<HttpTriggerInfo> {
        let mut triggers = self.http_triggers.clone();
        for service in self.state.read().values() {
            for record in service.triggers.values() {
                if let Some((gateway, url)) = &record.http {
                    triggers.push(HttpTriggerInfo {
                        name: gateway.trigger.name().to_owned(),
                        function: gateway.function.clone(),
                        url: url.clone(),
                        auth: gateway.trigger.auth(),
                    });
                }
            }
        }
        triggers
    }

    /// The URL of an HTTP trigger of `function` (`"web"`, `("demo", "web")`), if it has one.
    pub fn http_trigger_url(&self, function: impl Into<FunctionId>) -> Option<String> {
        let function = function.into();
        self.http_triggers().into_iter().find(|t| t.function == function).map(|t| t.url)
    }

    /// How many code packages the management API has received and unpacked (CreateFunction and UpdateFunction
    /// with a `zipFile`): what a deploy tool's "skip unchanged code" saves.
    pub fn code_uploads(&self) -> u64 {
        self.state.deploy.code_uploads.load(Ordering::SeqCst)
    }

    /// The records async invocations sent to their destinations (`destinationConfig` of an async invoke config),
    /// oldest first: every destination's, MNS, EventBridge and RocketMQ included (a function destination also
    /// receives its record as an event). At most [`MAX_DESTINATION_RECORDS`] are kept.
    pub fn destinations(&self) -> Vec<DestinationDelivery> {
        self.state.destinations.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Fires `event` at the FC 3.0 function `function` through its trigger `trigger` created by the management
    /// API (an OSS, log, MNS or any other trigger `LocalFc` keeps without a source of its own): as
    /// [`fire`](Self::fire), at the qualifier the trigger names.
    pub async fn fire_trigger(
        &self,
        function: &str,
        trigger: &str,
        event: impl Into<bytes::Bytes>,
    ) -> Result<String, FireError> {
        let qualifier = manage::triggers::trigger_qualifier(&self.state, function, trigger)?;
        let id = FunctionId::fc3(function);
        Ok(triggers::fire(&self.state, &id, Some(&qualifier), event.into()).await?)
    }

    /// A client builder already pointed at this endpoint with its first key (adjust retries, timeouts, …).
    pub fn client_builder(&self) -> ClientBuilder {
        let key = &self.state.auth.keys[0];
        let mut creds = Credentials::new(&key.id, &key.secret);
        if let Some(token) = &key.security_token {
            creds = creds.with_security_token(token);
        }
        let mut builder = Client::builder().endpoint(self.endpoint()).credentials(creds).use_env_proxy(false);
        if let Some(account) = &self.state.auth.account_id {
            builder = builder.account_id(account);
        }
        builder
    }

    /// A client configured for this endpoint.
    pub fn client(&self) -> Client {
        self.client_builder().build().expect("start() checked the endpoint and the keys")
    }

    /// Queues a fault for coming invocations.
    pub fn inject(&self, fault: Fault) {
        self.state.faults.lock().unwrap_or_else(|p| p.into_inner()).push(fault);
    }

    /// Removes all pending faults.
    pub fn clear_faults(&self) {
        self.state.faults.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// How many times `function`'s handler has started (sync calls plus every async attempt).
    pub fn executions(&self, function: impl Into<FunctionId>) -> u64 {
        let id = function.into();
        self.state.function(&id.owner(), id.name()).map_or(0, |f| f.tally.executions.load(Ordering::SeqCst))
    }

    /// How many invocations reached `function` past authentication, by any door (throttled and dropped ones
    /// included).
    pub fn requests(&self, function: impl Into<FunctionId>) -> u64 {
        let id = function.into();
        self.state.function(&id.owner(), id.name()).map_or(0, |f| f.tally.received.load(Ordering::SeqCst))
    }

    /// Fires an event at `function` as its trigger would (an OSS upload, a message): an async invocation with
    /// `event` as the body through the one admission path (limits, faults, the function's async cap), accepted at
    /// once and run in the background with the function's async retries, recorded like any async invocation
    /// (`get_stateful_invocation` / `get_async_task`, [`executions`](Self::executions)). Returns the invocation's
    /// request id. For a typed event, see [`fire_event`](Self::fire_event).
    pub async fn fire(
        &self,
        function: impl Into<FunctionId>,
        event: impl Into<bytes::Bytes>,
    ) -> Result<String, FireError> {
        Ok(triggers::fire(&self.state, &function.into(), None, event.into()).await?)
    }

    /// [`fire`](Self::fire) with a typed trigger event, encoded as FC encodes it (JSON; CBOR for Tablestore; the
    /// text itself for an MNS topic message in the STREAM format). Feature `events`.
    #[cfg(feature = "events")]
    pub async fn fire_event<E: fc_events::TriggerEvent>(
        &self,
        function: impl Into<FunctionId>,
        event: &E,
    ) -> Result<String, FireError> {
        self.fire(function, event.to_body().map_err(FireError::encode)?).await
    }

    /// Serves one HTTP/1 connection over any byte stream exactly as if it had arrived on the listening socket
    /// (authentication, routing, faults and all). For in-memory tests over `tokio::io::duplex` and for fuzzing
    /// the request parser; returns when the peer closes the stream or the server shuts down.
    pub async fn serve_connection<IO>(&self, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let io = hyper_util::rt::TokioIo::new(io);
        server::serve_connection(io, self.state.clone()).await;
    }

    /// Serves one HTTP/1 connection over any byte stream as the HTTP trigger of `function` would serve it on its
    /// port: FC's request rules, the trigger's auth, the function. For in-memory tests and for fuzzing; returns at
    /// once when `function` has no trigger, else when the peer closes the stream or the server shuts down.
    pub async fn serve_trigger_connection<IO>(&self, function: impl Into<FunctionId>, io: IO)
    where
        IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let function = function.into();
        let Some(index) = self.http_triggers.iter().position(|t| t.function == function) else {
            let api_trigger = self.state.read().values().find_map(|s| {
                s.triggers
                    .values()
                    .find_map(|t| t.http.as_ref().filter(|(g, _)| g.function == function).map(|(g, _)| g.clone()))
            });
            if let Some(gateway) = api_trigger {
                gateway::serve_connection(hyper_util::rt::TokioIo::new(io), self.state.clone(), gateway).await;
            }
            return;
        };
        let io = hyper_util::rt::TokioIo::new(io);
        gateway::serve_connection(io, self.state.clone(), self.gateways[index].clone()).await;
    }

    /// Stops as FC stops its instances: stops accepting connections, lets the requests in flight on every
    /// listener (the API's and each HTTP trigger's) finish and answer, for at most the drain deadline
    /// ([`LocalFcBuilder::drain_deadline`], 30 s), aborts the async invocations still running or waiting for a
    /// retry, then runs each instance's pre-stop hook where a function configured one ([`FunctionConfig::pre_stop`])
    /// and stops the custom-runtime processes with their process groups: SIGTERM, then SIGKILL after their stop
    /// timeout ([`CustomRuntime::stop_timeout`]). Dropping a `LocalFc` instead aborts everything and kills its
    /// processes at once, without hooks.
    pub async fn shutdown(mut self) {
        for timer in &self.timers {
            timer.abort();
        }
        self.state.abort_triggers();
        let _ = self.shutdown.send(true);
        for listener in std::mem::take(&mut self.listeners) {
            let _ = listener.await;
        }
        if !self.state.connections.shutdown(self.drain_deadline).await {
            tracing::warn!(deadline = ?self.drain_deadline, "requests were still in flight at the drain deadline");
        }
        self.state.abort_runners();
        let hosts = std::mem::take(&mut *self.state.hosts.lock().unwrap_or_else(|p| p.into_inner()));
        for (host, pre_stop) in hosts {
            let ctx = pre_stop.then(|| {
                let mut ctx = crate::function::Context::builder(self.state.request_id(), "")
                    .region(&self.state.region)
                    .endpoint(&self.state.endpoint)
                    .capture_log();
                if let Some(role) = &self.state.role {
                    ctx = ctx.credentials(role.clone());
                }
                if let Some(account) = &self.state.auth.account_id {
                    ctx = ctx.account_id(account);
                }
                ctx.build()
            });
            host.stop(ctx).await;
        }
    }
}

impl Drop for LocalFc {
    fn drop(&mut self) {
        for timer in &self.timers {
            timer.abort();
        }
        self.state.abort_triggers();
        let _ = self.shutdown.send(true);
        for listener in &self.listeners {
            listener.abort();
        }
        self.state.abort_runners();
        for (host, _) in self.state.hosts.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            host.kill_now();
        }
    }
}
