//! The chat's WebSocket once upgraded: a [`Transport`] of JSON packets, one per text frame,
//! for the JSON front end's session, and the frames we write.
//!
//! `tungstenite` does the framing both ways. It reads through [`Pipe`]: reads come from the
//! shared socket (with its read timeout), and what it writes itself (pongs, the reply to a
//! close) goes to the connection's [`Outbox`], as every frame of ours does, each push one
//! or more complete frames, so frames from several threads never interleave.
//!
//! Limits, each ending only this connection with a close frame that says why: a frame or
//! message over the packet limit (1009), a text frame that is not UTF-8 (1007), a binary
//! frame (1003), a breach of the WebSocket protocol such as an unmasked frame (1002), more
//! than `--web-max-frames` frames of any kind in a second (1008), silence for twice
//! `--ping-interval` although pinged (1001).

use crate::core::LeaveReason;
use crate::front::json::transport::{Framing, ReadError, Transport};
use crate::net::conn::is_timeout;
use crate::net::outbox::Outbox;
use crate::wire::json::ext::Code;
use crate::wire::json::{self, Packet, TooBig};
use log::debug;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::error::{CapacityError, Error as WsError};
use tungstenite::protocol::frame::coding::{CloseCode, Data as OpData, OpCode};
use tungstenite::protocol::frame::{CloseFrame, Frame};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::{Message, WebSocket};

/// The web front end's framing: each packet is one text frame.
pub(crate) static TEXT_FRAME: Framing = Framing {
    name: "web",
    wrap: text_frame,
    farewell: Some(|| close_frame(1008, "removed from the chat")),
};

/// Appends the text frame holding `payload` (never fails: a frame has room for any packet).
fn text_frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), TooBig> {
    put(
        Frame::message(payload.to_vec(), OpCode::Data(OpData::Text), true),
        out,
    );
    Ok(())
}

/// Appends `frame`'s bytes; writing into a `Vec` cannot fail.
fn put(frame: Frame, out: &mut Vec<u8>) {
    let _ = frame.format(out);
}

/// The bytes of a close frame with `code` and `reason` (cut to the 123 bytes that fit).
pub(super) fn close_frame(code: u16, reason: &str) -> Vec<u8> {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    let close = CloseFrame {
        code: CloseCode::from(code),
        reason: reason[..end].to_string().into(),
    };
    let mut out = Vec::new();
    put(Frame::close(Some(close)), &mut out);
    out
}

/// The close code that goes with a closing `error` packet of Part 4.
fn close_code(code: Code) -> u16 {
    match code {
        Code::Malformed => 1007,
        Code::TooLong => 1009,
        Code::ServerFull => 1013,
        _ => 1008,
    }
}

/// The limits of one WebSocket.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// The longest message (and frame) read: the JSON packet limit.
    pub max_message: usize,
    /// Frames of any kind per second.
    pub max_frames: u32,
    pub ping_interval: Duration,
}

/// The socket as `tungstenite` sees it: reads from the shared stream, writes to the outbox.
pub(super) struct Pipe {
    stream: Arc<TcpStream>,
    outbox: Arc<Outbox>,
    /// When the peer last sent a byte.
    heard: Instant,
}

impl Read for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = (&*self.stream).read(buf)?;
        self.heard = Instant::now();
        Ok(n)
    }
}

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox
            .push_bytes(buf.to_vec())
            .map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An upgraded connection, read as JSON packets.
pub(super) struct Ws {
    socket: WebSocket<Pipe>,
    outbox: Arc<Outbox>,
    limits: Limits,
    /// The start of the current second, and the frames read in it.
    window: (Instant, u32),
    pinged: Option<Instant>,
    /// The close we send at the end, when we end the connection for a reason of our own.
    close: Option<(u16, String)>,
    /// The peer sent its close (tungstenite has queued the reply).
    peer_closed: bool,
    /// The peer stopped answering pings.
    timed_out: bool,
}

impl Ws {
    /// A WebSocket over `stream` whose handshake is done; `early` are bytes read past it.
    pub(super) fn new(
        stream: Arc<TcpStream>,
        outbox: Arc<Outbox>,
        early: Vec<u8>,
        limits: Limits,
    ) -> Ws {
        let config = WebSocketConfig::default()
            .max_message_size(Some(limits.max_message))
            .max_frame_size(Some(limits.max_message));
        let pipe = Pipe {
            stream,
            outbox: outbox.clone(),
            heard: Instant::now(),
        };
        Ws {
            socket: WebSocket::from_partially_read(pipe, early, Role::Server, Some(config)),
            outbox,
            limits,
            window: (Instant::now(), 0),
            pinged: None,
            close: None,
            peer_closed: false,
            timed_out: false,
        }
    }

    /// Ends the connection with a close frame of `code` saying `reason`.
    fn end(&mut self, code: u16, reason: String) -> ReadError {
        let why = format!("{reason} (close {code})");
        self.close = Some((code, reason));
        ReadError::Ended(why)
    }

