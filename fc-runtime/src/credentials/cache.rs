//! The one caching layer every temporary credential goes through.

use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::{BoxFuture, Clock, Credentials, CredentialsProvider};
use crate::FcError;
use crate::error::CredentialsErrorKind;

type FetchFn = dyn Fn() -> BoxFuture<'static, Result<Credentials, FcError>> + Send + Sync;

/// The longest early-refresh window: the official libraries refresh 15 minutes before expiry.
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

/// After a failed refresh while the current credentials are still valid, no new attempt before this long.
const RETRY_PAUSE: Duration = Duration::from_secs(5);

/// The longest one fetch may take before it counts as failed (`Unreachable`), so that a source that hangs cannot
/// hang every caller waiting for it: longer than any source's own timeouts (STS: 15 s).
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// Temporary credentials fetched by a function and cached until shortly before they expire.
///
/// - **Refreshed early, but not too early.** A refresh starts when the credentials are within the refresh window
///   of their expiry; the window is 15 minutes ([`refresh_window`](Self::refresh_window)), capped at half of the
///   credentials' lifetime, so 900-second credentials are refetched after 450 s and not on every call.
/// - **One refresh at a time.** While the current credentials are valid, the first caller past the window
///   refreshes and everyone else keeps using them; once they have expired (or before the first fetch), callers
///   wait for the one fetch in flight and share its outcome — 100 concurrent calls make one fetch.
/// - **Failures do not interrupt.** A refresh that fails while the current credentials are valid is logged
///   (`warn`, without secrets) and retried no sooner than 5 s later; calls keep succeeding. Once they have expired,
///   calls get a [`FcError::Credentials`] of kind [`Expired`](CredentialsErrorKind::Expired) naming the provider,
///   with the fetch's failure as its source.
/// - **No fetch hangs its callers.** A fetch that has not finished after the load timeout
///   ([`load_timeout`](Self::load_timeout), 20 s by default) fails as `Unreachable`.
/// - Credentials without an expiry are kept forever.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use fc_runtime::Credentials;
/// use fc_runtime::credentials::RefreshingCredentials;
///
/// let provider = RefreshingCredentials::new(|| async {
///     // e.g. call your own token service here
///     Ok(Credentials::new("STS.id", "secret")
///         .with_security_token("token")
///         .with_expiry(SystemTime::now() + Duration::from_secs(3600)))
/// })
/// .named("token-service");
/// ```
pub struct RefreshingCredentials {
    name: &'static str,
    fetch: Box<FetchFn>,
    window: Duration,
    load_timeout: Duration,
    clock: Clock,
    /// The one lock around the cached entry (and what the latest fetch said).
    state: Mutex<State>,
    /// The one async mutex for a fetch: held by the one caller fetching.
    refresh: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct State {
    current: Option<Entry>,
    /// Completed fetches, so that a caller who waited for another's fetch can use its outcome.
    loads: u64,
    /// The latest fetch, when it failed.
    failure: Option<LastFailure>,
}

/// A failed fetch: its kind and reason (never a secret), and the end of the pause before the next attempt while
/// the current credentials are valid.
struct LastFailure {
    kind: CredentialsErrorKind,
    reason: String,
    pause_until: SystemTime,
}

struct Entry {
    credentials: Credentials,
    refresh_at: Option<SystemTime>,
}

impl Entry {
    fn fresh(&self, now: SystemTime) -> bool {
        self.refresh_at.is_none_or(|at| now < at)
    }

    fn valid(&self, now: SystemTime) -> bool {
        self.credentials.expires_at.is_none_or(|at| now < at)
    }
}

impl fmt::Debug for RefreshingCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        f.debug_struct("RefreshingCredentials")
            .field("name", &self.name)
            .field("refresh_window", &self.window)
            .field("expires_at", &state.current.as_ref().and_then(|e| e.credentials.expires_at))
            .finish_non_exhaustive()
    }
}

