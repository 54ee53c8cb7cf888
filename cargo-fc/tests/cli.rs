//! The command line as scripts see it: exit codes (0 done, 1 failed, 2 bad command line or settings, 3 a missing
//! tool or an unreachable endpoint), messages on stderr, results on stdout, nothing half-written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{LocalFc, Namespace};

struct Dir(PathBuf);

impl Dir {
    fn new(settings: &str, bins: &[&str]) -> Dir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "cargo-fc-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/bin")).unwrap();
        for bin in bins {
            std::fs::write(dir.join(format!("src/bin/{bin}.rs")), "fn main() {}\n").unwrap();
        }
        let manifest =
            format!("[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n\n{settings}");
        std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cargo fc ARGS` in `dir`, with LocalFc's key in the default chain and instance metadata off.
fn cargo_fc(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-fc"));
    command
        .arg("fc")
        .args(args)
        .current_dir(dir)
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", fc_runtime::local::DEFAULT_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fc_runtime::local::DEFAULT_ACCESS_KEY_SECRET)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env_remove("FC_ENDPOINT")
        .env_remove("FC_ACCOUNT_ID")
        .env_remove("CARGO_FC_ZIGBUILD");
    command
}

fn run(command: &mut Command) -> (u8, String, String) {
    let Output { status, stdout, stderr } = command.output().unwrap();
    let code = status.code().unwrap_or(-1) as u8;
    (code, String::from_utf8_lossy(&stdout).into_owned(), String::from_utf8_lossy(&stderr).into_owned())
}

#[test]
fn bad_settings_are_exit_2_naming_the_place() {
    for (settings, bins, mentions) in [
        ("[package.metadata.fc]\nmemory = \"lots\"\n", &["app"][..], "[package.metadata.fc].memory"),
        ("[package.metadata.fc]\nmemory = 100\n", &["app"][..], "not a multiple of 64"),
        (
            "[package.metadata.fc.functions.api]\nbinary = \"nope\"\n",
            &["app"][..],
            "has no binary \"nope\" (it has app)",
        ),
        ("[package.metadata.fc.functions.9lives]\nbinary = \"app\"\n", &["app"][..], "not a name FC takes"),
        ("", &["a", "b"][..], "has 2 binaries (a, b)"),
        ("[package.metadata.fc]\nfunctions = 3\n", &["app"][..], "functions: must be a table"),
    ] {
        let dir = Dir::new(settings, bins);
        let (code, _, stderr) =
            run(cargo_fc(&dir.0, &["deploy", "--dry", "--no-build", "--endpoint", "http://127.0.0.1:1"]).arg("-q"));
        assert_eq!(code, 2, "{settings}: {stderr}");
        assert!(stderr.contains(mentions), "{settings}: {stderr}");
    }
    let dir = Dir::new("", &["app"]);
    let (code, _, stderr) = run(&mut cargo_fc(
        &dir.0,
        &["deploy", "--function", "other", "--no-build", "--endpoint", "http://127.0.0.1:1"],
    ));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no function \"other\" in the settings (functions: app)"), "{stderr}");
    let (code, _, stderr) = run(&mut cargo_fc(&dir.0, &["build", "--bin", "other"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no binary \"other\""), "{stderr}");
}

#[test]
fn a_missing_zig_is_exit_3_saying_what_to_install_and_nothing_is_written() {
    let dir = Dir::new("", &["app"]);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let cargo_dir = Path::new(&cargo).parent().map(Path::to_path_buf).unwrap_or_default();
    let (code, _, stderr) = run(cargo_fc(&dir.0, &["build"]).env("PATH", &cargo_dir).env("CARGO", &cargo));
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("cargo-zigbuild is missing") && stderr.contains("pip install cargo-zigbuild ziglang"),
        "{stderr}"
    );
    assert!(!dir.0.join("target/fc").exists(), "nothing half-written");
    let (code, _, stderr) = run(cargo_fc(&dir.0, &["build"]).env("CARGO_FC_ZIGBUILD", "/nonexistent/cargo-zigbuild"));
    assert_eq!(code, 3, "{stderr}");
}

#[test]
fn an_unreachable_endpoint_is_exit_3() {
    let dir = Dir::new("", &["app"]);
    let out = dir.0.join("target/fc");
    std::fs::create_dir_all(&out).unwrap();
    let zip = fc_runtime::manage::CodePackage::new().executable("bootstrap", b"#!/bin/sh\n".to_vec()).finish().unwrap();
    std::fs::write(out.join("app.zip"), zip).unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let endpoint = format!("http://{free}");
    let (code, _, stderr) = run(&mut cargo_fc(&dir.0, &["deploy", "--no-build", "--endpoint", &endpoint]));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("reading app"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invoke_prints_results_and_fails_with_the_functions_error() {
    let router =
        Router::new()
            .bytes("echo", |event, _ctx| async move { Ok::<_, Failure>(event) })
            .json("boom", |_: serde_json::Value, _ctx| async move {
                Err::<(), _>(Failure::new("BoomError", "it went boom"))
            });
    let fc = LocalFc::builder().router(Namespace::Fc3, router).start().await.unwrap();
    let endpoint = fc.endpoint();
    let here = std::env::temp_dir();
    let e = endpoint.clone();
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        run(&mut cargo_fc(&here, &["invoke", "echo", "--data", r#"{"a":1}"#, "--endpoint", &e]))
    })
    .await
    .unwrap();
    assert_eq!((code, stdout.trim()), (0, r#"{"a":1}"#), "{stderr}");
    let here = std::env::temp_dir();
    let e = endpoint.clone();
    let (code, stdout, _) = tokio::task::spawn_blocking(move || {
        run(&mut cargo_fc(&here, &["invoke", "echo", "--event", "oss", "-o", "json", "--endpoint", &e]))
    })
    .await
    .unwrap();
    assert_eq!(code, 0);
    let answer: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let event: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(event["events"][0]["oss"]["bucket"]["name"], "my-bucket");
    let here = std::env::temp_dir();
    let (code, _, stderr) = tokio::task::spawn_blocking(move || {
        run(&mut cargo_fc(&here, &["invoke", "boom", "--data", "{}", "--tail", "--endpoint", &endpoint]))
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("boom failed: BoomError: it went boom"), "{stderr}");
    assert!(stderr.contains("--- log tail ---"), "{stderr}");
    let (code, _, stderr) = run(&mut cargo_fc(&std::env::temp_dir(), &["invoke", "echo", "--data", "{not json"]));
    assert_eq!(code, 2, "{stderr}");
    fc.shutdown().await;
}

#[test]
fn an_architecture_without_its_standard_library_says_what_to_add() {
    let host_is_arm = std::env::consts::ARCH == "aarch64";
    let sysroot = Command::new("rustc").args(["--print", "sysroot"]).output().unwrap();
    let sysroot = String::from_utf8_lossy(&sysroot.stdout).trim().to_owned();
    if host_is_arm || Path::new(&sysroot).join("lib/rustlib/aarch64-unknown-linux-gnu").is_dir() {
        return; // installed here: nothing to refuse
    }
    let dir = Dir::new("", &["app"]);
    let (code, _, stderr) = run(cargo_fc(&dir.0, &["build", "--arm64"]).env("CARGO_FC_ZIGBUILD", "/bin/true"));
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("rustup target add aarch64-unknown-linux-gnu"), "{stderr}");
}
