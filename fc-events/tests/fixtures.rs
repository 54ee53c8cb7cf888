//! Every fixture (written from the shapes in FC's "trigger event format" documentation) decodes with its typed
//! event, names what it should, and survives a round trip: decoded, encoded again, decoded to the same value. With
//! the feature `catch-all-fields`, the round trip also keeps every field of the fixture, known or not.

use std::fmt::Debug;

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
    #[cfg(feature = "catch-all-fields")]
    {
        let original: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let encoded: serde_json::Value = serde_json::from_slice(&encoded).unwrap();
        let lost: Vec<String> = key_paths(&original).difference(&key_paths(&encoded)).cloned().collect();
        assert!(lost.is_empty(), "{name}: fields lost in a round trip: {lost:?}");
    }
    parsed
}

/// The path of every object key in `value` (`.events.oss.bucket.name`), arrays left out (a batch of one and a
/// single event have the same paths: one decodes as the other).
#[cfg(feature = "catch-all-fields")]
fn key_paths(value: &serde_json::Value) -> std::collections::BTreeSet<String> {
    fn walk(value: &serde_json::Value, at: &str, out: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, value) in map {
                    let path = format!("{at}.{key}");
                    walk(value, &path, out);
                    out.insert(path);
                }
            }
            serde_json::Value::Array(values) => values.iter().for_each(|v| walk(v, at, out)),
            _ => {}
        }
    }
    let mut out = std::collections::BTreeSet::new();
    walk(value, "", &mut out);
    out
}

#[cfg(feature = "timer")]
#[test]
fn timer() {
    let e: fc_events::timer::TimerEvent = round_trip("timer.json");
    assert_eq!((e.trigger_name.as_str(), e.payload.as_str()), ("timer-trigger", "awesome-fc"));
    assert_eq!(e.trigger_time, "2023-12-26T07:49:00Z");
}

#[cfg(feature = "oss")]
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

#[cfg(feature = "sls")]
#[test]
fn sls() {
    let e: fc_events::sls::SlsEvent = round_trip("sls.json");
    assert_eq!((e.source.shard_id, e.cursor_time), (0, 1529486425));
    assert_eq!(e.source.logstore_name, "fc-test-logstore");
}

#[cfg(feature = "cdn")]
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