impl RefreshingCredentials {
    /// Calls `fetch` for the first request and again as the type's documentation describes.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Credentials, FcError>> + Send + 'static,
    {
        RefreshingCredentials {
            name: "refreshing",
            fetch: Box::new(move || Box::pin(fetch())),
            window: DEFAULT_REFRESH_WINDOW,
            load_timeout: DEFAULT_LOAD_TIMEOUT,
            clock: Clock::system(),
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The provider's name in errors and logs (default `refreshing`).
    pub fn named(mut self, name: &'static str) -> Self {
        self.name = name;
        self
    }

    /// The longest time before expiry at which to refresh (default 15 minutes); the window used is at most half
    /// of the credentials' lifetime.
    pub fn refresh_window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The longest one fetch may take before it counts as failed (default 20 s).
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = timeout;
        self
    }

    /// The clock expirations are compared with (default: the system clock).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half-written: every write is one assignment.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// When to refresh credentials fetched at `fetched_at`.
    fn refresh_at(&self, credentials: &Credentials, fetched_at: SystemTime) -> Option<SystemTime> {
        let expires_at = credentials.expires_at?;
        let lifetime = expires_at.duration_since(fetched_at).unwrap_or_default();
        Some(expires_at - self.window.min(lifetime / 2))
    }

    /// The credentials, from the cache or a fetch, as the type's documentation describes.
    pub async fn get(&self) -> Result<Credentials, FcError> {
        let now = self.clock.now();
        let (valid, seen_loads, paused) = {
            let state = self.state();
            match &state.current {
                Some(entry) if entry.fresh(now) => return Ok(entry.credentials.clone()),
                Some(entry) if entry.valid(now) => {
                    let paused = state.failure.as_ref().is_some_and(|f| now < f.pause_until);
                    (Some(entry.credentials.clone()), state.loads, paused)
                }
                _ => (None, state.loads, false),
            }
        };
        if let Some(valid) = valid {
            // Within the window: one caller refreshes, the others carry on with what is still valid.
            if paused {
                return Ok(valid);
            }
            let Ok(_guard) = self.refresh.try_lock() else { return Ok(valid) };
            if self.state().loads != seen_loads {
                // Someone refreshed (or tried) between our look and our lock.
                return Ok(self.state().current.as_ref().map_or(valid, |e| e.credentials.clone()));
            }
            return match self.fetch_and_store().await {
                Ok(fresh) => Ok(fresh),
                Err(err) => {
                    tracing::warn!(
                        provider = self.name,
                        error = %err,
                        "refreshing credentials failed; the current ones stay in use until they expire"
                    );
                    Ok(valid)
                }
            };
        }
        // Nothing valid: wait for the fetch in flight, or make it.
        let _guard = self.refresh.lock().await;
        {
            let state = self.state();
            if state.loads != seen_loads {
                let now = self.clock.now();
                if let Some(entry) = state.current.as_ref().filter(|e| e.valid(now)) {
                    return Ok(entry.credentials.clone());
                }
                if let Some(failure) = &state.failure {
                    return Err(self.unavailable(state.current.as_ref(), failure.kind, failure.reason.clone()));
                }
            }
        }
        match self.fetch_and_store().await {
            Ok(fresh) => Ok(fresh),
            Err(err) => {
                let state = self.state();
                match state.current.as_ref().and_then(|e| e.credentials.expires_at) {
                    Some(expired_at) => Err(FcError::credentials_caused_by(
                        self.name,
                        CredentialsErrorKind::Expired,
                        format!(
                            "the credentials expired at {} and fetching new ones failed",
                            humantime::format_rfc3339_seconds(expired_at)
                        ),
                        err,
                    )),
                    None => Err(err),
                }
            }
        }
    }

    /// The error for a caller who waited for a fetch that failed.
    fn unavailable(&self, previous: Option<&Entry>, kind: CredentialsErrorKind, reason: String) -> FcError {
        match previous.and_then(|e| e.credentials.expires_at) {
            Some(expired_at) => FcError::credentials(
                self.name,
                CredentialsErrorKind::Expired,
                format!(
                    "the credentials expired at {} and fetching new ones failed: {reason}",
                    humantime::format_rfc3339_seconds(expired_at)
                ),
            ),
            None => FcError::credentials(self.name, kind, reason),
        }
    }

    async fn fetch_and_store(&self) -> Result<Credentials, FcError> {
        let fetched = match tokio::time::timeout(self.load_timeout, (self.fetch)()).await {
            Ok(fetched) => fetched,
            Err(_) => Err(FcError::credentials(
                self.name,
                CredentialsErrorKind::Unreachable,
                format!("fetching credentials did not finish within {:?}", self.load_timeout),
            )),
        };
        let outcome = fetched.and_then(|c| {
            c.validate()
                .map_err(|e| FcError::credentials(self.name, CredentialsErrorKind::Malformed, super::reason_of(&e)))?;
            Ok(c)
        });
        let now = self.clock.now();
        let outcome = outcome.and_then(|c| match c.expires_at {
            Some(at) if at <= now => Err(FcError::credentials(
                self.name,
                CredentialsErrorKind::Malformed,
                format!("the source gave credentials that expired at {}", humantime::format_rfc3339_seconds(at)),
            )),
            _ => Ok(c),
        });
        let mut state = self.state();
        state.loads += 1;
        match outcome {
            Ok(credentials) => {
                let refresh_at = self.refresh_at(&credentials, now);
                state.current = Some(Entry { credentials: credentials.clone(), refresh_at });
                state.failure = None;
                tracing::debug!(provider = self.name, "fetched credentials");
                Ok(credentials)
            }
            Err(err) => {
                let kind = err.as_credentials().map_or(CredentialsErrorKind::Unreachable, |c| c.kind);
                state.failure =
                    Some(LastFailure { kind, reason: super::reason_of(&err), pause_until: now + RETRY_PAUSE });
                Err(err)
            }
        }
    }
}

impl CredentialsProvider for RefreshingCredentials {
    fn credentials(&self) -> BoxFuture<'_, Result<Credentials, FcError>> {
        Box::pin(self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    /// A clock the test moves by hand, in seconds from an arbitrary start.
    fn manual_clock() -> (Clock, Arc<AtomicU64>) {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let offset = Arc::new(AtomicU64::new(0));
        let read = offset.clone();
        (Clock::from_fn(move || start + Duration::from_secs(read.load(Ordering::SeqCst))), offset)
    }

    /// A source handing out credentials that live `ttl` seconds, failing while `down` is set.
    fn source(
        clock: Clock,
        ttl: u64,
        down: Arc<std::sync::atomic::AtomicBool>,
    ) -> (RefreshingCredentials, Arc<AtomicUsize>) {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let inner_clock = clock.clone();
        let provider = RefreshingCredentials::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let now = inner_clock.now();
            let down = down.load(Ordering::SeqCst);
            async move {
                if down {
                    return Err(FcError::credentials("test", CredentialsErrorKind::Unreachable, "source down"));
                }
                Ok(Credentials::new("id", "s")
                    .with_security_token(format!("t{n}"))
                    .with_expiry(now + Duration::from_secs(ttl)))
            }
        })
        .named("test")
        .clock(clock);
        (provider, calls)
    }

