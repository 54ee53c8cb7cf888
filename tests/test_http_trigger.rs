//! HTTP triggers end to end: the typed client, signing as `authType = function` requires → LocalFc's HTTP trigger
//! (FC's request rules, the signature checked) → the demo web function, in process and in the `function`
//! example's own process (an axum router beside the trait's `POST /invoke`), streaming included; the official
//! signing utility as referee both ways; and the refusals (unsigned, mis-signed, stale, forbidden headers, over
//! the limits).

use std::time::Duration;

use examples::{DemoFunctions, DemoServer, Greet, Greeting};
use examples_web::{DemoWeb, demo_web};
use fc_runtime::http_trigger::{HttpTriggerClient, TriggerRequests as _};
use fc_runtime::local::{CustomRuntime, FunctionConfig, HttpAuth, HttpTrigger, LocalFc, Namespace};
use fc_runtime::{Credentials, FcError};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Hosting {
    InProcess,
    Process,
}

/// The demo web function as the FC 3.0 function `web`, behind a signed HTTP trigger.
async fn web_function(how: Hosting) -> LocalFc {
    let builder = match how {
        Hosting::InProcess => {
            let router = DemoFunctions::default().into_router().http(demo_web());
            LocalFc::builder().function("web", router, FunctionConfig::default())
        }
        Hosting::Process => {
            let mut names: Vec<&str> = <DemoFunctions as DemoServer>::FUNCTIONS.to_vec();
            names.push("web");
            LocalFc::builder().custom_runtime(
                Namespace::Fc3,
                names,
                CustomRuntime::command(support::example_binary("function")),
            )
        }
    };
    builder.http_trigger("web", HttpTrigger::signed("demo-web")).start().await.expect("LocalFc starts")
}

fn signed(fc: &LocalFc) -> HttpTriggerClient {
    let url = fc.http_trigger_url("web").expect("the trigger listens");
    HttpTriggerClient::builder(url).sign_with(Credentials::new("testKeyId", "testKeySecret")).build().unwrap()
}

