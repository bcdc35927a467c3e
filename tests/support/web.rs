//! Clients of the web front end for tests: [`WebPeer`], a WebSocket client (tungstenite's)
//! that speaks JSON packets, one per text frame; [`http`] for one raw request and the whole
//! response; and [`RawWs`], a WebSocket written and read frame by frame with exact bytes,
//! for the garbage and limit tests. Every read has a deadline.

use super::{config, Raw, PATIENCE};
use chat::front::Config;
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

/// A config for tests with the JSON protocol and the web on too (loopback, port 0).
pub fn web_config() -> Config {
    Config {
        json: Some("127.0.0.1:0".parse().unwrap()),
        web: Some("127.0.0.1:0".parse().unwrap()),
        ..config()
    }
}

/// Sends `request` as it is and returns everything the server answers until it closes.
pub fn http(addr: SocketAddr, request: &[u8]) -> String {
    let mut raw = Raw::connect(addr);
    raw.send(request);
    read_to_close(&mut raw)
}

/// Everything that arrives until the server closes (within [`PATIENCE`]).
pub fn read_to_close(raw: &mut Raw) -> String {
    let deadline = Instant::now() + PATIENCE;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "still open; got {:?}",
            String::from_utf8_lossy(&got)
        );
        raw.stream.set_read_timeout(Some(left)).unwrap();
        match raw.stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("{e}; got {:?}", String::from_utf8_lossy(&got)),
        }
    }
    String::from_utf8(got).unwrap()
}

/// A WebSocket user of the chat.
pub struct WebPeer {
    pub ws: WebSocket<TcpStream>,
}

impl WebPeer {
    /// Opens `ws://addr/ws` (without an Origin, as a non-browser client does).
    pub fn connect(addr: SocketAddr) -> WebPeer {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let (ws, response) = tungstenite::client::client(format!("ws://{addr}/ws"), stream)
            .unwrap_or_else(|e| panic!("handshake failed: {e}"));
        assert_eq!(response.status(), 101);
        WebPeer { ws }
    }