#[cfg(feature = "cdn")]
#[test]
fn a_wrong_type_inside_a_cdn_event_parameter_is_named_by_its_whole_path() {
    let body = br#"{"events":[{"eventName":"LogFileCreated","eventSource":"cdn","resource":{"domain":"example.com"},
        "eventParameter":{"domain":"example.com","startTime":1,"endTime":2,"fileSize":{"bytes":3},"filePath":"p"}}]}"#;
    let err = serde_path_to_error::deserialize::<_, fc_events::cdn::CdnEvent>(
        &mut serde_json::Deserializer::from_slice(body),
    )
    .unwrap_err();
    assert_eq!(err.path().to_string(), "events[0].eventParameter.fileSize");
    assert!(err.to_string().contains("invalid type: map, expected an integer, or a string of one"), "{err}");
    // An `eventParameter` sent before its `eventName` (FC does not) still decodes, and its error names it.
    let body = br#"{"events":[{"eventParameter":{"domain":"example.com","status":"online"},
        "eventName":"CdnDomainStarted"}]}"#;
    let e: fc_events::cdn::CdnEvent = serde_json::from_slice(body).unwrap();
    assert!(
        matches!(&e.events[0].parameter, fc_events::cdn::CdnParameter::CdnDomainStarted(p) if p.status == "online")
    );
    let body = br#"{"events":[{"eventParameter":{"domain":7},"eventName":"CdnDomainAdded"}]}"#;
    let err = serde_json::from_slice::<fc_events::cdn::CdnEvent>(body).unwrap_err().to_string();
    assert!(err.starts_with("eventParameter: invalid type: integer `7`, expected a string"), "{err}");
    // A known `eventName` needs its parameters; another keeps whatever it has, `null` when none.
    let err = serde_json::from_slice::<fc_events::cdn::CdnEvent>(br#"{"events":[{"eventName":"CdnDomainAdded"}]}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing field `eventParameter`"), "{err}");
    let e: fc_events::cdn::CdnEvent = serde_json::from_slice(br#"{"events":[{"eventName":"CdnNew"}]}"#).unwrap();
    assert_eq!(e.events[0].parameter.event_name(), "CdnNew");
}

#[cfg(feature = "mns-topic")]
#[test]
fn mns_topic_in_every_format() {
    use fc_events::TriggerEvent;
    use fc_events::mns_topic::MnsTopicEvent;
    // Every JSON fixture decodes alike from bytes, from a `serde_json::Value` and from CBOR (the paths the function
    // side may take), through `MnsTopicEvent`'s request for raw text.
    for name in ["mns-topic-json.json", "mns-topic-json-attributes.json", "mns-topic-stream-attributes.json"] {
        let bytes = fixture(name);
        let from_slice: MnsTopicEvent = serde_json::from_slice(&bytes).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let from_value: MnsTopicEvent = serde_json::from_value(value.clone()).unwrap();
        let mut cbor = Vec::new();
        ciborium::into_writer(&value, &mut cbor).unwrap();
        let from_cbor: MnsTopicEvent = ciborium::from_reader(cbor.as_slice()).unwrap();
        assert_eq!((&from_value, &from_cbor), (&from_slice, &from_slice), "{name}");
        assert!(!matches!(from_slice, MnsTopicEvent::Raw(_)), "{name}");
    }
    let text = String::from_utf8(fixture("mns-topic-stream.txt")).unwrap();
    let mut cbor = Vec::new();
    ciborium::into_writer(&text, &mut cbor).unwrap();
    let from_cbor: MnsTopicEvent = ciborium::from_reader(cbor.as_slice()).unwrap();
    assert_eq!(from_cbor, MnsTopicEvent::Raw("hello topic".into()));

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
    assert_eq!((e.body(), e.to_body().unwrap()), ("hello topic", b"hello topic".to_vec()));
}

#[cfg(feature = "mns-queue")]
#[test]
fn mns_queue() {
    let e: fc_events::mns_queue::MnsQueueEvent = round_trip("mns-queue.json");
    assert_eq!((e[0].event_type.as_str(), e[0].data.message_body.as_str()), ("mns:Queue:SendMessage", "TEST"));
}

#[cfg(feature = "rocketmq")]
#[test]
fn rocketmq_in_both_modes() {
    let e: fc_events::rocketmq::RocketMqEvent = round_trip("rocketmq-batch.json");
    let p = &e[0].data.system_properties;
    assert_eq!((p.min_offset, p.max_offset, p.trace_on), (Some(0), Some(8), Some(true)));
    assert_eq!(p.consume_start_time, Some(1628577790396));
    // "Event mode": one event, not an array; numbers where the other sample has strings, and the reverse.
    let e: fc_events::rocketmq::RocketMqEvent = round_trip("rocketmq-single.json");
    assert_eq!(e.len(), 1);
    let p = &e[0].data.system_properties;
    assert_eq!((p.min_offset, p.trace_on, p.consume_start_time), (Some(0), Some(false), Some(1628577790396)));
}

#[cfg(feature = "rabbitmq")]
#[test]
fn rabbitmq() {
    let e: fc_events::rabbitmq::RabbitMqEvent = round_trip("rabbitmq.json");
    assert_eq!((e[0].data.envelope.delivery_tag, e[0].data.body["Hello"].as_str()), (98, Some("EventBridge")));
}

#[cfg(feature = "kafka")]
#[test]
fn kafka_as_objects_and_as_json_strings() {
    let e: fc_events::kafka::KafkaEvent = round_trip("kafka.json");
    assert_eq!((e[0].data.partition, e[0].data.offset, e[0].data.timestamp), (9, 3, 1659346376797));
    assert_eq!(e[0].data.key.as_deref(), Some("order-1"));
    // The official Go SDK's form: an array of JSON-encoded strings, numbers as strings inside.
    let e: fc_events::kafka::KafkaEvent = round_trip("kafka-json-strings.json");
    assert_eq!((e[0].data.offset, e[0].data.value.as_str()), (3, Some("plain text")));
}

#[cfg(feature = "dts")]
#[test]
fn dts() {
    let e: fc_events::dts::DtsEvent = round_trip("dts.json");
    assert_eq!((e[0].data.operation_type.as_str(), e[0].data.after_image["topic"].as_str()), ("UPDATE", Some("world")));
}

#[cfg(feature = "mqtt")]
#[test]
fn mqtt() {
    let e: fc_events::mqtt::MqttEvent = round_trip("mqtt.json");
    assert_eq!((e.len(), e[1].props.client_id.as_str()), (2, "GID_housekeeping@@@xx"));
}

#[cfg(feature = "tablestore")]
#[test]
fn tablestore_from_cbor_as_fc_sends_it_and_from_json_as_the_console_does() {
    use fc_events::TriggerEvent;
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
    assert_eq!(TablestoreEvent::from_cbor(&cbor.to_body().unwrap()).unwrap(), cbor);
    assert_eq!(cbor.encoding(), fc_events::Encoding::Cbor);
}

#[cfg(feature = "http")]
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

#[cfg(feature = "destination")]
#[test]
fn destination_record() {
    let e: fc_events::destination::DestinationRecord = round_trip("destination.json");
    assert_eq!(e.request_context.condition, "FunctionResourceExhausted");
    assert_eq!((e.request_context.approximate_invoke_count, e.response_context.status_code), (3, 200));
}

#[cfg(all(feature = "oss", feature = "timer"))]
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

/// With the feature `catch-all-fields`, the unknown fields `found` in a re-encoded event are `expected`; without it,
/// they were skipped (`null`). Never an error either way.
#[cfg(any(feature = "oss", feature = "cdn", feature = "tablestore"))]
fn kept_with_catch_all_fields(found: &[&serde_json::Value], expected: serde_json::Value) {
    let found = serde_json::Value::Array(found.iter().map(|&v| v.clone()).collect());
    if cfg!(feature = "catch-all-fields") {
        assert_eq!(found, expected);
    } else {
        assert!(found.as_array().unwrap().iter().all(serde_json::Value::is_null), "{found}");
    }
}

#[cfg(feature = "oss")]
#[test]
fn unknown_fields_at_the_top_and_deep_inside() {
    let body = br#"{"events":[{"eventName":"ObjectCreated:PutObject","brandNew":1,
        "oss":{"bucket":{"name":"b","tier":"hot"},"object":{"key":"k","size":1,"crc64":"7"}}}],"batchId":"x"}"#;
    let event: fc_events::oss::OssEvent = serde_json::from_slice(body).unwrap();
    let again = serde_json::to_value(&event).unwrap();
    let record = &again["events"][0];
    let found =
        [&again["batchId"], &record["brandNew"], &record["oss"]["bucket"]["tier"], &record["oss"]["object"]["crc64"]];
    kept_with_catch_all_fields(&found, serde_json::json!(["x", 1, "hot", "7"]));
}

