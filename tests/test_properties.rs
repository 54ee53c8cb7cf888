//! Property tests: what the client signs LocalFc verifies, any change to a signed part is refused, and no
//! answer — whatever its bytes — makes the parsers panic.

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use fc_runtime::function::{Failure, Router};
use fc_runtime::local::LocalFc;

use fc_runtime::sign::{SignableRequest, authorization};
use fc_runtime::{
    Accepted, ErrorCode, FcError, FunctionErrorKind, InvocationMeta, InvocationType, InvokeRequest, LogType,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

fn name() -> impl Strategy<Value = String> {
    "[a-zA-Z_][a-zA-Z0-9_-]{0,40}"
}

fn valid_request() -> impl Strategy<Value = InvokeRequest> {
    let qualifier =
        prop_oneof![Just(None), Just(Some("LATEST".to_owned())), "[0-9]{1,5}".prop_map(Some), name().prop_map(Some)];
    let id = prop_oneof![Just(None), name().prop_map(Some)];
    // Surrounding spaces are refused before sending (HTTP strips them), so valid trace ids have none.
    let trace = prop_oneof![Just(None), "[ -~]{0,60}".prop_map(|t| Some(t.trim().to_owned()))];
    (name(), name(), qualifier, id, trace, any::<bool>(), any::<bool>(), proptest::collection::vec(any::<u8>(), 0..300))
        .prop_map(|(service, function, qualifier, id, trace, tail, raw, body)| {
            let mut req = InvokeRequest::new(service, function);
            if let Some(q) = qualifier {
                req = req.qualifier(q);
            }
            req = if raw { req.bytes(body) } else { req.json_bytes(body) };
            match id {
                Some(id) => req = req.invocation_id(id),
                None if tail => req = req.log_type(LogType::Tail),
                None => {}
            }
            if let Some(t) = trace {
                req = req.trace_id(t);
            }
            req
        })
}

/// Every valid request the client signs gets past LocalFc's signature check: the answer is the routing error
/// for a service that does not exist, never a 403.
#[test]
fn what_the_client_signs_local_fc_verifies() {
    let rt = runtime();
    let fc = rt.block_on(LocalFc::builder().start()).unwrap();
    let client = fc.client();
    let mut runner = TestRunner::new(Config { cases: 128, ..Config::default() });
    runner
        .run(&valid_request(), |req| {
            let async_call = req.invocation.invocation_type() == InvocationType::Async;
            let err = rt.block_on(client.invoke(req)).expect_err("no service exists");
            match &err {
                FcError::Service(s) => {
                    prop_assert_eq!(&s.code, &ErrorCode::ServiceNotFound, "{} (async {})", err, async_call)
                }
                other => prop_assert!(false, "unexpected {other:?}"),
            }
            Ok(())
        })
        .unwrap();
}

/// One part of a signed request, changed after signing.
#[derive(Debug, Clone)]
enum Tamper {
    Method,
    Path(usize),
    ContentType,
    Date,
    FcHeader(String),
    AddedFcHeader,
    Secret,
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        Just(Tamper::Method),
        (0usize..4).prop_map(Tamper::Path),
        Just(Tamper::ContentType),
        Just(Tamper::Date),
        "[ -~]{1,30}".prop_map(Tamper::FcHeader),
        Just(Tamper::AddedFcHeader),
        Just(Tamper::Secret),
    ]
}