    /// Counts a frame; an error once there are too many this second.
    fn count(&mut self) -> Result<(), ReadError> {
        let now = Instant::now();
        if now.duration_since(self.window.0) >= Duration::from_secs(1) {
            self.window = (now, 0);
        }
        self.window.1 += 1;
        let max = self.limits.max_frames;
        if max > 0 && self.window.1 > max {
            return Err(self.end(1008, format!("more than {max} frames in a second")));
        }
        Ok(())
    }

    /// Nothing arrived for a tick: pings a quiet peer, ends a silent one.
    fn quiet(&mut self) -> ReadError {
        let interval = self.limits.ping_interval;
        let heard = self.socket.get_ref().heard;
        let silence = heard.elapsed();
        if silence >= interval * 2 && self.pinged.is_some() {
            let secs = (interval * 2).as_secs_f64();
            self.timed_out = true;
            return self.end(1001, format!("no answer to a ping within {secs} s"));
        }
        if silence >= interval && self.pinged.is_none_or(|at| at < heard) {
            let mut ping = Vec::new();
            put(Frame::ping(Vec::new()), &mut ping);
            if self.outbox.push_bytes(ping).is_err() {
                return ReadError::Ended("cannot ping".into());
            }
            self.pinged = Some(Instant::now());
        }
        ReadError::TimedOut
    }

    /// What a `tungstenite` error means for this connection.
    fn failed(&mut self, e: WsError) -> ReadError {
        match e {
            WsError::Io(e) if is_timeout(&e) => self.quiet(),
            WsError::Capacity(CapacityError::MessageTooLong { size, max_size }) => {
                let why = format!("a message of {size} bytes is longer than {max_size}");
                self.end(1009, why)
            }
            WsError::Capacity(e) => self.end(1009, e.to_string()),
            WsError::Utf8(_) => self.end(1007, "a text frame must be UTF-8".into()),
            WsError::Protocol(e) => {
                use tungstenite::error::ProtocolError::ResetWithoutClosingHandshake;
                if matches!(e, ResetWithoutClosingHandshake) {
                    ReadError::Ended("closed without a close frame".into())
                } else {
                    self.end(1002, format!("not the WebSocket protocol: {e}"))
                }
            }
            e => ReadError::Ended(e.to_string()),
        }
    }
}

impl Transport for Ws {
    fn name(&self) -> &'static str {
        "web"
    }

    fn framing(&self) -> &'static Framing {
        &TEXT_FRAME
    }

    fn read(&mut self, deadline: Option<Instant>) -> Result<Option<Packet>, ReadError> {
        loop {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ReadError::TimedOut);
            }
            let message = match self.socket.read() {
                Ok(message) => message,
                Err(WsError::ConnectionClosed | WsError::AlreadyClosed) => return Ok(None),
                Err(e) => return Err(self.failed(e)),
            };
            self.count()?;
            match message {
                Message::Text(text) => {
                    return json::from_json(text.as_bytes())
                        .map(Some)
                        .map_err(ReadError::Wire)
                }
                Message::Binary(_) => {
                    let why = "binary frames are not accepted; send JSON text".into();
                    return Err(self.end(1003, why));
                }
                Message::Close(frame) => {
                    debug!("closed by the peer: {frame:?}");
                    self.peer_closed = true;
                    return Ok(None);
                }
                // tungstenite queued the pong; it goes out on the next read.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
            }
        }
    }

    fn leave_reason(&self) -> Option<LeaveReason> {
        if self.peer_closed {
            Some(LeaveReason::Quit)
        } else if self.timed_out {
            Some(LeaveReason::Timeout)
        } else {
            None
        }
    }

    fn finish(&mut self, why: Option<(Code, &str)>) {
        if self.peer_closed {
            // Sends the reply to the peer's close that tungstenite queued.
            let _ = self.socket.flush();
            return;
        }
        let (code, reason) = match (self.close.take(), why) {
            (Some(close), _) => close,
            (None, Some((code, message))) => (close_code(code), message.to_string()),
            (None, None) => (1001, "the server is going away".to_string()),
        };
        // A socket already gone refuses it, which is fine.
        let _ = self.outbox.push_bytes(close_frame(code, &reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_server_frames_unmasked() {
        let mut out = Vec::new();
        text_frame(br#"{"type":"join","nick":"pat"}"#, &mut out).unwrap();
        let mut want = vec![0x81, 28];
        want.extend_from_slice(br#"{"type":"join","nick":"pat"}"#);
        assert_eq!(out, want);
        // 126 bytes and more take a 2-byte length.
        out.clear();
        text_frame(&[b'a'; 200], &mut out).unwrap();
        assert_eq!(out[..4], [0x81, 126, 0, 200]);
        assert_eq!(out.len(), 204);
    }

    #[test]
    fn a_close_reason_is_cut_to_what_fits_on_a_character_boundary() {
        assert_eq!(close_frame(1003, "no"), [0x88, 4, 0x03, 0xeb, b'n', b'o']);
        let long = "é".repeat(100); // 200 bytes
        let frame = close_frame(1008, &long);
        assert_eq!(frame[1], 2 + 122);
        assert!(std::str::from_utf8(&frame[4..]).is_ok());
    }
}
