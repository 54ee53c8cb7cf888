//! HTTP triggers held to the API path's guarantees: who answered is told by FC's marker (a function's own
//! Alibaba-style 404 stays its answer, a panic is FC's 502 `UnhandledInvocationError`), the function's
//! configuration acts through the trigger (its concurrency, injected faults, async records with FC's retries), a
//! JWT's passed claims cannot be spoofed by the caller, and a bearer trigger admits its enabled tokens only.

use std::time::Duration;

use examples::{DemoFunctions, DemoServer};
use examples_web::{DemoWeb, demo_web};
use fc_runtime::http_trigger::{HttpTriggerClient, TriggerRequests as _};
use fc_runtime::local::{CustomRuntime, Fault, FunctionConfig, HttpAuth, HttpTrigger, LocalFc, Namespace};
use fc_runtime::{Fc3FunctionRef, FcError, FunctionErrorKind, InvocationStatus, RetryPolicy, StatusCode};

/// The demo web function as the FC 3.0 function `web`, in process or as its own process, behind `trigger`.
async fn web(in_process: bool, config: FunctionConfig, trigger: HttpTrigger) -> LocalFc {
    let builder = if in_process {
        let router = DemoFunctions::default().into_router().http(demo_web());
        LocalFc::builder().function("web", router, config)
    } else {
        let mut names: Vec<&str> = <DemoFunctions as DemoServer>::FUNCTIONS.to_vec();
        names.push("web");
        let runtime = CustomRuntime::command(support::example_binary("function"));
        LocalFc::builder().custom_runtime_with(Namespace::Fc3, names, runtime, config)
    };
    builder.http_trigger("web", trigger).start().await.expect("LocalFc starts")
}

fn client(fc: &LocalFc) -> HttpTriggerClient {
    HttpTriggerClient::builder(fc.http_trigger_url("web").unwrap()).build().unwrap()
}

