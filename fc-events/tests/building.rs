//! A test outside the crate, as a user's is, builds an event of every source without JSON: `Default` and the
//! constructors, in spite of `#[non_exhaustive]`. Each built event is encoded as FC sends it and decodes to itself.

use std::fmt::Debug;

use fc_events::{Encoding, TriggerEvent};
use serde::de::DeserializeOwned;

/// The body FC would send for `event`, decoded again by its encoding.
fn sent_and_decoded<E: TriggerEvent + DeserializeOwned + PartialEq + Debug>(event: &E) -> E {
    let body = event.to_body().unwrap();
    let again: E = match event.encoding() {
        Encoding::Cbor => ciborium::from_reader(body.as_slice()).unwrap(),
        _ => serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body))),
    };
    assert_eq!(&again, event);
    again
}

#[cfg(all(
    feature = "timer",
    feature = "oss",
    feature = "sls",
    feature = "cdn",
    feature = "mns-topic",
    feature = "mns-queue",
    feature = "rocketmq",
    feature = "rabbitmq",
    feature = "kafka",
    feature = "dts",
    feature = "mqtt",
    feature = "tablestore",
    feature = "http",
    feature = "destination",
))]
#[test]
fn every_type_has_a_default() {
    fn empty<T: Default>() -> T {
        T::default()
    }
    use fc_events::Batch;
    use fc_events::cloudevents::CloudEvent;
    use fc_events::{cdn, destination, dts, http, kafka, mns_queue, mns_topic, mqtt, oss, rabbitmq, rocketmq};
    use fc_events::{sls, tablestore, timer};
    let _: (timer::TimerEvent, oss::OssEvent, oss::OssRecord, oss::OssEntity) = (empty(), empty(), empty(), empty());
    let _: (oss::Bucket, oss::Object, oss::ObjectMeta) = (empty(), empty(), empty());
    let _: (oss::RequestParameters, oss::ResponseElements, oss::UserIdentity) = (empty(), empty(), empty());
    let _: (sls::SlsEvent, sls::SlsSource, cdn::CdnEvent, cdn::CdnRecord) = (empty(), empty(), empty(), empty());
    let _: (cdn::CdnParameter, cdn::LogFileCreated, cdn::CachedObjects) = (empty(), empty(), empty());
    let _: (cdn::DomainStatus, cdn::Domain) = (empty(), empty());
    let _: (mns_topic::MnsTopicEvent, mns_topic::MnsTopicMessage, mns_topic::StreamMessage) =
        (empty(), empty(), empty());
    let _: (mns_queue::MnsQueueEvent, mns_queue::MnsQueueData, CloudEvent<serde_json::Value>) =
        (empty(), empty(), empty());
    let _: (rocketmq::RocketMqEvent, rocketmq::RocketMqData, rocketmq::SystemProperties) = (empty(), empty(), empty());
    let _: (rabbitmq::RabbitMqEvent, rabbitmq::RabbitMqData) = (empty(), empty());
    let _: (rabbitmq::Envelope, rabbitmq::Properties) = (empty(), empty());
    let _: (kafka::KafkaEvent, kafka::KafkaData, kafka::Headers) = (empty(), empty(), empty());
    let _: (dts::DtsEvent, dts::DtsData, dts::TopicPartition) = (empty(), empty(), empty());
    let _: (mqtt::MqttEvent, mqtt::MqttMessage, mqtt::MqttProperties) = (empty(), empty(), empty());
    let _: (tablestore::TablestoreEvent, tablestore::Record, tablestore::RecordInfo) = (empty(), empty(), empty());
    let _: (tablestore::PrimaryKeyColumn, tablestore::Column, tablestore::Value) = (empty(), empty(), empty());
    let _: (tablestore::RecordType, tablestore::ColumnType) = (empty(), empty());
    let _: (http::HttpTriggerEvent, http::RequestContext, http::HttpDetails) = (empty(), empty(), empty());
    let _: http::HttpTriggerResponse = empty();
    let _: (destination::DestinationRecord, destination::DestinationRequestContext) = (empty(), empty());
    let _: destination::DestinationResponseContext = empty();
    let _: Batch<u8> = empty();
}

