//! The FC 2.0 API paths, written in one place for the client and the emulator.

/// The API version prefix every FC 2.0 path starts with.
pub const API_VERSION: &str = "2016-08-15";

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
