//! The server over real sockets: PROTOCOL.md Part 1 row by row ([`protocol`]), the Part 2
//! quirks ([`quirks`]), the Part 3 extensions ([`extensions`]), the operator's console
//! ([`console`]) and a first smoke test ([`smoke`]).

#[path = "../support/mod.rs"]
mod support;

mod console;
mod extensions;
mod protocol;
mod quirks;
mod smoke;
