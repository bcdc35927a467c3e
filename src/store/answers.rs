//! The answer thread and the store thread's counters: each committed batch's `done`s are
//! called here, in order, off the store thread, so that writing replies to sockets never
//! holds up the next batch; a `done` that panics is caught and logged.

use super::thread::{Answer, Job, Outcome};
use crate::core::store::{Done, StoreError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;

/// A committed batch, for the answer thread.
pub(super) type Answers = Vec<(Job, Outcome)>;

/// Counters of the thread's work, shared with the handle.
#[derive(Default)]
pub(super) struct Counters {
    pub batches: AtomicU64,
    pub jobs: AtomicU64,
    pub commits: AtomicU64,
    pub largest: AtomicU64,
}

/// What the store thread has done so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Batches taken from the queue.
    pub batches: u64,
    /// Jobs run.
    pub jobs: u64,
    /// Transactions of writes committed (retention excluded).
    pub commits: u64,
    /// The most jobs one batch held.
    pub largest_batch: u64,
}

impl Counters {
    pub(super) fn snapshot(&self) -> StoreStats {
        StoreStats {
            batches: self.batches.load(Ordering::Relaxed),
            jobs: self.jobs.load(Ordering::Relaxed),
            commits: self.commits.load(Ordering::Relaxed),
            largest_batch: self.largest.load(Ordering::Relaxed),
        }
    }
}

/// The answer thread: calls each committed batch's `done`s in order, until the store thread
/// is gone.
pub(super) fn answer_all(answers: Receiver<Answers>) {
    for batch in answers {
        answer(batch);
    }
}

pub(super) fn answer(batch: Answers) {
    for (job, outcome) in batch {
        finish(job, outcome);
    }
}

/// Fails `job` without running it (the store is closed).
pub(super) fn refuse(job: Job, error: StoreError) {
    finish(job, Err(error));
}

/// Hands `outcome` to `job`'s `done`, or logs the failure of a job nobody waits for.
fn finish(job: Job, outcome: Outcome) {
    match job {
        Job::Account { done, .. } => call(done, outcome, |a| match a {
            Answer::Hash(hash) => Some(hash),
            _ => None,
        }),
        Job::SetAccount { done, .. } | Job::StoreOffline { done, .. } => {
            call(done, outcome, |_| Some(()))
        }
        Job::Mailbox { done, .. } | Job::History { done, .. } => call(done, outcome, |a| match a {
            Answer::Records(records) => Some(records),
            _ => None,
        }),
        Job::Record(record) => {
            if let Err(e) = outcome {
                log::error!("store: message {} was not kept: {e}", record.id);
            }
        }
        Job::Delivered { name, id } => {
            if let Err(e) = outcome {
                log::error!("store: message {id} stays in {name}'s mailbox: {e}");
            }
        }
        Job::SaveRoom(room) => {
            if let Err(e) = outcome {
                log::error!("store: room {} was not kept: {e}", room.name);
            }
        }
        Job::DropRoom(name) => {
            if let Err(e) = outcome {
                log::error!("store: room {name} was not forgotten: {e}");
            }
        }
        #[cfg(test)]
        Job::With(_) => {}
    }
}

/// Calls `done` once with the outcome, as `T`; a panic inside it is logged, not spread.
fn call<T>(done: Done<T>, outcome: Outcome, get: impl FnOnce(Answer) -> Option<T>) {
    let result = outcome.and_then(|answer| {
        get(answer).ok_or_else(|| StoreError::Failed("store: an answer of the wrong kind".into()))
    });
    if catch_unwind(AssertUnwindSafe(|| done(result))).is_err() {
        log::error!("store: a caller's callback panicked");
    }
}
