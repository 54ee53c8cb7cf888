//! The async invocation records, per function, in creation order; bounded in number and in bytes: past either of
//! a function's caps, its oldest finished records are forgotten, and no text a record keeps (the event, the
//! result, an error) is longer than [`MAX_RECORD_TEXT`].

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::task::AbortHandle;

use crate::{InvocationEvent, InvocationStatus, StatefulInvocation};

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// The most of one text a record keeps (the event, the result, an error message): its start, then a note.
pub(crate) const MAX_RECORD_TEXT: usize = 128 * 1024;

/// `text` cut to [`MAX_RECORD_TEXT`] bytes at a character boundary, with a note saying so.
pub(crate) fn record_text(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    if text.len() <= MAX_RECORD_TEXT {
        return text.into_owned();
    }
    let mut cut = MAX_RECORD_TEXT;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…(cut: {} bytes in all)", &text[..cut], text.len())
}

pub(crate) struct Record {
    pub info: StatefulInvocation,
    pub task: Option<AbortHandle>,
}

impl Record {
    /// The bytes the record's texts hold.
    fn size(&self) -> usize {
        let len = |s: &Option<String>| s.as_ref().map_or(0, String::len);
        256 + len(&self.info.invocation_payload)
            + len(&self.info.return_payload)
            + len(&self.info.invocation_error_message)
            + self.info.events.len() * 64
    }
}

impl Record {
    pub fn push_event(&mut self, status: &str, detail: Option<String>) {
        let id = self.info.events.len() as i64 + 1;
        self.info.events.push(InvocationEvent::new(id, status, now_ms(), detail));
    }

    pub fn set_status(&mut self, status: InvocationStatus) {
        self.push_event(status.as_str(), None);
        self.info.status = Some(status);
    }

    fn is_terminal(&self) -> bool {
        self.info.status.as_ref().is_some_and(InvocationStatus::is_terminal)
    }
}

/// One function's records: by id, ids in creation order, and their bytes against the function's caps.
#[derive(Default)]
struct Records {
    by_id: HashMap<String, Record>,
    order: BTreeMap<u64, String>,
    bytes: usize,
    caps: Caps,
}

/// How many records a function keeps, and how many bytes of them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Caps {
    pub records: usize,
    pub bytes: usize,
}

impl Records {
    /// Forgets the oldest finished records while over either cap (running ones are kept: they end by themselves).
    fn bound(&mut self) {
        let over = |r: &Records| r.by_id.len() > r.caps.records || r.bytes > r.caps.bytes;
        if !over(self) {
            return;
        }
        let finished: Vec<u64> = self
            .order
            .iter()
            .filter(|(_, id)| self.by_id.get(*id).is_some_and(Record::is_terminal))
            .map(|(created, _)| *created)
            .collect();
        for created in finished {
            if !over(self) {
                break;
            }
            if let Some(id) = self.order.remove(&created)
                && let Some(record) = self.by_id.remove(&id)
            {
                self.bytes -= record.size();
            }
        }
    }
}

/// Key: (service, function).
type Key = (String, String);

#[derive(Default)]
pub(crate) struct Store {
    functions: Mutex<HashMap<Key, Records>>,
    sequence: std::sync::atomic::AtomicU64,
}

