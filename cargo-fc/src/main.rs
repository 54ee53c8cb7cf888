//! `cargo fc`, the command line: arguments in, the library's steps, results on stdout (`-o json` for scripts),
//! progress on stderr, and an exit code a script can branch on (0 done, 1 failed, 2 bad command line or
//! settings, 3 a missing tool or an unreachable endpoint).

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cargo_fc::compile::{BuildOptions, build};
use cargo_fc::deploy::{Action, DeployOptions, Deployable, FunctionPlan, apply, plan};
use cargo_fc::invoke::{InvokeOptions, invoke, sample_event};
use cargo_fc::local::LocalOptions;
use cargo_fc::new::{NewOptions, RuntimeDependency};
use cargo_fc::{Error, Progress, Project};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "cargo", bin_name = "cargo")]
enum Cargo {
    /// Build, deploy, invoke and run Rust functions on Alibaba Cloud Function Compute.
    Fc(Fc),
}

#[derive(Args)]
#[command(version, about = "Build, deploy, invoke and run Rust functions on Alibaba Cloud Function Compute")]
struct Fc {
    /// How results are printed on stdout.
    #[arg(short = 'o', long = "output", value_enum, default_value_t = Output::Human, global = true)]
    output: Output,
    /// No progress on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// The crate's or workspace's Cargo.toml.
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Human,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// A new function crate: the trait, its implementation, a main that serves it, a test against LocalFc,
    /// deploy settings.
    New {
        /// The crate's name (and its function's).
        name: String,
        /// Add a web function behind an HTTP trigger.
        #[arg(long)]
        http: bool,
        /// Type the function's event with this trigger source.
        #[arg(long, value_name = "SOURCE")]
        event: Option<String>,
        /// Depend on fc-runtime at this path (default: this checkout's, when there is one).
        #[arg(long, value_name = "PATH")]
        runtime_path: Option<PathBuf>,
    },
    /// Cross-compile the functions' binaries for FC's Linux and pack them as target/fc/<bin>.zip.
    Build {
        #[command(flatten)]
        build: BuildArgs,
    },
    /// Make the crate's [package.metadata.fc] true on FC: create or update, skip unchanged code, wait until
    /// ready, triggers, async and concurrency configs, version and alias.
    Deploy {
        #[command(flatten)]
        build: BuildArgs,
        /// Only these functions.
        #[arg(long = "function", value_name = "NAME")]
        functions: Vec<String>,
        #[command(flatten)]
        target: TargetArgs,
        /// Publish a version once deployed (and point the settings' alias at it).
        #[arg(long)]
        publish: bool,
        /// Point this alias at the new version (publishes one).
        #[arg(long, value_name = "NAME")]
        alias: Option<String>,
        /// Print the plan (what would be created, updated or left alone, and why) and change nothing.
        #[arg(long)]
        dry: bool,
        /// Deploy the zips already in target/fc, without building.
        #[arg(long)]
        no_build: bool,
        /// How long to wait for a function to become ready, in seconds.
        #[arg(long, default_value_t = 300, value_name = "SECONDS")]
        wait: u64,
    },
    /// Invoke a deployed function and print its result.
    Invoke {
        /// The function.
        function: String,
        /// The event, as JSON text.
        #[arg(long, conflicts_with_all = ["data_file", "event"])]
        data: Option<String>,
        /// The event, from a file.
        #[arg(long, value_name = "PATH", conflicts_with = "event")]
        data_file: Option<PathBuf>,
        /// A typed sample event of a trigger source (oss, timer, sls, mns_topic).
        #[arg(long, value_name = "SOURCE")]
        event: Option<String>,
        /// The version or alias.
        #[arg(long)]
        qualifier: Option<String>,
        /// Invoke asynchronously.
        #[arg(long = "async")]
        asynchronous: bool,
        /// Print the invocation's log tail.
        #[arg(long)]
        tail: bool,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Run LocalFc with the management API, print the exports a shell evals, and deploy the crate to it.
    Local {
        /// Where to listen (loopback only).
        #[arg(long, default_value = "127.0.0.1:9000")]
        addr: SocketAddr,
        /// Keep what is deployed across restarts.
        #[arg(long, value_name = "DIR")]
        state_dir: Option<PathBuf>,
        /// Build and deploy again when a source changes.
        #[arg(long)]
        watch: bool,
    },
}

#[derive(Args, Clone, Default)]
struct BuildArgs {
    /// Only this package.
    #[arg(short = 'p', long = "package", value_name = "SPEC")]
    packages: Vec<String>,
    /// Only this binary.
    #[arg(long = "bin", value_name = "NAME")]
    binaries: Vec<String>,
    /// Build with optimizations.
    #[arg(long)]
    release: bool,
    /// Build for aarch64.
    #[arg(long)]
    arm64: bool,
}

impl BuildArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            packages: self.packages.clone(),
            binaries: self.binaries.clone(),
            release: self.release,
            arm64: self.arm64,
            ..BuildOptions::default()
        }
    }
}

