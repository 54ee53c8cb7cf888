//! Deploy plans as data, and deploys that converge, against LocalFc: a crate with two functions (settings from its
//! `[package.metadata.fc]`, packages made in memory; nothing is built here).

use cargo_fc::deploy::{Action, DeployOptions, Deployable, FunctionPlan, Resource, apply, plan};
use cargo_fc::{Progress, Project};
use fc_runtime::local::LocalFc;
use fc_runtime::manage::CodePackage;

/// A crate `multi` with the binaries `api` and `worker` and these settings.
fn fixture(settings: &str) -> (tempdir::Dir, Project) {
    let dir = tempdir::Dir::new("multi");
    std::fs::create_dir_all(dir.0.join("src/bin")).unwrap();
    for bin in ["api", "worker"] {
        std::fs::write(dir.0.join(format!("src/bin/{bin}.rs")), "fn main() {}\n").unwrap();
    }
    let manifest =
        format!("[package]\nname = \"multi\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n{settings}");
    std::fs::write(dir.0.join("Cargo.toml"), manifest).unwrap();
    let project = Project::load(Some(&dir.0.join("Cargo.toml"))).unwrap();
    (dir, project)
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let dir = std::env::temp_dir().join(format!(
                "cargo-fc-{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Dir(dir)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

const SETTINGS: &str = r#"
[package.metadata.fc]
memory = 256
environment = { RUST_LOG = "info" }

[package.metadata.fc.functions.api]
binary = "api"
alias = "prod"
triggers = [{ name = "web", type = "http", config = { authType = "anonymous", methods = ["GET"] } }]

[package.metadata.fc.functions.worker]
binary = "worker"
concurrency = 2
async = { retries = 0, on-failure = "acs:fc:cn-hangzhou::functions/api" }
triggers = [{ name = "nightly", type = "timer", config = { cronExpression = "0 0 2 * * *", enable = false } }]
"#;

fn package(marker: &str) -> Vec<u8> {
    CodePackage::new().executable("bootstrap", format!("#!/bin/sh\n# {marker}\n").into_bytes()).finish().unwrap()
}

fn deployables(project: &Project, code: &[(&str, &str)]) -> Vec<Deployable> {
    project
        .functions(&[])
        .unwrap()
        .into_iter()
        .map(|spec| {
            let marker = code.iter().find(|(f, _)| *f == spec.name).map_or("v1", |(_, m)| *m);
            Deployable { spec, zip: package(marker) }
        })
        .collect()
}

async fn plans(fc: &LocalFc, deployables: &[Deployable], options: &DeployOptions) -> Vec<FunctionPlan> {
    let client = fc.client();
    let mut out = Vec::new();
    for d in deployables {
        out.push(plan(&client, d, options).await.unwrap());
    }
    out
}

async fn deploy_all(fc: &LocalFc, deployables: &[Deployable], options: &DeployOptions) -> Vec<FunctionPlan> {
    let client = fc.client();
    let planned = plans(fc, deployables, options).await;
    for (d, p) in deployables.iter().zip(&planned) {
        apply(&client, d, p, options, &Progress::quiet()).await.unwrap();
    }
    planned
}

fn actions(plan: &FunctionPlan) -> Vec<(Resource, Action)> {
    plan.steps.iter().map(|s| (s.resource.clone(), s.action)).collect()
}

#[tokio::test]
async fn a_multi_function_plan_is_data_and_a_second_deploy_changes_nothing() {
    let (_dir, project) = fixture(SETTINGS);
    let fc = LocalFc::builder()
        .router(fc_runtime::local::Namespace::Fc3, fc_runtime::function::Router::new())
        .start()
        .await
        .unwrap();
    let options = DeployOptions::default();
    let first = deployables(&project, &[]);
    let dry = plans(&fc, &first, &options).await;
    assert_eq!(fc.client().list_functions(&Default::default()).await.unwrap().items.len(), 0, "a plan writes nothing");
    assert_eq!(
        actions(&dry[0]),
        [
            (Resource::Function, Action::Create),
            (Resource::Code, Action::Create),
            (Resource::Trigger("web".into()), Action::Create)
        ]
    );
    assert_eq!(
        actions(&dry[1]),
        [
            (Resource::Function, Action::Create),
            (Resource::Code, Action::Create),
            (Resource::Concurrency, Action::Create),
            (Resource::AsyncConfig("LATEST".into()), Action::Create),
            (Resource::Trigger("nightly".into()), Action::Create)
        ]
    );
    deploy_all(&fc, &first, &options).await;
    assert_eq!(fc.code_uploads(), 2);
    let again = plans(&fc, &first, &options).await;
    for plan in &again {
        assert!(plan.steps.iter().all(|s| s.action == Action::Unchanged), "{plan:#?}");
    }
    deploy_all(&fc, &first, &options).await;
    assert_eq!(fc.code_uploads(), 2, "unchanged code is not uploaded again");
    assert_eq!(fc.client().get_concurrency_config("worker").await.unwrap().reserved_concurrency, Some(2));

    // New code for one function, new settings for the other.
    let (_dir2, changed_project) = fixture(&SETTINGS.replace("memory = 256", "memory = 512"));
    let changed = deployables(&changed_project, &[("worker", "v2")]);
    let planned = plans(&fc, &changed, &options).await;
    let api = planned[0].step(&Resource::Function).unwrap();
    assert_eq!(api.action, Action::Update);
    assert!(api.reason.contains("memorySize"), "{api:?}");
    assert_eq!(planned[0].step(&Resource::Code).unwrap().action, Action::Unchanged);
    let code = planned[1].step(&Resource::Code).unwrap();
    assert_eq!(code.action, Action::Update);
    assert!(code.reason.contains("is not the zip's"), "{code:?}");
    deploy_all(&fc, &changed, &options).await;
    assert_eq!(fc.code_uploads(), 3, "only the changed package is uploaded");
    assert_eq!(fc.client().get_function("api", None).await.unwrap().settings.memory_size, Some(512));

    // Publishing: a version and the settings' alias, then nothing more while nothing changes.
    let publish = DeployOptions { publish: true, ..DeployOptions::default() };
    let planned = deploy_all(&fc, &changed, &publish).await;
    assert_eq!(planned[0].step(&Resource::Version).unwrap().action, Action::Create);
    assert_eq!(planned[0].step(&Resource::Alias("prod".into())).unwrap().action, Action::Create);
    assert!(planned[1].step(&Resource::Alias("prod".into())).is_none(), "worker has no alias");
    assert_eq!(fc.client().get_alias("api", "prod").await.unwrap().version_id.as_deref(), Some("1"));
    let settled = plans(&fc, &changed, &publish).await;
    assert_eq!(settled[0].step(&Resource::Version).unwrap().action, Action::Unchanged, "{:#?}", settled[0]);
    assert_eq!(settled[0].step(&Resource::Alias("prod".into())).unwrap().action, Action::Unchanged);
    fc.shutdown().await;
}

#[tokio::test]
async fn a_deploy_interrupted_between_create_and_triggers_converges() {
    let (_dir, project) = fixture(SETTINGS);
    let fc = LocalFc::builder().start().await.unwrap();
    let options = DeployOptions::default();
    let all = deployables(&project, &[]);
    // Interrupted: the functions were created, nothing after.
    for d in &all {
        let mut planned = plan(&fc.client(), d, &options).await.unwrap();
        planned.steps.truncate(2);
        apply(&fc.client(), d, &planned, &options, &Progress::quiet()).await.unwrap();
    }
    let next = plans(&fc, &all, &options).await;
    assert_eq!(next[0].step(&Resource::Function).unwrap().action, Action::Unchanged);
    assert_eq!(next[0].step(&Resource::Trigger("web".into())).unwrap().action, Action::Create);
    assert_eq!(next[1].step(&Resource::Concurrency).unwrap().action, Action::Create);
    deploy_all(&fc, &all, &options).await;
    for plan in plans(&fc, &all, &options).await {
        assert!(plan.steps.iter().all(|s| s.action == Action::Unchanged), "{plan:#?}");
    }
    // A trigger changed behind the crate's back is put back.
    let client = fc.client();
    use fc_runtime::manage::triggers::{HttpTriggerConfig, TriggerConfig, UpdateTriggerInput};
    let other = TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["POST"]));
    client.update_trigger("api", "web", &UpdateTriggerInput::config(other)).await.unwrap();
    let drifted = plans(&fc, &all, &options).await;
    let web = drifted[0].step(&Resource::Trigger("web".into())).unwrap();
    assert_eq!((web.action, web.reason.as_str()), (Action::Update, "its config differs"));
    fc.shutdown().await;
}

#[tokio::test]
async fn a_trigger_on_the_settings_alias_deploys_with_publish_and_fcs_defaults_are_not_differences() {
    let settings = r#"
[package.metadata.fc.functions.api]
binary = "api"
alias = "prod"
triggers = [{ name = "web", type = "http", qualifier = "prod", config = { authType = "anonymous", methods = ["GET"] } }]
async = { qualifier = "prod", retries = 1 }
"#;
    let (_dir, project) = fixture(settings);
    let fc = LocalFc::builder().start().await.unwrap();
    let publish = DeployOptions { publish: true, ..DeployOptions::default() };
    let all = deployables(&project, &[]);
    deploy_all(&fc, &all, &publish).await;
    let client = fc.client();
    assert_eq!(client.get_trigger("api", "web").await.unwrap().qualifier.as_deref(), Some("prod"));
    assert_eq!(client.get_async_invoke_config("api", Some("prod")).await.unwrap().max_async_retry_attempts, Some(1));
    // A field FC adds that the settings do not name is not a difference.
    use fc_runtime::manage::triggers::{HttpTriggerConfig, TriggerConfig, UpdateTriggerInput};
    let mut config = HttpTriggerConfig::new("anonymous", ["GET"]);
    config.disable_url_internet = Some(false);
    client.update_trigger("api", "web", &UpdateTriggerInput::config(TriggerConfig::Http(config))).await.unwrap();
    for plan in plans(&fc, &all, &publish).await {
        assert!(plan.steps.iter().all(|s| s.action == Action::Unchanged), "{plan:#?}");
    }
    fc.shutdown().await;
}
