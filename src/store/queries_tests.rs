//! What each store call means, through the handle: accounts, mailboxes (order, cap, age,
//! delivery), history (who sees what, paging both ways, the page cap), the last id, and
//! retention.

use super::HISTORY_PAGE_MAX;
use crate::core::store::{HistoryQuery, Record, Store, StoreError};
use crate::store::test_support::*;
use crate::store::{Sqlite, StoreConfig, MIGRATIONS};
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn memory() -> Sqlite {
    Sqlite::open(&StoreConfig::default()).expect("in memory")
}

fn mailbox(store: &Sqlite, name: &str) -> Vec<u64> {
    ids(&call(|d| store.mailbox(name, d)).expect("mailbox"))
}

fn page(
    store: &Sqlite,
    user: &str,
    before: Option<u64>,
    after: Option<u64>,
    limit: usize,
) -> Vec<u64> {
    let query = HistoryQuery {
        room: None,
        user: user.into(),
        before,
        after,
        limit,
    };
    ids(&call(|d| store.history(query, d)).expect("history"))
}

fn offline(store: &Sqlite, record: Record) -> Result<(), StoreError> {
    call(|d| store.store_offline(record, d))
}

#[test]
fn accounts_are_claimed_replaced_and_dropped() {
    let store = memory();
    assert_eq!(call(|d| store.account("ann", d)), Ok(None));
    call(|d| store.set_account("ann", Some("h1".into()), d)).expect("set");
    assert_eq!(call(|d| store.account("ann", d)), Ok(Some("h1".into())));
    call(|d| store.set_account("ann", Some("h2".into()), d)).expect("replace");
    assert_eq!(call(|d| store.account("ann", d)), Ok(Some("h2".into())));
    assert_eq!(call(|d| store.account("bob", d)), Ok(None));
    call(|d| store.set_account("ann", None, d)).expect("drop");
    assert_eq!(call(|d| store.account("ann", d)), Ok(None));
    call(|d| store.set_account("nobody", None, d)).expect("dropping nothing is fine");
}

#[test]
fn a_mailbox_holds_its_own_messages_oldest_first_until_delivered() {
    let store = memory();
    for id in [5, 3, 9] {
        offline(&store, msg(id, "ann", Some("bob"))).expect("offline");
    }
    offline(&store, msg(4, "ann", Some("carol"))).expect("offline");
    assert_eq!(mailbox(&store, "bob"), [3, 5, 9]);
    assert_eq!(mailbox(&store, "carol"), [4]);
    assert_eq!(mailbox(&store, "dave"), Vec::<u64>::new());
    let full = call(|d| store.mailbox("bob", d)).expect("mailbox");
    assert_eq!(full[0], msg(3, "ann", Some("bob")));

    store.delivered("bob", 5);
    store.delivered("carol", 9); // not hers: nothing happens
    assert_eq!(mailbox(&store, "bob"), [3, 9]);
    // Delivered leaves the history as it was.
    assert_eq!(page(&store, "bob", None, None, 10), [3, 5, 9]);
}

#[test]
fn a_full_mailbox_refuses_and_keeps_nothing_of_the_message() {
    let store = Sqlite::open(&StoreConfig {
        mailbox_max: 3,
        ..StoreConfig::default()
    })
    .expect("open");
    for id in 1..=3 {
        offline(&store, msg(id, "ann", Some("bob"))).expect("room");
    }
    assert_eq!(
        offline(&store, msg(4, "ann", Some("bob"))),
        Err(StoreError::MailboxFull("bob".into()))
    );
    offline(&store, msg(5, "ann", Some("carol"))).expect("carol has room");
    assert_eq!(page(&store, "ann", None, None, 10), [1, 2, 3, 5]);
    store.delivered("bob", 1);
    offline(&store, msg(6, "ann", Some("bob"))).expect("room again");
    assert_eq!(mailbox(&store, "bob"), [2, 3, 6]);
}

#[test]
fn messages_older_than_the_mailbox_ttl_are_neither_returned_nor_counted() {
    let store = Sqlite::open(&StoreConfig {
        mailbox_max: 2,
        mailbox_ttl: HOUR,
        ..StoreConfig::default()
    })
    .expect("open");
    offline(&store, aged(1, "ann", Some("bob"), 2 * HOUR)).expect("old");
    offline(&store, aged(2, "ann", Some("bob"), 2 * HOUR)).expect("old");
    offline(&store, msg(3, "ann", Some("bob"))).expect("the old ones do not count");
    offline(&store, msg(4, "ann", Some("bob"))).expect("still room");
    assert_eq!(mailbox(&store, "bob"), [3, 4]);
}

#[test]
fn a_message_for_a_mailbox_needs_a_recipient() {
    let store = memory();
    assert!(matches!(
        offline(&store, msg(1, "ann", None)),
        Err(StoreError::Failed(_))
    ));
    assert_eq!(page(&store, "ann", None, None, 10), Vec::<u64>::new());
}