    /// Connects, says hello as `nick`, and expects its own join.
    pub fn join(addr: SocketAddr, nick: &str) -> WebPeer {
        let mut p = WebPeer::connect(addr);
        p.send(&format!(r#"{{"type":"hello","nick":"{nick}"}}"#));
        p.expect(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
        p
    }

    /// Connects asking for dm, emote, users and events; expects the welcome and the join.
    pub fn join_extended(addr: SocketAddr, nick: &str) -> WebPeer {
        let mut p = WebPeer::connect(addr);
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

    /// Sends one text frame holding `payload`.
    pub fn send(&mut self, payload: &str) {
        self.ws.send(Message::text(payload)).unwrap();
    }

    /// The next data message (pings are answered and skipped).
    pub fn next(&mut self) -> Message {
        loop {
            match self.ws.read() {
                Ok(Message::Ping(_) | Message::Pong(_)) => {}
                Ok(m) => return m,
                Err(e) => panic!("no message within {PATIENCE:?}: {e}"),
            }
        }
    }

    /// Asserts the next message is one text frame holding exactly `payload`.
    pub fn expect(&mut self, payload: &str) {
        match self.next() {
            Message::Text(t) => assert_eq!(t.as_str(), payload),
            m => panic!("expected {payload}, got {m:?}"),
        }
    }

    pub fn expect_error(&mut self, code: &str, message: &str) {
        self.expect(&format!(
            r#"{{"type":"error","code":"{code}","message":"{message}"}}"#
        ));
    }

    /// Asserts the server closes now, with `code` and `reason`.
    pub fn expect_close(&mut self, code: u16, reason: &str) {
        match self.next() {
            Message::Close(Some(frame)) => {
                assert_eq!(u16::from(frame.code), code, "{frame:?}");
                assert_eq!(frame.reason.as_str(), reason);
            }
            m => panic!("expected a close {code}, got {m:?}"),
        }
    }
}

/// The close code of a normal close, for comparisons.
pub fn normal() -> u16 {
    u16::from(CloseCode::Normal)
}

/// The key of RFC 6455's example handshake, and the accept it must get.
pub const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
pub const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The request of a WebSocket handshake at `/ws`, with `extra` header lines (`Name: v\r\n`).
pub fn upgrade_request(extra: &str) -> String {
    format!(
        "GET /ws HTTP/1.1\r\nHost: chat.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
}

/// The server's exact answer to [`upgrade_request`].
pub fn upgrade_response() -> String {
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: websocket\r\n\
         sec-websocket-accept: {ACCEPT}\r\n\r\n"
    )
}

/// A client frame: FIN set (unless `more`), `opcode`, masked with a fixed key.
pub fn frame(opcode: u8, payload: &[u8], more: bool) -> Vec<u8> {
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut out = vec![if more { 0 } else { 0x80 } | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n < 65_536 => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// A text frame from a client.
pub fn text(payload: &str) -> Vec<u8> {
    frame(1, payload.as_bytes(), false)
}

/// The exact bytes of a server's (unmasked) frame of `opcode` holding `payload`.
pub fn server_frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(n as u8),
        n => {
            out.push(126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(payload);
    out
}

/// The exact bytes of the server's close frame with `code` and `reason`.
pub fn server_close(code: u16, reason: &str) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    server_frame(8, &payload)
}

/// A WebSocket spoken byte by byte.
pub struct RawWs {
    pub raw: Raw,
}

impl RawWs {
    /// Connects and completes the handshake, checking the server's answer byte for byte.
    pub fn open(addr: SocketAddr) -> RawWs {
        let mut raw = Raw::connect(addr);
        raw.send(upgrade_request("").as_bytes());
        raw.expect(upgrade_response().as_bytes());
        RawWs { raw }
    }

    /// Opens and joins as `nick` (no extensions).
    pub fn join(addr: SocketAddr, nick: &str) -> RawWs {
        let mut ws = RawWs::open(addr);
        ws.send(&text(&format!(r#"{{"type":"hello","nick":"{nick}"}}"#)));
        ws.expect_text(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
        ws
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.raw.send(bytes);
    }

    /// Reads exactly the server's text frame holding `payload`.
    pub fn expect_text(&mut self, payload: &str) {
        self.raw.expect(&server_frame(1, payload.as_bytes()));
    }

    /// Reads exactly the server's close with `code` and `reason`, then the end of the socket
    /// with nothing after the close.
    pub fn expect_close(&mut self, code: u16, reason: &str) {
        self.raw.expect(&server_close(code, reason));
        assert_eq!(self.next_frame(), None, "a frame after the close");
    }

    /// Asserts nothing arrives for `within`.
    pub fn expect_silence(&mut self, within: Duration) {
        self.raw.expect_silence(within);
    }
}

impl RawWs {
    /// Completes the handshake on a socket already connected.
    pub fn handshake(stream: TcpStream) -> RawWs {
        let mut raw = Raw { stream };
        raw.send(upgrade_request("").as_bytes());
        raw.expect(upgrade_response().as_bytes());
        RawWs { raw }
    }

    /// The next frame of the server: its opcode and payload (`None`: the socket closed).
    pub fn next_frame(&mut self) -> Option<(u8, Vec<u8>)> {
        let head = self.raw.read_n(2, PATIENCE);
        if head.len() < 2 {
            return None;
        }
        assert_eq!(head[1] & 0x80, 0, "a server frame is never masked");
        let len = match head[1] & 0x7f {
            126 => {
                let n = self.raw.read_n(2, PATIENCE);
                usize::from(u16::from_be_bytes([n[0], n[1]]))
            }
            127 => panic!("a frame of more than 64 KiB"),
            n => usize::from(n),
        };
        let payload = self.raw.read_n(len, PATIENCE);
        assert_eq!(payload.len(), len, "the frame ended early");
        Some((head[0], payload))
    }

    /// Reads frames until the close; returns its code and reason and the frames before it.
    pub fn until_close(&mut self) -> (u16, String, Vec<(u8, Vec<u8>)>) {
        let mut before = Vec::new();
        loop {
            let Some((op, payload)) = self.next_frame() else {
                panic!("closed without a close frame, after {before:?}");
            };
            if op == 0x88 {
                let code = u16::from_be_bytes([payload[0], payload[1]]);
                let reason = String::from_utf8(payload[2..].to_vec()).unwrap();
                return (code, reason, before);
            }
            before.push((op, payload));
        }
    }
}
