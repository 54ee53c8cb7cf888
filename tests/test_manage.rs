//! FC 3.0's management API, typed, against LocalFc: functions created from a zip whose runtime is written in Python
//! (`tests/sdk/python_function`), run as FC runs a custom runtime, updated, versioned, aliased with a weight,
//! triggered, configured for async invocations and concurrency, listed and deleted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{LocalFc, Namespace};
use fc_runtime::manage::aliases::{CreateAliasInput, UpdateAliasInput};
use fc_runtime::manage::async_config::PutAsyncInvokeConfigInput;
use fc_runtime::manage::functions::{CreateFunctionInput, CustomRuntimeConfig, UpdateFunctionInput};
use fc_runtime::manage::triggers::{
    CreateTriggerInput, HttpTriggerConfig, TimerTriggerConfig, TriggerConfig, UpdateTriggerInput,
};
use fc_runtime::manage::versions::Direction;
use fc_runtime::manage::{ListOptions, code_checksum};
use fc_runtime::{Client, ErrorCode, FcError, InvocationType, InvokeRequest};
use futures_util::StreamExt as _;
use support::{eventually_true, python_function_zip};

fn code(err: &FcError) -> Option<ErrorCode> {
    err.code().cloned()
}

async fn local() -> LocalFc {
    LocalFc::builder()
        .router(
            Namespace::Fc3,
            Router::new().json("hello", |name: String, _ctx| async move { Ok::<_, Failure>(format!("hi {name}")) }),
        )
        .start()
        .await
        .unwrap()
}

async fn deploy(client: &Client, name: &str, version: &str) -> fc_runtime::manage::functions::Function {
    let input = CreateFunctionInput::new(name, "custom.debian12").zip(python_function_zip(version, true)).timeout(20);
    client.create_function(&input).await.unwrap()
}

/// What the Python function answered.
async fn call(client: &Client, name: &str, qualifier: Option<&str>, event: &str) -> serde_json::Value {
    let mut request = InvokeRequest::fc3(name.to_owned()).bytes(event.as_bytes().to_vec());
    if let Some(q) = qualifier {
        request = request.qualifier(q.to_owned());
    }
    let answer = client.invoke(request).await.unwrap_or_else(|e| panic!("{name}@{qualifier:?}: {e}"));
    serde_json::from_slice(&answer.body).unwrap()
}

#[tokio::test]
async fn a_function_is_created_from_a_zip_run_updated_listed_and_deleted() {
    let fc = local().await;
    let client = fc.client();
    let zip = python_function_zip("v1", true);
    let created = deploy(&client, "py", "v1").await;
    assert_eq!(created.code_checksum.as_deref(), Some(code_checksum(&zip).as_str()));
    assert_eq!(created.code_size, Some(zip.len() as u64));
    assert!(created.is_ready(), "{created:?}");
    assert_eq!(created.settings.timeout, Some(20));
    assert_eq!(created.settings.memory_size, Some(512), "FC's default");
    let again =
        client.create_function(&CreateFunctionInput::new("py", "custom.debian12").zip(zip.clone())).await.unwrap_err();
    assert_eq!(code(&again), Some(ErrorCode::FunctionAlreadyExists), "{again}");

    let answer = call(&client, "py", None, "ping").await;
    assert_eq!((answer["version"].as_str(), answer["event"].as_str()), (Some("v1"), Some("ping")));
    assert_eq!(answer["function"], "py", "FC_FUNCTION_NAME");
    let failed = client.invoke(InvokeRequest::fc3("py").bytes(&b"fail"[..])).await.unwrap_err();
    let failure = failed.as_function().expect("a function error");
    assert_eq!(failure.error_type.as_deref(), Some("PythonError"), "{failed}");

    let got = client.get_function("py", None).await.unwrap();
    assert_eq!((got.state.as_deref(), got.last_update_status.as_deref()), (Some("Active"), Some("Successful")));
    let update = UpdateFunctionInput::new().zip(python_function_zip("v2", true)).environment("GREETING", "hej");
    let updated = client.update_function("py", &update).await.unwrap();
    assert_eq!(updated.code_checksum.as_deref(), Some(code_checksum(&python_function_zip("v2", true)).as_str()));
    assert_eq!(updated.settings.timeout, Some(20), "an update keeps what it does not name");
    let answer = call(&client, "py", None, "env:GREETING").await;
    assert_eq!((answer["version"].as_str(), answer["env"].as_str()), (Some("v2"), Some("hej")));
    let code_info = client.get_function_code("py", None).await.unwrap();
    assert_eq!(code_info.checksum, updated.code_checksum);
    let url = code_info.url.unwrap();
    let kept = std::fs::read(url.strip_prefix("file://").unwrap()).unwrap();
    assert_eq!(kept, python_function_zip("v2", true));

    // Functions registered in code are listed beside those created through the API.
    let names: Vec<String> =
        client.functions(ListOptions::new()).map(|f| f.unwrap().function_name.unwrap()).collect::<Vec<_>>().await;
    assert_eq!(names, ["hello", "py"]);
    let hello = client.get_function("hello", None).await.unwrap();
    assert!(hello.is_ready());

    client.delete_function("py").await.unwrap();
    let gone = client.get_function("py", None).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::FunctionNotFound));
    let gone = client.invoke(InvokeRequest::fc3("py")).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::FunctionNotFound));
    fc.shutdown().await;
}

