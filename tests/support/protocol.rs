//! Helpers for `tests/server/protocol.rs` and `tests/server/quirks.rs`, on top of `support`.
//!
//! Like `support`, every read has a deadline, so a missing reply fails instead of hanging.
#![allow(dead_code)]

use crate::support::{self, Raw, User, PATIENCE};
use chat::front::Config;
use std::io::{ErrorKind, Read};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// An ack timeout well over `PATIENCE`, for tests where the reply awaited must come from what
/// the recipient did (an error, an ack, a close) and not from the ack timer: with the default
/// (10 s, as long as `PATIENCE`) the timer's `ERROR 102` could stand in for the one awaited.
pub const LONG_ACK: Duration = Duration::from_secs(30);

/// A test config changed by `f` (loopback, port 0, everything else default).
pub fn config_with(f: impl FnOnce(&mut Config)) -> Config {
    let mut config = support::config();
    f(&mut config);
    config
}

pub use crate::support::{forward_msg, send_msg};

/// Registers `raw` as the `role` (`TOSEND` or `TORECV`) socket of `name`; the reply must be
/// the byte-exact `REGISTERED`.
pub fn register(raw: &mut Raw, role: &str, name: &str) {
    raw.send(format!("REGISTER {role} {name}\n\n").as_bytes());
    raw.expect(format!("REGISTERED {role} {name}\n\n").as_bytes());
}

/// The user `name` made of two sockets already registered as it.
pub fn user(name: &str, tosend: Raw, torecv: Raw) -> User {
    User {
        name: name.to_string(),
        tosend,
        torecv,
    }
}

/// Joins `name` like `User::join`, but registering its TORECV socket first when
/// `tosend_first` is false.
pub fn join_in_order(addr: SocketAddr, name: &str, tosend_first: bool) -> User {
    let mut tosend = Raw::connect(addr);
    let mut torecv = Raw::connect(addr);
    if tosend_first {
        register(&mut tosend, "TOSEND", name);
        register(&mut torecv, "TORECV", name);
    } else {
        register(&mut torecv, "TORECV", name);
        register(&mut tosend, "TOSEND", name);
    }
    user(name, tosend, torecv)
}

/// Joins every name in turn (both sockets registered, replies checked).
pub fn join_all(addr: SocketAddr, names: &[&str]) -> Vec<User> {
    names.iter().map(|n| User::join(addr, n)).collect()
}

/// A message read without knowing it in advance.
#[derive(Debug)]
pub struct Incoming {
    /// The first line, without its `\n`.
    pub first: String,
    pub body: Vec<u8>,
}

impl Incoming {
    /// The word after the verb (`FORWARD <sender>` gives the sender).
    pub fn arg(&self) -> &str {
        self.first.split_once(' ').map_or("", |(_, rest)| rest)
    }
}

/// Reads one byte, failing the test on close or after `PATIENCE`.
fn byte(raw: &mut Raw, so_far: &[u8]) -> u8 {
    match raw.read_n(1, PATIENCE).first() {
        Some(&b) => b,
        None => panic!(
            "socket closed or silent in the middle of {:?}",
            String::from_utf8_lossy(so_far)
        ),
    }
}

/// Reads one message as the server writes them (`\n` endings, `Content-length: `).
pub fn read_message(raw: &mut Raw) -> Incoming {
    let mut head = Vec::new();
    while !head.ends_with(b"\n\n") {
        let b = byte(raw, &head);
        head.push(b);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    let len = lines
        .filter_map(|l| l.strip_prefix("Content-length: "))
        .map(|n| n.parse::<usize>().expect("Content-length"))
        .next()
        .unwrap_or(0);
    let body = raw.read_n(len, PATIENCE);
    assert_eq!(body.len(), len, "short body after {first:?}");
    Incoming { first, body }
}

/// What a single `read` call returns within `within` (empty on close or timeout).
pub fn one_read(raw: &mut Raw, within: Duration) -> Vec<u8> {
    raw.stream.set_read_timeout(Some(within)).unwrap();
    let mut buf = vec![0u8; 256 * 1024];
    match raw.stream.read(&mut buf) {
        Ok(n) => buf.truncate(n),
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => buf.clear(),
        Err(e) => panic!("read failed: {e}"),
    }
    buf
}

/// Registers `role` (`TOSEND` or `TORECV`) as `name` on a new socket and returns the socket
/// with the reply, which is read whole whatever it is (replies here are at most one line).
pub fn try_register(addr: SocketAddr, role: &str, name: &str) -> (Raw, String) {
    let mut raw = Raw::connect(addr);
    raw.send(format!("REGISTER {role} {name}\n\n").as_bytes());
    let reply = read_message(&mut raw).first;
    (raw, reply)
}

/// How long `f` took.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

/// `from` sends `body` to `to`, `to` gets it byte-exact and acknowledges, `from` gets `SENT`.
pub fn assert_relays(from: &mut User, to: &mut User, body: &[u8]) {
    let (sender, recipient) = (from.name.clone(), to.name.clone());
    from.send_to(&recipient, body);
    to.receive(&sender, body);
    from.tosend
        .expect(format!("SENT {recipient}\n\n").as_bytes());
}

/// Registers both sockets as `name`, retrying until both are accepted: after the last
/// holder's sockets close it may take the server a moment to notice, and until it has, a slot
/// already free can be taken while the other one is still refused.
pub fn join_when_free(addr: SocketAddr, name: &str) -> User {
    let mut user = None;
    support::eventually(&format!("{name} is free"), || {
        let (tosend, reply) = try_register(addr, "TOSEND", name);
        if reply != format!("REGISTERED TOSEND {name}") {
            return false;
        }
        let (torecv, reply) = try_register(addr, "TORECV", name);
        if reply != format!("REGISTERED TORECV {name}") {
            return false;
        }
        user = Some(self::user(name, tosend, torecv));
        true
    });
    user.unwrap()
}
