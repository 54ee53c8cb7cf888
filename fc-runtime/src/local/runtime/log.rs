//! A custom runtime's output as `LocalFc` reads it: lines cut at a length, and each line given to the call (an
//! invocation or a hook) it belongs to, by the request id its log line format or its markers carry.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::AsyncBufReadExt;

use crate::function::protocol::{self, Call, Marker};

/// How long to wait, after the answer, for the runtime's end marker to reach its standard output.
const LOG_GRACE: Duration = Duration::from_millis(250);

/// The longest line kept from a runtime's output: the rest of a longer line is cut.
const MAX_LINE: usize = 16 * 1024;
/// The most of one invocation's output kept: the same cap as an in-process invocation's log.
use crate::function::MAX_INVOCATION_LOG;
/// Invocations whose output is kept at once, open or ended but not yet taken.
const MAX_INVOCATIONS: usize = 1024;

/// Lines of a runtime's output, each at most [`MAX_LINE`] bytes, however long the runtime makes them.
pub(crate) struct LineReader<R> {
    inner: R,
    line: Vec<u8>,
}

impl<R: tokio::io::AsyncBufRead + Unpin> LineReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        LineReader { inner, line: Vec::new() }
    }

    /// The next line (lossily UTF-8, without its newline), cut at [`MAX_LINE`]; `None` at the end.
    pub(crate) async fn next(&mut self) -> Option<String> {
        self.line.clear();
        let mut cut = false;
        loop {
            let available = match self.inner.fill_buf().await {
                Ok(available) => available,
                Err(_) => return None,
            };
            if available.is_empty() {
                return (!self.line.is_empty() || cut).then(|| self.finish(cut));
            }
            let (chunk, ended) = match available.iter().position(|b| *b == b'\n') {
                Some(at) => (&available[..at], Some(at + 1)),
                None => (available, None),
            };
            let room = MAX_LINE.saturating_sub(self.line.len());
            self.line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            cut |= chunk.len() > room;
            let used = ended.unwrap_or(available.len());
            self.inner.consume(used);
            if ended.is_some() {
                return Some(self.finish(cut));
            }
        }
    }

    fn finish(&mut self, cut: bool) -> String {
        let mut line = String::from_utf8_lossy(&self.line).into_owned();
        if line.ends_with('\r') {
            line.pop();
        }
        if cut {
            line.push_str(" …(line cut)");
        }
        line
    }
}

/// The lines a runtime printed, gathered per call (an invocation or a hook, by its request id) from its Start
/// marker to its End marker (both included), within bounds: [`MAX_INVOCATION_LOG`] bytes a call (its last part),
/// [`MAX_INVOCATIONS`] calls.
#[derive(Default)]
pub(crate) struct Logs {
    state: Mutex<LogState>,
    ended: tokio::sync::Notify,
}

#[derive(Default)]
struct LogState {
    open: HashMap<String, Lines>,
    done: HashMap<String, Lines>,
    sequence: u64,
    /// Whether the runtime has printed a Start marker.
    marks: bool,
    /// Whether it is known to print none: a call ended (its wait for an End marker ran out) before the runtime had
    /// printed any. Such a runtime (one not written with this crate) is not waited for again.
    unmarked: bool,
}

/// One call's lines, with their size and when its Start marker came.
#[derive(Default)]
struct Lines {
    started: u64,
    request_id: String,
    lines: std::collections::VecDeque<String>,
    bytes: usize,
}

impl Lines {
    fn push(&mut self, line: String) {
        self.bytes += line.len() + 1;
        self.lines.push_back(line);
        while self.bytes > MAX_INVOCATION_LOG {
            match self.lines.pop_front() {
                Some(old) => self.bytes -= old.len() + 1,
                None => break,
            }
        }
    }
}

/// Forgets the oldest entry once there are too many.
fn bound(map: &mut HashMap<String, Lines>) {
    if map.len() > MAX_INVOCATIONS
        && let Some(oldest) = map.iter().min_by_key(|(_, l)| l.started).map(|(id, _)| id.clone())
    {
        map.remove(&oldest);
    }
}

