//! FC 3.0 (API 2023-03-30) end to end: the client signs with ACS3-HMAC-SHA256, LocalFc verifies it from the
//! request as received and serves functions without services, with the qualifier as a query parameter.

use std::time::Duration;

use bytes::Bytes;
use fc_runtime::function::{Context, Failure, Router};
use fc_runtime::local::{Fault, LocalFc, Namespace};
use fc_runtime::{
    Api, Credentials, ErrorCode, Fc3FunctionRef, FcError, FunctionErrorKind, InputField, InvocationStatus,
    InvokeRequest, ListFilter, LogType, RetryPolicy, SortOrder,
};

async fn fc3() -> LocalFc {
    LocalFc::builder()
        .router(Namespace::Fc3, Router::new().bytes("echo", |e: Bytes, _| async move { Ok::<_, Failure>(e) }))
        .router(Namespace::Fc3, Router::new().bytes("echo_raw", |e: Bytes, _| async move { Ok::<_, Failure>(e) }))
        .router(
            Namespace::Fc3,
            Router::new().json("greet", |name: String, ctx: Context| async move {
                ctx.log(format!("greeting {name}"));
                Ok::<_, Failure>(format!("Hello, {name}! ({})", ctx.version().unwrap_or_default()))
            }),
        )
        .versions("greet", 2)
        .alias("greet", "prod", "2")
        .router(
            Namespace::Fc3,
            Router::new().json("fail", |_: serde_json::Value, _| async move {
                Err::<(), _>(Failure::new("OrderError", "no such order"))
            }),
        )
        .router(
            Namespace::Fc3,
            Router::new().json("crash", |_: serde_json::Value, _| async move {
                if std::hint::black_box(true) {
                    panic!("boom");
                }
                Ok::<(), Failure>(())
            }),
        )
        .router(
            Namespace::Fc3,
            Router::new().json("sleep", |ms: u64, _| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, Failure>(ms)
            }),
        )
        .sts_key("STS.fc3", "sts-secret", "sts-token")
        .access_key("testKeyId", "testKeySecret")
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn sync_calls_with_qualifiers_and_tail_logs() {
    let fc = fc3().await;
    let client = fc.client();
    let req = InvokeRequest::fc3("echo").bytes(&b"\x00raw\xff"[..]);
    assert_eq!(req.api(), Api::Fc3);
    let answer = client.invoke(req).await.unwrap();
    assert_eq!(&answer.body[..], b"\x00raw\xff");
    assert!(answer.meta.request_id.is_some());

    let answer = client
        .invoke(InvokeRequest::fc3("greet").qualifier("prod").log_type(LogType::Tail).json_bytes(r#""Rust""#))
        .await
        .unwrap();
    assert_eq!(&answer.body[..], br#""Hello, Rust! (2)""#);
    assert_eq!(answer.meta.service_version.as_deref(), Some("2"));
    assert!(answer.meta.log_tail.as_deref().is_some_and(|l| l.contains("greeting Rust")), "{:?}", answer.meta);
    assert_eq!(fc.executions("greet"), 1);
    // The FC 2.0 routes do not see FC 3.0 functions, and the other way round.
    let err = client.invoke(InvokeRequest::new("fc3", "echo")).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ServiceNotFound));
}

#[tokio::test]
async fn function_and_service_errors_in_fc3_shape() {
    let fc = fc3().await;
    let client = fc.client();
    let err = client.invoke(InvokeRequest::fc3("fail")).await.unwrap_err();
    let f = err.as_function().expect("a function error");
    assert_eq!(
        (f.kind, f.message.as_str(), f.error_type.as_deref()),
        (FunctionErrorKind::Handled, "no such order", Some("OrderError"))
    );
    let err = client.invoke(InvokeRequest::fc3("crash")).await.unwrap_err();
    assert_eq!(err.as_function().map(|f| f.kind), Some(FunctionErrorKind::Unhandled));

    let err = client.invoke(InvokeRequest::fc3("nope")).await.unwrap_err();
    assert_eq!((err.status().map(|s| s.as_u16()), err.code()), (Some(404), Some(&ErrorCode::FunctionNotFound)));
    assert!(err.request_id().is_some(), "FC 3.0's RequestId is read: {err}");
    let err = client.invoke(InvokeRequest::fc3("greet").qualifier("staging")).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::AliasNotFound));

    let wrong = fc.client_builder().credentials(Credentials::new("testKeyId", "wrong")).build().unwrap();
    let err = wrong.invoke(InvokeRequest::fc3("echo")).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::SignatureNotMatch), "{err}");
    assert_eq!(fc.requests("echo"), 0, "nothing reached the function");
}

