//! FC's custom-runtime HTTP server: `POST /invoke`, `POST /initialize`, `GET /pre-stop`, `GET /pre-freeze`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::net::{self, Backoff};

use super::protocol::{self, Call};
use super::web::WebBody;
use super::{Context, Failure, InstanceDefaults, LISTEN_HOST_VAR, Router, error_types};
use crate::Environment;

/// The largest event accepted: FC's limit for a synchronous invocation's payload, 32 MB.
pub const MAX_EVENT: usize = 32 * 1024 * 1024;

type Shutdown = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A custom-runtime server for a [`Router`], configured before it listens.
///
/// ```no_run
/// # async fn run(router: fc_runtime::function::Router) -> std::io::Result<()> {
/// use fc_runtime::function::Server;
/// Server::new(router).run().await
/// # }
/// ```
pub struct Server {
    router: Arc<Router>,
    addr: Option<SocketAddr>,
    env: Environment,
    shutdown: Option<Shutdown>,
    drain_deadline: Duration,
}

/// How long a stopping server waits for invocations in flight, by default.
pub const DEFAULT_DRAIN_DEADLINE: Duration = Duration::from_secs(30);

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("router", &self.router).field("addr", &self.addr).finish_non_exhaustive()
    }
}

/// Serves `router` as FC runs a custom runtime: HTTP/1.1 on `0.0.0.0`, port `FC_CUSTOM_LISTEN_PORT`, else
/// `FC_SERVER_PORT`, else 9000 (`RUST_FC_LISTEN_HOST` replaces `0.0.0.0`, for local runs), until SIGTERM or
/// Ctrl-C; in-flight invocations finish first. See [`Server`] for the details.
pub async fn serve(router: Router) -> io::Result<()> {
    Server::new(router).run().await
}

impl Server {
    /// A server for `router`, configured from the process environment.
    pub fn new(router: Router) -> Self {
        Server {
            router: Arc::new(router),
            addr: None,
            env: Environment::process(),
            shutdown: None,
            drain_deadline: DEFAULT_DRAIN_DEADLINE,
        }
    }

    /// Listen on `addr` instead of the address the environment gives.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = Some(addr);
        self
    }

    /// The environment for the listening address and for what the request headers lack (default: the process's).
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// How long to wait, once stopping, for invocations in flight to answer before returning anyway (default
    /// 30 s): FC kills an instance that does not stop in time, and a runtime must not outlive its deadline.
    pub fn drain_deadline(mut self, deadline: Duration) -> Self {
        self.drain_deadline = deadline;
        self
    }

    /// Stop when `signal` completes instead of on SIGTERM or Ctrl-C.
    pub fn shutdown_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// The address the environment gives: `RUST_FC_LISTEN_HOST` or `0.0.0.0`, and the port from
    /// `FC_CUSTOM_LISTEN_PORT`, `FC_SERVER_PORT` or 9000.
    pub(crate) fn address_from(env: &Environment) -> io::Result<SocketAddr> {
        let bad = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
        let host: IpAddr = match env.get(LISTEN_HOST_VAR) {
            Some(h) => h.parse().map_err(|_| bad(format!("{LISTEN_HOST_VAR}={h:?} is not an IP address")))?,
            None => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        };
        let port = match env
            .get("FC_CUSTOM_LISTEN_PORT")
            .map(|p| ("FC_CUSTOM_LISTEN_PORT", p))
            .or_else(|| env.get("FC_SERVER_PORT").map(|p| ("FC_SERVER_PORT", p)))
        {
            Some((var, p)) => p.parse::<u16>().map_err(|_| bad(format!("{var}={p:?} is not a port")))?,
            None => 9000,
        };
        Ok(SocketAddr::new(host, port))
    }

    /// Binds the listening socket and prints `FunctionCompute fc-runtime runtime inited, listening on ADDR`. SIGTERM
    /// is handled from before that line on: whoever reads it may stop the server at once, and the stop is then a
    /// graceful one, not the signal's default (the process killed).
    pub async fn bind(mut self) -> io::Result<BoundServer> {
        let addr = match self.addr {
            Some(addr) => addr,
            None => Self::address_from(&self.env)?,
        };
        if self.shutdown.is_none() {
            self.shutdown = Some(termination()?);
        }
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        super::context::write_line(&protocol::listening_line(local));
        Ok(BoundServer { listener, local, server: self })
    }

    /// Binds and serves until the shutdown signal.
    pub async fn run(self) -> io::Result<()> {
        self.bind().await?.run().await
    }
}

/// A server whose socket is bound: its address is known.
pub struct BoundServer {
    listener: TcpListener,
    local: SocketAddr,
    server: Server,
}

impl std::fmt::Debug for BoundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundServer").field("local_addr", &self.local).finish_non_exhaustive()
    }
}

/// SIGTERM or Ctrl-C, the handler installed now (not when first polled), so that a SIGTERM that comes before the
/// server runs is still a graceful stop.
fn termination() -> io::Result<Shutdown> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        Ok(Box::pin(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
        }))
    }
    #[cfg(not(unix))]
    {
        Ok(Box::pin(async move {
            let _ = tokio::signal::ctrl_c().await;
        }))
    }
}

