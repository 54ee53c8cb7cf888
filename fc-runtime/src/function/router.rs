//! [`Router`]: which function runs for a name, and the lifecycle hooks. The one way a function is hosted: by
//! the custom-runtime server, and by `LocalFc` in process.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::codec::{decode_event, encode_result};
use super::failure::BoxError;
use super::protocol::{self, Call};
use super::web::{HttpService, WebRequest, WebResponse, WebService};
use super::{CURRENT, Context, Failure, error_types};
use crate::util::BoxFuture;

/// One function: its event and context in, its result or failure out.
type Route = Arc<dyn Fn(Bytes, Context) -> BoxFuture<'static, Result<Bytes, Failure>> + Send + Sync>;

/// A lifecycle hook.
type Hook = Arc<dyn Fn() -> BoxFuture<'static, Result<(), Failure>> + Send + Sync>;

/// Which function runs for a name, and the lifecycle hooks: what `into_router()` of a generated
/// `{Trait}Server` builds, what closures register with ([`json`](Self::json), [`bytes`](Self::bytes)), and what
/// [`serve`](super::serve) and `LocalFc` run.
///
/// Every call runs with its [`Context`] current ([`context()`](super::context)) and behind one panic guard that
/// covers the route's synchronous part as well as its future: a panic is a [`Failure`] of type `Panic`.
///
/// ```
/// use fc_runtime::function::{Failure, Router};
/// let router = Router::new()
///     .json("add", |(a, b): (i64, i64), _ctx| async move { Ok::<_, Failure>(a + b) })
///     .bytes("echo", |event, _ctx| async move { Ok::<_, Failure>(event) });
/// assert_eq!(router.functions().collect::<Vec<_>>(), ["add", "echo"]);
/// ```
#[derive(Clone, Default)]
pub struct Router {
    routes: BTreeMap<String, Route>,
    initialize: Option<Hook>,
    pre_stop: Option<Hook>,
    pre_freeze: Option<Hook>,
    web: Option<WebService>,
}

impl fmt::Debug for Router {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("functions", &self.routes.keys().collect::<Vec<_>>())
            .field("web", &self.web.is_some())
            .finish_non_exhaustive()
    }
}

/// The lifecycle events FC announces to an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lifecycle {
    /// `POST /initialize`: once per instance, before its first invocation (when an initializer is configured).
    Initialize,
    /// `GET /pre-stop`: before the instance is destroyed.
    PreStop,
    /// `GET /pre-freeze`: before the instance is frozen (FC 2.0).
    PreFreeze,
}

impl Lifecycle {
    /// The word in the log markers: `FC Initialize Start RequestId: …`.
    pub(crate) fn marker(self) -> &'static str {
        match self {
            Lifecycle::Initialize => "Initialize",
            Lifecycle::PreStop => "PreStop",
            Lifecycle::PreFreeze => "PreFreeze",
        }
    }
}

impl Router {
    /// No functions, no hooks.
    pub fn new() -> Self {
        Router::default()
    }