#[derive(Args, Clone, Default)]
struct TargetArgs {
    /// The FC endpoint (default: FC_ENDPOINT, or FC_ACCOUNT_ID with the region).
    #[arg(long, value_name = "URL", conflicts_with = "region")]
    endpoint: Option<String>,
    /// The region (with FC_ACCOUNT_ID).
    #[arg(long)]
    region: Option<String>,
}

fn main() -> ExitCode {
    let Cargo::Fc(fc) = Cargo::parse();
    let progress = if fc.quiet || fc.output == Output::Json { Progress::quiet() } else { Progress::stderr() };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a Tokio runtime");
    match runtime.block_on(run(fc.command, fc.output, fc.manifest_path, &progress)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if fc.output == Output::Json {
                let json = serde_json::json!({"error": e.to_string(), "exit": e.exit_code()});
                println!("{json}");
            }
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn print(output: Output, human: impl FnOnce() -> String, json: serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = match output {
        Output::Human => writeln!(out, "{}", human()),
        Output::Json => writeln!(out, "{json}"),
    };
}

async fn run(command: Command, output: Output, manifest: Option<PathBuf>, progress: &Progress) -> Result<(), Error> {
    let project = || Project::load(manifest.as_deref());
    match command {
        Command::New { name, http, event, runtime_path } => {
            let runtime = match runtime_path {
                Some(path) => RuntimeDependency::Path(path.canonicalize().map_err(|e| Error::Io { path, source: e })?),
                None => RuntimeDependency::default_for_this_build(),
            };
            let options = NewOptions { name, http, event, runtime };
            let here = std::env::current_dir().map_err(|e| Error::Io { path: ".".into(), source: e })?;
            let dir = cargo_fc::new::new(&here, &options)?;
            print(output, || format!("created {}", dir.display()), serde_json::json!({"created": dir}));
        }
        Command::Build { build: args } => {
            let project = project()?;
            let artifacts = tokio::task::block_in_place(|| build(&project, &args.options(), progress))?;
            print(
                output,
                || {
                    artifacts
                        .iter()
                        .map(|a| format!("{} {} {}", a.binary, a.zip.display(), a.checksum))
                        .collect::<Vec<_>>()
                        .join("\n")
                },
                serde_json::json!({"artifacts": artifacts}),
            );
        }
        Command::Deploy { build: args, functions, target, publish, alias, dry, no_build, wait } => {
            let project = project()?;
            let mut specs = project.functions(&args.packages)?;
            for name in &functions {
                if !specs.iter().any(|s| s.name == *name) {
                    let known: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
                    return Err(Error::Usage(format!(
                        "no function {name:?} in the settings (functions: {})",
                        known.join(", ")
                    )));
                }
            }
            if !functions.is_empty() {
                specs.retain(|s| functions.contains(&s.name));
            }
            if !args.binaries.is_empty() {
                specs.retain(|s| args.binaries.contains(&s.binary));
            }
            let client = cargo_fc::client(target.endpoint.as_deref(), target.region.as_deref())?;
            let zips = if no_build {
                let out = cargo_fc::compile::out_dir(&project, false);
                specs.iter().map(|s| out.join(format!("{}.zip", s.binary))).collect::<Vec<_>>()
            } else {
                let mut options = args.options();
                options.binaries = specs.iter().map(|s| s.binary.clone()).collect();
                let artifacts = tokio::task::block_in_place(|| build(&project, &options, progress))?;
                specs
                    .iter()
                    .map(|s| artifacts.iter().find(|a| a.binary == s.binary).expect("built").zip.clone())
                    .collect()
            };
            let options = DeployOptions { publish: publish || alias.is_some(), alias, wait: Duration::from_secs(wait) };
            let mut plans: Vec<FunctionPlan> = Vec::new();
            let mut versions = serde_json::Map::new();
            for (spec, zip) in specs.into_iter().zip(zips) {
                let bytes = std::fs::read(&zip).map_err(|e| Error::Io { path: zip.clone(), source: e })?;
                let deployable = Deployable { spec, zip: bytes };
                let planned = plan(&client, &deployable, &options).await?;
                if !dry && let Some(version) = apply(&client, &deployable, &planned, &options, progress).await? {
                    versions.insert(planned.function.clone(), version.into());
                }
                plans.push(planned);
            }
            print(
                output,
                || human_plan(&plans, dry),
                serde_json::json!({"dry": dry, "functions": plans, "published": versions}),
            );
        }
        Command::Invoke { function, data, data_file, event, qualifier, asynchronous, tail, target } => {
            let event = match (data, data_file, event) {
                (Some(data), _, _) => {
                    serde_json::from_str::<serde_json::Value>(&data)
                        .map_err(|e| Error::Usage(format!("--data is not JSON: {e}")))?;
                    data.into_bytes()
                }
                (_, Some(path), _) => std::fs::read(&path).map_err(|e| Error::Io { path, source: e })?,
                (_, _, Some(source)) => sample_event(&source)?,
                _ => Vec::new(),
            };
            let client = cargo_fc::client(target.endpoint.as_deref(), target.region.as_deref())?;
            let options = InvokeOptions { event, qualifier, asynchronous, tail };
            match invoke(&client, &function, options).await {
                Ok(invoked) => print(
                    output,
                    || match (&invoked.log, invoked.accepted) {
                        (_, true) => format!("accepted (request {})", invoked.request_id.clone().unwrap_or_default()),
                        (Some(log), false) => format!("{}\n--- log tail ---\n{log}", invoked.body),
                        (None, false) => invoked.body.clone(),
                    },
                    serde_json::to_value(&invoked).unwrap_or_default(),
                ),
                Err(Error::FunctionFailed { function, error_type, message, log }) => {
                    if let Some(log) = &log {
                        eprintln!("--- log tail ---\n{log}");
                    }
                    return Err(Error::FunctionFailed { function, error_type, message, log });
                }
                Err(e) => return Err(e),
            }
        }
        Command::Local { addr, state_dir, watch } => {
            let project = Project::load(manifest.as_deref()).ok();
            let options = LocalOptions { addr, state_dir, watch, ..LocalOptions::default() };
            cargo_fc::local::run(project, options, progress).await?;
        }
    }
    Ok(())
}

fn human_plan(plans: &[FunctionPlan], dry: bool) -> String {
    let mut lines = Vec::new();
    for plan in plans {
        lines.push(format!("{}{}:", plan.function, if dry { " (plan; nothing changed)" } else { "" }));
        for step in &plan.steps {
            let action = match step.action {
                Action::Create => "create",
                Action::Update => "update",
                Action::Unchanged => "unchanged",
                _ => "?",
            };
            let resource = serde_json::to_value(&step.resource).unwrap_or_default();
            let what = match resource.get("name").and_then(|n| n.as_str()) {
                Some(name) => format!("{} {name}", resource["kind"].as_str().unwrap_or_default()),
                None => resource["kind"].as_str().unwrap_or_default().to_owned(),
            };
            lines.push(format!("  {action:<9} {what:<24} {}", step.reason));
        }
    }
    lines.join("\n")
}
