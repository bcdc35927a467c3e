//! The SQL of every store operation, one function each, on a connection (or a transaction:
//! the caller decides what is committed together). No threads and no callbacks here: the
//! store thread ([`super::thread`]) calls these in order and answers the callers.
//!
//! Times are kept as milliseconds since the Unix epoch; ids as SQLite integers (an id above
//! `i64::MAX` cannot be stored and fails that one call).

use crate::core::store::{HistoryQuery, Record, RoomRecord};
use crate::core::LOBBY;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The most records one history page holds, whatever the caller asks.
pub const HISTORY_PAGE_MAX: usize = 1000;

/// What retention keeps (see [`retain`]).
#[derive(Clone, Copy, Debug)]
pub(super) struct Retention {
    pub mailbox_ttl: Duration,
    pub history_ttl: Option<Duration>,
    pub history_max: Option<u64>,
}

/// How many rows one pass of retention removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Removed {
    pub mailbox: usize,
    pub history: usize,
}

/// `time` in milliseconds since the epoch (negative before it, saturated far away).
pub(super) fn to_ms(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |ms| -ms),
    }
}

fn from_ms(ms: i64) -> SystemTime {
    let d = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

/// The oldest time (in ms) still younger than `ttl` at `now`.
pub(super) fn cutoff(now: SystemTime, ttl: Duration) -> i64 {
    to_ms(now).saturating_sub(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX))
}

/// An id as SQLite stores it; ids past `i64::MAX` are read as `i64::MAX` (a bound, never a
/// stored id).
fn bound(id: u64) -> i64 {
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// An id to store: SQLite holds up to `i64::MAX`; above it the call fails (its own fault).
fn stored(id: u64) -> rusqlite::Result<i64> {
    i64::try_from(id).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// An id read back (never negative: only [`stored`] ids are written).
fn id_at(row: &Row, column: usize) -> rusqlite::Result<u64> {
    let id: i64 = row.get(column)?;
    u64::try_from(id).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(column, id))
}

const RECORD_COLUMNS: &str = "id, time_ms, sender, recipient, emote, body";

fn record(row: &Row) -> rusqlite::Result<Record> {
    Ok(Record {
        id: id_at(row, 0)?,
        time: from_ms(row.get(1)?),
        from: row.get(2)?,
        to: row.get(3)?,
        emote: row.get(4)?,
        body: row.get(5)?,
    })
}

/// The highest id the store ever held: in its messages, its mailboxes, or the mark
/// retention leaves before it deletes.
pub(super) fn last_id(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT max(coalesce((SELECT max(id) FROM messages), 0),
                    coalesce((SELECT max(id) FROM mailbox), 0),
                    coalesce((SELECT value FROM meta WHERE key = 'top_id'), 0))",
        [],
        |row| id_at(row, 0),
    )
}

/// Every claimed name and its hash.
pub(super) fn accounts(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare("SELECT name, hash FROM accounts ORDER BY name")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

pub(super) fn rooms(conn: &Connection) -> rusqlite::Result<Vec<RoomRecord>> {
    conn.prepare("SELECT name, topic, operator FROM rooms ORDER BY name")?
        .query_map([], |row| {
            Ok(RoomRecord {
                name: row.get(0)?,
                topic: row.get(1)?,
                operator: row.get(2)?,
            })
        })?
        .collect()
}

pub(super) fn save_room(conn: &Connection, room: &RoomRecord) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO rooms (name, topic, operator) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![room.name, room.topic, room.operator])?;
    Ok(())
}

pub(super) fn drop_room(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM rooms WHERE name = ?1")?
        .execute([name])?;
    Ok(())
}

pub(super) fn account(conn: &Connection, name: &str) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT hash FROM accounts WHERE name = ?1")?
        .query_row([name], |row| row.get(0))
        .optional()
}

pub(super) fn set_account(
    conn: &Connection,
    name: &str,
    hash: Option<&str>,
    now: SystemTime,
) -> rusqlite::Result<()> {
    match hash {
        Some(hash) => conn
            .prepare_cached(
                "INSERT INTO accounts (name, hash, set_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (name) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at",
            )?
            .execute(params![name, hash, to_ms(now)])?,
        None => conn
            .prepare_cached("DELETE FROM accounts WHERE name = ?1")?
            .execute([name])?,
    };
    Ok(())
}

/// Keeps `record` in the history.
pub(super) fn insert_message(conn: &Connection, record: &Record) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO messages (id, time_ms, sender, recipient, emote, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        stored(record.id)?,
        to_ms(record.time),
        record.from,
        record.to,
        record.emote,
        record.body
    ])?;
    Ok(())
}

/// How many rows `name`'s mailbox holds, expired ones included.
pub(super) fn mailbox_rows(conn: &Connection, name: &str) -> rusqlite::Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM mailbox WHERE recipient = ?1")?
        .query_row([name], |row| row.get(0))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// How many messages wait for `name` that are not older than `oldest` (ms): what counts
