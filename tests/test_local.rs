//! LocalFc's behaviours, each as FC does it, through our own client and raw HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{Fault, FunctionConfig, LocalFc};
use fc_runtime::{
    ErrorCode, FcError, FunctionErrorKind, FunctionRef, InvocationStatus, InvocationType, InvokeRequest, LogType,
    RetryPolicy,
};

fn code(err: &FcError) -> (u16, ErrorCode) {
    match err {
        FcError::Service(s) => (s.status.as_u16(), s.code.clone()),
        other => panic!("expected a service error, got {other:?}"),
    }
}

async fn wait_for_status(
    fc: &LocalFc,
    f: &FunctionRef,
    id: &str,
    want: InvocationStatus,
) -> fc_runtime::StatefulInvocation {
    let client = fc.client();
    support::eventually(Duration::from_secs(10), &format!("{id} reached {want}"), || async {
        let inv = client.get_stateful_invocation(f, id).await.unwrap();
        (inv.status.as_ref() == Some(&want)).then_some(inv)
    })
    .await
}

#[tokio::test]
async fn panics_and_timeouts_are_unhandled_errors_and_the_server_keeps_serving() {
    let fc = LocalFc::builder()
        .router(
            "s",
            Router::new().json("panics", |_: (), _| async move {
                if std::hint::black_box(true) {
                    panic!("kaboom");
                }
                Ok::<(), Failure>(())
            }),
        )
        .router_with(
            "s",
            Router::new().json("slow", |_: (), _| async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok::<(), Failure>(())
            }),
            FunctionConfig::new().timeout(Duration::from_millis(50)),
        )
        .router("s", Router::new().json("ok", |_: (), _| async move { Ok::<_, Failure>("fine") }))
        .start()
        .await
        .unwrap();
    let client = fc.client();
    let err = client.invoke(InvokeRequest::new("s", "panics")).await.unwrap_err();
    let FcError::Function(f) = err else { panic!() };
    assert_eq!(f.kind, FunctionErrorKind::Unhandled);
    assert!(f.message.contains("kaboom"), "{}", f.message);
    let err = client.invoke(InvokeRequest::new("s", "slow")).await.unwrap_err();
    let FcError::Function(f) = err else { panic!() };
    assert_eq!(f.kind, FunctionErrorKind::Unhandled);
    assert_eq!(f.message, "Function timed out after 0.05 seconds");
    let ok = client.invoke(InvokeRequest::new("s", "ok")).await.unwrap();
    assert_eq!(&ok.body[..], b"\"fine\"");
}

#[tokio::test]
async fn log_tail_is_the_last_4_kb_base64() {
    let fc = LocalFc::builder()
        .router(
            "s",
            Router::new().json("chatty", |n: u32, ctx| async move {
                for i in 0..n {
                    ctx.log(format!("{i:05}"));
                }
                Ok::<_, Failure>(n)
            }),
        )
        .start()
        .await
        .unwrap();
    let resp =
        fc.client().invoke(InvokeRequest::new("s", "chatty").json_bytes("2000").log_type(LogType::Tail)).await.unwrap();
    let tail = resp.meta.log_tail.unwrap();
    assert_eq!(tail.len(), 4096);
    assert!(tail.ends_with(&format!("01999\nFC Invoke End RequestId: {}\n", resp.meta.request_id.unwrap())));
    let none = fc.client().invoke(InvokeRequest::new("s", "chatty").json_bytes("1")).await.unwrap();
    assert_eq!(none.meta.log_tail, None, "no tail unless asked");
}

