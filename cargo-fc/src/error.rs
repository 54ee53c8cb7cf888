//! What can go wrong, and the exit code a script sees for it.

use std::path::PathBuf;

/// A `cargo fc` failure: what went wrong, in words a user can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The crate's `[package.metadata.fc]` (or a flag) says something FC or `cargo fc` cannot do.
    #[error("{manifest}: [package.metadata.fc]{at}: {message}", at = at.as_deref().map(|a| format!(".{a}")).unwrap_or_default())]
    Settings {
        /// The `Cargo.toml`.
        manifest: PathBuf,
        /// Where in the table (`functions.hello.memory`), when known.
        at: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// The command line asks for something that does not exist (a package, a binary, a function).
    #[error("{0}")]
    Usage(String),
    /// A tool `cargo fc` needs is not installed; `install` says how to get it.
    #[error("{tool} is missing: {install}")]
    MissingTool {
        /// The tool.
        tool: &'static str,
        /// What to run to install it.
        install: String,
    },
    /// `cargo` (metadata, a build) failed.
    #[error("{0}")]
    Cargo(String),
    /// A built binary FC could not run or take.
    #[error("{binary}: {message}")]
    Binary {
        /// The binary.
        binary: PathBuf,
        /// Why.
        message: String,
    },
    /// Function Compute (or LocalFc) refused or failed a call.
    #[error("{what}: {source}")]
    Fc {
        /// What `cargo fc` was doing.
        what: String,
        /// FC's error.
        #[source]
        source: fc_runtime::FcError,
    },
    /// A function did not become ready in time.
    #[error("{function} was not ready after {seconds} s (state {state}, last update {update})")]
    NotReady {
        /// The function.
        function: String,
        /// How long `cargo fc` waited.
        seconds: u64,
        /// Its `state`.
        state: String,
        /// Its `lastUpdateStatus`.
        update: String,
    },
    /// FC says a function failed to deploy.
    #[error("{function} failed to deploy: {reason}")]
    DeployFailed {
        /// The function.
        function: String,
        /// FC's state and reason.
        reason: String,
    },
    /// An invoked function failed: its `errorType` and message.
    #[error("{function} failed: {error_type}: {message}")]
    FunctionFailed {
        /// The function.
        function: String,
        /// Its `errorType`.
        error_type: String,
        /// Its message.
        message: String,
        /// The decoded log tail, when it was asked for.
        log: Option<String>,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code: 1 when an operation failed (FC refused, a function failed, a build failed), 2 for a bad
    /// command line or bad settings, 3 for what the machine lacks (a tool, a reachable endpoint).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Settings { .. } | Error::Usage(_) => 2,
            Error::MissingTool { .. } => 3,
            Error::Fc { source: fc_runtime::FcError::Transport(_) | fc_runtime::FcError::Timeout(_), .. } => 3,
            _ => 1,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    pub(crate) fn fc(what: impl Into<String>) -> impl FnOnce(fc_runtime::FcError) -> Error {
        let what = what.into();
        move |source| Error::Fc { what, source }
    }
}
