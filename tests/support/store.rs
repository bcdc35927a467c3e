//! A real server whose chat remembers: accounts, messages that wait and history on an
//! in-memory SQLite store (the same store as on disk, without the file), for the tests of
//! Part 5 (docs/PROTOCOL.md).

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
