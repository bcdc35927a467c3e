//! Opening a database file: new, reopened, and each kind of file the store refuses (left
//! byte for byte as it was); migrations to a next version.

use super::*;
use crate::core::store::{HistoryQuery, Store};
use crate::store::test_support::*;
use crate::store::{OpenError, Sqlite, StoreConfig, RETAIN_EVERY};

fn pragma(conn: &Connection, name: &str) -> i64 {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .expect("pragma")
}

/// Opening `config` fails, and the file it names is byte for byte what it was.
fn refused(config: &StoreConfig) -> OpenError {
    let path = config.path.as_deref().expect("a file");
    let before = std::fs::read(path).expect("read the file");
    let error = match Sqlite::open(config) {
        Ok(_) => panic!("{} was opened", path.display()),
        Err(e) => e,
    };
    assert_eq!(std::fs::read(path).expect("read again"), before, "{error}");
    let shown = error.to_string();
    assert!(shown.contains(&path.display().to_string()), "{shown}");
    error
}

/// A store holding one account, one public message, one waiting message; closed.
fn filled(scratch: &Scratch) {
    let store = scratch.open();
    call(|d| store.set_account("ann", Some("$argon2id$x".into()), d)).expect("account");
    store.record(msg(1, "ann", None));
    call(|d| store.store_offline(msg(2, "ann", Some("bob")), d)).expect("offline");
}

