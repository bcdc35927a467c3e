//! The checkpoint thread: copies the WAL back into the database file on a connection of its
//! own, so that the store thread's commits never pay for it.
//!
//! The store thread's connection has automatic checkpoints turned off (`wal_autocheckpoint
//! = 0`, SQLite's documented way to checkpoint from another thread). After each commit the
//! store thread rings a [`Bell`]; the checkpoint thread then waits [`PACE`] for more commits
//! and runs a `PASSIVE` checkpoint, which never blocks the writer. Under a write load that never pauses, a passive checkpoint may never find
//! the WAL fully copied, and the WAL would only grow: past [`RESTART_AT`] frames it runs a
//! `RESTART` checkpoint, which makes the writer wait while it finishes, so the next commit
//! starts the WAL again from its beginning.
//!
//! Its connection is `synchronous=FULL`, like the writer's: the database file is synced
//! before the WAL is reused. It closes before the store thread closes its own connection,
//! so that the writer's close (the last one) checkpoints and removes the WAL.

use rusqlite::Connection;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Frames past which the checkpoint makes the writer wait so the WAL can start over.
pub const RESTART_AT: i64 = 20_000;
/// How long after a commit the checkpoint runs (at 10,000 messages/s, about the 1,000
/// frames SQLite's automatic checkpoint waits for).
pub const PACE: Duration = Duration::from_millis(100);

/// The store thread's side: rings after commits, and ends the checkpoint thread.
pub(super) struct Bell {
    ring: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Bell {
    /// A bell for a store with no file (no WAL): ringing does nothing.
    pub(super) fn silent() -> Bell {
        Bell {
            ring: None,
            thread: None,
        }
    }

    /// Starts the checkpoint thread on `conn`, a second connection to the store's file.
    pub(super) fn start(conn: Connection) -> std::io::Result<Bell> {
        // One pending ring is enough: the thread looks at the whole WAL when it wakes.
        let (ring, rung) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || run(&conn, &rung))?;
        Ok(Bell {
            ring: Some(ring),
            thread: Some(thread),
        })
    }

    /// Says that a commit added to the WAL.
    pub(super) fn ring(&self) {
        if let Some(ring) = &self.ring {
            // Full: a ring is already pending. Disconnected: the thread is gone (logged).
            let _ = ring.try_send(());
        }
    }

    /// Ends the checkpoint thread and waits until its connection is closed.
    pub(super) fn stop(&mut self) {
        drop(self.ring.take());
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::error!("store: the checkpoint thread panicked");
            }
        }
    }
}

impl Drop for Bell {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Checkpoints on `conn` as the rings say, until the bell is gone.
fn run(conn: &Connection, rung: &Receiver<()>) {
    while rung.recv().is_ok() {
        // Let the commits of the next moment join this checkpoint.
        let until = Instant::now() + PACE;
        loop {
            match rung.recv_timeout(until.saturating_duration_since(Instant::now())) {
                Ok(()) => {}
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        let left = match checkpoint(conn, "PASSIVE") {
            Ok(left) if left > RESTART_AT => checkpoint(conn, "RESTART"),
            other => other,
        };
        if let Err(e) = left {
            log::warn!("store: a checkpoint failed (the WAL grows until one succeeds): {e}");
        }
    }
}

/// One checkpoint in `mode`; the frames it left in the WAL uncopied.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |row| {
        let (log, copied): (i64, i64) = (row.get(1)?, row.get(2)?);
        Ok((log - copied).max(0))
    })
}

#[cfg(test)]
#[path = "checkpoint_tests.rs"]
mod tests;