#[tokio::test]
async fn listings_page_through_everything() {
    let fc = LocalFc::builder().start().await.unwrap();
    let client = fc.client();
    for i in 0..5 {
        let input = CreateFunctionInput::new(format!("f{i}"), "python3.10").zip(python_function_zip("v", false));
        client.create_function(&input).await.unwrap();
    }
    let first = client.list_functions(&ListOptions::new().limit(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.next_token.clone().expect("more pages");
    let second = client.list_functions(&ListOptions::new().limit(2).next_token(token)).await.unwrap();
    assert_eq!(second.items[0].function_name.as_deref(), Some("f2"));
    let all: Vec<_> = client.functions(ListOptions::new().limit(2)).collect().await;
    assert_eq!(all.len(), 5);
    let prefixed = client.list_functions(&ListOptions::new().prefix("f3")).await.unwrap();
    assert_eq!(prefixed.items.len(), 1);
    assert!(prefixed.next_token.is_none(), "the last page has no token");
    // A runtime LocalFc does not run is stored, listed, and refused at invocation naming the runtime.
    let refused = client.invoke(InvokeRequest::fc3("f0")).await.unwrap_err();
    let service = refused.as_service().expect("FC's own answer");
    assert_eq!(service.code, ErrorCode::from("RuntimeNotSupported"));
    assert!(service.message.contains("python3.10"), "{}", service.message);
    fc.shutdown().await;
}

#[tokio::test]
async fn versions_snapshot_latest_and_an_alias_splits_by_its_weight() {
    let fc = local().await;
    let client = fc.client();
    deploy(&client, "canary", "v1").await;
    let one = client.publish_function_version("canary", Some("first")).await.unwrap();
    assert_eq!(one.version_id.as_deref(), Some("1"));
    client.update_function("canary", &UpdateFunctionInput::new().zip(python_function_zip("v2", true))).await.unwrap();
    let two = client.publish_function_version("canary", None).await.unwrap();
    assert_eq!(two.version_id.as_deref(), Some("2"));
    client.update_function("canary", &UpdateFunctionInput::new().zip(python_function_zip("v3", true))).await.unwrap();

    assert_eq!(call(&client, "canary", Some("1"), "x").await["version"], "v1");
    assert_eq!(call(&client, "canary", Some("2"), "x").await["version"], "v2");
    assert_eq!(call(&client, "canary", None, "x").await["version"], "v3");
    let answer = call(&client, "canary", Some("1"), "x").await;
    assert_eq!((answer["qualifier"].as_str(), answer["versionId"].as_str()), (Some("1"), Some("1")));
    let v1 = client.get_function("canary", Some("1")).await.unwrap();
    assert_eq!(v1.code_checksum.as_deref(), Some(code_checksum(&python_function_zip("v1", true)).as_str()));

    let alias = client.create_alias("canary", &CreateAliasInput::new("prod", "1").weight("2", 0.25)).await.unwrap();
    assert_eq!(alias.additional_version_weight, BTreeMap::from([("2".to_owned(), 0.25)]));
    let mut ran = BTreeMap::<String, u32>::new();
    for _ in 0..8 {
        let answer = client.invoke(InvokeRequest::fc3("canary").qualifier("prod").bytes(&b"x"[..])).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        let version = body["version"].as_str().unwrap().to_owned();
        let reported = answer.meta.service_version.clone().unwrap();
        assert_eq!(format!("v{reported}"), version, "the header names the version that ran");
        *ran.entry(version).or_default() += 1;
    }
    assert_eq!(ran, BTreeMap::from([("v1".to_owned(), 6), ("v2".to_owned(), 2)]), "25% of 8 went to version 2");

    let in_use = client.delete_function_version("canary", "2").await.unwrap_err();
    assert_eq!(code(&in_use), Some(ErrorCode::VersionInUse), "{in_use}");
    let own =
        client.update_alias("canary", "prod", &UpdateAliasInput::version("2").weight("2", 0.5)).await.unwrap_err();
    assert!(matches!(own, FcError::InvalidInput(_)), "refused before sending: {own}");
    let moved = client.update_alias("canary", "prod", &UpdateAliasInput::version("2")).await.unwrap();
    assert!(moved.additional_version_weight.is_empty(), "{moved:?}");
    assert_eq!(call(&client, "canary", Some("prod"), "x").await["version"], "v2");
    let missing = client.create_alias("canary", &CreateAliasInput::new("next", "9")).await.unwrap_err();
    assert_eq!(code(&missing), Some(ErrorCode::VersionNotFound));
    let unknown = client.invoke(InvokeRequest::fc3("canary").qualifier("staging")).await.unwrap_err();
    assert_eq!(code(&unknown), Some(ErrorCode::AliasNotFound));

    let newest_first: Vec<_> =
        client.function_versions("canary").map(|v| v.unwrap().version_id.unwrap()).collect().await;
    assert_eq!(newest_first, ["2", "1"]);
    let oldest_first =
        client.list_function_versions("canary", &ListOptions::new(), Some(Direction::Forward)).await.unwrap();
    assert_eq!(oldest_first.items[0].version_id.as_deref(), Some("1"));
    client.delete_function_version("canary", "1").await.unwrap();
    let gone = client.invoke(InvokeRequest::fc3("canary").qualifier("1")).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::VersionNotFound));
    let three = client.publish_function_version("canary", None).await.unwrap();
    assert_eq!(three.version_id.as_deref(), Some("3"), "version numbers are never reused");
    assert_eq!(client.list_aliases("canary", &ListOptions::new()).await.unwrap().items.len(), 1);
    client.delete_alias("canary", "prod").await.unwrap();
    assert_eq!(code(&client.get_alias("canary", "prod").await.unwrap_err()), Some(ErrorCode::AliasNotFound));
    fc.shutdown().await;
}

