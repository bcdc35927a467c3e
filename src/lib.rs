//! A chat server and client for the two-socket chat protocol (see `docs/PROTOCOL.md`).
//!
//! # Layout
//! - [`wire`]: the pure protocol codecs (bytes in, messages out; no sockets), with the
//!   `ERROR` codes and the extensions a client can ask for; [`wire::json`] is the same for
//!   the JSON protocol (bytes in, packets out).
//! - [`cli`]: what the binaries' command lines share.
//! - [`net`]: socket plumbing: a socket read as messages, writes that never block.
//! - [`console`]: the operator's commands (`users`, `kick`, `say`, `quit`).
//! - [`ratelimit`]: the token bucket behind `--rate-limit`.
//! - [`registry`]: the user table, independent of any wire format or socket type.
//! - [`user`]: one online user, its outstanding forwards and allowances.
//! - [`delivery`]: sending to one user or all, and collecting their acknowledgements.
//! - [`front`]: the two-socket TCP front end (listener, sessions, shutdown).
//! - [`conformance`]: the conformance kit behind `conform`, one check per protocol rule.
#![forbid(unsafe_code)]

pub mod cli;
pub mod conformance;
pub mod console;
pub mod delivery;
pub mod front;
pub mod net;
pub mod ratelimit;
pub mod registry;
pub mod user;
pub mod wire;
