//! Runs the examples and the official SDK conformance script as a user would: the example binaries that
//! `cargo test --workspace` builds, and the official Python SDKs (`aliyun-fc2==2.5.2` and, for FC 3.0,
//! `alibabacloud-fc20230330==4.8.3`, installed into a virtualenv under `target/` on first use) against the
//! `local_fc` example.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use support::sdk_python;

/// `target/<profile>/examples`, next to this test's own `deps` directory.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join("examples")
}

fn example(name: &str) -> Command {
    let path = examples_dir().join(name);
    assert!(path.exists(), "{} is missing: run the suite with `cargo test --workspace`", path.display());
    let mut cmd = Command::new(path);
    cmd.env_remove("FC_ENDPOINT").env_remove("FC_ACCOUNT_ID");
    cmd
}

fn run_example(name: &str, expected: &[&str]) {
    let out = example(name).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{name} failed: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
    for line in expected {
        assert!(stdout.contains(line), "{name} did not print {line:?}:\n{stdout}");
    }
}

#[test]
fn quickstart_fc3() {
    run_example(
        "quickstart_fc3",
        &[
            "using an embedded LocalFc",
            "greet -> Hello, FC 3.0!",
            "log -> 2 (request ",
            "[INFO] line 2 of 2",
            "fail -> handled error DemoError: the demo function failed on purpose",
            "echo_later -> accepted as task quickstart_",
            "-> Succeeded with 42",
            "quickstart_fc3 finished",
        ],
    );
}

#[test]
fn manage_deploys_versions_aliases_and_cleans_up() {
    run_example(
        "manage",
        &[
            "using an embedded LocalFc",
            "created manage-demo: state Active",
            "LATEST -> Hello, Rust! (code v1) [version LATEST]",
            "published version 1",
            "LATEST -> Hello, Rust! (code v2) [version LATEST]",
            "prod   -> Hello, Rust! (code v1) [version 1]",
            "20 calls to prod -> version 1: 18, version 2: 2",
            "cleaned up: alias, versions and manage-demo deleted",
        ],
    );
}

#[test]
fn quickstart() {
    run_example(
        "quickstart",
        &[
            "using an embedded LocalFc",
            "greet -> Hello, Rust!",
            "log -> 3 (request ",
            "[INFO] line 3 of 3",
            "fail -> handled error DemoError: the demo function failed on purpose",
            "quickstart finished",
        ],
    );
}

#[test]
fn video_pipeline() {
    run_example(
        "video_pipeline",
        &[
            "submitted movie_final_cut_",
            "stopped interview_long_raw_",
            "Succeeded in",
            "Stopped",
            "video_pipeline finished",
        ],
    );
}

#[test]
fn errors() {
    run_example(
        "errors",
        &[
            "fail (the function reports an error): handled function error",
            "crash (the function panics): unhandled function error",
            "service error 404 FunctionNotFound",
            "echo under a throttling burst: ok 7",
            "the server saw 3 requests and ran the function 1 time(s)",
            "timed out after 200ms, not re-sent",
            "the function ran 1 time(s)",
            "refused before sending: invocation id",
            "errors finished",
        ],
    );
}

#[test]
fn testing() {
    run_example("testing", &["Hello, LocalFc!", "Hi from a fake", "could not greet nobody", "testing finished"]);
}

/// The `local_fc` example, killed on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM first, so that it stops what it started (a custom runtime); then make sure.
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        for _ in 0..50 {
            if self.0.try_wait().is_ok_and(|s| s.is_some()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_local_fc(args: &[&str]) -> (Server, String) {
    let (server, endpoint, _) = start_local_fc_banner(args);
    (server, endpoint)
}

/// Starts `local_fc` and reads its banner, up to the `access key id` line that ends it.
fn start_local_fc_banner(args: &[&str]) -> (Server, String, Vec<String>) {
    let mut child = example("local_fc").args(args).stdout(Stdio::piped()).spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut banner = Vec::new();
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0, "local_fc stopped before its banner ended: {banner:?}");
        let line = line.trim().to_owned();
        let last = line.starts_with("access key id");
        banner.push(line);
        if last {
            break;
        }
    }
    // Keep draining what the server prints, so that it never writes to a closed pipe.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let first = &banner[0];
    let endpoint = first.strip_prefix("LocalFc listening on ").unwrap_or_else(|| panic!("{first}")).to_owned();
    (Server(child), endpoint, banner)
}