async fn markers_tell_who_answered(in_process: bool) {
    let fc = web(in_process, FunctionConfig::default(), HttpTrigger::anonymous("open")).await;
    let client = client(&fc);
    // The function's own error, shaped like FC's: still the function's answer.
    let err = client.photo("p1").await.unwrap_err();
    let http = err.as_http().unwrap_or_else(|| panic!("the function's own 404 is FcError::Http: {err:?}"));
    assert_eq!(http.status, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&http.body).contains("PhotoNotFound"));
    // A panic: FC's 502, the function failed.
    let err = client.panic().await.unwrap_err();
    let failed = err.as_function().unwrap_or_else(|| panic!("a panic is FcError::Function: {err:?}"));
    assert_eq!(failed.kind, FunctionErrorKind::Unhandled);
    assert_eq!(failed.error_type.as_deref(), Some("Panic"), "{failed:?}");
    assert!(failed.message.contains("panics on purpose"), "{failed:?}");
    assert!(failed.request_id.is_some());
    // FC's own refusal: a method the trigger does not take.
    let err = client.request(http::Method::TRACE, "/echo").send().await.unwrap_err();
    let refused = err.as_service().unwrap_or_else(|| panic!("FC's refusal is FcError::Service: {err:?}"));
    assert_eq!((refused.status.as_u16(), refused.code.as_str()), (403, "MethodNotAllowed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcs_markers_tell_who_answered_in_process() {
    markers_tell_who_answered(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fcs_markers_tell_who_answered_as_a_process() {
    markers_tell_who_answered(false).await;
}

/// `FunctionConfig::concurrency(1)` refuses a second request while one runs (its streamed answer holds the slot
/// until its body ends), and injected faults act through the trigger: FC's throttling is retried by the client
/// and runs nothing, a dropped connection is not re-sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_concurrency_and_faults_act_through_a_trigger() {
    let fc = web(true, FunctionConfig::default().concurrency(1), HttpTrigger::anonymous("open")).await;
    let once =
        HttpTriggerClient::builder(fc.http_trigger_url("web").unwrap()).retry(RetryPolicy::none()).build().unwrap();
    let mut slow = once.stream(5).await.unwrap();
    let err = once.echo("second").await.unwrap_err();
    let refused = err.as_service().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((refused.status.as_u16(), refused.code.as_str()), (429, "ResourceExhausted"));
    while slow.chunk().await.unwrap().is_some() {}
    support::eventually(Duration::from_secs(5), "the slot is free again", || {
        let once = once.clone();
        async move { once.echo("third").await.ok() }
    })
    .await;

    // FC's own 503, twice: the client retries (nothing ran), the third attempt runs once.
    let retrying = HttpTriggerClient::builder(fc.http_trigger_url("web").unwrap())
        .retry(RetryPolicy::attempts(3).with_backoff(Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();
    let (requests, executions) = (fc.requests("web"), fc.executions("web"));
    fc.inject(Fault::throttle(2, StatusCode::SERVICE_UNAVAILABLE));
    let greeting = retrying.greet(&examples::Greet { name: "after".into() }).await.unwrap();
    assert_eq!(greeting.greeting, "Hello, after!");
    assert_eq!(fc.requests("web") - requests, 3, "two throttled attempts and one that ran");
    assert_eq!(fc.executions("web") - executions, 1, "throttled attempts ran nothing");
    // A connection dropped after the function ran: a POST that may have run is not sent again.
    fc.inject(Fault::drop_after_handler(1));
    let err = retrying.greet(&examples::Greet { name: "dropped".into() }).await.unwrap_err();
    assert!(matches!(err, FcError::Transport(_)), "{err:?}");
    assert_eq!(fc.executions("web") - executions, 2, "the dropped call ran once, and only once");
}

/// An async call through a trigger is recorded like any async invocation and retried as FC retries: the demo's
/// `/panic` fails every attempt, so the record ends `Failed` after the configured retries.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_async_trigger_call_leaves_a_record_and_is_retried() {
    let config = FunctionConfig::default().async_retries(2).retry_delay(Duration::from_millis(10));
    let fc = web(true, config, HttpTrigger::anonymous("open")).await;
    let accepted = client(&fc).get("/panic").asynchronous().send().await.unwrap();
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let id = format!("async_{}", accepted.request_id.clone().unwrap());
    let api = fc.client();
    let function = Fc3FunctionRef::new("web");
    let task = support::eventually(Duration::from_secs(10), "the async task fails for good", || {
        let (api, function, id) = (api.clone(), function.clone(), id.clone());
        async move {
            let task = api.get_async_task(&function, &id).await.ok()?;
            (task.status == Some(InvocationStatus::Failed)).then_some(task)
        }
    })
    .await;
    assert_eq!(task.already_retried_times, Some(2), "{task:?}");
    assert!(task.task_error_message.as_deref().is_some_and(|m| m.contains("panics on purpose")), "{task:?}");
    assert_eq!(fc.executions("web"), 3, "the first attempt and two retries");
    // A successful one records the answer's body.
    let accepted = client(&fc).get("/echo").query("text", "later").asynchronous().send().await.unwrap();
    let id = format!("async_{}", accepted.request_id.unwrap());
    let task = support::eventually(Duration::from_secs(10), "the async task succeeds", || {
        let (api, function, id) = (api.clone(), function.clone(), id.clone());
        async move {
            let task = api.get_async_task(&function, &id).await.ok()?;
            (task.status == Some(InvocationStatus::Succeeded)).then_some(task)
        }
    })
    .await;
    assert_eq!(task.return_payload.as_deref(), Some("later"));
}

mod jwt {
    use super::*;

    const JWKS: &str = include_str!("fixtures/jwt/jwks.json");
    const PRIVATE_KEY: &[u8] = include_bytes!("fixtures/jwt/rs256-private.pem");

    fn token(claims: serde_json::Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("test-rs256".into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    async fn start(pass: &str) -> LocalFc {
        let jwks: serde_json::Value = serde_json::from_str(JWKS).unwrap();
        let config =
            serde_json::json!({"JWKS": jwks, "TokenLookup": "header:Authorization:Bearer", "ClaimPassBy": pass});
        web(true, FunctionConfig::default(), HttpTrigger::jwt("jwt", config.to_string())).await
    }

    /// `ClaimPassBy: query:name:text`: a valid token without `name` and `/echo?text=admin` must not echo `admin`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_missing_claim_cannot_be_supplied_by_the_caller() {
        let fc = start("query:name:text").await;
        let url = &fc.http_trigger_url("web").unwrap();
        let without = HttpTriggerClient::builder(url).bearer(token(serde_json::json!({"sub": "u1"}))).build().unwrap();
        assert_eq!(without.get("/echo").query("text", "admin").send().await.unwrap().text().unwrap(), "");
        let with = HttpTriggerClient::builder(url).bearer(token(serde_json::json!({"name": "Ann"}))).build().unwrap();
        assert_eq!(with.get("/echo").query("text", "admin").send().await.unwrap().text().unwrap(), "Ann");
    }

    /// `ClaimPassBy: header:name:x-name`: the caller's own `x-name` is replaced, a non-ASCII claim arrives
    /// percent-encoded, and `Connection: x-name` (dropped before authentication) cannot delete the claim's header.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_claims_header_is_the_tokens_whatever_the_caller_sends() {
        let fc = start("header:name:x-name").await;
        let url = fc.http_trigger_url("web").unwrap().to_owned();
        let header = |claims: serde_json::Value, extra: &'static [(&'static str, &'static str)]| {
            let url = url.clone();
            async move {
                let mut request = reqwest::Client::builder()
                    .no_proxy()
                    .build()
                    .unwrap()
                    .get(format!("{url}/header?name=x-name"))
                    .header("authorization", format!("Bearer {}", token(claims)));
                for (k, v) in extra {
                    request = request.header(*k, *v);
                }
                let resp = request.send().await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.text().await.unwrap()
            }
        };
        assert_eq!(header(serde_json::json!({}), &[("x-name", "admin")]).await, "");
        assert_eq!(header(serde_json::json!({"name": "Ann"}), &[("x-name", "admin")]).await, "Ann");
        assert_eq!(header(serde_json::json!({"name": "Zoë"}), &[]).await, "Zo%C3%AB");
        assert_eq!(header(serde_json::json!({"name": "Ann"}), &[("connection", "x-name")]).await, "Ann");
    }

    /// `ClaimPassBy: cookie:name:who`: a `;` in the claim cannot add a cookie of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cookie_claim_is_encoded() {
        let fc = start("cookie:name:who").await;
        let url = &fc.http_trigger_url("web").unwrap();
        let client =
            HttpTriggerClient::builder(url).bearer(token(serde_json::json!({"name": "x; admin=1"}))).build().unwrap();
        let cookie = client.get("/header").query("name", "cookie").header("cookie", "who=me; admin=0").send().await;
        assert_eq!(cookie.unwrap().text().unwrap(), "admin=0; who=x%3B%20admin=1");
    }
}

/// A bearer trigger admits the enabled tokens of its `authConfig` and nothing else, with FC's refusals.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bearer_trigger_admits_its_enabled_tokens_only() {
    let (enabled, disabled) =
        ("ci-token-0123456789abcdefghijklmnopqrstuv", "old-token-0123456789abcdefghijklmnopqrstu");
    let config = serde_json::json!({"tokens": [
        {"name": "ci", "token": enabled},
        {"name": "old", "token": disabled, "enabled": false},
    ]});
    let fc = web(true, FunctionConfig::default(), HttpTrigger::bearer("bearer", config.to_string())).await;
    assert_eq!(fc.http_triggers()[0].auth, HttpAuth::Bearer);
    let url = &fc.http_trigger_url("web").unwrap();
    let with = |token: &str| HttpTriggerClient::builder(url).bearer(token).build().unwrap();
    assert_eq!(with(enabled).echo("in").await.unwrap(), "in");
    let refused = |e: FcError| e.as_service().map(|s| (s.status.as_u16(), s.code.to_string()));
    assert_eq!(refused(with(disabled).echo("x").await.unwrap_err()), Some((403, "AccessDenied".into())));
    assert_eq!(refused(with("nope").echo("x").await.unwrap_err()), Some((403, "AccessDenied".into())));
    assert_eq!(refused(client(&fc).echo("x").await.unwrap_err()), Some((400, "MissingRequiredHeader".into())));
    assert_eq!(fc.executions("web"), 1, "only the enabled token's call ran");
    let err = LocalFc::builder()
        .function("web", fc_runtime::function::Router::new().http(demo_web()), FunctionConfig::default())
        .http_trigger("web", HttpTrigger::bearer("bad", r#"{"tokens": []}"#))
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("1 to 20"), "{err}");
}

/// Routes may be called anything a method may: `get`, `delete`, `post`, `put`, `request`, `url` are the routes
/// when called on the client (it has no method of its own that would hide them).
mod routes_named_as_users_name_them {
    use fc_runtime::{FcError, fc_http};

    #[fc_http]
    pub trait Photos {
        #[route(GET, "/photos/{id}")]
        async fn get(&self, id: &str) -> Result<String, FcError>;
        #[route(DELETE, "/photos/{id}")]
        async fn delete(&self, id: &str) -> Result<String, FcError>;
        #[route(POST, "/photos")]
        async fn post(&self, #[fc(body)] title: String) -> Result<String, FcError>;
        #[route(PUT, "/photos/{id}")]
        async fn put(&self, id: &str) -> Result<String, FcError>;
        #[route(GET, "/request")]
        async fn request(&self) -> Result<String, FcError>;
        #[route(GET, "/url")]
        async fn url(&self) -> Result<String, FcError>;
        /// A repeated query parameter.
        #[route(GET, "/tags")]
        async fn tags(
            &self,
            #[fc(query = "tag")] tags: &[&str],
            #[fc(query)] page: Vec<u32>,
        ) -> Result<String, FcError>;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn each_route_is_called_by_its_own_name() {
        let echo = |request: axum::extract::Request| async move {
            let text = axum::body::to_bytes(request.into_body(), 1024).await.unwrap_or_default();
            String::from_utf8_lossy(&text).into_owned()
        };
        let answer = |request: axum::extract::Request| async move {
            match request.uri().query() {
                Some(query) => format!("{} {}?{query}", request.method(), request.uri().path()),
                None => format!("{} {}", request.method(), request.uri().path()),
            }
        };
        let app = axum::Router::new().route("/photos", axum::routing::post(echo)).fallback(answer);
        let router = fc_runtime::function::Router::new().http(app);
        let fc = super::LocalFc::builder()
            .function("photos", router, super::FunctionConfig::default())
            .http_trigger("photos", super::HttpTrigger::anonymous("open"))
            .start()
            .await
            .unwrap();
        let client = super::HttpTriggerClient::builder(fc.http_trigger_url("photos").unwrap()).build().unwrap();
        assert_eq!(client.get("p1").await.unwrap(), "GET /photos/p1");
        assert_eq!(client.delete("p1").await.unwrap(), "DELETE /photos/p1");
        assert_eq!(client.post("title".into()).await.unwrap(), "title");
        assert_eq!(client.put("p2").await.unwrap(), "PUT /photos/p2");
        assert_eq!(client.request().await.unwrap(), "GET /request");
        assert_eq!(client.url().await.unwrap(), "GET /url");
        assert_eq!(client.tags(&["a b", "c"], vec![1, 2]).await.unwrap(), "GET /tags?tag=a+b&tag=c&page=1&page=2");
    }
}

/// The trigger client reads an answer up to its `max_response_bytes` and no further, whole or streamed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_client_reads_no_more_than_its_limit() {
    let fc = web(true, FunctionConfig::default(), HttpTrigger::anonymous("open")).await;
    let small =
        HttpTriggerClient::builder(fc.http_trigger_url("web").unwrap()).max_response_bytes(1024).build().unwrap();
    let err = small.bytes(&[7u8; 4096]).await.unwrap_err();
    assert!(matches!(err, FcError::Decode(_)) && err.to_string().contains("max_response_bytes"), "{err}");
    assert_eq!(small.bytes(&[7u8; 512]).await.unwrap().len(), 512);
    let mut stream = small.stream(100).await.unwrap();
    let err = loop {
        match stream.chunk().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the whole stream was read past the limit"),
            Err(e) => break e,
        }
    };
    assert!(err.to_string().contains("max_response_bytes"), "{err}");
}
