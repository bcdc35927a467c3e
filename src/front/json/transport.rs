//! What a JSON session is carried on: how its packets are read ([`Transport`]) and how one
//! is framed on the way out ([`Framing`]). The JSON protocol's own carriage is here: a TCP
//! stream of length-prefixed packets ([`Stream`], [`LENGTH_PREFIX`]); the web front end
//! carries the same packets in WebSocket text frames.

use crate::core::LeaveReason;
use crate::net::conn::{Conn, ConnError, Json};
use crate::wire::json::ext::Code;
use crate::wire::json::{self, JsonError, Packet, TooBig};
use std::time::{Duration, Instant};

/// How a packet's JSON payload is put on a wire.
pub(crate) struct Framing {
    /// The front end's name in the chat's memo of encoded broadcasts (one per framing).
    pub name: &'static str,
    /// Appends the wire bytes of one payload to `out`; nothing when it cannot be framed.
    pub wrap: fn(payload: &[u8], out: &mut Vec<u8>) -> Result<(), TooBig>,
    /// The last bytes for a connection the chat ends (a kick), if the wire has words for it.
    pub farewell: Option<fn() -> Vec<u8>>,
}

/// The JSON protocol's framing: 2 length bytes, then the payload.
pub(crate) static LENGTH_PREFIX: Framing = Framing {
    name: "json",
    wrap: json::frame,
    farewell: None,
};

impl Framing {
    /// The wire bytes of `packet`, or why it cannot be framed.
    pub(crate) fn bytes(&self, packet: &Packet) -> Result<Vec<u8>, TooBig> {
        let payload = json::to_json(packet);
        let mut out = Vec::with_capacity(payload.len() + 14);
        (self.wrap)(payload.as_bytes(), &mut out)?;
        Ok(out)
    }

    /// The wire bytes of a packet of ours; one that cannot be framed (only a message too
    /// long, which callers check first) becomes nothing.
    pub(crate) fn packet(&self, packet: &Packet) -> Vec<u8> {
        self.bytes(packet).unwrap_or_default()
    }

    /// The wire bytes of an `error` packet.
    pub(crate) fn error(&self, code: Code, message: &str) -> Vec<u8> {
        self.packet(&Packet::Error {
            code: code.as_str().to_string(),
            message: message.to_string(),
        })
    }
}

/// Why no packet was read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// Nothing complete yet: the deadline passed, or the transport's tick did.
    TimedOut,
    /// A packet was begun and not finished within this long.
    Stalled(Duration),
    /// Bytes that are not a packet (answered with an `error`, which closes).
    Wire(JsonError),
    /// The transport cannot go on (a broken socket, or bad framing it will explain itself
    /// in [`Transport::finish`]); the text is for the log.
    Ended(String),
}

/// Where a session's packets come from and what it says when it ends.
pub(crate) trait Transport {
    /// The name in log lines (`json`, `web`).
    fn name(&self) -> &'static str;
    /// How packets are framed on this transport's wire.
    fn framing(&self) -> &'static Framing;
    /// The next packet; `Ok(None)` when the peer closed in order. Gives up with
    /// [`ReadError::TimedOut`] at `deadline` even while bytes keep arriving, and at the
    /// transport's own tick (so the session can settle what is due).
    fn read(&mut self, deadline: Option<Instant>) -> Result<Option<Packet>, ReadError>;
    /// Why the user left, when the transport knows better than "disconnected" (a WebSocket
    /// closed in order quits; one that stopped answering pings timed out).
    fn leave_reason(&self) -> Option<LeaveReason> {
        None
    }
    /// Called once the user has left, before the socket closes: `why` is the closing
    /// error the session sent, if it sent one.
    fn finish(&mut self, why: Option<(Code, &str)>);
}

/// The JSON protocol's transport: a TCP stream of length-prefixed packets.
pub(crate) struct Stream {
    pub conn: Conn<Json>,
}

impl Transport for Stream {
    fn name(&self) -> &'static str {
        "json"
    }

    fn framing(&self) -> &'static Framing {
        &LENGTH_PREFIX
    }

    fn read(&mut self, deadline: Option<Instant>) -> Result<Option<Packet>, ReadError> {
        self.conn.set_deadline(deadline);
        self.conn.read_msg().map_err(|e| match e {
            ConnError::TimedOut => ReadError::TimedOut,
            ConnError::Stalled(limit) => ReadError::Stalled(limit),
            ConnError::Wire(e) => ReadError::Wire(e),
            e => ReadError::Ended(e.to_string()),
        })
    }

    fn finish(&mut self, _: Option<(Code, &str)>) {}
}
