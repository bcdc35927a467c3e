//! The server over real sockets: PROTOCOL.md Part 1 row by row ([`protocol`]), the Part 2
//! quirks ([`quirks`]), the Part 3 extensions ([`extensions`]), the operator's console
//! ([`console`]), a first smoke test ([`smoke`]), the JSON protocol ([`json`]) and the two
//! protocols in one chat ([`mixed`]), and the chat's memory: accounts, messages that wait,
//! history ([`memory`]); both protocols over TLS ([`tls`]); the web page and its WebSocket
//! ([`web`]), also over TLS ([`tls_web`]); rooms on both protocols ([`rooms`]).

#[path = "../support/mod.rs"]
mod support;

mod console;
mod extensions;
mod json;
mod memory;
mod mixed;
mod protocol;
mod quirks;
mod rooms;
mod smoke;
mod tls;
mod tls_web;
mod web;
