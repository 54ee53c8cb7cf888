//! Helpers named by generated code through absolute paths (`::fc_runtime::__private::…`).

pub use core::future::Future;
pub use core::marker::{Send, Sync};
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use std::borrow::Cow;
pub use std::string::String;

pub use bytes::Bytes;
pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::{
    Accepted, Client, ContentType, FcError, Invocation, InvocationType, Invoke, InvokeRequest, InvokeResponse, LogType,
};

fn encode_error(e: serde_json::Error) -> FcError {
    FcError::Encode { message: e.to_string() }
}

/// Serializes one value as the whole event.
pub fn encode_json<T: ?Sized + Serialize>(value: &T) -> Result<Bytes, FcError> {
    serde_json::to_vec(value).map(Bytes::from).map_err(encode_error)
}

/// Writes several arguments as one JSON object, keyed by argument name, without an intermediate value.
pub struct JsonObject {
    buf: Vec<u8>,
    error: Option<FcError>,
}

impl JsonObject {
    /// Starts an object.
    pub fn new() -> Self {
        JsonObject { buf: vec![b'{'], error: None }
    }

    /// Adds `"key": value`.
    pub fn field<T: ?Sized + Serialize>(mut self, key: &str, value: &T) -> Self {
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
            self.error = Some(FcError::Encode { message: format!("argument `{key}`: {e}") });
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

/// Turns anything string-like into an owned invocation id.
pub fn invocation_id(id: impl AsRef<str>) -> String {
    id.as_ref().to_owned()
}

/// Attaches an encoded JSON event.
pub fn with_json(request: InvokeRequest, body: Result<Bytes, FcError>) -> Result<InvokeRequest, FcError> {
    body.map(|b| request.json(b))
}

/// Sends a request built by a stub and decodes its answer. Taking `&I` with `I: Invoke` here (not in the
/// stub) makes a trait without the `Invoke` supertrait fail with one readable error.
pub async fn call<I, T, D>(invoker: &I, request: Result<InvokeRequest, FcError>, decode: D) -> Result<T, FcError>
where
    I: Invoke + ?Sized,
    D: FnOnce(InvokeResponse) -> Result<T, FcError>,
{
    let response = invoker.invoke(request?).await?;
    decode(response)
}

fn decode_error(e: serde_json::Error, response: &InvokeResponse) -> FcError {
    FcError::decode(
        format!("the result is not the expected JSON: {e}"),
        &response.body,
        response.meta.request_id.clone(),
    )
}

fn expect_sync(response: &InvokeResponse) -> Result<(), FcError> {
    if response.is_accepted() {
        return Err(FcError::decode(
            "expected a sync result, got 202 Accepted",
            &response.body,
            response.meta.request_id.clone(),
        ));
    }
    Ok(())
}

/// Decodes a JSON result.
pub fn decode_json<T: DeserializeOwned>(response: InvokeResponse) -> Result<T, FcError> {
    expect_sync(&response)?;
    serde_json::from_slice(&response.body).map_err(|e| decode_error(e, &response))
}

/// Decodes a JSON result with its metadata.
pub fn decode_invocation<T: DeserializeOwned>(response: InvokeResponse) -> Result<Invocation<T>, FcError> {
    expect_sync(&response)?;
    let value = serde_json::from_slice(&response.body).map_err(|e| decode_error(e, &response))?;
    Ok(Invocation::new(value, response.meta))
}

/// Decodes a raw-bytes result with its metadata.
pub fn decode_invocation_bytes<T: From<Bytes>>(response: InvokeResponse) -> Result<Invocation<T>, FcError> {
    expect_sync(&response)?;
    Ok(Invocation::new(T::from(response.body), response.meta))
}

/// Ignores the body of a sync result.
pub fn decode_unit(response: InvokeResponse) -> Result<(), FcError> {
    expect_sync(&response)
}

/// Ignores the body, keeping the metadata.
pub fn decode_invocation_unit(response: InvokeResponse) -> Result<Invocation<()>, FcError> {
    expect_sync(&response)?;
    Ok(Invocation::new((), response.meta))
}

/// Returns the raw result bytes.
pub fn decode_bytes<T: From<Bytes>>(response: InvokeResponse) -> Result<T, FcError> {
    expect_sync(&response)?;
    Ok(T::from(response.body))
}

/// Reads the acceptance of an async call.
pub fn decode_accepted(response: InvokeResponse) -> Result<Accepted, FcError> {
    Accepted::from_response(response)
}
