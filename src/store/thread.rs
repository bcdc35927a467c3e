//! The store thread: the one owner of the connection. Calls arrive as [`Job`]s on a channel;
//! the thread answers them in the order they were queued.
//!
//! Group commit: the thread waits for a job, then takes whatever else is queued (up to
//! [`BATCH_MAX`] jobs) and runs the batch in one transaction, every job in order (a read sees
//! every write queued before it). Only after the commit (one fsync for the whole batch) does
//! it hand the batch's `done`s to the answer thread, which calls them in order while the
//! store thread goes on with the next batch. A write that fails for its own sake (a
//! constraint, an id SQLite cannot hold) fails alone: the batch runs again with each write in
//! a savepoint, and that one is rolled back to it; any other failure (disk full, I/O) rolls the whole transaction back and
//! fails every write of the batch, while its reads are answered again from what is committed.
//! Nothing here panics on a database error, and a `done` that panics is caught and logged.
//!
//! Retention runs at start and about every [`RETAIN_EVERY`], in its own transaction.

use super::answers::{answer, Answers, Counters};
use super::checkpoint::Bell;
use super::queries::{self, Retention};
use super::tally::Tally;
use crate::core::store::{Done, HistoryQuery, Record, RoomRecord, StoreError};
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The most jobs one transaction holds.
pub const BATCH_MAX: usize = 1000;
/// How long the thread waits for company when a batch starts with a job nobody waits for
/// (a message for the history, a delivered mark): what comes meanwhile joins the batch
/// without a wake-up each. A job that is waited for meanwhile waits at most this long more.
pub const LINGER: Duration = Duration::from_millis(1);
/// How often retention runs (and once at start).
pub const RETAIN_EVERY: Duration = Duration::from_secs(60);

/// One call of the [`crate::core::store::Store`] port, waiting for the thread.
pub(super) enum Job {
    Account {
        name: String,
        done: Done<Option<String>>,
    },
    SetAccount {
        name: String,
        hash: Option<String>,
        done: Done<()>,
    },
    Record(Record),
    StoreOffline {
        record: Record,
        done: Done<()>,
    },
    Mailbox {
        name: String,
        done: Done<Vec<Record>>,
    },
    Delivered {
        name: String,
        id: u64,
    },
    History {
        query: HistoryQuery,
        done: Done<Vec<Record>>,
    },
    SaveRoom(RoomRecord),
    DropRoom(String),
    /// Tests: runs on the thread's connection, in order, within the batch's transaction.
    #[cfg(test)]
    With(Box<dyn Fn(&Connection) + Send>),
}

/// What a job produced, before it is handed to its `done`.
pub(super) enum Answer {
    Unit,
    Hash(Option<String>),
    Records(Vec<Record>),
}

pub(super) type Outcome = Result<Answer, StoreError>;

impl Job {
    /// Whether someone waits for this job's answer.
    fn waited_on(&self) -> bool {
        !matches!(
            self,
            Job::Record(_) | Job::Delivered { .. } | Job::SaveRoom(_) | Job::DropRoom(_)
        )
    }

    fn writes(&self) -> bool {
        matches!(
            self,
            Job::SetAccount { .. }
                | Job::Record(_)
                | Job::StoreOffline { .. }
                | Job::Delivered { .. }
                | Job::SaveRoom(_)
                | Job::DropRoom(_)
        )
    }
}

/// The store thread's state.
pub(super) struct Worker {
    pub conn: Connection,
    pub jobs: Receiver<Job>,
    pub mailbox_max: usize,
    pub keep: Retention,
    pub counters: Arc<Counters>,
    pub retain_every: Duration,
    pub tally: Tally,
    /// To the answer thread, which calls the `done`s.
    pub answers: Sender<Answers>,
    /// Told of each commit, for the checkpoint thread.
    pub bell: Bell,
    /// Whether the connection is at `synchronous=FULL` (as it is opened), else `NORMAL`.
    pub full_sync: bool,
}

