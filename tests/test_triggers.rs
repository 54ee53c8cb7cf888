//! Triggers end to end: LocalFc firing a timer and typed events (OSS as JSON, Tablestore as CBOR) at the `function`
//! example running as its own process, delivered as FC delivers a trigger's event (an async `POST /invoke`), and
//! decode errors that name the failing field, on the function side and in a client stub.

use std::time::Duration;

use examples::{DemoFunctions, DemoServer, Uploaded};
use fc_runtime::events::oss::OssEvent;
use fc_runtime::events::tablestore::TablestoreEvent;
use fc_runtime::local::{CustomRuntime, LocalFc, Namespace, StartError, TimerTrigger};
use fc_runtime::{
    Client, FcError, FunctionRef, InvocationStatus, InvokeRequest, ListFilter, StatefulInvocation, fc_function,
    fc_service,
};

const FUNCTIONS: &[&str] = <DemoFunctions as DemoServer>::FUNCTIONS;

fn runtime() -> CustomRuntime {
    CustomRuntime::command(support::example_binary("function"))
}

/// The async invocation a trigger started under `request_id`, once it finished.
async fn finished(client: &Client, function: &str, request_id: &str) -> StatefulInvocation {
    let function = FunctionRef::new("demo", function.to_owned());
    let id = format!("async_{request_id}");
    support::eventually(Duration::from_secs(20), "the triggered invocation finished", || async {
        let state = client.get_stateful_invocation(&function, &id).await.ok()?;
        state.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(state)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_fires_at_the_function_process_on_its_schedule() {
    let fc = LocalFc::builder()
        .custom_runtime("demo", FUNCTIONS, runtime())
        .timer_trigger(("demo", "on_timer"), TimerTrigger::new("tick-tock", "@every 300ms").payload("{\"n\":1}"))
        .start()
        .await
        .unwrap();
    support::eventually_true(Duration::from_secs(20), "the timer fired twice", || {
        fc.executions(("demo", "on_timer")) >= 2
    })
    .await;
    let client = fc.client();
    let page =
        client.list_stateful_invocations(&FunctionRef::new("demo", "on_timer"), &ListFilter::new()).await.unwrap();
    let done: Vec<_> = page.invocations.iter().filter(|i| i.status == Some(InvocationStatus::Succeeded)).collect();
    assert!(!done.is_empty(), "{page:?}");
    let id = done[0].invocation_id.as_deref().unwrap();
    let record = client.get_stateful_invocation(&FunctionRef::new("demo", "on_timer"), id).await.unwrap();
    let tick: String = serde_json::from_str(record.return_payload.as_deref().unwrap()).unwrap();
    // `tick {triggerName} at {triggerTime}: {payload}`, the time in RFC 3339, UTC, whole seconds.
    let (name, rest) = tick.strip_prefix("tick ").unwrap().split_once(" at ").unwrap();
    let (time, payload) = rest.split_once(": ").unwrap();
    assert_eq!((name, payload), ("tick-tock", "{\"n\":1}"));
    assert!(time.ends_with('Z') && humantime::parse_rfc3339(time).is_ok(), "{time}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_events_fired_at_the_function_process_arrive_as_fc_sends_them() {
    let fc = LocalFc::builder().custom_runtime("demo", FUNCTIONS, runtime()).start().await.unwrap();
    let client = fc.client();
    // OSS: JSON.
    let upload = OssEvent::object_created("cn-hangzhou", "photos", "2026/cat.png", 2048);
    let request_id = fc.fire_event(("demo", "on_upload"), &upload).await.unwrap();
    let done = finished(&client, "on_upload", &request_id).await;
    assert_eq!(done.status, Some(InvocationStatus::Succeeded), "{done:?}");
    let uploaded: Uploaded = serde_json::from_str(done.return_payload.as_deref().unwrap()).unwrap();
    assert_eq!(uploaded, Uploaded { bucket: "photos".into(), keys: vec!["2026/cat.png".into()], bytes: 2048 });
    // Tablestore: CBOR, as FC sends it; the function's typed event decodes it without the author doing anything.
    let cbor = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../fc-events/fixtures/tablestore.cbor")).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&cbor).is_err(), "the fixture is CBOR, not JSON");
    let request_id = fc.fire(("demo", "on_row_change"), cbor.clone()).await.unwrap();
    let done = finished(&client, "on_row_change", &request_id).await;
    assert_eq!(done.status, Some(InvocationStatus::Succeeded), "{done:?}");
    assert_eq!(done.return_payload.as_deref(), Some("2"));
    // The typed event, encoded by fire_event as FC encodes it: CBOR again.
    let event = TablestoreEvent::from_cbor(&cbor).unwrap();
    let request_id = fc.fire_event(("demo", "on_row_change"), &event).await.unwrap();
    assert_eq!(finished(&client, "on_row_change", &request_id).await.return_payload.as_deref(), Some("2"));
    // Nothing there: FC's not-found code.
    let missing = fc.fire(("demo", "nope"), "{}").await.unwrap_err();
    assert_eq!(missing.code, fc_runtime::ErrorCode::FunctionNotFound);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_decode_names_the_failing_field() {
    let fc = LocalFc::builder().custom_runtime("demo", FUNCTIONS, runtime()).start().await.unwrap();
    let client = fc.client();
    let bad = r#"{"events":[{"eventName":"ObjectCreated:PutObject","oss":{"bucket":{"name":"b"},"object":{"key":"k","size":{}}}}]}"#;
    let err = client.invoke(InvokeRequest::new("demo", "on_upload").json_bytes(bad)).await.unwrap_err();
    let f = err.as_function().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!(f.error_type.as_deref(), Some("InvalidEvent"));
    assert!(f.message.contains("events[0].oss.object.size: invalid type: map, expected an integer"), "{}", f.message);
}

/// A stub expecting another result than the function returns.
#[fc_service(service = "demo")]
trait Mismatched {
    #[fc_function(function = "whoami")]
    async fn whoami_as_numbers(&self) -> Result<WrongWhoami, FcError>;
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct WrongWhoami {
    function: String,
    retry_count: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_that_does_not_decode_names_the_failing_field() {
    let fc = LocalFc::builder().router("demo", DemoFunctions::default().into_router()).start().await.unwrap();
    let err = fc.client().whoami_as_numbers().await.unwrap_err();
    let FcError::Decode(decode) = &err else { panic!("{err:?}") };
    assert!(decode.reason.contains("at `retry_count`"), "{}", decode.reason);
    assert!(err.to_string().contains("retry_count"), "{err}");
}

#[tokio::test]
async fn a_trigger_fc_would_refuse_is_a_start_error() {
    let router = DemoFunctions::default().into_router();
    let bad = LocalFc::builder()
        .router("demo", router.clone())
        .timer_trigger(("demo", "on_timer"), TimerTrigger::new("five-fields", "0/5 * * * *"))
        .start()
        .await
        .unwrap_err();
    assert!(matches!(&bad, StartError::InvalidTrigger { trigger, .. } if trigger == "five-fields"), "{bad:?}");
    assert!(bad.to_string().contains("six, seconds first"), "{bad}");
    let nobody = LocalFc::builder()
        .router("demo", router)
        .timer_trigger(("demo", "on_tick"), TimerTrigger::new("t", "@every 1m"))
        .start()
        .await
        .unwrap_err();
    assert!(
        matches!(&nobody, StartError::UnknownFunction { function, .. } if function.name() == "on_tick"),
        "{nobody:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_timer_never_fires_and_fc3_functions_have_timers_too() {
    let router = DemoFunctions::default().into_router();
    let fc = LocalFc::builder()
        .router("demo", router.clone())
        .router(Namespace::Fc3, router)
        .timer_trigger(("demo", "on_timer"), TimerTrigger::new("off", "@every 100ms").enabled(false))
        .timer_trigger("on_timer", TimerTrigger::new("on", "@every 100ms"))
        .start()
        .await
        .unwrap();
    support::eventually_true(Duration::from_secs(20), "the FC 3.0 timer fired", || fc.executions("on_timer") >= 2)
        .await;
    assert_eq!(fc.executions(("demo", "on_timer")), 0);
}

/// An MNS topic message in the STREAM format is the application's own body, often JSON: the function side takes
/// it as it is, with its exact text, and still types the JSON format and STREAM with attributes.
#[test]
fn an_mns_stream_body_arrives_as_it_was_published_even_when_it_is_json() {
    use fc_runtime::events::mns_topic::MnsTopicEvent;
    use fc_runtime::function::decode_event;
    for body in ["hello topic", "{\"order\": 1}", "[1, 2]", "42", "{ half"] {
        let event: MnsTopicEvent = decode_event(body.as_bytes()).unwrap_or_else(|f| panic!("{body}: {f}"));
        assert_eq!(event, MnsTopicEvent::Raw(body.to_owned()), "{body}");
    }
    let json = br#"{"TopicName":"t","Message":"m","PublishTime":1550216480040,"shop":"7"}"#;
    let MnsTopicEvent::Json(message) = decode_event::<MnsTopicEvent>(json).unwrap() else { panic!() };
    assert_eq!((message.publish_time, message.attributes["shop"].as_str()), (1550216480040, Some("7")));
    let stream = br#"{"body":"m","attrs":{"Extend":"{}"}}"#;
    assert!(matches!(decode_event::<MnsTopicEvent>(stream).unwrap(), MnsTopicEvent::Stream(s) if s.body == "m"));
}

/// Every event type built without JSON (its constructors) and fired at a function through LocalFc, encoded as FC
/// encodes it (CBOR for Tablestore, the text itself for a STREAM message without attributes): the function's
/// typed route decodes each to what was built.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_type_built_in_code_is_fired_and_decoded() {
    use fc_runtime::events::{cdn, cloudevents::CloudEvent, destination, dts, http, kafka, mns_queue, mns_topic};
    use fc_runtime::events::{mqtt, oss, rabbitmq, rocketmq, sls, tablestore, timer};
    use fc_runtime::function::{Failure, Router};
    use serde::{Serialize, de::DeserializeOwned};

    /// A route that decodes `E` and answers it re-encoded as JSON.
    fn echo<E: DeserializeOwned + Serialize + Send + 'static>(router: Router, name: &str) -> Router {
        router.json(name, |event: E, _ctx| async move { Ok::<_, Failure>(serde_json::to_value(&event).unwrap()) })
    }
    let mut router = Router::new();
    router = echo::<timer::TimerEvent>(router, "timer");
    router = echo::<oss::OssEvent>(router, "oss");
    router = echo::<sls::SlsEvent>(router, "sls");
    router = echo::<cdn::CdnEvent>(router, "cdn");
    router = echo::<mns_topic::MnsTopicEvent>(router, "mns_topic");
    router = echo::<mns_queue::MnsQueueEvent>(router, "mns_queue");
    router = echo::<rocketmq::RocketMqEvent>(router, "rocketmq");
    router = echo::<rabbitmq::RabbitMqEvent>(router, "rabbitmq");
    router = echo::<kafka::KafkaEvent>(router, "kafka");
    router = echo::<dts::DtsEvent>(router, "dts");
    router = echo::<mqtt::MqttEvent>(router, "mqtt");
    router = echo::<tablestore::TablestoreEvent>(router, "tablestore");
    router = echo::<http::HttpTriggerEvent>(router, "http");
    router = echo::<destination::DestinationRecord>(router, "destination");
    let fc = LocalFc::builder().router("events", router).start().await.unwrap();
    let client = fc.client();

    async fn fire<E: fc_runtime::events::TriggerEvent>(fc: &LocalFc, client: &Client, name: &str, event: E) {
        let request_id = fc.fire_event(("events", name), &event).await.unwrap();
        let function = FunctionRef::new("events", name.to_owned());
        let id = format!("async_{request_id}");
        let done = support::eventually(Duration::from_secs(20), "the event was handled", || async {
            let state = client.get_stateful_invocation(&function, &id).await.ok()?;
            state.status.as_ref().is_some_and(|s| s.is_terminal()).then_some(state)
        })
        .await;
        assert_eq!(done.status, Some(InvocationStatus::Succeeded), "{name}: {done:?}");
        let decoded: serde_json::Value = serde_json::from_str(done.return_payload.as_deref().unwrap()).unwrap();
        assert_eq!(decoded, serde_json::to_value(&event).unwrap(), "{name} decoded to what was built");
    }

    fire(&fc, &client, "timer", timer::TimerEvent::new("2026-12-06T08:00:00Z", "nightly", "{}")).await;
    fire(&fc, &client, "oss", oss::OssEvent::new(vec![oss::OssRecord::object_created("photos", "a.png", 2048)])).await;
    fire(&fc, &client, "sls", sls::SlsEvent::new(sls::SlsSource::new("project", "logstore", 2))).await;
    fire(&fc, &client, "cdn", cdn::CdnEvent::log_file_created("example.com", "http://oss/log.gz", 10, 1, 2)).await;
    let json: mns_topic::MnsTopicEvent = mns_topic::MnsTopicMessage::new("orders", "hi").into();
    fire(&fc, &client, "mns_topic", json).await;
    fire(&fc, &client, "mns_topic", mns_topic::MnsTopicEvent::Raw("plain text".into())).await;
    let queue = mns_queue::MnsQueueData::new("id-1", "TEST");
    let queue: mns_queue::MnsQueueEvent =
        vec![CloudEvent::new("1", "acs:mns", mns_queue::MnsQueueData::EVENT_TYPE, queue)].into();
    fire(&fc, &client, "mns_queue", queue).await;
    let rocket = rocketmq::RocketMqData::new("topic", "body").with_tags("TagA");
    let rocket: rocketmq::RocketMqEvent =
        vec![CloudEvent::new("1", "acs:mq", rocketmq::RocketMqData::EVENT_TYPE, rocket)].into();
    fire(&fc, &client, "rocketmq", rocket).await;
    let rabbit = rabbitmq::RabbitMqData::new(rabbitmq::Envelope::new(1, "amq.direct", "key"), serde_json::json!("hi"));
    let rabbit: rabbitmq::RabbitMqEvent =
        vec![CloudEvent::new("1", "rabbitmq", rabbitmq::RabbitMqData::EVENT_TYPE, rabbit)].into();
    fire(&fc, &client, "rabbitmq", rabbit).await;
    let kafka = kafka::KafkaData::new("orders", 9, 3, serde_json::json!("v")).with_key("k");
    let kafka: kafka::KafkaEvent =
        vec![CloudEvent::new("1", "acs:alikafka", kafka::KafkaData::EVENT_TYPE, kafka)].into();
    fire(&fc, &client, "kafka", kafka).await;
    let dts: dts::DtsEvent =
        vec![CloudEvent::new("1", "dts", dts::DtsData::EVENT_TYPE, dts::DtsData::new(1, "UPDATE"))].into();
    fire(&fc, &client, "dts", dts).await;
    let mqtt = mqtt::MqttMessage::new(mqtt::MqttProperties::new("home", "/kitchen", "GID@@@1"), "on".into());
    fire(&fc, &client, "mqtt", mqtt::MqttEvent::from(vec![mqtt])).await;
    let row = tablestore::Record::new(tablestore::RecordType::PutRow, vec![tablestore::PrimaryKeyColumn::new("id", 1)])
        .with_column(tablestore::Column::put("name", "ann"));
    fire(&fc, &client, "tablestore", tablestore::TablestoreEvent::new(vec![row])).await;
    fire(&fc, &client, "http", http::HttpTriggerEvent::new("POST", "/upload").with_body("hi")).await;
    let arn = "acs:fc:cn-hangzhou:1:functions/orders";
    fire(&fc, &client, "destination", destination::DestinationRecord::on_success("r1", arn, "done")).await;
}
