//! `cargo fc local`: LocalFc with the management API on a loopback port, the lines a shell `eval`s to point the
//! default chain and `cargo fc deploy` / `invoke` at it, and (in a crate with deploy settings) the crate's
//! functions built for this machine and deployed to it; with `--watch`, built and deployed again when a source
//! changes.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use fc_runtime::local::{DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, LocalFc};

use crate::compile::{BuildOptions, build};
use crate::deploy::{DeployOptions, Deployable, apply, plan};
use crate::{Error, Progress, Project};

/// Options of `cargo fc local`.
#[derive(Debug, Clone)]
pub struct LocalOptions {
    /// Where to listen (loopback).
    pub addr: SocketAddr,
    /// Keep what is deployed across restarts here.
    pub state_dir: Option<PathBuf>,
    /// Build and deploy again when a source changes.
    pub watch: bool,
    /// The region LocalFc says it is in.
    pub region: String,
}

impl Default for LocalOptions {
    fn default() -> Self {
        LocalOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
            state_dir: None,
            watch: false,
            region: "cn-hangzhou".to_owned(),
        }
    }
}

/// The shell lines that point the default chain and `cargo fc` at `fc`.
pub fn exports(fc: &LocalFc, region: &str) -> Vec<String> {
    vec![
        format!("export FC_ENDPOINT={}", fc.endpoint()),
        format!("export ALIBABA_CLOUD_ACCESS_KEY_ID={DEFAULT_ACCESS_KEY_ID}"),
        format!("export ALIBABA_CLOUD_ACCESS_KEY_SECRET={DEFAULT_ACCESS_KEY_SECRET}"),
        format!("export FC_REGION={region}"),
    ]
}

/// Builds the crate's functions for this machine and deploys them to `fc`.
pub async fn deploy_here(project: &Project, fc: &LocalFc, progress: &Progress) -> Result<(), Error> {
    let artifacts = tokio::task::block_in_place(|| {
        build(project, &BuildOptions { host: true, ..BuildOptions::default() }, progress)
    })?;
    let client = fc.client();
    for spec in project.functions(&[])? {
        let artifact = artifacts.iter().find(|a| a.binary == spec.binary).expect("built above");
        let zip = std::fs::read(&artifact.zip).map_err(Error::io(&artifact.zip))?;
        let deployable = Deployable { spec, zip };
        let options = DeployOptions::default();
        let planned = plan(&client, &deployable, &options).await?;
        apply(&client, &deployable, &planned, &options, progress).await?;
    }
    Ok(())
}

/// Runs LocalFc until Ctrl-C or SIGTERM.
pub async fn run(project: Option<Project>, options: LocalOptions, progress: &Progress) -> Result<(), Error> {
    if !options.addr.ip().is_loopback() {
        return Err(Error::Usage(format!("{}: LocalFc listens on loopback addresses only", options.addr)));
    }
    let mut builder = LocalFc::builder().addr(options.addr).region(&options.region);
    if let Some(dir) = &options.state_dir {
        builder = builder.state_dir(dir);
    }
    let fc = builder.start().await.map_err(|e| Error::Usage(format!("LocalFc could not start: {e}")))?;
    progress.step(format!("LocalFc listening on {}", fc.endpoint()));
    let deployable = project.as_ref().filter(|p| p.packages.iter().any(|p| p.has_settings));
    if let Some(project) = deployable {
        deploy_here(project, &fc, progress).await?;
    }
    let mut out = std::io::stdout().lock();
    for line in exports(&fc, &options.region) {
        let _ = writeln!(out, "{line}");
    }
    for trigger in fc.http_triggers() {
        let _ = writeln!(
            out,
            "# http-trigger {} {} {} auth={}",
            trigger.function,
            trigger.name,
            trigger.url,
            trigger.auth.as_str()
        );
    }
    let _ = out.flush();
    drop(out);
    let watching = match (options.watch, deployable) {
        (true, Some(project)) => Some(watch(project)?),
        (true, None) => return Err(Error::Usage("--watch needs a crate with [package.metadata.fc]".to_owned())),
        _ => None,
    };
    let stop = stopped();
    tokio::pin!(stop);
    match watching {
        None => stop.await,
        Some((_watcher, mut changes)) => loop {
            tokio::select! {
                _ = &mut stop => break,
                Some(()) = changes.recv() => {
                    // A burst of writes (an editor's save) is one change.
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    while changes.try_recv().is_ok() {}
                    progress.step("a source changed: building and deploying again");
                    if let Err(e) = deploy_here(deployable.expect("watching"), &fc, progress).await {
                        progress.step(format!("not deployed: {e}"));
                    }
                }
            }
        },
    }
    fc.shutdown().await;
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn stopped() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Some(_) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Watches every package's `src/` and `Cargo.toml`; each change is one message.
fn watch(project: &Project) -> Result<(notify::RecommendedWatcher, tokio::sync::mpsc::UnboundedReceiver<()>), Error> {
    use notify::Watcher as _;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| e.kind.is_modify() || e.kind.is_create() || e.kind.is_remove()) {
            let _ = tx.send(());
        }
    })
    .map_err(|e| Error::Usage(format!("cannot watch the sources: {e}")))?;
    for package in &project.packages {
        let dir = package.manifest.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
        for path in [dir.join("src"), package.manifest.clone()] {
            if path.exists() {
                let mode =
                    if path.is_dir() { notify::RecursiveMode::Recursive } else { notify::RecursiveMode::NonRecursive };
                watcher
                    .watch(&path, mode)
                    .map_err(|e| Error::Usage(format!("cannot watch {}: {e}", path.display())))?;
            }
        }
    }
    Ok((watcher, rx))
}