impl Worker {
    /// Runs until every handle is gone and the queue is empty, then closes the database.
    pub(super) fn run(mut self) {
        self.retain();
        let mut next = Instant::now() + self.retain_every;
        loop {
            match self
                .jobs
                .recv_timeout(next.saturating_duration_since(Instant::now()))
            {
                Ok(first) => {
                    if !first.waited_on() {
                        // Nobody waits for this one: let more come without waking the
                        // thread for each (a busy chat records a message per send).
                        std::thread::sleep(LINGER);
                    }
                    let mut batch = vec![first];
                    while batch.len() < BATCH_MAX {
                        match self.jobs.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    self.run_batch(batch);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if Instant::now() >= next {
                self.retain();
                next = Instant::now() + self.retain_every;
            }
        }
        self.bell.stop();
        if let Err((_, e)) = self.conn.close() {
            log::error!("store: closing the database: {e}");
        }
    }

    fn run_batch(&mut self, batch: Vec<Job>) {
        let n = batch.len() as u64;
        self.counters.batches.fetch_add(1, Ordering::Relaxed);
        self.counters.jobs.fetch_add(n, Ordering::Relaxed);
        self.counters.largest.fetch_max(n, Ordering::Relaxed);
        let rules = Rules {
            now: SystemTime::now(),
            mailbox_max: self.mailbox_max,
            mailbox_ttl: self.keep.mailbox_ttl,
        };
        let outcomes = if batch.iter().any(Job::writes) {
            self.transaction(&batch, &rules)
        } else {
            batch
                .iter()
                .map(|job| read(&self.conn, &mut self.tally, job, &rules))
                .collect()
        };
        let answers: Answers = batch.into_iter().zip(outcomes).collect();
        if let Err(unsent) = self.answers.send(answers) {
            // The answer thread is gone (it cannot be while this one runs): answer here.
            answer(unsent.0);
        }
    }

    /// Runs `batch` in one transaction; on a failure of the whole, every write fails and the
    /// reads are answered from what is committed.
    fn transaction(&mut self, batch: &[Job], rules: &Rules) -> Vec<Outcome> {
        let tried = self
            .sync_for(batch)
            .and_then(|()| try_transaction(&mut self.conn, &mut self.tally, batch, rules));
        let failure = match tried {
            Ok(outcomes) => {
                self.counters.commits.fetch_add(1, Ordering::Relaxed);
                self.bell.ring();
                return outcomes;
            }
            Err(e) => e,
        };
        self.tally.forget();
        if !self.conn.is_autocommit() {
            if let Err(e) = self.conn.execute_batch("ROLLBACK") {
                log::error!("store: rolling back a failed batch: {e}");
            }
        }
        log::error!("store: a batch of {} jobs failed: {failure}", batch.len());
        let text = failure.to_string();
        batch
            .iter()
            .map(|job| {
                if job.writes() {
                    Err(StoreError::Failed(text.clone()))
                } else {
                    read(&self.conn, &mut self.tally, job, rules)
                }
            })
            .collect()
    }

    /// Sets how the batch's commit reaches the disk: `synchronous=FULL` (synced before the
    /// commit returns) when someone waits for one of its writes, since they are answered only
    /// once it is on disk; `NORMAL` when nobody does (history records, delivered marks): those
    /// reach the disk with the next `FULL` commit or the next checkpoint, a fraction of a
    /// second later, and a crash before that loses only what no one was told was kept.
    fn sync_for(&mut self, batch: &[Job]) -> rusqlite::Result<()> {
        let full = batch.iter().any(|job| job.writes() && job.waited_on());
        if full != self.full_sync {
            let mode = if full { "FULL" } else { "NORMAL" };
            self.conn
                .execute_batch(&format!("PRAGMA synchronous = {mode};"))?;
            self.full_sync = full;
        }
        Ok(())
    }

    fn retain(&mut self) {
        self.tally.forget();
        let removed = retain(&mut self.conn, &self.keep);
        self.bell.ring();
        match removed {
            Ok(removed) if removed != queries::Removed::default() => log::info!(
                "store: retention removed {} mailbox entries and {} messages",
                removed.mailbox,
                removed.history
            ),
            Ok(_) => {}
            Err(e) => log::error!("store: retention failed: {e}"),
        }
    }
}

/// What a batch's jobs are judged by.
struct Rules {
    now: SystemTime,
    mailbox_max: usize,
    mailbox_ttl: Duration,
}

/// The batch in one transaction, committed; `Err`: nothing of it was written. The writes run
/// bare first; if one fails for its own sake, the transaction is rolled back and the batch
/// runs again with each write in a savepoint, so that it fails alone (two statements and a
/// sub-journal per write spared in the batches where nothing fails).
fn try_transaction(
    conn: &mut Connection,
    tally: &mut Tally,
    batch: &[Job],
    rules: &Rules,
) -> rusqlite::Result<Vec<Outcome>> {
    if let Some(outcomes) = attempt(conn, tally, batch, rules, false)? {
        return Ok(outcomes);
    }
    tally.forget();
    attempt(conn, tally, batch, rules, true)?.ok_or(rusqlite::Error::InvalidQuery)
}

/// One run of `batch` in a transaction; `careful`: each write in its savepoint. `None`
/// (only when not careful): a write failed for its own sake and nothing was written.
fn attempt(
    conn: &mut Connection,
    tally: &mut Tally,
    batch: &[Job],
    rules: &Rules,
    careful: bool,
) -> rusqlite::Result<Option<Vec<Outcome>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let outcome = if job.writes() && careful {
            write(&tx, tally, job, rules)
        } else {
            apply(&tx, tally, job, rules)
        };
        match outcome {
            Ok(outcome) => outcomes.push(outcome),
            Err(e) if tx.is_autocommit() || (job.writes() && !own_fault(&e)) => return Err(e),
            // Dropping `tx` rolls it back.
            Err(_) if job.writes() && !careful => return Ok(None),
            Err(e) => outcomes.push(Err(StoreError::Failed(e.to_string()))),
        }
    }
    tx.commit()?;
    Ok(Some(outcomes))
}

/// One write inside its savepoint; a failure of its own is undone alone.
fn write(
    conn: &Connection,
    tally: &mut Tally,
    job: &Job,
    rules: &Rules,
) -> rusqlite::Result<Outcome> {
    conn.prepare_cached("SAVEPOINT job")?.execute([])?;
    match apply(conn, tally, job, rules) {
        Ok(outcome) => {
            conn.prepare_cached("RELEASE job")?.execute([])?;
            Ok(outcome)
        }
        Err(e) if own_fault(&e) && !conn.is_autocommit() => {
            conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// A read on its own (no transaction of ours around it).
fn read(conn: &Connection, tally: &mut Tally, job: &Job, rules: &Rules) -> Outcome {
    apply(conn, tally, job, rules).unwrap_or_else(|e| Err(StoreError::Failed(e.to_string())))
}

fn apply(
    conn: &Connection,
    tally: &mut Tally,
    job: &Job,
    rules: &Rules,
) -> rusqlite::Result<Outcome> {
    let oldest = queries::cutoff(rules.now, rules.mailbox_ttl);
    Ok(Ok(match job {
        Job::Account { name, .. } => Answer::Hash(queries::account(conn, name)?),
        Job::SetAccount { name, hash, .. } => {
            queries::set_account(conn, name, hash.as_deref(), rules.now)?;
            Answer::Unit
        }
        Job::Record(record) => {
            queries::insert_message(conn, record)?;
            Answer::Unit
        }
        Job::StoreOffline { record, .. } => {
            return Ok(tally
                .store_offline(conn, record, rules.mailbox_max, oldest)?
                .map(|()| Answer::Unit));
        }
        Job::Mailbox { name, .. } => Answer::Records(queries::mailbox(conn, name, oldest)?),
        Job::Delivered { name, id } => {
            tally.delivered(conn, name, *id)?;
            Answer::Unit
        }
        Job::History { query, .. } => Answer::Records(queries::history(conn, query)?),
        Job::SaveRoom(room) => {
            queries::save_room(conn, room)?;
            Answer::Unit
        }
        Job::DropRoom(name) => {
            queries::drop_room(conn, name)?;
            Answer::Unit
        }
        #[cfg(test)]
        Job::With(f) => {
            f(conn);
            tally.forget();
            Answer::Unit
        }
    }))
}

/// One pass of retention, in its own transaction.
fn retain(conn: &mut Connection, keep: &Retention) -> rusqlite::Result<queries::Removed> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let removed = queries::retain(&tx, keep, SystemTime::now())?;
    tx.commit()?;
    Ok(removed)
}

/// A failure that is the job's own (its data), not the database's.
fn own_fault(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::ToSqlConversionFailure(_) | rusqlite::Error::IntegralValueOutOfRange(..)
    ) || error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation)
}

#[cfg(test)]
#[path = "thread_tests.rs"]
mod tests;
