//! The checkpoint thread: what is committed reaches the database file itself (the WAL
//! copied back) without the writer's automatic checkpoints.

use crate::core::store::{HistoryQuery, Store};
use crate::store::checkpoint;
use crate::store::test_support::*;
use rusqlite::Connection;
use std::time::Instant;

/// How many messages the database file alone holds (a copy of it, without its WAL).
fn in_file_alone(scratch: &Scratch) -> i64 {
    let copy = scratch.dir().join("alone.db");
    std::fs::copy(scratch.db(), &copy).expect("copy the file");
    let _ = std::fs::remove_file(scratch.dir().join("alone.db-wal"));
    let conn = Connection::open(&copy).expect("open the copy");
    let n = conn
        .query_row("SELECT count(*) FROM messages", [], |row| row.get(0))
        .unwrap_or(-1);
    drop(conn);
    let _ = std::fs::remove_file(&copy);
    n
}

fn page_of(user: &str, limit: usize) -> HistoryQuery {
    HistoryQuery {
        room: None,
        user: user.into(),
        before: None,
        after: None,
        limit,
    }
}

#[test]
fn commits_reach_the_database_file_without_the_writers_checkpoints() {
    let scratch = Scratch::new();
    let store = scratch.open();
    for id in 1..=20 {
        store.record(msg(id, "ann", None));
    }
    call(|d| store.history(page_of("ann", 100), d)).expect("the writes are committed");
    // 20 small messages are a few pages: far below SQLite's automatic threshold (1,000), and
    // the writer's is off; only the checkpoint thread copies them into the file.
    let deadline = Instant::now() + PATIENCE;
    while in_file_alone(&scratch) != 20 {
        assert!(Instant::now() < deadline, "the WAL was never checkpointed");
        std::thread::sleep(checkpoint::PACE);
    }
}

#[test]
fn a_checkpoint_says_how_many_frames_it_left() {
    let scratch = Scratch::new();
    let store = scratch.open();
    store.record(msg(1, "ann", None));
    call(|d| store.history(page_of("ann", 10), d)).expect("committed");
    let conn = Connection::open(scratch.db()).expect("open");
    assert_eq!(
        checkpoint::checkpoint(&conn, "PASSIVE").expect("checkpoint"),
        0
    );
    assert!(checkpoint::checkpoint(&conn, "NOT A MODE").is_err());
}
