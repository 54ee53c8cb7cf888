//! A Rust function's whole life, offline: `cargo fc new` → `cargo fc build` (cargo-zigbuild, glibc 2.28) →
//! `cargo fc deploy --endpoint` to a LocalFc → the official FC 3.0 Python SDK sees the function and invokes it → a
//! second deploy uploads no code → a code change is deployed → `--publish --alias prod` leaves `prod` on the new
//! version. The generated `--http` and `--event oss` crates are checked to build with their tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use fc_runtime::local::LocalFc;

/// Where the generated crates build: one target directory for the whole test (and across runs, under the
/// workspace's `target/`), so that fc-runtime and its dependencies are compiled once.
fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cargo-fc-e2e")
}

fn cargo_fc(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-fc"));
    command
        .arg("fc")
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_FC_ZIGBUILD", support::zig_tools().join("cargo-zigbuild"))
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", fc_runtime::local::DEFAULT_ACCESS_KEY_ID)
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", fc_runtime::local::DEFAULT_ACCESS_KEY_SECRET)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .env_remove("FC_ENDPOINT")
        .env_remove("FC_ACCOUNT_ID");
    command
}

/// Runs it; stdout when it succeeds, a panic with both streams when it does not.
fn ok(command: &mut Command) -> String {
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{command:?} failed ({}):\n{stdout}\n{stderr}", out.status);
    stdout
}

