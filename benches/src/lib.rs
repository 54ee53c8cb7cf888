//! Shared pieces of the benchmarks: the typical request, an invoker without I/O, the typed trait, and the two
//! servers the load program compares (LocalFc and a bare hyper server answering the same bytes).

use std::net::SocketAddr;
use std::time::SystemTime;

use bytes::Bytes;
use fc_runtime::function::{Failure, Router};
use fc_runtime::local::{LocalFc, Namespace};

use fc_runtime::sign::{SignableRequest, SigningKey, authorization};
use fc_runtime::{FcError, Invoke, InvokeRequest, InvokeResponse, Limits, fc_function, fc_http, fc_service};
use http::{HeaderMap, HeaderValue};
use serde::{Deserialize, Serialize};

pub mod compile;
pub mod stats;

/// LocalFc's default key, used by every benchmark.
pub const ACCESS_KEY_ID: &str = "testKeyId";
/// The secret of [`ACCESS_KEY_ID`].
pub const ACCESS_KEY_SECRET: &str = "testKeySecret";
/// The service every benchmark calls.
pub const SERVICE: &str = "bench";
/// The sync payload limit the benchmark servers accept (room for the 32 MB round trip).
pub const LARGE_LIMIT: usize = 40 * 1024 * 1024;

/// The event of the throughput benchmarks: about 1 KB of JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// A number.
    pub id: u64,
    /// A short string.
    pub name: String,
    /// A few short strings.
    pub tags: Vec<String>,
    /// Filler up to the target size.
    pub payload: String,
}

/// An [`Event`] whose JSON is exactly 1024 bytes.
pub fn event_1kb() -> Event {
    let mut e = Event {
        id: 42,
        name: "thumbnail".into(),
        tags: vec!["jpeg".into(), "720p".into(), "bench".into()],
        payload: String::new(),
    };
    let base = serde_json::to_vec(&e).expect("serializes").len();
    e.payload = "x".repeat(1024 - base);
    e
}

/// The typed interface the benchmarks call.
#[fc_service(service = "bench")]
pub trait Bench {
    /// Returns its event.
    #[fc_function]
    async fn echo(&self, event: &Event) -> Result<Event, FcError>;

    /// Returns its bytes.
    #[fc_function]
    async fn echo_bytes(&self, data: Bytes) -> Result<Bytes, FcError>;
}

/// The same interface, aimed at the FC 3.0 functions of the same names.
#[fc_service(api = "3.0")]
pub trait Bench3 {
    /// Returns its event.
    #[fc_function]
    async fn echo(&self, event: &Event) -> Result<Event, FcError>;

    /// Returns its bytes.
    #[fc_function]
    async fn echo_bytes(&self, data: Bytes) -> Result<Bytes, FcError>;
}

/// The signed headers of a typical sync invoke, as `(name, value)`.
pub fn typical_headers(date: &str) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/json".into()),
        ("date", date.to_owned()),
        ("x-fc-account-id", "1234567890123456".into()),
        ("x-fc-invocation-type", "Sync".into()),
        ("x-fc-log-type", "None".into()),
        ("x-fc-trace-id", "trace-7f3a9c2e".into()),
        ("host", "1234567890123456.cn-hangzhou.fc.aliyuncs.com".into()),
        ("user-agent", "fc-runtime-rust/0.1.0".into()),
        ("content-length", "1024".into()),
    ]
}

/// The path of a typical invoke.
pub const TYPICAL_PATH: &str = "/2016-08-15/services/bench.LATEST/functions/echo/invocations";

/// Signs the typical request with a prepared key, as `Client` does for fixed credentials.
pub fn sign_typical(key: &SigningKey, headers: &[(&str, &str)]) -> String {
    key.authorization(ACCESS_KEY_ID, &SignableRequest { method: "POST", path: TYPICAL_PATH, headers, query: &[] })
}

/// Signs the typical request from the secret, preparing the key on the way (as for provider credentials).
pub fn sign_typical_from_secret(headers: &[(&str, &str)]) -> String {
    authorization(
        ACCESS_KEY_ID,
        ACCESS_KEY_SECRET,
        &SignableRequest { method: "POST", path: TYPICAL_PATH, headers, query: &[] },
    )
}

/// Everything a call does except the network: headers, signature, the `http::Request`, and parsing a canned
/// answer that echoes the body. Both sides of the stub-overhead comparison call through it.
#[derive(Debug, Clone)]
pub struct NoIo {
    answer_headers: HeaderMap,
}

impl Default for NoIo {
    fn default() -> Self {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("application/json"));
        h.insert("x-fc-request-id", HeaderValue::from_static("1-6741a0b2-3c1d2e4f5a6b"));
        h.insert("x-fc-invocation-duration", HeaderValue::from_static("3"));
        h.insert("x-fc-max-memory-usage", HeaderValue::from_static("21.5"));
        h.insert("x-fc-invocation-service-version", HeaderValue::from_static("LATEST"));
        NoIo { answer_headers: h }
    }
}