#[tokio::test]
async fn sts_credentials_async_tasks_and_re_signed_retries() {
    let fc = fc3().await;
    let sts = fc
        .client_builder()
        .credentials(Credentials::new("STS.fc3", "sts-secret").with_security_token("sts-token"))
        .build()
        .unwrap();
    assert_eq!(&sts.invoke(InvokeRequest::fc3("echo").json_bytes("1")).await.unwrap().body[..], b"1");
    let bad_token = fc
        .client_builder()
        .credentials(Credentials::new("STS.fc3", "sts-secret").with_security_token("other"))
        .build()
        .unwrap();
    let err = bad_token.invoke(InvokeRequest::fc3("echo")).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidSecurityToken));

    let client = fc.client();
    let accepted = client.invoke(InvokeRequest::fc3("echo").invocation_id("task_1").json_bytes("2")).await.unwrap();
    assert!(accepted.is_accepted());
    assert_eq!(accepted.meta.invocation_id.as_deref(), Some("task_1"));

    // Each retry is signed anew: LocalFc refuses a reused nonce, so a replayed attempt would fail.
    let retrying = fc
        .client_builder()
        .retry(RetryPolicy::attempts(4).with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();
    fc.inject(Fault::throttle(2, fc_runtime::StatusCode::TOO_MANY_REQUESTS).for_function("echo"));
    let answer = retrying.invoke(InvokeRequest::fc3("echo").json_bytes("3")).await.unwrap();
    assert_eq!(&answer.body[..], b"3");
    assert_eq!(fc.requests("echo"), 3 + 2, "two throttled attempts, then the call; plus the two before");
}

#[tokio::test]
async fn fc3_names_and_ids_are_refused_before_sending() {
    let fc = fc3().await;
    let client = fc.client();
    for (req, field) in [
        (InvokeRequest::fc3("f".repeat(65)), InputField::FunctionName),
        (InvokeRequest::fc3("-lead"), InputField::FunctionName),
        (InvokeRequest::fc3("9lives"), InputField::FunctionName),
        (InvokeRequest::fc3("a.b"), InputField::FunctionName),
        (InvokeRequest::fc3("echo").qualifier("pr.od"), InputField::Qualifier),
        (InvokeRequest::fc3("echo").invocation_id("1task"), InputField::TaskId),
        (InvokeRequest::fc3("echo").invocation_id("t\r\nX: y"), InputField::TaskId),
    ] {
        let err = client.invoke(req).await.unwrap_err();
        assert!(matches!(&err, FcError::InvalidInput(e) if e.field == field), "{field:?}: {err}");
    }
    assert_eq!(fc.requests("echo"), 0);
}

mod typed {
    use std::future::Future;

    use bytes::Bytes;
    use fc_runtime::{Accepted, FcError, Invocation, fc_function, fc_service};

