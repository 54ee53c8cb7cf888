//! The environment and the clock, as inputs: every part of the crate that reads variables or compares times
//! takes one of these, so that tests (and other environments) can supply their own.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

/// The environment variables and home directory providers read: the process's, or a fixed map (for tests, and
/// for resolving credentials for another environment).
///
/// `Debug` lists variable names only: values may be secrets.
///
/// ```
/// use fc_runtime::Environment;
/// let env = Environment::from_vars([("HOME", "/tmp/home"), ("ALIBABA_CLOUD_PROFILE", "dev")]);
/// assert_eq!(env.var("ALIBABA_CLOUD_PROFILE").as_deref(), Some("dev"));
/// assert_eq!(env.var("ALIBABA_CLOUD_ACCESS_KEY_ID"), None);
/// ```
#[derive(Clone, Default)]
pub struct Environment {
    /// `None`: the process environment, read at each lookup.
    vars: Option<Arc<BTreeMap<String, String>>>,
}

impl fmt::Debug for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.vars {
            None => f.write_str("Environment(process)"),
            Some(vars) => f.debug_tuple("Environment").field(&vars.keys().collect::<Vec<_>>()).finish(),
        }
    }
}

impl Environment {
    /// The process environment.
    pub fn process() -> Self {
        Environment { vars: None }
    }

    /// Exactly these variables, and no others.
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Environment { vars: Some(Arc::new(vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect())) }
    }

    /// The variable's value, as set (possibly empty).
    pub fn var(&self, name: &str) -> Option<String> {
        match &self.vars {
            None => std::env::var(name).ok(),
            Some(vars) => vars.get(name).cloned(),
        }
    }

    /// The variable's value, trimmed, when it is set and not blank.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// Whether the variable is `true` in any case (the official libraries' rule: anything else is false).
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.var(name).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// The home directory: `HOME`, else `USERPROFILE`.
    pub(crate) fn home(&self) -> Option<PathBuf> {
        self.get("HOME").or_else(|| self.get("USERPROFILE")).map(PathBuf::from)
    }
}

/// The time providers compare expirations with: the system clock, or a function (for tests).
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>);

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Clock(custom)" } else { "Clock(system)" })
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Clock(None)
    }

    /// A clock that reads `now`.
    pub fn from_fn(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Clock(Some(Arc::new(now)))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match &self.0 {
            None => SystemTime::now(),
            Some(now) => now(),
        }
    }
}
