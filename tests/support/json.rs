//! A raw client of the JSON protocol (seed 003) for tests: packets written from literal
//! payloads, and what arrives compared byte for byte, each read with a deadline.

use super::PATIENCE;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// `payload` framed: its 2-byte big-endian length, then the payload.
pub fn frame(payload: &str) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("a payload fits two bytes");
    let mut out = len.to_be_bytes().to_vec();
    out.extend_from_slice(payload.as_bytes());
    out
}

/// One JSON connection.
pub struct Peer {
    pub stream: TcpStream,
}

impl Peer {
    pub fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        Peer { stream }
    }

    /// Connects, says hello as `nick`, and expects its own join.
    pub fn join(addr: SocketAddr, nick: &str) -> Peer {
        let mut p = Peer::connect(addr);
        p.send(&format!(r#"{{"type":"hello","nick":"{nick}"}}"#));
        p.expect(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
        p
    }

    /// Connects, says hello as `nick` asking for every extension, and expects the welcome
    /// granting them all and its own join.
    pub fn join_extended(addr: SocketAddr, nick: &str) -> Peer {
        let mut p = Peer::connect(addr);
        let all = r#"["dm","emote","users","events"]"#;
        p.send(&format!(
            r#"{{"type":"hello","nick":"{nick}","extensions":{all}}}"#
        ));
        p.expect(&format!(
            r#"{{"type":"welcome","nick":"{nick}","extensions":{all}}}"#
        ));
        p.expect(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
        p
    }

    /// Sends one packet whose payload is `payload`.
    pub fn send(&mut self, payload: &str) {
        self.stream.write_all(&frame(payload)).unwrap();
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads exactly one packet's bytes and asserts its payload is `payload`.
    pub fn expect(&mut self, payload: &str) {
        let want = frame(payload);
        let got = self.read_n(want.len(), PATIENCE);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "unexpected bytes"
        );
    }

    /// The payload of the next packet, whatever it is.
    pub fn next_payload(&mut self) -> String {
        let len = self.read_n(2, PATIENCE);
        assert_eq!(len.len(), 2, "no packet came");
        let n = usize::from(u16::from_be_bytes([len[0], len[1]]));
        String::from_utf8(self.read_n(n, PATIENCE)).unwrap()
    }

    /// Reads up to `n` bytes, stopping early at the deadline or on close.
    pub fn read_n(&mut self, n: usize, within: Duration) -> Vec<u8> {
        let deadline = Instant::now() + within;
        let mut got = Vec::new();
        while got.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            self.stream.set_read_timeout(Some(left)).unwrap();
            let mut buf = vec![0u8; n - got.len()];
            match self.stream.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(k) => got.extend_from_slice(&buf[..k]),
            }
        }
        got
    }

    /// Asserts nothing arrives within `within` and the connection stays open.
    pub fn expect_silence(&mut self, within: Duration) {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut buf = [0u8; 256];
        match self.stream.read(&mut buf) {
            Ok(0) => panic!("connection closed, expected it open and quiet"),
            Ok(n) => panic!(
                "expected silence, got {:?}",
                String::from_utf8_lossy(&buf[..n])
            ),
            Err(e) => assert!(
                matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut),
                "{e}"
            ),
        }
    }

    /// Asserts the server closes the connection within `PATIENCE`, with nothing more first.
    pub fn expect_closed(&mut self) {
        let mut buf = [0u8; 4096];
        self.stream.set_read_timeout(Some(PATIENCE)).unwrap();
        match self.stream.read(&mut buf) {
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
