//! The store thread: `done` after the commit, once and in order; group commit; a write that
//! fails alone; a full disk; closing; callbacks that panic or drop the last handle.

use super::BATCH_MAX;
use crate::core::store::{Done, Record, Store, StoreError};
use crate::store::test_support::*;
use parking_lot::Mutex;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A `done` that pushes `n` onto `log`, and then says so on `tx`.
fn logged<T>(log: &Arc<Mutex<Vec<usize>>>, n: usize, tx: &mpsc::Sender<()>) -> Done<T> {
    let (log, tx) = (log.clone(), tx.clone());
    Box::new(move |_| {
        log.lock().push(n);
        let _ = tx.send(());
    })
}

fn waited(rx: &mpsc::Receiver<()>, n: usize) {
    for _ in 0..n {
        rx.recv_timeout(PATIENCE).expect("a done");
    }
}

fn big(id: u64, to: &str) -> Record {
    let mut record = msg(id, "ann", Some(to));
    record.body = vec![b'x'; 8192];
    record
}

#[test]
fn done_runs_once_the_write_is_committed() {
    let scratch = Scratch::new();
    let store = scratch.open();
    let db = scratch.db();
    let seen = call(|done| {
        store.store_offline(
            msg(1, "ann", Some("bob")),
            Box::new(move |r| {
                let conn = reader(&db);
                done(r.map(|()| (count(&conn, "messages"), count(&conn, "mailbox"))))
            }),
        )
    });
    assert_eq!(seen, Ok((1, 1)));
}

#[test]
fn every_done_is_called_once_in_queue_order_and_reads_see_earlier_writes() {
    let store = Scratch::new().open();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = mpsc::channel();
    let release = hold(&store);
    let (seen, got) = reply();
    for n in 0..60 {
        let id = n as u64 + 1;
        match n % 3 {
            0 => store.store_offline(msg(id, "ann", Some("bob")), logged(&log, n, &tx)),
            1 => store.set_account("ann", Some(format!("h{n}")), logged(&log, n, &tx)),
            _ => store.account("ann", logged(&log, n, &tx)),
        }
    }
    store.mailbox("bob", seen);
    drop(release);
    waited(&rx, 60);
    assert_eq!(*log.lock(), (0..60).collect::<Vec<_>>());
    assert_eq!(
        got.recv_timeout(PATIENCE)
            .expect("mailbox")
            .map(|r| r.len()),
        Ok(20)
    );
    assert!(
        rx.recv_timeout(Duration::from_millis(100)).is_err(),
        "a done ran twice"
    );
}

#[test]
fn queued_writes_are_committed_together_up_to_the_batch_cap() {
    let store = Scratch::new().open();
    let (tx, rx) = mpsc::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let total = 2 * BATCH_MAX + 500;
    let release = hold(&store);
    let before = store.stats();
    for n in 0..total {
        let to = format!("user{}", n % 50);
        store.store_offline(msg(n as u64 + 1, "ann", Some(&to)), logged(&log, n, &tx));
    }
    drop(release);
    waited(&rx, total);
    let after = store.stats();
    assert_eq!(after.commits - before.commits, 3, "{after:?}");
    assert_eq!(after.largest_batch, BATCH_MAX as u64);
    assert_eq!(after.jobs - before.jobs, total as u64);
}