#[tokio::test]
async fn failed_async_invocations_are_retried_as_fc_does() {
    let attempts = Arc::new(AtomicU32::new(0));
    let seen = attempts.clone();
    let fc = LocalFc::builder()
        .router_with(
            "s",
            Router::new().json("flaky", move |_: (), ctx| {
                seen.fetch_add(1, Ordering::SeqCst);
                async move {
                    if ctx.retry_count() + 1 < 3 {
                        Err(Failure::new("Error", "not yet"))
                    } else {
                        Ok(ctx.retry_count() + 1)
                    }
                }
            }),
            FunctionConfig::new().retry_delay(Duration::from_millis(1)),
        )
        .router_with(
            "s",
            Router::new().json("broken", |_: (), _| async move { Err::<(), _>(Failure::new("Error", "always")) }),
            FunctionConfig::new().retry_delay(Duration::from_millis(1)),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client();
    client.invoke(InvokeRequest::new("s", "flaky").invocation_id("f1")).await.unwrap();
    let inv = wait_for_status(&fc, &FunctionRef::new("s", "flaky"), "f1", InvocationStatus::Succeeded).await;
    assert_eq!(inv.already_retried_times, Some(2));
    assert_eq!(inv.return_payload.as_deref(), Some("3"));
    assert_eq!(attempts.load(Ordering::SeqCst), 3);

    client.invoke(InvokeRequest::new("s", "broken").invocation_id("b1")).await.unwrap();
    let inv = wait_for_status(&fc, &FunctionRef::new("s", "broken"), "b1", InvocationStatus::Failed).await;
    assert_eq!(inv.already_retried_times, Some(3));
    assert_eq!(inv.invocation_error_message.as_deref(), Some("always"));
    assert_eq!(fc.executions(("s", "broken")), 4, "one attempt and FC's three retries");
}

#[tokio::test]
async fn duplicate_invocation_ids_are_rejected_and_the_first_runs_once() {
    let fc = LocalFc::builder()
        .router("s", Router::new().json("job", |_: (), _| async move { Ok::<_, Failure>(()) }))
        .start()
        .await
        .unwrap();
    let client = fc.client();
    client.invoke(InvokeRequest::new("s", "job").invocation_id("same")).await.unwrap();
    let err = client.invoke(InvokeRequest::new("s", "job").invocation_id("same")).await.unwrap_err();
    assert_eq!(code(&err), (409, ErrorCode::StatefulAsyncInvocationAlreadyExists));
    wait_for_status(&fc, &FunctionRef::new("s", "job"), "same", InvocationStatus::Succeeded).await;
    assert_eq!(fc.executions(("s", "job")), 1);
}

#[tokio::test]
async fn async_without_an_id_gets_a_generated_one() {
    let fc = LocalFc::builder()
        .router("s", Router::new().json("job", |_: (), _| async move { Ok::<_, Failure>(()) }))
        .start()
        .await
        .unwrap();
    let resp = fc.client().invoke(InvokeRequest::new("s", "job").invocation_type(InvocationType::Async)).await.unwrap();
    assert_eq!(resp.status, 202);
    assert!(resp.body.is_empty());
    let id = resp.meta.invocation_id.expect("stateful functions name every async invocation");
    wait_for_status(&fc, &FunctionRef::new("s", "job"), &id, InvocationStatus::Succeeded).await;
}

#[tokio::test]
async fn a_running_invocation_can_be_stopped() {
    let fc = LocalFc::builder()
        .router(
            "s",
            Router::new().json("forever", |_: (), _| async move {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Ok::<(), Failure>(())
            }),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client();
    let f = FunctionRef::new("s", "forever");
    client.invoke(InvokeRequest::new("s", "forever").invocation_id("run1")).await.unwrap();
    wait_for_status(&fc, &f, "run1", InvocationStatus::Running).await;
    client.stop_stateful_invocation(&f, "run1").await.unwrap();
    let inv = client.get_stateful_invocation(&f, "run1").await.unwrap();
    assert_eq!(inv.status, Some(InvocationStatus::Stopped));
    assert!(inv.end_time.is_some());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(client.get_stateful_invocation(&f, "run1").await.unwrap().status, Some(InvocationStatus::Stopped));
}

#[tokio::test]
async fn concurrency_limit_answers_429() {
    let fc = LocalFc::builder()
        .router_with(
            "s",
            Router::new().json("single", |ms: u64, _| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, Failure>(ms)
            }),
            FunctionConfig::new().concurrency(1),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client_builder().retry(RetryPolicy::none()).build().unwrap();
    let busy = tokio::spawn({
        let client = client.clone();
        async move { client.invoke(InvokeRequest::new("s", "single").json_bytes("1000")).await }
    });
    // Wait until the first call is running on the server.
    while fc.executions(("s", "single")) == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let err = client.invoke(InvokeRequest::new("s", "single").json_bytes("1")).await.unwrap_err();
    assert_eq!(code(&err), (429, ErrorCode::ResourceExhausted));
    assert!(busy.await.unwrap().is_ok());
    assert!(client.invoke(InvokeRequest::new("s", "single").json_bytes("1")).await.is_ok());
}

#[tokio::test]
async fn latency_faults_delay_and_faults_can_target_one_function() {
    let fc = LocalFc::builder()
        .router("s", Router::new().bytes("a", |e, _| async move { Ok::<_, Failure>(e) }))
        .router("s", Router::new().bytes("b", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap();
    let client = fc.client_builder().retry(RetryPolicy::none()).build().unwrap();
    fc.inject(Fault::throttle(1, fc_runtime::StatusCode::SERVICE_UNAVAILABLE).for_function(("s", "b")));
    assert!(client.invoke(InvokeRequest::new("s", "a")).await.is_ok(), "a is not targeted");
    assert_eq!(code(&client.invoke(InvokeRequest::new("s", "b")).await.unwrap_err()).0, 503);
    fc.inject(Fault::latency(1, Duration::from_millis(300)));
    let err = client.invoke(InvokeRequest::new("s", "a").timeout(Duration::from_millis(100))).await.unwrap_err();
    assert!(matches!(err, FcError::Timeout { .. }));
    fc.inject(Fault::throttle(3, fc_runtime::StatusCode::TOO_MANY_REQUESTS));
    fc.clear_faults();
    assert!(client.invoke(InvokeRequest::new("s", "a")).await.is_ok());
}

async fn raw(fc: &LocalFc, method: &str, path: &str) -> (u16, serde_json::Value) {
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    support::send_signed(&fc.endpoint(), method, path, path, &date).await
}

#[tokio::test]
async fn other_paths_and_methods_get_fc_errors() {
    let fc = LocalFc::builder()
        .router("s", Router::new().bytes("f", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap();
    for (method, path, status, code) in [
        ("GET", "/2016-08-15/services/s/functions/f/invocations", 405, "MethodNotAllowed"),
        ("DELETE", "/2016-08-15/services/s/functions/f/stateful-async-invocations/x", 405, "MethodNotAllowed"),
        ("GET", "/2016-08-15/services/s/functions/f/triggers", 400, "PathNotSupported"),
        ("POST", "/2021-04-06/services/s/functions/f/invocations", 400, "PathNotSupported"),
        ("GET", "/", 400, "PathNotSupported"),
    ] {
        let (got, body) = raw(&fc, method, path).await;
        assert_eq!((got, body["ErrorCode"].as_str()), (status, Some(code)), "{method} {path}");
        assert!(body["RequestId"].is_string() && body["ErrorMessage"].is_string());
    }
    // Unsigned requests are refused before routing.
    let resp = reqwest::Client::builder().no_proxy().build().unwrap().get(format!("{}/", fc.endpoint())).send().await;
    assert_eq!(resp.unwrap().status().as_u16(), 403);
}

#[tokio::test]
async fn start_rejects_invalid_configuration() {
    let err = LocalFc::builder()
        .router("bad name", Router::new().bytes("f", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("service name"), "{err}");
    let err = LocalFc::builder()
        .router("s", Router::new().bytes("f", |e, _| async move { Ok::<_, Failure>(e) }))
        .alias(("s", "f"), "prod", "3")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unpublished version"), "{err}");
}

#[tokio::test]
async fn keys_no_request_could_be_signed_with_are_refused_at_start() {
    for (id, secret) in [("key id", "secret"), ("", "secret"), ("id", ""), ("id\n", "secret")] {
        let err = LocalFc::builder().access_key(id, secret).start().await.unwrap_err();
        assert!(matches!(err, fc_runtime::local::StartError::InvalidKey { .. }), "{id:?}: {err}");
        assert!(!err.to_string().contains("secret\""), "{err}");
    }
    let err = LocalFc::builder().sts_key("STS.id", "secret", "tok\u{7f}en").start().await.unwrap_err();
    assert!(matches!(err, fc_runtime::local::StartError::InvalidKey { .. }), "{err}");
}

/// LocalFc runs code uploaded through its API: it binds loopback addresses only, and refuses any other before
/// binding.
#[tokio::test]
async fn only_loopback_addresses_are_listened_on() {
    for addr in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
        let err = LocalFc::builder().addr(addr.parse().unwrap()).start().await.unwrap_err();
        assert!(matches!(err, fc_runtime::local::StartError::NotLoopback { .. }), "{addr}: {err}");
    }
    let fc = LocalFc::builder().addr("127.0.0.1:0".parse().unwrap()).start().await.unwrap();
    assert!(fc.endpoint().starts_with("http://127.0.0.1:"));
}

/// A hosted function's `ctx.client()` calls this LocalFc, whatever `Host` the caller sent.
#[tokio::test]
async fn a_hosted_functions_client_calls_local_fc_not_the_callers_host() {
    let router = Router::new().json("whoami", |_: (), ctx: fc_runtime::function::Context| async move {
        Ok::<_, Failure>(ctx.client().map(|c| c.endpoint().to_owned()).unwrap_or_default())
    });
    let fc = LocalFc::builder().router("s", router).start().await.unwrap();
    let path = "/2016-08-15/services/s/functions/whoami/invocations";
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let headers = [("date", date.as_str()), ("content-type", "application/json")];
    let auth = fc_runtime::sign::authorization(
        "testKeyId",
        "testKeySecret",
        &fc_runtime::sign::SignableRequest { method: "POST", path, headers: &headers, query: &[] },
    );
    let answer = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .post(format!("{}{path}", fc.endpoint()))
        .header("host", "127.0.0.1:1")
        .header("date", &date)
        .header("content-type", "application/json")
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let endpoint: String = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
    assert_eq!(endpoint, fc.endpoint());
}

/// The reported duration is the function's real execution time, to the microsecond: a fast function's is not
/// truncated to zero, and a sleeping one's covers its sleep.
#[tokio::test]
async fn the_reported_duration_is_the_real_execution_time() {
    let router = Router::new().json("fast", |_: (), _| async move { Ok::<_, Failure>(()) }).json(
        "slow",
        |_: (), _| async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, Failure>(())
        },
    );
    let fc = LocalFc::builder().router("s", router).start().await.unwrap();
    let fast = fc.client().invoke(InvokeRequest::new("s", "fast")).await.unwrap();
    let fast = fast.meta.duration.expect("a duration");
    assert!(fast > Duration::ZERO && fast < Duration::from_secs(5), "{fast:?}");
    let slow = fc.client().invoke(InvokeRequest::new("s", "slow")).await.unwrap();
    assert!(slow.meta.duration.expect("a duration") >= Duration::from_millis(20), "{:?}", slow.meta.duration);
}

/// A function keeps at most `max_records` async records: past it the oldest finished ones are forgotten, so a
/// LocalFc running for days holds bounded memory; listing still pages what is kept.
#[tokio::test]
async fn finished_records_are_evicted_past_the_functions_cap() {
    let fc = LocalFc::builder()
        .router_with(
            "s",
            Router::new().json("job", |n: u32, _| async move { Ok::<_, Failure>(n) }),
            FunctionConfig::new().max_records(3),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client();
    let f = FunctionRef::new("s", "job");
    for i in 0..6u32 {
        let id = format!("job_{i}");
        client.invoke(InvokeRequest::new("s", "job").invocation_id(&id).json_bytes(i.to_string())).await.unwrap();
        wait_for_status(&fc, &f, &id, InvocationStatus::Succeeded).await;
    }
    let page = client.list_stateful_invocations(&f, &fc_runtime::ListFilter::new()).await.unwrap();
    let ids: Vec<String> = page.invocations.into_iter().filter_map(|i| i.invocation_id).collect();
    assert_eq!(ids, ["job_3", "job_4", "job_5"]);
    let err = client.get_stateful_invocation(&f, "job_0").await.unwrap_err();
    assert_eq!(code(&err), (404, ErrorCode::StatefulAsyncInvocationNotFound));
}