#[test]
fn a_new_file_gets_our_application_id_the_current_version_and_wal() {
    let scratch = Scratch::new();
    drop(scratch.open());
    let conn = reader(&scratch.db());
    assert_eq!(pragma(&conn, "application_id"), i64::from(APPLICATION_ID));
    assert_eq!(pragma(&conn, "user_version"), MIGRATIONS.len() as i64);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_keeps_accounts_mailboxes_and_history() {
    let scratch = Scratch::new();
    filled(&scratch);
    let store = scratch.open();
    assert_eq!(store.last_id(), 2);
    let hash = call(|d| store.account("ann", d)).expect("account");
    assert_eq!(hash.as_deref(), Some("$argon2id$x"));
    assert_eq!(
        ids(&call(|d| store.mailbox("bob", d)).expect("mailbox")),
        [2]
    );
    let query = HistoryQuery {
        room: None,
        user: "bob".into(),
        before: None,
        after: None,
        limit: 10,
    };
    let page = call(|d| store.history(query, d)).expect("history");
    assert_eq!(page, [msg(1, "ann", None), msg(2, "ann", Some("bob"))]);
}

#[test]
fn a_text_file_is_not_a_database_and_stays_as_it_was() {
    let scratch = Scratch::new();
    std::fs::write(
        scratch.db(),
        "not a database, but a page of notes\n".repeat(200),
    )
    .expect("w");
    let error = refused(&scratch.config());
    assert!(matches!(error, OpenError::NotOurs { .. }), "{error:?}");
    assert!(
        error.to_string().contains("file is not a database"),
        "{error}"
    );
}

#[test]
fn a_database_of_another_application_is_not_ours() {
    let scratch = Scratch::new();
    for id in [0x1234, 0] {
        let _ = std::fs::remove_file(scratch.db());
        let other = Connection::open(scratch.db()).expect("other");
        other
            .execute_batch("CREATE TABLE notes (x TEXT); INSERT INTO notes VALUES ('hi');")
            .expect("schema");
        other
            .pragma_update(None, "application_id", id)
            .expect("app id");
        drop(other);
        let error = refused(&scratch.config());
        assert!(matches!(error, OpenError::NotOurs { .. }), "{error:?}");
        assert!(error.to_string().contains("another application"), "{error}");
    }
}

#[test]
fn a_file_from_a_newer_version_is_refused() {
    let scratch = Scratch::new();
    filled(&scratch);
    let newer = MIGRATIONS.len() as i64 + 1;
    let conn = Connection::open(scratch.db()).expect("raw");
    conn.pragma_update(None, "user_version", newer)
        .expect("version");
    drop(conn);
    match refused(&scratch.config()) {
        OpenError::Newer { found, known, .. } => {
            assert_eq!((found, known), (newer, MIGRATIONS.len() as i64))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_corrupted_file_is_refused() {
    let scratch = Scratch::new();
    let store = scratch.open();
    for id in 1..=1000 {
        let mut record = msg(id, "ann", None);
        record.body = vec![b'x'; 200];
        store.record(record);
    }
    drop(store);
    let mut bytes = std::fs::read(scratch.db()).expect("read");
    assert!(bytes.len() > 16 * 4096, "{} bytes", bytes.len());
    let middle = bytes.len() / 2 / 4096 * 4096;
    bytes[middle..middle + 4096].fill(0xA5);
    std::fs::write(scratch.db(), &bytes).expect("corrupt");
    let error = refused(&scratch.config());
    assert!(matches!(error, OpenError::Corrupt { .. }), "{error:?}");
}

#[test]
fn a_file_whose_tables_differ_from_its_version_is_corrupt() {
    let scratch = Scratch::new();
    filled(&scratch);
    let conn = Connection::open(scratch.db()).expect("raw");
    conn.execute_batch("ANALYZE")
        .expect("statistics are no change of schema");
    drop(conn);
    drop(scratch.open());
    let conn = Connection::open(scratch.db()).expect("raw");
    conn.execute_batch("DROP INDEX mailbox_id").expect("drop");
    drop(conn);
    let error = refused(&scratch.config());
    assert!(matches!(error, OpenError::Corrupt { .. }), "{error:?}");
    assert!(error.to_string().contains("index mailbox_id"), "{error}");
}

#[test]
fn a_directory_or_a_missing_directory_cannot_be_opened() {
    let scratch = Scratch::new();
    for path in [
        scratch.dir().to_path_buf(),
        scratch.dir().join("no/such/chat.db"),
    ] {
        let error = match Sqlite::open(&StoreConfig::file(&path)) {
            Ok(_) => panic!("{} opened", path.display()),
            Err(e) => e,
        };
        assert!(matches!(error, OpenError::CannotOpen { .. }), "{error:?}");
        assert!(error.to_string().contains(&path.display().to_string()));
    }
    assert!(scratch.dir().is_dir());
    assert!(!scratch.dir().join("no").exists());
}

#[test]
fn in_memory_works_and_leaves_no_file() {
    let scratch = Scratch::new();
    let cwd = std::env::current_dir().expect("cwd");
    let before: Vec<_> = std::fs::read_dir(&cwd).expect("ls").collect();
    let store = Sqlite::open(&StoreConfig::default()).expect("memory");
    call(|d| store.store_offline(msg(7, "ann", Some("bob")), d)).expect("offline");
    assert_eq!(
        ids(&call(|d| store.mailbox("bob", d)).expect("mailbox")),
        [7]
    );
    drop(store);
    let after: Vec<_> = std::fs::read_dir(&cwd).expect("ls").collect();
    assert_eq!(before.len(), after.len());
    assert!(std::fs::read_dir(scratch.dir())
        .expect("ls")
        .next()
        .is_none());
}

/// The versions this build knows.
const KNOWN: i64 = MIGRATIONS.len() as i64;

/// This build's migrations and then `extra`.
fn and_then(extra: &'static str) -> Vec<&'static str> {
    MIGRATIONS.iter().copied().chain([extra]).collect()
}

#[test]
fn one_more_migration_step_brings_a_file_to_the_next_version() {
    let scratch = Scratch::new();
    filled(&scratch);
    let steps = and_then("CREATE TABLE extra (x INTEGER) STRICT;");
    let store = Sqlite::open_with(&scratch.config(), &steps, RETAIN_EVERY).expect("next version");
    assert_eq!(
        ids(&call(|d| store.mailbox("bob", d)).expect("mailbox")),
        [2]
    );
    drop(store);
    let conn = reader(&scratch.db());
    assert_eq!(pragma(&conn, "user_version"), KNOWN + 1);
    assert_eq!(count(&conn, "extra"), 0);
    drop(conn);
    // Reopened at the next version with the same steps: nothing to do. This build does not
    // know that version.
    drop(Sqlite::open_with(&scratch.config(), &steps, RETAIN_EVERY).expect("again"));
    let error = refused(&scratch.config());
    assert!(
        matches!(error, OpenError::Newer { found, known, .. } if found == KNOWN + 1 && known == KNOWN),
        "{error:?}"
    );
}

#[test]
fn a_version_1_file_gets_the_rooms_table_and_keeps_what_it_had() {
    let scratch = Scratch::new();
    let mut old = rusqlite::Connection::open(scratch.db()).expect("open");
    super::prepare(&mut old, &scratch.db(), &MIGRATIONS[..1]).expect("v1");
    old.execute("INSERT INTO accounts VALUES ('ann', '$argon2id$x', 0)", [])
        .expect("an account");
    drop(old);
    let store = scratch.open();
    let hash = call(|d| store.account("ann", d)).expect("account");
    assert_eq!(hash.as_deref(), Some("$argon2id$x"));
    store.save_room(crate::core::RoomRecord {
        name: "#rust".into(),
        topic: String::new(),
        operator: None,
    });
    drop(store);
    let conn = reader(&scratch.db());
    assert_eq!(pragma(&conn, "user_version"), KNOWN);
    assert_eq!(count(&conn, "rooms"), 1);
}

#[test]
fn a_failing_migration_step_leaves_the_file_at_its_version() {
    let scratch = Scratch::new();
    filled(&scratch);
    let steps = and_then("CREATE TABLE fine (x); CREATE TABLE accounts (x);");
    match Sqlite::open_with(&scratch.config(), &steps, RETAIN_EVERY) {
        Err(OpenError::Migration { version, .. }) if version == KNOWN + 1 => {}
        Err(other) => panic!("{other:?}"),
        Ok(_) => panic!("migrated"),
    }
    let store = scratch.open();
    assert_eq!(
        ids(&call(|d| store.mailbox("bob", d)).expect("mailbox")),
        [2]
    );
    drop(store);
    let conn = reader(&scratch.db());
    assert_eq!(pragma(&conn, "user_version"), KNOWN);
    let fine: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'fine'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(fine, 0);
}

#[test]
fn open_errors_read_clearly() {
    let path = std::path::PathBuf::from("/data/chat.db");
    let error = OpenError::Newer {
        path,
        found: 3,
        known: 1,
    };
    assert_eq!(
        error.to_string(),
        "the database /data/chat.db was written by a newer version of the chat (schema \
         version 3; this one knows up to 1); it was left untouched"
    );
}
