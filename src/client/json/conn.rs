//! One JSON-protocol socket: packets read from a byte stream with the codec of
//! `chat::wire::json` (never "one read = one packet"), and packets written whole, each with
//! one `write_all` under a lock.

use crate::link::SendError;
use chat::wire::json::{self, JsonError, JsonLimits, Packet};
use parking_lot::Mutex;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::Instant;
use thiserror::Error;

/// Bytes asked of the socket per read.
const READ_CHUNK: usize = 8 * 1024;

/// Why no packet could be read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// Bytes that are not a packet: the stream cannot be followed further.
    #[error("the server sent something that is not a packet of the JSON protocol ({0})")]
    Garbled(#[from] JsonError),
    #[error("the connection closed in the middle of a packet")]
    ClosedMidPacket,
    /// The read timeout or the deadline passed; what was buffered stays.
    #[error("timed out")]
    TimedOut,
    #[error("{0}")]
    Io(io::Error),
}

/// The reading side of a socket.
pub struct JsonConn {
    stream: Arc<TcpStream>,
    buf: Vec<u8>,
    limits: JsonLimits,
    /// Reads give up with [`ReadError::TimedOut`] after this, whatever arrives.
    deadline: Option<Instant>,
}

impl JsonConn {
    pub fn new(stream: Arc<TcpStream>) -> JsonConn {
        JsonConn {
            stream,
            buf: Vec::new(),
            limits: JsonLimits::default(),
            deadline: None,
        }
    }

    pub fn stream(&self) -> &Arc<TcpStream> {
        &self.stream
    }

    /// Makes reads time out at `deadline` even while bytes keep arriving.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The next packet; `Ok(None)` when the server closed cleanly between packets.
    pub fn read_packet(&mut self) -> Result<Option<Packet>, ReadError> {
        loop {
            if let Some((packet, used)) = json::decode(&self.buf, &self.limits)? {
                self.buf.drain(..used);
                return Ok(Some(packet));
            }
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ReadError::TimedOut);
            }
            let mut chunk = [0u8; READ_CHUNK];
            match (&*self.stream).read(&mut chunk) {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => return Err(ReadError::ClosedMidPacket),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Err(ReadError::TimedOut)
                }
                Err(e) => return Err(ReadError::Io(e)),
            }
        }
    }
}

/// The writing side of a socket, shared by registration and the session.
#[derive(Debug)]
pub struct Writer {
    stream: Arc<TcpStream>,
    lock: Mutex<()>,
}

impl Writer {
    pub fn new(stream: Arc<TcpStream>) -> Writer {
        Writer {
            stream,
            lock: Mutex::new(()),
        }
    }

    /// Writes `packet` (its two length bytes and its JSON) in one `write_all`.
    pub fn send(&self, packet: &Packet) -> Result<(), SendError> {
        let mut bytes = Vec::new();
        json::encode(packet, &mut bytes).map_err(|_| SendError::TooLong)?;
        let _guard = self.lock.lock();
        (&*self.stream).write_all(&bytes)?;
        Ok(())
    }

    /// Shuts the socket down both ways; its reader thread then sees the end of the stream.
    pub fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}
