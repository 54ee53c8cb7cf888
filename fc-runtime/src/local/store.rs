//! The async invocation records, per function, in creation order; bounded: past a function's cap, its oldest
//! finished records are forgotten.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use tokio::task::AbortHandle;

use crate::{InvocationEvent, InvocationStatus, StatefulInvocation};

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

pub(crate) struct Record {
    pub info: StatefulInvocation,
    pub task: Option<AbortHandle>,
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

/// One function's records: by id, and ids in creation order.
#[derive(Default)]
struct Records {
    by_id: HashMap<String, Record>,
    order: BTreeMap<u64, String>,
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

    /// Inserts a new record; `false` when the id already exists. Past `cap` records of the function, its oldest
    /// finished ones are forgotten (running ones are kept: they end by themselves).
    pub fn insert(&self, service: &str, function: &str, info: StatefulInvocation, cap: usize) -> bool {
        let id = info.invocation_id.clone().unwrap_or_default();
        let mut functions = self.lock();
        let records = functions.entry((service.to_owned(), function.to_owned())).or_default();
        if records.by_id.contains_key(&id) {
            return false;
        }
        let created = self.sequence.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut record = Record { info, task: None };
        record.set_status(InvocationStatus::Enqueued);
        records.by_id.insert(id.clone(), record);
        records.order.insert(created, id);
        if records.by_id.len() > cap {
            let excess = records.by_id.len() - cap;
            let evicted: Vec<u64> = records
                .order
                .iter()
                .filter(|(_, id)| records.by_id.get(*id).is_some_and(Record::is_terminal))
                .map(|(created, _)| *created)
                .take(excess)
                .collect();
            for created in evicted {
                if let Some(id) = records.order.remove(&created) {
                    records.by_id.remove(&id);
                }
            }
        }
        true
    }

    /// Runs `f` on a record, if it exists.
    pub fn update<R>(&self, service: &str, function: &str, id: &str, f: impl FnOnce(&mut Record) -> R) -> Option<R> {
        let mut functions = self.lock();
        let records = functions.get_mut(&(service.to_owned(), function.to_owned()))?;
        records.by_id.get_mut(id).map(f)
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
        for i in 0..5 {
            assert!(store.insert("s", "f", info(&format!("r{i}")), 3));
        }
        // Nothing finished yet: all five are kept.
        assert_eq!(store.page("s", "f", |_| true, false, 0, 100).0.len(), 5);
        for i in [0, 1, 3] {
            store.update("s", "f", &format!("r{i}"), |r| r.set_status(InvocationStatus::Succeeded));
        }
        assert!(store.insert("s", "f", info("r5"), 3));
        let ids: Vec<String> =
            store.page("s", "f", |_| true, false, 0, 100).0.into_iter().filter_map(|i| i.invocation_id).collect();
        assert_eq!(ids, ["r2", "r4", "r5"], "the three finished went, oldest first; the running stayed");
        assert!(!store.insert("s", "f", info("r5"), 3), "a live id is still a duplicate");
    }

    #[test]
    fn pages_walk_one_functions_records_in_either_order() {
        let store = Store::default();
        for i in 0..5 {
            store.insert("s", "f", info(&format!("r{i}")), 100);
        }
        store.insert("s", "other", info("x"), 100);
        let ids = |(page, more): (Vec<StatefulInvocation>, bool)| {
            (page.into_iter().filter_map(|i| i.invocation_id).collect::<Vec<_>>(), more)
        };
        assert_eq!(ids(store.page("s", "f", |_| true, false, 1, 2)), (vec!["r1".into(), "r2".into()], true));
        assert_eq!(ids(store.page("s", "f", |_| true, true, 3, 2)), (vec!["r1".into(), "r0".into()], false));
        let odd = |i: &StatefulInvocation| i.invocation_id.as_deref().is_some_and(|id| id.ends_with(['1', '3']));
        assert_eq!(ids(store.page("s", "f", odd, false, 0, 10)), (vec!["r1".into(), "r3".into()], false));
    }
}
