//! Bad input, one table: every case names the exact error kind it must produce and a phrase the message must
//! contain (what was wrong, and where). Request-side cases must be refused before anything is sent: the server
//! counts zero requests. Nothing panics.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use fc_runtime::credentials::{
    CliProfileCredentials, EcsRamRoleCredentials, OidcRoleCredentials, ProfileFileCredentials, RamRoleArnCredentials,
    RoleOptions, UriCredentials,
};
use fc_runtime::function::{Failure, Router};
use fc_runtime::http_trigger::{HttpTriggerClient, TriggerRequests as _};
use fc_runtime::local::{FunctionConfig, HttpTrigger, LocalFc};

use fc_runtime::{
    Accepted, Client, Credentials, CredentialsErrorKind, CredentialsProvider, Delivery, ErrorCode, FcError,
    FunctionErrorKind, FunctionRef, InvocationMeta, InvocationType, InvokeRequest, InvokeResponse, Limits, RetryPolicy,
    fc_function, fc_service,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use support::{CannedServer, Recorder, http_response};

/// What a case must produce.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Invalid(&'static str),
    Config(&'static str),
    Encode,
    Decode,
    Service(u16, ErrorCode),
    Function(FunctionErrorKind),
    Transport {
        before_send: bool,
    },
    /// A credentials provider's refusal, of this kind.
    Creds(CredentialsErrorKind),
    /// The function's own non-2xx answer through an HTTP trigger, with its status.
    Http(u16),
    /// Not an error: the malformed part is reported as absent.
    Absent,
}

type Outcome = Pin<Box<dyn Future<Output = Result<(), FcError>> + Send>>;

struct Case {
    name: &'static str,
    expect: Expect,
    mentions: &'static str,
    run: Outcome,
}

fn case(
    name: &'static str,
    expect: Expect,
    mentions: &'static str,
    run: impl Future<Output = Result<(), FcError>> + Send + 'static,
) -> Case {
    Case { name, expect, mentions, run: Box::pin(run) }
}

fn kind_of(err: &FcError) -> Expect {
    match err {
        FcError::InvalidInput(e) => Expect::Invalid(leak(&e.field.to_string())),
        FcError::Config(e) => Expect::Config(leak(&e.setting.to_string())),
        FcError::Encode(_) => Expect::Encode,
        FcError::Decode(_) => Expect::Decode,
        FcError::Service(s) => Expect::Service(s.status.as_u16(), s.code.clone()),
        FcError::Function(f) => Expect::Function(f.kind),
        FcError::Transport(e) => Expect::Transport { before_send: e.delivery == Delivery::NotSent },
        FcError::Credentials(e) => Expect::Creds(e.kind),
        FcError::Http(e) => Expect::Http(e.status.as_u16()),
        other => panic!("unexpected error kind: {other:?}"),
    }
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Thumbnail {
    url: String,
    width: u32,
}

#[fc_service(service = "demo")]
trait Typed {
    #[fc_function(function = "echo")]
    async fn thumbnail(&self, key: &str) -> Result<Thumbnail, FcError>;

    #[fc_function(function = "echo")]
    async fn weird(&self, map: &HashMap<Vec<u8>, u8>) -> Result<(), FcError>;

    #[fc_function(function = "echo", invocation = "async")]
    async fn start(&self, #[fc(invocation_id)] id: &str, key: &str) -> Result<Accepted, FcError>;
}

impl Typed for Recorder {}

fn answering(status: u16, headers: &[(&'static str, &'static str)], body: &'static [u8]) -> Recorder {
    let headers = headers.to_vec();
    Recorder::new(move |_| {
        let mut map = HeaderMap::new();
        for (k, v) in &headers {
            map.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        Ok(InvokeResponse::new(
            fc_runtime::StatusCode::from_u16(status).expect("a valid status"),
            InvocationMeta::from_headers(&map),
            Bytes::from_static(body),
        ))
    })
}

/// Parses an answer with the client's own parser, without the network.
async fn parse(status: u16, headers: Vec<(&'static str, String)>, body: &'static [u8]) -> Result<(), FcError> {
    let mut map = HeaderMap::new();
    for (k, v) in headers {
        map.insert(HeaderName::from_static(k), HeaderValue::from_str(&v).unwrap());
    }
    let response = fc_runtime::InvokeResponse::parse(status, &map, Bytes::from_static(body))?;
    // Malformed metadata must be absent, never an error and never a made-up value.
    let meta = &response.meta;
    if meta.log_tail.is_none() && meta.duration.is_none() && meta.max_memory_mb.is_none() {
        return Ok(());
    }
    panic!("malformed metadata was reported as present: {meta:?}");
}

/// Sends one call to a server answering `raw` bytes.
async fn over_the_wire(raw: Vec<u8>) -> Result<(), FcError> {
    let server = CannedServer::start(vec![raw]).await.unwrap();
    server.client().invoke(InvokeRequest::new("demo", "echo")).await.map(drop)
}

/// Fixed credentials are checked once, when the client is built; nothing is sent with them.
fn with_credentials(endpoint: &str, creds: Credentials) -> Result<Client, FcError> {
    Client::builder().endpoint(endpoint).credentials(creds).retry(RetryPolicy::none()).use_env_proxy(false).build()
}

/// A provider's answer is checked each time it is asked, before anything is sent.
#[derive(Debug)]
struct Handing(Credentials);

impl CredentialsProvider for Handing {
    fn credentials(&self) -> std::pin::Pin<Box<dyn Future<Output = Result<Credentials, FcError>> + Send + '_>> {
        let creds = self.0.clone();
        Box::pin(async move { Ok(creds) })
    }
}

fn with_provider(endpoint: &str, creds: Credentials) -> Client {
    Client::builder()
        .endpoint(endpoint)
        .credentials_provider(Handing(creds))
        .retry(RetryPolicy::none())
        .use_env_proxy(false)
        .build()
        .expect("a provider is asked per call, not at build")
}

/// Asks a provider built by `make` (from a canned server's endpoint answering `answers` in order) for credentials.
async fn from_source<P: CredentialsProvider + 'static>(
    answers: Vec<Vec<u8>>,
    make: impl FnOnce(String) -> Result<P, FcError>,
) -> Result<(), FcError> {
    let server = CannedServer::start(answers).await.unwrap();
    make(server.endpoint.clone())?.credentials().await.map(drop)
}

fn json_200(body: &str) -> Vec<u8> {
    http_response("200 OK", &[("content-type", "application/json")], body.as_bytes())
}

/// A provider whose configuration is a file with `text`.
async fn from_file<P: CredentialsProvider + 'static>(
    text: &'static str,
    make: impl FnOnce(std::path::PathBuf) -> P,
) -> Result<(), FcError> {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let path = std::env::temp_dir().join(format!("fc-bad-input-{}-{n}", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let outcome = make(path.clone()).credentials().await.map(drop);
    std::fs::remove_file(&path).unwrap();
    outcome
}

fn sts_at(endpoint: &str) -> RoleOptions {
    RoleOptions::new().sts_endpoint(endpoint).role_session_name("bad-input")
}

fn role_via(endpoint: String) -> Result<RamRoleArnCredentials, FcError> {
    RamRoleArnCredentials::new(Credentials::new("id", "secret"), "acs:ram::1:role/r", sts_at(&endpoint))
}

const LATER: &str = "2999-01-01T00:00:00Z";

#[tokio::test]
async fn every_bad_input_gets_its_exact_error() {
    use examples::DemoServer as _;
    let fc = LocalFc::builder()
        .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
        .router("served", examples::DemoFunctions::default().into_router())
        .function("web", Router::new().http(examples_web::demo_web()), FunctionConfig::default())
        .http_trigger("web", HttpTrigger::signed("web"))
        .start()
        .await
        .unwrap();
    let client = fc.client();
    // HTTP-trigger calls: signed with LocalFc's key unless said otherwise.
    let trigger_url = fc.http_trigger_url("web").unwrap().to_owned();
    let trigger = {
        let url = trigger_url.clone();
        move |auth: Option<Credentials>| {
            let builder = HttpTriggerClient::builder(&url);
            match auth {
                Some(key) => builder.sign_with(key).build().unwrap(),
                None => builder.build().unwrap(),
            }
        }
    };
    let key = || Some(Credentials::new("testKeyId", "testKeySecret"));
    let sent = |call: fc_runtime::http_trigger::TriggerCall| async move { call.send().await.map(drop) };
    let c = move || client.clone();
    let served = |function: &'static str, event: &'static [u8]| {
        let client = c();
        async move { client.invoke(InvokeRequest::new("served", function).bytes(Bytes::from_static(event))).await.map(drop) }
    };
    let invoke = |client: Client, req: InvokeRequest| async move { client.invoke(req).await.map(drop) };
    let req = InvokeRequest::new;
    let over = |n: usize| Bytes::from(vec![b'1'; n]);

    use Expect::*;
    let mut cases = vec![
        // Names.
        case("service with a space", Invalid("service name"), "\"my svc\"", invoke(c(), req("my svc", "echo"))),
        case("empty service", Invalid("service name"), "\"\"", invoke(c(), req("", "echo"))),
        case("service starts with a digit", Invalid("service name"), "1svc", invoke(c(), req("1svc", "echo"))),
        case(
            "service too long",
            Invalid("service name"),
            "128",
            invoke(c(), InvokeRequest::new("s".repeat(129), "echo")),
        ),
        case("non-ASCII service", Invalid("service name"), "sérvice", invoke(c(), req("sérvice", "echo"))),
        case("function with a dot", Invalid("function name"), "echo.v2", invoke(c(), req("demo", "echo.v2"))),
        case("empty function", Invalid("function name"), "\"\"", invoke(c(), req("demo", ""))),
        case("function with a slash", Invalid("function name"), "a/b", invoke(c(), req("demo", "a/b"))),
        case("function with CR/LF", Invalid("function name"), "\\r\\n", invoke(c(), req("demo", "e\r\nX-Evil: 1"))),
        case(
            "qualifier with a dot",
            Invalid("qualifier"),
            "pr.od",
            invoke(c(), req("demo", "echo").qualifier("pr.od")),
        ),
        case("empty qualifier", Invalid("qualifier"), "\"\"", invoke(c(), req("demo", "echo").qualifier(""))),
        case("qualifier with a slash", Invalid("qualifier"), "a/b", invoke(c(), req("demo", "echo").qualifier("a/b"))),
        case("non-ASCII qualifier", Invalid("qualifier"), "prød", invoke(c(), req("demo", "echo").qualifier("prød"))),
        case("with_qualifier refuses a bad alias", Invalid("qualifier"), "bad.q", {
            let client = c();
            async move { client.with_qualifier("bad.q").map(drop) }
        }),
        // Invocation ids.
        case(
            "id too long",
            Invalid("invocation id"),
            "128",
            invoke(c(), req("demo", "echo").invocation_id("i".repeat(129))),
        ),
        case(
            "id starts with a digit",
            Invalid("invocation id"),
            "9lives",
            invoke(c(), req("demo", "echo").invocation_id("9lives")),
        ),
        case(
            "id with CR/LF",
            Invalid("invocation id"),
            "\\r\\n",
            invoke(c(), req("demo", "echo").invocation_id("a\r\nX-Evil: 1")),
        ),
        case("non-ASCII id", Invalid("invocation id"), "ïd", invoke(c(), req("demo", "echo").invocation_id("ïd"))),
        // FC 3.0: function names of 1–64 characters, task ids, listing prefixes, the same payload limits.
        case("FC 3.0 function of 65 characters", Invalid("function name"), "at most 64", {
            invoke(c(), InvokeRequest::fc3("f".repeat(65)))
        }),
        case("FC 3.0 function starting with a hyphen", Invalid("function name"), "`-`", {
            invoke(c(), InvokeRequest::fc3("-echo"))
        }),
        case("FC 3.0 task id with CR/LF", Invalid("async task id"), "\\r\\n", {
            invoke(c(), InvokeRequest::fc3("echo").invocation_id("t\r\nX-Evil: 1"))
        }),
        case("FC 3.0 async payload 128 KB + 1", Invalid("payload"), "131073 bytes", {
            invoke(c(), InvokeRequest::fc3("echo").invocation_id("t1").json_bytes(over(128 << 10 | 1)))
        }),
        case("FC 3.0 listing prefix with LF", Invalid("prefix"), "control character", {
            let client = c();
            async move {
                let query = fc_runtime::ListFilter::new().prefix("a\nb");
                client.list_async_tasks(&fc_runtime::Fc3FunctionRef::new("echo"), &query).await.map(drop)
            }
        }),
        case("FC 3.0 task id in get_async_task", Invalid("async task id"), "9lives", {
            let client = c();
            async move { client.get_async_task(&fc_runtime::Fc3FunctionRef::new("echo"), "9lives").await.map(drop) }
        }),
        case("empty id", Invalid("invocation id"), "\"\"", invoke(c(), req("demo", "echo").invocation_id(""))),
        case("id from a typed stub", Invalid("invocation id"), "1job", {
            let client = c();
            async move { client.start("1job", "k").await.map(drop) }
        }),
        case("id in GetStatefulAsyncInvocation", Invalid("invocation id"), "a b", {
            let client = c();
            async move { client.get_stateful_invocation(&FunctionRef::new("demo", "echo"), "a b").await.map(drop) }
        }),
        // Header values.
        case(
            "trace id with LF",
            Invalid("header X-Fc-Trace-Id"),
            "control",
            invoke(c(), req("demo", "echo").trace_id("t\n1")),
        ),
        case(
            "trace id with BEL",
            Invalid("header X-Fc-Trace-Id"),
            "control",
            invoke(c(), req("demo", "echo").trace_id("t\x07")),
        ),
        case(
            "trace id with DEL",
            Invalid("header X-Fc-Trace-Id"),
            "position 1",
            invoke(c(), req("demo", "echo").trace_id("t\x7f")),
        ),
        case(
            "trace id with a trailing space",
            Invalid("header X-Fc-Trace-Id"),
            "trailing spaces",
            invoke(c(), req("demo", "echo").trace_id("t ")),
        ),
        case(
            "non-ASCII trace id",
            Invalid("header X-Fc-Trace-Id"),
            "non-ASCII",
            invoke(c(), req("demo", "echo").trace_id("tré")),
        ),
        case("access key id with LF", Config("credentials"), "access key id", {
            let built = with_credentials(&fc.endpoint(), Credentials::new("key\nid", "secret"));
            async move { built.map(drop) }
        }),
        case("security token with a leading space", Config("credentials"), "leading or trailing spaces", {
            let creds = Credentials::new("testKeyId", "testKeySecret").with_security_token(" tok");
            let built = with_credentials(&fc.endpoint(), creds);
            async move { built.map(drop) }
        }),
        case("security token with CR/LF", Config("credentials"), "security token", {
            let creds = Credentials::new("testKeyId", "testKeySecret").with_security_token("tok\r\nX-Evil: 1");
            let built = with_credentials(&fc.endpoint(), creds);
            async move { built.map(drop) }
        }),
        case("access key id with a space inside", Config("credentials"), "contains a space at position 3", {
            let built = with_credentials(&fc.endpoint(), Credentials::new("key id", "secret"));
            async move { built.map(drop) }
        }),
        case("empty access key secret", Config("credentials"), "secret is empty", {
            let built = with_credentials(&fc.endpoint(), Credentials::new("testKeyId", ""));
            async move { built.map(drop) }
        }),
        case("provider hands out a token with CR/LF", Config("credentials"), "control character", {
            let creds = Credentials::new("testKeyId", "testKeySecret").with_security_token("tok\r\nX-Evil: 1");
            invoke(with_provider(&fc.endpoint(), creds), req("demo", "echo"))
        }),
        case("provider hands out an empty key id", Config("credentials"), "access key id is empty", {
            invoke(with_provider(&fc.endpoint(), Credentials::new("", "testKeySecret")), req("demo", "echo"))
        }),
        case("user agent with LF", Config("user agent"), "control", async {
            Client::builder()
                .endpoint("http://127.0.0.1:1")
                .credentials(Credentials::new("a", "b"))
                .user_agent("x\ny")
                .build()
                .map(drop)
        }),
        // Payloads one byte over each limit.
        case(
            "sync payload 32 MB + 1",
            Invalid("payload"),
            "33554433 bytes",
            invoke(c(), req("demo", "echo").json_bytes(over(32 << 20 | 1))),
        ),
        case(
            "async payload 128 KB + 1",
            Invalid("payload"),
            "131073 bytes",
            invoke(c(), req("demo", "echo").invocation_type(InvocationType::Async).bytes(over(128 << 10 | 1))),
        ),
        case(
            "stateful async payload 128 KB + 1",
            Invalid("payload"),
            "131073 bytes",
            invoke(c(), req("demo", "echo").invocation_id("job_1").json_bytes(over(128 << 10 | 1))),
        ),
        case("configured sync limit + 1", Invalid("payload"), "101 bytes", {
            let strict = fc.client_builder().limits(Limits::new(100, 10)).build().unwrap();
            invoke(strict, req("demo", "echo").json_bytes(over(101)))
        }),
        // Events that cannot be encoded.
        case("map with non-string keys", Encode, "key must be a string", {
            let client = c();
            async move { client.weird(&HashMap::from([(vec![1u8], 1u8)])).await }
        }),
        // Results that are not what the signature promises.
        case("empty body where JSON is expected", Decode, "EOF", async {
            answering(200, &[], b"").thumbnail("k").await.map(drop)
        }),
        case("non-UTF-8 body where JSON is expected", Decode, "not the expected JSON", async {
            answering(200, &[], b"\xff\xfe\xfd").thumbnail("k").await.map(drop)
        }),
        case("JSON of the wrong shape", Decode, "missing field `width`", async {
            answering(200, &[("x-fc-request-id", "r-9")], br#"{"url":"u"}"#).thumbnail("k").await.map(drop)
        }),
        case("sync stub answered 202", Decode, "expected a sync result", async {
            answering(202, &[], b"").thumbnail("k").await.map(drop)
        }),
        case("async stub answered 200", Decode, "expected 202 Accepted", async {
            answering(200, &[], b"{}").start("job_2", "k").await.map(drop)
        }),
        // Answers, parsed by the client's own parser.
        case(
            "handled function error",
            Function(FunctionErrorKind::Handled),
            "boom",
            parse(200, vec![("x-fc-error-type", "HandledInvocationError".into())], br#"{"errorMessage":"boom"}"#),
        ),
        case(
            "unhandled error with a binary body",
            Function(FunctionErrorKind::Unhandled),
            "\u{fffd}",
            parse(200, vec![("x-fc-error-type", "UnhandledInvocationError".into())], b"\xff\xfe"),
        ),
        case(
            "FC error body",
            Service(404, ErrorCode::FunctionNotFound),
            "nope",
            parse(404, vec![], br#"{"ErrorCode":"FunctionNotFound","ErrorMessage":"nope"}"#),
        ),
        case(
            "service error without a body",
            Service(500, ErrorCode::Other(String::new())),
            "(no error body)",
            parse(500, vec![("x-fc-request-id", "r-1".into())], b""),
        ),
        case(
            "HTML error page from a proxy",
            Service(502, ErrorCode::Other(String::new())),
            "not JSON: <html>",
            parse(502, vec![("content-type", "text/html".into())], b"<html><body>Bad Gateway</body></html>"),
        ),
        case(
            "error JSON of the wrong shape",
            Service(400, ErrorCode::Other(String::new())),
            "without a message",
            parse(400, vec![], br#"{"ErrorCode":42}"#),
        ),
        case(
            "error body that is a JSON array",
            Service(400, ErrorCode::Other(String::new())),
            "not JSON",
            parse(400, vec![], b"[1,2]"),
        ),
        case(
            "redirect",
            Decode,
            "unexpected HTTP status 302",
            parse(302, vec![("location", "http://elsewhere/".into())], b""),
        ),
        case("invalid base64 log", Absent, "", parse(200, vec![("x-fc-log-result", "***not base64***".into())], b"ok")),
        case(
            "absurd metrics",
            Absent,
            "",
            parse(
                200,
                vec![("x-fc-invocation-duration", "-5".into()), ("x-fc-max-memory-usage", "1e400".into())],
                b"ok",
            ),
        ),
        case(
            "NaN metrics",
            Absent,
            "",
            parse(
                200,
                vec![("x-fc-invocation-duration", "NaN".into()), ("x-fc-max-memory-usage", "inf".into())],
                b"ok",
            ),
        ),
        // Answers on the wire.
        case(
            "truncated body",
            Transport { before_send: false },
            "may have been delivered",
            over_the_wire(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\ntruncated".to_vec()),
        ),
        case(
            "not HTTP at all",
            Transport { before_send: false },
            "may have been delivered",
            over_the_wire(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec()),
        ),
        case(
            "a 1 MB header",
            Transport { before_send: false },
            "may have been delivered",
            over_the_wire(http_response("200 OK", &[("x-fc-request-id", &"r".repeat(1 << 20))], b"ok")),
        ),
        // Credential sources: settings refused before anything is asked, malformed answers typed, never a panic.
        case("role session name of one character", Creds(CredentialsErrorKind::Invalid), "2-64 characters", async {
            RamRoleArnCredentials::new(
                Credentials::new("i", "s"),
                "acs:ram::1:role/r",
                RoleOptions::new().role_session_name("x"),
            )
            .map(drop)
        }),
        case("role session name with a slash", Creds(CredentialsErrorKind::Invalid), "\"a/b\"", async {
            RamRoleArnCredentials::new(Credentials::new("i", "s"), "arn", RoleOptions::new().role_session_name("a/b"))
                .map(drop)
        }),
        case("session of 60 seconds", Creds(CredentialsErrorKind::Invalid), "minimum of 900s", async {
            RamRoleArnCredentials::new(
                Credentials::new("i", "s"),
                "arn",
                RoleOptions::new().duration(std::time::Duration::from_secs(60)),
            )
            .map(drop)
        }),
        case("session policy that is not JSON", Creds(CredentialsErrorKind::Invalid), "policy is not JSON", async {
            RamRoleArnCredentials::new(Credentials::new("i", "s"), "arn", RoleOptions::new().policy("{\"Version\":"))
                .map(drop)
        }),
        case("empty role ARN", Creds(CredentialsErrorKind::Invalid), "role ARN is empty", async {
            RamRoleArnCredentials::new(Credentials::new("i", "s"), " ", RoleOptions::new()).map(drop)
        }),
        case("STS endpoint with another scheme", Creds(CredentialsErrorKind::Invalid), "not an http(s) URL", async {
            RamRoleArnCredentials::new(Credentials::new("i", "s"), "arn", RoleOptions::new().sts_endpoint("ftp://sts"))
                .map(drop)
        }),
        case("metadata endpoint that is not a URL", Creds(CredentialsErrorKind::Invalid), "metadata endpoint", async {
            EcsRamRoleCredentials::builder().endpoint("http://[::1").build().map(drop)
        }),
        case("role name with a path", Creds(CredentialsErrorKind::Invalid), "\"../admin\"", async {
            EcsRamRoleCredentials::builder().role_name("../admin").build().map(drop)
        }),
        case("credentials URI that is not http", Creds(CredentialsErrorKind::Invalid), "not an http(s) URL", async {
            UriCredentials::new("file:///etc/passwd").map(drop)
        }),
        case(
            "OIDC token file missing",
            Creds(CredentialsErrorKind::Invalid),
            "cannot read the OIDC token file",
            async {
                OidcRoleCredentials::new(
                    "arn",
                    "provider",
                    "/nonexistent/fc-token",
                    RoleOptions::new().sts_endpoint("http://127.0.0.1:9"),
                )?
                .credentials()
                .await
                .map(drop)
            },
        ),
        case("OIDC token file empty", Creds(CredentialsErrorKind::Invalid), "is empty", {
            from_file("\n  \n", |path| {
                OidcRoleCredentials::new("arn", "provider", path, RoleOptions::new().sts_endpoint("http://127.0.0.1:9"))
                    .unwrap()
            })
        }),
        case(
            "CLI configuration that is not JSON",
            Creds(CredentialsErrorKind::Invalid),
            "is not a CLI configuration",
            from_file("{\"current\": ", CliProfileCredentials::new),
        ),
        case("CLI profiles of the wrong shape", Creds(CredentialsErrorKind::Invalid), "is not a CLI configuration", {
            from_file("{\"current\":\"a\",\"profiles\":{\"a\":1}}", CliProfileCredentials::new)
        }),
        case("CLI profile without its key", Creds(CredentialsErrorKind::Invalid), "has no access_key_secret", {
            from_file(
                "{\"current\":\"a\",\"profiles\":[{\"name\":\"a\",\"mode\":\"AK\",\"access_key_id\":\"x\"}]}",
                CliProfileCredentials::new,
            )
        }),
        case("CLI with no profiles", Creds(CredentialsErrorKind::Invalid), "has no profiles", {
            from_file("{\"current\":\"a\",\"profiles\":[]}", CliProfileCredentials::new)
        }),
        case("credentials file that is not INI", Creds(CredentialsErrorKind::Invalid), "is not an INI file", {
            from_file("[default\ntype = access_key\n", ProfileFileCredentials::new)
        }),
        case("credentials file without a type", Creds(CredentialsErrorKind::Invalid), "[default] has no type", {
            from_file("[default]\naccess_key_id = a\naccess_key_secret = b\n", ProfileFileCredentials::new)
        }),
        case("credentials file with a key id that cannot be sent", Config("credentials"), "contains a space", async {
            let path = std::env::temp_dir().join(format!("fc-bad-input-space-{}", std::process::id()));
            std::fs::write(&path, "[default]\ntype = access_key\naccess_key_id = a b\naccess_key_secret = s\n")
                .unwrap();
            let client = Client::builder()
                .endpoint("http://127.0.0.1:9")
                .credentials_provider(ProfileFileCredentials::new(&path))
                .use_env_proxy(false)
                .build()?;
            let outcome = client.invoke(InvokeRequest::new("demo", "echo")).await.map(drop);
            std::fs::remove_file(&path).unwrap();
            outcome
        }),
        case("STS answer that is not JSON", Creds(CredentialsErrorKind::Malformed), "not the expected JSON", {
            from_source(vec![json_200("<xml/>")], role_via)
        }),
        case("STS answer without Credentials", Creds(CredentialsErrorKind::Malformed), "has no Credentials", {
            from_source(vec![json_200(r#"{"RequestId":"r"}"#)], role_via)
        }),
        case("STS credentials without a token", Creds(CredentialsErrorKind::Malformed), "no SecurityToken", {
            from_source(
                vec![json_200(&format!(
                    r#"{{"Credentials":{{"AccessKeyId":"a","AccessKeySecret":"b","Expiration":"{LATER}"}}}}"#
                ))],
                role_via,
            )
        }),
        case("STS expiration that is not a time", Creds(CredentialsErrorKind::Malformed), "\"tomorrow\"", {
            from_source(
                vec![json_200(
                    r#"{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"t","Expiration":"tomorrow"}}"#,
                )],
                role_via,
            )
        }),
        case("STS credentials already expired", Creds(CredentialsErrorKind::Malformed), "expired at 2001-01-01", {
            from_source(
                vec![json_200(
                    r#"{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"t","Expiration":"2001-01-01T00:00:00Z"}}"#,
                )],
                role_via,
            )
        }),
        case("STS HTML error page", Creds(CredentialsErrorKind::Refused), "HTTP 502", {
            from_source(
                vec![http_response("502 Bad Gateway", &[("content-type", "text/html")], b"<html>oops</html>")],
                role_via,
            )
        }),
        case(
            "STS refusal with its code",
            Creds(CredentialsErrorKind::Refused),
            "NoPermission: You are not authorized",
            {
                from_source(
                    vec![http_response(
                        "403 Forbidden",
                        &[],
                        br#"{"Code":"NoPermission","Message":"You are not authorized","RequestId":"R1"}"#,
                    )],
                    role_via,
                )
            },
        ),
        case("metadata role list empty", Creds(CredentialsErrorKind::NotConfigured), "names no RAM role", {
            from_source(vec![http_response("200 OK", &[], b"token"), http_response("200 OK", &[], b"  \n")], |e| {
                EcsRamRoleCredentials::builder().endpoint(e).build()
            })
        }),
        case("metadata credentials of 1 MB of garbage", Creds(CredentialsErrorKind::Malformed), "more than 256 KiB", {
            let garbage = vec![b'x'; 1 << 20];
            from_source(vec![http_response("200 OK", &[], b"token"), http_response("200 OK", &[], &garbage)], |e| {
                EcsRamRoleCredentials::builder().endpoint(e).role_name("r").build()
            })
        }),
        case("metadata token that is not a header value", Creds(CredentialsErrorKind::Malformed), "IMDSV1_DISABLED", {
            from_source(vec![http_response("200 OK", &[], b"bad\x01token")], |e| {
                EcsRamRoleCredentials::builder().endpoint(e).role_name("r").imdsv1_disabled(true).build()
            })
        }),
        case("credentials URI answering an error Code", Creds(CredentialsErrorKind::Refused), "Code \"Failure\"", {
            from_source(
                vec![json_200(&format!(
                    r#"{{"Code":"Failure","AccessKeyId":"a","AccessKeySecret":"b","SecurityToken":"t","Expiration":"{LATER}"}}"#
                ))],
                |e| UriCredentials::new(format!("{e}/creds")),
            )
        }),
        case("credentials URI truncated", Creds(CredentialsErrorKind::Unreachable), "could not be reached", {
            from_source(vec![b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"Code\"".to_vec()], |e| {
                UriCredentials::new(format!("{e}/creds"))
            })
        }),
        case(
            "metadata credentials that are not JSON",
            Creds(CredentialsErrorKind::Malformed),
            "not the expected JSON",
            {
                from_source(
                    vec![http_response("200 OK", &[], b"token"), http_response("200 OK", &[], b"{\"Code\":")],
                    |e| EcsRamRoleCredentials::builder().endpoint(e).role_name("r").build(),
                )
            },
        ),
        // The function side: what a served implementation is sent that it cannot take.
        case("served function sent truncated JSON", Function(FunctionErrorKind::Handled), "[InvalidEvent]", {
            served("greet", b"{\"name\": ")
        }),
        case("served function sent the wrong type", Function(FunctionErrorKind::Handled), "invalid type: integer", {
            served("greet", br#"{"name": 5}"#)
        }),
        case("served function sent nothing for a struct", Function(FunctionErrorKind::Handled), "[InvalidEvent]", {
            served("greet", b"")
        }),
        case("served function missing an argument", Function(FunctionErrorKind::Handled), "field `b`", {
            served("add", br#"{"a": 1}"#)
        }),
        case(
            "served function sent an array for several arguments",
            Function(FunctionErrorKind::Handled),
            "got an array",
            served("add", b"[1, 2]"),
        ),
        case("served function's own error", Function(FunctionErrorKind::Handled), "[DemoError]", {
            served("add", br#"{"a": 9223372036854775807, "b": 1}"#)
        }),
        case("served function panics", Function(FunctionErrorKind::Unhandled), "[Panic]", served("crash", b"null")),
        case("malformed context headers", Absent, "", async {
            let mut headers = HeaderMap::new();
            for (k, v) in [
                ("x-fc-function-memory", "lots"),
                ("x-fc-function-timeout", "-1"),
                ("x-fc-retry-count", "many"),
                ("x-fc-access-key-id", "only-the-id"),
            ] {
                headers.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
            }
            let env = fc_runtime::Environment::from_vars::<&str, &str>([]);
            let ctx = fc_runtime::function::Context::from_headers(&headers, std::time::Instant::now(), &env);
            assert_eq!((ctx.memory_mb(), ctx.deadline(), ctx.retry_count()), (None, None, 0));
            assert!(ctx.credentials().is_none(), "an id without a secret is no credentials");
            Ok(())
        }),
        case(
            "HTML 502 on the wire",
            Service(502, ErrorCode::Other(String::new())),
            "<html>",
            over_the_wire(http_response(
                "502 Bad Gateway",
                &[("content-type", "text/html")],
                b"<html>Bad Gateway</html>",
            )),
        ),
        // HTTP triggers: refused before sending (nothing reaches the trigger), refused by the trigger as FC
        // refuses (the function never runs), and the function's own answers.
        case("trigger URL that is not a URL", Config("endpoint"), "not a url", async {
            HttpTriggerClient::builder("not a url").build().map(drop)
        }),
        case("trigger URL with another scheme", Config("endpoint"), "ftp://", async {
            HttpTriggerClient::builder("ftp://127.0.0.1/").build().map(drop)
        }),
        case(
            "x-fc-* header to a trigger",
            Invalid("header value"),
            "x-fc-trace-id",
            sent(trigger(key()).get("/echo").header("x-fc-trace-id", "t")),
        ),
        case(
            "header with CR/LF to a trigger",
            Invalid("header value"),
            "x-tag",
            sent(trigger(key()).get("/echo").header("x-tag", "a\r\nX-Evil: 1")),
        ),
        case("bearer token with LF", Config("credentials"), "bearer token", {
            let built = HttpTriggerClient::builder(&trigger_url).bearer("a\nb").build().map(drop);
            async move { built }
        }),
        case(
            "header name that is not one, to a trigger",
            Invalid("header value"),
            "abcdé",
            sent(trigger(key()).get("/echo").header("abcdé", "v")),
        ),
        case(
            "non-ASCII header value to a trigger",
            Invalid("header value"),
            "non-ASCII",
            sent(trigger(key()).get("/echo").header("x-name", "Zoë")),
        ),
        case(
            "hop-by-hop header to a trigger",
            Invalid("header value"),
            "connection",
            sent(trigger(key()).get("/echo").header("connection", "x-name")),
        ),
        case(
            "`..` as a path segment to a trigger",
            Invalid("path"),
            "segment 2",
            sent(trigger(key()).request_segments(http::Method::GET, ["photos", "..", "raw"])),
        ),
        case("trigger URL with a query", Config("endpoint"), "without a query", async {
            HttpTriggerClient::builder("http://127.0.0.1:1/?a=1").build().map(drop)
        }),
        case(
            "unsigned call to a function-auth trigger",
            Service(400, ErrorCode::MissingRequiredHeader),
            "x-acs-date was not specified",
            sent(trigger(None).get("/echo").query("text", "x")),
        ),
        case(
            "mis-signed call to a trigger",
            Service(403, ErrorCode::SignatureNotMatch),
            "signature",
            sent(trigger(Some(Credentials::new("testKeyId", "wrong"))).get("/echo").query("text", "x")),
        ),
        case(
            "unknown key to a trigger",
            Service(403, ErrorCode::InvalidAccessKeyID),
            "nobody",
            sent(trigger(Some(Credentials::new("nobody", "s"))).get("/echo")),
        ),
        case(
            "path and query over 4 KB to a trigger",
            Service(400, ErrorCode::InvalidArgument),
            "4096 byte limit",
            sent(trigger(key()).get("/echo").query("text", "a".repeat(4100))),
        ),
        case(
            "headers over 8 KB to a trigger",
            Service(400, ErrorCode::InvalidArgument),
            "8192 byte limit",
            sent(trigger(key()).get("/echo").header("x-big", &"a".repeat(8200))),
        ),
        case(
            "async body over 128 KB to a trigger",
            Service(400, ErrorCode::EntityTooLarge),
            "131072 byte limit",
            sent(trigger(key()).post("/bytes").bytes(vec![1u8; 128 * 1024 + 1]).asynchronous()),
        ),
        case(
            "method the trigger does not take",
            Service(403, ErrorCode::MethodNotAllowed),
            "does not accept",
            sent(trigger(key()).request(http::Method::TRACE, "/echo")),
        ),
        case("the function's 500 through a trigger", Http(500), "greeting refused", sent(trigger(key()).post("/fail"))),
        case("the function's 404 through a trigger", Http(404), "404", sent(trigger(key()).get("/nowhere"))),
        case(
            "the function's own Alibaba-style 404 through a trigger",
            Http(404),
            "PhotoNotFound",
            sent(trigger(key()).get("/photos/p1")),
        ),
        case(
            "a panic behind a trigger",
            Function(FunctionErrorKind::Unhandled),
            "panics on purpose",
            sent(trigger(key()).get("/panic")),
        ),
        case("wrong-shape JSON from a trigger", Decode, "expected a sequence", {
            let call = trigger(key()).post("/greet").json(&serde_json::json!({"name": "x"})).unwrap();
            async move { call.send().await?.json::<Vec<u8>>().map(drop) }
        }),
        case("non-UTF-8 text from a trigger", Decode, "not UTF-8", {
            let call = trigger(key()).post("/bytes").bytes(vec![0xff, 0xfe]);
            async move { call.send().await?.text().map(drop) }
        }),
    ];

    let total = cases.len();
    assert!(total >= 120, "the table has {total} cases");
    for Case { name, expect, mentions, run } in cases.drain(..) {
        match (run.await, &expect) {
            (Ok(()), Absent) => {}
            (Ok(()), _) => panic!("{name}: succeeded, expected {expect:?}"),
            (Err(err), _) => {
                assert_eq!(kind_of(&err), expect, "{name}: {err}");
                // What an error reporter prints: the message and each source, once.
                let mut text = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(cause) = source {
                    text.push_str(": ");
                    text.push_str(&cause.to_string());
                    source = cause.source();
                }
                assert!(text.contains(mentions), "{name}: {text:?} does not mention {mentions:?}");
            }
        }
    }
    assert_eq!(fc.requests(("demo", "echo")), 0, "no refused request reached the server");
    assert_eq!(fc.executions("web"), 6, "only the six calls the trigger let through ran the function");
}

/// The management API's bad input, one table: names, sizes, weights, settings and ranges are refused before
/// anything is sent (`InvalidInput`); what only the service can know (a version,
/// an alias or a trigger that does not exist, a qualifier nothing names, a package that climbs out of its
/// directory) comes back as FC's error. Nothing refused is created.
#[tokio::test]
async fn every_bad_management_input_gets_its_exact_error() {
    use fc_runtime::manage::aliases::{CreateAliasInput, UpdateAliasInput};
    use fc_runtime::manage::async_config::PutAsyncInvokeConfigInput;
    use fc_runtime::manage::functions::{CreateFunctionInput, UpdateFunctionInput};
    use fc_runtime::manage::triggers::{CreateTriggerInput, HttpTriggerConfig, TimerTriggerConfig, TriggerConfig};
    use fc_runtime::manage::{CodePackage, ListOptions, MAX_DIRECT_CODE};
    let fc = LocalFc::builder().start().await.unwrap();
    let client = fc.client();
    let zip = CodePackage::new().file("index.py", b"x".to_vec()).finish().unwrap();
    client.create_function(&CreateFunctionInput::new("f", "python3.10").zip(&zip)).await.unwrap();
    client.publish_function_version("f", None).await.unwrap();
    client.create_alias("f", &CreateAliasInput::new("prod", "1")).await.unwrap();
    let c = move || client.clone();
    let http =
        |auth: &str, methods: &[&str]| TriggerConfig::Http(HttpTriggerConfig::new(auth, methods.iter().copied()));
    // A zip whose one entry climbs out: CodePackage refuses to write one, so the bytes are patched.
    let escaping = {
        let mut bytes = CodePackage::new().file("ok.txt", b"x".to_vec()).finish().unwrap();
        while let Some(at) = bytes.windows(6).position(|w| w == b"ok.txt") {
            bytes[at..at + 6].copy_from_slice(b"../../");
        }
        bytes
    };
    let not_found = |code: &str| Service(404, ErrorCode::from(code));

    use Expect::*;
    let cases = vec![
        case("function name too long", Invalid("function name"), "64", {
            let c = c();
            async move { c.create_function(&CreateFunctionInput::new("f".repeat(65), "custom")).await.map(drop) }
        }),
        case("function name with a dot", Invalid("function name"), "a.b", {
            let c = c();
            async move { c.get_function("a.b", None).await.map(drop) }
        }),
        case("zip over FC's 100 MB", Invalid("code"), "limit on code sent directly", {
            let c = c();
            let big = vec![0u8; MAX_DIRECT_CODE + 1];
            async move { c.create_function(&CreateFunctionInput::new("big", "custom").zip(big)).await.map(drop) }
        }),
        case("timeout of 0", Invalid("setting"), "timeout 0", {
            let c = c();
            async move { c.update_function("f", &UpdateFunctionInput::new().timeout(0)).await.map(drop) }
        }),
        case("memory not a multiple of 64", Invalid("setting"), "memorySize 130", {
            let c = c();
            async move { c.update_function("f", &UpdateFunctionInput::new().memory_size(130)).await.map(drop) }
        }),
        case("alias named LATEST", Invalid("alias name"), "LATEST", {
            let c = c();
            async move { c.create_alias("f", &CreateAliasInput::new("LATEST", "1")).await.map(drop) }
        }),
        case("alias name starting with a digit", Invalid("alias name"), "1st", {
            let c = c();
            async move { c.get_alias("f", "1st").await.map(drop) }
        }),
        case("weight above 1", Invalid("setting"), "1.5", {
            let c = c();
            async move { c.create_alias("f", &CreateAliasInput::new("a", "1").weight("2", 1.5)).await.map(drop) }
        }),
        case("negative weight", Invalid("setting"), "-0.1", {
            let c = c();
            async move { c.create_alias("f", &CreateAliasInput::new("a", "1").weight("2", -0.1)).await.map(drop) }
        }),
        case("weight on the alias's own version", Invalid("setting"), "the alias's own version", {
            let c = c();
            async move { c.update_alias("f", "prod", &UpdateAliasInput::version("1").weight("1", 0.5)).await.map(drop) }
        }),
        case("version id not a number", Invalid("version id"), "v1", {
            let c = c();
            async move { c.delete_function_version("f", "v1").await.map(drop) }
        }),
        case("trigger name with a space", Invalid("trigger name"), "my trigger", {
            let c = c();
            let input = CreateTriggerInput::new("my trigger", http("anonymous", &["GET"]));
            async move { c.create_trigger("f", &input).await.map(drop) }
        }),
        case("HTTP trigger method FC lacks", Invalid("setting"), "TRACE", {
            let c = c();
            let input = CreateTriggerInput::new("t", http("anonymous", &["TRACE"]));
            async move { c.create_trigger("f", &input).await.map(drop) }
        }),
        case("JWT trigger without its config", Invalid("setting"), "authConfig", {
            let c = c();
            let input = CreateTriggerInput::new("t", http("jwt", &["GET"]));
            async move { c.create_trigger("f", &input).await.map(drop) }
        }),
        case("retries over 8", Invalid("setting"), "maxAsyncRetryAttempts 9", {
            let c = c();
            async move { c.put_async_invoke_config("f", None, &PutAsyncInvokeConfigInput::new().retries(9)).await.map(drop) }
        }),
        case("destination not an ARN", Invalid("setting"), "not an ARN", {
            let c = c();
            let input = PutAsyncInvokeConfigInput::new().on_success("https://example.invalid/hook");
            async move { c.put_async_invoke_config("f", None, &input).await.map(drop) }
        }),
        case("page size of 0", Invalid("limit"), "between 1 and 100", {
            let c = c();
            async move { c.list_functions(&ListOptions::new().limit(0)).await.map(drop) }
        }),
        case("page token with a newline", Invalid("nextToken"), "control character", {
            let c = c();
            async move { c.list_functions(&ListOptions::new().next_token("a\nb")).await.map(drop) }
        }),
        case("qualifier with a slash", Invalid("qualifier"), "a/b", {
            let c = c();
            async move { c.get_function("f", Some("a/b")).await.map(drop) }
        }),
        // What only the service knows.
        case("unknown alias as a qualifier", not_found("AliasNotFound"), "staging", {
            let c = c();
            async move { c.get_function("f", Some("staging")).await.map(drop) }
        }),
        case("unknown version as a qualifier", not_found("VersionNotFound"), "\"7\"", {
            let c = c();
            async move { c.get_function_code("f", Some("7")).await.map(drop) }
        }),
        case("alias on an unpublished version", not_found("VersionNotFound"), "\"9\"", {
            let c = c();
            async move { c.create_alias("f", &CreateAliasInput::new("next", "9")).await.map(drop) }
        }),
        case("trigger on an unknown qualifier", not_found("AliasNotFound"), "nightly", {
            let c = c();
            let input = CreateTriggerInput::new("t", TriggerConfig::Timer(TimerTriggerConfig::new("@every 1h")))
                .qualifier("nightly");
            async move { c.create_trigger("f", &input).await.map(drop) }
        }),
        case("timer FC cannot parse", Service(400, ErrorCode::InvalidArgument), "six, seconds first", {
            let c = c();
            let input = CreateTriggerInput::new("t", TriggerConfig::Timer(TimerTriggerConfig::new("0/5 * * * *")));
            async move { c.create_trigger("f", &input).await.map(drop) }
        }),
        case("unknown trigger", not_found("TriggerNotFound"), "nope", {
            let c = c();
            async move { c.get_trigger("f", "nope").await.map(drop) }
        }),
        case("zip entry climbing out", Service(400, ErrorCode::InvalidArgument), "outside the code directory", {
            let c = c();
            async move { c.create_function(&CreateFunctionInput::new("evil", "custom").zip(&escaping)).await.map(drop) }
        }),
        case("not a zip", Service(400, ErrorCode::InvalidArgument), "not a zip archive", {
            let c = c();
            async move { c.update_function("f", &UpdateFunctionInput::new().zip(b"PK but no")).await.map(drop) }
        }),
        case("a reserved environment variable", Service(400, ErrorCode::InvalidArgument), "FC_REGION", {
            let c = c();
            async move { c.update_function("f", &UpdateFunctionInput::new().environment("FC_REGION", "x")).await.map(drop) }
        }),
        case("an unknown runtime", Service(400, ErrorCode::InvalidArgument), "cobol", {
            let c = c();
            async move { c.create_function(&CreateFunctionInput::new("g", "cobol").zip(&zip)).await.map(drop) }
        }),
    ];
    let total = cases.len();
    for Case { name, expect, mentions, run } in cases {
        match run.await {
            Ok(()) => panic!("{name}: succeeded, expected {expect:?}"),
            Err(err) => {
                assert_eq!(kind_of(&err), expect, "{name}: {err}");
                let text = format!("{err} {:?}", std::error::Error::source(&err).map(ToString::to_string));
                assert!(text.contains(mentions), "{name}: {text:?} does not mention {mentions:?}");
            }
        }
    }
    assert_eq!(total, 29);
    let names: Vec<_> = fc.client().list_functions(&ListOptions::new()).await.unwrap().items;
    assert_eq!(names.len(), 1, "nothing refused was created");
}