async fn every_route(how: Hosting) {
    let fc = web_function(how).await;
    assert_eq!(fc.http_triggers()[0].auth, HttpAuth::Function);
    let client = signed(&fc);
    // Through the typed stubs of `DemoWeb` (`#[fc_http]`).
    let greeting = client.greet(&Greet { name: "Ann".into() }).await.unwrap();
    assert_eq!(greeting.greeting, "Hello, Ann!");
    assert_eq!(client.echo("a b&c/é").await.unwrap(), "a b&c/é");
    let answer = client.get("/echo").query("text", "x").send().await.unwrap();
    assert!(answer.request_id.is_some());
    assert_eq!(answer.headers["content-type"], "text/plain; charset=utf-8");
    let raw = vec![0u8, 159, 146, 150, 255, b'\n'];
    assert_eq!(&client.bytes(&raw).await.unwrap()[..], &raw[..]);
    let echoed = client.post("/bytes").bytes(raw.clone()).send().await.unwrap();
    assert_eq!(echoed.headers["content-type"], "application/octet-stream");
    // The function's own error status: a typed error with its status, request id and errorType.
    let err = client.fail().await.unwrap_err();
    let http = err.as_http().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((http.status.as_u16(), http.error_type.as_deref()), (500, Some("DemoError")));
    assert_eq!(http.error_message.as_deref(), Some("greeting refused"));
    assert!(http.request_id.is_some());
    // Tail: the invocation's own lines.
    let traced = client.greet_traced(&Greet { name: "Bo".into() }).await.unwrap();
    assert_eq!(traced.value.greeting, "Hello, Bo!");
    let tail = traced.log_tail().unwrap();
    let id = traced.request_id.clone().unwrap();
    assert!(tail.contains(&format!("FC Invoke Start RequestId: {id}")), "{tail}");
    assert!(tail.contains(&format!("{id} [INFO] greeting Bo over HTTP")), "{tail}");
    // Async: accepted at once, run in the background.
    let before = fc.executions("web");
    let accepted = client.greet_later(&Greet { name: "later".into() }).await.unwrap();
    assert_eq!(accepted.status.as_u16(), 202);
    support::eventually_true(Duration::from_secs(10), "the async request ran", || fc.executions("web") > before).await;
    // Streaming: the lines arrive as the function produces them, not all at once.
    let mut stream = client.stream(5).await.unwrap();
    let (mut chunks, mut text) = (0, String::new());
    while let Some(chunk) = stream.chunk().await.unwrap() {
        chunks += 1;
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert_eq!(text.lines().collect::<Vec<_>>(), (1..=5).map(|i| format!("line {i} of 5")).collect::<Vec<_>>());
    assert!(chunks >= 3, "{chunks} chunks: the answer was not streamed");
    // FC's request id is passed on; the runtime's own x-fc-* headers of `POST /invoke` are not sent here.
    assert!(stream.request_id.is_some() && stream.headers.get("x-fc-status").is_none(), "{:?}", stream.headers);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_web_function_in_process() {
    every_route(Hosting::InProcess).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_of_the_web_function_as_its_own_process() {
    every_route(Hosting::Process).await;
}

/// The same process still serves the trait's `POST /invoke` calls beside the web routes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_process_serves_events_and_http() {
    let fc = web_function(Hosting::Process).await;
    let api = fc.client();
    let greeting = fc_runtime::InvokeRequest::fc3("greet").json_bytes(r#"{"name":"API"}"#);
    assert_eq!(&api.invoke(greeting).await.unwrap().body[..], br#"{"greeting":"Hello, API!"}"#);
    let web: Greeting =
        signed(&fc).post("/greet").json(&Greet { name: "web".into() }).unwrap().send().await.unwrap().json().unwrap();
    assert_eq!(web.greeting, "Hello, web!");
}

/// What FC refuses before the function runs, with FC's status and error code, each marked as FC's own answer
/// (`X-Fc-Error-Type: FcCommonError`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trigger_refuses_what_fc_refuses() {
    let fc = web_function(Hosting::InProcess).await;
    let url = fc.http_trigger_url("web").unwrap().to_owned();
    let raw = reqwest::Client::builder().no_proxy().build().unwrap();
    let code =
        |body: &str| serde_json::from_str::<serde_json::Value>(body).unwrap()["Code"].as_str().unwrap().to_owned();
    // Unsigned: a bad request, as the HTTP-trigger FAQ's table has it.
    let resp = raw.post(format!("{url}/greet")).body("{}").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(resp.headers()["x-fc-error-type"], "FcCommonError");
    assert!(resp.text().await.unwrap().contains("x-acs-date was not specified"));
    // Dated but not signed.
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let resp = raw.get(format!("{url}/echo?text=x")).header("x-acs-date", &now).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), &resp.headers()["x-fc-error-type"]), (400, &"FcCommonError".parse().unwrap()));
    // A method the trigger does not accept: 403.
    let resp = raw.request(reqwest::Method::TRACE, format!("{url}/echo")).send().await.unwrap();
    assert_eq!((resp.status().as_u16(), &resp.headers()["x-fc-error-type"]), (403, &"FcCommonError".parse().unwrap()));
    // Signed with the wrong secret.
    let wrong =
        HttpTriggerClient::builder(&url).sign_with(Credentials::new("testKeyId", "not-the-secret")).build().unwrap();
    let err = wrong.post("/greet").json(&Greet { name: "x".into() }).unwrap().send().await.unwrap_err();
    assert_eq!(
        err.as_service().map(|e| (e.status.as_u16(), e.code.to_string())),
        Some((403, "SignatureNotMatch".into()))
    );
    // An unknown key.
    let unknown = HttpTriggerClient::builder(&url).sign_with(Credentials::new("nobody", "s")).build().unwrap();
    let err = unknown.get("/echo").query("text", "x").send().await.unwrap_err();
    assert_eq!(err.code().map(ToString::to_string).as_deref(), Some("InvalidAccessKeyID"));
    // Stale: a date 20 minutes old, signed correctly.
    let stale = humantime::format_rfc3339_seconds(std::time::SystemTime::now() - Duration::from_secs(1200)).to_string();
    let auth = fc_runtime::sign::http_trigger::authorization(
        "testKeyId",
        "testKeySecret",
        &fc_runtime::sign::http_trigger::TriggerRequest {
            method: "GET",
            path: "/echo",
            query: &[("text", "x")],
            date: &stale,
            security_token: "",
        },
    );
    let resp = raw
        .get(format!("{url}/echo?text=x"))
        .header("x-acs-date", &stale)
        .header("x-acs-security-token", "")
        .header("authorization", auth)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(code(&resp.text().await.unwrap()), "RequestTimeTooSkewed");
    // A client x-fc-* header, and the limits.
    let client = signed(&fc);
    let err = client.get("/echo").header("x-fc-trace-id", "t").send().await.unwrap_err();
    assert!(matches!(err, FcError::InvalidInput(_)), "refused before sending: {err:?}");
    let resp = raw.get(format!("{url}/echo?text=x")).header("x-fc-trace-id", "t").send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(code(&resp.text().await.unwrap()), "InvalidArgument");
    let long = "a".repeat(5000);
    let err = client.get("/echo").query("text", &long).send().await.unwrap_err();
    assert_eq!(err.code().map(ToString::to_string).as_deref(), Some("InvalidArgument"), "{err:?}");
    let big = vec![b'x'; 200 * 1024];
    let err = client.post("/bytes").bytes(big).asynchronous().send().await.unwrap_err();
    assert_eq!(err.code().map(ToString::to_string).as_deref(), Some("EntityTooLarge"), "{err:?}");
    // Nothing of that reached the function.
    assert_eq!(fc.executions("web"), 0);
}