impl NoIo {
    /// Builds the signed request the client would send.
    pub fn build(&self, request: &InvokeRequest) -> http::Request<Bytes> {
        let path = request.path();
        let date = httpdate::fmt_http_date(SystemTime::now());
        let headers: [(&str, &str); 3] = [
            ("date", &date),
            ("content-type", request.content_type.as_str()),
            ("x-fc-invocation-type", request.invocation.invocation_type().as_str()),
        ];
        let auth = authorization(
            ACCESS_KEY_ID,
            ACCESS_KEY_SECRET,
            &SignableRequest { method: "POST", path: &path, headers: &headers, query: &[] },
        );
        let mut builder = http::Request::post(format!("http://127.0.0.1{path}"));
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.header("authorization", auth).body(request.body.clone()).expect("valid request")
    }
}

impl Invoke for NoIo {
    async fn invoke(&self, request: InvokeRequest) -> Result<InvokeResponse, FcError> {
        let built = self.build(&request);
        let body = built.into_body();
        fc_runtime::InvokeResponse::parse(200, &self.answer_headers, body)
    }
}

impl Bench for NoIo {}

/// What the hand-written caller does: serde_json and the low-level request, no generated code.
pub async fn hand_written_echo<I: Invoke>(invoker: &I, event: &Event) -> Result<Event, FcError> {
    let body = serde_json::to_vec(event).map_err(|e| FcError::encode(None, e))?;
    let response = invoker.invoke(InvokeRequest::new(SERVICE, "echo").json_bytes(body)).await?;
    serde_json::from_slice(&response.body).map_err(|e| {
        FcError::decode_json("the result is not the expected JSON", e, &response.body, response.meta.request_id.clone())
    })
}

/// Starts the benchmark LocalFc: `bench/echo` and `bench/echo_bytes` (FC 2.0) and the FC 3.0 functions `echo`
/// and `echo_bytes` return their event unchanged.
pub async fn start_local_fc(addr: SocketAddr) -> Result<LocalFc, fc_runtime::local::StartError> {
    LocalFc::builder()
        .addr(addr)
        .limits(Limits::new(LARGE_LIMIT, 128 * 1024))
        .router(SERVICE, Router::new().bytes("echo", |event: Bytes, _ctx| async move { Ok::<_, Failure>(event) }))
        .router(SERVICE, Router::new().bytes("echo_bytes", |event: Bytes, _ctx| async move { Ok::<_, Failure>(event) }))
        .router(
            Namespace::Fc3,
            Router::new().bytes("echo", |event: Bytes, _ctx| async move { Ok::<_, Failure>(event) }),
        )
        .router(
            Namespace::Fc3,
            Router::new().bytes("echo_bytes", |event: Bytes, _ctx| async move { Ok::<_, Failure>(event) }),
        )
        .start()
        .await
}

/// The benchmark's web function, called through an HTTP trigger.
#[fc_http]
pub trait BenchWeb {
    /// `POST /echo` with a 1 KB JSON event → the same event.
    #[route(POST, "/echo")]
    async fn echo(&self, #[fc(body)] event: &Event) -> Result<Event, FcError>;
}

/// Bytes per chunk of a streamed answer.
pub const STREAM_CHUNK: usize = 64 * 1024;

/// `mib` MiB in chunks of [`STREAM_CHUNK`], each one the same shared buffer (so that the measurement is the
/// server and the transfer, not the making of the bytes).
pub fn stream_response(mib: usize) -> http::Response<fc_runtime::function::WebBody> {
    use http_body_util::BodyExt as _;
    static CHUNK: std::sync::OnceLock<Bytes> = std::sync::OnceLock::new();
    let chunk = CHUNK.get_or_init(|| Bytes::from(vec![b'x'; STREAM_CHUNK])).clone();
    let frames = (0..mib * (1024 * 1024 / STREAM_CHUNK))
        .map(move |_| Ok::<_, std::convert::Infallible>(http_body::Frame::data(chunk.clone())));
    let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
    http::Response::new(body.map_err(|never| match never {}).boxed_unsync())
}

/// The web function: `GET /stream?mib=N` streams N MiB; anything else echoes its body as JSON.
pub async fn web(
    request: fc_runtime::function::WebRequest,
) -> Result<http::Response<fc_runtime::function::WebBody>, std::convert::Infallible> {
    use http_body_util::BodyExt as _;
    if request.uri().path() == "/stream" {
        let mib = request.uri().query().and_then(|q| q.strip_prefix("mib=")).and_then(|n| n.parse().ok()).unwrap_or(1);
        return Ok(stream_response(mib));
    }
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut response = http::Response::new(fc_runtime::function::full(body));
    response.headers_mut().insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
    Ok(response)
}

/// A router serving [`web`] for HTTP-trigger requests.
pub fn web_router() -> fc_runtime::function::Router {
    fc_runtime::function::Router::new().http(tower::service_fn(web))
}
