//! Error types of the benchmark: what stops a whole run ([`BenchError`]) and what goes
//! wrong with one message or one registration ([`OpError`]), which is counted, not fatal.

use chat::net::conn::ConnError;
use chat::wire::WireError;
use std::io;
use thiserror::Error;

/// Something that stops the benchmark run as a whole.
#[derive(Debug, Error)]
pub enum BenchError {
    #[error("{0}")]
    Usage(String),
    #[error("cannot start the server {path}: {source}")]
    Spawn { path: String, source: io::Error },
    #[error("the server did not announce its port: {0}")]
    NoListenLine(String),
    #[error("nats-server: {0}")]
    Nats(String),
    #[error("the cluster did not form: {0}")]
    NoMesh(String),
    #[error("a holder process: {0}")]
    Holder(String),
    #[error("cannot resolve server address {0:?}")]
    BadAddress(String),
    #[error("cannot start a thread: {0}")]
    Thread(io::Error),
    #[error("no client could register ({0})")]
    NobodyRegistered(String),
    #[error("a benchmark thread panicked")]
    Panicked,
    #[error("JSON output: {0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Why one operation (a message, a registration) failed. Counted by [`OpError::kind`].
#[derive(Debug, Error)]
pub enum OpError {
    /// The server answered `ERROR <code>`; the connection is still usable.
    #[error("ERROR {0}")]
    Refused(u16),
    /// No reply within the reply timeout; the stream state is unknown from here on.
    #[error("timeout")]
    Timeout,
    #[error("connection closed")]
    Closed,
    #[error("unexpected reply {0}")]
    Unexpected(String),
    #[error("bad bytes from server: {0}")]
    Wire(WireError),
    #[error("io: {0}")]
    Io(#[from] io::Error),
    /// Not tried: too many operations before it failed (the server is gone or full).
    #[error("gave up")]
    GaveUp,
}

impl OpError {
    /// The counter this error goes into: `"ERROR 102"`, `"timeout"`, `"io: ConnectionReset"`...
    pub fn kind(&self) -> String {
        match self {
            OpError::Refused(code) => format!("ERROR {code}"),
            OpError::Timeout => "timeout".to_string(),
            OpError::Closed => "closed".to_string(),
            OpError::Unexpected(_) => "unexpected reply".to_string(),
            OpError::Wire(_) => "bad bytes".to_string(),
            OpError::Io(e) => format!("io: {:?}", e.kind()),
            OpError::GaveUp => "gave up".to_string(),
        }
    }

    /// After anything but an `ERROR` reply we no longer know where the next reply starts,
    /// so the client stops rather than mistake a late reply for the next one.
    pub fn is_fatal(&self) -> bool {
        !matches!(self, OpError::Refused(_))
    }
}

impl From<ConnError> for OpError {
    fn from(e: ConnError) -> Self {
        match e {
            ConnError::TimedOut | ConnError::Stalled(_) => OpError::Timeout,
            ConnError::ClosedMidMessage => OpError::Closed,
            ConnError::Wire(w) => OpError::Wire(w),
            ConnError::Io(e) => OpError::Io(e),
        }
    }
}
