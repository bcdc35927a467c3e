//! The one support tree every test crate shares (`#[path = "../support/mod.rs"] mod support;`
//! in each `tests/<subject>/main.rs`). This file: a real server on `127.0.0.1:0` in one call,
//! and raw-byte clients of the two-socket protocol.
//!
//! Every read has a deadline, so no test can hang: a missing reply fails the test with what
//! was received so far.
//!
//! # Layout
//! - [`protocol`]: helpers for the Part 1 and Part 2 tests (registration orders, relays).
//! - [`reliability`]: a seeded RNG, message-level peers, the real `server` binary as a child
//!   process, and readings from `/proc`.
//! - [`client`]: the real `client` binary through pipes, and pieces of scripted fake servers.
//! - [`cluster`]: a real `nats-server` and `server` binaries joined to it as nodes.
//! - [`console`]: the real server with its operator console on a pipe.
//! - [`broken`]: our server behind a proxy that gives it one defect at a time, for the kit.
//! - [`fake_client`]: a client with one defect at a time, for the kit's client checks.
//! - [`json`]: a raw client of the JSON protocol, exact bytes with deadlines.
//! - [`seed003`]: a server of seed 003's JSON protocol written from the seed alone, correct or
//!   with one defect, for the kit's JSON checks.
//! - [`store`]: a server whose chat remembers (an in-memory store), for Part 5.
//! - [`tls`]: certificates, TLS listeners and TLS sockets.
//! - [`web`]: clients of the web front end: HTTP requests, a WebSocket user, raw frames.
#![allow(dead_code)]
#![allow(unused_imports)]

pub mod broken;
pub mod client;
pub mod cluster;
pub mod console;
pub mod fake_client;
pub mod json;
pub mod protocol;
pub mod reliability;
pub mod seed003;
pub mod store;
pub mod tls;
pub mod web;

use chat::front::{Config, Server, ServerHandle};
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// How long a read waits for bytes that should come.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What a test gives the server binary so that it takes no fixed port: loopback, and a free
/// port for the two-socket, JSON and web listeners (TLS ones exist only with a certificate).
pub const LOOPBACK_ANY_PORT: [&str; 8] = [
    "--bind",
    "127.0.0.1",
    "--port",
    "0",
    "--json-port",
    "0",
    "--web-port",
    "0",
];

/// A config for tests: loopback, port 0, everything else default.
pub fn config() -> Config {
    Config {
        bind: "127.0.0.1:0".parse().unwrap(),
        ..Config::default()
    }
}

/// A config for tests with the JSON protocol on too (loopback, port 0).
pub fn json_config() -> Config {
    Config {
        json: Some("127.0.0.1:0".parse().unwrap()),
        ..config()
    }
}

/// Starts a server with `config`; it stops when the handle is dropped.
pub fn start(config: Config) -> ServerHandle {
    Server::bind(config).unwrap().spawn().unwrap()
}

/// Starts a server with `config` whose chat remembers, in an in-memory SQLite store.
pub fn start_remembering(config: Config) -> ServerHandle {
    let mailbox = chat::store::StoreConfig::default().mailbox_max;
    store::start_with_store(config, mailbox)
}

pub fn start_default() -> ServerHandle {
    start(config())
}

/// A raw socket to the server.
pub struct Raw {
    pub stream: TcpStream,
}

impl Raw {
    pub fn connect(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        Raw { stream }
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Reads exactly `want.len()` bytes and asserts they are `want`.
    pub fn expect(&mut self, want: &[u8]) {
        let got = self.read_n(want.len(), PATIENCE);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(want),
            "unexpected bytes"
        );
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
                Ok(0) => break,
                Ok(k) => got.extend_from_slice(&buf[..k]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
                Err(_) => break,
            }
        }
        got
    }

    /// Asserts nothing arrives within `within` (the socket stays open and quiet).
    pub fn expect_silence(&mut self, within: Duration) {
        self.stream.set_read_timeout(Some(within)).unwrap();
        let mut buf = [0u8; 256];
        match self.stream.read(&mut buf) {
            Ok(0) => panic!("socket closed, expected it open and quiet"),
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

    /// Asserts the server closes this socket within `PATIENCE` (after any bytes it sends).
    pub fn expect_closed(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        let mut buf = [0u8; 4096];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "socket still open");
            self.stream.set_read_timeout(Some(left)).unwrap();
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
                Err(e) => panic!("socket still open: {e}"),
            }
        }
    }
}

