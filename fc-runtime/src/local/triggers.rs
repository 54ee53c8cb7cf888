//! Triggers under `LocalFc`: timer triggers firing on their schedule, and any other trigger's event fired on
//! demand ([`LocalFc::fire`](super::LocalFc::fire)). Either way the event reaches the function as FC delivers a
//! trigger's: an async invocation (`POST /invoke` with the event body and FC's headers for a custom runtime),
//! retried by the function's async settings, recorded like any async invocation.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::HeaderMap;

use super::admission::{self, Invocation, Payload};
use super::id::FunctionId;
use super::reply::{Fail, Reject};
use super::routes::{Operation, Route};
use super::state::State;

/// A timer trigger: its name, when it fires, and the message it sends.
///
/// The schedule is FC's: a cron expression of six fields, seconds first (`0 0/5 * * * *`, every five minutes),
/// optionally after `CRON_TZ={zone} ` (UTC otherwise), or `@every {duration}` (`@every 1m`, `@every 1h30m`).
/// FC's minimum interval is a minute; `LocalFc` accepts any (`@every 200ms` in a test). `CRON_TZ` takes `UTC`, a
/// fixed offset (`+08:00`) or a zone without daylight saving time (`Asia/Shanghai`, `Asia/Singapore`, `Asia/Tokyo`,
/// …); a zone with daylight saving time is refused at start.
///
/// ```
/// use fc_runtime::local::TimerTrigger;
/// let nightly = TimerTrigger::new("nightly", "CRON_TZ=Asia/Shanghai 0 0 2 * * *").payload(r#"{"report":"daily"}"#);
/// let often = TimerTrigger::new("tick", "@every 1m");
/// ```
#[derive(Debug, Clone)]
pub struct TimerTrigger {
    name: String,
    expression: String,
    payload: String,
    enabled: bool,
}

impl TimerTrigger {
    /// A trigger named `name` firing on `expression`, with an empty payload.
    pub fn new(name: impl Into<String>, expression: impl Into<String>) -> Self {
        TimerTrigger { name: name.into(), expression: expression.into(), payload: String::new(), enabled: true }
    }

    /// The message each event carries (`payload`, a string; often JSON of its own).
    pub fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = payload.into();
        self
    }

    /// Whether it fires (default true), as the trigger's `enable` setting.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    /// The trigger's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// When a timer fires.
#[derive(Debug, Clone)]
pub(crate) enum Schedule {
    Every(Duration),
    Cron { schedule: Box<cron::Schedule>, offset: chrono::FixedOffset },
}

/// Zones without daylight saving time, by their fixed offset from UTC in seconds.
const FIXED_ZONES: &[(&str, i32)] = &[
    ("UTC", 0),
    ("Etc/UTC", 0),
    ("GMT", 0),
    ("Asia/Shanghai", 8 * 3600),
    ("Asia/Chongqing", 8 * 3600),
    ("Asia/Hong_Kong", 8 * 3600),
    ("Asia/Taipei", 8 * 3600),
    ("Asia/Singapore", 8 * 3600),
    ("Asia/Kuala_Lumpur", 8 * 3600),
    ("Asia/Manila", 8 * 3600),
    ("Asia/Tokyo", 9 * 3600),
    ("Asia/Seoul", 9 * 3600),
    ("Asia/Jakarta", 7 * 3600),
    ("Asia/Bangkok", 7 * 3600),
    ("Asia/Kolkata", 5 * 3600 + 1800),
    ("Asia/Dubai", 4 * 3600),
    ("Asia/Riyadh", 3 * 3600),
];

