//! Which operation a request asks for, and on which function: one parser for both APIs, and the one place the
//! "not found" answers are worded, per API (FC 2.0 names services, FC 3.0 functions).

use std::sync::Arc;

use http::Method;

use super::reply::Reject;
use super::state::{Function, State};
use crate::Api;
use crate::wire::{API_VERSION, FC3_API_VERSION};

/// FC 3.0 functions have no service: each lives alone in an internal service named after it, whose name no FC 2.0
/// service can have (`:` is not allowed there), so that versions, aliases, faults and async tasks work per
/// function with the same machinery.
pub(crate) fn fc3_service(function: &str) -> String {
    format!("fc3:{function}")
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation<'a> {
    /// InvokeFunction.
    Invoke,
    /// List the async invocations (stateful invocations, async tasks).
    List,
    /// Get one async invocation.
    Get(&'a str),
    /// Stop one async invocation.
    Stop(&'a str),
}

/// A parsed API request: the API, the function it addresses, the qualifier the caller named, the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Route<'a> {
    pub api: Api,
    /// The service (FC 3.0: the function's internal one).
    pub service: String,
    pub function: &'a str,
    pub qualifier: Option<String>,
    pub operation: Operation<'a>,
}

impl<'a> Route<'a> {
    /// Parses the decoded path (and, for FC 3.0, the query's `qualifier`) of a request.
    pub(crate) fn parse(api: Api, method: &Method, decoded: &'a str, query: Option<&str>) -> Result<Route<'a>, Reject> {
        let segments: Vec<&str> = decoded.trim_start_matches('/').split('/').collect();
        let not_supported = || {
            // FC 2.0 answers an unknown path with 400, FC 3.0 with 404.
            let status = if api == Api::Fc3 { 404 } else { 400 };
            Reject::new(status, "PathNotSupported", format!("{method} {decoded} is not a supported API path"))
        };
        let (service, function, qualifier, rest) = match (api, segments.as_slice()) {
            (Api::Fc3, [version, "functions", function, rest @ ..]) if *version == FC3_API_VERSION => {
                let qualifier = form_urlencoded::parse(query.unwrap_or("").as_bytes())
                    .find(|(k, _)| k == "qualifier")
                    .map(|(_, v)| v.into_owned());
                (fc3_service(function), *function, qualifier, rest)
            }
            (Api::Fc2, [version, "services", svc_q, "functions", function, rest @ ..]) if *version == API_VERSION => {
                let (service, qualifier) = match svc_q.split_once('.') {
                    Some((s, q)) => (s, Some(q.to_owned())),
                    None => (*svc_q, None),
                };
                if service.contains(':') {
                    // FC 3.0 functions live in internal services whose names no FC 2.0 service can have: an FC 2.0
                    // path never reaches one.
                    return Err(Reject::new(404, "ServiceNotFound", format!("service {service:?} does not exist")));
                }
                (service.to_owned(), *function, qualifier, rest)
            }
            _ => return Err(not_supported()),
        };
        let (operation, allowed): (Operation<'a>, &[Method]) = match (api, rest) {
            (_, ["invocations"]) => (Operation::Invoke, &[Method::POST]),
            (Api::Fc2, ["stateful-async-invocations"]) | (Api::Fc3, ["async-tasks"]) => {
                (Operation::List, &[Method::GET])
            }
            (Api::Fc2, ["stateful-async-invocations", id]) if method == Method::PUT => {
                (Operation::Stop(id), &[Method::PUT])
            }
            (Api::Fc2, ["stateful-async-invocations", id]) => (Operation::Get(id), &[Method::GET]),
            (Api::Fc3, ["async-tasks", id]) => (Operation::Get(id), &[Method::GET]),
            (Api::Fc3, ["async-tasks", id, "stop"]) => (Operation::Stop(id), &[Method::PUT]),
            _ => return Err(not_supported()),
        };
        if !allowed.contains(method) {
            return Err(Reject::new(405, "MethodNotAllowed", format!("{method} is not allowed on {decoded}")));
        }
        Ok(Route { api, service, function, qualifier, operation })
    }

    /// Who owns versions and aliases, as the API's answers name it.
    fn owner(&self) -> String {
        match self.api {
            Api::Fc3 => format!("function {:?}", self.function),
            _ => format!("service {:?}", self.service),
        }
    }

    /// The function the route addresses, with the version that serves it (an alias's additional version for its
    /// share of the invocations) and the qualifier's async settings; the API's not-found answers otherwise.
    pub(crate) fn resolve(&self, state: &State) -> Result<Target, Reject> {
        let missing_function = || match self.api {
            Api::Fc3 => Reject::new(404, "FunctionNotFound", format!("function {:?} does not exist", self.function)),
            _ => Reject::new(
                404,
                "FunctionNotFound",
                format!("function {:?} does not exist in service {:?}", self.function, self.service),
            ),
        };
        let services = state.read();
        let Some(service) = services.get(&self.service) else {
            return Err(match self.api {
                Api::Fc3 => missing_function(),
                _ => Reject::new(404, "ServiceNotFound", format!("service {:?} does not exist", self.service)),
            });
        };
        if !service.functions.contains_key(self.function) {
            return Err(missing_function());
        }
        let qualifier = self.qualifier.as_deref().unwrap_or("LATEST");
        let version = match qualifier {
            "LATEST" => "LATEST",
            q if is_version(q) => q,
            alias => match service.aliases.get(alias) {
                Some(alias) => alias.pick(),
                None => {
                    return Err(Reject::new(
                        404,
                        "AliasNotFound",
                        format!("alias {alias:?} of {} does not exist", self.owner()),
                    ));
                }
            },
        };
        let function = match version {
            "LATEST" => service.functions.get(self.function),
            number => {
                let published = number.parse::<u32>().ok().and_then(|n| service.versions.get(&n)).ok_or_else(|| {
                    Reject::new(
                        404,
                        "VersionNotFound",
                        format!("version {number:?} of {} does not exist", self.owner()),
                    )
                })?;
                published.functions.get(self.function)
            }
        };
        let function = function.ok_or_else(missing_function)?;
        Ok(Target {
            api: self.api,
            service: self.service.clone(),
            function_name: self.function.to_owned(),
            function: function.clone(),
            qualifier: qualifier.to_owned(),
            version: version.to_owned(),
            async_settings: service.async_configs.get(qualifier).cloned(),
        })
    }
}

/// Whether a qualifier names a version (digits) rather than an alias.
pub(crate) fn is_version(qualifier: &str) -> bool {
    !qualifier.is_empty() && qualifier.bytes().all(|b| b.is_ascii_digit())
}

/// The function a request addresses, with the qualifier the caller named and the version that serves it.
pub(crate) struct Target {
    pub api: Api,
    pub service: String,
    pub function_name: String,
    pub function: Arc<Function>,
    pub qualifier: String,
    pub version: String,
    /// The async invoke config of the qualifier the caller named, set through the management API.
    pub async_settings: Option<super::state::AsyncSettings>,
}

/// The async-invocation answers each API words its own way.
pub(crate) struct AsyncWords {
    /// The header carrying the caller's id.
    pub id_header: &'static str,
    /// What an id names, in messages.
    pub noun: &'static str,
    /// The code of an unknown id.
    pub not_found: &'static str,
    /// The code of a Stop on a finished invocation.
    pub finished: &'static str,
}

impl Target {
    /// How this target's API words its async invocations.
    pub(crate) fn words(&self) -> AsyncWords {
        match self.api {
            Api::Fc3 => AsyncWords {
                id_header: "x-fc-async-task-id",
                noun: "async task",
                not_found: "AsyncTaskNotFound",
                finished: "AsyncTaskFinished",
            },
            _ => AsyncWords {
                id_header: "x-fc-stateful-async-invocation-id",
                noun: "stateful async invocation",
                not_found: "StatefulAsyncInvocationNotFound",
                finished: "AsyncInvocationStopped",
            },
        }
    }

    /// The answer to an id this function has no record of.
    pub(crate) fn not_found(&self, id: &str) -> Reject {
        let words = self.words();
        Reject::new(404, words.not_found, format!("{} {id:?} does not exist", words.noun))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_apis_parse_into_one_route() {
        let fc2 = Route::parse(
            Api::Fc2,
            &Method::PUT,
            "/2016-08-15/services/demo.prod/functions/sleep/stateful-async-invocations/job_1",
            None,
        )
        .unwrap();
        assert_eq!((fc2.service.as_str(), fc2.function, fc2.qualifier.as_deref()), ("demo", "sleep", Some("prod")));
        assert_eq!(fc2.operation, Operation::Stop("job_1"));
        let fc3 = Route::parse(
            Api::Fc3,
            &Method::GET,
            "/2023-03-30/functions/sleep/async-tasks/job_1",
            Some("qualifier=prod"),
        )
        .unwrap();
        assert_eq!((fc3.service.as_str(), fc3.qualifier.as_deref()), ("fc3:sleep", Some("prod")));
        assert_eq!(fc3.operation, Operation::Get("job_1"));
        let fc3_through_fc2 =
            Route::parse(Api::Fc2, &Method::POST, "/2016-08-15/services/fc3:web/functions/web/invocations", None)
                .unwrap_err();
        assert_eq!((fc3_through_fc2.status, fc3_through_fc2.code), (404, "ServiceNotFound"));
        let unknown = Route::parse(Api::Fc2, &Method::GET, "/2016-08-15/nope", None).unwrap_err();
        assert_eq!((unknown.status, unknown.code), (400, "PathNotSupported"));
        let unknown = Route::parse(Api::Fc3, &Method::GET, "/2023-03-30/nope", None).unwrap_err();
        assert_eq!((unknown.status, unknown.code), (404, "PathNotSupported"));
        let wrong = Route::parse(Api::Fc3, &Method::GET, "/2023-03-30/functions/f/invocations", None).unwrap_err();
        assert_eq!((wrong.status, wrong.code), (405, "MethodNotAllowed"));
    }
}
