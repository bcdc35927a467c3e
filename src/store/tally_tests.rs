//! The tally: room found without a count, the exact count at the limit, frees on delivery,
//! and a table changed behind its back counted again once forgotten.

use super::Tally;
use crate::core::store::StoreError;
use crate::store::schema;
use crate::store::test_support::*;
use crate::store::MIGRATIONS;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

fn conn() -> Connection {
    let mut conn = Connection::open_in_memory().expect("memory");
    schema::prepare(&mut conn, Path::new(":memory:"), MIGRATIONS).expect("schema");
    conn
}

fn oldest() -> i64 {
    super::queries::cutoff(now(), HOUR)
}

fn rows(conn: &Connection) -> i64 {
    count(conn, "mailbox")
}

#[test]
fn stores_until_the_limit_then_refuses_and_a_delivery_makes_room() {
    let conn = conn();
    let mut tally = Tally::default();
    for id in 1..=3 {
        let stored = tally.store_offline(&conn, &msg(id, "ann", Some("bob")), 3, oldest());
        assert_eq!(stored.expect("sql"), Ok(()));
    }
    assert_eq!(tally.rows("bob"), Some(3));
    let full = tally.store_offline(&conn, &msg(4, "ann", Some("bob")), 3, oldest());
    assert_eq!(
        full.expect("sql"),
        Err(StoreError::MailboxFull("bob".into()))
    );
    assert_eq!(rows(&conn), 3, "nothing of the refused message was written");

    tally.delivered(&conn, "bob", 99).expect("sql"); // not there: nothing changes
    assert_eq!(tally.rows("bob"), Some(3));
    tally.delivered(&conn, "carol", 1).expect("sql"); // not hers
    assert_eq!(tally.rows("bob"), Some(3));
    tally.delivered(&conn, "bob", 1).expect("sql");
    assert_eq!(tally.rows("bob"), Some(2));
    let room = tally.store_offline(&conn, &msg(5, "ann", Some("bob")), 3, oldest());
    assert_eq!(room.expect("sql"), Ok(()));
    assert_eq!(rows(&conn), 3);
}

#[test]
fn the_first_use_counts_what_the_table_already_holds() {
    let conn = conn();
    let mut seed = Tally::default();
    for id in 1..=2 {
        let _ = seed.store_offline(&conn, &msg(id, "ann", Some("bob")), 9, oldest());
    }
    let mut tally = Tally::default();
    let full = tally.store_offline(&conn, &msg(3, "ann", Some("bob")), 2, oldest());
    assert_eq!(
        full.expect("sql"),
        Err(StoreError::MailboxFull("bob".into()))
    );
    assert_eq!(tally.rows("bob"), Some(2));
}

#[test]
fn expired_rows_count_only_until_the_exact_count_says_there_is_room() {
    let conn = conn();
    let mut tally = Tally::default();
    for id in 1..=2 {
        let old = aged(id, "ann", Some("bob"), 2 * HOUR);
        assert_eq!(
            tally.store_offline(&conn, &old, 9, i64::MIN).expect("sql"),
            Ok(())
        );
    }
    // Both rows are there, both expired: the limit of 2 is not reached.
    let young = tally.store_offline(&conn, &msg(3, "ann", Some("bob")), 2, oldest());
    assert_eq!(young.expect("sql"), Ok(()));
    let second = tally.store_offline(&conn, &msg(4, "ann", Some("bob")), 2, oldest());
    assert_eq!(second.expect("sql"), Ok(()));
    let third = tally.store_offline(&conn, &msg(5, "ann", Some("bob")), 2, oldest());
    assert_eq!(
        third.expect("sql"),
        Err(StoreError::MailboxFull("bob".into()))
    );
}

#[test]
fn a_forgotten_tally_counts_again_after_rows_went_behind_its_back() {
    let conn = conn();
    let mut tally = Tally::default();
    for id in 1..=2 {
        let _ = tally.store_offline(&conn, &msg(id, "ann", Some("bob")), 2, oldest());
    }
    conn.execute("DELETE FROM mailbox", []).expect("delete");
    tally.forget();
    assert_eq!(tally.rows("bob"), None);
    let room = tally.store_offline(&conn, &msg(3, "ann", Some("bob")), 2, oldest());
    assert_eq!(room.expect("sql"), Ok(()));
    assert_eq!(tally.rows("bob"), Some(1));
}

#[test]
fn a_message_without_a_recipient_is_refused_and_changes_nothing() {
    let conn = conn();
    let mut tally = Tally::default();
    let refused = tally.store_offline(&conn, &msg(1, "ann", None), 2, oldest());
    assert!(matches!(refused, Ok(Err(StoreError::Failed(_)))));
    assert_eq!(rows(&conn), 0);
    assert_eq!(count(&conn, "messages"), 0);
}
