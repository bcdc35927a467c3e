//! A chat server and client for the two-socket chat protocol (see `docs/PROTOCOL.md`).
//!
//! # Layout
//! - [`wire`]: the pure protocol codec (bytes in, messages out; no sockets).
//! - [`conn`]: one socket read as a stream of messages.
#![forbid(unsafe_code)]

pub mod conn;
pub mod wire;
