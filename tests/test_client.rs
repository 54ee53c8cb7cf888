//! The runtime client against a real HTTP server on 127.0.0.1: `LocalFc`, or a canned-bytes server for answers
//! FC's emulator never gives (HTML pages, truncated bodies).

use std::time::{Duration, SystemTime};

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{Fault, LocalFc};
use fc_runtime::{
    Client, Credentials, Delivery, ErrorCode, FcError, FunctionErrorKind, FunctionRef, InvocationStatus,
    InvocationType, InvokeRequest, Limits, ListFilter, LogType, RetryPolicy, SortOrder,
};
use futures_util::StreamExt as _;
use support::{CannedServer, http_response, send_signed, with_captured_tracing};

async fn demo() -> LocalFc {
    LocalFc::builder()
        .router("demo", Router::new().bytes("echo", |event, _ctx| async move { Ok::<_, Failure>(event) }))
        .router(
            "demo",
            Router::new().bytes("headers", |_event, ctx| async move {
                let seen: Vec<String> = ["content-type", "x-fc-invocation-type", "x-fc-log-type", "x-fc-trace-id"]
                    .iter()
                    .map(|h| format!("{h}={}", ctx.header(h).unwrap_or("-")))
                    .collect();
                Ok::<_, Failure>(seen.join(";"))
            }),
        )
        .router(
            "demo",
            Router::new().json("fail", |_: serde_json::Value, ctx| async move {
                ctx.log("failing now");
                Err::<(), _>(Failure::new("Refused", "nope").with_stack_trace(["f1", "f2"]))
            }),
        )
        .router(
            "demo",
            Router::new().json("sleep", |ms: u64, _ctx| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, Failure>(ms)
            }),
        )
        .versions(("demo", "echo"), 2)
        .alias(("demo", "echo"), "prod", "2")
        .start()
        .await
        .unwrap()
}

fn service_code(err: &FcError) -> (u16, ErrorCode) {
    match err {
        FcError::Service(s) => (s.status.as_u16(), s.code.clone()),
        other => panic!("expected a service error, got {other:?}"),
    }
}