impl BoundServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Serves until the shutdown signal; then stops accepting connections, lets every in-flight invocation
    /// finish and answer (until the drain deadline, [`Server::drain_deadline`]), closes idle connections, and
    /// returns.
    pub async fn run(self) -> io::Result<()> {
        let BoundServer { listener, server, .. } = self;
        let defaults = InstanceDefaults::from_environment(&server.env);
        let state = Arc::new(State { router: server.router, defaults });
        let mut shutdown_signal: Shutdown = match server.shutdown {
            Some(signal) => signal,
            None => termination()?,
        };
        let graceful = GracefulShutdown::new();
        let mut backoff = Backoff::default();
        loop {
            tokio::select! {
                stream = net::next_connection(&listener, &mut backoff) => {
                    let conn = graceful.watch(connection(TokioIo::new(stream), state.clone()));
                    tokio::spawn(conn);
                }
                () = &mut shutdown_signal => break,
            }
        }
        drop(listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(server.drain_deadline) => {
                tracing::warn!(deadline = ?server.drain_deadline, "invocations still in flight at the drain deadline");
            }
        }
        Ok(())
    }
}

struct State {
    router: Arc<Router>,
    defaults: InstanceDefaults,
}

/// Serves one HTTP/1 connection over any byte stream exactly as if it had arrived on the listening socket: for
/// in-memory tests over `tokio::io::duplex` and for fuzzing. The environment is read when called. Not a public
/// API.
#[doc(hidden)]
pub async fn serve_io<IO>(router: Arc<Router>, env: &Environment, io: IO)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let state = Arc::new(State { router, defaults: InstanceDefaults::from_environment(env) });
    let _ = connection(TokioIo::new(io), state).await;
}

/// The calls of one connection, served by the protocol.
struct Calls(Arc<State>);

impl hyper::service::Service<Request<Incoming>> for Calls {
    type Response = Response<WebBody>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let state = self.0.clone();
        Box::pin(async move { Ok(handle(&state, req).await) })
    }
}

/// One HTTP/1 connection, kept alive across invocations (FC reuses its connections to a runtime).
fn connection<IO>(io: TokioIo<IO>, state: Arc<State>) -> hyper::server::conn::http1::Connection<TokioIo<IO>, Calls>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // No automatic `date`: FC does not let a function's HTTP response carry one.
    hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .auto_date_header(false)
        .serve_connection(io, Calls(state))
}

/// An answer by the protocol's status rule: 200 with the result, or 404 with the failure body; `x-fc-status` the
/// same as the status.
fn reply(outcome: Result<Bytes, Failure>) -> Response<WebBody> {
    let (status, content_type, body) = match outcome {
        Ok(result) => (protocol::reply_status(false), "application/octet-stream", result),
        Err(failure) => (protocol::reply_status(true), "application/json", failure.body()),
    };
    let mut response = Response::new(super::web::full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(protocol::header::STATUS, HeaderValue::from(status.as_u16()));
    response
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<WebBody> {
    let arrived = Instant::now();
    let control = req.headers().get(&protocol::header::CONTROL_PATH).and_then(|v| v.to_str().ok());
    let http_trigger = control == Some(protocol::HTTP_INVOKE);
    let call = if http_trigger { None } else { Call::classify(req.method(), req.uri().path(), control) };
    let Some(call) = call else {
        if state.router.has_web() {
            // An HTTP trigger's request, passed through: the web service answers it.
            let (parts, body) = req.into_parts();
            let ctx = Context::from_headers_and(Arc::new(parts.headers.clone()), arrived, &state.defaults);
            let request = Request::from_parts(parts, body.map_err(Into::into).boxed_unsync());
            return state.router.serve_web(request, ctx).await;
        }
        return reply(Err(Failure::new(
            "UnknownPath",
            format!(
                "{} {} is not a custom-runtime call (POST /invoke, POST /initialize, GET /pre-stop, GET /pre-freeze)",
                req.method(),
                req.uri().path()
            ),
        )));
    };
    let (parts, body) = req.into_parts();
    let ctx = Context::from_headers_and(Arc::new(parts.headers), arrived, &state.defaults);
    let event = match Limited::new(body, MAX_EVENT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            let failure = if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                Failure::new(error_types::EVENT_TOO_LARGE, format!("the event is larger than {MAX_EVENT} bytes"))
            } else {
                Failure::new(error_types::INVALID_EVENT, format!("the event could not be read: {e}"))
            };
            // Still announced as a call, so that the failure is in the invocation's log.
            let (log, request_id) = (ctx.log_sink(), ctx.request_id().to_owned());
            log.line(&protocol::start_line(call, &request_id));
            log.line(&failure.to_string());
            log.line(&protocol::end_line(call, &request_id, true));
            return reply(Err(failure));
        }
    };
    reply(state.router.serve(call, event, ctx).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_comes_from_the_documented_variables() {
        let addr = |vars: &[(&str, &str)]| Server::address_from(&Environment::from_vars(vars.to_vec()));
        assert_eq!(addr(&[]).unwrap().to_string(), "0.0.0.0:9000");
        assert_eq!(addr(&[("FC_SERVER_PORT", "9001")]).unwrap().port(), 9001);
        assert_eq!(addr(&[("FC_SERVER_PORT", "9001"), ("FC_CUSTOM_LISTEN_PORT", "9002")]).unwrap().port(), 9002);
        assert_eq!(addr(&[(LISTEN_HOST_VAR, "127.0.0.1")]).unwrap().to_string(), "127.0.0.1:9000");
        assert!(addr(&[("FC_CUSTOM_LISTEN_PORT", "x")]).is_err());
    }
}
