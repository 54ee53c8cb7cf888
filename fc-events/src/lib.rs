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
//! use fc_events::oss::OssEvent;
//! let body = br#"{"events":[{"eventName":"ObjectCreated:PutObject","eventSource":"acs:oss",
//!   "eventTime":"2022-08-13T06:45:43.000Z","eventVersion":"1.0","region":"cn-hangzhou",
//!   "oss":{"bucket":{"name":"photos"},"object":{"key":"a.png","size":"122539"}}}]}"#;
//! let event: OssEvent = serde_json::from_slice(body)?;
//! assert_eq!(event.events[0].oss.object.size, 122539); // "122539" or 122539, as FC's samples disagree
//! # Ok::<(), serde_json::Error>(())
//! ```

#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod batch;
pub mod tolerant;

pub use batch::Batch;

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
pub trait TriggerEvent: serde::Serialize {
    /// The trigger's source, as the `events` example and `local_fc` name it (`oss`, `tablestore`, …).
    const SOURCE: &'static str;

    /// How FC encodes this event.
    fn encoding(&self) -> Encoding {
        Encoding::Json
    }

    /// The body FC sends a function for this event.
    fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an event serializes to JSON")
    }
}