#[tokio::test]
async fn sync_invoke_returns_body_and_every_metadata_header() {
    let fc = demo().await;
    let client = fc.client();
    let req =
        InvokeRequest::new("demo", "echo").qualifier("prod").log_type(LogType::Tail).json_bytes(&b"{\"a\":1}"[..]);
    let resp = client.invoke(req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(&resp.body[..], b"{\"a\":1}");
    let m = &resp.meta;
    assert!(m.request_id.as_deref().is_some_and(|id| id.len() == 36), "{m:?}");
    assert!(m.instance_id.is_some() && m.code_checksum.is_some());
    assert!(m.duration.is_some());
    assert_eq!(m.max_memory_mb, Some(16.0));
    assert_eq!(m.service_version.as_deref(), Some("2"));
    let log = m.log_tail.as_deref().unwrap();
    assert!(log.starts_with("FC Invoke Start RequestId: ") && log.contains("FC Invoke End"), "{log}");
}

#[tokio::test]
async fn request_headers_are_what_the_protocol_says() {
    let fc = demo().await;
    let client = fc.client();
    let body = |r: fc_runtime::InvokeResponse| String::from_utf8(r.body.to_vec()).unwrap();
    let json = client.invoke(InvokeRequest::new("demo", "headers").json_bytes("{}")).await.unwrap();
    assert_eq!(body(json), "content-type=application/json;x-fc-invocation-type=Sync;x-fc-log-type=-;x-fc-trace-id=-");
    let raw = client
        .invoke(InvokeRequest::new("demo", "headers").bytes(vec![0u8, 1]).log_type(LogType::Tail).trace_id("t-1"))
        .await
        .unwrap();
    assert_eq!(
        body(raw),
        "content-type=application/octet-stream;x-fc-invocation-type=Sync;x-fc-log-type=Tail;x-fc-trace-id=t-1"
    );
}

#[tokio::test]
async fn function_errors_are_typed() {
    let fc = demo().await;
    let err = fc.client().invoke(InvokeRequest::new("demo", "fail").log_type(LogType::Tail)).await.unwrap_err();
    let FcError::Function(f) = &err else { panic!("{err:?}") };
    assert_eq!(f.kind, FunctionErrorKind::Handled);
    assert_eq!((f.message.as_str(), f.error_type.as_deref()), ("nope", Some("Refused")));
    assert_eq!(f.stack_trace, ["f1", "f2"]);
    assert!(f.request_id.is_some());
    assert!(f.log_tail.as_deref().unwrap().contains("failing now"));
    assert!(err.to_string().contains("nope"), "{err}");
}

#[tokio::test]
async fn service_errors_carry_status_code_and_request_id() {
    let fc = demo().await;
    let client = fc.client();
    for (req, status, code) in [
        (InvokeRequest::new("demo", "missing"), 404, ErrorCode::FunctionNotFound),
        (InvokeRequest::new("nosuch", "echo"), 404, ErrorCode::ServiceNotFound),
        (InvokeRequest::new("demo", "echo").qualifier("staging"), 404, ErrorCode::AliasNotFound),
        (InvokeRequest::new("demo", "echo").qualifier("3"), 404, ErrorCode::VersionNotFound),
    ] {
        let err = client.invoke(req).await.unwrap_err();
        assert_eq!(service_code(&err), (status, code));
        assert!(err.request_id().is_some());
    }
    let wrong = fc.client_builder().credentials(Credentials::new("testKeyId", "wrong")).build().unwrap();
    let err = wrong.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, ErrorCode::SignatureNotMatch));
    let unknown = fc.client_builder().credentials(Credentials::new("who", "testKeySecret")).build().unwrap();
    let err = unknown.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, ErrorCode::InvalidAccessKeyID));
}

#[tokio::test]
async fn invalid_input_is_refused_before_sending() {
    let fc = demo().await;
    let client = fc.client();
    let cases: Vec<(InvokeRequest, &str)> = vec![
        (InvokeRequest::new("my svc", "echo"), "service name"),
        (InvokeRequest::new("demo", "1echo"), "function name"),
        (InvokeRequest::new("demo", "echo").qualifier("pr.od"), "qualifier"),
        (InvokeRequest::new("demo", "echo").invocation_id("9lives"), "invocation id"),
        (InvokeRequest::new("demo", "echo").invocation_id("a\r\nX-Evil: 1"), "invocation id"),
        (InvokeRequest::new("demo", "echo").invocation_id("x".repeat(129)), "invocation id"),
        (InvokeRequest::new("demo", "echo").trace_id("t\n1"), "header X-Fc-Trace-Id"),
        (InvokeRequest::new("demo", "echo").trace_id("tré"), "header X-Fc-Trace-Id"),
        (InvokeRequest::new("demo", "echo").json_bytes(vec![b'1'; 32 * 1024 * 1024 + 1]), "payload"),
        (
            InvokeRequest::new("demo", "echo")
                .invocation_type(InvocationType::Async)
                .json_bytes(vec![b'1'; 128 * 1024 + 1]),
            "payload",
        ),
    ];
    for (req, field) in cases {
        let err = client.invoke(req).await.unwrap_err();
        match &err {
            FcError::InvalidInput(e) => assert_eq!(e.field.to_string(), field, "{err}"),
            other => panic!("expected InvalidInput for {field}, got {other:?}"),
        }
    }
    assert_eq!(fc.requests(("demo", "echo")), 0, "nothing reached the server");
    // Exactly at the limit is allowed (and the server agrees).
    let at_limit =
        InvokeRequest::new("demo", "echo").invocation_type(InvocationType::Async).json_bytes(vec![b'1'; 128 * 1024]);
    assert!(client.invoke(at_limit).await.unwrap().is_accepted());
}

