//! Every argument and result form of `#[fc_function]`, end to end against `LocalFc`, with what arrived checked
//! on the server side; and the exact requests the stubs build, through a recording `Invoke`.

use std::time::Duration;

use bytes::Bytes;
use fc_runtime::function::{Context, Failure, Router};
use fc_runtime::local::LocalFc;
use fc_runtime::{
    Accepted, Client, ContentType, FcError, FunctionRef, InputField, Invocation, InvocationMeta, InvocationStatus,
    InvocationType, Invoke, InvokeResponse, LogType, fc_function, fc_service,
};
use serde::{Deserialize, Serialize};
use support::Recorder;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resize {
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Thumbnail {
    pub url: String,
}

/// A service trait with one method per supported form.
#[fc_service(service = "media", qualifier = "LATEST")]
pub trait Media {
    /// One owned argument is the whole event.
    #[fc_function(function = "resize")]
    async fn resize(&self, job: Resize) -> Result<Thumbnail, FcError>;

    /// A reference is serialized without cloning.
    #[fc_function(function = "resize")]
    async fn resize_ref(&self, job: &Resize) -> Result<Thumbnail, FcError>;

    /// Metadata and the decoded log tail next to the value.
    #[fc_function(function = "resize", log = "tail", qualifier = "prod")]
    async fn resize_traced(&self, job: Resize) -> Result<Invocation<Thumbnail>, FcError>;

    /// No argument: an empty event; `()` ignores the result body.
    #[fc_function]
    async fn ping(&self) -> Result<(), FcError>;

    /// Several arguments become an object keyed by name; raw identifiers are unrawed; `rename` renames.
    #[fc_function(function = "inspect")]
    async fn several(
        &self,
        r#type: &str,
        count: u32,
        #[fc(rename = "tag-list")] tags: Vec<String>,
    ) -> Result<serde_json::Value, FcError>;

    /// Raw bytes in and out.
    #[fc_function(function = "echo")]
    async fn echo_vec(&self, data: Vec<u8>) -> Result<Vec<u8>, FcError>;

    /// Borrowed raw bytes in, `Bytes` out.
    #[fc_function(function = "echo")]
    async fn echo_slice(&self, data: &[u8]) -> Result<Bytes, FcError>;

    /// `Bytes` in, bytes with metadata out.
    #[fc_function(function = "echo", log = "tail")]
    async fn echo_bytes(&self, data: Bytes) -> Result<Invocation<Vec<u8>>, FcError>;

    /// Metadata only.
    #[fc_function(function = "ping")]
    async fn ping_meta(&self) -> Result<Invocation<()>, FcError>;

    /// A stateful async invocation named by a `&str` argument.
    #[fc_function(service = "video", invocation = "async")]
    async fn transcode(
        &self,
        #[fc(invocation_id)] name: &str,
        source: String,
        preset: String,
    ) -> Result<Accepted, FcError>;

    /// The id as a `String`, and the `fn … -> impl Future` form.
    #[fc_function(service = "video", function = "transcode", invocation = "async")]
    fn transcode_owned(
        &self,
        #[fc(invocation_id)] name: String,
        source: String,
    ) -> impl std::future::Future<Output = Result<Accepted, FcError>> + Send;

    /// Async without a stateful id.
    #[fc_function(service = "video", function = "transcode", invocation = "async", qualifier = "LATEST")]
    async fn transcode_anonymous(&self, source: String) -> Result<Accepted, FcError>;

    /// A generic method: `Serialize`/`DeserializeOwned` bounds are inferred.
    #[fc_function(function = "echo_json")]
    async fn round_trip<T>(&self, value: T) -> Result<T, FcError>;

    /// Attributes are kept.
    #[deprecated(note = "use resize")]
    #[fc_function(function = "resize")]
    async fn old_resize(&self, job: Resize) -> Result<Thumbnail, FcError>;

    /// `#[cfg]` removes a method as usual.
    #[cfg(any())]
    #[fc_function(function = "never")]
    async fn configured_out(&self) -> Result<(), FcError>;
}

/// A generic trait, written with the `Invoke` supertrait and a lone `#[fc_function]` per method: a lone
/// attribute does not see the trait's parameters, so the trait states their bounds.
pub trait Store<T: Serialize + serde::de::DeserializeOwned>: Invoke {
    /// Stores a value of the trait's type parameter.
    #[fc_function(service = "store", function = "put")]
    async fn put(&self, key: String, value: T) -> Result<T, FcError>;
}

impl Store<Resize> for Client {}

/// The same through `#[fc_service]`, which sees the trait's parameters and infers their bounds.
#[fc_service(service = "store")]
pub trait InferredStore<T> {
    #[fc_function(function = "put")]
    async fn put_inferred(&self, key: String, value: T) -> Result<T, FcError>;
}

async fn media_server() -> LocalFc {
    LocalFc::builder()
        .router(
            "media",
            Router::new().json("resize", |job: Resize, ctx: Context| async move {
                ctx.log(format!("resizing to {}x{}", job.width, job.height));
                Ok::<_, Failure>(Thumbnail { url: format!("thumb/{}x{}.png", job.width, job.height) })
            }),
        )
        .router(
            "media",
            Router::new().bytes("ping", |event, ctx| async move {
                assert!(event.is_empty(), "no arguments, no body");
                Ok::<_, Failure>(ctx.header("content-type").unwrap_or("").to_owned())
            }),
        )
        .router("media", Router::new().bytes("inspect", |event, _| async move { Ok::<_, Failure>(event) }))
        .router(
            "media",
            Router::new().bytes("echo", |event, ctx| async move {
                ctx.log(ctx.header("content-type").unwrap_or("none"));
                Ok::<_, Failure>(event)
            }),
        )
        .router("media", Router::new().bytes("echo_json", |event, _| async move { Ok::<_, Failure>(event) }))
        .router(
            "video",
            Router::new().json("transcode", |event: serde_json::Value, ctx: Context| async move {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Ok::<_, Failure>(serde_json::json!({ "id": ctx.invocation_id(), "event": event }))
            }),
        )
        .router(
            "store",
            Router::new()
                .json("put", |event: serde_json::Value, _| async move { Ok::<_, Failure>(event["value"].clone()) }),
        )
        .versions(("media", "inspect"), 1)
        .alias(("media", "inspect"), "prod", "1")
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn json_arguments_and_results() {
    let fc = media_server().await;
    let client = fc.client();
    let job = Resize { width: 64, height: 48 };
    let expected = Thumbnail { url: "thumb/64x48.png".into() };
    assert_eq!(client.resize(job.clone()).await.unwrap(), expected);
    assert_eq!(client.resize_ref(&job).await.unwrap(), expected);
    #[allow(deprecated)]
    let old = client.old_resize(job.clone()).await.unwrap();
    assert_eq!(old, expected);

    let traced = client.resize_traced(job.clone()).await.unwrap();
    assert_eq!(traced.value, expected);
    assert_eq!(traced.meta.service_version.as_deref(), Some("1"), "qualifier prod resolves to version 1");
    assert!(traced.meta.log_tail.as_deref().unwrap().contains("resizing to 64x48"));
    assert!(traced.meta.request_id.is_some());
    assert_eq!(fc.executions(("media", "resize")), 4);
}

#[tokio::test]
async fn empty_and_unit_forms() {
    let fc = media_server().await;
    let client = fc.client();
    client.ping().await.unwrap();
    let meta = client.ping_meta().await.unwrap();
    assert_eq!(meta.value, ());
    assert!(meta.meta.request_id.is_some());
}

#[tokio::test]
async fn several_arguments_become_an_object() {
    let fc = media_server().await;
    let value = fc.client().several("png", 3, vec!["a".into(), "b".into()]).await.unwrap();
    assert_eq!(value, serde_json::json!({ "type": "png", "count": 3, "tag-list": ["a", "b"] }));
}

#[tokio::test]
async fn raw_bytes_travel_unchanged_as_octet_stream() {
    let fc = media_server().await;
    let client = fc.client();
    let data: Vec<u8> = (0..=255).collect();
    assert_eq!(client.echo_vec(data.clone()).await.unwrap(), data);
    assert_eq!(client.echo_slice(&data).await.unwrap(), Bytes::from(data.clone()));
    let with_meta = client.echo_bytes(Bytes::from(data.clone())).await.unwrap();
    assert_eq!(with_meta.value, data);
    assert!(with_meta.meta.log_tail.unwrap().contains("application/octet-stream"));
}

#[tokio::test]
async fn stateful_async_calls_name_their_invocation() {
    let fc = media_server().await;
    let client = fc.client();
    let accepted = client.transcode("movie_2024", "s3://in.mp4".into(), "720p".into()).await.unwrap();
    assert_eq!(accepted.invocation_id(), Some("movie_2024"));
    assert!(accepted.request_id().is_some());
    let owned = client.transcode_owned("movie_2025".to_owned(), "s3://b.mp4".into()).await.unwrap();
    assert_eq!(owned.invocation_id(), Some("movie_2025"));
    let anonymous = client.transcode_anonymous("s3://c.mp4".into()).await.unwrap();
    assert!(anonymous.invocation_id().is_some());

    let f = FunctionRef::new("video", "transcode");
    let done = support::eventually(Duration::from_secs(10), "the invocation finished", || async {
        let inv = client.get_stateful_invocation(&f, "movie_2024").await.unwrap();
        (inv.status == Some(InvocationStatus::Succeeded)).then_some(inv)
    })
    .await;
    let result: serde_json::Value = serde_json::from_str(done.return_payload.as_deref().unwrap()).unwrap();
    assert_eq!(result["id"], "movie_2024");
    assert_eq!(
        result["event"],
        serde_json::json!({ "source": "s3://in.mp4", "preset": "720p" }),
        "the id is a header, not a field"
    );

    let err = client.transcode("9_starts_with_digit", "x".into(), "y".into()).await.unwrap_err();
    assert!(matches!(&err, FcError::InvalidInput(e) if e.field == InputField::InvocationId), "{err}");
}

#[tokio::test]
async fn generic_methods_and_generic_traits() {
    let fc = media_server().await;
    let client = fc.client();
    let echoed: Vec<u32> = client.round_trip(vec![1u32, 2, 3]).await.unwrap();
    assert_eq!(echoed, [1, 2, 3]);
    let stored = client.put("k".into(), Resize { width: 1, height: 2 }).await.unwrap();
    assert_eq!(stored, Resize { width: 1, height: 2 });
    let stored = InferredStore::<Vec<u8>>::put_inferred(&client, "k".into(), vec![1, 2]).await.unwrap();
    assert_eq!(stored, [1, 2]);
}

#[tokio::test]
async fn decode_failures_are_typed_with_an_excerpt() {
    let fc = LocalFc::builder()
        .router("media", Router::new().bytes("resize", |_, _| async move { Ok::<_, Failure>("not json at all") }))
        .start()
        .await
        .unwrap();
    let err = fc.client().resize(Resize { width: 1, height: 1 }).await.unwrap_err();
    match err {
        FcError::Decode(e) => {
            assert_eq!(e.excerpt, "not json at all");
            assert!(e.request_id.is_some());
            assert!(e.source.is_some(), "the JSON error is kept as the source");
        }
        other => panic!("{other:?}"),
    }
}

fn ok(body: &'static [u8]) -> Recorder {
    Recorder::new(move |_| Ok(InvokeResponse::new(fc_runtime::StatusCode::OK, InvocationMeta::default(), body)))
}

impl Media for Recorder {}

#[tokio::test]
async fn stubs_build_exactly_the_documented_requests() {
    let rec = ok(br#"{"url":"u"}"#);
    rec.resize(Resize { width: 1, height: 2 }).await.unwrap();
    let req = rec.last();
    assert_eq!(
        (req.service.as_deref().unwrap(), &*req.function, req.qualifier.as_deref()),
        ("media", "resize", Some("LATEST"))
    );
    assert_eq!(
        (req.invocation.invocation_type(), req.log_type, req.content_type),
        (InvocationType::Sync, LogType::None, ContentType::Json)
    );
    assert_eq!(&req.body[..], br#"{"width":1,"height":2}"#);

    rec.resize_traced(Resize { width: 1, height: 2 }).await.unwrap();
    let req = rec.last();
    assert_eq!((req.qualifier.as_deref(), req.log_type), (Some("prod"), LogType::Tail));

    let rec = ok(b"");
    rec.ping().await.unwrap();
    assert!(rec.last().body.is_empty());
    rec.echo_slice(b"\x00\x01").await.unwrap();
    let req = rec.last();
    assert_eq!((req.content_type, &req.body[..]), (ContentType::OctetStream, &b"\x00\x01"[..]));

    let accepted = Recorder::new(|_| {
        let mut meta = InvocationMeta::default();
        meta.invocation_id = Some("x".into());
        Ok(InvokeResponse::new(fc_runtime::StatusCode::ACCEPTED, meta, Bytes::new()))
    });
    accepted.transcode("clip_1", "a".into(), "b".into()).await.unwrap();
    let req = accepted.last();
    assert_eq!((req.service.as_deref().unwrap(), req.invocation.id()), ("video", Some("clip_1")));
    assert_eq!(req.invocation.invocation_type(), InvocationType::Async);
    assert_eq!(&req.body[..], br#"{"source":"a","preset":"b"}"#);

    // A sync stub that receives 202 (or an async stub that receives 200) reports it instead of guessing.
    let err = accepted.resize(Resize { width: 1, height: 1 }).await.unwrap_err();
    assert!(matches!(err, FcError::Decode { .. }), "{err}");
    let err = ok(b"").transcode("x", "a".into(), "b".into()).await.unwrap_err();
    assert!(matches!(err, FcError::Decode { .. }), "{err}");
}

/// A value whose serialization fails: the stub returns `Encode` and sends nothing.
pub struct Unserializable;

impl Serialize for Unserializable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refuses to serialize"))
    }
}

pub trait Fragile: Invoke {
    #[fc_function(service = "s")]
    async fn fragile(&self, value: Unserializable) -> Result<(), FcError>;

    #[fc_function(service = "s", function = "fragile")]
    async fn fragile_pair(&self, ok: u32, value: Unserializable) -> Result<(), FcError>;
}

impl Fragile for Recorder {}

#[tokio::test]
async fn serialization_failures_are_errors_and_nothing_is_sent() {
    let rec = ok(b"");
    let err = rec.fragile(Unserializable).await.unwrap_err();
    let source = std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default();
    assert!(matches!(&err, FcError::Encode(e) if e.argument.is_none()) && source.contains("refuses"), "{err}");
    let err = rec.fragile_pair(1, Unserializable).await.unwrap_err();
    assert!(matches!(&err, FcError::Encode(e) if e.argument == Some("value")), "{err}");
    assert_eq!(err.to_string(), "could not encode argument `value` of the event");
    assert!(rec.requests.lock().unwrap().is_empty());
}

/// Stub futures are `Send`, so they can be spawned.
#[tokio::test]
async fn futures_are_send() {
    let fc = media_server().await;
    let client = fc.client();
    let handle = tokio::spawn(async move { client.resize(Resize { width: 2, height: 2 }).await });
    assert!(handle.await.unwrap().is_ok());
}

#[fc_service(service = "slow", timeout = "2s")]
pub trait Slow {
    /// The service's timeout applies.
    #[fc_function(function = "sleep")]
    async fn sleep_default(&self, ms: u64) -> Result<u64, FcError>;
    /// The method's own.
    #[fc_function(function = "sleep", timeout = "150ms")]
    async fn sleep_briefly(&self, ms: u64) -> Result<u64, FcError>;
    /// A long-running function.
    #[fc_function(function = "sleep", timeout = "1h30m")]
    async fn sleep_long(&self, ms: u64) -> Result<u64, FcError>;
}

impl Slow for Recorder {}

#[tokio::test]
async fn timeouts_from_the_attribute_and_per_call() {
    let rec = Recorder::new(|_| {
        Ok(InvokeResponse::new(fc_runtime::StatusCode::OK, InvocationMeta::default(), Bytes::from_static(b"1")))
    });
    rec.sleep_default(1).await.unwrap();
    assert_eq!(rec.last().timeout, Some(Duration::from_secs(2)));
    rec.sleep_briefly(1).await.unwrap();
    assert_eq!(rec.last().timeout, Some(Duration::from_millis(150)));
    rec.sleep_long(1).await.unwrap();
    assert_eq!(rec.last().timeout, Some(Duration::from_secs(5400)));

    let fc = LocalFc::builder()
        .router(
            "slow",
            Router::new().json("sleep", |ms: u64, _ctx: Context| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok::<_, Failure>(ms)
            }),
        )
        .start()
        .await
        .unwrap();
    let client = fc.client_builder().retry(fc_runtime::RetryPolicy::none()).build().unwrap();
    let err = client.sleep_briefly(600).await.unwrap_err();
    assert!(matches!(&err, FcError::Timeout(t) if t.timeout == Duration::from_millis(150)), "{err:?}");
    // `with_timeout` wins over the stub's 150 ms, for this client only.
    assert_eq!(client.with_timeout(Duration::from_secs(5)).sleep_briefly(300).await.unwrap(), 300);
    let err = client.with_timeout(Duration::from_millis(100)).sleep_default(600).await.unwrap_err();
    assert!(matches!(&err, FcError::Timeout(t) if t.timeout == Duration::from_millis(100)), "{err:?}");
}

/// A real client or a fake behind one type, chosen at run time: the `#[fc_service]` trait works on both.
#[tokio::test]
async fn a_type_erased_client_serves_fc_service_traits() {
    let fc = LocalFc::builder()
        .router("slow", Router::new().json("sleep", |ms: u64, _ctx: Context| async move { Ok::<_, Failure>(ms + 1) }))
        .start()
        .await
        .unwrap();
    let fake = Recorder::new(|_| {
        Ok(InvokeResponse::new(fc_runtime::StatusCode::OK, InvocationMeta::default(), Bytes::from_static(b"7")))
    });
    for (backend, expected) in [(fc_runtime::DynInvoke::new(fc.client()), 2), (fc_runtime::DynInvoke::new(fake), 7)] {
        let shared: fc_runtime::DynInvoke = backend.clone();
        assert_eq!(shared.sleep_default(1).await.unwrap(), expected);
    }
}
