//! The demo web function, beside the demo functions of `examples`: its routes as a typed client ([`DemoWeb`]), the
//! axum router that serves them ([`demo_web`]), and the demo functions with the web function behind a signed HTTP
//! trigger ([`demo_functions`]), for `local_fc`, the `function` process and the `http_trigger` example; and the
//! typed trigger events by source ([`decode_trigger_event`]), for `local_fc fire` and the `events` example. A
//! package of its own so that the examples that need neither build without axum and without the typed events.

use std::time::Duration;

use examples::{DemoServer as _, Greet, Greeting, log_line};
use fc_runtime::http_trigger::{Reply, TriggerStream};
use fc_runtime::local::{FunctionConfig, HttpTrigger, LocalFcBuilder};
use fc_runtime::{Bytes, FcError, fc_http};
use serde::{Deserialize, Serialize};

/// [`examples::demo_functions`], and the demo web function ([`demo_web`], the same router with its web side) as
/// the FC 3.0 function `web` behind an HTTP trigger `demo-web` with `authType = function`.
pub fn demo_functions(builder: LocalFcBuilder) -> LocalFcBuilder {
    let router = examples::DemoFunctions::default().into_router().http(demo_web());
    examples::demo_functions(builder)
        .function("web", router, FunctionConfig::default())
        .http_trigger("web", HttpTrigger::signed("demo-web"))
}

/// The query of the demo web function's `GET /echo`.
#[derive(Debug, Deserialize)]
pub struct EchoQuery {
    /// What to echo (nothing when absent).
    #[serde(default)]
    pub text: String,
}

/// The query of the demo web function's `GET /header`.
#[derive(Debug, Serialize, Deserialize)]
pub struct HeaderQuery {
    /// The header to answer with.
    pub name: String,
}

/// The query of the demo web function's `GET /stream`.
#[derive(Debug, Deserialize)]
pub struct StreamQuery {
    /// How many lines to stream.
    pub lines: u32,
}

