//! Every fixture (written from the shapes in FC's "trigger event format" documentation) decodes with its typed
//! event, names what it should, and survives a round trip: decoded, encoded again, decoded to the same value.

use std::fmt::Debug;

use fc_events::TriggerEvent;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes a JSON fixture (naming the failing field on error), and checks the round trip.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + Debug>(name: &str) -> T {
    let bytes = fixture(name);
    let parsed: T = serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_slice(&bytes))
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    let encoded = serde_json::to_vec(&parsed).unwrap();
    let again: T = serde_json::from_slice(&encoded).unwrap_or_else(|e| panic!("{name} re-encoded: {e}"));
    assert_eq!(parsed, again, "{name}");
    parsed
}

#[test]
fn timer() {
    let e: fc_events::timer::TimerEvent = round_trip("timer.json");
    assert_eq!((e.trigger_name.as_str(), e.payload.as_str()), ("timer-trigger", "awesome-fc"));
    assert_eq!(e.trigger_time, "2023-12-26T07:49:00Z");
}

#[test]
fn oss() {
    let e: fc_events::oss::OssEvent = round_trip("oss-put-object.json");
    let r = &e.events[0];
    assert_eq!(r.event_name, "ObjectCreated:PutObject");
    assert_eq!((r.oss.bucket.name.as_str(), r.oss.object.key.as_str()), ("testbucket", "source/a.png"));
    assert_eq!((r.oss.object.size, r.oss.object.delta_size), (122539, 122539));
    let meta = r.oss.object.object_meta.as_ref().unwrap();
    assert_eq!(meta.user_meta["x-oss-meta-last-modified"], "20250213");
    assert_eq!(r.request_parameters.source_ip_address, "140.205.XX.XX");
}

#[test]
fn sls() {
    let e: fc_events::sls::SlsEvent = round_trip("sls.json");
    assert_eq!((e.source.shard_id, e.cursor_time), (0, 1529486425));
    assert_eq!(e.source.logstore_name, "fc-test-logstore");
}

#[test]
fn cdn_every_event_name_with_its_parameters() {
    use fc_events::cdn::{CdnEvent, CdnParameter};
    let e: CdnEvent = round_trip("cdn-log-file-created.json");
    let CdnParameter::LogFileCreated(p) = &e.events[0].parameter else { panic!("{e:?}") };
    // Strings in one place, numbers in another: both decode.
    assert_eq!((p.start_time, p.end_time, p.file_size), (1521181200, 1521184800, 1788115));
    let e: CdnEvent = round_trip("cdn-cached-objects-refreshed.json");
    let CdnParameter::CachedObjectsRefreshed(p) = &e.events[0].parameter else { panic!("{e:?}") };
    assert_eq!((p.object_path.len(), p.task_id.as_str(), p.object_type.as_str()), (2, "2089687230", "File"));
    let e: CdnEvent = round_trip("cdn-domain-stopped.json");
    assert!(matches!(&e.events[0].parameter, CdnParameter::CdnDomainStopped(p) if p.status == "offline"));
    let e: CdnEvent = round_trip("cdn-domain-deleted.json");
    assert!(matches!(&e.events[0].parameter, CdnParameter::CdnDomainDeleted(p) if p.domain == "example.com"));
    assert_eq!(e.events[0].parameter.event_name(), "CdnDomainDeleted");
}

#[test]
fn mns_topic_in_every_format() {
    use fc_events::mns_topic::MnsTopicEvent;
    let e: MnsTopicEvent = round_trip("mns-topic-json.json");
    let MnsTopicEvent::Json(m) = &e else { panic!("{e:?}") };
    assert_eq!((m.publish_time, m.message.as_str()), (1550216480040, "hello topic"));
    assert!(m.attributes.is_empty());
    let e: MnsTopicEvent = round_trip("mns-topic-json-attributes.json");
    let MnsTopicEvent::Json(m) = &e else { panic!("{e:?}") };
    assert_eq!(m.attributes["key"], "value");
    let e: MnsTopicEvent = round_trip("mns-topic-stream-attributes.json");
    let MnsTopicEvent::Stream(m) = &e else { panic!("{e:?}") };
    assert_eq!((m.body.as_str(), m.attrs["Extend"].as_str()), ("hello topic", "{\"key\":\"value\"}"));
    // A STREAM body without attributes is the message itself, as text.
    let text = String::from_utf8(fixture("mns-topic-stream.txt")).unwrap();
    let e: MnsTopicEvent = serde_json::from_value(serde_json::Value::String(text)).unwrap();
    assert_eq!(e, MnsTopicEvent::Raw("hello topic".into()));
    assert_eq!((e.body(), e.to_body()), ("hello topic", b"hello topic".to_vec()));
}

