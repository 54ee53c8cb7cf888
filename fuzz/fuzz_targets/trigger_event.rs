//! Trigger events: any body decoded with every source's typed event by the function side's rule (JSON, else
//! CBOR, else the text), and Tablestore's CBOR directly; a decoded event encodes again and decodes to itself.
#![no_main]

use fc_runtime::events::{self, TriggerEvent};
use fc_runtime::function::decode_event;
use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `exact`: whether the round trip must give the same event back (not for MNS topic messages, whose STREAM
/// body can look like the JSON format).
fn check<E: TriggerEvent + DeserializeOwned + Serialize + std::fmt::Debug>(body: &[u8], exact: bool) {
    match decode_event::<E>(body) {
        Ok(event) => {
            // What FC would send for it decodes again, by the same rule (to the same JSON).
            let body = event.to_body().expect("a decoded event encodes");
            let again: E = decode_event(&body).expect("an encoded event decodes");
            if exact {
                assert_eq!(
                    serde_json::to_value(&event).ok(),
                    serde_json::to_value(&again).ok(),
                    "{event:?} changed in a round trip"
                );
            }
        }
        Err(failure) => {
            assert_eq!(failure.error_type, "InvalidEvent");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    match which % 14 {
        0 => check::<events::timer::TimerEvent>(body, true),
        1 => check::<events::oss::OssEvent>(body, true),
        2 => check::<events::sls::SlsEvent>(body, true),
        3 => check::<events::cdn::CdnEvent>(body, true),
        4 => check::<events::mns_topic::MnsTopicEvent>(body, false),
        5 => check::<events::mns_queue::MnsQueueEvent>(body, true),
        6 => check::<events::rocketmq::RocketMqEvent>(body, true),
        7 => check::<events::rabbitmq::RabbitMqEvent>(body, true),
        8 => check::<events::kafka::KafkaEvent>(body, true),
        9 => check::<events::dts::DtsEvent>(body, true),
        10 => check::<events::mqtt::MqttEvent>(body, true),
        11 => check::<events::http::HttpTriggerEvent>(body, true),
        12 => check::<events::destination::DestinationRecord>(body, true),
        _ => {
            check::<events::tablestore::TablestoreEvent>(body, true);
            let _ = events::tablestore::TablestoreEvent::from_cbor(body);
        }
    }
});