#[test]
fn a_write_that_fails_for_its_own_sake_fails_alone() {
    let store = Scratch::new().open();
    let release = hold(&store);
    let mut outcomes = Vec::new();
    for record in [
        msg(1, "ann", Some("bob")),
        msg(1, "ann", Some("bob")),
        msg(2, "ann", Some("bob")),
    ] {
        let (done, rx) = reply();
        store.store_offline(record, done);
        outcomes.push(rx);
    }
    store.record(msg(u64::MAX, "ann", None)); // too big for SQLite: logged
    store.record(msg(3, "ann", None));
    let commits = store.stats().commits;
    drop(release);
    let got: Vec<_> = outcomes
        .iter()
        .map(|rx| rx.recv_timeout(PATIENCE).expect("done"))
        .collect();
    assert_eq!(got[0], Ok(()));
    assert!(
        matches!(&got[1], Err(StoreError::Failed(e)) if e.contains("UNIQUE")),
        "{got:?}"
    );
    assert_eq!(got[2], Ok(()));
    let mailbox = call(|d| store.mailbox("bob", d)).expect("mailbox");
    assert_eq!(ids(&mailbox), [1, 2]);
    assert_eq!(store.stats().commits, commits + 1);
    let all = call(|d| {
        let query = crate::core::store::HistoryQuery {
            room: None,
            user: "ann".into(),
            before: None,
            after: None,
            limit: 10,
        };
        store.history(query, d)
    });
    assert_eq!(all.map(|r| ids(&r)), Ok(vec![1, 2, 3]));
}

#[test]
fn a_batch_that_cannot_be_written_fails_every_write_keeps_nothing_and_the_store_recovers() {
    let scratch = Scratch::new();
    let store = scratch.open();
    call(|d| store.store_offline(msg(1, "ann", Some("bob")), d)).expect("room");
    // The disk is full: the database may not grow past what it has.
    on_thread(&store, |conn| {
        let pages: i64 = conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .expect("pages");
        conn.pragma_update(None, "max_page_count", pages)
            .expect("limit");
    });
    let release = hold(&store);
    let mut writes = Vec::new();
    for id in 2..=21 {
        let (done, rx) = reply();
        store.store_offline(big(id, "bob"), done);
        writes.push(rx);
    }
    let (seen, mailbox) = reply();
    store.mailbox("bob", seen);
    drop(release);
    for rx in &writes {
        match rx.recv_timeout(PATIENCE).expect("done") {
            Err(StoreError::Failed(text)) => assert!(text.contains("full"), "{text}"),
            other => panic!("{other:?}"),
        }
    }
    let waiting = mailbox.recv_timeout(PATIENCE).expect("mailbox");
    assert_eq!(
        waiting.map(|r| ids(&r)),
        Ok(vec![1]),
        "reads answer what is committed"
    );
    let conn = reader(&scratch.db());
    assert_eq!((count(&conn, "messages"), count(&conn, "mailbox")), (1, 1));
    drop(conn);

    on_thread(&store, |conn| {
        conn.pragma_update(None, "max_page_count", 1_000_000)
            .expect("room again");
    });
    call(|d| store.store_offline(big(22, "bob"), d)).expect("room again");
    let waiting = call(|d| store.mailbox("bob", d)).expect("mailbox");
    assert_eq!(ids(&waiting), [1, 22]);
}

#[test]
fn closing_commits_everything_queued_then_refuses_calls() {
    let scratch = Scratch::new();
    let store = scratch.open();
    let (tx, rx) = mpsc::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    let release = hold(&store);
    for n in 0..300 {
        store.record(msg(n as u64 + 1, "ann", None));
        let to = format!("user{n}");
        store.store_offline(msg(n as u64 + 1001, "ann", Some(&to)), logged(&log, n, &tx));
    }
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(release);
    });
    store.close();
    assert_eq!(
        log.lock().len(),
        300,
        "every done ran before close returned"
    );
    releaser.join().expect("releaser");
    assert!(
        !scratch.dir().join("chat.db-wal").exists(),
        "the WAL was checkpointed"
    );
    let conn = reader(&scratch.db());
    assert_eq!(
        (count(&conn, "messages"), count(&conn, "mailbox")),
        (600, 300)
    );
    let refused = call(|d| store.account("ann", d));
    assert_eq!(
        refused,
        Err(StoreError::Failed("the store is closed".into()))
    );
    store.close(); // twice is fine
    waited(&rx, 300);
}

#[test]
fn dropping_the_handle_commits_what_is_queued() {
    let scratch = Scratch::new();
    let store = scratch.open();
    for id in 1..=500 {
        store.record(msg(id, "ann", None));
    }
    drop(store);
    assert_eq!(count(&reader(&scratch.db()), "messages"), 500);
}