#[tokio::test]
async fn triggers_become_listeners_and_timers_and_others_are_fired() {
    let fc = local().await;
    let client = fc.client();
    deploy(&client, "web", "v1").await;
    let http = TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["GET", "POST"]));
    let trigger = client.create_trigger("web", &CreateTriggerInput::new("public", http)).await.unwrap();
    let url = trigger.http_trigger.and_then(|u| u.url_internet).expect("an HTTP trigger's URL");
    assert_eq!(fc.http_trigger_url("web").as_deref(), Some(url.as_str()));
    let page = reqwest::get(format!("{url}/hello?x=1")).await.unwrap().bytes().await.unwrap();
    let page: serde_json::Value = serde_json::from_slice(&page).unwrap();
    assert_eq!((page["version"].as_str(), page["path"].as_str()), (Some("v1"), Some("/hello?x=1")));
    let again = client
        .create_trigger(
            "web",
            &CreateTriggerInput::new("public", TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["GET"]))),
        )
        .await;
    assert_eq!(code(&again.unwrap_err()), Some(ErrorCode::TriggerAlreadyExists));

    // An update keeps the URL; the methods change.
    let only_post = TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["POST"]));
    let updated = client.update_trigger("web", "public", &UpdateTriggerInput::config(only_post)).await.unwrap();
    assert_eq!(updated.http_trigger.and_then(|u| u.url_internet).as_deref(), Some(url.as_str()));
    assert_eq!(reqwest::get(format!("{url}/")).await.unwrap().status(), 403);

    let before = fc.executions("web");
    let timer = TriggerConfig::Timer(TimerTriggerConfig::new("@every 100ms").payload("tick"));
    client.create_trigger("web", &CreateTriggerInput::new("tick", timer)).await.unwrap();
    eventually_true(Duration::from_secs(10), "the timer fires", || fc.executions("web") >= before + 2).await;
    client.delete_trigger("web", "tick").await.unwrap();

    let oss = TriggerConfig::Other {
        trigger_type: "oss".to_owned(),
        config: serde_json::json!({"events": ["oss:ObjectCreated:*"], "filter": {"key": {"prefix": "in/"}}}),
    };
    let stored = client
        .create_trigger(
            "web",
            &CreateTriggerInput::new("uploads", oss.clone()).source_arn("acs:oss:cn-hangzhou:1:bucket"),
        )
        .await
        .unwrap();
    assert_eq!(stored.trigger_config, oss, "any other type's config is kept as JSON");
    let fired = fc.executions("web");
    fc.fire_trigger("web", "uploads", r#"{"events":[]}"#).await.unwrap();
    eventually_true(Duration::from_secs(10), "the fired event runs", || fc.executions("web") > fired).await;
    let names: Vec<_> = client.triggers("web").map(|t| t.unwrap().trigger_name.unwrap()).collect().await;
    assert_eq!(names, ["public", "uploads"]);

    let busy = client.delete_function("web").await.unwrap_err();
    assert_eq!(code(&busy), Some(ErrorCode::FunctionNotEmpty), "{busy}");
    client.delete_trigger("web", "public").await.unwrap();
    client.delete_trigger("web", "uploads").await.unwrap();
    assert!(reqwest::get(format!("{url}/")).await.is_err(), "a deleted trigger no longer listens");
    assert_eq!(code(&client.get_trigger("web", "public").await.unwrap_err()), Some(ErrorCode::TriggerNotFound));
    client.delete_function("web").await.unwrap();
    fc.shutdown().await;
}