    /// The same kind of typed trait as for FC 2.0, aimed at FC 3.0 functions.
    #[fc_service(api = "3.0", timeout = "30s")]
    pub trait Fc3Demo {
        #[fc_function]
        async fn echo(&self, n: u64) -> Result<u64, FcError>;
        #[fc_function(function = "greet", qualifier = "prod", log = "tail")]
        async fn greet_traced(&self, name: String) -> Result<Invocation<String>, FcError>;
        #[fc_function(function = "echo", invocation = "async")]
        async fn later(&self, #[fc(invocation_id)] task: &str, n: u64) -> Result<Accepted, FcError>;
        #[fc_function(function = "echo_raw")]
        async fn raw(&self, data: Bytes) -> Result<Bytes, FcError>;
        #[fc_function(function = "fail")]
        fn fail(&self) -> impl Future<Output = Result<(), FcError>> + Send;
    }
}

#[tokio::test]
async fn typed_fc3_traits_call_fc3_functions() {
    use typed::Fc3Demo;
    let fc = fc3().await;
    let client = fc.client();
    assert_eq!(client.echo(41).await.unwrap(), 41);
    let traced = client.greet_traced("typed".into()).await.unwrap();
    assert_eq!(traced.value, "Hello, typed! (2)");
    assert!(traced.meta.log_tail.as_deref().is_some_and(|l| l.contains("greeting typed")));
    let accepted = client.later("task_typed", 5).await.unwrap();
    assert_eq!(accepted.invocation_id(), Some("task_typed"));
    assert_eq!(&client.raw(Bytes::from_static(b"\x01\x02")).await.unwrap()[..], b"\x01\x02");
    let err = client.fail().await.unwrap_err();
    assert_eq!(err.as_function().map(|f| f.message.as_str()), Some("no such order"));
    // A bad task id is refused before sending, named as FC 3.0 names it.
    let err = client.later("1st", 5).await.unwrap_err();
    assert!(matches!(&err, FcError::InvalidInput(e) if e.field == InputField::TaskId), "{err}");
}

#[tokio::test]
async fn async_tasks_get_list_page_and_stop() {
    use futures_util::StreamExt as _;
    let fc = fc3().await;
    let client = fc.client();
    for i in 0..5 {
        let req = InvokeRequest::fc3("sleep").invocation_id(format!("job_{i}")).json_bytes("5");
        assert!(client.invoke(req).await.unwrap().is_accepted());
    }
    client.invoke(InvokeRequest::fc3("sleep").invocation_id("long_one").json_bytes("60000")).await.unwrap();
    let sleep = Fc3FunctionRef::new("sleep");
    support::eventually(Duration::from_secs(10), "the five short tasks finished", || async {
        let succeeded = ListFilter::new().status(InvocationStatus::Succeeded);
        let page = client.list_async_tasks(&sleep, &succeeded).await.unwrap();
        (page.tasks.len() == 5).then_some(())
    })
    .await;

    let task = client.get_async_task(&sleep, "job_3").await.unwrap();
    assert_eq!((task.task_id.as_deref(), task.status.clone()), (Some("job_3"), Some(InvocationStatus::Succeeded)));
    assert_eq!(task.return_payload.as_deref(), Some("5"));
    assert!(task.function_arn.as_deref().is_some_and(|a| a.ends_with(":functions/sleep")), "{task:?}");
    let statuses: Vec<&str> = task.events.iter().filter_map(|e| e.status.as_deref()).collect();
    assert_eq!(statuses, ["Enqueued", "Dequeued", "Running", "Succeeded"]);

    // Paging by hand ends: the last page's empty token is `None`.
    let (mut query, mut seen, mut pages) = (ListFilter::new().limit(2), 0, 0);
    loop {
        let page = client.list_async_tasks(&sleep, &query).await.unwrap();
        seen += page.tasks.len();
        pages += 1;
        assert!(pages <= 3, "paging did not end");
        assert!(page.tasks.iter().all(|t| t.task_payload.is_none()), "payloads only when asked");
        match page.next_token {
            Some(token) => query = query.next_token(token),
            None => break,
        }
    }
    assert_eq!((seen, pages), (6, 3));
    let all: Vec<_> = client
        .async_tasks(sleep.clone(), ListFilter::new().limit(2).sort(SortOrder::Desc).include_payload(true))
        .collect()
        .await;
    let ids: Vec<String> = all.into_iter().map(|t| t.unwrap().task_id.unwrap()).collect();
    assert_eq!(ids, ["long_one", "job_4", "job_3", "job_2", "job_1", "job_0"]);
    let prefixed = client.list_async_tasks(&sleep, &ListFilter::new().prefix("long")).await.unwrap();
    assert_eq!(prefixed.tasks.len(), 1);

    client.stop_async_task(&sleep, "long_one").await.unwrap();
    let stopped = client.get_async_task(&sleep, "long_one").await.unwrap();
    assert!(matches!(stopped.status, Some(InvocationStatus::Stopped | InvocationStatus::Stopping)), "{stopped:?}");
    let err = client.get_async_task(&sleep, "nope").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.code(), Some(&fc_runtime::ErrorCode::AsyncTaskNotFound));
    let err = client.stop_async_task(&sleep, "job_3").await.unwrap_err();
    assert_eq!(err.code(), Some(&fc_runtime::ErrorCode::AsyncTaskFinished), "{err}");
    let err = client.get_async_task(&sleep, "9bad").await.unwrap_err();
    assert!(matches!(&err, FcError::InvalidInput(e) if e.field == InputField::TaskId), "{err}");
    let err = client.list_async_tasks(&sleep, &ListFilter::new().limit(101)).await.unwrap_err();
    assert!(matches!(&err, FcError::InvalidInput(e) if e.field == InputField::Limit), "{err}");
}

