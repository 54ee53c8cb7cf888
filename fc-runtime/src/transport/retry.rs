//! Which failures are repeated, and how long to wait between attempts.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use http::StatusCode;

use crate::FcError;
use crate::error::{Delivery, is_throttling_status};

/// Retries for failures that cannot have run the function: connections that were never established, and answers
/// in which FC says that nothing ran (its throttling, 429 and 503; through an HTTP trigger, also its own 500).
/// Everything else — including a timeout after the request was sent, and whatever a function answered through an
/// HTTP trigger — is returned to the caller at once, unless the request is safe to send twice: a read, an HTTP
/// trigger call marked idempotent (re-sent also after a lost connection and on the function's own 429 or 503), or an
/// async call that names a stateful invocation id (re-sent after a connection failure or timeout, because FC refuses
/// a second invocation with the same id). If the lost attempt had been accepted, the re-sent one is answered
/// `409 StatefulAsyncInvocationAlreadyExists`, and the error says so: the function still runs once.
///
/// The wait before retry `n` (1-based) is `initial_backoff * 2^(n-1)`, capped at `max_backoff`, with half of it
/// randomised ("equal jitter"); a `Retry-After` header sets a floor. A `Retry-After` longer than `max_backoff`
/// ends the retries: the caller decides whether to wait that long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts, the first included (1 disables retries).
    pub max_attempts: u32,
    /// Wait before the first retry.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 100 ms initial backoff, 5 s cap.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::default() }
    }

    /// `max_attempts` attempts with the default backoff.
    pub fn attempts(max_attempts: u32) -> Self {
        RetryPolicy { max_attempts: max_attempts.max(1), ..Self::default() }
    }

    /// Sets the backoff bounds.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// The wait before retry number `retry` (1-based), or `None` when the policy is exhausted or the server asked
    /// for a longer pause than the policy allows.
    pub fn backoff(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let retry = retry.max(1);
        if retry >= self.max_attempts {
            return None;
        }
        if retry_after.is_some_and(|ra| ra > self.max_backoff) {
            return None;
        }
        let exp = self.initial_backoff.saturating_mul(1u32 << (retry - 1).min(20));
        let cap = exp.min(self.max_backoff);
        let half = cap / 2;
        let jitter = half.mul_f64(random_unit());
        Some((half + jitter).max(retry_after.unwrap_or_default()))
    }
}

/// Whether re-sending a request can run something twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// A sync call or an async call without an id: a second copy would run the function again.
    Unsafe,
    /// A read (`GET`), an async call naming a stateful invocation id (which FC refuses to accept twice), or an
    /// HTTP-trigger call its caller marked idempotent.
    Safe,
}

/// How one attempt ended, as far as the retry decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// FC answered, and its answer says that nothing ran: see [`api_outcome`] and [`trigger_outcome`].
    NotRun(StatusCode),
    /// An answer after which the function may have run, or did: a success, the API's other refusals, and whatever
    /// the function itself answered through an HTTP trigger.
    Answered(StatusCode),
    /// The attempt failed; the request may or may not have been delivered (a timeout may have been).
    Failed(Delivery),
}

/// An API answer: FC's throttling (429, 503) ran nothing; every other status is the answer. (A function's failure
/// reaches an API caller as a 200 with `X-Fc-Error-Type`, so no non-2xx status of the API is the function's.)
pub(crate) fn api_outcome(status: StatusCode) -> Outcome {
    if is_throttling_status(status) { Outcome::NotRun(status) } else { Outcome::Answered(status) }
}

/// An HTTP trigger's answer, by FC's marker (`X-Fc-Error-Type`, the HTTP-trigger FAQ's table): marked
/// `FcCommonError`, it is FC's own, and FC documents that its 429 (the account's concurrency), 503 (its system's
/// throttling) and 500 (its system error, "retry to resolve") ran and billed nothing; any other answer, marked
/// `UnhandledInvocationError` or not marked at all, comes from a function that ran.
pub(crate) fn trigger_outcome(status: StatusCode, error_type: Option<&str>) -> Outcome {
    let by_fc = error_type == Some(crate::wire::error_type::FC_COMMON);
    if by_fc && (is_throttling_status(status) || status == StatusCode::INTERNAL_SERVER_ERROR) {
        Outcome::NotRun(status)
    } else {
        Outcome::Answered(status)
    }
}

/// The retry rule, as one pure function: may this outcome be repeated without running a function twice?
///
/// - FC said nothing ran: yes;
/// - any other answer: only a throttling status (429, 503) of an [`Idempotency::Safe`] request — the function
///   asked the caller to come back, and running it twice is harmless;
/// - a connection never established: yes, nothing was sent;
/// - a failure after sending, or a timeout: only when the request is [`Idempotency::Safe`].
pub(crate) fn is_safe_to_retry(outcome: Outcome, idempotency: Idempotency) -> bool {
    let safe = idempotency == Idempotency::Safe;
    match outcome {
        Outcome::NotRun(_) => true,
        Outcome::Answered(status) => safe && is_throttling_status(status),
        Outcome::Failed(Delivery::NotSent) => true,
        Outcome::Failed(Delivery::MaybeDelivered) => safe,
    }
}