    /// Serves the function `name` with `route`, over the raw event (a later route for the same name replaces an
    /// earlier one).
    pub fn route<F, Fut>(mut self, name: impl Into<String>, route: F) -> Self
    where
        F: Fn(Bytes, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Bytes, Failure>> + Send + 'static,
    {
        self.routes.insert(name.into(), Arc::new(move |event, ctx| Box::pin(route(event, ctx))));
        self
    }

    /// Serves the function `name` with `f` over JSON: the event is decoded into `E` (an empty event is `null`),
    /// the result encoded; an event that does not decode is a failure of type `InvalidEvent`.
    pub fn json<F, E, O, Err, Fut>(self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn(E, Context) -> Fut + Send + Sync + 'static,
        E: DeserializeOwned + Send + 'static,
        O: Serialize + 'static,
        Err: Into<BoxError> + 'static,
        Fut: Future<Output = Result<O, Err>> + Send + 'static,
    {
        let f = Arc::new(f);
        self.route(name, move |event, ctx| {
            let f = f.clone();
            async move {
                let event: E = decode_event(&event)?;
                let out = f(event, ctx).await.map_err(Failure::from_error)?;
                encode_result(&out)
            }
        })
    }

    /// Serves the function `name` with `f` over raw bytes.
    pub fn bytes<F, O, Err, Fut>(self, name: impl Into<String>, f: F) -> Self
    where
        F: Fn(Bytes, Context) -> Fut + Send + Sync + 'static,
        O: Into<Bytes> + 'static,
        Err: Into<BoxError> + 'static,
        Fut: Future<Output = Result<O, Err>> + Send + 'static,
    {
        let f = Arc::new(f);
        self.route(name, move |event, ctx| {
            let fut = f(event, ctx);
            async move { fut.await.map(Into::into).map_err(Failure::from_error) }
        })
    }

    /// Runs `hook` on `POST /initialize` (FC calls it once per instance when an initializer is configured).
    pub fn on_initialize<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.initialize = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Runs `hook` on `GET /pre-stop` (before FC destroys the instance).
    pub fn on_pre_stop<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.pre_stop = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Runs `hook` on `GET /pre-freeze` (FC 2.0, before the instance is frozen).
    pub fn on_pre_freeze<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Failure>> + Send + 'static,
    {
        self.pre_freeze = Some(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Both routers' functions in one (to serve two traits from one binary); `other`'s function of a name both
    /// serve, and `other`'s hooks and web service where both have one, win.
    pub fn merge(mut self, other: Router) -> Self {
        self.routes.extend(other.routes);
        self.initialize = other.initialize.or(self.initialize);
        self.pre_stop = other.pre_stop.or(self.pre_stop);
        self.pre_freeze = other.pre_freeze.or(self.pre_freeze);
        self.web = other.web.or(self.web);
        self
    }

    /// Serves HTTP-trigger requests with `service` (an axum `Router`, any tower `Service`): every request that is
    /// not a custom-runtime call (`POST /invoke`, the hooks) goes to it, as FC passes an HTTP trigger's request
    /// through, with the invocation's [`Context`] in the request's extensions and current
    /// ([`context()`](super::context)). Its response is passed back as it comes (a chunked body streams), without
    /// the headers FC does not let a function send ([`forbidden_response_header`](super::forbidden_response_header)).
    ///
    /// ```
    /// use fc_runtime::function::{Router, WebRequest, full};
    /// let web = tower::service_fn(|request: WebRequest| async move {
    ///     Ok::<_, std::convert::Infallible>(http::Response::new(full(format!("you asked for {}", request.uri().path()))))
    /// });
    /// let router = Router::new().http(web);
    /// ```
    pub fn http<S: HttpService>(mut self, service: S) -> Self {
        self.web = Some(service.erase());
        self
    }

    /// Whether the router serves HTTP-trigger requests.
    pub fn has_web(&self) -> bool {
        self.web.is_some()
    }

    /// Serves one HTTP-trigger request as a custom runtime does: the Start marker, the web service with `ctx` in
    /// the request's extensions and current, behind the panic guard, then the End marker. A panic, a service error,
    /// or a router without a web service is the function's failure, answered as the custom-runtime protocol
    /// reports one — `x-fc-status: 404` (which FC never passes on) with the failure's body, status 500 (404
    /// without a web service) — so that FC, or `LocalFc`, answers the caller `502` with `X-Fc-Error-Type:
    /// UnhandledInvocationError`.
    pub async fn serve_web(&self, request: WebRequest, ctx: Context) -> WebResponse {
        let status =
            if self.web.is_some() { http::StatusCode::INTERNAL_SERVER_ERROR } else { http::StatusCode::NOT_FOUND };
        match self.serve_web_outcome(request, ctx).await {
            Ok(response) => response,
            Err(failure) => failure_response(status, &failure),
        }
    }

    /// [`serve_web`](Self::serve_web), the failure kept as one: what an in-process host runs.
    pub(crate) async fn serve_web_outcome(
        &self,
        mut request: WebRequest,
        ctx: Context,
    ) -> Result<WebResponse, Failure> {
        let Some(web) = self.web.clone() else {
            return Err(Failure::new(
                error_types::UNKNOWN_PATH,
                format!(
                    "{} {} is not served: this function has no web service (it is not an HTTP function)",
                    request.method(),
                    request.uri().path()
                ),
            ));
        };
        let log = ctx.log_sink();
        let request_id = ctx.request_id().to_owned();
        log.line(&protocol::start_line(Call::Invoke, &request_id));
        request.extensions_mut().insert(ctx.clone());
        let outcome = guarded(ctx, move |_| {
            Box::pin(async move { web(request).await.map_err(|e| Failure::from_error(ErrorText(e.to_string()))) })
        })
        .await;
        match outcome {
            Ok(mut response) => {
                super::web::strip_forbidden(response.headers_mut());
                log.line(&protocol::end_line(Call::Invoke, &request_id, false));
                Ok(response)
            }
            Err(failure) => {
                log.line(&failure.to_string());
                log.line(&protocol::end_line(Call::Invoke, &request_id, true));
                Err(failure)
            }
        }
    }

    /// The function names served, in order.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.routes.keys().map(String::as_str)
    }

    /// Whether the router has a hook for `which`.
    pub fn has_hook(&self, which: Lifecycle) -> bool {
        self.hook(which).is_some()
    }

    fn hook(&self, which: Lifecycle) -> Option<&Hook> {
        match which {
            Lifecycle::Initialize => self.initialize.as_ref(),
            Lifecycle::PreStop => self.pre_stop.as_ref(),
            Lifecycle::PreFreeze => self.pre_freeze.as_ref(),
        }
    }

    /// Runs the function `name` on `event` with `ctx` current, behind the panic guard; an unknown name is a
    /// failure of type `UnknownFunction`.
    pub async fn call(&self, name: &str, event: Bytes, ctx: Context) -> Result<Bytes, Failure> {
        let Some(route) = self.routes.get(name) else {
            let known: Vec<&str> = self.functions().collect();
            return Err(Failure::new(
                error_types::UNKNOWN_FUNCTION,
                format!("no function named {name:?} here; this runtime serves {known:?}"),
            ));
        };
        guarded(ctx, |ctx| route(event, ctx)).await
    }

    /// Runs the hook for `which` with `ctx` current, behind the panic guard; `Ok` when there is none.
    pub async fn call_hook(&self, which: Lifecycle, ctx: Context) -> Result<(), Failure> {
        match self.hook(which) {
            None => Ok(()),
            Some(hook) => guarded(ctx, |_| hook()).await,
        }
    }

    /// Serves one call as a custom runtime does, whoever hosts it: the Start marker, the call, and on failure the
    /// failure's line, then the End marker (with the error suffix on failure), all written to the invocation's
    /// log. An invocation whose context names no function runs the router's only one, when it has one.
    pub(crate) async fn serve(&self, call: Call, event: Bytes, ctx: Context) -> Result<Bytes, Failure> {
        let log = ctx.log_sink();
        let request_id = ctx.request_id().to_owned();
        log.line(&protocol::start_line(call, &request_id));
        let outcome = match call {
            Call::Invoke => {
                let mut only = self.functions();
                let ctx = match (ctx.function_name().is_empty(), only.next(), only.next()) {
                    (true, Some(name), None) => ctx.with_function_name(name),
                    _ => ctx,
                };
                let name = ctx.function_name().to_owned();
                self.call(&name, event, ctx).await
            }
            Call::Hook(which) => self.call_hook(which, ctx).await.map(|()| Bytes::new()),
        };
        if let Err(failure) = &outcome {
            log.line(&failure.to_string());
        }
        log.line(&protocol::end_line(call, &request_id, outcome.is_err()));
        outcome
    }
}

/// A web service's error, as text (its type is erased).
#[derive(Debug)]
struct ErrorText(String);

impl fmt::Display for ErrorText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ErrorText {}

/// A failure as an HTTP answer: `status`, `{"errorMessage", "errorType"}`.
/// A web request's failure as the custom-runtime protocol reports it: `x-fc-status: 404`, the failure's body.
fn failure_response(status: http::StatusCode, failure: &Failure) -> WebResponse {
    let mut response = http::Response::new(super::web::full(failure.body()));
    *response.status_mut() = status;
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    response.headers_mut().insert(protocol::header::STATUS, http::HeaderValue::from_static("404"));
    response
}

/// The one panic guard: `make(ctx)` and the future it returns run with `ctx` current, and a panic in either is a
/// [`Failure`] of type `Panic`.
async fn guarded<T>(
    ctx: Context,
    make: impl FnOnce(Context) -> BoxFuture<'static, Result<T, Failure>>,
) -> Result<T, Failure> {
    let made = CURRENT.sync_scope(ctx.clone(), || std::panic::catch_unwind(AssertUnwindSafe(|| make(ctx.clone()))));
    let fut = match made {
        Ok(fut) => fut,
        Err(panic) => return Err(Failure::panic(panic)),
    };
    match AssertUnwindSafe(CURRENT.scope(ctx, fut)).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(panic) => Err(Failure::panic(panic)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context::new("r-1", "f")
    }

    #[tokio::test]
    async fn a_panic_before_the_first_await_and_after_it_are_both_failures_in_context() {
        let router = Router::new()
            .route("sync", |_, _| -> std::future::Ready<Result<Bytes, Failure>> {
                let id = super::super::context().map(|c| c.request_id().to_owned());
                panic!("sync part panicked in {id:?}")
            })
            .route("async", |_, _| async { panic!("async part panicked") });
        let sync = router.call("sync", Bytes::new(), ctx()).await.unwrap_err();
        assert!(sync.is_panic() && sync.message.contains("Some(\"r-1\")"), "{sync}");
        let asynchronous = router.call("async", Bytes::new(), ctx()).await.unwrap_err();
        assert!(asynchronous.is_panic() && asynchronous.message.contains("async part"), "{asynchronous}");
        let hooked = Router::new().on_pre_stop(|| -> std::future::Ready<Result<(), Failure>> { panic!("hook") });
        assert!(hooked.call_hook(Lifecycle::PreStop, ctx()).await.unwrap_err().is_panic());
    }

    #[tokio::test]
    async fn json_routes_decode_with_the_one_empty_event_rule() {
        let router = Router::new().json("opt", |v: Option<u8>, _| async move { Ok::<_, Failure>(v) });
        for empty in ["", " \n"] {
            assert_eq!(&router.call("opt", Bytes::from(empty), ctx()).await.unwrap()[..], b"null");
        }
        let bad = router.call("opt", Bytes::from_static(b"\"x\""), ctx()).await.unwrap_err();
        assert_eq!(bad.error_type, error_types::INVALID_EVENT);
        let unknown = router.call("nope", Bytes::new(), ctx()).await.unwrap_err();
        assert_eq!(unknown.error_type, error_types::UNKNOWN_FUNCTION);
    }

    #[tokio::test]
    async fn merged_routers_serve_both() {
        let a = Router::new().bytes("a", |e, _| async move { Ok::<_, Failure>(e) });
        let b = Router::new().bytes("b", |e, _| async move { Ok::<_, Failure>(e) });
        assert_eq!(a.merge(b).functions().collect::<Vec<_>>(), ["a", "b"]);
    }
}
