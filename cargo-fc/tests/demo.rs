//! The repository's own deployable demo (`examples/deploy`, package `fc-demo`): its settings name every function
//! of the `Demo` trait and the web function with their triggers (and so do the Serverless Devs files, the
//! alternative), and `cargo fc build` makes a package that needs no glibc newer than 2.28 and serves from its
//! `bootstrap` once `cargo fc deploy` put it on LocalFc.

use std::path::{Path, PathBuf};
use std::process::Command;

use examples::{DemoFunctions, DemoServer};
use fc_runtime::InvokeRequest;
use fc_runtime::local::LocalFc;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn the_demo_settings_name_every_function_and_the_triggers() {
    let project = cargo_fc::Project::load(Some(&root().join("examples/deploy/Cargo.toml"))).unwrap();
    let functions = project.functions(&["fc-demo".to_owned()]).unwrap();
    let names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    for name in <DemoFunctions as DemoServer>::FUNCTIONS.iter().chain(&["web"]) {
        assert!(names.contains(name), "the settings do not deploy {name}: {names:?}");
    }
    assert!(functions.iter().all(|f| f.binary == "fc-demo" && f.runtime == "custom.debian10" && f.memory == Some(512)));
    let trigger = |function: &str, name: &str| {
        let f = functions.iter().find(|f| f.name == function).unwrap();
        f.triggers.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("{function} lacks {name}")).clone()
    };
    assert_eq!(trigger("on_timer", "demo-timer").config["cronExpression"], "@every 1m");
    assert_eq!(trigger("on_upload", "demo-upload").kind, "oss");
    assert_eq!(trigger("web", "demo-web").config["authType"], "function");
    for (file, key) in [("s.yaml", "functionName: "), ("s.fc2.yaml", "name: ")] {
        let text = std::fs::read_to_string(root().join("examples/deploy").join(file)).unwrap();
        for name in <DemoFunctions as DemoServer>::FUNCTIONS.iter().chain(&["web"]) {
            assert!(text.contains(&format!("{key}{name}\n")), "{file} does not deploy {name}");
        }
        for trigger in
            ["demo-timer", "demo-upload", "oss:ObjectCreated:*", "@every 1m", "demo-web", "authType: function"]
        {
            assert!(text.contains(trigger), "{file} lacks {trigger}");
        }
        assert!(text.contains("../../target/fc/fc-demo"), "{file} does not deploy what cargo fc build makes");
    }
}

fn cargo_fc(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-fc"));
    command
        .arg("fc")
        .args(args)
        .arg("--manifest-path")
        .arg(root().join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root().join("target/cargo-fc-e2e"))
        .env("CARGO_FC_ZIGBUILD", support::zig_tools().join("cargo-zigbuild"))
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", fc_runtime::local::DEFAULT_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fc_runtime::local::DEFAULT_ACCESS_KEY_SECRET)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env_remove("FC_ENDPOINT");
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_builds_for_glibc_2_28_and_serves_from_its_bootstrap() {
    let out = tokio::task::spawn_blocking(|| cargo_fc(&["build", "-p", "fc-demo", "-o", "json"]).output().unwrap())
        .await
        .unwrap();
    assert!(out.status.success(), "cargo fc build failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let built: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bootstrap = PathBuf::from(built["artifacts"][0]["bootstrap"].as_str().unwrap());
    let binary = std::fs::read(&bootstrap).unwrap();
    let newest = cargo_fc::compile::newest_glibc(&binary).unwrap();
    assert!(newest.is_some_and(|v| v <= (2, 28)), "the binary needs GLIBC {newest:?}, custom.debian10 has 2.28");

    let fc = LocalFc::builder().start().await.unwrap();
    let endpoint = fc.endpoint();
    let out = tokio::task::spawn_blocking(move || {
        cargo_fc(&[
            "deploy",
            "-p",
            "fc-demo",
            "--no-build",
            "--function",
            "greet",
            "--function",
            "add",
            "--endpoint",
            &endpoint,
        ])
        .output()
        .unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "cargo fc deploy failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let client = fc.client();
    let answer = client.invoke(InvokeRequest::fc3("greet").json_bytes(r#"{"name":"debian10"}"#)).await.unwrap();
    assert_eq!(&answer.body[..], br#"{"greeting":"Hello, debian10!"}"#);
    let answer = client.invoke(InvokeRequest::fc3("add").json_bytes(r#"{"a":2,"b":3}"#)).await.unwrap();
    assert_eq!(&answer.body[..], b"5");
    assert_eq!(fc.code_uploads(), 2, "one package per function");
    fc.shutdown().await;
}
