//! Typed events of Alibaba Cloud Function Compute triggers, one module and one feature per source, as
//! `aws_lambda_events` lays out AWS's:
//!
//! | source | module | what FC sends |
//! |---|---|---|
//! | timer | [`timer`] | JSON, [`TimerEvent`](timer::TimerEvent) |
//! | OSS | [`oss`] | JSON, [`OssEvent`](oss::OssEvent) |
//! | Log Service | [`sls`] | JSON, [`SlsEvent`](sls::SlsEvent) |
//! | CDN | [`cdn`] | JSON, [`CdnEvent`](cdn::CdnEvent), every `eventName` with its `eventParameter` |
//! | MNS topic | [`mns_topic`] | JSON or, in the STREAM format, the message body itself: [`MnsTopicEvent`](mns_topic::MnsTopicEvent) |
//! | MNS queue, RocketMQ, RabbitMQ, Kafka, DTS | [`mns_queue`], [`rocketmq`], [`rabbitmq`], [`kafka`], [`dts`] | CloudEvents 1.0 ([`cloudevents::CloudEvent`]) in a batch array or one by one ([`Batch`]) |
//! | MQTT | [`mqtt`] | a batch of messages |
//! | Tablestore | [`tablestore`] | **CBOR** (JSON from the console's test button): [`TablestoreEvent`](tablestore::TablestoreEvent) |
//! | HTTP trigger, built-in runtimes | [`http`] | the `v1` JSON event and response (a custom runtime gets the request itself) |
//! | async destination | [`destination`] | JSON, [`DestinationRecord`](destination::DestinationRecord) |
//!
//! Decoding is tolerant where FC's documentation contradicts itself (numbers sent as strings or strings as
//! numbers, a batch or a single event, batch elements that are JSON-encoded strings) and strict where it does not;
//! unknown fields never break decoding. Every type serializes too, so that a test or an emulator can send one
//! exactly as FC would ([`TriggerEvent::to_body`]).
//!
//! ```
//! # #[cfg(feature = "oss")] {
//! use fc_events::oss::OssEvent;
//! let body = br#"{"events":[{"eventName":"ObjectCreated:PutObject","eventSource":"acs:oss",
//!   "eventTime":"2022-08-13T06:45:43.000Z","eventVersion":"1.0","region":"cn-hangzhou",
//!   "oss":{"bucket":{"name":"photos"},"object":{"key":"a.png","size":"122539"}}}]}"#;
//! let event: OssEvent = serde_json::from_slice(body)?;
//! assert_eq!(event.events[0].oss.object.size, 122539); // "122539" or 122539, as FC's samples disagree
//! # }
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Building an event in a test
//!
//! The types are `#[non_exhaustive]`, so that a field FC adds is not a breaking change, and a struct literal does
//! not compile outside this crate. Every event type has [`Default`] instead (a struct's every field empty, an
//! enum's default variant documented on it), and constructors for what identifies an event, with `with_*` setters
//! for the parts a test commonly sets; the fields stay public for the rest:
//!
//! ```
//! # #[cfg(all(feature = "oss", feature = "kafka"))] {
//! use fc_events::cloudevents::CloudEvent;
//! use fc_events::kafka::{KafkaData, KafkaEvent};
//! use fc_events::oss::{OssEvent, OssRecord};
//!
//! let upload = OssEvent::new(vec![OssRecord::object_created("photos", "a.png", 2048).with_region("cn-hangzhou")]);
//! assert_eq!(upload.events[0].oss.object.size, 2048);
//!
//! let data = KafkaData::new("orders", 0, 42, serde_json::json!({"order": 1})).with_key("order-1");
//! let kafka: KafkaEvent = vec![CloudEvent::new("id-1", "acs:alikafka", KafkaData::EVENT_TYPE, data)].into();
//! assert_eq!(kafka[0].data.offset, 42);
//! # }
//! ```
//!
//! # Features
//!
//! One feature per source (all on by default), plus:
//!
//! - **`catch-all-fields`** (off by default): every struct that is an object on the wire gets a field
//!   `other: serde_json::Map<String, serde_json::Value>` (`#[serde(flatten)]`, as in `aws_lambda_events`) that
//!   keeps the fields FC adds after this crate was written, and serializes them back out, so that an event passed
//!   on (to another function, a queue, a log) loses nothing. Without it, unknown fields are skipped.
//!   [`MnsTopicMessage`](mns_topic::MnsTopicMessage) has none: its `attributes` already keep every field it does
//!   not name.
//!
//! # Raw text
//!
//! Most triggers send JSON, but an MNS topic trigger in the STREAM format sends the message body itself, which
//! may be any text. [`RAW_TEXT`] is how a type says it accepts such a body: see there.

