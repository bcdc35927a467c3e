//! One connection to a server of the JSON protocol: packets framed from the byte stream
//! (2-byte length, then the payload), a deadline on every read, and expectations that turn
//! into [`Failure`]s naming the connection and showing both sides' bytes.
//!
//! Everyone on a server of seed 003 hears everyone: other checks' joins, chats and leaves
//! reach this connection too. A packet with a `"nick"` that is not this check's (every nick of
//! a check ends in the check's tag) is another check's and is passed over, as is a packet the
//! check said it tolerates; every other packet is judged.
//!
//! A packet is judged byte for byte in the default profile. Under `--profile original` (a
//! server written to the seed, which promises no byte layout) it is judged as JSON: the
//! payload must be an object holding every key of the expected one with an equal value.

use super::exact;
use crate::conformance::peer::secs;
use crate::conformance::Failure;
use serde_json::Value;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// A whole packet as it arrived.
#[derive(Clone, Debug)]
pub struct Packet {
    /// The length bytes and the payload.
    pub frame: Vec<u8>,
    /// The payload as JSON, when it is JSON.
    pub value: Option<Value>,
}

impl Packet {
    pub fn payload(&self) -> &[u8] {
        &self.frame[2..]
    }

    /// The `"type"`, when the payload is an object with a string type.
    pub fn kind(&self) -> Option<&str> {
        self.value.as_ref()?.get("type")?.as_str()
    }

    fn nick(&self) -> Option<&str> {
        self.value.as_ref()?.get("nick")?.as_str()
    }
}

/// What waiting for the next packet ended in.
enum Next {
    Packet(Packet),
    Closed(String),
    TimedOut,
}

/// A connection, the bytes read but not yet taken as packets, and what it passes over.
pub struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    label: String,
    tag: String,
    own: Vec<String>,
    tolerated: Vec<String>,
    exact: bool,
    closed: Option<String>,
}

