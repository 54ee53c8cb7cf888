//! The seam between generated stubs and whatever performs the call ([`Invoke`]), what a call gives back
//! ([`Invocation`], [`Accepted`]), and the client's InvokeFunction.

use std::future::Future;

use http::{HeaderName, HeaderValue, Method};
use tracing::Instrument as _;

use super::validate;
use crate::transport::{Exchange, Idempotency, Signing};
use crate::util::BoxFuture;
use crate::{Api, Client, FcError, InvocationMeta, InvokeRequest, InvokeResponse};

/// Performs one InvokeFunction call.
///
/// [`Client`](crate::Client) implements it over HTTP. The code `#[fc_function]` generates calls nothing else,
/// so a test double (a fake, a recorder) implements this one method and gets every typed stub for free:
///
/// ```
/// use fc_runtime::{FcError, Invoke, InvokeRequest, InvokeResponse, InvocationMeta, StatusCode};
///
/// struct Echo;
/// impl Invoke for Echo {
///     async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, FcError> {
///         Ok(InvokeResponse::new(StatusCode::OK, InvocationMeta::default(), request.body))
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot call Function Compute: it does not implement `fc_runtime::Invoke`",
    label = "`#[fc_function]` methods call `Invoke::invoke` on `self`",
    note = "add `fc_runtime::Invoke` as a supertrait (`trait MyFunctions: fc_runtime::Invoke {{ … }}`), or put `#[fc_service]` on the trait"
)]
pub trait Invoke: Send + Sync {
    /// Sends `request` and returns the function's answer; function and service errors are `Err`.
    fn invoke(&self, request: InvokeRequest) -> impl Future<Output = Result<InvokeResponse, FcError>> + Send;
}

impl<T: Invoke + ?Sized> Invoke for &T {
    fn invoke(&self, request: InvokeRequest) -> impl Future<Output = Result<InvokeResponse, FcError>> + Send {
        (**self).invoke(request)
    }
}

impl<T: Invoke + ?Sized> Invoke for std::sync::Arc<T> {
    fn invoke(&self, request: InvokeRequest) -> impl Future<Output = Result<InvokeResponse, FcError>> + Send {
        (**self).invoke(request)
    }
}

/// The dyn-compatible form of [`Invoke`], implemented for every `Invoke` type; [`DynInvoke`] holds one.
trait ErasedInvoke: Send + Sync {
    /// [`Invoke::invoke`], boxed.
    fn invoke_boxed(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, FcError>>;
}

impl<T: Invoke> ErasedInvoke for T {
    fn invoke_boxed(&self, request: InvokeRequest) -> BoxFuture<'_, Result<InvokeResponse, FcError>> {
        Box::pin(Invoke::invoke(self, request))
    }
}

/// Any [`Invoke`] behind one type chosen at run time: a real [`Client`](crate::Client) in production, a fake in
/// tests. Cheap to clone. `#[fc_service]` traits are implemented for it, like for `Client`; each call costs one
/// boxed future.
///
/// ```
/// use fc_runtime::{Client, Credentials, DynInvoke, FcError, InvocationMeta, Invoke, InvokeRequest, InvokeResponse, StatusCode};
///
/// struct Canned;
/// impl Invoke for Canned {
///     async fn invoke(&self, _: InvokeRequest) -> Result<InvokeResponse, FcError> {
///         Ok(InvokeResponse::new(StatusCode::OK, InvocationMeta::default(), "1"))
///     }
/// }
///
/// fn backend(offline: bool) -> Result<DynInvoke, FcError> {
///     Ok(if offline {
///         DynInvoke::new(Canned)
///     } else {
///         let client = Client::builder().endpoint("http://127.0.0.1:9000")
///             .credentials(Credentials::new("id", "secret")).build()?;
///         DynInvoke::new(client)
///     })
/// }
/// # assert!(backend(true).is_ok());
/// ```
#[derive(Clone)]
pub struct DynInvoke(std::sync::Arc<dyn ErasedInvoke>);

impl DynInvoke {
    /// Erases the type of `invoker`.
    pub fn new(invoker: impl Invoke + 'static) -> Self {
        DynInvoke(std::sync::Arc::new(invoker))
    }
}

impl std::fmt::Debug for DynInvoke {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DynInvoke(..)")
    }
}

impl Invoke for DynInvoke {
    fn invoke(&self, request: InvokeRequest) -> impl Future<Output = Result<InvokeResponse, FcError>> + Send {
        self.0.invoke_boxed(request)
    }
}

/// A result together with the invocation's metadata (request id, duration, memory, version, log tail).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Invocation<T> {
    /// The decoded result.
    pub value: T,
    /// What FC reported about the invocation.
    pub meta: InvocationMeta,
}

impl<T> Invocation<T> {
    /// Pairs a value with metadata.
    pub fn new(value: T, meta: InvocationMeta) -> Self {
        Invocation { value, meta }
    }

    /// The value, without the metadata.
    pub fn into_value(self) -> T {
        self.value
    }

    /// The value and the metadata.
    pub fn into_parts(self) -> (T, InvocationMeta) {
        (self.value, self.meta)
    }

    /// Transforms the value, keeping the metadata.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Invocation<U> {
        Invocation { value: f(self.value), meta: self.meta }
    }
}

/// An async invocation FC accepted (HTTP 202); the function runs later.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Accepted {
    /// All metadata of the answer; [`request_id`](Self::request_id) and [`invocation_id`](Self::invocation_id)
    /// read from it.
    pub meta: InvocationMeta,
}

