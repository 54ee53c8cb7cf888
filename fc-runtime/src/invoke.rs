//! The seam between generated stubs and whatever performs the call.

use std::future::Future;

use crate::{FcError, InvocationMeta, InvokeRequest, InvokeResponse};

/// Performs one InvokeFunction call.
///
/// [`Client`](crate::Client) implements it over HTTP. The code `#[fc_function]` generates calls nothing else,
/// so a test double (a fake, a recorder) implements this one method and gets every typed stub for free:
///
/// ```
/// use fc_runtime::{FcError, Invoke, InvokeRequest, InvokeResponse, InvocationMeta};
///
/// struct Echo;
/// impl Invoke for Echo {
///     async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, FcError> {
///         Ok(InvokeResponse::new(200, InvocationMeta::default(), request.body))
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
}

/// An async invocation FC accepted (HTTP 202); the function runs later.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Accepted {
    /// `X-Fc-Request-Id`.
    pub request_id: Option<String>,
    /// The stateful invocation id, when the call named one (or FC generated one).
    pub invocation_id: Option<String>,
    /// All metadata of the answer.
    pub meta: InvocationMeta,
}

impl Accepted {
    /// Reads an acceptance from a response; a sync answer where an acceptance was expected is a decode error.
    pub fn from_response(response: InvokeResponse) -> Result<Self, FcError> {
        if !response.is_accepted() {
            return Err(FcError::decode(
                format!("expected 202 Accepted for an async call, got {}", response.status),
                &response.body,
                response.meta.request_id,
            ));
        }
        Ok(Accepted {
            request_id: response.meta.request_id.clone(),
            invocation_id: response.meta.invocation_id.clone(),
            meta: response.meta,
        })
    }
}
