//! Any answer, however malformed, becomes a response or a typed error; the typed decoders never panic.
#![no_main]

mod common;

use bytes::Bytes;
use fc_runtime::{Accepted, InvocationMeta, InvokeResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = common::split(data);
    let _ = InvocationMeta::from_headers(&headers);
    match InvokeResponse::parse(status, &headers, Bytes::copy_from_slice(body)) {
        Ok(answer) => {
            let _ = fc_runtime::__private::sync_result(&answer);
            let _ = fc_runtime::__private::decode_json::<serde_json::Value>(&answer);
            let _ = fc_runtime::__private::decode_json::<Vec<String>>(&answer);
            let _ = Accepted::from_response(answer);
        }
        Err(error) => {
            let _ = error.to_string();
            let _ = format!("{error:?}");
            let _ = (error.status(), error.request_id(), error.is_retryable(), error.code(), error.retry_after());
            let _ = std::error::Error::source(&error).map(ToString::to_string);
        }
    }
});