/// One attempt's result with what the retry rule needs to know of it: how it ended (`None`: nothing was
/// attempted, such as credentials that could not be had) and the server's `Retry-After`.
pub(crate) struct Attempt<T> {
    pub result: Result<T, FcError>,
    pub outcome: Option<Outcome>,
    pub retry_after: Option<Duration>,
}

/// What [`retrying`] ends with: the last attempt's result, and whether a request that may have been delivered
/// was sent again.
pub(crate) struct Retried<T> {
    pub result: Result<T, FcError>,
    pub resent: bool,
}

/// The one retry loop of every client: runs `attempt(n)` (1-based) until its outcome may not be repeated
/// ([`is_safe_to_retry`]), the policy is exhausted, or the pause before the next attempt would end past
/// `deadline`.
pub(crate) async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    deadline: tokio::time::Instant,
    idempotency: Idempotency,
    mut attempt: F,
) -> Retried<T>
where
    F: FnMut(u32) -> Fut,
    Fut: std::future::Future<Output = Attempt<T>>,
{
    let mut number = 1u32;
    let mut resent = false;
    loop {
        let done = attempt(number).await;
        if let Some(outcome) = done.outcome
            && is_safe_to_retry(outcome, idempotency)
            && let Some(wait) = policy.backoff(number, done.retry_after)
            // A pause that would end past the deadline ends the call instead.
            && tokio::time::Instant::now() + wait < deadline
        {
            tracing::debug!(?outcome, attempt = number, ?wait, "safe to re-send; retrying");
            tokio::time::sleep(wait).await;
            resent |= outcome == Outcome::Failed(Delivery::MaybeDelivered);
            number += 1;
            continue;
        }
        return Retried { result: done.result, resent };
    }
}

/// A number in [0, 1) from the standard library's randomly keyed hasher; good enough to spread retries.
fn random_unit() -> f64 {
    let bits = std::collections::hash_map::RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_retry_rule_as_a_table() {
        use Delivery::*;
        use Idempotency::*;
        let status = |code: u16| StatusCode::from_u16(code).unwrap();
        let api = |code: u16| api_outcome(status(code));
        let fc = |code: u16| trigger_outcome(status(code), Some("FcCommonError"));
        let failed = |code: u16| trigger_outcome(status(code), Some("UnhandledInvocationError"));
        let function = |code: u16| trigger_outcome(status(code), None);
        #[rustfmt::skip]
        let table = [
            // outcome,                       idempotency, retry?
            (api(200),                        Unsafe, false),
            (api(202),                        Safe,   false),
            (api(400),                        Safe,   false),
            (api(404),                        Unsafe, false),
            (api(409),                        Safe,   false),
            (api(429),                        Unsafe, true),
            (api(429),                        Safe,   true),
            (api(500),                        Unsafe, false),
            (api(500),                        Safe,   false),
            (api(502),                        Safe,   false),
            (api(503),                        Unsafe, true),
            (api(504),                        Safe,   false),
            // Through an HTTP trigger, FC's own answers carry its marker.
            (fc(429),                         Unsafe, true),
            (fc(503),                         Unsafe, true),
            (fc(500),                         Unsafe, true),
            (fc(400),                         Safe,   false),
            (fc(403),                         Safe,   false),
            (fc(404),                         Safe,   false),
            // The function's own answer, whatever its status: it ran.
            (function(503),                   Unsafe, false),
            (function(429),                   Unsafe, false),
            (function(500),                   Unsafe, false),
            (function(503),                   Safe,   true),
            (function(429),                   Safe,   true),
            (function(500),                   Safe,   false),
            (function(200),                   Safe,   false),
            (failed(502),                     Unsafe, false),
            (failed(502),                     Safe,   false),
            (Outcome::Failed(NotSent),        Unsafe, true),
            (Outcome::Failed(NotSent),        Safe,   true),
            (Outcome::Failed(MaybeDelivered), Unsafe, false),
            (Outcome::Failed(MaybeDelivered), Safe,   true),
        ];
        for (outcome, idempotency, expected) in table {
            assert_eq!(is_safe_to_retry(outcome, idempotency), expected, "{outcome:?} × {idempotency:?}");
        }
    }

    #[test]
    fn backoff_of_retry_zero_is_that_of_the_first_retry() {
        let p = RetryPolicy::attempts(3).with_backoff(Duration::from_millis(10), Duration::from_millis(20));
        let d = p.backoff(0, None).unwrap();
        assert!(d >= Duration::from_millis(5) && d <= Duration::from_millis(10), "{d:?}");
        assert_eq!(RetryPolicy::none().backoff(0, None), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_honours_retry_after() {
        let p = RetryPolicy::attempts(10).with_backoff(Duration::from_millis(100), Duration::from_millis(800));
        for retry in 1..10 {
            let d = p.backoff(retry, None).unwrap();
            let cap = Duration::from_millis(100 * (1 << (retry - 1))).min(Duration::from_millis(800));
            assert!(d >= cap / 2 && d <= cap, "retry {retry}: {d:?}");
        }
        assert_eq!(p.backoff(10, None), None);
        assert!(p.backoff(1, Some(Duration::from_millis(700))).unwrap() >= Duration::from_millis(700));
        assert_eq!(p.backoff(1, Some(Duration::from_secs(5))), None);
        assert_eq!(RetryPolicy::none().backoff(1, None), None);
    }
}