#[tokio::test]
async fn limits_are_configurable_and_the_server_enforces_its_own() {
    let fc = demo().await;
    let generous = fc.client_builder().limits(Limits::new(64 * 1024 * 1024, 1024 * 1024)).build().unwrap();
    let big =
        InvokeRequest::new("demo", "echo").invocation_type(InvocationType::Async).json_bytes(vec![b'1'; 200 * 1024]);
    let err = generous.invoke(big).await.unwrap_err();
    assert_eq!(service_code(&err), (400, ErrorCode::EntityTooLarge));
    let strict = fc.client_builder().limits(Limits::new(10, 10)).build().unwrap();
    let err = strict.invoke(InvokeRequest::new("demo", "echo").json_bytes("12345678901")).await.unwrap_err();
    assert!(matches!(err, FcError::InvalidInput { .. }), "{err}");
}

#[tokio::test]
async fn throttling_is_retried_and_counted_on_the_server() {
    let fc = demo().await;
    let client = fc
        .client_builder()
        .retry(RetryPolicy::attempts(4).with_backoff(Duration::from_millis(5), Duration::from_millis(50)))
        .build()
        .unwrap();
    fc.inject(Fault::throttle(2, fc_runtime::StatusCode::TOO_MANY_REQUESTS).for_function(("demo", "echo")));
    fc.inject(Fault::throttle(1, fc_runtime::StatusCode::SERVICE_UNAVAILABLE).for_function(("demo", "echo")));
    let resp = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap();
    assert_eq!(&resp.body[..], b"1");
    assert_eq!(fc.requests(("demo", "echo")), 4, "three throttled attempts and one success");
    assert_eq!(fc.executions(("demo", "echo")), 1);

    // The budget is respected: 5 throttles against 4 attempts ends in the service error.
    fc.inject(Fault::throttle(5, fc_runtime::StatusCode::TOO_MANY_REQUESTS).for_function(("demo", "echo")));
    let err = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap_err();
    assert!(err.is_throttling() && err.is_retryable(), "{err}");
    assert_eq!(fc.requests(("demo", "echo")), 8);
    assert_eq!(fc.executions(("demo", "echo")), 1);
}

#[tokio::test]
async fn retry_after_longer_than_the_policy_allows_is_returned() {
    let fc = demo().await;
    let client = fc
        .client_builder()
        .retry(RetryPolicy::attempts(3).with_backoff(Duration::from_millis(5), Duration::from_millis(50)))
        .build()
        .unwrap();
    fc.inject(Fault::throttle(1, fc_runtime::StatusCode::TOO_MANY_REQUESTS).retry_after(Duration::from_secs(30)));
    let err = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap_err();
    let FcError::Service(s) = &err else { panic!("{err:?}") };
    assert_eq!(s.retry_after, Some(Duration::from_secs(30)));
    assert_eq!(fc.requests(("demo", "echo")), 1, "not retried before the server's Retry-After");
}

#[tokio::test]
async fn a_sync_call_that_times_out_is_not_resent() {
    let fc = demo().await;
    let client = fc.client_builder().retry(RetryPolicy::attempts(5)).build().unwrap();
    let req = InvokeRequest::new("demo", "sleep").json_bytes("400").timeout(Duration::from_millis(100));
    let err = client.invoke(req).await.unwrap_err();
    assert!(matches!(&err, FcError::Timeout(t) if t.timeout == Duration::from_millis(100)), "{err:?}");
    assert!(err.is_timeout());
    assert!(!err.is_retryable());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fc.requests(("demo", "sleep")), 1);
    assert_eq!(fc.executions(("demo", "sleep")), 1);
}