#[tokio::test]
async fn async_config_sets_retries_and_destinations() {
    let received = Arc::new(Mutex::new(Vec::<serde_json::Value>::new()));
    let sink = received.clone();
    let fc = LocalFc::builder()
        .router(
            Namespace::Fc3,
            Router::new().json("sink", move |record: serde_json::Value, _ctx| {
                let sink = sink.clone();
                async move {
                    sink.lock().unwrap().push(record);
                    Ok::<_, Failure>(())
                }
            }),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client();
    deploy(&client, "worker", "v1").await;
    let config = PutAsyncInvokeConfigInput::new()
        .retries(1)
        .max_event_age(3600)
        .on_failure("acs:fc:cn-hangzhou::functions/sink")
        .on_success("acs:mns:cn-hangzhou:1:/queues/done/messages");
    let put = client.put_async_invoke_config("worker", None, &config).await.unwrap();
    assert_eq!((put.max_async_retry_attempts, put.max_async_event_age_in_seconds), (Some(1), Some(3600)));
    let got = client.get_async_invoke_config("worker", None).await.unwrap();
    assert_eq!(got.destination_config, put.destination_config);

    client
        .invoke(InvokeRequest::fc3("worker").invocation_type(InvocationType::Async).bytes(&b"fail"[..]))
        .await
        .unwrap();
    eventually_true(Duration::from_secs(20), "the failure reaches the sink", || !received.lock().unwrap().is_empty())
        .await;
    assert_eq!(fc.executions("worker"), 2, "the first run and one retry");
    let record = received.lock().unwrap()[0].clone();
    assert_eq!(record["requestContext"]["approximateInvokeCount"], 2);
    assert_eq!(record["requestContext"]["functionArn"], "acs:fc:cn-hangzhou::functions/worker");
    assert_eq!(record["requestPayload"], "fail");
    assert!(record["responsePayload"].as_str().unwrap().contains("PythonError"), "{record}");

    client.invoke(InvokeRequest::fc3("worker").invocation_type(InvocationType::Async).bytes(&b"ok"[..])).await.unwrap();
    eventually_true(Duration::from_secs(20), "the success is recorded", || {
        fc.destinations().iter().any(|d| d.destination.starts_with("acs:mns:"))
    })
    .await;
    let delivered = fc.destinations().into_iter().find(|d| d.destination.starts_with("acs:mns:")).unwrap();
    assert_eq!(delivered.record["requestContext"]["condition"], "");
    assert!(
        delivered.record["responsePayload"].as_str().unwrap().contains("\"event\": \"ok\""),
        "{:?}",
        delivered.record
    );

    let listed = client.list_async_invoke_configs(Some("worker"), &ListOptions::new()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    client.delete_async_invoke_config("worker", None).await.unwrap();
    let gone = client.get_async_invoke_config("worker", None).await.unwrap_err();
    assert_eq!(code(&gone), Some(ErrorCode::AsyncConfigNotExists));
    fc.shutdown().await;
}

#[tokio::test]
async fn concurrency_config_limits_invocations_as_fc_does() {
    let fc = local().await;
    let client = fc.client();
    deploy(&client, "slow", "v1").await;
    call(&client, "slow", None, "warm").await;
    let set = client.put_concurrency_config("slow", 1).await.unwrap();
    assert_eq!(set.reserved_concurrency, Some(1));
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.invoke(InvokeRequest::fc3("slow").bytes(&b"sleep:1"[..])).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let second = client.invoke(InvokeRequest::fc3("slow").bytes(&b"x"[..])).await.unwrap_err();
    assert_eq!(second.as_service().map(|s| s.status.as_u16()), Some(429), "{second}");
    first.await.unwrap().unwrap();
    assert_eq!(client.get_concurrency_config("slow").await.unwrap().reserved_concurrency, Some(1));
    client.delete_concurrency_config("slow").await.unwrap();
    let none = client.get_concurrency_config("slow").await.unwrap_err();
    assert_eq!(code(&none), Some(ErrorCode::ConcurrencyConfigNotFound));
    fc.shutdown().await;
}

#[tokio::test]
async fn bad_code_is_refused_before_anything_is_written_or_run() {
    let fc = local().await;
    let client = fc.client();
    let escaping = fc_runtime::manage::CodePackage::new().file("ok.txt", b"fine".to_vec());
    let mut zip = escaping.finish().unwrap();
    // Rename the entry to climb out: same length, so the archive stays valid.
    let at = zip.windows(6).position(|w| w == b"ok.txt").unwrap();
    zip[at..at + 6].copy_from_slice(b"../../");
    let _ = zip.windows(6).rposition(|w| w == b"ok.txt").map(|i| zip[i..i + 6].copy_from_slice(b"../../"));
    let refused =
        client.create_function(&CreateFunctionInput::new("evil", "custom.debian12").zip(&zip)).await.unwrap_err();
    assert_eq!(code(&refused), Some(ErrorCode::InvalidArgument), "{refused}");
    assert!(refused.to_string().contains("outside the code directory"), "{refused}");
    assert_eq!(code(&client.get_function("evil", None).await.unwrap_err()), Some(ErrorCode::FunctionNotFound));

    // No bootstrap: FC's CAFileNotFound when the instance starts.
    let input = CreateFunctionInput::new("empty", "custom.debian12").zip(python_function_zip("v1", false));
    client.create_function(&input).await.unwrap();
    let failed = client.invoke(InvokeRequest::fc3("empty")).await.unwrap_err();
    let service = failed.as_service().expect("FC's own answer");
    assert_eq!((service.status.as_u16(), service.code.to_string()), (412, "CAFileNotFound".to_owned()), "{failed}");
    assert!(service.message.contains("bootstrap"), "{}", service.message);
    // A command naming /code/… runs from the unpacked directory.
    let command = CustomRuntimeConfig::command(["python3", "/code/server.py"]);
    client.update_function("empty", &UpdateFunctionInput::new().custom_runtime(command)).await.unwrap();
    assert_eq!(call(&client, "empty", None, "x").await["version"], "v1");

    let oversized = vec![0u8; fc_runtime::manage::MAX_DIRECT_CODE + 1];
    let too_big = client.create_function(&CreateFunctionInput::new("big", "custom").zip(oversized)).await.unwrap_err();
    assert!(matches!(too_big, FcError::InvalidInput(_)), "refused before sending: {too_big}");
    let reserved = UpdateFunctionInput::new().environment("FC_FUNCTION_NAME", "x");
    let env = client.update_function("empty", &reserved).await.unwrap_err();
    assert_eq!(code(&env), Some(ErrorCode::InvalidArgument), "{env}");
    fc.shutdown().await;
}

#[tokio::test]
async fn an_update_replaces_the_running_instance() {
    let fc = LocalFc::builder().start().await.unwrap();
    let client = fc.client();
    deploy(&client, "swap", "v1").await;
    let first = client.invoke(InvokeRequest::fc3("swap").bytes(&b"x"[..])).await.unwrap();
    client.update_function("swap", &UpdateFunctionInput::new().memory_size(1024)).await.unwrap();
    let second = client.invoke(InvokeRequest::fc3("swap").bytes(&b"env:FC_FUNCTION_MEMORY_SIZE"[..])).await.unwrap();
    assert_ne!(first.meta.instance_id, second.meta.instance_id, "a new instance after the update");
    let body: serde_json::Value = serde_json::from_slice(&second.body).unwrap();
    assert_eq!(body["env"], "1024");
    fc.shutdown().await;
}

#[tokio::test]
async fn a_state_directory_keeps_what_was_deployed_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("localfc-state-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (url, checksum) = {
        let fc = LocalFc::builder().state_dir(&dir).start().await.unwrap();
        let client = fc.client();
        let created = deploy(&client, "kept", "v1").await;
        client.publish_function_version("kept", None).await.unwrap();
        client.update_function("kept", &UpdateFunctionInput::new().zip(python_function_zip("v2", true))).await.unwrap();
        client.create_alias("kept", &CreateAliasInput::new("prod", "1")).await.unwrap();
        client.put_concurrency_config("kept", 5).await.unwrap();
        client
            .put_async_invoke_config("kept", Some("prod"), &PutAsyncInvokeConfigInput::new().retries(0))
            .await
            .unwrap();
        let http = TriggerConfig::Http(HttpTriggerConfig::new("anonymous", ["GET"]));
        let trigger =
            client.create_trigger("kept", &CreateTriggerInput::new("web", http).qualifier("prod")).await.unwrap();
        fc.shutdown().await;
        (trigger.http_trigger.unwrap().url_internet.unwrap(), created.code_checksum)
    };
    let fc = LocalFc::builder().state_dir(&dir).start().await.unwrap();
    let client = fc.client();
    assert_eq!(call(&client, "kept", None, "x").await["version"], "v2");
    assert_eq!(call(&client, "kept", Some("prod"), "x").await["version"], "v1");
    let v1 = client.get_function("kept", Some("1")).await.unwrap();
    assert_eq!(v1.code_checksum, checksum);
    assert_eq!(client.get_concurrency_config("kept").await.unwrap().reserved_concurrency, Some(5));
    assert_eq!(client.get_async_invoke_config("kept", Some("prod")).await.unwrap().max_async_retry_attempts, Some(0));
    assert_eq!(fc.http_trigger_url("kept").as_deref(), Some(url.as_str()), "the same port when it is free");
    let page = reqwest::get(format!("{url}/")).await.unwrap().bytes().await.unwrap();
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&page).unwrap()["version"], "v1");
    assert_eq!(client.publish_function_version("kept", None).await.unwrap().version_id.as_deref(), Some("2"));
    fc.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_async_event_that_never_gets_a_slot_expires_at_its_maximum_age() {
    let fc = LocalFc::builder().start().await.unwrap();
    let client = fc.client();
    let input = CreateFunctionInput::new("stuck", "python3.10").zip(python_function_zip("v1", false));
    client.create_function(&input).await.unwrap();
    client.put_concurrency_config("stuck", 0).await.unwrap();
    let config =
        PutAsyncInvokeConfigInput::new().max_event_age(1).on_failure("acs:mns:cn-hangzhou:1:/queues/dead/messages");
    client.put_async_invoke_config("stuck", None, &config).await.unwrap();
    client.invoke(InvokeRequest::fc3("stuck").invocation_type(InvocationType::Async).bytes(&b"x"[..])).await.unwrap();
    eventually_true(Duration::from_secs(10), "the event expires", || !fc.destinations().is_empty()).await;
    let record = &fc.destinations()[0].record;
    assert_eq!(record["requestContext"]["condition"], "EventAgeExceeded", "{record}");
    assert_eq!(fc.executions("stuck"), 0);
    fc.shutdown().await;
}

#[tokio::test]
async fn a_version_written_with_leading_zeros_is_the_same_version() {
    let fc = LocalFc::builder().start().await.unwrap();
    let client = fc.client();
    let input = CreateFunctionInput::new("zeros", "python3.10").zip(python_function_zip("v1", false));
    client.create_function(&input).await.unwrap();
    client.publish_function_version("zeros", None).await.unwrap();
    let alias = client.create_alias("zeros", &CreateAliasInput::new("prod", "01")).await.unwrap();
    assert_eq!(alias.version_id.as_deref(), Some("1"));
    let in_use = client.delete_function_version("zeros", "1").await.unwrap_err();
    assert_eq!(code(&in_use), Some(ErrorCode::VersionInUse), "{in_use}");
    fc.shutdown().await;
}