impl Schedule {
    /// Parses FC's timer expression.
    pub(crate) fn parse(expression: &str) -> Result<Schedule, String> {
        let expression = expression.trim();
        if let Some(every) = expression.strip_prefix("@every") {
            let every = every.trim();
            let interval = humantime::parse_duration(every)
                .map_err(|e| format!("`@every {every}`: {e} (write a duration such as 1m, 30s or 1h30m)"))?;
            if interval.is_zero() {
                return Err("`@every` needs an interval above zero".to_owned());
            }
            return Ok(Schedule::Every(interval));
        }
        let (offset, cron) = match expression.strip_prefix("CRON_TZ=") {
            Some(rest) => {
                let (zone, cron) =
                    rest.split_once(char::is_whitespace).ok_or("CRON_TZ= needs a cron expression after the zone")?;
                (zone_offset(zone)?, cron.trim())
            }
            None => (chrono::FixedOffset::east_opt(0).expect("UTC"), expression),
        };
        let fields = cron.split_whitespace().count();
        if fields != 6 {
            return Err(format!(
                "{cron:?} has {fields} fields: FC's cron expressions have six, seconds first (`0 0/5 * * * *`)"
            ));
        }
        let schedule: cron::Schedule = cron.parse().map_err(|e| format!("{cron:?}: {e}"))?;
        Ok(Schedule::Cron { schedule: Box::new(schedule), offset })
    }

    /// The first time after `after` the timer fires.
    pub(crate) fn next_after(&self, after: SystemTime) -> Option<SystemTime> {
        match self {
            Schedule::Every(interval) => Some(after + *interval),
            Schedule::Cron { schedule, offset } => {
                let at: chrono::DateTime<chrono::Utc> = after.into();
                let next = schedule.after(&at.with_timezone(offset)).next()?;
                Some(next.with_timezone(&chrono::Utc).into())
            }
        }
    }
}

fn zone_offset(zone: &str) -> Result<chrono::FixedOffset, String> {
    if let Some((_, seconds)) = FIXED_ZONES.iter().find(|(name, _)| *name == zone) {
        return Ok(chrono::FixedOffset::east_opt(*seconds).expect("a valid offset"));
    }
    if let Ok(offset) = zone.parse::<chrono::FixedOffset>() {
        return Ok(offset);
    }
    Err(format!(
        "CRON_TZ={zone}: LocalFc knows UTC, fixed offsets (+08:00) and zones without daylight saving time ({})",
        FIXED_ZONES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    ))
}

/// A timer trigger as `LocalFc` runs it.
pub(crate) struct Timer {
    pub function: FunctionId,
    /// The version or alias it invokes (`LATEST` when none).
    pub qualifier: Option<String>,
    pub trigger: TimerTrigger,
    pub schedule: Schedule,
}

impl Timer {
    /// A checked timer trigger of `function`.
    pub(crate) fn new(function: FunctionId, trigger: TimerTrigger) -> Result<Timer, String> {
        let schedule =
            Schedule::parse(&trigger.expression).map_err(|e| format!("timer trigger {:?}: {e}", trigger.name))?;
        Ok(Timer { function, qualifier: None, trigger, schedule })
    }

    /// Fires on schedule until the task is aborted.
    pub(crate) async fn run(self, state: Arc<State>) {
        if !self.trigger.enabled {
            return;
        }
        let mut last = SystemTime::now();
        while let Some(next) = self.schedule.next_after(last) {
            let wait = next.duration_since(SystemTime::now()).unwrap_or_default();
            tokio::time::sleep(wait).await;
            last = next;
            let event = serde_json::json!({
                "triggerTime": humantime::format_rfc3339_seconds(next).to_string(),
                "triggerName": self.trigger.name,
                "payload": self.trigger.payload,
            });
            let body = Bytes::from(serde_json::to_vec(&event).expect("a timer event is JSON"));
            if let Err(e) = fire(&state, &self.function, self.qualifier.as_deref(), body).await {
                tracing::warn!(trigger = %self.trigger.name, error = %e.message, "a timer trigger could not fire");
            }
        }
    }
}

