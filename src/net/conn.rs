//! A message-level view of one TCP socket: owns the read buffer, speaks one protocol's
//! messages through its [`Codec`] (the two-socket protocol's [`Message`]s by default, the
//! JSON protocol's packets with [`Json`]).
//!
//! [`Conn`] wraps a shared `Arc<TcpStream>` so one file descriptor serves both the thread
//! that reads it and whoever writes to it (`&TcpStream` is both `Read` and `Write`; no
//! `try_clone`, which would cost a second descriptor per socket).

use crate::wire::json::{self, JsonError, JsonLimits, Packet};
use crate::wire::{self, Limits, Message, WireError};
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// Bytes read per `read` call while little is buffered. Into the heap buffer, not the stack:
/// every stack page an idle connection thread ever touched stays resident (a chunk on the
/// stack cost each thread a page, 4 KiB), and an empty buffer is given back.
const READ_CHUNK: usize = 512;
/// Bytes read per `read` call once a message outgrows that.
const BIG_READ: usize = 16 * 1024;

/// A protocol's pure codec, as a connection reads it.
pub trait Codec {
    type Msg;
    type Error: std::error::Error;
    type Limits: Copy;
    /// One message from the front of `buf` and the bytes it used; `Ok(None)`: incomplete.
    fn decode(buf: &[u8], limits: &Self::Limits)
        -> Result<Option<(Self::Msg, usize)>, Self::Error>;
    /// Bytes at the front of `buf` that belong to no message (skipped, never "partial").
    fn junk(buf: &[u8]) -> usize;
    /// The most one message can make us buffer.
    fn max_message(limits: &Self::Limits) -> usize;
}

/// The two-socket protocol ([`crate::wire`]).
pub struct TwoSocket;

impl Codec for TwoSocket {
    type Msg = Message;
    type Error = WireError;
    type Limits = Limits;
    fn decode(buf: &[u8], limits: &Limits) -> Result<Option<(Message, usize)>, WireError> {
        wire::decode(buf, limits)
    }
    fn junk(buf: &[u8]) -> usize {
        wire::junk_prefix(buf)
    }
    fn max_message(limits: &Limits) -> usize {
        limits.max_header + limits.max_body
    }
}

/// The JSON protocol ([`crate::wire::json`]).
pub struct Json;

impl Codec for Json {
    type Msg = Packet;
    type Error = JsonError;
    type Limits = JsonLimits;
    fn decode(buf: &[u8], limits: &JsonLimits) -> Result<Option<(Packet, usize)>, JsonError> {
        json::decode(buf, limits)
    }
    fn junk(_: &[u8]) -> usize {
        0
    }
    fn max_message(limits: &JsonLimits) -> usize {
        2 + limits.max()
    }
}

/// Why no message could be read.
#[derive(Debug, Error)]
pub enum ConnError<E: std::error::Error = WireError> {
    #[error(transparent)]
    Wire(E),
    #[error("connection closed in the middle of a message")]
    ClosedMidMessage,
    #[error("timed out")]
    TimedOut,
    #[error("a message took longer than {0:?} to arrive")]
    Stalled(Duration),
    #[error("{0}")]
    Io(#[from] io::Error),
}

impl From<WireError> for ConnError<WireError> {
    fn from(e: WireError) -> Self {
        ConnError::Wire(e)
    }
}

impl From<JsonError> for ConnError<JsonError> {
    fn from(e: JsonError) -> Self {
        ConnError::Wire(e)
    }
}

impl<E: std::error::Error> ConnError<E> {
    pub fn is_timeout(&self) -> bool {
        matches!(self, ConnError::TimedOut)
    }
}

/// Whether a read failed only because its timeout passed (no data, the socket is fine).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// One socket, read as a stream of messages.
pub struct Conn<C: Codec = TwoSocket> {
    stream: Arc<TcpStream>,
    buf: Vec<u8>,
    limits: C::Limits,
    message_timeout: Option<Duration>,
    /// When the message now partly buffered began to arrive.
    partial_since: Option<Instant>,
    /// Reads give up with [`ConnError::TimedOut`] after this, whatever arrives.
    deadline: Option<Instant>,
}

impl Conn {
    /// A socket of the two-socket protocol.
    pub fn new(stream: Arc<TcpStream>, limits: Limits) -> Conn {
        Conn::with_codec(stream, limits)
    }
}

impl<C: Codec> Conn<C> {
    /// A socket of `C`'s protocol.
    pub fn with_codec(stream: Arc<TcpStream>, limits: C::Limits) -> Conn<C> {
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
    pub fn with_message_timeout(mut self, timeout: Duration) -> Conn<C> {
        self.message_timeout = Some(timeout);
        self
    }

    pub fn stream(&self) -> &Arc<TcpStream> {
        &self.stream
    }

    /// True when part of a message is buffered (not just whitespace between messages).
    pub fn has_partial(&self) -> bool {
        C::junk(&self.buf) < self.buf.len()
    }

    /// The next message; `Ok(None)` when the peer closed cleanly between messages.
    ///
    /// A read timeout set on the socket surfaces as [`ConnError::TimedOut`] and leaves what
    /// was buffered in place, so the caller may decide to wait again.
    pub fn read_msg(&mut self) -> Result<Option<C::Msg>, ConnError<C::Error>> {
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
        let old = self.buf.len();
        let want = if old < READ_CHUNK {
            READ_CHUNK
        } else {
            BIG_READ
        };
        self.buf.resize(old + want, 0);
        let result = (&*self.stream).read(&mut self.buf[old..]);
        self.buf.truncate(old + *result.as_ref().unwrap_or(&0));
        result
    }

    /// Fails with [`ConnError::Stalled`] when a message has been arriving for too long.
    pub fn check_stalled(&mut self) -> Result<(), ConnError<C::Error>> {
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
    pub fn read_available(&mut self, scratch: &mut [u8]) -> Result<bool, ConnError<C::Error>> {
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
                    if self.buf.len() > C::max_message(&self.limits) + scratch.len() {
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
    pub fn try_decode(&mut self) -> Result<Option<C::Msg>, ConnError<C::Error>> {
        let junk = C::junk(&self.buf);
        if junk > 0 {
            self.buf.drain(..junk);
        }
        match C::decode(&self.buf, &self.limits).map_err(ConnError::Wire)? {
            Some((msg, used)) => {
                self.buf.drain(..used);
                self.partial_since = None;
                if self.buf.is_empty() {
                    // An idle socket holds no buffer (thousands of them wait at once).
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
}

impl Conn {
    /// Writes one message with a single `write_all` of its whole encoding.
    pub fn write_msg(&self, msg: &Message) -> io::Result<()> {
        (&*self.stream).write_all(&msg.to_bytes())
    }
}
