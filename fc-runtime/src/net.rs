//! The listening socket, as both servers use it (the custom-runtime server and `LocalFc`): one accept loop that
//! backs off when the environment refuses a connection (out of file descriptors, say) instead of spinning.

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// Something that hands out connections (a TCP listener; a stand-in in tests).
pub(crate) trait Listener {
    /// A connection.
    type Io;
    /// The next connection, or why there is none this time.
    fn accept(&self) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

impl Listener for TcpListener {
    type Io = TcpStream;

    async fn accept(&self) -> io::Result<TcpStream> {
        let (stream, _) = TcpListener::accept(self).await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }
}

/// The first pause after a failed accept.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
/// The longest pause between failed accepts.
const MAX_PAUSE: Duration = Duration::from_secs(1);

/// The pause before the next accept after failures: 5 ms, doubling up to 1 s, back to none after a success.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
}

impl Backoff {
    fn pause(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        FIRST_PAUSE.saturating_mul(1 << (self.failures - 1).min(10)).min(MAX_PAUSE)
    }
}

/// The next connection from `listener`; a failed accept is logged and retried after a pause that grows while
/// accepts keep failing. Cancel-safe: dropping it between connections loses none.
pub(crate) async fn next_connection<L: Listener>(listener: &L, backoff: &mut Backoff) -> L::Io {
    loop {
        match listener.accept().await {
            Ok(io) => {
                backoff.failures = 0;
                return io;
            }
            Err(e) => {
                let pause = backoff.pause();
                tracing::warn!(error = %e, ?pause, "accepting a connection failed; pausing before the next accept");
                tokio::time::sleep(pause).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Refuses every accept, as a process out of file descriptors does.
    struct Exhausted(AtomicUsize);

    impl Listener for Exhausted {
        type Io = ();
        async fn accept(&self) -> io::Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(io::Error::from_raw_os_error(24)) // EMFILE
        }
    }

    #[tokio::test]
    async fn failing_accepts_are_retried_after_growing_pauses_not_in_a_spin() {
        let listener = Exhausted(AtomicUsize::new(0));
        let mut backoff = Backoff::default();
        let _ = tokio::time::timeout(Duration::from_millis(300), next_connection(&listener, &mut backoff)).await;
        // 5 + 10 + 20 + 40 + 80 + 160 ms: at most seven tries fit in 300 ms; a loop without a pause makes
        // thousands.
        let tries = listener.0.load(Ordering::SeqCst);
        assert!((1..=7).contains(&tries), "{tries} accepts in 300 ms");
        let pauses: Vec<Duration> = (0..12).map(|_| backoff.pause()).collect();
        assert!(pauses.windows(2).all(|w| w[0] <= w[1]) && pauses[11] == MAX_PAUSE, "{pauses:?}");
    }
}
