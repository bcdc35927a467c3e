//! Socket plumbing shared by the front ends and the client: a socket read as a stream of
//! two-socket messages ([`conn`]), writes that never block the writer ([`outbox`]), and TLS
//! for both ([`tls`]).

pub mod conn;
pub mod outbox;
pub mod tls;