    fn token(c: &Credentials) -> String {
        c.security_token.as_ref().unwrap().expose().to_owned()
    }

    #[tokio::test]
    async fn a_900_second_credential_is_not_refetched_on_every_call() {
        let (clock, offset) = manual_clock();
        let (provider, calls) = source(clock, 900, Default::default());
        assert_eq!(token(&provider.get().await.unwrap()), "t0");
        for at in [1, 100, 449] {
            offset.store(at, Ordering::SeqCst);
            assert_eq!(token(&provider.get().await.unwrap()), "t0", "at {at}s");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Half the lifetime: refreshed.
        offset.store(450, Ordering::SeqCst);
        assert_eq!(token(&provider.get().await.unwrap()), "t1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn an_hour_long_credential_is_refreshed_fifteen_minutes_early() {
        let (clock, offset) = manual_clock();
        let (provider, calls) = source(clock, 3600, Default::default());
        provider.get().await.unwrap();
        offset.store(3600 - 901, Ordering::SeqCst);
        assert_eq!(token(&provider.get().await.unwrap()), "t0");
        offset.store(3600 - 900, Ordering::SeqCst);
        assert_eq!(token(&provider.get().await.unwrap()), "t1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_refresh_keeps_valid_credentials_then_expiry_is_typed() {
        let (clock, offset) = manual_clock();
        let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (provider, calls) = source(clock, 3600, down.clone());
        provider.get().await.unwrap();
        down.store(true, Ordering::SeqCst);
        offset.store(3000, Ordering::SeqCst);
        // Inside the window, the source down: the current credentials are still served, one attempt per pause.
        for _ in 0..10 {
            assert_eq!(token(&provider.get().await.unwrap()), "t0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 2, "one failed attempt, then a pause");
        offset.store(3010, Ordering::SeqCst);
        assert_eq!(token(&provider.get().await.unwrap()), "t0");
        assert_eq!(calls.load(Ordering::SeqCst), 3, "tried again after the pause");
        // Expired: a typed error naming the provider, with the cause as its source.
        offset.store(3600, Ordering::SeqCst);
        let err = provider.get().await.unwrap_err();
        let c = err.as_credentials().expect("a credentials error");
        assert_eq!((c.provider, c.kind), ("test", CredentialsErrorKind::Expired));
        assert!(std::error::Error::source(&err).is_some());
        // The source is back: fresh credentials.
        down.store(false, Ordering::SeqCst);
        assert!(token(&provider.get().await.unwrap()).starts_with('t'));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_fetch() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let provider = Arc::new(RefreshingCredentials::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(Credentials::new("id", "s").with_expiry(SystemTime::now() + Duration::from_secs(3600)))
            }
        }));
        let tasks: Vec<_> = (0..100)
            .map(|_| {
                let p = provider.clone();
                tokio::spawn(async move { p.get().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_fetch_that_hangs_fails_after_the_load_timeout_and_the_next_call_fetches_again() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let provider = RefreshingCredentials::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    std::future::pending::<()>().await;
                }
                Ok(Credentials::new("id", "s"))
            }
        })
        .named("hangs")
        .load_timeout(Duration::from_millis(50));
        let err = provider.get().await.unwrap_err();
        let c = err.as_credentials().expect("a credentials error");
        assert_eq!((c.provider, c.kind), ("hangs", CredentialsErrorKind::Unreachable));
        assert!(c.reason.contains("did not finish within"), "{}", c.reason);
        assert_eq!(provider.get().await.unwrap().access_key_id, "id");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn unsendable_or_expired_answers_are_refused() {
        let provider = RefreshingCredentials::new(|| async { Ok(Credentials::new("bad id", "s")) }).named("x");
        let err = provider.get().await.unwrap_err();
        assert_eq!(err.as_credentials().map(|c| c.kind), Some(CredentialsErrorKind::Malformed));
        let provider = RefreshingCredentials::new(|| async {
            Ok(Credentials::new("id", "s").with_expiry(SystemTime::now() - Duration::from_secs(1)))
        });
        let err = provider.get().await.unwrap_err();
        assert_eq!(err.as_credentials().map(|c| c.kind), Some(CredentialsErrorKind::Malformed));
    }
}
