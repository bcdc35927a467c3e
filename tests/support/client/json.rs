//! The pieces of scripted fake servers of the JSON protocol (seed 003, docs/PROTOCOL.md
//! Part 4): packets framed by hand, read with exact-byte checks and written whole, and the
//! joins of a server of the seed (no `welcome`) and of ours (a `welcome` first).

use super::fake::{accept, expect_bytes, put};
use std::net::{TcpListener, TcpStream};

/// The two length bytes and `payload`.
pub fn frame(payload: &str) -> Vec<u8> {
    let len = u16::try_from(payload.len()).expect("a payload two bytes can announce");
    let mut bytes = len.to_be_bytes().to_vec();
    bytes.extend_from_slice(payload.as_bytes());
    bytes
}

/// Reads one packet and asserts that it is exactly `payload`, framed.
pub fn expect_packet(stream: &mut TcpStream, payload: &str) {
    expect_bytes(stream, &frame(payload));
}

/// Writes `payload`, framed, in one call.
pub fn put_packet(stream: &mut TcpStream, payload: &str) {
    put(stream, &frame(payload));
}

/// The extensions our client asks for in its hello, as JSON array items.
pub const ASKED_JSON: &str = r#""dm","emote","users","events","auth","offline","history","rooms""#;

/// The exact hello our client sends as `nick`.
pub fn hello(nick: &str) -> String {
    format!(r#"{{"type":"hello","nick":"{nick}","extensions":[{ASKED_JSON}]}}"#)
}

/// The exact hello our client sends as `nick` with the password of a claimed nick.
pub fn hello_with(nick: &str, password: &str) -> String {
    format!(
        r#"{{"type":"hello","nick":"{nick}","extensions":[{ASKED_JSON}],"password":"{password}"}}"#
    )
}

/// A `chat` from `nick` as a server writes it.
pub fn chat(nick: &str, message: &str) -> String {
    format!(r#"{{"type":"chat","nick":"{nick}","message":"{message}"}}"#)
}

/// Accepts `nick`'s connection and joins it as a server of the seed does: the hello is
/// answered by the joiner's own `join`, and no `welcome`.
pub fn join_seed(listener: &TcpListener, nick: &str) -> TcpStream {
    let mut stream = accept(listener);
    expect_packet(&mut stream, &hello(nick));
    put_packet(
        &mut stream,
        &format!(r#"{{"type":"join","nick":"{nick}"}}"#),
    );
    stream
}

/// Accepts `nick`'s connection and joins it as our server does: a `welcome` naming
/// `granted` (JSON array items, e.g. `"dm","users"`), then the joiner's own `join`.
pub fn join_ours(listener: &TcpListener, nick: &str, granted: &str) -> TcpStream {
    let mut stream = accept(listener);
    expect_packet(&mut stream, &hello(nick));
    welcome(&mut stream, nick, granted);
    stream
}

/// Writes our server's answer to a good hello: a `welcome` naming `granted`, then the
/// joiner's own `join`, in one write.
pub fn welcome(stream: &mut TcpStream, nick: &str, granted: &str) {
    let welcome = format!(r#"{{"type":"welcome","nick":"{nick}","extensions":[{granted}]}}"#);
    let join = format!(r#"{{"type":"join","nick":"{nick}"}}"#);
    let mut both = frame(&welcome);
    both.extend_from_slice(&frame(&join));
    put(stream, &both);
}

/// The extensions of Part 4, as a `welcome` lists them (a server without Part 5).
pub const ALL_JSON: &str = r#""dm","emote","users","events""#;
