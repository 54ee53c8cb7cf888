//! The FC 2.0 and FC 3.0 API paths, written in one place for the client and the emulator.

use crate::wire::{API_VERSION, FC3_API_VERSION};

/// `/2023-03-30/functions/{function}` with the name percent-encoded as ACS3 does.
fn fc3_function_base(function: &str) -> String {
    use std::fmt::Write as _;
    let mut path = String::with_capacity(32 + function.len());
    let _ = write!(path, "/{FC3_API_VERSION}/functions/{}", crate::sign::acs3::encode(function));
    path
}

/// `/2023-03-30/functions/{function}/invocations` (the qualifier travels as the `qualifier` query parameter).
pub fn fc3_invocations(function: &str) -> String {
    let mut p = fc3_function_base(function);
    p.push_str("/invocations");
    p
}

/// `/2023-03-30/functions/{function}/async-tasks[/{task_id}[/stop]]`
pub fn fc3_async_tasks(function: &str, task_id: Option<&str>, stop: bool) -> String {
    use std::fmt::Write as _;
    let mut p = fc3_function_base(function);
    p.push_str("/async-tasks");
    if let Some(id) = task_id {
        let _ = write!(p, "/{}", crate::sign::acs3::encode(id));
        if stop {
            p.push_str("/stop");
        }
    }
    p
}

fn function_base(service: &str, qualifier: Option<&str>, function: &str) -> String {
    let mut path = String::with_capacity(64 + service.len() + function.len());
    path.push('/');
    path.push_str(API_VERSION);
    path.push_str("/services/");
    path.push_str(service);
    if let Some(q) = qualifier {
        path.push('.');
        path.push_str(q);
    }
    path.push_str("/functions/");
    path.push_str(function);
    path
}

/// `/2016-08-15/services/{service}[.{qualifier}]/functions/{function}/invocations`
pub fn invocations(service: &str, qualifier: Option<&str>, function: &str) -> String {
    let mut p = function_base(service, qualifier, function);
    p.push_str("/invocations");
    p
}

/// `…/functions/{function}/stateful-async-invocations[/{id}]`
pub fn stateful(service: &str, qualifier: Option<&str>, function: &str, id: Option<&str>) -> String {
    let mut p = function_base(service, qualifier, function);
    p.push_str("/stateful-async-invocations");
    if let Some(id) = id {
        p.push('/');
        p.push_str(id);
    }
    p
}
