//! Reliability and security guarantees that need a whole scenario: an id-bearing async call re-sent after its
//! connection was lost, secrets kept out of every output, authentication refusals, and the dependency tree. The
//! soak with injected faults has its own test binary (`test_soak.rs`); the per-fault guarantees (throttling,
//! refused connections, timeouts, drops) are in `test_client.rs`; RELIABILITY.md maps each guarantee to its test.

use std::time::{Duration, SystemTime};

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{Fault, FunctionConfig, LocalFc};
use fc_runtime::{
    Credentials, Delivery, ErrorCode, FcError, FunctionRef, InvocationStatus, InvocationType, InvokeRequest,
    RetryPolicy,
};
use support::{send_signed, with_captured_tracing};

fn fast_retries(attempts: u32) -> RetryPolicy {
    RetryPolicy::attempts(attempts).with_backoff(Duration::from_millis(1), Duration::from_millis(10))
}

async fn jobs() -> LocalFc {
    LocalFc::builder()
        .router_with(
            "svc",
            Router::new().bytes("job", |e, _| async move { Ok::<_, Failure>(e) }),
            FunctionConfig::new().retry_delay(Duration::from_millis(1)),
        )
        .router_with(
            "svc",
            Router::new().bytes("plain", |e, _| async move { Ok::<_, Failure>(e) }),
            FunctionConfig::new().stateful(false),
        )
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_stateful_async_call_resent_after_a_lost_answer_runs_once() {
    let fc = jobs().await;
    let client = fc.client_builder().retry(fast_retries(3)).build().unwrap();
    // The first attempt is accepted, then the connection drops before the 202 reaches the client.
    fc.inject(Fault::drop_after_handler(1).for_function(("svc", "job")));
    let err = client.invoke(InvokeRequest::new("svc", "job").invocation_id("job_1").json_bytes("1")).await.unwrap_err();
    match &err {
        FcError::Service(s) => {
            assert_eq!((s.status.as_u16(), &s.code), (409, &ErrorCode::StatefulAsyncInvocationAlreadyExists));
            let hint = s.hint().unwrap_or_default();
            assert!(hint.contains("re-sent after a connection failure"), "{s:?}");
            assert!(hint.contains("get_stateful_invocation") && !s.message.contains("re-sent"), "{s:?}");
        }
        other => panic!("expected the duplicate-id answer, got {other:?}"),
    }
    assert_eq!(fc.requests(("svc", "job")), 2, "the call was re-sent once");
    // The invocation the first attempt created finishes, and the handler ran exactly once.
    let function = FunctionRef::new("svc", "job");
    let last = support::eventually(Duration::from_secs(10), "the accepted invocation finished", || async {
        let info = client.get_stateful_invocation(&function, "job_1").await.unwrap();
        info.status.clone().filter(InvocationStatus::is_terminal)
    })
    .await;
    assert_eq!(last, InvocationStatus::Succeeded, "the accepted invocation finished");
    assert_eq!(fc.executions(("svc", "job")), 1);

    // Without an id nothing protects against a duplicate, so the same failure is reported, not re-sent.
    fc.inject(Fault::drop_after_handler(1).for_function(("svc", "plain")));
    let async_call = InvokeRequest::new("svc", "plain").invocation_type(InvocationType::Async).json_bytes("1");
    let err = client.invoke(async_call).await.unwrap_err();
    assert!(matches!(&err, FcError::Transport(e) if e.delivery == Delivery::MaybeDelivered), "{err:?}");
    assert_eq!(fc.requests(("svc", "plain")), 1);

    // A re-sent id-bearing call whose first attempt never reached the handler is simply accepted.
    fc.inject(Fault::drop_before_handler(1).for_function(("svc", "job")));
    let accepted =
        client.invoke(InvokeRequest::new("svc", "job").invocation_id("job_2").json_bytes("2")).await.unwrap();
    assert_eq!(accepted.status, 202);
    assert_eq!(fc.requests(("svc", "job")), 4);
}

#[tokio::test]
async fn a_retry_after_within_the_policy_is_waited_out() {
    let fc = jobs().await;
    let client = fc
        .client_builder()
        .retry(RetryPolicy::attempts(3).with_backoff(Duration::from_millis(1), Duration::from_secs(2)))
        .build()
        .unwrap();
    fc.inject(Fault::throttle(1, fc_runtime::StatusCode::SERVICE_UNAVAILABLE).retry_after(Duration::from_secs(1)));
    let started = std::time::Instant::now();
    let answer = client.invoke(InvokeRequest::new("svc", "plain").json_bytes("1")).await.unwrap();
    assert_eq!(&answer.body[..], b"1");
    // A lower bound only: the backoff alone (at most 2 ms here) could not have waited this long.
    assert!(started.elapsed() >= Duration::from_secs(1), "retried after {:?}", started.elapsed());
    assert_eq!((fc.requests(("svc", "plain")), fc.executions(("svc", "plain"))), (2, 1));
}

#[test]
fn secrets_and_tokens_never_reach_errors_debug_or_logs() {
    const SECRET: &str = "SECRET-sk-91f3c2";
    const TOKEN: &str = "TOKEN-sts-77ab01";
    let ((), logs) = with_captured_tracing(async {
        let fc = LocalFc::builder()
            .sts_key("STS.id", SECRET, TOKEN)
            .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
            .start()
            .await
            .unwrap();
        let mut texts = Vec::new();
        // A correct call, a wrongly signed one (FC echoes the string it signed, which includes the token
        // header), a wrong token, a token that cannot be sent, and a refused connection.
        let good = fc.client();
        good.invoke(InvokeRequest::new("demo", "echo")).await.unwrap();
        texts.push(format!("{good:?}"));
        let wrong_secret = fc
            .client_builder()
            .credentials(Credentials::new("STS.id", "other-secret").with_security_token(TOKEN))
            .build()
            .unwrap();
        let err = wrong_secret.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
        assert!(matches!(&err, FcError::Service(s) if s.code == ErrorCode::SignatureNotMatch), "{err:?}");
        let wrong_token = fc
            .client_builder()
            .credentials(Credentials::new("STS.id", SECRET).with_security_token(format!("{TOKEN}x")))
            .build()
            .unwrap();
        // A token that cannot be sent is refused when the client is built.
        let unsendable = fc
            .client_builder()
            .credentials(Credentials::new("STS.id", SECRET).with_security_token(format!("{TOKEN}\n")))
            .build()
            .unwrap_err();
        texts.push(format!("{unsendable}"));
        texts.push(format!("{unsendable:?}"));
        let refused = fc_runtime::Client::builder()
            .endpoint("http://127.0.0.1:1")
            .credentials(Credentials::new("STS.id", SECRET).with_security_token(TOKEN))
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        for client in [&wrong_secret, &wrong_token, &refused] {
            let err = client.invoke(InvokeRequest::new("demo", "echo").json_bytes("1")).await.unwrap_err();
            texts.push(format!("{err}"));
            texts.push(format!("{err:?}"));
            texts.push(format!("{client:?}"));
        }
        texts.push(format!("{:?}", Credentials::new("STS.id", SECRET).with_security_token(TOKEN)));
        for text in texts {
            assert!(!text.contains(SECRET) && !text.contains(TOKEN), "leaked: {text}");
        }
    });
    assert!(logs.contains("fc.invoke"), "the calls were traced: {logs}");
    assert!(!logs.contains(SECRET) && !logs.contains(TOKEN), "leaked into tracing output: {logs}");
}

#[tokio::test]
async fn local_fc_refuses_what_it_cannot_authenticate() {
    let fc = LocalFc::builder()
        .account_id("1234567890")
        .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap();
    let path = "/2016-08-15/services/demo/functions/echo/invocations";
    let url = format!("{}{path}", fc.endpoint());
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let now = httpdate::fmt_http_date(SystemTime::now());
    let code = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap_or_default()).unwrap_or_default();
        (status, body["ErrorCode"].as_str().unwrap_or_default().to_owned())
    };
    // Unsigned.
    let r = http.post(&url).header("date", &now).body("1").send().await.unwrap();
    assert_eq!(code(r).await, (403, "AccessDenied".to_owned()));
    // Signed with the wrong secret.
    let bad = "FC testKeyId:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let r = http.post(&url).header("date", &now).header("authorization", bad).body("1").send().await.unwrap();
    assert_eq!(code(r).await, (403, "SignatureNotMatch".to_owned()));
    // An unknown key.
    let unknown = "FC nobody:AAAA";
    let r = http.post(&url).header("date", &now).header("authorization", unknown).body("1").send().await.unwrap();
    assert_eq!(code(r).await, (403, "InvalidAccessKeyID".to_owned()));
    // Replayed too late, and a signature moved to another path.
    let old = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(16 * 60));
    assert_eq!(send_signed(&fc.endpoint(), "POST", path, path, &old).await.0, 403);
    let other = "/2016-08-15/services/demo/functions/other/invocations";
    let (status, body) = send_signed(&fc.endpoint(), "POST", path, other, &now).await;
    assert_eq!((status, body["ErrorCode"].as_str()), (403, Some("SignatureNotMatch")));
    // Another account.
    let wrong_account = fc.client_builder().account_id("999").build().unwrap();
    let err = wrong_account.invoke(InvokeRequest::new("demo", "echo")).await.unwrap_err();
    assert!(matches!(&err, FcError::Service(s) if s.status == 403 && s.code == ErrorCode::AccessDenied), "{err}");
    assert_eq!(fc.executions(("demo", "echo")), 0, "nothing ran");
    assert!(fc.client().invoke(InvokeRequest::new("demo", "echo")).await.is_ok());
}