/// against the mailbox limit.
pub(super) fn waiting(conn: &Connection, name: &str, oldest: i64) -> rusqlite::Result<usize> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM mailbox WHERE recipient = ?1 AND stored_at >= ?2")?
        .query_row(params![name, oldest], |row| row.get(0))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Keeps `record` in the history and in the mailbox of `to`, its recipient (the caller has
/// checked the mailbox has room). The mailbox row's age is the record's time.
pub(super) fn store_offline(conn: &Connection, record: &Record, to: &str) -> rusqlite::Result<()> {
    insert_message(conn, record)?;
    conn.prepare_cached("INSERT INTO mailbox (recipient, id, stored_at) VALUES (?1, ?2, ?3)")?
        .execute(params![to, stored(record.id)?, to_ms(record.time)])?;
    Ok(())
}

/// The messages waiting for `name` that are not older than `oldest` (ms), oldest first.
pub(super) fn mailbox(conn: &Connection, name: &str, oldest: i64) -> rusqlite::Result<Vec<Record>> {
    conn.prepare_cached(
        "SELECT m.id, m.time_ms, m.sender, m.recipient, m.emote, m.body
         FROM mailbox b JOIN messages m ON m.id = b.id
         WHERE b.recipient = ?1 AND b.stored_at >= ?2 ORDER BY b.id",
    )?
    .query_map(params![name, oldest], record)?
    .collect()
}

/// Removes message `id` from `name`'s mailbox; how many rows went (0 or 1).
pub(super) fn delivered(conn: &Connection, name: &str, id: u64) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM mailbox WHERE recipient = ?1 AND id = ?2")?
        .execute(params![name, bound(id)])
}

/// A page of what `query.user` may see, oldest first. Each kind of visible message (to
/// everyone, to the user, from the user to someone) is read through its own index, at most
/// a page of each, so a page costs the same however many messages others exchanged.
pub(super) fn history(conn: &Connection, query: &HistoryQuery) -> rusqlite::Result<Vec<Record>> {
    let limit = query.limit.min(HISTORY_PAGE_MAX);
    if limit == 0 {
        return Ok(Vec::new());
    }
    // `after` pages forward from the oldest; otherwise back from the newest.
    let order = if query.after.is_some() { "ASC" } else { "DESC" };
    let low = query.after.map_or(i64::MIN, bound);
    let high = query.before.map_or(i64::MAX, bound);
    let window = "id > ?1 AND id < ?2";
    if let Some(room) = &query.room {
        return room_history(conn, query, room, order, (low, high), limit);
    }
    // Room messages have a recipient too (the room's name, which no user name starts with).
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM messages WHERE id IN (
             SELECT id FROM (SELECT id FROM messages WHERE recipient IS NULL AND {window}
                             ORDER BY id {order} LIMIT ?4)
             UNION SELECT id FROM (SELECT id FROM messages WHERE recipient = ?3 AND {window}
                                   ORDER BY id {order} LIMIT ?4)
             UNION SELECT id FROM (SELECT id FROM messages
                                   WHERE sender = ?3 AND recipient IS NOT NULL
                                   AND recipient NOT LIKE '#%' AND {window}
                                   ORDER BY id {order} LIMIT ?4))
         ORDER BY id {order} LIMIT ?4"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut page = conn
        .prepare_cached(&sql)?
        .query_map(params![low, high, query.user, limit], record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if query.after.is_none() {
        page.reverse();
    }
    Ok(page)
}

/// A page of one room's messages (the lobby's: those to everyone), oldest first.
fn room_history(
    conn: &Connection,
    query: &HistoryQuery,
    room: &str,
    order: &str,
    (low, high): (i64, i64),
    limit: usize,
) -> rusqlite::Result<Vec<Record>> {
    let whose = if room == LOBBY {
        "recipient IS NULL"
    } else {
        "recipient = ?3"
    };
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM messages WHERE {whose} AND id > ?1 AND id < ?2
         ORDER BY id {order} LIMIT ?4"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut page = conn
        .prepare_cached(&sql)?
        .query_map(params![low, high, room, limit], record)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if query.after.is_none() {
        page.reverse();
    }
    Ok(page)
}

/// Deletes mailbox rows older than the mailbox ttl, then history older than the history ttl
/// and beyond the history cap (oldest first), but never a message still in a mailbox. The
/// highest id is marked first, so [`last_id`] never goes back.
pub(super) fn retain(
    conn: &Connection,
    keep: &Retention,
    now: SystemTime,
) -> rusqlite::Result<Removed> {
    conn.execute(
        "UPDATE meta SET value = max(value, coalesce((SELECT max(id) FROM messages), 0))
         WHERE key = 'top_id'",
        [],
    )?;
    let mut removed = Removed {
        mailbox: conn.execute(
            "DELETE FROM mailbox WHERE stored_at < ?1",
            [cutoff(now, keep.mailbox_ttl)],
        )?,
        history: 0,
    };
    const UNLESS_WAITING: &str = "NOT EXISTS (SELECT 1 FROM mailbox b WHERE b.id = messages.id)";
    if let Some(ttl) = keep.history_ttl {
        // Ids follow time: what is older than the first young message, by id, is old. This
        // walks only the old rows and needs no index on time.
        removed.history += conn.execute(
            &format!(
                "DELETE FROM messages
                 WHERE id < coalesce((SELECT id FROM messages WHERE time_ms >= ?1
                                      ORDER BY id LIMIT 1),
                                     (SELECT max(id) FROM messages) + 1)
                 AND {UNLESS_WAITING}"
            ),
            [cutoff(now, ttl)],
        )?;
    }
    if let Some(max) = keep.history_max {
        // The newest `max` stay: everything from the (max+1)-th newest down goes.
        removed.history += conn.execute(
            &format!(
                "DELETE FROM messages WHERE id <= (SELECT id FROM messages ORDER BY id DESC
                                                   LIMIT 1 OFFSET ?1)
                 AND {UNLESS_WAITING}"
            ),
            [i64::try_from(max).unwrap_or(i64::MAX)],
        )?;
    }
    Ok(removed)
}

#[cfg(test)]
#[path = "queries_tests.rs"]
mod tests;