#[cfg(feature = "cdn")]
#[test]
fn unknown_fields_of_a_cdn_record_decoded_by_hand() {
    let body = br#"{"events":[{"eventName":"CdnDomainAdded","eventParameter":{"domain":"d","owner":"o"},"zone":"z"}]}"#;
    let event: fc_events::cdn::CdnEvent = serde_json::from_slice(body).unwrap();
    let again = serde_json::to_value(&event).unwrap();
    let record = &again["events"][0];
    kept_with_catch_all_fields(&[&record["zone"], &record["eventParameter"]["owner"]], serde_json::json!(["z", "o"]));
}

#[cfg(feature = "tablestore")]
#[test]
fn unknown_fields_of_cbor_that_json_has_no_form_for() {
    // A byte string: kept as the array of its bytes, as a blob is in JSON.
    use ciborium::cbor; // the macro calls itself by its bare name
    let record = cbor!({
        "Type" => "DeleteRow", "Info" => { "Timestamp" => 1 },
        "PrimaryKey" => [{ "ColumnName" => "id", "Value" => 1 }],
        "Digest" => ciborium::Value::Bytes(vec![0, 255]),
    })
    .unwrap();
    let mut cbor = Vec::new();
    ciborium::into_writer(&cbor!({ "Version" => "Sync-v1", "Records" => [record] }).unwrap(), &mut cbor).unwrap();
    let event = fc_events::tablestore::TablestoreEvent::from_cbor(&cbor).unwrap();
    let again = serde_json::to_value(&event).unwrap();
    kept_with_catch_all_fields(&[&again["Records"][0]["Digest"]], serde_json::json!([[0, 255]]));
}