/// TLS is rustls only: no OpenSSL or native-tls crate anywhere in the locked dependency tree.
#[test]
fn the_dependency_tree_uses_rustls_and_no_openssl() {
    let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
    let names: Vec<&str> = lock.lines().filter_map(|l| l.strip_prefix("name = \"")?.strip_suffix('"')).collect();
    assert!(names.contains(&"rustls"), "rustls is the TLS stack");
    for banned in ["openssl", "openssl-sys", "native-tls", "hyper-tls", "tokio-native-tls"] {
        assert!(!names.contains(&banned), "{banned} is in Cargo.lock");
    }
}

fn stalled_client(endpoint: &str, call: Duration, attempt: Duration) -> fc_runtime::Client {
    fc_runtime::Client::builder()
        .endpoint(endpoint)
        .credentials(fc_runtime::Credentials::new("testKeyId", "testKeySecret"))
        .timeout(call)
        .attempt_timeout(attempt)
        .retry(fc_runtime::RetryPolicy::attempts(10).with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .use_env_proxy(false)
        .build()
        .unwrap()
}

/// Against a service that never answers, a call safe to re-send (an async call with an id) is tried again after
/// each attempt's timeout, and all of it ends at the call's deadline — not after ten attempts of the deadline
/// each, which is what a per-attempt "call" timeout gives.
#[tokio::test]
async fn the_call_deadline_covers_every_attempt_and_pause() {
    let server = support::StallingServer::start().await.unwrap();
    let client = stalled_client(&server.endpoint, Duration::from_millis(800), Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = client.invoke(InvokeRequest::new("s", "f").invocation_id("job_1")).await.unwrap_err();
    let elapsed = started.elapsed();
    let FcError::Timeout(t) = &err else { panic!("{err:?}") };
    assert_eq!((t.kind, t.timeout), (fc_runtime::TimeoutKind::Call, Duration::from_millis(800)));
    assert!(server.requests() >= 2, "the attempts were re-sent: {}", server.requests());
    // Ten attempts of 800 ms would be 8 s; the deadline is 0.8 s (generous room for a loaded machine).
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(err.to_string().contains("the call's deadline"), "{err}");
}

/// A call that must not be re-sent (a sync invoke) ends at its first attempt's timeout, well before the call's
/// deadline, and the service saw it once.
#[tokio::test]
async fn an_attempt_timeout_ends_a_call_that_is_not_safe_to_resend() {
    let server = support::StallingServer::start().await.unwrap();
    let client = stalled_client(&server.endpoint, Duration::from_secs(60), Duration::from_millis(200));
    let started = std::time::Instant::now();
    let err = client.invoke(InvokeRequest::new("s", "f")).await.unwrap_err();
    let FcError::Timeout(t) = &err else { panic!("{err:?}") };
    assert_eq!((t.kind, t.timeout), (fc_runtime::TimeoutKind::Attempt, Duration::from_millis(200)));
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(server.requests(), 1);
}