#[tokio::test]
async fn a_connection_dropped_after_the_handler_ran_is_reported_not_retried() {
    let fc = demo().await;
    let client = fc.client_builder().retry(RetryPolicy::attempts(5)).build().unwrap();
    fc.inject(Fault::drop_after_handler(1));
    let err = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap_err();
    assert!(matches!(&err, FcError::Transport(e) if e.delivery == Delivery::MaybeDelivered), "{err:?}");
    assert!(err.to_string().contains("may have been delivered"), "{err}");
    // The cause is the source, not repeated in the message: a reporter walking the chain prints it once.
    let source = std::error::Error::source(&err).expect("the HTTP client's error is kept").to_string();
    assert!(!err.to_string().contains(&source), "{err} / {source}");
    assert_eq!(fc.executions(("demo", "echo")), 1);
    assert_eq!(fc.requests(("demo", "echo")), 1);

    fc.inject(Fault::drop_before_handler(1));
    let err = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap_err();
    assert!(matches!(err, FcError::Transport { .. }), "{err:?}");
    assert_eq!(fc.executions(("demo", "echo")), 1, "the handler did not run");
}

#[tokio::test]
async fn refused_connections_are_retried_until_the_server_is_up() {
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = reserved.local_addr().unwrap();
    drop(reserved);
    let client = Client::builder()
        .endpoint(format!("http://{addr}"))
        .credentials(Credentials::new("testKeyId", "testKeySecret"))
        .retry(RetryPolicy::attempts(200).with_backoff(Duration::from_millis(20), Duration::from_millis(40)))
        .use_env_proxy(false)
        .build()
        .unwrap();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        LocalFc::builder()
            .addr(addr)
            .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
            .start()
            .await
            .unwrap()
    });
    let resp = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("7")).await.unwrap();
    assert_eq!(&resp.body[..], b"7");
    let fc = server.await.unwrap();
    assert_eq!(fc.executions(("demo", "echo")), 1);

    // Without retries the refusal is a transport error that says nothing was sent.
    let once = Client::builder()
        .endpoint("http://127.0.0.1:1")
        .credentials(Credentials::new("a", "b"))
        .retry(RetryPolicy::none())
        .use_env_proxy(false)
        .build()
        .unwrap();
    let err = once.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert!(matches!(&err, FcError::Transport(e) if e.delivery == Delivery::NotSent) && err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn malformed_answers_become_typed_errors() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (http_response("502 Bad Gateway", &[("content-type", "text/html")], b"<html>Bad Gateway</html>"), "html"),
        (http_response("500 Internal Server Error", &[], b""), "empty"),
        (http_response("404 Not Found", &[("x-fc-request-id", "r-1")], b"{\"ErrorCode\":42}"), "wrong shape"),
        (
            http_response("200 OK", &[("x-fc-error-type", "UnhandledInvocationError")], b"\xff\xfe not utf8"),
            "binary error",
        ),
        (b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\ntruncated".to_vec(), "truncated"),
        (b"garbage that is not http\r\n\r\n".to_vec(), "not http"),
        (http_response("302 Found", &[("location", "http://elsewhere/")], b""), "redirect"),
    ];
    for (bytes, label) in cases {
        let server = CannedServer::start(vec![bytes]).await.unwrap();
        let err = server.client().invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
        match (label, &err) {
            ("html", FcError::Service(s)) => {
                assert_eq!((s.status.as_u16(), &s.code), (502, &ErrorCode::Other(String::new())));
                assert!(s.message.contains("not JSON") && s.message.contains("<html>"), "{}", s.message);
            }
            ("empty", FcError::Service(s)) => {
                assert_eq!((s.status.as_u16(), s.message.as_str()), (500, "(no error body)"))
            }
            ("wrong shape", FcError::Service(s)) => {
                assert_eq!(s.request_id.as_deref(), Some("r-1"));
                assert!(s.message.contains("without a message"), "{}", s.message);
            }
            ("binary error", FcError::Function(f)) => {
                assert_eq!(f.kind, FunctionErrorKind::Unhandled);
                assert_eq!(&f.raw_body[..], b"\xff\xfe not utf8");
            }
            ("truncated" | "not http", FcError::Transport(e)) if e.delivery == Delivery::MaybeDelivered => {}
            ("redirect", FcError::Decode(_)) => {}
            _ => panic!("{label}: unexpected {err:?}"),
        }
    }
}

