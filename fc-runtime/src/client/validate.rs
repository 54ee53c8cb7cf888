//! Checks made before anything is sent: a refused call costs nothing and changes nothing.

use fc_names::{self as names, NameError};

use crate::error::InputField;
use crate::{FcError, InvocationType, InvokeRequest};

/// Payload limits. FC's defaults are 32 MB for sync and 128 KB for async events; other regions or raised quotas
/// can be configured on the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest sync event, in bytes.
    pub max_sync_payload: usize,
    /// Largest async event, in bytes.
    pub max_async_payload: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_sync_payload: crate::wire::MAX_SYNC_PAYLOAD, max_async_payload: crate::wire::MAX_ASYNC_PAYLOAD }
    }
}

impl Limits {
    /// Limits with the given sizes in bytes.
    pub fn new(max_sync_payload: usize, max_async_payload: usize) -> Self {
        Limits { max_sync_payload, max_async_payload }
    }

    /// The limit for an invocation type.
    pub fn for_type(&self, ty: InvocationType) -> usize {
        match ty {
            InvocationType::Sync => self.max_sync_payload,
            InvocationType::Async => self.max_async_payload,
        }
    }
}

fn name_error(field: InputField, value: &str, e: NameError) -> FcError {
    FcError::invalid_input(field, format!("{value:?} {e}"))
}

pub(crate) fn service(value: &str) -> Result<(), FcError> {
    names::check_service(value).map_err(|e| name_error(InputField::ServiceName, value, e))
}

pub(crate) fn function(value: &str) -> Result<(), FcError> {
    names::check_function(value).map_err(|e| name_error(InputField::FunctionName, value, e))
}

pub(crate) fn qualifier(value: &str) -> Result<(), FcError> {
    names::check_qualifier(value).map_err(|e| name_error(InputField::Qualifier, value, e))
}

pub(crate) fn invocation_id(value: &str) -> Result<(), FcError> {
    names::check_invocation_id(value).map_err(|e| name_error(InputField::InvocationId, value, e))
}

/// Checks a header value; see [`header_value_problem`](crate::wire::header_value_problem).
pub(crate) fn header_value(field: InputField, value: &str) -> Result<(), FcError> {
    match crate::wire::header_value_problem(value) {
        Some(problem) => Err(FcError::invalid_input(field, problem)),
        None => Ok(()),
    }
}

/// A query parameter's value: anything percent-encoding carries, but no control character and at most 1024 bytes
/// (a prefix, a page token).
pub(crate) fn query_value(field: InputField, value: &str) -> Result<(), FcError> {
    if value.len() > 1024 {
        return Err(FcError::invalid_input(field, format!("is {} bytes, over 1024", value.len())));
    }
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, _)) => Err(FcError::invalid_input(field, format!("contains a control character at position {at}"))),
        None => Ok(()),
    }
}

pub(crate) fn fc3_function(value: &str) -> Result<(), FcError> {
    names::check_fc3_function(value).map_err(|e| name_error(InputField::FunctionName, value, e))
}

pub(crate) fn alias(value: &str) -> Result<(), FcError> {
    names::check_alias(value).map_err(|e| name_error(InputField::AliasName, value, e))
}

pub(crate) fn trigger(value: &str) -> Result<(), FcError> {
    names::check_trigger(value).map_err(|e| name_error(InputField::TriggerName, value, e))
}

/// A published version's id: digits, not `0`.
pub(crate) fn version_id(value: &str) -> Result<(), FcError> {
    if value.is_empty()
        || value.len() > 20
        || !value.bytes().all(|b| b.is_ascii_digit())
        || value.bytes().all(|b| b == b'0')
    {
        return Err(FcError::invalid_input(InputField::VersionId, format!("{value:?} is not a version id (1, 2, …)")));
    }
    Ok(())
}

pub(crate) fn async_task_id(value: &str) -> Result<(), FcError> {
    names::check_async_task_id(value).map_err(|e| name_error(InputField::TaskId, value, e))
}

/// Everything about an invoke request that can be checked without the network.
pub(crate) fn invoke_request(req: &InvokeRequest, limits: &Limits) -> Result<(), FcError> {
    match &req.service {
        Some(s) => {
            service(s)?;
            function(&req.function)?;
        }
        None => fc3_function(&req.function)?,
    }
    if let Some(q) = &req.qualifier {
        qualifier(q)?;
    }
    match (req.invocation.id(), req.api()) {
        (Some(id), crate::Api::Fc3) => async_task_id(id)?,
        (Some(id), _) => invocation_id(id)?,
        (None, _) => {}
    }
    if let Some(trace) = &req.trace_id {
        header_value(InputField::TraceId, trace)?;
    }
    let ty = req.invocation.invocation_type();
    let limit = limits.for_type(ty);
    if req.body.len() > limit {
        return Err(FcError::invalid_input(
            InputField::Payload,
            format!(
                "{} bytes is over the {} byte limit for {} invocations",
                req.body.len(),
                limit,
                ty.as_str().to_ascii_lowercase()
            ),
        ));
    }
    Ok(())
}
