//! Error bodies: service errors, function errors, and the stateful-invocation records FC returns.
#![no_main]

mod common;

use bytes::Bytes;
use fc_runtime::{FunctionErrorKind, InvocationMeta, InvocationPage, StatefulInvocation};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = common::split(data);
    let service = fc_runtime::FcError::from_answer(status, &headers, body);
    let _ = service.to_string();
    let meta = InvocationMeta::from_headers(&headers);
    for kind in [FunctionErrorKind::Handled, FunctionErrorKind::Unhandled] {
        let function = fc_runtime::FunctionError::parse(kind, meta.clone(), Bytes::copy_from_slice(body));
        let _ = function.to_string();
    }
    let _ = serde_json::from_slice::<StatefulInvocation>(body).map(|s| s.status.map(|st| st.is_terminal()));
    let _ = serde_json::from_slice::<InvocationPage>(body);
});
