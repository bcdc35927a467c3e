//! What the store thread knows of the mailboxes' sizes, so that storing a message for an
//! offline user costs no count of its mailbox.
//!
//! [`Tally`] holds, per recipient it has seen, how many rows that mailbox holds, expired
//! ones included: a bound from above of what counts against the limit. A mailbox below the
//! limit by the tally has room without a query; at the limit the exact count of what has not
//! expired decides. The store thread forgets the tally whenever a transaction fails or
//! retention runs, and it is counted again from the table on the next use.

use super::queries;
use crate::core::store::{Record, StoreError};
use rusqlite::Connection;
use std::collections::HashMap;

/// Rows per mailbox, as far as the store thread knows.
#[derive(Debug, Default)]
pub(super) struct Tally {
    rows: HashMap<String, usize>,
}

impl Tally {
    /// Forgets everything (the table changed behind the tally's back).
    pub(super) fn forget(&mut self) {
        self.rows.clear();
    }

    /// Keeps `record` in the history and its recipient's mailbox, unless that mailbox holds
    /// `max` messages younger than `oldest` (ms): then nothing is written.
    pub(super) fn store_offline(
        &mut self,
        conn: &Connection,
        record: &Record,
        max: usize,
        oldest: i64,
    ) -> rusqlite::Result<Result<(), StoreError>> {
        let Some(to) = record.to.as_deref() else {
            return Ok(Err(StoreError::Failed(
                "a message for a mailbox needs a recipient".into(),
            )));
        };
        let rows = match self.rows.get(to) {
            Some(&rows) => rows,
            None => queries::mailbox_rows(conn, to)?,
        };
        if rows >= max && queries::waiting(conn, to, oldest)? >= max {
            self.set(to, rows);
            return Ok(Err(StoreError::MailboxFull(to.to_string())));
        }
        queries::store_offline(conn, record, to)?;
        self.set(to, rows.saturating_add(1));
        Ok(Ok(()))
    }

    /// Notes `rows` for `name`'s mailbox; its name is copied only the first time.
    fn set(&mut self, name: &str, rows: usize) {
        match self.rows.get_mut(name) {
            Some(known) => *known = rows,
            None => {
                self.rows.insert(name.to_string(), rows);
            }
        }
    }

    /// Removes message `id` from `name`'s mailbox.
    pub(super) fn delivered(
        &mut self,
        conn: &Connection,
        name: &str,
        id: u64,
    ) -> rusqlite::Result<()> {
        let removed = queries::delivered(conn, name, id)?;
        if let Some(rows) = self.rows.get_mut(name) {
            *rows = rows.saturating_sub(removed);
        }
        Ok(())
    }

    #[cfg(test)]
    pub(super) fn rows(&self, name: &str) -> Option<usize> {
        self.rows.get(name).copied()
    }
}

#[cfg(test)]
#[path = "tally_tests.rs"]
mod tests;