#![cfg_attr(docsrs, feature(doc_auto_cfg))]
#![deny(missing_docs)]

mod batch;
mod encode;
pub mod tolerant;

pub use batch::Batch;
pub use encode::EncodeError;

#[cfg(feature = "cdn")]
pub mod cdn;
#[cfg(feature = "cloudevents")]
pub mod cloudevents;
#[cfg(feature = "destination")]
pub mod destination;
#[cfg(feature = "dts")]
pub mod dts;
#[cfg(feature = "http")]
pub mod http;
#[cfg(feature = "kafka")]
pub mod kafka;
#[cfg(feature = "mns-queue")]
pub mod mns_queue;
#[cfg(feature = "mns-topic")]
pub mod mns_topic;
#[cfg(feature = "mqtt")]
pub mod mqtt;
#[cfg(feature = "oss")]
pub mod oss;
#[cfg(feature = "rabbitmq")]
pub mod rabbitmq;
#[cfg(feature = "rocketmq")]
pub mod rocketmq;
#[cfg(feature = "sls")]
pub mod sls;
#[cfg(feature = "tablestore")]
pub mod tablestore;
#[cfg(feature = "timer")]
pub mod timer;

/// The name of the newtype struct a type asks for when it accepts a body that FC sends as raw text (an MNS topic
/// message in the STREAM format: the application's text, which may or may not be JSON).
///
/// The protocol, between a decoder of invocation bodies (the function side of `fc-runtime`) and the types it
/// decodes:
///
/// - When a body is not JSON, or its JSON is refused by the type as a whole, the decoder deserializes the type a
///   second time with a deserializer that answers only `deserialize_newtype_struct(RAW_TEXT, visitor)`, by calling
///   `visitor.visit_str(text)` with the body's text. Every other `deserialize_*` method fails.
/// - A type that accepts raw text calls `deserializer.deserialize_newtype_struct(RAW_TEXT, visitor)` in its
///   `Deserialize`, and its visitor takes `visit_str` as the raw text and `visit_newtype_struct(d)` as the usual
///   decoding from `d`. Any other deserializer (JSON, CBOR, a `serde_json::Value`) calls `visit_newtype_struct`
///   for a newtype struct of any name, so the type decodes from them as before.
/// - A type that does not ask (a `String`, a struct) fails on the second pass, and the decoder reports the first
///   error. Text is therefore never taken for an event by accident.
///
/// [`MnsTopicEvent`](crate::mns_topic::MnsTopicEvent) is the type of this crate that asks.
pub const RAW_TEXT: &str = "$fc_events::RawText";

/// How FC encodes a trigger's event in the body it sends a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Encoding {
    /// JSON (`application/octet-stream` on the wire all the same).
    Json,
    /// CBOR (Tablestore).
    Cbor,
    /// The bytes themselves (an MNS topic message in the STREAM format without attributes).
    Raw,
}

/// An event as a trigger sends it: how FC encodes it, and its body.
///
/// A user's own type may implement it (to fire it at a function in a test, say); the default
/// [`to_body`](Self::to_body) encodes it as JSON.
pub trait TriggerEvent: serde::Serialize {
    /// The trigger's source, as the `events` example and `local_fc` name it (`oss`, `tablestore`, …).
    const SOURCE: &'static str;

    /// How FC encodes this event.
    fn encoding(&self) -> Encoding {
        Encoding::Json
    }

    /// The body FC sends a function for this event. Fails only when the event's `Serialize` fails, which the
    /// types of this crate never do and a user's type may (a map with non-string keys, an error of its own).
    fn to_body(&self) -> Result<Vec<u8>, EncodeError> {
        Ok(serde_json::to_vec(self)?)
    }
}
