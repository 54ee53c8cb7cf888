//! How `LocalFc` names a function, one way everywhere: [`FunctionId`] (an FC 3.0 function by its name, an FC 2.0
//! function by its service and name), and [`Namespace`], where the functions a router or a runtime serves go.

use std::fmt;

use super::routes::fc3_service;
use crate::Api;

/// A function `LocalFc` hosts: an FC 3.0 function by its name, or an FC 2.0 function by its service and name.
/// Every method that names one function takes it — `"web"` is the FC 3.0 function `web`, `("demo", "echo")` the
/// function `echo` of the FC 2.0 service `demo`:
///
/// ```
/// use fc_runtime::local::FunctionId;
/// assert_eq!(FunctionId::from("web"), FunctionId::fc3("web"));
/// assert_eq!(FunctionId::from(("demo", "echo")), FunctionId::fc2("demo", "echo"));
/// assert_eq!(FunctionId::fc2("demo", "echo").to_string(), "demo/echo");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionId {
    service: Option<String>,
    name: String,
}

impl FunctionId {
    /// The FC 3.0 function `name`.
    pub fn fc3(name: impl Into<String>) -> Self {
        FunctionId { service: None, name: name.into() }
    }

    /// The function `name` of the FC 2.0 service `service`.
    pub fn fc2(service: impl Into<String>, name: impl Into<String>) -> Self {
        FunctionId { service: Some(service.into()), name: name.into() }
    }

    /// The function's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its FC 2.0 service; `None` for an FC 3.0 function.
    pub fn service(&self) -> Option<&str> {
        self.service.as_deref()
    }

    /// The API it is called by.
    pub fn api(&self) -> Api {
        if self.service.is_some() { Api::Fc2 } else { Api::Fc3 }
    }

    /// What owns its versions and aliases, as `LocalFc` keeps them: its FC 2.0 service, or (FC 3.0 functions have
    /// versions of their own) an internal service of its own.
    pub(crate) fn owner(&self) -> String {
        match &self.service {
            Some(service) => service.clone(),
            None => fc3_service(&self.name),
        }
    }
}

impl fmt::Display for FunctionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.service {
            Some(service) => write!(f, "{service}/{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl From<&str> for FunctionId {
    /// The FC 3.0 function of this name.
    fn from(name: &str) -> Self {
        FunctionId::fc3(name)
    }
}

impl From<String> for FunctionId {
    /// The FC 3.0 function of this name.
    fn from(name: String) -> Self {
        FunctionId::fc3(name)
    }
}

impl From<&String> for FunctionId {
    /// The FC 3.0 function of this name.
    fn from(name: &String) -> Self {
        FunctionId::fc3(name)
    }
}

impl<S: Into<String>, N: Into<String>> From<(S, N)> for FunctionId {
    /// `(service, function)`: an FC 2.0 function.
    fn from((service, name): (S, N)) -> Self {
        FunctionId::fc2(service, name)
    }
}

impl From<&FunctionId> for FunctionId {
    fn from(id: &FunctionId) -> Self {
        id.clone()
    }
}

/// Where the functions a router or a custom runtime serves go: FC 3.0 functions of the same names, or the
/// functions of an FC 2.0 service (`"demo"` converts to the service `demo`).
///
/// ```
/// use fc_runtime::local::Namespace;
/// assert_eq!(Namespace::from("demo"), Namespace::service("demo"));
/// assert_eq!(Namespace::Fc3.function("web").to_string(), "web");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Namespace {
    /// FC 3.0: each function on its own, by name.
    Fc3,
    /// An FC 2.0 service.
    Service(String),
}

impl Namespace {
    /// The FC 2.0 service `name`.
    pub fn service(name: impl Into<String>) -> Self {
        Namespace::Service(name.into())
    }

    /// The function `name` here.
    pub fn function(&self, name: impl Into<String>) -> FunctionId {
        match self {
            Namespace::Fc3 => FunctionId::fc3(name),
            Namespace::Service(service) => FunctionId::fc2(service.clone(), name),
        }
    }
}

impl From<&str> for Namespace {
    /// The FC 2.0 service of this name.
    fn from(service: &str) -> Self {
        Namespace::service(service)
    }
}

impl From<&String> for Namespace {
    /// The FC 2.0 service of this name.
    fn from(service: &String) -> Self {
        Namespace::service(service)
    }
}

impl From<String> for Namespace {
    /// The FC 2.0 service of this name.
    fn from(service: String) -> Self {
        Namespace::Service(service)
    }
}