#[cfg(feature = "timer")]
#[test]
fn timer() {
    let timer = fc_events::timer::TimerEvent::new("2023-12-26T07:49:00Z", "nightly", r#"{"full":true}"#);
    let timer = sent_and_decoded(&timer);
    assert_eq!(timer.payload_json::<serde_json::Value>().unwrap()["full"], true);
}

#[cfg(feature = "oss")]
#[test]
fn oss() {
    use fc_events::oss::{ObjectMeta, OssEvent, OssRecord};
    let mut record = OssRecord::object_created("photos", "a.png", 2048).with_event_time("2022-08-13T06:45:43.000Z");
    record.oss.object =
        record.oss.object.with_object_meta(ObjectMeta::new("image/png").with_user_meta("x-oss-meta-a", "1"));
    let oss = sent_and_decoded(&OssEvent::new(vec![record, OssRecord::object_removed("photos", "b.png")]));
    assert_eq!((oss.events[0].event_source.as_str(), oss.events[0].oss.object.delta_size), ("acs:oss", 2048));
    assert_eq!(oss.events[1].event_name, "ObjectRemoved:DeleteObject");
    // The shortcut of the README, unchanged.
    let one = OssEvent::object_created("cn-hangzhou", "photos", "a.png", 2048);
    assert_eq!(
        (one.events[0].region.as_str(), one.events[0].oss.bucket.arn.as_str()),
        ("cn-hangzhou", "acs:oss:cn-hangzhou::photos")
    );
}

#[cfg(feature = "sls")]
#[test]
fn sls() {
    use fc_events::sls::{SlsEvent, SlsSource};
    let source = SlsSource::new("project", "logstore", 2).with_cursors("MTU=", "MTY=").with_endpoint("http://log");
    let sls = sent_and_decoded(&SlsEvent::new(source).with_cursor_time(1529486425));
    assert_eq!((sls.parameter.clone(), sls.source.shard_id), (serde_json::json!({}), 2));
}

#[cfg(feature = "cdn")]
#[test]
fn cdn() {
    use fc_events::cdn::{CachedObjects, CdnEvent, CdnParameter, CdnRecord, DomainStatus};
    let logs = sent_and_decoded(&CdnEvent::log_file_created("example.com", "http://oss/log.gz", 1788115, 1, 2));
    let record = &logs.events[0];
    assert_eq!(
        (record.domain.as_str(), record.event_source.as_str(), record.parameter.event_name()),
        ("example.com", "cdn", "LogFileCreated")
    );
    let refreshed = CachedObjects::new("example.com", vec!["/a.mp4".into()]).with_task_id("7").with_times(1, 2);
    let records = vec![
        CdnRecord::new(CdnParameter::CachedObjectsRefreshed(refreshed)).with_region("cn-hangzhou"),
        CdnRecord::new(CdnParameter::CdnDomainStopped(DomainStatus::new("example.com", "offline"))).with_ali_uid("1"),
    ];
    let cdn = sent_and_decoded(&CdnEvent::new(records));
    assert_eq!(cdn.events[1].parameter.domain(), Some("example.com"));
}

#[cfg(feature = "mns-topic")]
#[test]
fn mns_topic() {
    use fc_events::mns_topic::{MnsTopicEvent, MnsTopicMessage, StreamMessage};
    let json: MnsTopicEvent =
        MnsTopicMessage::new("orders", "hi").with_attribute("key", "value").with_publish_time(1).into();
    sent_and_decoded(&json);
    let stream: MnsTopicEvent = StreamMessage::new("hi").with_attr("Extend", r#"{"key":"value"}"#).into();
    sent_and_decoded(&stream);
    let raw = MnsTopicEvent::Raw("plain text".to_owned());
    assert_eq!((raw.encoding(), raw.to_body().unwrap()), (Encoding::Raw, b"plain text".to_vec()));
}

#[cfg(feature = "mns-queue")]
#[test]
fn mns_queue() {
    use fc_events::Batch;
    use fc_events::cloudevents::CloudEvent;
    use fc_events::mns_queue::MnsQueueData;
    let data = MnsQueueData::new("id-1", "TEST").with_request_id("r");
    let queue: Batch<_> =
        vec![CloudEvent::new("1", "acs:mns", MnsQueueData::EVENT_TYPE, data).with_region_id("cn-hangzhou")].into();
    let queue = sent_and_decoded(&queue);
    assert_eq!((queue[0].specversion.as_str(), queue[0].event_type.as_str()), ("1.0", "mns:Queue:SendMessage"));
}

#[cfg(feature = "rocketmq")]
#[test]
fn rocketmq() {
    use fc_events::cloudevents::CloudEvent;
    use fc_events::rocketmq::{RocketMqData, RocketMqEvent};
    let data = RocketMqData::new("topic", "body").with_tags("TagA").with_keys("k").with_user_property("shop", "1");
    let rocketmq: RocketMqEvent =
        [CloudEvent::new("1", "acs:mq", RocketMqData::EVENT_TYPE, data)].into_iter().collect();
    assert_eq!(sent_and_decoded(&rocketmq)[0].data.system_properties.tags.as_deref(), Some("TagA"));
}

#[cfg(feature = "rabbitmq")]
#[test]
fn rabbitmq() {
    use fc_events::cloudevents::CloudEvent;
    use fc_events::rabbitmq::{Envelope, Properties, RabbitMqData, RabbitMqEvent};
    let data = RabbitMqData::new(Envelope::new(98, "amq.direct", "key"), serde_json::json!({"Hello": "EventBridge"}))
        .with_props(Properties::default().with_message_id("m").with_content_encoding("UTF-8"));
    let rabbitmq: RabbitMqEvent = vec![CloudEvent::new("1", "rabbitmq", RabbitMqData::EVENT_TYPE, data)].into();
    sent_and_decoded(&rabbitmq);
}

#[cfg(feature = "kafka")]
#[test]
fn kafka() {
    use fc_events::cloudevents::CloudEvent;
    use fc_events::kafka::{KafkaData, KafkaEvent};
    let data = KafkaData::new("orders", 9, 3, serde_json::json!("plain text"))
        .with_key("order-1")
        .with_timestamp(1659346376797);
    let kafka: KafkaEvent =
        vec![CloudEvent::new("1", "acs:alikafka", KafkaData::EVENT_TYPE, data).with_subject("s")].into();
    assert_eq!(sent_and_decoded(&kafka)[0].data.key.as_deref(), Some("order-1"));
}

#[cfg(feature = "dts")]
#[test]
fn dts() {
    use fc_events::cloudevents::CloudEvent;
    use fc_events::dts::{DtsData, DtsEvent, TopicPartition};
    let mut data = DtsData::new(1, "UPDATE")
        .with_before_image(serde_json::json!({"a": 1}))
        .with_after_image(serde_json::json!({"a": 2}));
    data.topic_partition = TopicPartition::new("cn_hangzhou_rm_1", 0);
    let dts: DtsEvent =
        vec![CloudEvent::new("1", "dts", DtsData::EVENT_TYPE, data).with_time("2022-06-10T07:55:57Z")].into();
    sent_and_decoded(&dts);
}

#[cfg(feature = "mqtt")]
#[test]
fn mqtt() {
    use fc_events::mqtt::{MqttEvent, MqttMessage, MqttProperties};
    let mqtt: MqttEvent =
        vec![MqttMessage::new(MqttProperties::new("home", "/kitchen", "GID@@@1"), serde_json::json!("on"))].into();
    sent_and_decoded(&mqtt);
}

#[cfg(feature = "tablestore")]
#[test]
fn tablestore() {
    use fc_events::tablestore::{Column, PrimaryKeyColumn, Record, RecordType, TablestoreEvent, Value};
    let record = Record::new(
        RecordType::UpdateRow,
        vec![PrimaryKeyColumn::new("id", 1), PrimaryKeyColumn::new("blob", vec![0u8, 255])],
    )
    .with_timestamp(1506416585740836)
    .with_column(Column::put("name", "ann").with_timestamp(1506416585741))
    .with_column(Column::delete_one_version("old", 1))
    .with_column(Column::delete_all_versions("gone"));
    let event = sent_and_decoded(&TablestoreEvent::new(vec![record]));
    assert_eq!((event.version.as_str(), event.encoding()), ("Sync-v1", Encoding::Cbor));
    assert_eq!(event.records[0].primary_key[1].value, Value::Blob(vec![0, 255]));
}

#[cfg(feature = "http")]
#[test]
fn http() {
    use fc_events::http::{HttpTriggerEvent, HttpTriggerResponse};
    let request = HttpTriggerEvent::new("POST", "/upload")
        .with_binary_body(&[0, 1])
        .with_header("Content-Type", "application/octet-stream")
        .with_query_parameter("a", "1");
    let request = sent_and_decoded(&request);
    assert_eq!(
        (request.body_bytes().unwrap(), request.request_context.http.protocol.as_str()),
        (vec![0, 1], "HTTP/1.1")
    );
    let text = HttpTriggerEvent::new("GET", "/").with_body("hi");
    assert_eq!((text.version.as_str(), text.body_bytes().unwrap()), ("v1", b"hi".to_vec()));
    let response = HttpTriggerResponse::text(201, "made").with_header("Location", "/a");
    assert_eq!(response.headers["Location"], "/a");
}

#[cfg(feature = "destination")]
#[test]
fn destination() {
    use fc_events::destination::DestinationRecord;
    let arn = "acs:fc:cn-hangzhou:1:functions/orders";
    let ok = sent_and_decoded(
        &DestinationRecord::on_success("r1", arn, "done").with_request_payload("{}").with_timestamp(1),
    );
    assert_eq!((ok.request_context.approximate_invoke_count, ok.response_context.status_code), (1, 200));
    let failed =
        DestinationRecord::on_failure("r2", arn, "FunctionResourceExhausted", "").with_approximate_invoke_count(3);
    let failed = sent_and_decoded(&failed);
    assert_eq!(
        (failed.request_context.condition.as_str(), failed.response_payload.as_str()),
        ("FunctionResourceExhausted", "")
    );
}