#[tokio::test]
async fn invalid_log_base64_and_absurd_metrics_are_absent_not_errors() {
    let answer = http_response(
        "200 OK",
        &[
            ("x-fc-log-result", "***"),
            ("x-fc-invocation-duration", "NaN"),
            ("x-fc-max-memory-usage", "99999999999999999999"),
            ("x-fc-request-id", "r"),
        ],
        b"ok",
    );
    let server = CannedServer::start(vec![answer]).await.unwrap();
    let resp = server.client().invoke(InvokeRequest::new("demo", "echo")).await.unwrap();
    assert_eq!((resp.meta.log_tail, resp.meta.duration, resp.meta.max_memory_mb), (None, None, None));
    assert_eq!(resp.meta.request_id.as_deref(), Some("r"));
}

#[tokio::test]
async fn sts_tokens_and_account_ids_are_signed_and_checked() {
    let fc = LocalFc::builder()
        .sts_key("STS.id", "sts-secret", "token-1")
        .account_id("1234567890")
        .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap();
    let ok = fc.client();
    assert_eq!(&ok.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap().body[..], b"1");

    let no_token = fc.client_builder().credentials(Credentials::new("STS.id", "sts-secret")).build().unwrap();
    let err = no_token.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, ErrorCode::InvalidSecurityToken));

    let wrong_account = fc.client_builder().account_id("999").build().unwrap();
    let err = wrong_account.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert_eq!(service_code(&err), (403, ErrorCode::AccessDenied));

    // A refreshing provider supplies a token that LocalFc accepts.
    let refreshing = fc
        .client_builder()
        .credentials_provider(fc_runtime::credentials::RefreshingCredentials::new(|| async {
            Ok(Credentials::new("STS.id", "sts-secret")
                .with_security_token("token-1")
                .with_expiry(SystemTime::now() + Duration::from_secs(3600)))
        }))
        .build()
        .unwrap();
    assert!(refreshing.invoke(InvokeRequest::new("demo", "echo")).await.is_ok());
}

#[tokio::test]
async fn skewed_dates_and_signatures_for_other_paths_are_refused() {
    let fc = demo().await;
    let path = "/2016-08-15/services/demo/functions/echo/invocations";
    let other = "/2016-08-15/services/demo/functions/fail/invocations";
    let now = httpdate::fmt_http_date(SystemTime::now());
    let (status, _) = send_signed(&fc.endpoint(), "POST", path, path, &now).await;
    assert_eq!(status, 200);
    let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(16 * 60));
    let (status, body) = send_signed(&fc.endpoint(), "POST", path, path, &old).await;
    assert_eq!((status, body["ErrorCode"].as_str()), (403, Some("RequestTimeTooSkewed")));
    let (status, body) = send_signed(&fc.endpoint(), "POST", path, other, &now).await;
    assert_eq!((status, body["ErrorCode"].as_str()), (403, Some("SignatureNotMatch")));
    assert_eq!(fc.executions(("demo", "fail")), 0);
}

