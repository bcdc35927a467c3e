//! The chat's durable memory: [`Sqlite`] implements the core's [`Store`] port on an embedded
//! SQLite database (one file, WAL mode, `synchronous=FULL`).
//!
//! The database is touched only by the store thread, which owns the connection: every
//! [`Store`] call queues a job on a channel and returns at once, and its `done` runs on the
//! answer thread once the work is committed (see [`thread`] for the group commit). No lock is held
//! around the database, and no socket or reactor thread ever waits for it.
//!
//! Opening is strict: a file that cannot be opened, is not a chat database, is corrupt or was
//! written by a newer version is an [`OpenError`] (the server stops with its message), and
//! such a file is never changed, deleted or recreated.
//!
//! # Layout
//! - this file: the configuration, the handle and opening.
//! - [`schema`]: the application id, the migrations, the checks a file passes.
//! - [`thread`]: the store thread, its batches and their commits.
//! - [`answers`]: the answer thread, which calls the `done`s; the thread's counters.
//! - [`queries`]: the SQL of each operation and of retention.
//! - [`tally`]: the mailboxes' sizes as the store thread knows them.
//! - [`checkpoint`]: the thread that copies the WAL into the database file.

mod answers;
mod checkpoint;
mod queries;
mod schema;
mod tally;
mod thread;

#[cfg(test)]
mod test_support;

pub use answers::StoreStats;
pub use queries::HISTORY_PAGE_MAX;
pub use schema::{APPLICATION_ID, MIGRATIONS};
pub use thread::{BATCH_MAX, RETAIN_EVERY};

use crate::core::store::{Done, HistoryQuery, Record, RoomRecord, Store, StoreError};
use answers::Counters;
use checkpoint::Bell;
use parking_lot::{Mutex, RwLock};
use rusqlite::{Connection, OpenFlags, MAIN_DB};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::thread::{JoinHandle, ThreadId};
use std::time::Duration;
use thread::{Job, Worker};

/// How long a statement waits for another process that holds the database (a backup, the
/// `sqlite3` shell) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the store keeps its data and how much of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// The database file (e.g. `DATA_DIR/chat.db`; its directory must exist); `None`: in
    /// memory only, gone when the store closes.
    pub path: Option<PathBuf>,
    /// The most messages one recipient's mailbox holds.
    pub mailbox_max: usize,
    /// How long a message waits in a mailbox.
    pub mailbox_ttl: Duration,
    /// How long history is kept; `None`: no limit.
    pub history_ttl: Option<Duration>,
    /// How many messages history keeps (the newest); `None`: no limit. Messages still in a
    /// mailbox are kept beyond both limits.
    pub history_max: Option<u64>,
}

impl Default for StoreConfig {
    /// In memory; mailboxes of 100 messages kept 30 days; history unlimited.
    fn default() -> Self {
        StoreConfig {
            path: None,
            mailbox_max: 100,
            mailbox_ttl: Duration::from_secs(30 * 24 * 3600),
            history_ttl: None,
            history_max: None,
        }
    }
}

impl StoreConfig {
    /// The defaults, kept in the file at `path`.
    pub fn file(path: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            path: Some(path.into()),
            ..StoreConfig::default()
        }
    }
}

/// Why the store could not open; the file named is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database {}: {reason}", path.display())]
    CannotOpen { path: PathBuf, reason: String },
    #[error("{} is not a chat database: {reason}; it was left untouched", path.display())]
    NotOurs { path: PathBuf, reason: String },
    #[error(
        "the database {} is corrupt: {reason}; it was left untouched (restore a backup or move \
         it away)",
        path.display()
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "the database {} was written by a newer version of the chat (schema version {found}; \
         this one knows up to {known}); it was left untouched",
        path.display()
    )]
    Newer {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("cannot bring the database {} to schema version {version}: {reason}", path.display())]
    Migration {
        path: PathBuf,
        version: i64,
        reason: String,
    },
    #[error("cannot start the store thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// The chat's store on SQLite: a handle on the store thread and the answer thread (which
/// calls the `done`s). Dropping it (or [`Sqlite::close`]) lets them finish and commit what is
/// queued, and waits for them.
pub struct Sqlite {
    /// `None` once closed.
    jobs: RwLock<Option<Sender<Job>>>,
    /// The store thread, then the answer thread.
    threads: Mutex<Vec<JoinHandle<()>>>,
    thread_ids: [ThreadId; 2],
    last_id: u64,
    /// The accounts as they were at open.
    accounts: Vec<(String, String)>,
    /// The rooms as they were at open.
    rooms: Vec<RoomRecord>,
    history_max: Option<u64>,
    counters: Arc<Counters>,
}

impl Sqlite {
    /// Opens (or creates) the database `config` names, checks it, brings its schema up to
    /// date and starts the store thread.
    pub fn open(config: &StoreConfig) -> Result<Sqlite, OpenError> {
        Sqlite::open_with(config, MIGRATIONS, RETAIN_EVERY)
    }