#[test]
fn official_fc3_python_sdk_accepts_local_fc() {
    let python = sdk_python();
    let (_server, endpoint) = start_local_fc(&["--addr", "127.0.0.1:0"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/conformance_fc3.py");
    let out = Command::new(python).arg(script).arg(&endpoint).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "FC 3.0 SDK conformance failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("sdk fc3 conformance: 16 passed, 0 failed"), "{stdout}");
}

#[test]
fn official_python_sdk_accepts_local_fc() {
    let python = sdk_python();
    let (_server, endpoint) = start_local_fc(&["--addr", "127.0.0.1:0"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/conformance.py");
    let out = Command::new(python).arg(script).arg(&endpoint).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "SDK conformance failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("sdk conformance: 14 passed, 0 failed"), "{stdout}");
}

#[test]
fn local_fc_flags_set_key_and_account() {
    let (_server, endpoint) = start_local_fc(&[
        "--addr",
        "127.0.0.1:0",
        "--access-key-id",
        "k1",
        "--access-key-secret",
        "s1",
        "--account-id",
        "42",
    ]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use fc_runtime::{Client, Credentials, ErrorCode, FcError, InvokeRequest};
        let client = |id: &str, secret: &str, account: &str| {
            Client::builder()
                .endpoint(&endpoint)
                .credentials(Credentials::new(id, secret))
                .account_id(account)
                .use_env_proxy(false)
                .build()
                .unwrap()
        };
        let ok = client("k1", "s1", "42").invoke(InvokeRequest::new("demo", "echo").json_bytes("5")).await.unwrap();
        assert_eq!(&ok.body[..], b"5");
        let default_key = client("testKeyId", "testKeySecret", "42").invoke(InvokeRequest::new("demo", "echo")).await;
        assert!(matches!(default_key, Err(FcError::Service(ref s)) if s.code == ErrorCode::InvalidAccessKeyID));
        let other_account = client("k1", "s1", "7").invoke(InvokeRequest::new("demo", "echo")).await;
        assert!(matches!(other_account, Err(FcError::Service(ref s)) if s.code == ErrorCode::AccessDenied));
    });
}

#[test]
fn readme_commands_are_the_ones_ci_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    for command in ["cargo run --example quickstart", "cargo test --workspace --all-features"] {
        assert!(readme.contains(command), "README lacks `{command}`");
        assert!(ci.contains(command), ".ci/run lacks `{command}`");
    }
}

/// The other direction: what this crate's client signs, the official ACS3 signer (the function the FC 3.0
/// Python SDK signs with) re-signs from the request as received and finds identical.
#[test]
fn the_official_acs3_signer_accepts_the_clients_fc3_requests() {
    let python = sdk_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/acs3_verifier.py");
    let mut child = Command::new(python).arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let endpoint = first.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{first}")).to_owned();
    let _server = Server(child);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        use fc_runtime::{Client, Credentials, InvokeRequest, LogType};
        let plain = Client::builder()
            .endpoint(&endpoint)
            .credentials(Credentials::new("testKeyId", "testKeySecret"))
            .use_env_proxy(false)
            .build()
            .unwrap();
        let sts = Client::builder()
            .endpoint(&endpoint)
            .credentials(Credentials::new("STS.verifier", "sts-secret").with_security_token("sts-token"))
            .account_id("1234567890")
            .use_env_proxy(false)
            .build()
            .unwrap();
        let cases = [
            InvokeRequest::fc3("echo").json_bytes(r#"{"a":1}"#),
            InvokeRequest::fc3("echo").qualifier("prod").log_type(LogType::Tail).bytes(vec![0u8, 255, 10]),
            InvokeRequest::fc3("echo").invocation_id("task_1").json_bytes("1"),
            InvokeRequest::fc3("my_func-2").qualifier("3"),
        ];
        for (client, name) in [(&plain, "plain"), (&sts, "sts")] {
            for req in cases.iter().cloned() {
                let body = req.body.clone();
                let answer = client.invoke(req).await;
                match answer {
                    Ok(a) => assert_eq!(a.body, body, "{name}"),
                    Err(e) => panic!("{name}: the official signer refused: {e}"),
                }
            }
            management_calls_are_signed_as_the_official_signer_signs(client, name).await;
        }
    });
}

/// Every kind of management call (POST, GET with a query, PUT, DELETE; bodies with floats, Base64 and JSON text)
/// signed by the client, checked by the official signer (which echoes the body back, so JSON calls decode).
async fn management_calls_are_signed_as_the_official_signer_signs(client: &fc_runtime::Client, name: &str) {
    use fc_runtime::manage::aliases::CreateAliasInput;
    use fc_runtime::manage::async_config::PutAsyncInvokeConfigInput;
    use fc_runtime::manage::functions::{CreateFunctionInput, UpdateFunctionInput};
    use fc_runtime::manage::triggers::{CreateTriggerInput, HttpTriggerConfig, TriggerConfig};
    use fc_runtime::manage::{ListOptions, versions::Direction};
    fn refused<T>(name: &str, call: &str, e: fc_runtime::FcError) -> T {
        panic!("{name}: {call}: the official signer refused: {e}")
    }
    let zip = support::python_function_zip("v1", true);
    let created =
        client.create_function(&CreateFunctionInput::new("my_func-2", "custom.debian12").zip(&zip).timeout(9)).await;
    assert_eq!(created.unwrap_or_else(|e| refused(name, "create", e)).settings.timeout, Some(9));
    client.get_function("my_func-2", Some("prod")).await.unwrap_or_else(|e| refused(name, "get", e));
    let update = UpdateFunctionInput::new().environment("ÄÖ", "é ü").description("a b~*+/");
    client.update_function("my_func-2", &update).await.unwrap_or_else(|e| refused(name, "update", e));
    let options = ListOptions::new().prefix("a b~*+/é").limit(7).next_token("MTIz+/=");
    client.list_functions(&options).await.unwrap_or_else(|e| refused(name, "list", e));
    client
        .list_function_versions("f", &options, Some(Direction::Forward))
        .await
        .unwrap_or_else(|e| refused(name, "versions", e));
    client.publish_function_version("f", Some("first")).await.unwrap_or_else(|e| refused(name, "publish", e));
    client
        .create_alias("f", &CreateAliasInput::new("prod", "1").weight("2", 0.35))
        .await
        .unwrap_or_else(|e| refused(name, "alias", e));
    let trigger = CreateTriggerInput::new("web", TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["GET"])));
    client.create_trigger("f", &trigger).await.unwrap_or_else(|e| refused(name, "trigger", e));
    client.delete_trigger("f", "web").await.unwrap_or_else(|e| refused(name, "delete trigger", e));
    let config = PutAsyncInvokeConfigInput::new().retries(0).on_failure("acs:fc:cn-hangzhou::functions/sink");
    client.put_async_invoke_config("f", Some("prod"), &config).await.unwrap_or_else(|e| refused(name, "async", e));
    client
        .list_async_invoke_configs(Some("f"), &ListOptions::new())
        .await
        .unwrap_or_else(|e| refused(name, "configs", e));
    client.delete_async_invoke_config("f", Some("1")).await.unwrap_or_else(|e| refused(name, "delete async", e));
    client.put_concurrency_config("f", 3).await.unwrap_or_else(|e| refused(name, "concurrency", e));
    client.get_function_code("f", None).await.unwrap_or_else(|e| refused(name, "code", e));
    client.delete_function_version("f", "1").await.unwrap_or_else(|e| refused(name, "delete version", e));
    client.delete_function("my_func-2").await.unwrap_or_else(|e| refused(name, "delete", e));
}