pub(crate) enum StopOutcome {
    Stopped,
    NotFound,
    AlreadyFinished(InvocationStatus),
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Records>> {
        self.functions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts a new record; `false` when the id already exists. Past the function's caps, its oldest finished
    /// records are forgotten (running ones are kept: they end by themselves).
    pub fn insert(&self, service: &str, function: &str, info: StatefulInvocation, caps: Caps) -> bool {
        let id = info.invocation_id.clone().unwrap_or_default();
        let mut functions = self.lock();
        let records = functions.entry((service.to_owned(), function.to_owned())).or_default();
        if records.by_id.contains_key(&id) {
            return false;
        }
        records.caps = caps;
        let created = self.sequence.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut record = Record { info, task: None };
        record.set_status(InvocationStatus::Enqueued);
        records.bytes += record.size();
        records.by_id.insert(id.clone(), record);
        records.order.insert(created, id);
        records.bound();
        true
    }

    /// Runs `f` on a record, if it exists, keeping the function's records within their caps.
    pub fn update<R>(&self, service: &str, function: &str, id: &str, f: impl FnOnce(&mut Record) -> R) -> Option<R> {
        let mut functions = self.lock();
        let records = functions.get_mut(&(service.to_owned(), function.to_owned()))?;
        let record = records.by_id.get_mut(id)?;
        let before = record.size();
        let result = f(record);
        let after = record.size();
        records.bytes = records.bytes + after - before;
        records.bound();
        Some(result)
    }

    pub fn get(&self, service: &str, function: &str, id: &str) -> Option<StatefulInvocation> {
        self.update(service, function, id, |r| r.info.clone())
    }

    /// Stops a record that has not finished; aborts its task when it is running.
    pub fn stop(&self, service: &str, function: &str, id: &str) -> StopOutcome {
        self.update(service, function, id, |r| {
            if r.is_terminal() {
                return StopOutcome::AlreadyFinished(r.info.status.clone().unwrap_or(InvocationStatus::Stopped));
            }
            if let Some(task) = r.task.take() {
                task.abort();
            }
            r.set_status(InvocationStatus::Stopped);
            r.info.end_time = Some(now_ms());
            if let Some(start) = r.info.started_time {
                r.info.duration_ms = Some(now_ms() - start);
            }
            StopOutcome::Stopped
        })
        .unwrap_or(StopOutcome::NotFound)
    }

    /// One page of a function's records that `keep` selects, in creation order (or newest first): after `skip`
    /// matches, at most `limit`; and whether more matches follow. Only this function's records are looked at,
    /// and only those up to the end of the page are copied.
    pub fn page(
        &self,
        service: &str,
        function: &str,
        keep: impl Fn(&StatefulInvocation) -> bool,
        descending: bool,
        skip: usize,
        limit: usize,
    ) -> (Vec<StatefulInvocation>, bool) {
        let functions = self.lock();
        let Some(records) = functions.get(&(service.to_owned(), function.to_owned())) else {
            return (Vec::new(), false);
        };
        let ids: Box<dyn Iterator<Item = &String>> =
            if descending { Box::new(records.order.values().rev()) } else { Box::new(records.order.values()) };
        let mut matches = ids.filter_map(|id| records.by_id.get(id)).filter(|r| keep(&r.info)).skip(skip);
        let page: Vec<StatefulInvocation> = matches.by_ref().take(limit).map(|r| r.info.clone()).collect();
        let more = matches.next().is_some();
        (page, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(id: &str) -> StatefulInvocation {
        StatefulInvocation { invocation_id: Some(id.to_owned()), ..StatefulInvocation::default() }
    }

    #[test]
    fn past_the_cap_the_oldest_finished_records_are_forgotten_and_running_ones_kept() {
        let store = Store::default();
        let three = Caps { records: 3, bytes: usize::MAX };
        for i in 0..5 {
            assert!(store.insert("s", "f", info(&format!("r{i}")), three));
        }
        // Nothing finished yet: all five are kept.
        assert_eq!(store.page("s", "f", |_| true, false, 0, 100).0.len(), 5);
        for i in [0, 1, 3] {
            store.update("s", "f", &format!("r{i}"), |r| r.set_status(InvocationStatus::Succeeded));
        }
        assert!(store.insert("s", "f", info("r5"), three));
        let ids: Vec<String> =
            store.page("s", "f", |_| true, false, 0, 100).0.into_iter().filter_map(|i| i.invocation_id).collect();
        assert_eq!(ids, ["r2", "r4", "r5"], "the three finished went, oldest first; the running stayed");
        assert!(!store.insert("s", "f", info("r5"), three), "a live id is still a duplicate");
    }

    #[test]
    fn records_are_bounded_in_bytes_and_their_texts_cut() {
        let store = Store::default();
        let caps = Caps { records: 1_000, bytes: 1024 * 1024 };
        for i in 0..100 {
            let mut record = info(&format!("r{i}"));
            record.invocation_payload = Some(record_text(&vec![b'x'; 100 * 1024]));
            store.insert("s", "f", record, caps);
            store.update("s", "f", &format!("r{i}"), |r| {
                r.info.return_payload = Some(record_text(&vec![b'y'; 1024 * 1024]));
                r.set_status(InvocationStatus::Succeeded)
            });
        }
        let functions = store.lock();
        let records = &functions[&("s".to_owned(), "f".to_owned())];
        assert!(records.bytes <= caps.bytes, "{} bytes kept", records.bytes);
        assert_eq!(records.bytes, records.by_id.values().map(Record::size).sum::<usize>());
        let kept = records.by_id.values().next().unwrap();
        let result = kept.info.return_payload.as_deref().unwrap();
        assert!(result.len() < MAX_RECORD_TEXT + 64 && result.ends_with("(cut: 1048576 bytes in all)"));
        assert_eq!(
            record_text("é".repeat(MAX_RECORD_TEXT).as_bytes()).chars().filter(|c| *c == 'é').count(),
            MAX_RECORD_TEXT / 2
        );
    }

    #[test]
    fn pages_walk_one_functions_records_in_either_order() {
        let store = Store::default();
        let caps = Caps { records: 100, bytes: usize::MAX };
        for i in 0..5 {
            store.insert("s", "f", info(&format!("r{i}")), caps);
        }
        store.insert("s", "other", info("x"), caps);
        let ids = |(page, more): (Vec<StatefulInvocation>, bool)| {
            (page.into_iter().filter_map(|i| i.invocation_id).collect::<Vec<_>>(), more)
        };
        assert_eq!(ids(store.page("s", "f", |_| true, false, 1, 2)), (vec!["r1".into(), "r2".into()], true));
        assert_eq!(ids(store.page("s", "f", |_| true, true, 3, 2)), (vec!["r1".into(), "r0".into()], false));
        let odd = |i: &StatefulInvocation| i.invocation_id.as_deref().is_some_and(|id| id.ends_with(['1', '3']));
        assert_eq!(ids(store.page("s", "f", odd, false, 0, 10)), (vec!["r1".into(), "r3".into()], false));
    }
}
