//! Reliability and security guarantees that need a whole scenario: an id-bearing async call re-sent after its
//! connection was lost, a soak with injected faults, secrets kept out of every output, authentication refusals,
//! and the dependency tree. The per-fault guarantees (throttling, refused connections, timeouts, drops) are in
//! `test_client.rs`; RELIABILITY.md maps each guarantee to its test.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use fc_runtime::local::{Fault, FunctionConfig, HandlerError, LocalFc, bytes_fn};
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
        .function_with(
            "svc",
            "job",
            FunctionConfig::new().retry_delay(Duration::from_millis(1)),
            bytes_fn(|e, _| async move { Ok::<_, HandlerError>(e) }),
        )
        .function_with(
            "svc",
            "plain",
            FunctionConfig::new().stateful(false),
            bytes_fn(|e, _| async move { Ok::<_, HandlerError>(e) }),
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
    fc.inject(Fault::drop_after_handler(1).for_function("svc", "job"));
    let err = client.invoke(InvokeRequest::new("svc", "job").invocation_id("job_1").json_bytes("1")).await.unwrap_err();
    match &err {
        FcError::Service(s) => {
            assert_eq!((s.status.as_u16(), &s.code), (409, &ErrorCode::StatefulAsyncInvocationAlreadyExists));
            assert!(s.message.contains("re-sent after a connection failure"), "{}", s.message);
        }
        other => panic!("expected the duplicate-id answer, got {other:?}"),
    }
    assert_eq!(fc.requests("svc", "job"), 2, "the call was re-sent once");
    // The invocation the first attempt created finishes, and the handler ran exactly once.
    let function = FunctionRef::new("svc", "job");
    let mut last = None;
    for _ in 0..500 {
        let info = client.get_stateful_invocation(&function, "job_1").await.unwrap();
        last = info.status.clone();
        if info.status.as_ref().is_some_and(InvocationStatus::is_terminal) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(last, Some(InvocationStatus::Succeeded), "the accepted invocation finished");
    assert_eq!(fc.executions("svc", "job"), 1);

    // Without an id nothing protects against a duplicate, so the same failure is reported, not re-sent.
    fc.inject(Fault::drop_after_handler(1).for_function("svc", "plain"));
    let async_call = InvokeRequest::new("svc", "plain").invocation_type(InvocationType::Async).json_bytes("1");
    let err = client.invoke(async_call).await.unwrap_err();
    assert!(matches!(&err, FcError::Transport(e) if e.delivery == Delivery::MaybeDelivered), "{err:?}");
    assert_eq!(fc.requests("svc", "plain"), 1);

    // A re-sent id-bearing call whose first attempt never reached the handler is simply accepted.
    fc.inject(Fault::drop_before_handler(1).for_function("svc", "job"));
    let accepted =
        client.invoke(InvokeRequest::new("svc", "job").invocation_id("job_2").json_bytes("2")).await.unwrap();
    assert_eq!(accepted.status, 202);
    assert_eq!(fc.requests("svc", "job"), 4);
}

#[tokio::test]
async fn a_retry_after_within_the_policy_is_waited_out() {
    let fc = jobs().await;
    let client = fc
        .client_builder()
        .retry(RetryPolicy::attempts(3).with_backoff(Duration::from_millis(1), Duration::from_secs(2)))
        .build()
        .unwrap();
    fc.inject(Fault::throttle(1, 503).retry_after(Duration::from_secs(1)));
    let started = std::time::Instant::now();
    let answer = client.invoke(InvokeRequest::new("svc", "plain").json_bytes("1")).await.unwrap();
    assert_eq!(&answer.body[..], b"1");
    // A lower bound only: the backoff alone (at most 2 ms here) could not have waited this long.
    assert!(started.elapsed() >= Duration::from_secs(1), "retried after {:?}", started.elapsed());
    assert_eq!((fc.requests("svc", "plain"), fc.executions("svc", "plain")), (2, 1));
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    transport_after_send: AtomicU64,
    throttled: AtomicU64,
    other: AtomicU64,
}

/// `FC_SOAK_CALLS` calls (default 20,000; the long run uses 100,000) at concurrency 64 over keep-alive, with a
/// fault injected before every 100th call: every call ends in success or a typed error, the handler never runs
/// more often than the calls that could have reached it, memory stays flat and no descriptor leaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_with_one_percent_faults() {
    let calls: u64 = std::env::var("FC_SOAK_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    const CONCURRENCY: u64 = 64;
    let fc = Arc::new(
        LocalFc::builder()
            .function("svc", "echo", bytes_fn(|e, _| async move { Ok::<_, HandlerError>(e) }))
            .start()
            .await
            .unwrap(),
    );
    let fds_idle = open_fds();
    let client = fc.client_builder().retry(fast_retries(4)).build().unwrap();
    let event = bytes::Bytes::from(vec![b'7'; 1024]);

    let run = |calls: u64, inject: bool| {
        let (fc, client, event) = (fc.clone(), client.clone(), event.clone());
        async move {
            let next = Arc::new(AtomicU64::new(0));
            let tally = Arc::new(Tally::default());
            let injected = Arc::new([AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]);
            let tasks: Vec<_> = (0..CONCURRENCY)
                .map(|_| {
                    let (fc, client, event) = (fc.clone(), client.clone(), event.clone());
                    let (next, tally, injected) = (next.clone(), tally.clone(), injected.clone());
                    tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::SeqCst);
                            if i >= calls {
                                break;
                            }
                            if inject && i % 100 == 50 {
                                let kind = (i / 100) % 4;
                                injected[kind as usize].fetch_add(1, Ordering::SeqCst);
                                fc.inject(match kind {
                                    0 => Fault::throttle(1, 429),
                                    1 => Fault::throttle(1, 503),
                                    2 => Fault::drop_before_handler(1),
                                    _ => Fault::drop_after_handler(1),
                                });
                            }
                            let req = InvokeRequest::new("svc", "echo").bytes(event.clone());
                            match client.invoke(req).await {
                                Ok(answer) => {
                                    assert_eq!(answer.body, event, "an answer carries its own call's body");
                                    tally.ok.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(FcError::Transport(e)) if e.delivery == Delivery::MaybeDelivered => {
                                    tally.transport_after_send.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) if e.is_throttling() => {
                                    tally.throttled.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(e) => {
                                    eprintln!("unexpected error: {e:?}");
                                    tally.other.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.expect("no call panicked");
            }
            let injected: Vec<u64> = injected.iter().map(|a| a.load(Ordering::SeqCst)).collect();
            (tally, injected)
        }
    };

    // Warm up: the pool fills, the allocator settles.
    let (warm, _) = run(2_000, false).await;
    assert_eq!(warm.ok.load(Ordering::SeqCst), 2_000);
    let (fds_before, rss_before) = (open_fds(), rss_kib());
    let executions_before = fc.executions("svc", "echo");

    let (tally, injected) = run(calls, true).await;
    fc.clear_faults();
    // The same fault-free load as the warm-up, so that both samples see the same steady state (a full pool, no
    // connection half-closed by a fault).
    let (settle, _) = run(2_000, false).await;
    assert_eq!(settle.ok.load(Ordering::SeqCst), 2_000);
    let (fds_after, rss_after) = (open_fds(), rss_kib());
    // Closing the client closes every connection it pooled, and LocalFc's side of each ends with it: any descriptor
    // still open after that was leaked. (The pool itself may hold a few more idle connections after the soak than
    // after the warm-up: connections replaced after dropped ones are kept until they idle out.)
    drop(client);
    let mut fds_closed = open_fds();
    for _ in 0..500 {
        if fds_closed <= fds_idle {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        fds_closed = open_fds();
    }
    let ok = tally.ok.load(Ordering::SeqCst);
    let lost = tally.transport_after_send.load(Ordering::SeqCst);
    let throttled = tally.throttled.load(Ordering::SeqCst);
    let executions = fc.executions("svc", "echo") - executions_before - 2_000;
    eprintln!(
        "soak: {calls} calls, concurrency {CONCURRENCY}, faults injected [429, 503, drop before handler, drop \
         after handler] = {injected:?}; ok {ok}, connection lost after sending {lost}, throttled after retries \
         {throttled}, other {}; handler executions {executions}; RSS {rss_before} KiB -> {rss_after} KiB; open fds \
         {fds_idle} before the client, {fds_before} after the warm-up, {fds_after} after the soak, {fds_closed} after \
         closing the client",
        tally.other.load(Ordering::SeqCst)
    );
    assert_eq!(tally.other.load(Ordering::SeqCst), 0, "every failure is one of the injected kinds");
    assert_eq!(ok + lost + throttled, calls, "every call ended");
    // Throttled calls were retried (4 attempts, one fault at a time): none gives up.
    assert_eq!(throttled, 0);
    // Drops are never retried: each one is one lost call.
    let drops = injected[2] + injected[3];
    assert!(lost <= drops, "{lost} lost calls from {drops} drop faults");
    // The handler ran for every successful call, plus at most once for each answer dropped after it.
    assert!(executions >= ok && executions <= ok + injected[3], "{executions} executions for {ok} successes");
    // Flat memory: a leak of even 256 bytes per call would show.
    let growth_kib = rss_after.saturating_sub(rss_before);
    assert!(growth_kib * 1024 < (calls * 256).max(16 << 20), "RSS grew by {growth_kib} KiB over {calls} calls");
    // No descriptor leak: back to where it was before the client existed.
    assert!(fds_closed <= fds_idle, "{fds_closed} descriptors open after closing the client, {fds_idle} before it");
}

#[test]
fn secrets_and_tokens_never_reach_errors_debug_or_logs() {
    const SECRET: &str = "SECRET-sk-91f3c2";
    const TOKEN: &str = "TOKEN-sts-77ab01";
    let ((), logs) = with_captured_tracing(async {
        let fc = LocalFc::builder()
            .sts_key("STS.id", SECRET, TOKEN)
            .function("demo", "echo", bytes_fn(|e, _| async move { Ok::<_, HandlerError>(e) }))
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
        .function("demo", "echo", bytes_fn(|e, _| async move { Ok::<_, HandlerError>(e) }))
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
    assert_eq!(fc.executions("demo", "echo"), 0, "nothing ran");
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
