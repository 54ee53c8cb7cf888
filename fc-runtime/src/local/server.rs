//! The HTTP side: the accept loop, one connection, and each request authenticated, routed and dispatched.

use std::sync::Arc;

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::reply::{Body, Dropped, Fail};
use super::routes::{Operation, Route};
use super::state::State;
use crate::Api;
use crate::net::{self, Backoff};
use crate::wire::FC3_API_VERSION;

pub(crate) async fn serve(listener: TcpListener, state: Arc<State>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Backoff::default();
    loop {
        let stream = tokio::select! {
            _ = shutdown.changed() => break,
            stream = net::next_connection(&listener, &mut backoff) => stream,
        };
        tokio::spawn(serve_connection(TokioIo::new(stream), state.clone()));
    }
}

/// Serves one HTTP/1 connection until the peer closes it or the server shuts down.
pub(crate) async fn serve_connection<IO>(io: TokioIo<IO>, state: Arc<State>)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let connections = state.clone();
    let service = service_fn(move |req| handle(state.clone(), req));
    serve_http1(io, service, &connections.connections).await;
}

/// The connections of every listener of one `LocalFc` (the API's and each HTTP trigger's), watched by hyper-util's
/// `GracefulShutdown` so that [`LocalFc::shutdown`](super::LocalFc::shutdown) can wait for the requests in
/// flight: each connection answers its current request, then closes.
pub(crate) struct Connections(std::sync::Mutex<Option<GracefulShutdown>>);

impl Default for Connections {
    fn default() -> Self {
        Connections(std::sync::Mutex::new(Some(GracefulShutdown::new())))
    }
}

impl Connections {
    /// Asks every connection to finish its current request and close, and waits until they have, at most
    /// `deadline`. Connections that come later are closed after their first request. Returns whether every
    /// connection closed in time.
    pub(crate) async fn shutdown(&self, deadline: std::time::Duration) -> bool {
        let graceful = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        match graceful {
            Some(graceful) => tokio::time::timeout(deadline, graceful.shutdown()).await.is_ok(),
            None => true,
        }
    }
}

/// Serves `service` on one HTTP/1 connection (a peer's half-close still gets its answers) until the peer closes
/// it, or, when LocalFc stops, until the request in progress is answered. Every listener of LocalFc (the API and
/// each HTTP trigger) serves its connections through this.
pub(crate) async fn serve_http1<IO, S, B>(io: TokioIo<IO>, service: S, connections: &Connections)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    B: http_body::Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let conn = http1::Builder::new().half_close(true).serve_connection(io, service);
    let watched = match connections.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
        Some(graceful) => Ok(graceful.watch(conn)),
        None => Err(conn),
    };
    match watched {
        Ok(watched) => {
            let _ = watched.await;
        }
        Err(conn) => {
            // Already stopping: this connection answers its first request and closes.
            let mut conn = std::pin::pin!(conn);
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

async fn handle(state: Arc<State>, req: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let request_id = state.request_id();
    let api = if req
        .uri()
        .path()
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(FC3_API_VERSION))
        .is_some_and(|p| p.starts_with('/'))
    {
        Api::Fc3
    } else {
        Api::Fc2
    };
    match dispatch(&state, api, req, &request_id).await {
        Ok(resp) => Ok(resp),
        Err(Fail::Reject(r)) if api == Api::Fc3 => Ok(r.into_fc3_response(&request_id)),
        Err(Fail::Reject(r)) => Ok(r.into_response(&request_id)),
        Err(Fail::Drop) => Err(Dropped),
    }
}

/// Authenticates the request as its API does (FC 2.0's signature over the decoded path, ACS3 over the path as
/// sent), then runs the operation its route names.
async fn dispatch(
    state: &Arc<State>,
    api: Api,
    req: Request<Incoming>,
    request_id: &str,
) -> Result<Response<Body>, Fail> {
    let (parts, body) = req.into_parts();
    let decoded = percent_encoding::percent_decode_str(parts.uri.path()).decode_utf8_lossy().into_owned();
    let body_hash = match api {
        Api::Fc3 => Some(super::auth::authenticate_acs3(
            &state.auth,
            &state.nonces,
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            &parts.headers,
        )?),
        _ => {
            super::auth::authenticate(&state.auth, parts.method.as_str(), &decoded, parts.uri.query(), &parts.headers)?;
            None
        }
    };
    if api == Api::Fc3
        && let Some(op) = super::manage::Op::parse(&parts.method, &decoded)
    {
        let hash = body_hash.as_deref().unwrap_or_default();
        return super::manage::handle(state, op?, &parts, body, hash, request_id).await;
    }
    let route = Route::parse(api, &parts.method, &decoded, parts.uri.query())?;
    let target = route.resolve(state)?;
    match route.operation {
        Operation::Invoke => super::invoke::invoke(state, target, &parts, body, request_id, body_hash.as_deref()).await,
        operation => Ok(super::listing::answer(state, &target, operation, parts.uri.query(), request_id)?),
    }
}