/// The official documentation's Python sample, with the official signing utility, calls LocalFc's trigger and is
/// accepted; the same request tampered with is refused; and the utility, given what this client sent, computes
/// the same `Authorization`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_signing_utility_is_the_referee() {
    let fc = web_function(Hosting::InProcess).await;
    let url = fc.http_trigger_url("web").unwrap().to_owned();
    let script = r#"
import sys, time, urllib.request
from Tea.request import TeaRequest
from alibabacloud_tea_openapi.utils import Utils
url, tamper = sys.argv[1], sys.argv[2] == "tamper"
date = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
headers = {'x-acs-date': date, 'x-acs-security-token': ''}
req = TeaRequest(); req.method = 'GET'; req.pathname = '/echo'; req.headers = headers; req.query = {'text': 'from python'}
headers['authorization'] = Utils.get_authorization(req, 'ACS3-HMAC-SHA256', '', 'testKeyId', 'testKeySecret')
query = 'text=from%20python' + ('&extra=1' if tamper else '')
r = urllib.request.Request(url + '/echo?' + query, headers=headers)
try:
    print(urllib.request.urlopen(r).status, end=' ')
    print(urllib.request.urlopen(r).read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
"#;
    let python = support::sdk_python();
    let run = |tamper: &str| {
        let out = std::process::Command::new(&python).args(["-c", script, &url, tamper]).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(run("no").trim(), "200 from python");
    let tampered = run("tamper");
    assert!(tampered.starts_with("403") && tampered.contains("SignatureNotMatch"), "{tampered}");

    // The client's own request, recorded, re-signed by the utility.
    let (recorder, sent) = record_requests().await;
    let client = HttpTriggerClient::builder(recorder)
        .sign_with(Credentials::new("LTAI-referee", "referee-secret").with_security_token("sts-token"))
        .build()
        .unwrap();
    client
        .put("/albums/a b/$x")
        .query("sort", "new est")
        .query("a", "1")
        .text("body is not signed")
        .send()
        .await
        .unwrap();
    let sent = sent.lock().unwrap().pop().unwrap();
    let check = r#"
import sys, json
from Tea.request import TeaRequest
from alibabacloud_tea_openapi.utils import Utils
sent = json.loads(sys.argv[1])
req = TeaRequest(); req.method = sent['method']; req.pathname = sent['path']
req.headers = {'x-acs-date': sent['headers']['x-acs-date'], 'x-acs-security-token': sent['headers']['x-acs-security-token']}
req.query = dict(sent['query'])
print(Utils.get_authorization(req, 'ACS3-HMAC-SHA256', '', 'LTAI-referee', 'referee-secret'))
"#;
    let out = std::process::Command::new(&python).args(["-c", check, &sent.to_string()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let official = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(sent["headers"]["authorization"].as_str(), Some(official.as_str()));
    assert_eq!(sent["headers"]["x-acs-security-token"].as_str(), Some("sts-token"));
}

/// A loopback server that answers `200 ok` and records each request: method, path as sent, decoded query pairs,
/// headers.
async fn record_requests() -> (String, std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use hyper::service::service_fn;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>> = Default::default();
    let record = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let record = record.clone();
                    async move {
                        let headers: serde_json::Map<String, serde_json::Value> = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").into()))
                            .collect();
                        let query: Vec<(String, String)> =
                            form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()).into_owned().collect();
                        record.lock().unwrap().push(serde_json::json!({
                            "method": req.method().as_str(),
                            "path": req.uri().path(),
                            "query": query,
                            "headers": headers,
                        }));
                        Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(
                            bytes::Bytes::from_static(b"ok"),
                        )))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (url, seen)
}

/// The typed stubs of `#[fc_http]`: path parameters (encoded as one segment each, also inside a segment),
/// optional query parameters, a header, each kind of body and result — against an axum router that reports what
/// it received, behind an anonymous trigger.
mod typed {
    use axum::extract::{Path, Query, RawQuery};
    use axum::http::HeaderMap;
    use axum::routing::{get, post, put};
    use fc_runtime::http_trigger::{HttpTriggerClient, Reply, TriggerRequests as _, TriggerResponse};
    use fc_runtime::local::{FunctionConfig, HttpTrigger, LocalFc};
    use fc_runtime::{Bytes, FcError, fc_http};
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Serialize, Deserialize, PartialEq)]
    pub struct Album {
        id: String,
        title: String,
    }

    #[fc_http]
    pub trait Albums {
        #[route(GET, "/albums/{id}", idempotent)]
        async fn album(&self, id: &str) -> Result<Album, FcError>;

        #[route(GET, "/albums/{id}/tracks/{name}.txt")]
        async fn track(&self, id: u32, name: &str, #[fc(query)] sort: Option<&str>) -> Result<String, FcError>;

        #[route(PUT, "/albums/{id}")]
        async fn rename(
            &self,
            id: &str,
            #[fc(body)] album: &Album,
            #[fc(header = "X-Request-Tag")] tag: &str,
            #[fc(query = "dry-run")] dry_run: bool,
        ) -> Result<Reply<Album>, FcError>;

        #[route(POST, "/raw")]
        async fn raw(&self, #[fc(body)] data: Vec<u8>) -> Result<Vec<u8>, FcError>;

        #[route(POST, "/text")]
        async fn text(&self, #[fc(body)] text: String) -> Result<TriggerResponse, FcError>;

        #[route(GET, "/missing")]
        async fn missing(&self) -> Result<(), FcError>;

        #[route(GET, "/")]
        async fn root(&self) -> Result<Bytes, FcError>;
    }

    mod wrong {
        use fc_runtime::{FcError, fc_http};

        /// `GET /albums/{id}` expecting the wrong type.
        #[fc_http]
        pub trait Wrong {
            #[route(GET, "/albums/{id}")]
            async fn album(&self, id: u32) -> Result<Vec<u32>, FcError>;
        }
    }

    fn router() -> axum::Router {
        axum::Router::new()
            .route("/", get(|| async { "root" }))
            .route(
                "/albums/{id}",
                get(|Path(id): Path<String>| async move { axum::Json(Album { title: format!("title of {id}"), id }) })
                    .put(
                        |Path(id): Path<String>,
                         headers: HeaderMap,
                         RawQuery(q): RawQuery,
                         axum::Json(album): axum::Json<Album>| async move {
                            let tag = headers["x-request-tag"].to_str().unwrap().to_owned();
                            axum::Json(Album {
                                id,
                                title: format!("{} ({tag}, {})", album.title, q.unwrap_or_default()),
                            })
                        },
                    ),
            )
            .route(
                "/albums/{id}/tracks/{file}",
                get(
                    |Path((id, file)): Path<(String, String)>,
                     Query(q): Query<std::collections::HashMap<String, String>>| async move {
                        format!("{id}|{file}|{:?}", q.get("sort"))
                    },
                ),
            )
            .route("/raw", post(|body: Bytes| async move { body }))
            .route(
                "/whoami",
                get(|axum::Extension(ctx): axum::Extension<fc_runtime::function::Context>| async move {
                    let current = fc_runtime::function::context().map(|c| c.request_id().to_owned());
                    format!("{} {}", ctx.request_id(), current.unwrap_or_default())
                }),
            )
            .route("/text", put(|| async { "" }).post(|body: String| async move { body.to_uppercase() }))
    }

    async fn client() -> (LocalFc, HttpTriggerClient) {
        let router = fc_runtime::function::Router::new().http(router());
        let fc = LocalFc::builder()
            .function("albums", router, FunctionConfig::default())
            .http_trigger("albums", HttpTrigger::anonymous("albums-http"))
            .start()
            .await
            .unwrap();
        let client = HttpTriggerClient::builder(fc.http_trigger_url("albums").unwrap()).build().unwrap();
        (fc, client)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_kind_of_argument_and_result() {
        let (_fc, client) = client().await;
        let album = client.album("a b/c?").await.unwrap();
        assert_eq!(album, Album { id: "a b/c?".into(), title: "title of a b/c?".into() });
        assert_eq!(client.track(7, "intro", None).await.unwrap(), "7|intro.txt|None");
        assert_eq!(client.track(7, "in/tro", Some("new est")).await.unwrap(), "7|in/tro.txt|Some(\"new est\")");
        let renamed = client.rename("x", &Album { id: "x".into(), title: "New".into() }, "tag-1", true).await.unwrap();
        assert_eq!(renamed.value.title, "New (tag-1, dry-run=true)");
        assert_eq!(renamed.status, 200);
        assert!(renamed.request_id.is_some() && renamed.log_tail().is_none());
        let raw = vec![0u8, 255, 1];
        assert_eq!(client.raw(raw.clone()).await.unwrap(), raw);
        let answer = client.text("shout".into()).await.unwrap();
        assert_eq!((answer.status.as_u16(), answer.text().unwrap().as_str()), (200, "SHOUT"));
        assert_eq!(&client.root().await.unwrap()[..], b"root");
        // The invocation's Context, in the request's extensions and current, is FC's request id.
        let who = client.get("/whoami").send().await.unwrap();
        let id = who.request_id.clone().unwrap();
        assert_eq!(who.text().unwrap(), format!("{id} {id}"));
        // axum's 404: not FC's refusal, the function's own answer.
        let err = client.missing().await.unwrap_err();
        assert_eq!(err.as_http().map(|e| e.status.as_u16()), Some(404), "{err:?}");
        // A JSON answer that does not decode names the field.
        let err = wrong::Wrong::album(&client, 1).await.unwrap_err();
        assert!(err.to_string().contains("not the expected JSON"), "{err}");
    }
}

/// A JWT trigger: the JWKS verifies the token (RS256, from the header or a cookie), its claims reach the function
/// as `ClaimPassBy` says; no token, an expired one, or one signed by another key is FC's 401.
mod jwt {
    use examples_web::demo_web;
    use fc_runtime::http_trigger::{HttpTriggerClient, TriggerRequests as _};
    use fc_runtime::local::{FunctionConfig, HttpAuth, HttpTrigger, LocalFc, StartError};

    const JWKS: &str = include_str!("fixtures/jwt/jwks.json");
    const PRIVATE_KEY: &[u8] = include_bytes!("fixtures/jwt/rs256-private.pem");

    fn token(claims: serde_json::Value) -> String {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some("test-rs256".into());
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(PRIVATE_KEY).unwrap();
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    }

    fn now() -> u64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
    }

    fn config() -> String {
        let jwks: serde_json::Value = serde_json::from_str(JWKS).unwrap();
        serde_json::json!({
            "JWKS": jwks,
            "TokenLookup": "header:Authorization:Bearer,cookie:jwt",
            "ClaimPassBy": "query:name:text",
        })
        .to_string()
    }

    async fn start(config: String) -> Result<LocalFc, StartError> {
        let router = fc_runtime::function::Router::new().http(demo_web());
        LocalFc::builder()
            .function("web", router, FunctionConfig::default())
            .http_trigger("web", HttpTrigger::jwt("jwt-web", config))
            .start()
            .await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_token_is_verified_and_its_claims_passed_on() {
        let fc = start(config()).await.unwrap();
        assert_eq!(fc.http_triggers()[0].auth, HttpAuth::Jwt);
        let url = &fc.http_trigger_url("web").unwrap();
        let valid = token(serde_json::json!({"name": "jwt user", "exp": now() + 600}));
        let client = HttpTriggerClient::builder(url).bearer(&valid).build().unwrap();
        // `GET /echo` echoes `text`, which the gateway set from the `name` claim.
        assert_eq!(client.get("/echo").send().await.unwrap().text().unwrap(), "jwt user");
        let anonymous = HttpTriggerClient::builder(url).build().unwrap();
        let by_cookie = anonymous.get("/echo").header("cookie", &format!("jwt={valid}")).send().await.unwrap();
        assert_eq!(by_cookie.text().unwrap(), "jwt user");

        let refused = |e: fc_runtime::FcError| e.as_service().map(|s| (s.status.as_u16(), s.code.to_string()));
        let err = anonymous.get("/echo").send().await.unwrap_err();
        assert_eq!(refused(err), Some((401, "InvalidJWT".into())));
        let expired = token(serde_json::json!({"name": "x", "exp": now() - 3600}));
        let err = HttpTriggerClient::builder(url).bearer(expired).build().unwrap().get("/echo").send().await;
        assert_eq!(refused(err.unwrap_err()), Some((401, "InvalidJWT".into())));
        // Signed with another key (HS256 with a secret): refused.
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some("test-rs256".into());
        let forged = jsonwebtoken::encode(
            &header,
            &serde_json::json!({"name": "x"}),
            &jsonwebtoken::EncodingKey::from_secret(b"guess").unwrap(),
        )
        .unwrap();
        let err = HttpTriggerClient::builder(url).bearer(forged).build().unwrap().get("/echo").send().await;
        assert_eq!(refused(err.unwrap_err()), Some((401, "InvalidJWT".into())));
        assert_eq!(fc.executions("web"), 2, "only the two valid calls ran");
    }

    #[tokio::test]
    async fn a_config_fc_would_refuse_does_not_start() {
        let err =
            start(r#"{"JWKS": {"keys": []}, "TokenLookup": "header:Authorization:Bearer"}"#.into()).await.unwrap_err();
        assert!(matches!(&err, StartError::InvalidTrigger { .. }), "{err}");
        assert!(err.to_string().contains("no key"), "{err}");
    }
}

/// The gateway holds whatever a function answers to FC's response rules: the headers FC forbids a function to
/// send are dropped (a custom runtime not written with this crate may send them), response headers over 8 KB are
/// `502 BadResponse`, and FC's request id is added. The runtime here is a bare server answering raw HTTP; the
/// trigger is served over an in-memory connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_gateway_holds_answers_to_fcs_response_rules() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                    head.push(byte[0]);
                }
                let extra = if head.starts_with(b"GET /huge ") {
                    format!("x-huge: {}\r\n", "h".repeat(9000))
                } else if head.starts_with(b"GET /failed ") {
                    // The custom-runtime protocol's failure marker, on a web answer.
                    "x-fc-status: 404\r\n".to_owned()
                } else {
                    "x-fc-invocation-duration: 1\r\nserver: mine\r\nx-kept: yes\r\nkeep-alive: timeout=5\r\n".to_owned()
                };
                let answer = format!("HTTP/1.1 200 OK\r\n{extra}content-length: 4\r\nconnection: close\r\n\r\nbody");
                let _ = stream.write_all(answer.as_bytes()).await;
            });
        }
    });
    let fc = LocalFc::builder()
        .custom_runtime(Namespace::Fc3, ["web"], CustomRuntime::address(addr))
        .http_trigger("web", HttpTrigger::anonymous("open"))
        .start()
        .await
        .unwrap();
    let exchange = |path: &'static str| {
        let fc = &fc;
        async move {
            let (mut client, conn) = tokio::io::duplex(64 * 1024);
            let serving = fc.serve_trigger_connection("web", conn);
            let talk = async move {
                let request = format!("GET {path} HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n");
                client.write_all(request.as_bytes()).await.unwrap();
                let mut answer = String::new();
                client.read_to_string(&mut answer).await.unwrap();
                answer
            };
            let (_, answer) = tokio::join!(serving, talk);
            answer.to_ascii_lowercase()
        }
    };
    let answer = exchange("/forbidden").await;
    assert!(answer.starts_with("http/1.1 200") && answer.ends_with("body"), "{answer}");
    assert!(answer.contains("\r\nx-kept: yes\r\n") && answer.contains("\r\nx-fc-request-id: "), "{answer}");
    for forbidden in ["x-fc-invocation-duration", "server: mine", "keep-alive"] {
        assert!(!answer.contains(&format!("\r\n{forbidden}")), "{forbidden} passed through: {answer}");
    }
    // Headers over FC's limit: the function failed, as FC marks it.
    let answer = exchange("/huge").await;
    assert!(answer.starts_with("http/1.1 502") && answer.contains("badresponse"), "{answer}");
    assert!(answer.contains("\r\nx-fc-error-type: unhandledinvocationerror\r\n"), "{answer}");
    // A runtime that reports a failure (`x-fc-status: 404`): FC's 502, its body the failure.
    let answer = exchange("/failed").await;
    assert!(answer.starts_with("http/1.1 502") && answer.ends_with(r#"{"errormessage":"body"}"#), "{answer}");
    assert!(answer.contains("\r\nx-fc-error-type: unhandledinvocationerror\r\n"), "{answer}");
}

/// The one retry rule, through an HTTP trigger: a request that may have been delivered (the connection closed
/// after the request was written) is sent once unless its route is marked idempotent; one that was never sent
/// (nothing listening) is retried; the function's own 503 is sent once (it ran), FC's own 503 (`FcCommonError`)
/// is retried with its `Retry-After`, and an idempotent route's 503 is retried.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_may_have_run_is_not_sent_again_unless_idempotent() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // Reads each request's head, then hangs up (`close`), or answers 503 as the function (`busy`) or as FC (`fc`).
    async fn server(answer: &'static str) -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(AtomicUsize::new(0));
        let count = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let count = count.clone();
                tokio::spawn(async move {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).await.unwrap_or(0) == 1 {
                        head.push(byte[0]);
                    }
                    count.fetch_add(1, Ordering::SeqCst);
                    let marker = match answer {
                        "busy" => "",
                        "fc" => "x-fc-error-type: FcCommonError\r\nretry-after: 0\r\n",
                        _ => return,
                    };
                    let busy = format!(
                        "HTTP/1.1 503 Service Unavailable\r\n{marker}content-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = stream.write_all(busy.as_bytes()).await;
                });
            }
        });
        (url, seen)
    }
    let retrying = |url: &str| {
        HttpTriggerClient::builder(url)
            .retry(
                fc_runtime::RetryPolicy::attempts(3).with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
            )
            .build()
            .unwrap()
    };
    let (url, seen) = server("close").await;
    let err = retrying(&url).post("/greet").text("once").send().await.unwrap_err();
    let FcError::Transport(transport) = &err else { panic!("{err:?}") };
    assert_eq!(transport.delivery, fc_runtime::Delivery::MaybeDelivered);
    assert_eq!(seen.load(Ordering::SeqCst), 1, "a request that may have been delivered is not re-sent");
    let err = retrying(&url).get("/echo").idempotent().send().await.unwrap_err();
    assert!(matches!(err, FcError::Transport(_)), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1 + 3, "an idempotent route is re-sent");

    let (url, seen) = server("busy").await;
    let err = retrying(&url).post("/charge").text("card").send().await.unwrap_err();
    assert_eq!(err.as_http().map(|e| e.status.as_u16()), Some(503), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1, "the function's own 503: it ran, and is not run again");
    let err = retrying(&url).get("/photos").idempotent().send().await.unwrap_err();
    assert_eq!(err.as_http().map(|e| e.status.as_u16()), Some(503), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 1 + 3, "an idempotent route's 503 is retried");

    let (url, seen) = server("fc").await;
    let err = retrying(&url).post("/charge").text("card").send().await.unwrap_err();
    assert_eq!(err.as_service().map(|e| e.status.as_u16()), Some(503), "{err:?}");
    assert_eq!(seen.load(Ordering::SeqCst), 3, "FC's own 503 ran nothing: retried");

    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let err = retrying(&format!("http://{closed}")).post("/greet").text("never").send().await.unwrap_err();
    let FcError::Transport(transport) = &err else { panic!("{err:?}") };
    assert_eq!(transport.delivery, fc_runtime::Delivery::NotSent);
}