    /// [`Sqlite::open`] with the migrations `steps` and retention every `retain_every` (tests
    /// add a step, or wait less).
    fn open_with(
        config: &StoreConfig,
        steps: &[&str],
        retain_every: Duration,
    ) -> Result<Sqlite, OpenError> {
        let shown = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(":memory:"));
        let mut conn = connect(config.path.as_deref()).map_err(|e| schema::classify(e, &shown))?;
        if conn.is_readonly(MAIN_DB).unwrap_or(false) {
            return Err(OpenError::CannotOpen {
                path: shown,
                reason: "it can only be read (check its permissions)".into(),
            });
        }
        schema::prepare(&mut conn, &shown, steps)?;
        let bell = match &config.path {
            Some(path) => start_checkpoints(&conn, path)?,
            None => Bell::silent(),
        };
        let last_id = queries::last_id(&conn).map_err(|e| schema::classify(e, &shown))?;
        let accounts = queries::accounts(&conn).map_err(|e| schema::classify(e, &shown))?;
        let rooms = queries::rooms(&conn).map_err(|e| schema::classify(e, &shown))?;
        let (tx, rx) = mpsc::channel();
        let (answers, answered) = mpsc::channel();
        let counters = Arc::new(Counters::default());
        let worker = Worker {
            conn,
            jobs: rx,
            mailbox_max: config.mailbox_max,
            keep: queries::Retention {
                mailbox_ttl: config.mailbox_ttl,
                history_ttl: config.history_ttl,
                history_max: config.history_max,
            },
            counters: counters.clone(),
            retain_every,
            tally: Default::default(),
            answers,
            bell,
            full_sync: true,
        };
        let answerer = std::thread::Builder::new()
            .name("store-answers".into())
            .spawn(move || answers::answer_all(answered))
            .map_err(OpenError::Thread)?;
        // If this fails, `worker` (and so the answer thread's channel) is dropped: it ends.
        let store = std::thread::Builder::new()
            .name("store".into())
            .spawn(move || worker.run())
            .map_err(OpenError::Thread)?;
        Ok(Sqlite {
            jobs: RwLock::new(Some(tx)),
            thread_ids: [store.thread().id(), answerer.thread().id()],
            threads: Mutex::new(vec![store, answerer]),
            last_id,
            accounts,
            rooms,
            history_max: config.history_max,
            counters,
        })
    }

    /// Stops taking calls (later ones fail at once with [`StoreError::Failed`], their `done`
    /// called on the caller's thread), lets the thread commit what is queued, waits for it
    /// to close the database and for every `done` to be called. Called from a `done` (or the
    /// store thread) it cannot wait: the threads end after it.
    pub fn close(&self) {
        drop(self.jobs.write().take());
        if self.thread_ids.contains(&std::thread::current().id()) {
            return;
        }
        // Held while joining, so a second caller waits too.
        let mut threads = self.threads.lock();
        for handle in threads.drain(..) {
            if handle.join().is_err() {
                log::error!("store: a store thread panicked");
            }
        }
    }

    /// What the store thread has done so far (batches, jobs, commits).
    pub fn stats(&self) -> StoreStats {
        self.counters.snapshot()
    }

    fn submit(&self, job: Job) {
        let refused = match self.jobs.read().as_ref() {
            Some(jobs) => jobs.send(job).err().map(|e| e.0),
            None => Some(job),
        };
        if let Some(job) = refused {
            answers::refuse(job, StoreError::Failed("the store is closed".into()));
        }
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        self.close();
    }
}

/// The connection to `path` (created if missing, never as a URI), or to a new in-memory
/// database.
fn connect(path: Option<&Path>) -> rusqlite::Result<Connection> {
    let conn = match path {
        Some(path) => Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?,
        None => Connection::open_in_memory()?,
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Hands the checkpoints of `writer`'s database, at `path`, to a thread of their own on a
/// second connection.
fn start_checkpoints(writer: &Connection, path: &Path) -> Result<Bell, OpenError> {
    let setup = |conn: &Connection| conn.execute_batch("PRAGMA synchronous = FULL;");
    let conn = connect(Some(path))
        .and_then(|conn| setup(&conn).map(|()| conn))
        .map_err(|e| schema::classify(e, path))?;
    let bell = Bell::start(conn).map_err(OpenError::Thread)?;
    writer
        .execute_batch("PRAGMA wal_autocheckpoint = 0;")
        .map_err(|e| schema::classify(e, path))?;
    Ok(bell)
}

impl Store for Sqlite {
    fn last_id(&self) -> u64 {
        self.last_id
    }

    fn accounts(&self) -> Vec<(String, String)> {
        self.accounts.clone()
    }

    fn account(&self, name: &str, done: Done<Option<String>>) {
        let name = name.to_string();
        self.submit(Job::Account { name, done });
    }

    fn set_account(&self, name: &str, hash: Option<String>, done: Done<()>) {
        let name = name.to_string();
        self.submit(Job::SetAccount { name, hash, done });
    }

    fn keeps_history(&self) -> bool {
        self.history_max != Some(0)
    }

    fn record(&self, record: Record) {
        // A history of at most no messages: nothing to write.
        if self.keeps_history() {
            self.submit(Job::Record(record));
        }
    }

    fn store_offline(&self, record: Record, done: Done<()>) {
        self.submit(Job::StoreOffline { record, done });
    }

    fn mailbox(&self, name: &str, done: Done<Vec<Record>>) {
        let name = name.to_string();
        self.submit(Job::Mailbox { name, done });
    }

    fn delivered(&self, name: &str, id: u64) {
        let name = name.to_string();
        self.submit(Job::Delivered { name, id });
    }

    fn history(&self, query: HistoryQuery, done: Done<Vec<Record>>) {
        self.submit(Job::History { query, done });
    }

    fn rooms(&self) -> Vec<RoomRecord> {
        self.rooms.clone()
    }

    fn save_room(&self, room: RoomRecord) {
        self.submit(Job::SaveRoom(room));
    }

    fn drop_room(&self, name: &str) {
        self.submit(Job::DropRoom(name.to_string()));
    }
}