/// A hand-signed FC 3.0 request, to send what the client never would.
struct Hand {
    date: String,
    nonce: String,
    body: Vec<u8>,
    hashed_body: Vec<u8>,
    token: Option<&'static str>,
    key: (&'static str, &'static str),
}

impl Hand {
    fn new(nonce: &str) -> Self {
        Hand {
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            nonce: nonce.to_owned(),
            body: b"1".to_vec(),
            hashed_body: b"1".to_vec(),
            token: None,
            key: ("testKeyId", "testKeySecret"),
        }
    }

    /// The request head (without the body), signed over host, content-type and x-acs-*.
    fn head(&self, host: &str, path: &str, chunked: bool) -> String {
        use fc_runtime::sign::acs3::{Acs3Request, authorization, payload_hash};
        let hash = payload_hash(&self.hashed_body);
        let mut headers = vec![
            ("host", host.to_owned()),
            ("content-type", "application/octet-stream".to_owned()),
            ("x-acs-action", "InvokeFunction".to_owned()),
            ("x-acs-version", "2023-03-30".to_owned()),
            ("x-acs-date", self.date.clone()),
            ("x-acs-signature-nonce", self.nonce.clone()),
            ("x-acs-content-sha256", hash.clone()),
        ];
        if let Some(t) = self.token {
            headers.push(("x-acs-security-token", t.to_owned()));
        }
        let signed: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let auth = authorization(
            self.key.0,
            self.key.1,
            &Acs3Request { method: "POST", path, query: &[], headers: &signed, hashed_payload: &hash },
        );
        let mut head = format!("POST {path} HTTP/1.1\r\n");
        for (k, v) in &headers {
            head += &format!("{k}: {v}\r\n");
        }
        head += &format!("authorization: {auth}\r\nconnection: close\r\n");
        head += &if chunked {
            "transfer-encoding: chunked\r\n".to_owned()
        } else {
            format!("content-length: {}\r\n", self.body.len())
        };
        head + "\r\n"
    }

    /// Sends it over a raw connection and returns the status and the body.
    async fn send(&self, fc: &LocalFc, chunked: bool) -> (u16, String) {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let host = fc.addr().to_string();
        let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
        let mut request = self.head(&host, "/2023-03-30/functions/echo/invocations", chunked).into_bytes();
        if chunked {
            // Two chunks, as the official Node SDK streams bodies.
            let (a, b) = self.body.split_at(self.body.len() / 2);
            for part in [a, b] {
                request.extend(format!("{:x}\r\n", part.len()).as_bytes());
                request.extend(part);
                request.extend(b"\r\n");
            }
            request.extend(b"0\r\n\r\n");
        } else {
            request.extend(&self.body);
        }
        stream.write_all(&request).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, text.split("\r\n\r\n").nth(1).unwrap_or("").to_owned())
    }
}