#[tokio::test]
async fn stateful_invocations_get_list_page_and_stop() {
    let fc = demo().await;
    let client = fc.client();
    for i in 0..5 {
        let req = InvokeRequest::new("demo", "sleep").invocation_id(format!("job_{i}")).json_bytes("10");
        let resp = client.invoke(req).await.unwrap();
        assert!(resp.is_accepted());
        assert_eq!(resp.meta.invocation_id.as_deref(), Some(format!("job_{i}").as_str()));
    }
    let long = InvokeRequest::new("demo", "sleep").invocation_id("long_one").json_bytes("60000");
    client.invoke(long).await.unwrap();
    let sleep = FunctionRef::new("demo", "sleep");
    // Wait for the short ones to finish.
    support::eventually(Duration::from_secs(10), "the five short invocations finished", || async {
        let succeeded = ListFilter::new().status(InvocationStatus::Succeeded);
        let done = client.list_stateful_invocations(&sleep, &succeeded).await.unwrap();
        (done.invocations.len() == 5).then_some(())
    })
    .await;
    let one = client.get_stateful_invocation(&sleep, "job_3").await.unwrap();
    assert_eq!(one.status, Some(InvocationStatus::Succeeded));
    assert_eq!(one.return_payload.as_deref(), Some("10"));
    let statuses: Vec<&str> = one.events.iter().filter_map(|e| e.status.as_deref()).collect();
    assert_eq!(statuses, ["Enqueued", "Dequeued", "Running", "Succeeded"]);

    let page = client.list_stateful_invocations(&sleep, &ListFilter::new().limit(2)).await.unwrap();
    assert_eq!(page.invocations.len(), 2);
    assert!(page.next_token.is_some());
    assert!(page.invocations[0].invocation_payload.is_none(), "payloads only when asked");

    // Paging by hand, as the field's documentation says: the last page's token is `None`, so the loop ends.
    let mut query = ListFilter::new().limit(2);
    let mut seen = 0;
    let mut pages = 0;
    loop {
        let page = client.list_stateful_invocations(&sleep, &query).await.unwrap();
        seen += page.invocations.len();
        pages += 1;
        assert!(pages <= 3, "paging by hand did not end");
        match page.next_token {
            Some(token) => query = query.next_token(token),
            None => break,
        }
    }
    assert_eq!((seen, pages), (6, 3));
    // LocalFc marks the last page as FC does, with an empty token.
    let path = "/2016-08-15/services/demo/functions/sleep/stateful-async-invocations";
    let (status, body) =
        send_signed(&fc.endpoint(), "GET", path, path, &httpdate::fmt_http_date(SystemTime::now())).await;
    assert_eq!((status, body["nextToken"].as_str()), (200, Some("")), "{body}");

    let all: Vec<_> = client
        .stateful_invocations(sleep.clone(), ListFilter::new().limit(2).sort(SortOrder::Desc).include_payload(true))
        .collect()
        .await;
    let ids: Vec<String> = all.into_iter().map(|r| r.unwrap().invocation_id.unwrap()).collect();
    assert_eq!(ids, ["long_one", "job_4", "job_3", "job_2", "job_1", "job_0"]);
    let prefixed = client.list_stateful_invocations(&sleep, &ListFilter::new().prefix("long")).await.unwrap();
    assert_eq!(prefixed.invocations.len(), 1);

    client.stop_stateful_invocation(&sleep, "long_one").await.unwrap();
    let stopped = client.get_stateful_invocation(&sleep, "long_one").await.unwrap();
    assert_eq!(stopped.status, Some(InvocationStatus::Stopped));
    let err = client.stop_stateful_invocation(&sleep, "long_one").await.unwrap_err();
    assert_eq!(service_code(&err), (412, ErrorCode::AsyncInvocationStopped));
    let err = client.get_stateful_invocation(&sleep, "nope").await.unwrap_err();
    assert_eq!(service_code(&err), (404, ErrorCode::StatefulAsyncInvocationNotFound));
    let err = client.get_stateful_invocation(&sleep, "bad id!").await.unwrap_err();
    assert!(matches!(err, FcError::InvalidInput { .. }));
    let err = client.list_stateful_invocations(&sleep, &ListFilter::new().limit(0)).await.unwrap_err();
    assert!(matches!(err, FcError::InvalidInput { .. }));
}

#[tokio::test]
async fn qualifier_override_applies_to_every_call() {
    let fc = demo().await;
    let prod = fc.client().with_qualifier("prod").unwrap();
    let resp = prod.invoke(InvokeRequest::new("demo", "echo").qualifier("LATEST").json_bytes("1")).await.unwrap();
    assert_eq!(resp.meta.service_version.as_deref(), Some("2"));
}