#[test]
fn any_change_to_a_signed_part_is_refused() {
    let rt = runtime();
    let fc = rt
        .block_on(
            LocalFc::builder()
                .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
                .start(),
        )
        .unwrap();
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let path = "/2016-08-15/services/demo/functions/echo/invocations";
    let send = |method: &str, sent_path: &str, headers: &[(&str, String)], auth: String| {
        let mut r = http.request(method.parse().unwrap(), format!("{}{sent_path}", fc.endpoint()));
        for (k, v) in headers {
            r = r.header(*k, v);
        }
        let r = r.header("authorization", auth).body("1");
        rt.block_on(async move {
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            let body: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or_default();
            (status, body["ErrorCode"].as_str().unwrap_or_default().to_owned())
        })
    };
    let mut runner = TestRunner::new(Config { cases: 96, ..Config::default() });
    runner
        .run(&(tamper(), "[ -~]{1,30}"), |(tamper, trace)| {
            let date = httpdate::fmt_http_date(SystemTime::now());
            let mut headers: Vec<(&str, String)> = vec![
                ("date", date.clone()),
                ("content-type", "application/json".into()),
                ("x-fc-invocation-type", "Sync".into()),
                ("x-fc-trace-id", trace.trim().to_owned()),
            ];
            let sign = |secret: &str, headers: &[(&str, String)]| {
                let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                authorization(
                    "testKeyId",
                    secret,
                    &SignableRequest { method: "POST", path, headers: &pairs, query: &[] },
                )
            };
            let auth = sign("testKeySecret", &headers);
            // Untouched, it is accepted.
            prop_assert_eq!(send("POST", path, &headers, auth.clone()).0, 200);
            let (mut method, mut sent_path, mut auth) = ("POST", path.to_owned(), auth);
            match &tamper {
                Tamper::Method => method = "PUT",
                Tamper::Path(which) => {
                    sent_path = ["demo2", "echo2", "dem0", "ech0"]
                        .get(*which)
                        .map(|n| if n.starts_with("dem") { path.replace("demo", n) } else { path.replace("echo", n) })
                        .unwrap();
                }
                Tamper::ContentType => headers[1].1 = "application/octet-stream".into(),
                Tamper::Date => {
                    headers[0].1 = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
                    prop_assume!(headers[0].1 != date);
                }
                Tamper::FcHeader(value) => {
                    prop_assume!(value.trim() != headers[3].1);
                    headers[3].1 = value.trim().to_owned();
                }
                Tamper::AddedFcHeader => headers.push(("x-fc-log-type", "Tail".into())),
                Tamper::Secret => auth = sign("testKeySecreT", &headers),
            }
            let (status, code) = send(method, &sent_path, &headers, auth);
            prop_assert_eq!((status, code.as_str()), (403, "SignatureNotMatch"), "{:?}", tamper);
            Ok(())
        })
        .unwrap();
    assert_eq!(fc.executions(("demo", "echo")), fc.requests(("demo", "echo")));
}

fn header_map() -> impl Strategy<Value = HeaderMap> {
    let name = prop_oneof![
        Just("x-fc-error-type".to_owned()),
        Just("x-fc-log-result".to_owned()),
        Just("x-fc-invocation-duration".to_owned()),
        Just("x-fc-max-memory-usage".to_owned()),
        Just("x-fc-request-id".to_owned()),
        Just("x-fc-stateful-async-invocation-id".to_owned()),
        Just("retry-after".to_owned()),
        "[a-z][a-z0-9-]{0,20}",
    ];
    let value = prop_oneof![
        Just(b"HandledInvocationError".to_vec()),
        Just(b"UnhandledInvocationError".to_vec()),
        "[A-Za-z0-9+/=]{0,40}".prop_map(String::into_bytes),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec((name, value), 0..8).prop_map(|pairs| {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            if let (Ok(k), Ok(v)) = (HeaderName::from_bytes(k.as_bytes()), HeaderValue::from_bytes(&v)) {
                map.append(k, v);
            }
        }
        map
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        "\\{\"(ErrorCode|ErrorMessage|errorMessage|errorType|stackTrace)\":(\"[^\"]{0,20}\"|[0-9]{1,5}|\\[\\]|null)\\}"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 2000, ..Config::default() })]

    /// Arbitrary status, headers and body: a response or a typed error, never a panic, and the error's text and
    /// accessors work.
    #[test]
    fn parsing_arbitrary_answers_never_panics(status in 0u16..1000, headers in header_map(), body in body()) {
        let body = Bytes::from(body);
        let meta = InvocationMeta::from_headers(&headers);
        let _ = fc_runtime::FunctionError::parse(FunctionErrorKind::Unhandled, meta, body.clone()).to_string();
        let _ = FcError::from_answer(status, &headers, &body).to_string();
        match fc_runtime::InvokeResponse::parse(status, &headers, body) {
            Ok(answer) => {
                prop_assert!((200..300).contains(&status));
                let _ = fc_runtime::__private::decode_json::<serde_json::Value>(&answer);
                let _ = Accepted::from_response(answer);
            }
            Err(e) => {
                let _ = (e.to_string(), format!("{e:?}"), e.status(), e.request_id(), e.is_retryable());
            }
        }
    }
}
