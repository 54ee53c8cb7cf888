//! Helpers named by generated code through absolute paths (`::fc_runtime::__private::…`).

pub use core::convert::{AsRef, Into};
pub use core::future::Future;
pub use core::marker::{Send, Sync};
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use core::time::Duration;
pub use std::borrow::Cow;
pub use std::format;
pub use std::string::{String, ToString};

pub use bytes::Bytes;
pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::http_trigger::{
    HttpTriggerClient, Reply, TriggerCall, TriggerClient, TriggerRequests, TriggerResponse, TriggerStream,
};
pub use http::Method;

pub use crate::{
    Accepted, Client, ContentType, DynInvoke, FcError, Invocation, InvocationType, Invoke, InvokeRequest,
    InvokeResponse, LogType,
};

/// The size the next event's buffer starts at: what recent events needed (at least 512 bytes, at most 64 KiB), so
/// that encoding is one allocation, not a doubling series.
static EVENT_SIZE_HINT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(512);

fn event_buffer() -> Vec<u8> {
    Vec::with_capacity(EVENT_SIZE_HINT.load(std::sync::atomic::Ordering::Relaxed))
}

fn remember_event_size(len: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    let wanted = (len + len / 8).clamp(512, 64 * 1024);
    if wanted > EVENT_SIZE_HINT.load(Relaxed) {
        EVENT_SIZE_HINT.store(wanted, Relaxed);
    }
}

/// Serializes one value as the whole event.
pub fn encode_json<T: ?Sized + Serialize>(value: &T) -> Result<Bytes, FcError> {
    let mut buf = event_buffer();
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => {
            remember_event_size(buf.len());
            Ok(Bytes::from(buf))
        }
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
        let mut buf = event_buffer();
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
        remember_event_size(self.buf.len());
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
    crate::error::decode_json_body(&response.body, response.meta.request_id.as_deref(), "result")
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

/// What a route's path parameter, query value or header is made of: anything `Display`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a path parameter, a query value or a header of a route: it is not `Display`",
    label = "not `Display`",
    note = "give the argument a type that is `Display` (a number, a string); a repeated query parameter (`?tag=a&tag=b`) is a `Vec<T>` or `&[T]` of them, an optional one an `Option<T>`; anything else belongs in the #[fc(body)]"
)]
pub trait UrlValue {
    /// The value as text.
    fn url_value(&self) -> String;
}

#[diagnostic::do_not_recommend]
impl<T: std::fmt::Display + ?Sized> UrlValue for T {
    fn url_value(&self) -> String {
        self.to_string()
    }
}

/// `value` as a route's path parameter, query value or header.
pub fn url_value<T: UrlValue + ?Sized>(value: &T) -> String {
    value.url_value()
}

/// The body of an HTTP-trigger answer as `Vec<u8>` or `Bytes`.
pub fn trigger_body<T: From<Bytes>>(response: &TriggerResponse) -> T {
    T::from(response.body.clone())
}
