//! What the store's tests share: a scratch directory for real database files, records,
//! waiting for a `done`, and hooks into the store thread.

use super::queries::to_ms;
use super::thread::Job;
use super::{Sqlite, StoreConfig};
use crate::core::store::{Done, Record, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a test waits for the store before it fails.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A directory of its own under the system's temp dir, removed when dropped.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("chat-store-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch { dir }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file of [`Scratch::config`].
    pub fn db(&self) -> PathBuf {
        self.dir.join("chat.db")
    }

    /// The defaults, in `chat.db` here.
    pub fn config(&self) -> StoreConfig {
        StoreConfig::file(self.db())
    }

    pub fn open(&self) -> Sqlite {
        Sqlite::open(&self.config()).expect("open the store")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Makes a call and waits for its `done`.
pub fn call<T: Send + 'static>(f: impl FnOnce(Done<T>)) -> Result<T, StoreError> {
    let (done, rx) = reply();
    f(done);
    rx.recv_timeout(PATIENCE).expect("done was called")
}

/// A `done` and where its outcome arrives.
pub fn reply<T: Send + 'static>() -> (Done<T>, mpsc::Receiver<Result<T, StoreError>>) {
    let (tx, rx) = mpsc::channel();
    (
        Box::new(move |r| {
            let _ = tx.send(r);
        }),
        rx,
    )
}

/// The time of the tests' messages: when the first was made, to the millisecond (as the
/// store keeps times), so that a message made twice is equal.
pub fn now() -> SystemTime {
    static BASE: OnceLock<SystemTime> = OnceLock::new();
    *BASE.get_or_init(|| UNIX_EPOCH + Duration::from_millis(to_ms(SystemTime::now()) as u64))
}

/// A message `from` → `to` (`None`: everyone), accepted `age` ago.
pub fn aged(id: u64, from: &str, to: Option<&str>, age: Duration) -> Record {
    Record {
        id,
        time: now() - age,
        from: from.into(),
        to: to.map(str::to_string),
        emote: false,
        body: format!("message {id}").into_bytes(),
    }
}

/// A message `from` → `to` (`None`: everyone), accepted now.
pub fn msg(id: u64, from: &str, to: Option<&str>) -> Record {
    aged(id, from, to, Duration::ZERO)
}

pub fn ids(records: &[Record]) -> Vec<u64> {
    records.iter().map(|r| r.id).collect()
}

/// Runs `f` on the store thread's connection, in queue order.
pub fn on_thread(store: &Sqlite, f: impl Fn(&Connection) + Send + 'static) {
    store.submit(Job::With(Box::new(f)));
}

/// Blocks the store thread until the returned sender sends or is dropped, so that what is
/// queued meanwhile is taken as one batch.
pub fn hold(store: &Sqlite) -> mpsc::Sender<()> {
    let (release, held) = mpsc::channel::<()>();
    let (started, running) = mpsc::channel::<()>();
    on_thread(store, move |_| {
        let _ = started.send(());
        let _ = held.recv_timeout(PATIENCE);
    });
    running.recv_timeout(PATIENCE).expect("the thread is held");
    release
}

/// A second connection to `path`, read only (it sees only what is committed).
pub fn reader(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).expect("reader")
}

pub fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}
