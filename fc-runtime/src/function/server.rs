//! FC's custom-runtime HTTP server: `POST /invoke`, `POST /initialize`, `GET /pre-stop`, `GET /pre-freeze`.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::protocol::{self, Call};
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
}

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
        Server { router: Arc::new(router), addr: None, env: Environment::process(), shutdown: None }
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

    /// Stop when `signal` completes instead of on SIGTERM or Ctrl-C.
    pub fn shutdown_on(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Some(Box::pin(signal));
        self
    }

    /// The address the environment gives: `RUST_FC_LISTEN_HOST` or `0.0.0.0`, and the port from
    /// `FC_CUSTOM_LISTEN_PORT`, `FC_SERVER_PORT` or 9000.
    pub fn address_from(env: &Environment) -> io::Result<SocketAddr> {
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

    /// Binds the listening socket and prints `FunctionCompute fc-runtime runtime inited, listening on ADDR`.
    pub async fn bind(self) -> io::Result<BoundServer> {
        let addr = match self.addr {
            Some(addr) => addr,
            None => Self::address_from(&self.env)?,
        };
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        println!("{}", protocol::listening_line(local));
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

async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl BoundServer {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Serves until the shutdown signal; then stops accepting connections, lets every in-flight invocation
    /// finish and answer, closes idle connections, and returns.
    pub async fn run(self) -> io::Result<()> {
        let BoundServer { listener, server, .. } = self;
        let defaults = InstanceDefaults::from_environment(&server.env);
        let state = Arc::new(State { router: server.router, defaults });
        let mut shutdown_signal: Shutdown = server.shutdown.unwrap_or_else(|| Box::pin(termination()));
        let (stop, stopped) = watch::channel(false);
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(TokioIo::new(stream), state.clone(), stopped.clone()));
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut shutdown_signal => break,
            }
        }
        drop(listener);
        let _ = stop.send(true);
        while connections.join_next().await.is_some() {}
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
    let (_stop, stopped) = watch::channel(false);
    connection(TokioIo::new(io), state, stopped).await;
}

async fn connection<IO>(io: TokioIo<IO>, state: Arc<State>, mut stopped: watch::Receiver<bool>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(handle(&state, req).await) }
    });
    let conn = hyper::server::conn::http1::Builder::new().keep_alive(true).serve_connection(io, service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = stopped.wait_for(|s| *s) => {}
    }
    // Finish what is in flight, then close.
    conn.as_mut().graceful_shutdown();
    let _ = conn.await;
}

/// An answer by the protocol's status rule: 200 with the result, or 404 with the failure body; `x-fc-status` the
/// same as the status.
fn reply(outcome: Result<Bytes, Failure>) -> Response<Full<Bytes>> {
    let (status, content_type, body) = match outcome {
        Ok(result) => (protocol::reply_status(false), "application/octet-stream", result),
        Err(failure) => (protocol::reply_status(true), "application/json", failure.body()),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(protocol::header::STATUS, HeaderValue::from(status.as_u16()));
    response
}

async fn handle(state: &State, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let arrived = Instant::now();
    let control = req.headers().get(&protocol::header::CONTROL_PATH).and_then(|v| v.to_str().ok());
    let Some(call) = Call::classify(req.method(), req.uri().path(), control) else {
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
            let request_id = ctx.request_id().to_owned();
            println!("{}", protocol::start_line(call, &request_id));
            println!("{failure}");
            println!("{}", protocol::end_line(call, &request_id, true));
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