#[test]
fn eventbridge_family() {
    let e: fc_events::mns_queue::MnsQueueEvent = round_trip("mns-queue.json");
    assert_eq!((e[0].event_type.as_str(), e[0].data.message_body.as_str()), ("mns:Queue:SendMessage", "TEST"));
    let e: fc_events::rocketmq::RocketMqEvent = round_trip("rocketmq-batch.json");
    let p = &e[0].data.system_properties;
    assert_eq!((p.min_offset, p.max_offset, p.trace_on), (Some(0), Some(8), Some(true)));
    assert_eq!(p.consume_start_time, Some(1628577790396));
    // "Event mode": one event, not an array; numbers where the other sample has strings, and the reverse.
    let e: fc_events::rocketmq::RocketMqEvent = round_trip("rocketmq-single.json");
    assert_eq!(e.len(), 1);
    let p = &e[0].data.system_properties;
    assert_eq!((p.min_offset, p.trace_on, p.consume_start_time), (Some(0), Some(false), Some(1628577790396)));
    let e: fc_events::rabbitmq::RabbitMqEvent = round_trip("rabbitmq.json");
    assert_eq!((e[0].data.envelope.delivery_tag, e[0].data.body["Hello"].as_str()), (98, Some("EventBridge")));
    let e: fc_events::kafka::KafkaEvent = round_trip("kafka.json");
    assert_eq!((e[0].data.partition, e[0].data.offset, e[0].data.timestamp), (9, 3, 1659346376797));
    assert_eq!(e[0].data.key.as_deref(), Some("order-1"));
    // The official Go SDK's form: an array of JSON-encoded strings, numbers as strings inside.
    let e: fc_events::kafka::KafkaEvent = round_trip("kafka-json-strings.json");
    assert_eq!((e[0].data.offset, e[0].data.value.as_str()), (3, Some("plain text")));
    let e: fc_events::dts::DtsEvent = round_trip("dts.json");
    assert_eq!((e[0].data.operation_type.as_str(), e[0].data.after_image["topic"].as_str()), ("UPDATE", Some("world")));
    let e: fc_events::mqtt::MqttEvent = round_trip("mqtt.json");
    assert_eq!((e.len(), e[1].props.client_id.as_str()), (2, "GID_housekeeping@@@xx"));
}

#[test]
fn tablestore_from_cbor_as_fc_sends_it_and_from_json_as_the_console_does() {
    use fc_events::tablestore::{ColumnType, RecordType, TablestoreEvent, Value};
    let json: TablestoreEvent = round_trip("tablestore.json");
    let cbor = TablestoreEvent::from_cbor(&fixture("tablestore.cbor")).unwrap();
    // The CBOR fixture (made with Python's cbor2 from the JSON one) holds the same first record, and a second
    // with a blob key, a deleted column, a double and a boolean.
    assert_eq!(cbor.records[0], json.records[0]);
    let second = &cbor.records[1];
    assert_eq!(second.record_type, RecordType::UpdateRow);
    assert_eq!(second.primary_key[1].value, Value::Blob(vec![0, 0x9f, 0xff]));
    assert_eq!((second.columns[0].column_type, &second.columns[0].value), (ColumnType::DeleteAllVersions, &None));
    assert_eq!(second.columns[1].value, Some(Value::Double(2.5)));
    assert_eq!(second.columns[2].value, Some(Value::Boolean(true)));
    assert_eq!(json.records[0].primary_key[0].value, Value::Integer(1506416585881590900));
    // Encoded as FC sends it, and back.
    assert_eq!(TablestoreEvent::from_cbor(&cbor.to_body()).unwrap(), cbor);
    assert_eq!(cbor.encoding(), fc_events::Encoding::Cbor);
}

#[test]
fn http_event_and_response() {
    use fc_events::http::{HttpTriggerEvent, HttpTriggerResponse};
    let e: HttpTriggerEvent = round_trip("http.json");
    assert_eq!((e.raw_path.as_str(), e.headers["header2"].as_str()), ("/example", "value1,value2"));
    assert_eq!(e.body_bytes().unwrap(), b"Hello FC!");
    assert_eq!(e.request_context.time_epoch, "1693896071895");
    let e: HttpTriggerEvent = round_trip("http-binary.json");
    assert_eq!(e.body_bytes().unwrap(), [0, 1, 0x82, 0xff]);
    assert_eq!((e.raw_path.as_str(), e.request_context.http.path.as_str()), ("/upload%20it", "/upload it"));
    assert_eq!(e.request_context.time_epoch, "1693896071895");
    let r: HttpTriggerResponse = round_trip("http-response.json");
    assert_eq!((r.status_code, r.body.as_str()), (200, "{\"ok\":true}"));
    assert_eq!(HttpTriggerResponse::binary(200, &[0, 1]).body, "AAE=");
}

#[test]
fn destination_record() {
    let e: fc_events::destination::DestinationRecord = round_trip("destination.json");
    assert_eq!(e.request_context.condition, "FunctionResourceExhausted");
    assert_eq!((e.request_context.approximate_invoke_count, e.response_context.status_code), (3, 200));
}

#[test]
fn a_field_of_the_wrong_type_is_named_by_its_path() {
    let body = br#"{"events":[{"eventName":"ObjectCreated:PutObject","oss":{"bucket":{"name":"b"},"object":{"key":"k","size":{}}}}]}"#;
    let err = serde_path_to_error::deserialize::<_, fc_events::oss::OssEvent>(
        &mut serde_json::Deserializer::from_slice(body),
    )
    .unwrap_err();
    assert_eq!(err.path().to_string(), "events[0].oss.object.size");
    assert!(err.to_string().contains("invalid type: map, expected an integer, or a string of one"), "{err}");
    // Unknown fields never break decoding.
    let body = br#"{"triggerTime":"t","triggerName":"n","payload":"p","brandNew":{"x":1}}"#;
    assert!(serde_json::from_slice::<fc_events::timer::TimerEvent>(body).is_ok());
}
