//! The disk floor of `stored`: what one durable write costs on this machine with no protocol
//! and no database. One writer appends a 64-byte record to a file in the temp dir (where
//! `--spawn` puts the server's data) and waits for `fdatasync`, one record at a time.
//!
//! A server that committed each message alone could not go faster than this; group commit
//! (one transaction, one fsync, for every message queued meanwhile) is how it can.

use crate::error::{BenchError, OpError};
use crate::progress::Progress;
use crate::runner::{closed_loop, Plan, Probe};
use crate::stats::Summary;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

/// The record every write appends.
const RECORD: [u8; 64] = [0x5a; 64];

/// One durable append per call.
struct DiskWriter {
    file: File,
}

impl Probe for DiskWriter {
    fn once(&mut self) -> Result<(), OpError> {
        self.file.write_all(&RECORD)?;
        Ok(self.file.sync_data()?)
    }
}

/// A file of our own in the temp dir, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Runs the floor: `plan` with one writer.
pub fn measure(plan: Plan, progress: &Progress) -> Result<Summary, BenchError> {
    let path = std::env::temp_dir().join(format!("chat-bench-disk-{}", std::process::id()));
    let scratch = Scratch(path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&scratch.0)?;
    let out = closed_loop(vec![DiskWriter { file }], plan, progress)?;
    drop(scratch);
    Ok(Summary::new(&out.rec, out.planned, out.errors, out.elapsed))
}