#[test]
fn history_shows_messages_to_everyone_and_the_users_own_direct_messages() {
    let store = memory();
    store.record(msg(1, "ann", None));
    store.record(msg(2, "ann", Some("bob")));
    store.record(msg(3, "bob", Some("carol")));
    offline(&store, msg(4, "carol", Some("ann"))).expect("offline");
    store.record(msg(5, "carol", None));
    store.record(msg(6, "bob", Some("bob")));
    assert_eq!(page(&store, "ann", None, None, 10), [1, 2, 4, 5]);
    assert_eq!(page(&store, "bob", None, None, 10), [1, 2, 3, 5, 6]);
    assert_eq!(page(&store, "carol", None, None, 10), [1, 3, 4, 5]);
    assert_eq!(page(&store, "dave", None, None, 10), [1, 5]);
    let records = call(|d| {
        let query = HistoryQuery {
            room: None,
            user: "bob".into(),
            before: Some(4),
            after: Some(2),
            limit: 10,
        };
        store.history(query, d)
    });
    assert_eq!(records, Ok(vec![msg(3, "bob", Some("carol"))]));
}

#[test]
fn history_pages_back_with_before_and_forward_with_after() {
    let store = memory();
    for id in 1..=20 {
        store.record(msg(id, "ann", None));
    }
    store.record(msg(21, "bob", Some("carol"))); // not ann's
    let range = |a: u64, b: u64| (a..=b).collect::<Vec<_>>();
    assert_eq!(page(&store, "ann", None, None, 5), range(16, 20));
    assert_eq!(page(&store, "ann", Some(16), None, 5), range(11, 15));
    assert_eq!(page(&store, "ann", Some(3), None, 5), [1, 2]);
    assert_eq!(page(&store, "ann", Some(1), None, 5), Vec::<u64>::new());
    assert_eq!(page(&store, "ann", Some(u64::MAX), None, 3), range(18, 20));
    assert_eq!(page(&store, "ann", None, Some(0), 5), range(1, 5));
    assert_eq!(page(&store, "ann", None, Some(5), 5), range(6, 10));
    assert_eq!(page(&store, "ann", None, Some(17), 5), range(18, 20));
    assert_eq!(
        page(&store, "ann", None, Some(u64::MAX), 5),
        Vec::<u64>::new()
    );
    assert_eq!(page(&store, "ann", Some(12), Some(5), 3), range(6, 8));
    assert_eq!(page(&store, "ann", None, None, 0), Vec::<u64>::new());
}

#[test]
fn a_history_page_holds_at_most_1000_messages() {
    let store = memory();
    for id in 1..=1200 {
        store.record(msg(id, "ann", None));
    }
    let newest = page(&store, "ann", None, None, 5000);
    assert_eq!(newest.len(), HISTORY_PAGE_MAX);
    assert_eq!((newest[0], newest[999]), (201, 1200));
    let oldest = page(&store, "ann", None, Some(0), usize::MAX);
    assert_eq!((oldest.len(), oldest[0], oldest[999]), (1000, 1, 1000));
}

#[test]
fn records_come_back_as_they_were_kept() {
    let store = memory();
    let mut record = aged(77, "ann", Some("bob"), 3 * HOUR);
    record.emote = true;
    record.body = vec![0, 255, b'\n', 1];
    store.record(record.clone());
    let query = HistoryQuery {
        room: None,
        user: "bob".into(),
        before: None,
        after: None,
        limit: 1,
    };
    assert_eq!(call(|d| store.history(query, d)), Ok(vec![record]));
}

#[test]
fn retention_drops_old_and_excess_history_but_never_a_waiting_message() {
    let scratch = Scratch::new();
    let config = StoreConfig {
        mailbox_ttl: HOUR,
        history_ttl: Some(HOUR),
        history_max: Some(5),
        ..scratch.config()
    };
    let store = Sqlite::open(&config).expect("open");
    for id in 1..=3 {
        store.record(aged(id, "ann", None, 2 * HOUR));
    }
    offline(&store, aged(4, "ann", Some("bob"), 2 * HOUR)).expect("expired at once");
    offline(
        &store,
        aged(5, "ann", Some("bob"), 2 * HOUR - Duration::from_secs(60)),
    )
    .expect("old");
    for id in 6..=15 {
        store.record(msg(id, "ann", None));
    }
    drop(store);
    // Message 5 is past the history ttl and beyond the cap, but still waits for bob: the
    // mailbox ttl is an hour too, so make that one young again.
    let conn = rusqlite::Connection::open(scratch.db()).expect("raw");
    conn.execute(
        "UPDATE mailbox SET stored_at = stored_at + 3600000 WHERE id = 5",
        [],
    )
    .expect("touch");
    drop(conn);

    let store = Sqlite::open(&config).expect("reopen: retention runs first");
    assert_eq!(
        page(&store, "bob", None, None, 100),
        [5, 11, 12, 13, 14, 15]
    );
    assert_eq!(mailbox(&store, "bob"), [5]);
    drop(store);
    let conn = reader(&scratch.db());
    assert_eq!(count(&conn, "messages"), 6);
    assert_eq!(count(&conn, "mailbox"), 1);
}

