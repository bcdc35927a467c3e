//! A raw client of the JSON protocol (seed 003) for tests: packets written from literal
//! payloads, and what arrives compared byte for byte, each read with a deadline.

use super::{Raw, PATIENCE};
use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::time::Duration;

/// `payload` framed: its 2-byte big-endian length, then the payload.
pub fn frame(payload: &str) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("a payload fits two bytes");
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(payload.as_bytes());
    out
}

/// Anything that speaks the JSON protocol's packets (a framed socket, a WebSocket): the
/// hellos every test starts with, in exact bytes.
pub trait Packets {
    /// Sends one packet whose payload is `payload`.
    fn put(&mut self, payload: &str);
    /// Asserts the next packet's payload is exactly `payload`.
    fn want(&mut self, payload: &str);

    /// Says hello as `nick` and expects its own join.
    fn hello(&mut self, nick: &str) {
        self.put(&format!(r#"{{"type":"hello","nick":"{nick}"}}"#));
        self.want(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
    }

    /// Says hello as `nick` asking for dm, emote, users and events; expects the welcome
    /// granting them all and its own join.
    fn hello_extended(&mut self, nick: &str) {
        let all = r#"["dm","emote","users","events"]"#;
        self.put(&format!(
            r#"{{"type":"hello","nick":"{nick}","extensions":{all}}}"#
        ));
        self.want(&format!(
            r#"{{"type":"welcome","nick":"{nick}","extensions":{all}}}"#
        ));
        self.want(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
    }
}

impl Packets for Peer {
    fn put(&mut self, payload: &str) {
        self.send(payload);
    }
    fn want(&mut self, payload: &str) {
        self.expect(payload);
    }
}

/// One JSON connection: a [`Raw`] socket that speaks in packets.
pub struct Peer {
    pub raw: Raw,
}

impl Peer {
    pub fn connect(addr: SocketAddr) -> Peer {
        Peer {
            raw: Raw::connect(addr),
        }
    }

    /// Connects, says hello as `nick`, and expects its own join.
    pub fn join(addr: SocketAddr, nick: &str) -> Peer {
        let mut p = Peer::connect(addr);
        p.hello(nick);
        p
    }

    /// Connects, says hello as `nick` asking for every extension, and expects the welcome
    /// granting them all and its own join.
    pub fn join_extended(addr: SocketAddr, nick: &str) -> Peer {
        let mut p = Peer::connect(addr);
        p.hello_extended(nick);
        p
    }

    /// Sends one packet whose payload is `payload`.
    pub fn send(&mut self, payload: &str) {
        self.raw.send(&frame(payload));
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.raw.send(bytes);
    }

    /// Reads exactly one packet's bytes and asserts its payload is `payload`.
    pub fn expect(&mut self, payload: &str) {
        self.raw.expect(&frame(payload));
    }

    /// The payload of the next packet, whatever it is.
    pub fn next_payload(&mut self) -> String {
        let len = self.raw.read_n(2, PATIENCE);
        assert_eq!(len.len(), 2, "no packet came");
        let n = usize::from(u16::from_be_bytes([len[0], len[1]]));
        String::from_utf8(self.raw.read_n(n, PATIENCE)).unwrap()
    }

    /// Asserts nothing arrives within `within` and the connection stays open.
    pub fn expect_silence(&mut self, within: Duration) {
        self.raw.expect_silence(within);
    }

    /// Asserts the server closes the connection within `PATIENCE`, with nothing more first.
    pub fn expect_closed(&mut self) {
        let mut buf = [0u8; 4096];
        self.raw.stream.set_read_timeout(Some(PATIENCE)).unwrap();
        match self.raw.stream.read(&mut buf) {
            Ok(0) => {}
            Ok(n) => panic!(
                "expected the close, got {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {}
            Err(e) => panic!("connection still open: {e}"),
        }
    }

    /// Expects an `error` packet with `code` and `message`.
    pub fn expect_error(&mut self, code: &str, message: &str) {
        self.expect(&format!(
            r#"{{"type":"error","code":"{code}","message":"{message}"}}"#
        ));
    }
}
