//! A real server whose chat remembers: accounts, messages that wait and history on an
//! in-memory SQLite store (the same store as on disk, without the file), for the tests of
//! Part 5 (docs/PROTOCOL.md).

use chat::core::store::{Done, HistoryQuery, Record, StoreError};
use chat::front::{Config, Server, ServerHandle};
use chat::store::{Sqlite, StoreConfig};
use std::sync::Arc;

/// The store's settings for a test: in memory, mailboxes of `mailbox` messages.
pub fn store_config(mailbox: usize) -> StoreConfig {
    StoreConfig {
        mailbox_max: mailbox,
        ..StoreConfig::default()
    }
}

/// Binds a server with `config` and an in-memory store with `store` (not started).
pub fn bind_with_store(config: Config, store: &StoreConfig) -> std::io::Result<Server> {
    let sqlite = Sqlite::open(store).map_err(std::io::Error::other)?;
    Server::bind_with(config, Some(Arc::new(sqlite)))
}

/// Starts a server with `config` whose chat remembers in memory, mailboxes of `mailbox`
/// messages; it stops when the handle is dropped.
pub fn start_with_store(config: Config, mailbox: usize) -> ServerHandle {
    bind_with_store(config, &store_config(mailbox))
        .and_then(Server::spawn)
        .expect("start a server with a store")
}

/// How long a password may take to hash or check in these tests. Argon2id costs tens of
/// milliseconds in a release build, about a second unoptimized, and several at once on two
/// loaded cores take several times that; a socket that registers with a password needs this
/// long before the idle timeout, and its reply this long before the kit gives up.
pub const HASH_PATIENCE: std::time::Duration = if cfg!(debug_assertions) {
    std::time::Duration::from_secs(20)
} else {
    std::time::Duration::from_secs(2)
};

/// A store whose disk can be made full: while `full` is set, every message to keep (for a
/// mailbox or the history) fails as a full disk makes SQLite fail; everything else, and every
/// write once `full` is cleared, goes to an in-memory SQLite store.
pub struct Faulty {
    inner: Sqlite,
    pub full: std::sync::atomic::AtomicBool,
}

impl Faulty {
    pub fn new() -> Faulty {
        Faulty {
            inner: Sqlite::open(&StoreConfig::default()).expect("an in-memory store"),
            full: Default::default(),
        }
    }

    fn is_full(&self) -> bool {
        self.full.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl chat::core::Store for Faulty {
    fn last_id(&self) -> u64 {
        self.inner.last_id()
    }
    fn accounts(&self) -> Vec<(String, String)> {
        self.inner.accounts()
    }
    fn account(&self, name: &str, done: Done<Option<String>>) {
        self.inner.account(name, done)
    }
    fn set_account(&self, name: &str, hash: Option<String>, done: Done<()>) {
        self.inner.set_account(name, hash, done)
    }
    fn record(&self, record: Record) {
        if !self.is_full() {
            self.inner.record(record)
        }
    }
    fn store_offline(&self, record: Record, done: Done<()>) {
        if self.is_full() {
            done(Err(StoreError::Failed("database or disk is full".into())));
        } else {
            self.inner.store_offline(record, done)
        }
    }
    fn mailbox(&self, name: &str, done: Done<Vec<Record>>) {
        self.inner.mailbox(name, done)
    }
    fn delivered(&self, name: &str, id: u64) {
        self.inner.delivered(name, id)
    }
    fn history(&self, query: HistoryQuery, done: Done<Vec<Record>>) {
        self.inner.history(query, done)
    }
    fn rooms(&self) -> Vec<chat::core::RoomRecord> {
        self.inner.rooms()
    }
    fn save_room(&self, room: chat::core::RoomRecord) {
        if !self.is_full() {
            self.inner.save_room(room)
        }
    }
    fn drop_room(&self, name: &str) {
        self.inner.drop_room(name)
    }
}
