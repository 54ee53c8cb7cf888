//! Which failures are repeated, and how long to wait between attempts.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use http::StatusCode;

use crate::error::{Delivery, is_throttling_status};

/// Retries for failures that cannot have run the function: connections that were never established, and
/// throttling/unavailable answers (429, 503). Everything else — including a timeout after the request was sent —
/// is returned to the caller at once, with one exception: an async call that names a stateful invocation id (and a
/// `GetStatefulAsyncInvocation`) is also re-sent after a connection failure or timeout, because FC refuses a second
/// invocation with the same id. If the lost attempt had been accepted, the re-sent one is answered
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
    /// A read (`GET`) or an async call naming a stateful invocation id, which FC refuses to accept twice.
    Safe,
}

/// How one attempt ended, as far as the retry decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The service answered with this status.
    Answered(StatusCode),
    /// The attempt failed; the request may or may not have been delivered (a timeout may have been).
    Failed(Delivery),
}

/// The retry rule, as one pure function: may this outcome be repeated without running a function twice?
///
/// - a throttling answer (429, 503): yes, the function did not run;
/// - any other answer: no, it is the answer;
/// - a connection never established: yes, nothing was sent;
/// - a failure after sending, or a timeout: only when the request is [`Idempotency::Safe`].
pub(crate) fn is_safe_to_retry(outcome: Outcome, idempotency: Idempotency) -> bool {
    match outcome {
        Outcome::Answered(status) => is_throttling_status(status),
        Outcome::Failed(Delivery::NotSent) => true,
        Outcome::Failed(Delivery::MaybeDelivered) => idempotency == Idempotency::Safe,
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
        let answered = |code: u16| Outcome::Answered(StatusCode::from_u16(code).unwrap());
        #[rustfmt::skip]
        let table = [
            // outcome,                   idempotency, retry?
            (answered(200),               Unsafe, false),
            (answered(202),               Safe,   false),
            (answered(400),               Safe,   false),
            (answered(404),               Unsafe, false),
            (answered(409),               Safe,   false),
            (answered(429),               Unsafe, true),
            (answered(429),               Safe,   true),
            (answered(500),               Unsafe, false),
            (answered(500),               Safe,   false),
            (answered(502),               Safe,   false),
            (answered(503),               Unsafe, true),
            (answered(504),               Safe,   false),
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