/// The key of one call's lines: the call's marker word and its request id (an invocation and the `/initialize`
/// it caused share the request id).
fn key(call: &str, request_id: &str) -> String {
    format!("{call} {request_id}")
}

impl Logs {
    /// A call LocalFc is about to send: its lines are gathered from now on, so that a runtime that prints no
    /// markers still has its lines given to the one call in flight when it printed them (the runtime's own
    /// Start marker, when it prints one, starts the gathering again).
    pub(crate) fn begin(&self, call: Call, request_id: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.sequence += 1;
        let lines = Lines { started: state.sequence, request_id: request_id.to_owned(), ..Lines::default() };
        state.open.insert(key(call.marker(), request_id), lines);
        bound(&mut state.open);
    }

    pub(crate) fn line(&self, line: String) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match Marker::parse(&line) {
            Some(Marker::Start { call, request_id }) => {
                let key = key(call, request_id);
                state.marks = true;
                state.sequence += 1;
                let mut lines =
                    Lines { started: state.sequence, request_id: request_id.to_owned(), ..Lines::default() };
                lines.push(line);
                state.open.insert(key, lines);
                bound(&mut state.open);
            }
            Some(Marker::End { call, request_id, .. }) => {
                let key = key(call, request_id);
                let mut lines = state.open.remove(&key).unwrap_or_default();
                lines.push(line);
                state.done.insert(key, lines);
                bound(&mut state.done);
                drop(state);
                self.ended.notify_waiters();
            }
            None => {
                // A line in FC's log format goes to the call its request id names; another line goes to the one
                // call running when it was printed, and to none when several were (it cannot be told whose).
                // A line naming a call that has ended but not been taken (a web handler logging while its answer
                // streams, after its End marker) is still that call's.
                let LogState { open, done, .. } = &mut *state;
                let owner = match protocol::line_request_id(&line) {
                    Some(id) => open
                        .values_mut()
                        .find(|l| l.request_id == id)
                        .or_else(|| done.values_mut().find(|l| l.request_id == id)),
                    None if open.len() == 1 => open.values_mut().next(),
                    None => None,
                };
                match owner {
                    Some(lines) => lines.push(line),
                    None => tracing::debug!(line, "a custom runtime's line that belongs to no single invocation"),
                }
            }
        }
    }

    /// The lines of `call` for `request_id`, once its end marker arrived (or after a short wait); at once when the
    /// runtime is known to print no markers (its first call waited, and none came).
    pub(crate) async fn take(&self, call: Call, request_id: &str) -> Vec<String> {
        let key = key(call.marker(), request_id);
        let deadline = tokio::time::Instant::now() + LOG_GRACE;
        loop {
            let ended = self.ended.notified();
            {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(lines) = state.done.remove(&key) {
                    return lines.lines.into();
                }
                if state.unmarked {
                    // No End marker will come: what was gathered while the call was in flight is all there is.
                    return state.open.remove(&key).map(|l| l.lines.into()).unwrap_or_default();
                }
            }
            if tokio::time::timeout_at(deadline, ended).await.is_err() {
                let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
                if !state.marks {
                    state.unmarked = true;
                }
                let lines = state.done.remove(&key).or_else(|| state.open.remove(&key));
                return lines.map(|l| l.lines.into()).unwrap_or_default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::function::Lifecycle;
    use tokio::io::BufReader;

    #[tokio::test]
    async fn lines_are_cut_at_the_cap_and_the_next_line_is_whole() {
        let long = "x".repeat(MAX_LINE * 3);
        let text = format!("first\r\n{long}\nlast");
        let mut reader = LineReader::new(BufReader::with_capacity(64, text.as_bytes()));
        assert_eq!(reader.next().await.as_deref(), Some("first"));
        let cut = reader.next().await.unwrap();
        assert!(cut.len() < MAX_LINE + 32 && cut.ends_with("…(line cut)"), "{}", cut.len());
        assert_eq!(reader.next().await.as_deref(), Some("last"));
        assert_eq!(reader.next().await, None);
    }

    #[tokio::test]
    async fn each_line_goes_to_the_invocation_it_names_and_an_anonymous_one_only_when_there_is_no_doubt() {
        let logs = Logs::default();
        logs.line(protocol::start_line(Call::Invoke, "a"));
        logs.line("alone in a".to_owned());
        logs.line(protocol::start_line(Call::Invoke, "b"));
        logs.line("2026-12-03T08:15:30.123Z b [INFO] mine is b".to_owned());
        logs.line("2026-12-03T08:15:30.124Z a [INFO] mine is a".to_owned());
        logs.line("whose is this".to_owned());
        logs.line("2026-12-03T08:15:30.125Z c [INFO] nobody open is c".to_owned());
        logs.line(protocol::end_line(Call::Invoke, "a", false));
        logs.line("2026-12-03T08:15:30.126Z b [WARN] still b".to_owned());
        logs.line(protocol::end_line(Call::Invoke, "b", true));
        let a = logs.take(Call::Invoke, "a").await;
        let b = logs.take(Call::Invoke, "b").await;
        assert_eq!(a.len(), 4, "{a:?}");
        assert!(a[1] == "alone in a" && a[2].ends_with("mine is a"), "{a:?}");
        assert_eq!(b.len(), 4, "{b:?}");
        assert!(b[1].ends_with("mine is b") && b[2].ends_with("still b"), "{b:?}");
        // An initialization and its invocation share a request id, not their lines.
        logs.line(protocol::start_line(Call::Hook(Lifecycle::Initialize), "c"));
        logs.line("2026-12-03T08:15:30.127Z c [INFO] warming up".to_owned());
        logs.line(protocol::end_line(Call::Hook(Lifecycle::Initialize), "c", false));
        assert_eq!(logs.take(Call::Hook(Lifecycle::Initialize), "c").await.len(), 3);
    }

    /// A runtime known to print no markers is not waited for (time is paused: any wait would show).
    #[tokio::test(start_paused = true)]
    async fn a_runtime_without_markers_is_not_waited_for() {
        let logs = Logs::default();
        // Its first call waits for an End marker, a little: the runtime's markers may still be in the pipe.
        logs.begin(Call::Invoke, "first");
        let before = tokio::time::Instant::now();
        logs.take(Call::Invoke, "first").await;
        assert_eq!(tokio::time::Instant::now() - before, LOG_GRACE);
        // None came: later calls are not waited for.
        logs.begin(Call::Invoke, "a");
        logs.line("a line of its own".to_owned());
        let before = tokio::time::Instant::now();
        assert_eq!(logs.take(Call::Invoke, "a").await, ["a line of its own"]);
        assert_eq!(tokio::time::Instant::now(), before, "the take waited");
        // A runtime that prints markers has its End markers waited for, a little.
        let marked = Logs::default();
        marked.line(protocol::start_line(Call::Invoke, "b"));
        marked.begin(Call::Invoke, "c");
        let before = tokio::time::Instant::now();
        marked.take(Call::Invoke, "c").await;
        assert_eq!(tokio::time::Instant::now() - before, LOG_GRACE);
    }

    /// A line a web handler logs while its answer streams, after its End marker, is still its invocation's.
    #[tokio::test]
    async fn a_line_after_the_end_marker_is_still_the_invocations_until_taken() {
        let logs = Logs::default();
        logs.line(protocol::start_line(Call::Invoke, "w"));
        logs.line(protocol::end_line(Call::Invoke, "w", false));
        logs.line("2026-12-03T08:15:30.123Z w [INFO] streamed chunk 2".to_owned());
        let lines = logs.take(Call::Invoke, "w").await;
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[2].ends_with("streamed chunk 2"));
    }

    #[test]
    fn an_invocations_log_keeps_its_last_part_within_the_cap() {
        let logs = Logs::default();
        logs.line("FC Invoke Start RequestId: r".to_owned());
        for i in 0..(MAX_INVOCATION_LOG / 100) * 2 {
            logs.line(format!("{i:0>99}"));
        }
        let state = logs.state.lock().unwrap();
        let open = &state.open[&key("Invoke", "r")];
        assert!(open.bytes <= MAX_INVOCATION_LOG, "{}", open.bytes);
        assert!(open.lines.back().unwrap().ends_with(&((MAX_INVOCATION_LOG / 100) * 2 - 1).to_string()));
    }
}
