//! The JSON protocol's front end (seed 003; `docs/PROTOCOL.md` Part 4): one thread per
//! connection ([`session`]) reads packets and turns them into the chat's verbs; [`link`]
//! turns the chat's messages and events into packets, for what the client asked for.
//! [`transport`] is what carries the packets: this protocol's length-prefixed TCP stream,
//! or (for [`super::web`]) WebSocket text frames, with the same session behind both.

mod link;
mod memory;
mod rooms;
pub(crate) mod session;
pub(crate) mod transport;

use super::listener::Protocol;
use crate::wire::json::ext::Code;
use transport::LENGTH_PREFIX;

/// The JSON protocol, for the accept loop.
pub(crate) static PROTOCOL: Protocol = Protocol {
    name: "json",
    refusal: || LENGTH_PREFIX.error(Code::ServerFull, "the server is full; try again later"),
    serve: session::run,
};
