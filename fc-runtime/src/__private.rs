//! Helpers named by generated code through absolute paths (`::fc_runtime::__private::…`).

pub use core::convert::{AsRef, Into};
pub use core::future::Future;
pub use core::marker::{Send, Sync};
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use core::time::Duration;
pub use std::borrow::Cow;
pub use std::string::String;

pub use bytes::Bytes;
pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::{
    Accepted, Client, ContentType, DynInvoke, FcError, Invocation, InvocationType, Invoke, InvokeRequest,
    InvokeResponse, LogType,
};

/// Serializes one value as the whole event.
pub fn encode_json<T: ?Sized + Serialize>(value: &T) -> Result<Bytes, FcError> {
    // Start where a typical event ends up, so that encoding is one or two allocations, not a doubling series.
    let mut buf = Vec::with_capacity(512);
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => Ok(Bytes::from(buf)),
        Err(e) => Err(FcError::encode(None, e)),
    }
}

/// Writes several arguments as one JSON object, keyed by argument name, without an intermediate value.
pub struct JsonObject {
    buf: Vec<u8>,
    error: Option<FcError>,
}

impl JsonObject {
    /// Starts an object.
    pub fn new() -> Self {
        let mut buf = Vec::with_capacity(512);
        buf.push(b'{');
        JsonObject { buf, error: None }
    }

    /// Adds `"key": value`.
    pub fn field<T: ?Sized + Serialize>(mut self, key: &'static str, value: &T) -> Self {
        if self.error.is_some() {
            return self;
        }
        if self.buf.len() > 1 {
            self.buf.push(b',');
        }
        let written = serde_json::to_writer(&mut self.buf, key).and_then(|()| {
            self.buf.push(b':');
            serde_json::to_writer(&mut self.buf, value)
        });
        if let Err(e) = written {
            self.error = Some(FcError::encode(Some(key), e));
        }
        self
    }

    /// The encoded object.
    pub fn finish(mut self) -> Result<Bytes, FcError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.buf.push(b'}');
        Ok(Bytes::from(self.buf))
    }
}

impl Default for JsonObject {
    fn default() -> Self {
        Self::new()
    }
}

/// Raw-bytes arguments, sent as the body unchanged.
pub trait IntoBody {
    /// The body.
    fn into_body(self) -> Bytes;
}

impl IntoBody for Vec<u8> {
    fn into_body(self) -> Bytes {
        Bytes::from(self)
    }
}

impl IntoBody for Bytes {
    fn into_body(self) -> Bytes {
        self
    }
}

impl IntoBody for &[u8] {
    fn into_body(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl IntoBody for &Vec<u8> {
    fn into_body(self) -> Bytes {
        Bytes::copy_from_slice(self)
    }
}

impl IntoBody for &Bytes {
    fn into_body(self) -> Bytes {
        self.clone()
    }
}

/// Checks that a sync stub got a sync answer (not `202 Accepted`).
pub fn sync_result(response: &InvokeResponse) -> Result<(), FcError> {
    if response.is_accepted() {
        return Err(FcError::decode(
            "expected a sync result, got 202 Accepted",
            &response.body,
            response.meta.request_id.clone(),
        ));
    }
    Ok(())
}

/// A raw-bytes result as the declared type (a function, so that `Bytes` → `Bytes` is no lint in user code).
pub fn from_body<T: From<Bytes>>(body: Bytes) -> T {
    T::from(body)
}

/// Decodes a JSON result.
pub fn decode_json<T: DeserializeOwned>(response: &InvokeResponse) -> Result<T, FcError> {
    serde_json::from_slice(&response.body).map_err(|e| {
        FcError::decode_json("the result is not the expected JSON", e, &response.body, response.meta.request_id.clone())
    })
}

/// Asked of every other stub's argument by `#[fc_service(…, server)]`: stubs of one function send it one event.
#[diagnostic::on_unimplemented(
    message = "stubs of one function send it one event: this stub sends `{Self}` where the function's server method takes `{T}`",
    label = "not the type the other stubs of this function send",
    note = "the function side has one method per function, so every #[fc_function] stub calling it must agree on the event"
)]
pub trait SameEvent<T: ?Sized> {}
impl<T: ?Sized> SameEvent<T> for T {}

/// Asked of every other stub's result by `#[fc_service(…, server)]`: stubs of one function expect one result.
#[diagnostic::on_unimplemented(
    message = "stubs of one function expect one result: this stub expects `{Self}` where the function's server method returns `{T}`",
    label = "not the type the other stubs of this function expect",
    note = "the function side has one method per function, so every #[fc_function] stub calling it must agree on the result"
)]
pub trait SameResult<T: ?Sized> {}
impl<T: ?Sized> SameResult<T> for T {}