impl Conn {
    /// Connects to `addr` within `within`; `tag` ends every nick of the check, `exact` says
    /// whether packets are judged byte for byte.
    pub fn connect(
        addr: SocketAddr,
        label: &str,
        tag: &str,
        exact: bool,
        within: Duration,
    ) -> Result<Conn, Failure> {
        let stream = TcpStream::connect_timeout(&addr, within)
            .map_err(|e| Failure::new(format!("{label}: cannot connect to {addr}: {e}")))?;
        // Small packets go out at once; failing to set it only makes the run slower.
        let _ = stream.set_nodelay(true);
        Ok(Conn {
            stream,
            buf: Vec::new(),
            label: label.to_string(),
            tag: tag.to_string(),
            own: Vec::new(),
            tolerated: Vec::new(),
            exact,
            closed: None,
        })
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// This connection says hello as `nick`: packets about it are this check's, and reports
    /// name the connection by it.
    pub fn hello_as(&mut self, nick: &str) {
        self.claim(nick);
        self.label = nick.to_string();
    }

    /// Packets about `nick` are this check's, whatever the nick looks like (`ALL`, say).
    pub fn claim(&mut self, nick: &str) {
        self.own.push(nick.to_string());
    }

    /// Passes over a packet equal to `payload` from now on (a leave the check allows).
    pub fn tolerate(&mut self, payload: &str) {
        self.tolerated.push(payload.to_string());
    }

    /// Sends `bytes` with one write call.
    pub fn send(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        self.stream.write_all(bytes).map_err(|e| {
            let shown = crate::conformance::show(bytes);
            Failure::new(format!("{}: cannot send {shown}: {e}", self.label))
        })
    }

    /// Sends `payload` as one packet, in one write.
    pub fn send_packet(&mut self, payload: &str) -> Result<(), Failure> {
        self.send(&exact::frame(payload.as_bytes()))
    }

    /// Sends `bytes` one byte per write, `gap` apart.
    pub fn trickle(&mut self, bytes: &[u8], gap: Duration) -> Result<(), Failure> {
        for byte in bytes {
            self.send(std::slice::from_ref(byte))?;
            thread::sleep(gap);
        }
        Ok(())
    }

    /// Closes both directions now.
    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    /// The next packet of this check's, within `within`.
    pub fn packet(&mut self, within: Duration) -> Result<Packet, Failure> {
        match self.next(Instant::now() + within) {
            Next::Packet(packet) => Ok(packet),
            Next::Closed(how) => Err(self.plain(&format!("{how} before a whole packet came"))),
            Next::TimedOut => Err(self.plain(&format!("no whole packet within {}", secs(within)))),
        }
    }

    /// Expects `payload` as the next packet of this check's, within `within`.
    pub fn expect(&mut self, payload: &str, within: Duration) -> Result<(), Failure> {
        let want = exact::frame(payload.as_bytes());
        let got = self.packet(within).map_err(|f| Failure {
            expected: Some(want),
            ..f
        })?;
        self.judge(&got, payload)
    }

    /// Judges a packet read with [`Conn::packet`]: it must be `payload`.
    pub fn judge(&self, got: &Packet, payload: &str) -> Result<(), Failure> {
        if self.matches(got, payload) {
            return Ok(());
        }
        let what = if self.exact {
            "unexpected packet"
        } else {
            "unexpected packet (judged as JSON: --profile original)"
        };
        let want = exact::frame(payload.as_bytes());
        Err(Failure::bytes(
            format!("{}: {what}", self.label),
            &want,
            &got.frame,
        ))
    }

    /// Expects an `error` packet with `code` next (its message any text), within `within`.
    pub fn expect_error(&mut self, code: &str, within: Duration) -> Result<(), Failure> {
        self.expect_error_of(&[code], within)
    }

    /// Expects an `error` packet with one of `codes` next, within `within`.
    pub fn expect_error_of(&mut self, codes: &[&str], within: Duration) -> Result<(), Failure> {
        let shown = exact::frame(exact::error_shown(&codes.join("|")).as_bytes());
        let got = self.packet(within).map_err(|f| Failure {
            expected: Some(shown.clone()),
            ..f
        })?;
        let field = |name: &str| got.value.as_ref().and_then(|v| v.get(name));
        let code = field("code").and_then(Value::as_str).unwrap_or_default();
        let is_error = got.kind() == Some("error")
            && codes.contains(&code)
            && field("message").is_some_and(Value::is_string);
        let exact_bytes = got
            .payload()
            .starts_with(exact::error_head(code).as_bytes())
            && got.payload().ends_with(b"\"}");
        if is_error && (exact_bytes || !self.exact) {
            return Ok(());
        }
        let what = format!(
            "{}: not the error packet {}",
            self.label,
            codes.join(" or ")
        );
        Err(Failure::bytes(what, &shown, &got.frame))
    }

    /// Expects the server to close this connection within `within`, sending nothing of this
    /// check's before (an `error` packet too, when `error_allowed`).
    pub fn expect_closed(&mut self, error_allowed: bool, within: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + within;
        loop {
            match self.next(deadline) {
                Next::Closed(_) => return Ok(()),
                Next::Packet(p) if error_allowed && p.kind() == Some("error") => {}
                Next::Packet(p) => {
                    return Err(Failure::bytes(
                        format!(
                            "{}: a packet where the connection should have closed",
                            self.label
                        ),
                        b"",
                        &p.frame,
                    ))
                }
                Next::TimedOut => {
                    return Err(self.plain(&format!(
                        "still open {} after it should have been closed",
                        secs(within)
                    )))
                }
            }
        }
    }

    /// Expects `payload` next, and fails when it came in more than one read: the server wrote
    /// it in pieces. (Other checks' packets may come in pieces; they are passed over.)
    pub fn expect_in_one_read(&mut self, payload: &str, within: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + within;
        // Reads so far, and the read in which the packet at the front of the buffer began.
        let (mut reads, mut began) = (0, 0);
        loop {
            while let Some(p) = self.take_packet() {
                let whole = began == reads;
                began = reads;
                if self.passes_over(&p) {
                    continue;
                }
                if !whole {
                    let what = format!(
                        "{}: the packet came in more than one read: not one write per packet",
                        self.label
                    );
                    let want = exact::frame(payload.as_bytes());
                    return Err(Failure::bytes(what, &want, &p.frame));
                }
                return self.judge(&p, payload);
            }
            if self.buf.is_empty() {
                began = reads + 1;
            }
            match self.fill(deadline) {
                None => reads += 1,
                Some(Next::Closed(how)) => return Err(self.plain(&how)),
                Some(_) => {
                    return Err(self.plain(&format!("no whole packet within {}", secs(within))))
                }
            }
        }
    }

    /// Whether `got` is the packet `payload` (the kit's exact bytes), as this profile judges.
    fn matches(&self, got: &Packet, payload: &str) -> bool {
        if self.exact {
            return got.payload() == payload.as_bytes();
        }
        let (Some(Value::Object(got)), Ok(Value::Object(want))) =
            (&got.value, serde_json::from_str::<Value>(payload))
        else {
            return false;
        };
        want.iter().all(|(key, value)| got.get(key) == Some(value))
    }

    /// Another check's packet, or one this check tolerates.
    fn passes_over(&self, p: &Packet) -> bool {
        if self.tolerated.iter().any(|t| self.matches(p, t)) {
            return true;
        }
        match p.nick() {
            Some(nick) => !nick.ends_with(&self.tag) && !self.own.iter().any(|o| o == nick),
            None => false,
        }
    }

    fn next(&mut self, deadline: Instant) -> Next {
        loop {
            if let Some(p) = self.take_packet() {
                if self.passes_over(&p) {
                    continue;
                }
                return Next::Packet(p);
            }
            if let Some(next) = self.fill(deadline) {
                return next;
            }
        }
    }

    fn take_packet(&mut self) -> Option<Packet> {
        let n = usize::from(u16::from_be_bytes([*self.buf.first()?, *self.buf.get(1)?]));
        if self.buf.len() < 2 + n {
            return None;
        }
        let frame: Vec<u8> = self.buf.drain(..2 + n).collect();
        let value = serde_json::from_slice(&frame[2..]).ok();
        Some(Packet { frame, value })
    }

    /// Reads more: `None` when bytes came, else how the wait ended.
    fn fill(&mut self, deadline: Instant) -> Option<Next> {
        if let Some(how) = &self.closed {
            return Some(Next::Closed(how.clone()));
        }
        let now = Instant::now();
        if now >= deadline {
            return Some(Next::TimedOut);
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        if let Err(e) = self.stream.set_read_timeout(Some(wait)) {
            return Some(Next::Closed(format!("socket unusable ({e})")));
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => self.ended("closed by the server".into()),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                None
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Some(Next::TimedOut)
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => None,
            Err(e) => self.ended(format!("connection failed ({e})")),
        }
    }

    fn ended(&mut self, how: String) -> Option<Next> {
        self.closed = Some(how.clone());
        Some(Next::Closed(how))
    }

    fn plain(&self, what: &str) -> Failure {
        let mut failure = Failure::new(format!("{}: {what}", self.label));
        if !self.buf.is_empty() {
            failure.received = Some(self.buf.clone());
        }
        failure
    }
}
