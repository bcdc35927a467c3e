//! A message-level view of one TCP socket: owns the read buffer, speaks [`Message`]s.
//!
//! [`Conn`] wraps a shared `Arc<TcpStream>` so one file descriptor serves both the thread
//! that reads it and whoever writes to it (`&TcpStream` is both `Read` and `Write`; no
//! `try_clone`, which would cost a second descriptor per socket).

use crate::wire::{self, Limits, Message, WireError};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Bytes read per `read` call into a buffer on the stack. Small on purpose: every page an
/// idle connection thread ever touched stays resident, and messages are mostly short.
const READ_CHUNK: usize = 512;
/// Bytes read per `read` call, straight into the heap buffer, once a message outgrows that.
const BIG_READ: usize = 16 * 1024;
/// A read buffer larger than this is given back once it is empty again.
const KEEP_CAPACITY: usize = 16 * 1024;

/// Why no message could be read.
#[derive(Debug, Error)]
pub enum ConnError {
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("connection closed in the middle of a message")]
    ClosedMidMessage,
    #[error("timed out")]
    TimedOut,
    #[error("a message took longer than {0:?} to arrive")]
    Stalled(Duration),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl ConnError {
    pub fn is_timeout(&self) -> bool {
        matches!(self, ConnError::TimedOut)
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// One socket, read as a stream of messages.
pub struct Conn {
    stream: Arc<TcpStream>,
    buf: Vec<u8>,
    limits: Limits,
    message_timeout: Option<Duration>,
    /// When the message now partly buffered began to arrive.
    partial_since: Option<Instant>,
    /// Reads give up with [`ConnError::TimedOut`] after this, whatever arrives.
    deadline: Option<Instant>,
}

impl Conn {
    pub fn new(stream: Arc<TcpStream>, limits: Limits) -> Conn {
        Conn {
            stream,
            buf: Vec::new(),
            limits,
            message_timeout: None,
            partial_since: None,
            deadline: None,
        }
    }

    /// Makes [`Conn::read_msg`] time out at `deadline` even while bytes keep arriving (a
    /// trickle of blank lines between messages would otherwise never end a read).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// Fails reads with [`ConnError::Stalled`] once a message has been arriving for longer
    /// than `timeout` (the socket's read timeout decides how soon that is noticed when the
    /// peer sends nothing at all).
    pub fn with_message_timeout(mut self, timeout: Duration) -> Conn {
        self.message_timeout = Some(timeout);
        self
    }

    pub fn stream(&self) -> &Arc<TcpStream> {
        &self.stream
    }

    /// True when part of a message is buffered (not just whitespace between messages).
    pub fn has_partial(&self) -> bool {
        wire::junk_prefix(&self.buf) < self.buf.len()
    }

    /// The next message; `Ok(None)` when the peer closed cleanly between messages.
    ///
    /// A read timeout set on the socket surfaces as [`ConnError::TimedOut`] and leaves what
    /// was buffered in place, so the caller may decide to wait again.
    pub fn read_msg(&mut self) -> Result<Option<Message>, ConnError> {
        loop {
            if let Some(msg) = self.try_decode()? {
                return Ok(Some(msg));
            }
            self.check_stalled()?;
            if self.deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ConnError::TimedOut);
            }
            match self.read_some() {
                Ok(0) if self.has_partial() => return Err(ConnError::ClosedMidMessage),
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => {
                    self.check_stalled()?;
                    return Err(ConnError::TimedOut);
                }
                Err(e) => return Err(ConnError::Io(e)),
            }
        }
    }

    /// One `read` appended to the buffer.
    fn read_some(&mut self) -> io::Result<usize> {
        if self.buf.len() < READ_CHUNK {
            let mut chunk = [0u8; READ_CHUNK];
            let n = (&*self.stream).read(&mut chunk)?;
            self.buf.extend_from_slice(&chunk[..n]);
            return Ok(n);
        }
        let old = self.buf.len();
        self.buf.resize(old + BIG_READ, 0);
        let result = (&*self.stream).read(&mut self.buf[old..]);
        self.buf.truncate(old + *result.as_ref().unwrap_or(&0));
        result
    }

    /// Fails with [`ConnError::Stalled`] when a message has been arriving for too long.
    pub fn check_stalled(&mut self) -> Result<(), ConnError> {
        if !self.has_partial() {
            self.partial_since = None;
            return Ok(());
        }
        let since = *self.partial_since.get_or_insert_with(Instant::now);
        match self.message_timeout {
            Some(limit) if since.elapsed() > limit => Err(ConnError::Stalled(limit)),
            _ => Ok(()),
        }
    }

    /// Reads whatever the socket has without blocking (for an event loop); `Ok(false)` once
    /// the peer has closed. `scratch` is the caller's reusable read buffer.
    pub fn read_available(&mut self, scratch: &mut [u8]) -> Result<bool, ConnError> {
        use rustix::net::{recv, RecvFlags};
        loop {
            match recv(&*self.stream, &mut *scratch, RecvFlags::DONTWAIT) {
                Ok((0, _)) if self.has_partial() => return Err(ConnError::ClosedMidMessage),
                Ok((0, _)) => return Ok(false),
                Ok((n, _)) => {
                    self.buf.extend_from_slice(&scratch[..n]);
                    if n < scratch.len() {
                        return Ok(true);
                    }
                    // The limits bound what one socket can make us buffer.
                    if self.buf.len()
                        > self.limits.max_header + self.limits.max_body + scratch.len()
                    {
                        return Ok(true);
                    }
                }
                Err(rustix::io::Errno::AGAIN) => return Ok(true),
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(ConnError::Io(e.into())),
            }
        }
    }

    /// A message already buffered, without reading the socket.
    pub fn try_decode(&mut self) -> Result<Option<Message>, ConnError> {
        let junk = wire::junk_prefix(&self.buf);
        if junk > 0 {
            self.buf.drain(..junk);
        }
        match wire::decode(&self.buf, &self.limits)? {
            Some((msg, used)) => {
                self.buf.drain(..used);
                self.partial_since = None;
                if self.buf.is_empty() && self.buf.capacity() > KEEP_CAPACITY {
                    self.buf = Vec::new();
                }
                Ok(Some(msg))
            }
            None => Ok(None),
        }
    }

    /// Drops everything buffered and returns how many bytes that was.
    ///
    /// After a [`WireError`] the stream cannot be followed; a reader that wants to go on
    /// (the client, after answering a malformed forward) resynchronises on what comes next.
    pub fn discard_buffered(&mut self) -> usize {
        let dropped = self.buf.len();
        self.buf = Vec::new();
        self.partial_since = None;
        dropped
    }

    /// Writes one message with a single `write_all` of its whole encoding.
    pub fn write_msg(&self, msg: &Message) -> io::Result<()> {
        (&*self.stream).write_all(&msg.to_bytes())
    }
}
