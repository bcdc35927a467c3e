//! What a chat database is, and how one is opened: the application id that marks a SQLite
//! file as ours, the schema as an ordered list of migrations, and the checks a file passes
//! before anything is written to it (ours, not from a newer version, sound, with the tables
//! its version says). A file that fails a check is left exactly as it was.
//!
//! The schema's version is `PRAGMA user_version`: version `n` is the first `n` entries of
//! [`MIGRATIONS`], each applied in one transaction that also sets the version, so a crash
//! leaves a file at one version or the next. Version 2 is one more entry at the end.

use super::OpenError;
use rusqlite::{Connection, ErrorCode};
use std::path::Path;

/// `PRAGMA application_id` of a chat database: "Chat" in ASCII.
pub const APPLICATION_ID: i32 = 0x4368_6174;

/// The page size of a new database, in bytes: a stored message changes about three index
/// pages, each written whole to the WAL and synced at commit, so small pages write a
/// quarter of SQLite's default 4,096 per message. (A file keeps the size it was made with.)
pub const PAGE_SIZE: u32 = 1024;

/// The schema, one migration per version (version 1 first). Never edit a released entry:
/// add one.
pub const MIGRATIONS: &[&str] = &[V1, V2];

/// Version 1: accounts, the history (`messages`, numbered by the chat), the mailboxes of
/// offline users (rows pointing into the history), and `meta.top_id`, the highest id
/// retention ever deleted (so ids never go back). Indexes serve the reads (a user's direct
/// messages both ways, a mailbox in id order, whether a message still waits somewhere);
/// retention by age walks `messages` by id and scans the (small) mailbox table instead of
/// paying an index on every insert.
const V1: &str = "
CREATE TABLE accounts (
    name TEXT PRIMARY KEY NOT NULL,
    hash TEXT NOT NULL,
    set_at INTEGER NOT NULL
) STRICT;
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT,
    emote INTEGER NOT NULL,
    body BLOB NOT NULL
) STRICT;
CREATE INDEX messages_to ON messages (recipient, id);
CREATE INDEX messages_from ON messages (sender, id) WHERE recipient IS NOT NULL;
CREATE TABLE mailbox (
    recipient TEXT NOT NULL,
    id INTEGER NOT NULL REFERENCES messages (id),
    stored_at INTEGER NOT NULL,
    PRIMARY KEY (recipient, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX mailbox_id ON mailbox (id);
CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('top_id', 0);
";

/// Version 2: rooms (PROTOCOL.md Part 8), with their topic and operator. A room's messages
/// are in `messages` with the room's name (`#rust`) as their recipient, read through the
/// `messages_to` index.
const V2: &str = "
CREATE TABLE rooms (
    name TEXT PRIMARY KEY NOT NULL,
    topic TEXT NOT NULL,
    operator TEXT
) STRICT, WITHOUT ROWID;
";

/// Checks the database behind `conn` and brings it to the last version of `steps`
/// (normally [`MIGRATIONS`]); a new, empty database is created at that version. Sets WAL
/// mode, full sync and foreign keys. `path` only names the file in errors.
pub(super) fn prepare(conn: &mut Connection, path: &Path, steps: &[&str]) -> Result<(), OpenError> {
    let known = steps.len() as i64;
    let (id, version, objects) = conn
        .query_row(
            "SELECT (SELECT application_id FROM pragma_application_id),
                    (SELECT user_version FROM pragma_user_version),
                    (SELECT count(*) FROM sqlite_schema)",
            [],
            |row| {
                Ok((
                    row.get::<_, i32>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        )
        .map_err(|e| classify(e, path))?;
    let fresh = id == 0 && version == 0 && objects == 0;
    if !fresh {
        if id != APPLICATION_ID {
            return Err(OpenError::NotOurs {
                path: path.into(),
                reason: format!(
                    "a SQLite database of another application, whose application_id is \
                     {id:#x} (the chat's is {APPLICATION_ID:#x})"
                ),
            });
        }
        if version > known {
            return Err(OpenError::Newer {
                path: path.into(),
                found: version,
                known,
            });
        }
        check_integrity(conn, path)?;
        check_schema(conn, path, version, steps)?;
    } else {
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE};"))
            .map_err(|e| classify(e, path))?;
    }
    configure(conn).map_err(|e| classify(e, path))?;
    migrate(conn, path, version.max(0), steps)
}

/// WAL (readers never wait for the writer, one fsync per commit), `synchronous=FULL` (a
/// commit is on disk when it returns), foreign keys checked.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if mode != "wal" && mode != "memory" {
        log::warn!("store: SQLite refused WAL mode here; journal mode is {mode}");
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")
}

/// `PRAGMA quick_check`: the file's pages and records are well formed.
fn check_integrity(conn: &Connection, path: &Path) -> Result<(), OpenError> {
    let found: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut s| s.query_map([], |row| row.get(0))?.collect())
        .map_err(|e| classify(e, path))?;
    if found == ["ok"] {
        return Ok(());
    }
    Err(OpenError::Corrupt {
        path: path.into(),
        reason: format!("integrity check failed: {}", found.join("; ")),
    })
}

/// The tables and indexes of `conn`, as `sqlite_schema` has them (less the statistics that
/// `ANALYZE` or `PRAGMA optimize` may add).
fn objects(conn: &Connection) -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
    conn.prepare(
        "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_stat%'
         ORDER BY type, name",
    )?
    .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
    .collect()
}

/// The file's tables are exactly those that the first `version` steps create.
fn check_schema(
    conn: &Connection,
    path: &Path,
    version: i64,
    steps: &[&str],
) -> Result<(), OpenError> {
    let wanted = expected(steps, version).map_err(|e| OpenError::Migration {
        path: path.into(),
        version,
        reason: e.to_string(),
    })?;
    let found = objects(conn).map_err(|e| classify(e, path))?;
    if found == wanted {
        return Ok(());
    }
    let names = |list: &[(String, String, Option<String>)],
                 other: &[(String, String, Option<String>)]| {
        list.iter()
            .filter(|o| !other.contains(o))
            .map(|(kind, name, _)| format!("{kind} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(OpenError::Corrupt {
        path: path.into(),
        reason: format!(
            "its tables are not those of schema version {version}: missing or different [{}], \
             unexpected [{}]",
            names(&wanted, &found),
            names(&found, &wanted)
        ),
    })
}

/// The schema objects of version `version`, built in a scratch database.
fn expected(
    steps: &[&str],
    version: i64,
) -> rusqlite::Result<Vec<(String, String, Option<String>)>> {
    let scratch = Connection::open_in_memory()?;
    let count = usize::try_from(version).unwrap_or(0);
    for sql in steps.iter().take(count) {
        scratch.execute_batch(sql)?;
    }
    objects(&scratch)
}

/// Applies `steps[from..]`, each in its own transaction with its version number.
fn migrate(conn: &mut Connection, path: &Path, from: i64, steps: &[&str]) -> Result<(), OpenError> {
    let start = usize::try_from(from).unwrap_or(0);
    for (index, sql) in steps.iter().enumerate().skip(start) {
        let version = index as i64 + 1;
        apply(conn, sql, version).map_err(|e| OpenError::Migration {
            path: path.into(),
            version,
            reason: e.to_string(),
        })?;
        log::info!("store: {} is at schema version {version}", path.display());
    }
    Ok(())
}

/// One migration step, in one transaction with its version number.
fn apply(conn: &mut Connection, sql: &str, version: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(sql)?;
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()
}

/// An error met while opening and checking a file, in the words of [`OpenError`].
pub(super) fn classify(error: rusqlite::Error, path: &Path) -> OpenError {
    let code = error.sqlite_error_code();
    let reason = error.to_string();
    let path = path.into();
    match code {
        Some(ErrorCode::NotADatabase) => OpenError::NotOurs { path, reason },
        Some(ErrorCode::DatabaseCorrupt) => OpenError::Corrupt { path, reason },
        _ => OpenError::CannotOpen { path, reason },
    }
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
