//! `cargo fc`: a Rust function's whole life on Alibaba Cloud Function Compute from the command line — `new`,
//! `build`, `deploy`, `invoke` and `local` — as a library the command line is a thin layer over, so that tests
//! (and tools) call each step directly.
//!
//! - [`new`](new::new) writes a crate that builds, tests against LocalFc and deploys as it is.
//! - [`build`](compile::build) cross-compiles each function's binary with cargo-zigbuild for FC's Linux and packs
//!   it deterministically (`target/fc/<bin>.zip`), checking glibc and FC's size limits.
//! - [`plan`](deploy::plan) and [`apply`](deploy::apply) make the crate's `[package.metadata.fc]` true on FC (or
//!   LocalFc), idempotently; a plan is data, what `--dry` prints.
//! - [`invoke`](invoke::invoke) calls a deployed function; [`local`](local::run) runs LocalFc with the crate
//!   deployed.

pub mod compile;
pub mod config;
pub mod deploy;
mod error;
pub mod invoke;
pub mod local;
pub mod new;

pub use config::{FunctionSpec, Package, Project};
pub use error::Error;

/// Where progress goes: one line per step on stderr (nothing when quiet), as cargo reports its own.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    quiet: bool,
}

impl Progress {
    /// Step lines on stderr.
    pub fn stderr() -> Self {
        Progress { quiet: false }
    }

    /// No progress (tests, `-q`).
    pub fn quiet() -> Self {
        Progress { quiet: true }
    }

    /// Reports one step.
    pub fn step(&self, line: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{:>12} {}", "fc", line.as_ref());
        }
    }
}

/// A client for `endpoint` (else the environment's `FC_ENDPOINT`, or `FC_ACCOUNT_ID` with `region`, else with
/// `FC_REGION`), with the default credentials chain.
pub fn client(endpoint: Option<&str>, region: Option<&str>) -> Result<fc_runtime::Client, Error> {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    if endpoint.is_some() || region.is_some() {
        vars.retain(|(k, _)| k != "FC_ENDPOINT");
    }
    if let Some(endpoint) = endpoint {
        vars.push(("FC_ENDPOINT".to_owned(), endpoint.to_owned()));
    }
    if let Some(region) = region {
        vars.retain(|(k, _)| k != "FC_REGION");
        vars.push(("FC_REGION".to_owned(), region.to_owned()));
    }
    let env = fc_runtime::Environment::from_vars(vars);
    fc_runtime::Client::builder_from_environment(env).and_then(|builder| builder.build()).map_err(|e| {
        Error::Usage(format!("no endpoint to deploy to: {e} (give --endpoint URL, or --region with FC_ACCOUNT_ID set)"))
    })
}