#[test]
fn retention_also_runs_while_the_store_is_open() {
    let scratch = Scratch::new();
    let config = StoreConfig {
        mailbox_ttl: Duration::from_millis(300),
        ..scratch.config()
    };
    let every = Duration::from_millis(50);
    let store = Sqlite::open_with(&config, MIGRATIONS, every).expect("open");
    offline(&store, msg(1, "ann", Some("bob"))).expect("offline");
    let deadline = std::time::Instant::now() + PATIENCE;
    while count(&reader(&scratch.db()), "mailbox") != 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the row was never removed"
        );
        std::thread::sleep(every);
    }
    assert_eq!(mailbox(&store, "bob"), Vec::<u64>::new());
    assert_eq!(
        page(&store, "bob", None, None, 10),
        [1],
        "the history keeps it"
    );
}

#[test]
fn the_last_id_is_the_highest_ever_kept_even_once_retention_removed_it() {
    let scratch = Scratch::new();
    assert_eq!(scratch.open().last_id(), 0);
    let store = scratch.open();
    for id in [3, 12, 7] {
        store.record(msg(id, "ann", None));
    }
    drop(store);
    assert_eq!(scratch.open().last_id(), 12);
    let forget = StoreConfig {
        history_max: Some(0),
        ..scratch.config()
    };
    drop(Sqlite::open(&forget).expect("retention removes everything"));
    let store = scratch.open();
    assert_eq!(page(&store, "ann", None, None, 10), Vec::<u64>::new());
    assert_eq!(store.last_id(), 12);
}

#[test]
fn a_history_of_no_messages_keeps_none_but_mailboxes_still_work() {
    let store = Sqlite::open(&StoreConfig {
        history_max: Some(0),
        ..StoreConfig::default()
    })
    .expect("open");
    store.record(msg(1, "ann", None));
    store.record(msg(2, "ann", Some("bob")));
    offline(&store, msg(3, "ann", Some("bob"))).expect("kept for bob");
    // What waits is still shown to its sender and recipient; nothing else was written.
    assert_eq!(page(&store, "ann", None, None, 10), [3]);
    assert_eq!(mailbox(&store, "bob"), [3]);
}

fn room_page(store: &Sqlite, user: &str, room: &str) -> Vec<u64> {
    let query = HistoryQuery {
        room: Some(room.into()),
        user: user.into(),
        before: None,
        after: None,
        limit: 10,
    };
    ids(&call(|d| store.history(query, d)).expect("history"))
}

#[test]
fn a_rooms_history_is_its_own_and_not_its_senders_direct_messages() {
    let store = memory();
    store.record(msg(1, "ann", Some("#rust")));
    store.record(msg(2, "ann", None));
    store.record(msg(3, "ann", Some("bob")));
    store.record(msg(4, "bob", Some("#go")));
    store.record(msg(5, "bob", Some("#rust")));
    assert_eq!(room_page(&store, "cy", "#rust"), [1, 5]);
    assert_eq!(room_page(&store, "cy", "#go"), [4]);
    assert_eq!(room_page(&store, "cy", crate::core::LOBBY), [2]);
    assert_eq!(
        page(&store, "ann", None, None, 10),
        [2, 3],
        "not the room's"
    );
    assert_eq!(page(&store, "bob", None, None, 10), [2, 3]);
}

#[test]
fn rooms_are_kept_replaced_and_read_back_at_the_next_open() {
    let dir = std::env::temp_dir().join(format!("rooms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = StoreConfig::file(dir.join("chat.db"));
    let room = |name: &str, topic: &str, operator: Option<&str>| crate::core::RoomRecord {
        name: name.into(),
        topic: topic.into(),
        operator: operator.map(str::to_string),
    };
    {
        let store = Sqlite::open(&config).unwrap();
        assert!(store.rooms().is_empty());
        store.save_room(room("#rust", "", Some("ann")));
        store.save_room(room("#go", "gophers", None));
        store.save_room(room("#rust", "Rust, mostly", Some("ann")));
        store.save_room(room("#gone", "", None));
        store.drop_room("#gone");
        store.close();
    }
    let store = Sqlite::open(&config).unwrap();
    assert_eq!(
        store.rooms(),
        [
            room("#go", "gophers", None),
            room("#rust", "Rust, mostly", Some("ann"))
        ]
    );
    store.close();
    let _ = std::fs::remove_dir_all(&dir);
}
