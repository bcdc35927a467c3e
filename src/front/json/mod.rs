//! The JSON protocol's front end (seed 003; `docs/PROTOCOL.md` Part 4): one thread per
//! connection ([`session`]) reads packets and turns them into the chat's verbs; [`link`]
//! turns the chat's messages and events into packets, for what the client asked for.

mod link;
mod memory;
mod session;

use super::listener::Protocol;
use crate::wire::json::ext::Code;
use crate::wire::json::{self, Packet};

/// The JSON protocol, for the accept loop.
pub(crate) static PROTOCOL: Protocol = Protocol {
    name: "json",
    refusal: || error_bytes(Code::ServerFull, "the server is full; try again later"),
    serve: session::run,
};

/// The bytes of an `error` packet.
fn error_bytes(code: Code, message: &str) -> Vec<u8> {
    packet_bytes(&Packet::Error {
        code: code.as_str().to_string(),
        message: message.to_string(),
    })
}

/// The bytes of a packet of ours; one that cannot be framed (only a message too long for
/// two length bytes, which callers check first) becomes nothing.
fn packet_bytes(packet: &Packet) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = json::encode(packet, &mut out);
    out
}
