//! The chat's memory, as a port: accounts (a name claimed with a password), the messages the
//! chat keeps (history), and the mailboxes of users who are offline. The core calls a
//! [`Store`]; `crate::store` implements it on SQLite. Every call returns at once: the work
//! happens on the store's own thread, and `done` is called there once it is finished (for a
//! write, once it is committed). `done` must not block.

use std::time::SystemTime;

/// One message as the chat keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// Unique and increasing: the chat numbers its messages (see [`Store::last_id`]).
    pub id: u64,
    /// When the chat accepted it (kept to the millisecond).
    pub time: SystemTime,
    pub from: String,
    /// The recipient of a direct message, or the room (`#name`) a message was said in;
    /// `None`: everyone.
    pub to: Option<String>,
    /// An action (`/me waves`).
    pub emote: bool,
    pub body: Vec<u8>,
}

/// A room as the chat keeps it (PROTOCOL.md Part 8): its history is the messages whose
/// recipient is its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomRecord {
    pub name: String,
    /// Empty: none.
    pub topic: String,
    /// The name of its maker.
    pub operator: Option<String>,
}

/// Which page of history a user asks for: the messages it may see (every message to
/// everyone, and the direct messages it sent or received; or, with `room`, that room's), by
/// id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryQuery {
    pub user: String,
    /// Only the messages said in this room (its members may read them).
    pub room: Option<String>,
    /// Only messages with an id below this one (the newest of them), or
    pub before: Option<u64>,
    /// only messages with an id above this one (the oldest of them); neither: the newest.
    pub after: Option<u64>,
    /// At most this many (the front end caps it at 1000).
    pub limit: usize,
}

/// Why the store could not do something.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The recipient's mailbox holds the most it may.
    #[error("{0}'s mailbox is full")]
    MailboxFull(String),
    /// The database failed (disk full, I/O error); the message says how.
    #[error("the store failed: {0}")]
    Failed(String),
}

/// Called once, on the store's thread, with the outcome of a call.
pub type Done<T> = Box<dyn FnOnce(Result<T, StoreError>) + Send>;

/// The port the chat's memory implements.
pub trait Store: Send + Sync {
    /// The highest message id ever kept (0 for a new store), read when the store opened.
    fn last_id(&self) -> u64;
    /// Every claimed name and its password hash, read when the store opened (the chat keeps
    /// them in memory from then on, and tells the store of every change).
    fn accounts(&self) -> Vec<(String, String)>;

    /// The password hash (a PHC string) of `name`, or `None` when the name is not claimed.
    fn account(&self, name: &str, done: Done<Option<String>>);
    /// Claims `name` with `hash`, replacing any hash it had; `None` drops the claim.
    fn set_account(&self, name: &str, hash: Option<String>, done: Done<()>);

    /// Whether it keeps a history at all: when not, the chat builds no [`Record`] for
    /// [`Store::record`] on its senders' path.
    fn keeps_history(&self) -> bool {
        true
    }
    /// Keeps `record` in the history (not waited for: a failure is logged, never lost
    /// silently, and never holds up a delivery).
    fn record(&self, record: Record);
    /// Keeps `record` (a direct message) in the history and in its recipient's mailbox;
    /// `done` once both are committed, or [`StoreError::MailboxFull`].
    fn store_offline(&self, record: Record, done: Done<()>);
    /// The messages waiting in `name`'s mailbox, oldest first.
    fn mailbox(&self, name: &str, done: Done<Vec<Record>>);
    /// Takes message `id` out of `name`'s mailbox: it was delivered.
    fn delivered(&self, name: &str, id: u64);
    /// A page of history, oldest first.
    fn history(&self, query: HistoryQuery, done: Done<Vec<Record>>);

    /// Every room kept, read when the store opened.
    fn rooms(&self) -> Vec<RoomRecord>;
    /// Keeps `room` (made, or its topic changed), replacing what was kept under its name (not
    /// waited for: a failure is logged).
    fn save_room(&self, room: RoomRecord);
    /// Forgets the room `name` (its topic and operator; its messages stay with its name).
    fn drop_room(&self, name: &str);
}