impl Accepted {
    /// Reads an acceptance from a response; a sync answer where an acceptance was expected is a decode error.
    ///
    /// FC 2.0 accepts with 202. Which 2xx FC 3.0 uses is not documented, so a 2xx that carries the async task
    /// (or stateful invocation) id header is an acceptance too: a sync answer never carries one.
    pub fn from_response(response: InvokeResponse) -> Result<Self, FcError> {
        let carries_id = response.status.is_success() && response.meta.invocation_id.is_some();
        if !response.is_accepted() && !carries_id {
            return Err(FcError::decode(
                format!("expected 202 Accepted for an async call, got {}", response.status),
                &response.body,
                response.meta.request_id,
            ));
        }
        Ok(Accepted { meta: response.meta })
    }

    /// `X-Fc-Request-Id`.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// The stateful invocation id, when the call named one (or FC generated one).
    pub fn invocation_id(&self) -> Option<&str> {
        self.meta.invocation_id.as_deref()
    }
}

impl Client {
    /// Sends one InvokeFunction call; see [`Invoke`].
    pub async fn invoke(&self, mut request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        if let Some(q) = self.qualifier_override() {
            request.qualifier = Some(q.clone());
        }
        validate::invoke_request(&request, self.limits())?;
        let ty = request.invocation.invocation_type();
        let span = tracing::info_span!(
            "fc.invoke",
            service = %request.service.as_deref().unwrap_or(""),
            api = ?request.api(),
            function = %request.function,
            qualifier = request.qualifier.as_deref().unwrap_or(""),
            invocation_type = ty.as_str(),
            request_id = tracing::field::Empty,
        );
        async move {
            let path = request.path();
            let api = request.api();
            let mut fc_headers: smallvec::SmallVec<[(HeaderName, HeaderValue); 4]> = smallvec::SmallVec::new();
            fc_headers.push((X_FC_INVOCATION_TYPE, HeaderValue::from_static(ty.as_str())));
            if request.log_type == crate::LogType::Tail {
                fc_headers.push((X_FC_LOG_TYPE, HeaderValue::from_static(request.log_type.as_str())));
            }
            if let Some(id) = request.invocation.id() {
                let name = if api == Api::Fc3 { X_FC_ASYNC_TASK_ID } else { X_FC_STATEFUL_ID };
                fc_headers.push((name, header_value(id)?));
            }
            if let Some(trace) = &request.trace_id {
                fc_headers.push((X_FC_TRACE_ID, header_value(trace)?));
            }
            let (query, signing) = match (api, request.qualifier.as_deref()) {
                (Api::Fc3, Some(q)) => (vec![("qualifier", q.to_owned())], Signing::Acs3 { action: "InvokeFunction" }),
                (Api::Fc3, None) => (Vec::new(), Signing::Acs3 { action: "InvokeFunction" }),
                _ => (Vec::new(), Signing::Fc),
            };
            let answer = self
                .call(Exchange {
                    method: Method::POST,
                    path: &path,
                    query: &query,
                    fc_headers: &fc_headers,
                    content_type: HeaderValue::from_static(request.content_type.as_str()),
                    body: request.body,
                    timeout: request.timeout,
                    idempotency: if request.invocation.id().is_some() {
                        Idempotency::Safe
                    } else {
                        Idempotency::Unsafe
                    },
                    signing,
                })
                .await;
            let result = answer.and_then(|a| InvokeResponse::parse(a.status.as_u16(), &a.headers, a.body));
            match &result {
                Ok(r) => tracing::debug!(status = r.status.as_u16(), bytes = r.body.len(), "invocation answered"),
                Err(e) => tracing::debug!(error = %e, "invocation failed"),
            }
            result
        }
        .instrument(span)
        .await
    }
}

const X_FC_INVOCATION_TYPE: HeaderName = HeaderName::from_static("x-fc-invocation-type");
const X_FC_LOG_TYPE: HeaderName = HeaderName::from_static("x-fc-log-type");
const X_FC_STATEFUL_ID: HeaderName = HeaderName::from_static("x-fc-stateful-async-invocation-id");
const X_FC_TRACE_ID: HeaderName = HeaderName::from_static("x-fc-trace-id");
const X_FC_ASYNC_TASK_ID: HeaderName = HeaderName::from_static("x-fc-async-task-id");

/// A header value that was validated before; anything else is refused, not sent.
fn header_value(value: &str) -> Result<HeaderValue, FcError> {
    HeaderValue::from_str(value).map_err(|_| {
        FcError::invalid_input(
            crate::InputField::HeaderValue,
            "has a control or non-ASCII character and cannot be sent",
        )
    })
}

impl Invoke for Client {
    fn invoke(
        &self,
        request: InvokeRequest,
    ) -> impl std::future::Future<Output = Result<InvokeResponse, FcError>> + Send {
        Client::invoke(self, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_acceptance_is_a_202_or_a_2xx_with_a_task_id() {
        let with_id = InvocationMeta { invocation_id: Some("t".into()), ..InvocationMeta::default() };
        assert!(
            Accepted::from_response(InvokeResponse::new(http::StatusCode::ACCEPTED, InvocationMeta::default(), ""))
                .is_ok()
        );
        assert!(Accepted::from_response(InvokeResponse::new(http::StatusCode::OK, with_id.clone(), "")).is_ok());
        assert!(
            Accepted::from_response(InvokeResponse::new(http::StatusCode::OK, InvocationMeta::default(), "{}"))
                .is_err()
        );
        assert!(
            Accepted::from_response(InvokeResponse::new(http::StatusCode::INTERNAL_SERVER_ERROR, with_id, "")).is_err()
        );
    }

    #[test]
    fn invocation_maps_and_splits() {
        let meta = InvocationMeta { request_id: Some("r".into()), ..InvocationMeta::default() };
        let inv = Invocation::new(2, meta.clone()).map(|v| v * 21);
        assert_eq!(inv.into_parts(), (42, meta));
    }
}
