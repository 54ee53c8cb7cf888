//! `cargo fc invoke`: one invocation of a deployed function, its result (and log tail) printed; a function error
//! is an error with its `errorType`.

use fc_runtime::events::TriggerEvent as _;
use fc_runtime::{Client, FcError, InvocationType, InvokeRequest, LogType};
use serde::Serialize;

use crate::Error;

/// The trigger sources `--event` has a sample for.
pub const SAMPLE_SOURCES: [&str; 4] = ["oss", "timer", "sls", "mns_topic"];

/// A typed sample event of a trigger source, encoded as FC sends it (`cargo fc invoke --event oss`).
pub fn sample_event(source: &str) -> Result<Vec<u8>, Error> {
    use fc_runtime::events::{mns_topic, oss, sls, timer};
    let encoded = match source {
        "oss" => oss::OssEvent::object_created("cn-hangzhou", "my-bucket", "uploads/photo.jpg", 1024).to_body(),
        "timer" => timer::TimerEvent::new("2026-12-06T00:00:00Z", "my-timer", r#"{"report":"daily"}"#).to_body(),
        "sls" => sls::SlsEvent::new(sls::SlsSource::new("my-project", "my-logstore", 0)).to_body(),
        "mns_topic" => mns_topic::MnsTopicEvent::Json(mns_topic::MnsTopicMessage::new("my-topic", "hello")).to_body(),
        other => {
            return Err(Error::Usage(format!(
                "no sample event for {other:?} (samples: {})",
                SAMPLE_SOURCES.join(", ")
            )));
        }
    };
    encoded.map_err(|e| Error::Usage(format!("the {source} sample does not encode: {e}")))
}

/// What to send.
#[derive(Debug, Clone, Default)]
pub struct InvokeOptions {
    /// The event's bytes.
    pub event: Vec<u8>,
    /// `--qualifier`.
    pub qualifier: Option<String>,
    /// `--async`.
    pub asynchronous: bool,
    /// `--tail`.
    pub tail: bool,
}

/// What came back.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Invoked {
    /// The request id.
    pub request_id: Option<String>,
    /// The version that ran.
    pub version: Option<String>,
    /// The result (empty for an async call).
    pub body: String,
    /// The decoded log tail, with `--tail`.
    pub log: Option<String>,
    /// Whether FC accepted it to run later.
    pub accepted: bool,
}

/// Invokes the FC 3.0 function `function`.
pub async fn invoke(client: &Client, function: &str, options: InvokeOptions) -> Result<Invoked, Error> {
    let mut request = InvokeRequest::fc3(function.to_owned()).bytes(options.event);
    if let Some(q) = options.qualifier {
        request = request.qualifier(q);
    }
    if options.asynchronous {
        request = request.invocation_type(InvocationType::Async);
    }
    if options.tail {
        request = request.log_type(LogType::Tail);
    }
    match client.invoke(request).await {
        Ok(answer) => Ok(Invoked {
            request_id: answer.meta.request_id.clone(),
            version: answer.meta.service_version.clone(),
            accepted: answer.is_accepted(),
            body: String::from_utf8_lossy(&answer.body).into_owned(),
            log: answer.meta.log_tail.clone(),
        }),
        Err(FcError::Function(failure)) => Err(Error::FunctionFailed {
            function: function.to_owned(),
            error_type: failure.error_type.clone().unwrap_or_else(|| "(no errorType)".to_owned()),
            message: failure.message.clone(),
            log: failure.log_tail.clone(),
        }),
        Err(e) => Err(Error::fc(format!("invoking {function}"))(e)),
    }
}