/// The exact bytes of `SEND <to>` with `body`.
pub fn send_msg(to: &str, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("SEND {to}\nContent-length: {}\n\n", body.len()).into_bytes();
    msg.extend_from_slice(body);
    msg
}

/// The exact bytes of the `FORWARD <from>` the server must write for `body`.
pub fn forward_msg(from: &str, body: &[u8]) -> Vec<u8> {
    let mut msg = format!("FORWARD {from}\nContent-length: {}\n\n", body.len()).into_bytes();
    msg.extend_from_slice(body);
    msg
}

/// `SEND to` with `body`, its header block (first line to the blank line, inclusive) padded
/// with an extra header to exactly `len` bytes.
pub fn send_with_header_block(to: &str, len: usize, body: &[u8]) -> Vec<u8> {
    let head = format!("SEND {to}\nContent-length: {}\nX-Pad: ", body.len());
    let pad = len - head.len() - 2;
    let mut msg = head.into_bytes();
    msg.extend(std::iter::repeat_n(b'p', pad));
    msg.extend_from_slice(b"\n\n");
    assert_eq!(msg.len(), len);
    msg.extend_from_slice(body);
    msg
}

/// A registered user: both sockets, replies checked.
pub struct User {
    pub name: String,
    pub tosend: Raw,
    pub torecv: Raw,
}

impl User {
    pub fn join(addr: SocketAddr, name: &str) -> User {
        User::register(name, Raw::connect(addr), Raw::connect(addr))
    }

    /// Registers `name` on two sockets already connected (TLS ones, say), exact bytes.
    pub fn register(name: &str, mut tosend: Raw, mut torecv: Raw) -> User {
        tosend.send(format!("REGISTER TOSEND {name}\n\n").as_bytes());
        tosend.expect(format!("REGISTERED TOSEND {name}\n\n").as_bytes());
        torecv.send(format!("REGISTER TORECV {name}\n\n").as_bytes());
        torecv.expect(format!("REGISTERED TORECV {name}\n\n").as_bytes());
        User {
            name: name.to_string(),
            tosend,
            torecv,
        }
    }

    /// Joins asking for extensions `ext` on the TORECV registration (granted as asked, in
    /// our order).
    pub fn join_with(addr: SocketAddr, name: &str, ext: &str) -> User {
        let mut tosend = Raw::connect(addr);
        let mut torecv = Raw::connect(addr);
        tosend.send(format!("REGISTER TOSEND {name}\n\n").as_bytes());
        tosend.expect(format!("REGISTERED TOSEND {name}\n\n").as_bytes());
        torecv.send(format!("REGISTER TORECV {name}\nExtensions: {ext}\n\n").as_bytes());
        torecv.expect(format!("REGISTERED TORECV {name}\nExtensions: {ext}\n\n").as_bytes());
        User {
            name: name.to_string(),
            tosend,
            torecv,
        }
    }

    /// Sends `SEND to` with `body` on TOSEND (does not wait for the reply).
    pub fn send_to(&mut self, to: &str, body: &[u8]) {
        self.tosend.send(&send_msg(to, body));
    }

    /// Expects `FORWARD from` with `body` on TORECV and acknowledges it.
    pub fn receive(&mut self, from: &str, body: &[u8]) {
        self.torecv.expect(&forward_msg(from, body));
        self.torecv.send(format!("RECEIVED {from}\n\n").as_bytes());
    }
}

/// Polls `cond` until it holds or `PATIENCE` passes (for server-side state without a reply).
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}