/// The official FC 3.0 Python SDK: GetFunction and InvokeFunction of `function` with `event`, as JSON.
fn official_sdk(endpoint: &str, function: &str, event: &str, qualifier: Option<&str>) -> serde_json::Value {
    let script = r#"
import io, json, sys
from alibabacloud_fc20230330 import models as m
from alibabacloud_fc20230330.client import Client
from alibabacloud_tea_openapi import utils_models
from darabonba.runtime import RuntimeOptions
endpoint, function, event, qualifier = sys.argv[1], sys.argv[2], sys.argv[3], (sys.argv[4] or None)
client = Client(utils_models.Config(access_key_id="testKeyId", access_key_secret="testKeySecret",
    endpoint=endpoint.split("://", 1)[1], protocol="http", region_id="cn-hangzhou"))
got = client.get_function(function, m.GetFunctionRequest(qualifier=qualifier)).body
request = m.InvokeFunctionRequest(body=io.BytesIO(event.encode()), qualifier=qualifier)
answer = client.invoke_function_with_options(function, request, m.InvokeFunctionHeaders(), RuntimeOptions())
print(json.dumps({"state": got.state, "runtime": got.runtime, "checksum": got.code_checksum,
    "version": answer.headers.get("x-fc-invocation-service-version"), "answer": json.loads(answer.body.read())}))
"#;
    let out = Command::new(support::sdk_python())
        .args(["-c", script, endpoint, function, event, qualifier.unwrap_or("")])
        .output()
        .unwrap();
    assert!(out.status.success(), "the official SDK failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs `cargo fc local --watch` in `dir`, invokes through its exports, changes the greeting, and invokes again
/// once the change is deployed; stops it with SIGTERM. The two greetings.
fn local_loop(dir: &Path) -> (String, String) {
    use std::io::{BufRead as _, BufReader};
    let mut child = cargo_fc(dir, &["local", "--addr", "127.0.0.1:0", "--watch", "-q"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut exports = Vec::new();
    while exports.len() < 4 {
        let line = lines.next().expect("cargo fc local printed its exports").unwrap();
        if let Some(export) = line.strip_prefix("export ") {
            exports.push(export.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())).unwrap());
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let endpoint = exports.iter().find(|(k, _)| k == "FC_ENDPOINT").unwrap().1.clone();
    let greet = || {
        let mut command = cargo_fc(dir, &["invoke", "hello", "--data", r#"{"name":"local"}"#]);
        for (k, v) in &exports {
            command.env(k, v);
        }
        let text = ok(&mut command);
        serde_json::from_str::<serde_json::Value>(text.trim()).unwrap()["greeting"].as_str().unwrap().to_owned()
    };
    let first = greet();
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib.replace("format!(\"Hi, {}!\"", "format!(\"Hey, {}!\"")).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    let second = loop {
        let now = greet();
        if now != first || std::time::Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    };
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "cargo fc local stopped with {status}");
    (first, second)
}

fn deploy(dir: &Path, endpoint: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["deploy", "--endpoint", endpoint, "-o", "json"];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(&mut cargo_fc(dir, &args))).unwrap()
}

/// The action a deploy's JSON gives `resource` of `function`.
fn action(deployed: &serde_json::Value, function: &str, kind: &str) -> String {
    let plan = deployed["functions"].as_array().unwrap().iter().find(|p| p["function"] == function).unwrap();
    let step = plan["steps"].as_array().unwrap().iter().find(|s| s["resource"]["kind"] == kind).unwrap();
    step["action"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn new_build_deploy_invoke_redeploy_publish_offline() {
    let work = std::env::temp_dir().join(format!("cargo-fc-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let blocking = |f: Box<dyn FnOnce() -> String + Send>| tokio::task::spawn_blocking(f);

    // new, then build for FC's Linux.
    let w = work.clone();
    blocking(Box::new(move || ok(&mut cargo_fc(&w, &["new", "hello"])))).await.unwrap();
    let dir = work.join("hello");
    assert!(dir.join("Cargo.toml").is_file() && dir.join("tests/local.rs").is_file());
    let d = dir.clone();
    let built = blocking(Box::new(move || ok(&mut cargo_fc(&d, &["build", "-o", "json"])))).await.unwrap();
    let built: serde_json::Value = serde_json::from_str(&built).unwrap();
    let artifact = &built["artifacts"][0];
    assert_eq!(artifact["binary"], "hello");
    let glibc = artifact["glibc"].as_array().map(|v| (v[0].as_u64().unwrap(), v[1].as_u64().unwrap()));
    assert!(glibc.is_none_or(|v| v <= (2, 28)), "needs glibc {glibc:?}");
    let zip = PathBuf::from(artifact["zip"].as_str().unwrap());
    assert_eq!(zip, target_dir().join("fc/hello.zip"));
    let first_zip = std::fs::read(&zip).unwrap();
    assert_eq!(artifact["checksum"], fc_runtime::manage::code_checksum(&first_zip));

    // deploy to LocalFc; the official SDK sees it and invokes it.
    let fc = LocalFc::builder().start().await.unwrap();
    let endpoint = fc.endpoint();
    let (d, e) = (dir.clone(), endpoint.clone());
    let first = tokio::task::spawn_blocking(move || deploy(&d, &e, &[])).await.unwrap();
    assert_eq!(action(&first, "hello", "function"), "create");
    assert_eq!(fc.code_uploads(), 1);
    let e = endpoint.clone();
    let seen = tokio::task::spawn_blocking(move || official_sdk(&e, "hello", r#"{"name":"FC"}"#, None)).await.unwrap();
    assert_eq!(seen["state"], "Active");
    assert_eq!(seen["runtime"], "custom.debian10");
    assert_eq!(seen["answer"], serde_json::json!({"greeting": "Hello, FC!"}));

    // Again, unchanged: the plan says so and no code reaches LocalFc.
    let (d, e) = (dir.clone(), endpoint.clone());
    let again = tokio::task::spawn_blocking(move || deploy(&d, &e, &[])).await.unwrap();
    assert_eq!(action(&again, "hello", "code"), "unchanged");
    assert_eq!(action(&again, "hello", "function"), "unchanged");
    assert_eq!(fc.code_uploads(), 1, "no code was uploaded");

    // A code change is deployed; --publish --alias prod leaves prod on the new version.
    let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), lib.replace("format!(\"Hello, {}!\"", "format!(\"Hi, {}!\"")).unwrap();
    let (d, e) = (dir.clone(), endpoint.clone());
    let changed = tokio::task::spawn_blocking(move || deploy(&d, &e, &["--publish", "--alias", "prod"])).await.unwrap();
    assert_eq!(action(&changed, "hello", "code"), "update");
    assert_eq!(action(&changed, "hello", "version"), "create");
    assert_eq!(changed["published"]["hello"], "1");
    assert_eq!(fc.code_uploads(), 2);
    let prod = fc.client().get_alias("hello", "prod").await.unwrap();
    assert_eq!(prod.version_id.as_deref(), Some("1"));
    let e = endpoint.clone();
    let seen =
        tokio::task::spawn_blocking(move || official_sdk(&e, "hello", r#"{"name":"FC"}"#, Some("prod"))).await.unwrap();
    assert_eq!(seen["answer"], serde_json::json!({"greeting": "Hi, FC!"}));
    assert_eq!(seen["version"], "1");
    // Through cargo fc invoke too.
    let (d, e) = (dir.clone(), endpoint.clone());
    let invoked = tokio::task::spawn_blocking(move || {
        ok(&mut cargo_fc(
            &d,
            &["invoke", "hello", "--data", r#"{"name":"CLI"}"#, "--qualifier", "prod", "--endpoint", &e],
        ))
    })
    .await
    .unwrap();
    assert_eq!(invoked.trim(), r#"{"greeting":"Hi, CLI!"}"#);
    fc.shutdown().await;

    // cargo fc local: LocalFc with the crate deployed from a host build, the exports printed before it serves, and
    // --watch deploying a change.
    let d = dir.clone();
    let local = tokio::task::spawn_blocking(move || local_loop(&d)).await.unwrap();
    assert_eq!(local, ("Hi, local!".to_owned(), "Hey, local!".to_owned()));

    // The other shapes `new` makes build with their tests.
    for (name, flags) in [("web-fn", &["--http"][..]), ("uploads", &["--event", "oss"][..])] {
        let mut args = vec!["new", name];
        args.extend_from_slice(flags);
        let w = work.clone();
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        blocking(Box::new(move || {
            let a: Vec<&str> = a.iter().map(String::as_str).collect();
            ok(&mut cargo_fc(&w, &a))
        }))
        .await
        .unwrap();
        let crate_dir = work.join(name);
        let out = tokio::task::spawn_blocking(move || {
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["test", "--quiet"])
                .current_dir(&crate_dir)
                .env("CARGO_TARGET_DIR", target_dir())
                .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "{name}: cargo test failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