#[test]
fn tracing_spans_carry_the_call_and_never_the_secret() {
    let (id, output) = with_captured_tracing(async {
        let fc = LocalFc::builder()
            .sts_key("STS.keyid", "very-secret-value", "very-secret-token")
            .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
            .start()
            .await
            .unwrap();
        let client = fc.client();
        let resp = client.invoke(InvokeRequest::new("demo", "echo").qualifier("LATEST").json_bytes("1")).await.unwrap();
        let id = resp.meta.request_id.clone().unwrap();
        let bad = fc.client_builder().credentials(Credentials::new("STS.keyid", "very-secret-value")).build().unwrap();
        let err = bad.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
        for shown in [format!("{client:?}"), format!("{err}"), format!("{err:?}"), format!("{fc:?}")] {
            assert!(!shown.contains("very-secret"), "{shown}");
        }
        // The async-invocation APIs have spans of their own.
        let _ = client.get_stateful_invocation(&FunctionRef::new("demo", "echo"), "span_probe").await;
        let _ = client.list_async_tasks(&fc_runtime::Fc3FunctionRef::new("echo"), &ListFilter::new()).await;
        id
    });
    assert!(output.contains("fc.stateful_invocation") && output.contains("invocation_id=\"span_probe\""), "{output}");
    assert!(output.contains("fc.async_task") && output.contains("ListAsyncTasks"), "{output}");
    assert!(output.contains("fc.invoke"), "{output}");
    assert!(output.contains("service=demo") && output.contains("function=echo"), "{output}");
    assert!(output.contains("qualifier=\"LATEST\"") || output.contains("qualifier=LATEST"), "{output}");
    assert!(output.contains("invocation_type=\"Sync\"") || output.contains("invocation_type=Sync"), "{output}");
    // Recorded on the span by the client itself: the test logs nothing of its own.
    let recorded = [format!("request_id={id}"), format!("request_id=\"{id}\"")];
    assert!(recorded.iter().any(|r| output.contains(r.as_str())), "{id} not in:\n{output}");
    assert!(!output.contains("very-secret"), "secret leaked into tracing output:\n{output}");
}

/// The builder's calls can come in any order; contradictions are errors, never a silent replacement.
#[test]
fn the_builder_is_order_independent() {
    let creds = || Credentials::new("id", "secret");
    let endpoint = |b: fc_runtime::ClientBuilder| b.credentials(creds()).build().map(|c| c.endpoint().to_owned());
    let internal = "https://123.cn-hangzhou-internal.fc.aliyuncs.com";
    assert_eq!(endpoint(Client::builder().internal(true).account("123", "cn-hangzhou")).unwrap(), internal);
    assert_eq!(endpoint(Client::builder().account("123", "cn-hangzhou").internal(true)).unwrap(), internal);
    // An explicit endpoint wins over the account's, whichever comes first; the account id is still sent.
    for b in [
        Client::builder().endpoint("http://127.0.0.1:9000").account("123", "cn-hangzhou"),
        Client::builder().account("123", "cn-hangzhou").endpoint("http://127.0.0.1:9000"),
    ] {
        assert_eq!(endpoint(b).unwrap(), "http://127.0.0.1:9000");
    }
    // `account_id` agreeing with `account` is fine in either order; disagreeing is an error in either order.
    assert!(endpoint(Client::builder().account_id("123").account("123", "cn-hangzhou")).is_ok());
    for b in [
        Client::builder().account_id("999").account("123", "cn-hangzhou"),
        Client::builder().account("123", "cn-hangzhou").account_id("999"),
    ] {
        let err = endpoint(b).unwrap_err();
        assert!(matches!(&err, FcError::Config(c) if c.setting == fc_runtime::Setting::AccountId), "{err}");
    }
    // `internal(true)` cannot apply to an explicit endpoint.
    let err = endpoint(Client::builder().endpoint("http://127.0.0.1:9000").internal(true)).unwrap_err();
    assert!(matches!(&err, FcError::Config(c) if c.setting == fc_runtime::Setting::Endpoint), "{err}");
}
