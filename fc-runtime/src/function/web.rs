//! HTTP-trigger requests on the function side. FC passes an HTTP trigger's request to a custom runtime unchanged
//! (method, path, query, headers, body) and the answer back to the client, streamed when it is chunked; API calls
//! and every other trigger arrive as `POST /invoke`. A [`Router`](super::Router) with a web service
//! ([`Router::http`](super::Router::http)) serves both from one process: the custom-runtime calls by the
//! protocol, every other request by the service (an axum `Router`, any tower `Service`), with the invocation's
//! [`Context`] in the request's extensions and current ([`context()`](super::context)).

use std::future::Future as _;
use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use http_body_util::BodyExt as _;

use super::failure::BoxError;
use crate::util::BoxFuture;

/// The body of a request to, and a response from, a function's web service: any body, boxed.
pub type WebBody = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// A request to a function's web service.
pub type WebRequest = http::Request<WebBody>;

/// A response from a function's web service.
pub type WebResponse = http::Response<WebBody>;

/// A web service, type-erased.
pub(crate) type WebService = Arc<dyn Fn(WebRequest) -> BoxFuture<'static, Result<WebResponse, BoxError>> + Send + Sync>;

/// What [`Router::http`](super::Router::http) serves: a tower `Service` of web requests — an axum `Router`, a
/// `tower::service_fn`, any `Clone + Send + Sync` service whose answers are HTTP responses. Implemented for every
/// such service; its only use is to name that bound, and to say what to do with an `async fn` given instead.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a web service: `Router::http` takes a tower `Service` of HTTP requests",
    label = "not a `tower::Service<WebRequest>` answering `http::Response`s",
    note = "an `async fn` is a handler: route it in an axum router, `Router::http(axum::Router::new().route(\"/\", axum::routing::get(handler)))`, or wrap it in `tower::service_fn(handler)` with `handler(WebRequest) -> Result<http::Response<_>, _>`"
)]
pub trait HttpService: Clone + Send + Sync + 'static {
    #[doc(hidden)]
    fn erase(self) -> WebService;
}

#[diagnostic::do_not_recommend]
impl<S, B> HttpService for S
where
    S: tower_service::Service<WebRequest, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    fn erase(self) -> WebService {
        erase(self)
    }
}

/// Erases a tower `Service`'s type: cloned for each request (as axum and hyper do), polled ready, called, its
/// body boxed.
fn erase<S, B>(service: S) -> WebService
where
    S: tower_service::Service<WebRequest, Response = http::Response<B>> + Clone + Send + Sync + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    Arc::new(move |request: WebRequest| -> BoxFuture<'static, Result<WebResponse, BoxError>> {
        // Not an async block: a hand-written future keeps the service's future `Send` as its bounds say.
        let mut service = service.clone();
        let mut request = Some(request);
        let mut pending: Option<std::pin::Pin<Box<S::Future>>> = None;
        Box::pin(std::future::poll_fn(move |cx| {
            use std::task::Poll;
            if pending.is_none() {
                match service.poll_ready(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Err(e)) => return Poll::Ready(Err(e.into())),
                    Poll::Ready(Ok(())) => {}
                }
                let request = request.take().expect("called once");
                pending = Some(Box::pin(service.call(request)));
            }
            let future = pending.as_mut().expect("set above");
            match future.as_mut().poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
                Poll::Ready(Ok(response)) => {
                    Poll::Ready(Ok(response.map(|body| body.map_err(Into::into).boxed_unsync())))
                }
            }
        }))
    })
}

/// A body of bytes, boxed.
pub fn full(bytes: impl Into<Bytes>) -> WebBody {
    http_body_util::Full::new(bytes.into()).map_err(|never| match never {}).boxed_unsync()
}

/// Whether FC refuses a function's response header of this name: `x-fc-*`, `connection`, `content-length`,
/// `date`, `keep-alive`, `server` (the framing is the server's to set).
pub fn forbidden_response_header(name: &str) -> bool {
    let name = name.as_bytes();
    name.len() >= 5 && name[..5].eq_ignore_ascii_case(b"x-fc-")
        || ["connection", "content-length", "date", "keep-alive", "server"]
            .iter()
            .any(|f| f.as_bytes().eq_ignore_ascii_case(name))
}

/// Removes the response headers FC does not let a function send.
pub(crate) fn strip_forbidden(headers: &mut HeaderMap) {
    let names: Vec<http::HeaderName> =
        headers.keys().filter(|n| forbidden_response_header(n.as_str())).cloned().collect();
    for name in names {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fcs_forbidden_response_headers() {
        for name in ["x-fc-status", "X-Fc-Request-Id", "connection", "Date", "keep-alive", "server", "content-length"] {
            assert!(forbidden_response_header(name), "{name}");
        }
        for name in ["content-type", "x-request-id", "set-cookie", "x-f"] {
            assert!(!forbidden_response_header(name), "{name}");
        }
    }
}
