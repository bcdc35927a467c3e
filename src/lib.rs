//! One chat that several front ends drive: the two-socket chat protocol and the JSON protocol
//! of seed 003 over TCP, and the operator's console (see `docs/PROTOCOL.md`); plus the
//! conformance kit that checks any server or client of those protocols.
//!
//! # Layout
//! - [`core`]: the chat as a service (users, delivery, acknowledgements, events), knowing no
//!   wire and no socket. Its user table is `src/registry.rs` ([`core::registry`]).
//! - [`wire`]: the pure protocol codecs (bytes in, messages out; no sockets): the two-socket
//!   protocol, its extensions and `ERROR` codes.
//! - [`front`]: the front ends, each turning one wire into the core's verbs and the core's
//!   messages back into that wire: two-socket, JSON, the console; and the [`front::Server`]
//!   that puts them together.
//! - [`store`]: the chat's durable memory (accounts, history, mailboxes) on embedded SQLite,
//!   behind the core's port [`core::store::Store`], on a thread of its own.
//! - [`cluster`]: several servers as one chat over NATS, behind the core's port
//!   [`core::Cluster`]; absent, the server is one node.
//! - [`net`]: socket plumbing: a socket read as messages, writes that never block, TLS.
//! - [`conformance`]: the conformance kit behind `conform`, one check per protocol rule.
//! - [`cli`]: what the binaries' command lines share.
//!
//! The binaries are in `src/server/`, `src/client/`, `src/bench/` and `src/conform/`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod cluster;
pub mod conformance;
pub mod core;
pub mod front;
pub mod net;
pub mod store;
pub mod wire;
