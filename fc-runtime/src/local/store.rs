//! The stateful async invocation records.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::task::AbortHandle;

use crate::{InvocationEvent, InvocationStatus, StatefulInvocation};

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

pub(crate) struct Record {
    pub info: StatefulInvocation,
    pub created: u64,
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

/// Key: (service, function, invocation id).
type Key = (String, String, String);

#[derive(Default)]
pub(crate) struct Store {
    records: Mutex<HashMap<Key, Record>>,
    sequence: std::sync::atomic::AtomicU64,
}

pub(crate) enum StopOutcome {
    Stopped,
    NotFound,
    AlreadyFinished(InvocationStatus),
}

impl Store {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Record>> {
        self.records.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Inserts a new record; `false` when the id already exists.
    pub fn insert(&self, service: &str, function: &str, info: StatefulInvocation) -> bool {
        let id = info.invocation_id.clone().unwrap_or_default();
        let key = (service.to_owned(), function.to_owned(), id);
        let mut records = self.lock();
        if records.contains_key(&key) {
            return false;
        }
        let created = self.sequence.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut record = Record { info, created, task: None };
        record.set_status(InvocationStatus::Enqueued);
        records.insert(key, record);
        true
    }

    /// Runs `f` on a record, if it exists.
    pub fn update<R>(&self, service: &str, function: &str, id: &str, f: impl FnOnce(&mut Record) -> R) -> Option<R> {
        let mut records = self.lock();
        records.get_mut(&(service.to_owned(), function.to_owned(), id.to_owned())).map(f)
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

    /// All records of a function, in creation order.
    pub fn list(&self, service: &str, function: &str) -> Vec<(u64, StatefulInvocation)> {
        let records = self.lock();
        let mut out: Vec<(u64, StatefulInvocation)> = records
            .iter()
            .filter(|((s, f, _), _)| s == service && f == function)
            .map(|(_, r)| (r.created, r.info.clone()))
            .collect();
        out.sort_by_key(|(created, _)| *created);
        out
    }
}