/// Why [`LocalFc::fire`](super::LocalFc::fire) could not deliver an event: FC's error code and message (a
/// function that does not exist, an event over the async limit, a throttling fault), or the event that did not
/// encode (`InvalidArgument`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
#[non_exhaustive]
pub struct FireError {
    /// FC's error code: `FunctionNotFound`, `ServiceNotFound`, `EntityTooLarge`, `ResourceThrottled`, ….
    pub code: crate::ErrorCode,
    /// What went wrong.
    pub message: String,
}

impl FireError {
    /// A typed event whose `Serialize` failed.
    #[cfg(feature = "events")]
    pub(crate) fn encode(e: fc_events::EncodeError) -> Self {
        FireError { code: crate::ErrorCode::InvalidArgument, message: e.to_string() }
    }
}

impl From<Reject> for FireError {
    fn from(r: Reject) -> Self {
        FireError { code: crate::ErrorCode::from(r.code), message: r.message }
    }
}

/// Fires `event` at a function (at `qualifier`, `LATEST` when none) as a trigger does: an async invocation
/// through the one admission path, accepted now and run (with retries) in the background. Returns the
/// invocation's request id.
pub(crate) async fn fire(
    state: &Arc<State>,
    function: &FunctionId,
    qualifier: Option<&str>,
    event: Bytes,
) -> Result<String, Reject> {
    let route = Route {
        api: function.api(),
        service: function.owner(),
        function: function.name(),
        qualifier: qualifier.map(str::to_owned),
        operation: Operation::Invoke,
    };
    let target = route.resolve(state)?;
    let limit = state.limits.max_async_payload;
    if event.len() > limit {
        return Err(admission::too_large(state, crate::InvocationType::Async, event.len()));
    }
    let request_id = state.request_id();
    let ctx = admission::context(state, &target, &request_id, &HeaderMap::new());
    let invocation = Invocation::Async { payload: Payload::Event(event), id: None };
    match admission::admit(state, &target, ctx, invocation, &request_id).await {
        Ok(_) => Ok(request_id),
        Err(Fail::Reject(reject)) => Err(reject),
        Err(Fail::Drop) => Err(Reject::new(503, "ServiceUnavailable", "the event was dropped (injected fault)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> SystemTime {
        humantime::parse_rfc3339(rfc3339).unwrap()
    }

    #[test]
    fn fcs_schedules_parse_and_fire_when_they_should() {
        let five = Schedule::parse("0 0/5 * * * *").unwrap();
        assert_eq!(five.next_after(at("2026-12-03T08:01:30Z")), Some(at("2026-12-03T08:05:00Z")));
        let shanghai = Schedule::parse("CRON_TZ=Asia/Shanghai 0 0 2 * * *").unwrap();
        assert_eq!(shanghai.next_after(at("2026-12-03T08:00:00Z")), Some(at("2026-12-03T18:00:00Z")));
        let offset = Schedule::parse("CRON_TZ=+08:00 0 0 2 * * *").unwrap();
        assert_eq!(offset.next_after(at("2026-12-03T08:00:00Z")), Some(at("2026-12-03T18:00:00Z")));
        let every = Schedule::parse("@every 1h30m").unwrap();
        assert_eq!(every.next_after(at("2026-12-03T08:00:00Z")), Some(at("2026-12-03T09:30:00Z")));
        assert!(
            matches!(Schedule::parse("@every 200ms").unwrap(), Schedule::Every(d) if d == Duration::from_millis(200))
        );
    }

    #[test]
    fn bad_schedules_say_why() {
        let five = Schedule::parse("0/5 * * * *").unwrap_err();
        assert!(five.contains("has 5 fields") && five.contains("six, seconds first"), "{five}");
        assert!(Schedule::parse("@every soon").unwrap_err().contains("1m, 30s or 1h30m"));
        assert!(Schedule::parse("@every 0s").is_err());
        let dst = Schedule::parse("CRON_TZ=Europe/London 0 0 2 * * *").unwrap_err();
        assert!(dst.contains("without daylight saving time"), "{dst}");
        assert!(Schedule::parse("0 61 * * * *").is_err());
    }
}