#[tokio::test]
async fn local_fc_refuses_what_acs3_does_not_allow() {
    let fc = fc3().await;
    let (status, body) = Hand::new("n-ok").send(&fc, false).await;
    assert_eq!((status, body.as_str()), (200, "1"));
    // Chunked bodies (no content-length) are hashed whole.
    let mut chunked = Hand::new("n-chunked");
    chunked.body = b"chunked body".to_vec();
    chunked.hashed_body = chunked.body.clone();
    assert_eq!(chunked.send(&fc, true).await, (200, "chunked body".to_owned()));
    // A reused nonce is a replay.
    let (status, body) = Hand::new("n-ok").send(&fc, false).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("SignatureNonceUsed"), "{body}");
    let parsed = fc_runtime::FcError::from_answer(status, &http::HeaderMap::new(), body.as_bytes());
    assert_eq!(parsed.code(), Some(&fc_runtime::ErrorCode::SignatureNonceUsed), "{parsed}");
    // A date outside the window.
    let mut old = Hand::new("n-old");
    old.date =
        humantime::format_rfc3339_seconds(std::time::SystemTime::now() - Duration::from_secs(20 * 60)).to_string();
    let (status, body) = old.send(&fc, false).await;
    assert!(status == 403 && body.contains("RequestTimeTooSkewed"), "{status} {body}");
    // A body whose hash is not the signed one.
    let mut tampered = Hand::new("n-body");
    tampered.body = b"2".to_vec();
    let (status, body) = tampered.send(&fc, false).await;
    assert!(status == 400 && body.contains("x-acs-content-sha256"), "{status} {body}");
    // A wrong secret: SignatureNotMatch echoes the canonical request, the STS token masked.
    let mut wrong = Hand::new("n-wrong");
    wrong.key = ("STS.fc3", "not-the-secret");
    wrong.token = Some("sts-token");
    let (status, body) = wrong.send(&fc, false).await;
    assert!(status == 403 && body.contains("SignatureNotMatch") && body.contains("x-acs-security-token:***"), "{body}");
    assert!(!body.contains("sts-token"), "{body}");
    // An unknown key.
    let mut unknown = Hand::new("n-unknown");
    unknown.key = ("nobody", "x");
    let (status, body) = unknown.send(&fc, false).await;
    assert!(status == 403 && body.contains("InvalidAccessKeyID"), "{body}");
    assert_eq!(fc.executions("echo"), 2, "only the two valid requests ran");
}

/// An FC 3.0 task re-sent after its answer was lost is refused as a duplicate; the error's hint names the FC 3.0
/// method to check it with, not FC 2.0's.
#[tokio::test]
async fn a_task_resent_after_a_lost_answer_gets_the_fc3_hint() {
    let fc = fc3().await;
    let client = fc
        .client_builder()
        .retry(RetryPolicy::attempts(3).with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();
    fc.inject(Fault::drop_after_handler(1).for_function("echo"));
    let err = client.invoke(InvokeRequest::fc3("echo").invocation_id("task_1").json_bytes("1")).await.unwrap_err();
    let s = err.as_service().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(s.code, fc_runtime::ErrorCode::StatefulAsyncInvocationAlreadyExists);
    let hint = s.hint().unwrap_or_default();
    assert!(hint.contains("get_async_task") && !hint.contains("get_stateful_invocation"), "{hint:?}");
    // A refusal the client did not cause has no hint.
    let again = client.invoke(InvokeRequest::fc3("echo").invocation_id("task_1").json_bytes("1")).await.unwrap_err();
    assert_eq!(again.as_service().and_then(|s| s.hint()), None);
}