/// The demo web function's routes as a typed client: `#[fc_http]` writes each call, and the trait is implemented
/// for `HttpTriggerClient`, which signs for `authType = function` (or sends a JWT, or nothing).
#[fc_http]
pub trait DemoWeb {
    /// `POST /greet` with `{"name": …}` → `{"greeting": "Hello, …!"}`.
    #[route(POST, "/greet")]
    async fn greet(&self, #[fc(body)] greet: &Greet) -> Result<Greeting, FcError>;

    /// The same route, with the invocation's last 4 KB of log (`X-Fc-Log-Type: Tail`).
    #[route(POST, "/greet", log = "tail")]
    async fn greet_traced(&self, #[fc(body)] greet: &Greet) -> Result<Reply<Greeting>, FcError>;

    /// The same route, run asynchronously (`X-Fc-Invocation-Type: Async`): FC answers 202 at once.
    #[route(POST, "/greet", invocation = "async")]
    async fn greet_later(&self, #[fc(body)] greet: &Greet) -> Result<Reply<()>, FcError>;

    /// `GET /echo?text=…` → the text.
    #[route(GET, "/echo", idempotent)]
    async fn echo(&self, #[fc(query)] text: &str) -> Result<String, FcError>;

    /// `POST /bytes` → the body, echoed.
    #[route(POST, "/bytes")]
    async fn bytes(&self, #[fc(body)] data: &[u8]) -> Result<Bytes, FcError>;

    /// `POST /fail` → always 500 `{"errorMessage": "greeting refused", "errorType": "DemoError"}`.
    #[route(POST, "/fail")]
    async fn fail(&self) -> Result<(), FcError>;

    /// `GET /stream?lines=N` → N lines, each sent as it is made.
    #[route(GET, "/stream", idempotent)]
    async fn stream(&self, #[fc(query)] lines: u32) -> Result<TriggerStream, FcError>;

    /// A photo's title: the function answers `404 {"Code": "PhotoNotFound", "Message": …}` for every id, an
    /// error of its own in Alibaba Cloud's shape, which stays the function's answer (`FcError::Http`).
    #[route(GET, "/photos/{id}", idempotent)]
    async fn photo(&self, id: &str) -> Result<String, FcError>;

    /// A route that panics: FC's `502 UnhandledInvocationError`, an unhandled `FcError::Function`.
    #[route(GET, "/panic")]
    async fn panic(&self) -> Result<(), FcError>;
}

/// `GET /panic`.
async fn panics() -> &'static str {
    panic!("the demo web function panics on purpose")
}

/// The demo web function, an axum router served behind an HTTP trigger (by the `function` example's process and
/// by `LocalFc` in process): `POST /greet` `{"name"}` → `{"greeting"}`; `GET /echo?text=T` → `T` as text;
/// `POST /bytes` → the body echoed as `application/octet-stream`; `POST /fail` → 500
/// `{"errorMessage": "greeting refused", "errorType": "DemoError"}`; `GET /stream?lines=N` → N lines, streamed
/// (chunked) as they are produced. [`DemoWeb`] calls it.
pub fn demo_web() -> axum::Router {
    use axum::Json;
    use axum::extract::Query;
    use axum::http::{StatusCode, header};
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/greet",
            post(|Json(greet): Json<Greet>| async move {
                log_line(format!("greeting {} over HTTP", greet.name));
                Json(Greeting { greeting: format!("Hello, {}!", greet.name) })
            }),
        )
        .route(
            "/echo",
            get(|Query(q): Query<EchoQuery>| async move { ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], q.text) }),
        )
        .route(
            "/bytes",
            post(|body: Bytes| async move { ([(header::CONTENT_TYPE, "application/octet-stream")], body) }),
        )
        .route(
            "/header",
            get(|Query(q): Query<HeaderQuery>, headers: axum::http::HeaderMap| async move {
                headers.get(q.name.as_str()).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
            }),
        )
        .route(
            "/photos/{id}",
            get(|axum::extract::Path(id): axum::extract::Path<String>| async move {
                let body = serde_json::json!({"Code": "PhotoNotFound", "Message": format!("no photo {id}")});
                (StatusCode::NOT_FOUND, Json(body))
            }),
        )
        .route("/panic", get(panics))
        .route(
            "/fail",
            post(|| async {
                let body = serde_json::json!({"errorMessage": "greeting refused", "errorType": "DemoError"});
                (StatusCode::INTERNAL_SERVER_ERROR, Json(body))
            }),
        )
        .route(
            "/stream",
            get(|Query(q): Query<StreamQuery>| async move {
                let lines = futures_util::stream::unfold(0u32, move |i| async move {
                    if i >= q.lines {
                        return None;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Some((Ok::<_, std::convert::Infallible>(Bytes::from(format!("line {} of {}\n", i + 1, q.lines))), i + 1))
                });
                ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], axum::body::Body::from_stream(lines))
            }),
        )
}

/// The trigger sources [`decode_trigger_event`] knows, as the `events` example and `local_fc fire` name them.
pub const TRIGGER_SOURCES: &[&str] = &[
    "timer",
    "oss",
    "sls",
    "cdn",
    "mns-topic",
    "mns-queue",
    "rocketmq",
    "rabbitmq",
    "kafka",
    "dts",
    "mqtt",
    "http",
    "destination",
    "tablestore",
];

/// A trigger's event, decoded by its type.
pub struct DecodedEvent {
    /// The typed event, encoded again as JSON.
    pub json: serde_json::Value,
    /// The body FC would send a function for it (JSON; CBOR for `tablestore`; the text for an MNS topic message
    /// in the STREAM format).
    pub body: Vec<u8>,
}

/// Decodes `body` with the typed event of `source` exactly as the function side decodes an invocation body
/// (`fc_runtime::function::decode_event`: JSON, else CBOR, else raw text for a type that takes it). The error names the
/// failing field's path.
pub fn decode_trigger_event(source: &str, body: &[u8]) -> Result<DecodedEvent, String> {
    use fc_runtime::events::{self, TriggerEvent};
    fn decode<E: TriggerEvent + serde::de::DeserializeOwned>(body: &[u8]) -> Result<DecodedEvent, String> {
        let event: E = fc_runtime::function::decode_event(body).map_err(|f| f.message)?;
        let json = serde_json::to_value(&event).map_err(|e| e.to_string())?;
        Ok(DecodedEvent { json, body: event.to_body().map_err(|e| e.to_string())? })
    }
    match source {
        "timer" => decode::<events::timer::TimerEvent>(body),
        "oss" => decode::<events::oss::OssEvent>(body),
        "sls" => decode::<events::sls::SlsEvent>(body),
        "cdn" => decode::<events::cdn::CdnEvent>(body),
        "mns-topic" => decode::<events::mns_topic::MnsTopicEvent>(body),
        "mns-queue" => decode::<events::mns_queue::MnsQueueEvent>(body),
        "rocketmq" => decode::<events::rocketmq::RocketMqEvent>(body),
        "rabbitmq" => decode::<events::rabbitmq::RabbitMqEvent>(body),
        "kafka" => decode::<events::kafka::KafkaEvent>(body),
        "dts" => decode::<events::dts::DtsEvent>(body),
        "mqtt" => decode::<events::mqtt::MqttEvent>(body),
        "http" => decode::<events::http::HttpTriggerEvent>(body),
        "destination" => decode::<events::destination::DestinationRecord>(body),
        "tablestore" => decode::<events::tablestore::TablestoreEvent>(body),
        other => Err(format!("unknown source {other:?}: one of {}", TRIGGER_SOURCES.join(" "))),
    }
}