/// The official FC 3.0 Python SDK manages functions on the `local_fc` example: every management operation, with
/// a function whose runtime is written in Python.
#[test]
fn official_fc3_python_sdk_manages_functions_on_local_fc() {
    let python = sdk_python();
    let (_server, endpoint) = start_local_fc(&["--addr", "127.0.0.1:0"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/conformance_manage.py");
    let out = Command::new(python).arg(script).arg(&endpoint).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(out.status.success(), "management conformance failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("sdk manage conformance: 13 passed, 0 failed"), "{stdout}");
}

/// The official FC 3.0 Node SDK does the same, unchanged.
#[test]
fn official_fc3_node_sdk_manages_functions_on_local_fc() {
    let modules = support::node_modules();
    let (_server, endpoint) = start_local_fc(&["--addr", "127.0.0.1:0"]);
    let zips = std::env::temp_dir().join(format!("fc-node-zips-{}", std::process::id()));
    std::fs::create_dir_all(&zips).unwrap();
    std::fs::write(zips.join("v1.zip"), support::python_function_zip("v1", true)).unwrap();
    std::fs::write(zips.join("v2.zip"), support::python_function_zip("v2", true)).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/conformance_manage.js");
    let out = Command::new("node").env("NODE_PATH", &modules).arg(script).arg(&endpoint).arg(&zips).output().unwrap();
    let _ = std::fs::remove_dir_all(&zips);
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "Node management conformance failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("node sdk manage conformance: 6 passed, 0 failed"), "{stdout}");
}

/// `local_fc --function-command`: the `function` example served as a custom runtime, called by the official
/// FC 2.0 Python SDK unchanged — a JSON result, and a handled error with its type.
#[test]
fn local_fc_serves_a_custom_runtime_to_the_official_sdk() {
    let python = sdk_python();
    let command = examples_dir().join("function");
    let (_server, endpoint) =
        start_local_fc(&["--addr", "127.0.0.1:0", "--function-command", command.to_str().unwrap()]);
    let script = r#"
import json, sys
import fc2
client = fc2.Client(endpoint=sys.argv[1], accessKeyID="testKeyId", accessKeySecret="testKeySecret")
r = client.invoke_function("custom", "greet", payload=json.dumps({"name": "SDK"}), headers={"x-fc-log-type": "Tail"})
print("greet", r.data.decode())
import base64
print("log", base64.b64decode(r.headers["x-fc-log-result"]).decode().replace("\n", "|"))
try:
    client.invoke_function("custom", "add", payload=json.dumps({"a": 1}))
except fc2.fc_exceptions.FcError as e:
    print("add", e.status_code, e.message)
"#;
    let out = Command::new(python).args(["-c", script, &endpoint]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(r#"greet {"greeting":"Hello, SDK!"}"#), "{stdout}");
    assert!(stdout.contains(" [INFO] greeting SDK|"), "{stdout}");
    assert!(stdout.contains("add 200") && stdout.contains("InvalidEvent"), "{stdout}");
}

/// `cargo run --example events -- SOURCE FILE`: every fixture of `fc-events` decodes with its source's type and is
/// printed again as JSON (exit 0); a body that does not decode prints the failing field's path (exit 1); an
/// unknown source is a usage error (exit 2).
#[test]
fn the_events_example_decodes_each_source_as_the_function_side_does() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fc-events/fixtures");
    let cases = [
        ("timer", "timer.json", "\"triggerName\": \"timer-trigger\""),
        ("oss", "oss-put-object.json", "\"key\": \"source/a.png\""),
        ("sls", "sls.json", "\"logstoreName\": \"fc-test-logstore\""),
        ("cdn", "cdn-log-file-created.json", "\"fileSize\": 1788115"),
        ("mns-topic", "mns-topic-json-attributes.json", "\"key\": \"value\""),
        ("mns-topic", "mns-topic-stream.txt", "\"hello topic\""),
        ("mns-queue", "mns-queue.json", "\"messageBody\": \"TEST\""),
        ("rocketmq", "rocketmq-single.json", "\"CONSUME_START_TIME\": 1628577790396"),
        ("rabbitmq", "rabbitmq.json", "\"routingKey\": \"housekeeping\""),
        ("kafka", "kafka-json-strings.json", "\"value\": \"plain text\""),
        ("dts", "dts.json", "\"operationType\": \"UPDATE\""),
        ("mqtt", "mqtt.json", "\"clientId\": \"GID_housekeeping@@@xx\""),
        ("http", "http-binary.json", "\"isBase64Encoded\": true"),
        ("destination", "destination.json", "\"condition\": \"FunctionResourceExhausted\""),
        ("tablestore", "tablestore.cbor", "\"Type\": \"DeleteAllVersions\""),
        ("tablestore", "tablestore.json", "\"Version\": \"Sync-v1\""),
    ];
    for (source, file, expected) in cases {
        let out = example("events").args([source, fixtures.join(file).to_str().unwrap()]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{source} {file}: {}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(expected), "{source} {file} printed:\n{stdout}");
    }
    let dir = std::env::temp_dir().join(format!("fc-events-example-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad-oss.json");
    std::fs::write(
        &bad,
        r#"{"events":[{"eventName":"x","oss":{"bucket":{"name":"b"},"object":{"key":"k","size":{}}}}]}"#,
    )
    .unwrap();
    let out = example("events").args(["oss", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("events[0].oss.object.size: invalid type: map"), "{stderr}");
    let out = example("events").args(["s3", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `local_fc` drives the demo's triggered functions: its timer fires `on_timer`, and `local_fc fire` delivers an
/// OSS event from a file to `on_upload` of a running LocalFc.
#[test]
fn local_fc_fires_its_timer_and_the_events_it_is_given() {
    let (_server, endpoint) = start_local_fc(&["--addr", "127.0.0.1:0", "--timer", "@every 200ms"]);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fc-events/fixtures");
    let oss = fixtures.join("oss-put-object.json");
    let fire = |target: &str, extra: &[&str]| {
        let mut args = vec!["fire", "--endpoint", &endpoint];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["oss", oss.to_str().unwrap(), target]);
        example("local_fc").args(&args).output().unwrap()
    };
    let out = fire("demo/on_upload", &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("fired a oss event at demo/on_upload: request "), "{stdout}");
    let out = fire("on_upload", &["--fc3"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The timer and the fired events ran: their records are there.
    let client = fc_runtime::Client::builder()
        .endpoint(&endpoint)
        .credentials(fc_runtime::Credentials::new("testKeyId", "testKeySecret"))
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    for function in ["on_timer", "on_upload"] {
        let function = fc_runtime::FunctionRef::new("demo", function);
        rt.block_on(support::eventually(
            std::time::Duration::from_secs(20),
            "a triggered invocation succeeded",
            || async {
                let page = client.list_stateful_invocations(&function, &fc_runtime::ListFilter::new()).await.ok()?;
                page.invocations.iter().any(|i| i.status == Some(fc_runtime::InvocationStatus::Succeeded)).then_some(())
            },
        ));
    }
    // A file that is not the source's event is refused before anything is sent.
    let out = example("local_fc")
        .args(["fire", "--endpoint", &endpoint, "timer", oss.to_str().unwrap(), "demo/on_timer"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `cargo run --example http_trigger`: the typed stubs against its embedded LocalFc's signed HTTP trigger, every
/// route including `/stream`.
#[test]
fn http_trigger() {
    run_example(
        "http_trigger",
        &[
            "using an embedded LocalFc's HTTP trigger",
            "greet -> Hello, HTTP!",
            "echo -> a b&c",
            "bytes -> 5 bytes back, as sent",
            "fail -> HTTP 500 DemoError: greeting refused",
            "greeting Tail over HTTP",
            "greet, async -> 202 Accepted",
            "stream -> 5 lines in",
            "http_trigger finished",
        ],
    );
}

/// `local_fc` prints one `http-trigger FUNCTION URL auth=function` line per trigger; the `http_trigger` example,
/// given that URL in `FC_HTTP_TRIGGER_URL` and LocalFc's key through the default chain (the environment), calls
/// the demo web function in process (`web`) and in the `function` example's own process (`custom/web`), and does
/// not call `/stream`.
#[test]
fn local_fc_serves_the_demo_web_function_behind_signed_http_triggers() {
    let command = examples_dir().join("function");
    let (_server, _, banner) = start_local_fc_banner(&[
        "--addr",
        "127.0.0.1:0",
        "--timer",
        "off",
        "--function-command",
        command.to_str().unwrap(),
    ]);
    let triggers: Vec<(&str, &str)> = banner
        .iter()
        .filter_map(|l| l.strip_prefix("http-trigger "))
        .map(|rest| {
            let parts: Vec<&str> = rest.split(' ').collect();
            assert_eq!(parts.len(), 3, "{rest}");
            assert_eq!(parts[2], "auth=function", "{rest}");
            (parts[0], parts[1])
        })
        .collect();
    assert_eq!(triggers.iter().map(|t| t.0).collect::<Vec<_>>(), ["web", "custom/web"], "{banner:?}");
    for (function, url) in triggers {
        let out = example("http_trigger")
            .env("FC_HTTP_TRIGGER_URL", url)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "testKeyId")
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "testKeySecret")
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
            .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{function}: {}\n{stdout}\n{}", out.status, String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains(&format!("using the HTTP trigger at {url}")), "{stdout}");
        assert!(stdout.contains("fail -> HTTP 500 DemoError") && stdout.contains("http_trigger finished"), "{stdout}");
        assert!(!stdout.contains("stream ->"), "{function}: /stream is for the embedded LocalFc only:\n{stdout}");
    }
}