#[test]
fn a_done_that_panics_is_contained() {
    let store = Scratch::new().open();
    store.store_offline(
        msg(1, "ann", Some("bob")),
        Box::new(|_| panic!("a careless caller")),
    );
    assert_eq!(
        ids(&call(|d| store.mailbox("bob", d)).expect("mailbox")),
        [1]
    );
}

#[test]
fn a_done_may_call_the_store_and_drop_the_last_handle() {
    let scratch = Scratch::new();
    let store = Arc::new(scratch.open());
    let (tx, rx) = mpsc::channel();
    let inner = store.clone();
    let release = hold(&store);
    store.store_offline(
        msg(1, "ann", Some("bob")),
        Box::new(move |r| {
            assert_eq!(r, Ok(()));
            inner.delivered("bob", 1);
            drop(inner); // the last handle, on the answer thread: no waiting for itself
            let _ = tx.send(());
        }),
    );
    drop(store);
    drop(release);
    rx.recv_timeout(PATIENCE).expect("done");
    let deadline = Instant::now() + PATIENCE;
    while count(&reader(&scratch.db()), "mailbox") != 0 {
        assert!(Instant::now() < deadline, "delivered was never committed");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_store_thread_commits_the_next_batch_while_a_done_still_runs() {
    let scratch = Scratch::new();
    let store = scratch.open();
    let (hold_tx, hold_rx) = mpsc::channel::<()>();
    let (entered_tx, entered_rx) = mpsc::channel();
    store.store_offline(
        msg(1, "ann", Some("bob")),
        Box::new(move |_| {
            let _ = entered_tx.send(());
            let _ = hold_rx.recv_timeout(PATIENCE);
        }),
    );
    entered_rx.recv_timeout(PATIENCE).expect("the done runs");
    store.record(msg(2, "ann", None));
    let deadline = Instant::now() + PATIENCE;
    while count(&reader(&scratch.db()), "messages") != 2 {
        assert!(
            Instant::now() < deadline,
            "the next write waited for the done"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(hold_tx);
}

/// What `PRAGMA synchronous` is while the batch of the job queued now runs.
fn synchronous_in_batch(store: &crate::store::Sqlite) -> mpsc::Receiver<i64> {
    let (tx, rx) = mpsc::channel();
    on_thread(store, move |conn| {
        let mode = conn
            .query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("synchronous");
        let _ = tx.send(mode);
    });
    rx
}

#[test]
fn a_batch_is_synced_before_its_commit_returns_when_someone_waits_for_one_of_its_writes() {
    const NORMAL: i64 = 1;
    const FULL: i64 = 2;
    let store = Scratch::new().open();
    let (tx, rx) = mpsc::channel();
    let log = Arc::new(Mutex::new(Vec::new()));
    // History records alone: nobody waits for them.
    let release = hold(&store);
    store.record(msg(1, "ann", None));
    let records_only = synchronous_in_batch(&store);
    drop(release);
    assert_eq!(records_only.recv_timeout(PATIENCE), Ok(NORMAL));
    // A message for a mailbox in the batch: STORED waits for the disk.
    let release = hold(&store);
    store.record(msg(2, "ann", None));
    store.store_offline(msg(3, "ann", Some("bob")), logged(&log, 0, &tx));
    let with_offline = synchronous_in_batch(&store);
    drop(release);
    assert_eq!(with_offline.recv_timeout(PATIENCE), Ok(FULL));
    // Delivered marks alone: nobody waits for them either.
    let release = hold(&store);
    store.delivered("bob", 3);
    let marks_only = synchronous_in_batch(&store);
    drop(release);
    assert_eq!(marks_only.recv_timeout(PATIENCE), Ok(NORMAL));
    // An account change: PASSWORD SET waits for the disk.
    let release = hold(&store);
    store.set_account("ann", Some("h".into()), logged(&log, 1, &tx));
    let with_account = synchronous_in_batch(&store);
    drop(release);
    assert_eq!(with_account.recv_timeout(PATIENCE), Ok(FULL));
    waited(&rx, 2);
}
