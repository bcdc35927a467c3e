//! A chat server and client for the two-socket chat protocol (see `docs/PROTOCOL.md`).
//!
//! # Layout
//! - [`wire`]: the pure protocol codec (bytes in, messages out; no sockets).
//!   [`wire::json`] is the same for the JSON protocol (bytes in, packets out).
//! - [`codes`]: the protocol's `ERROR` codes.
//! - [`cli`]: what the binaries' command lines share.
//! - [`conn`]: one socket read as a stream of messages.
//! - [`console`]: the operator's commands (`users`, `kick`, `say`, `quit`).
//! - [`outbox`]: writes that never block the writer, for sockets shared between threads.
//! - [`ratelimit`]: the token bucket behind `--rate-limit`.
//! - [`ext`]: the protocol extensions a client can ask for.
//! - [`registry`]: the user table, independent of any wire format or socket type.
//! - [`user`]: one online user, its outstanding forwards and allowances.
//! - [`delivery`]: sending to one user or all, and collecting their acknowledgements.
//! - [`front`]: the two-socket TCP front end (listener, sessions, shutdown).
//! - [`conformance`]: the conformance kit behind `conform`, one check per protocol rule.
#![forbid(unsafe_code)]

pub mod cli;
pub mod codes;
pub mod conformance;
pub mod conn;
pub mod console;
pub mod delivery;
pub mod ext;
pub mod front;
pub mod outbox;
pub mod ratelimit;
pub mod registry;
pub mod user;
pub mod wire;
