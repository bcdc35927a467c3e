//! Socket plumbing shared by the front ends and the client: a socket read as a stream of
//! two-socket messages ([`conn`]), listeners with room for a burst of connections
//! ([`listen`]), writes that never block the writer ([`outbox`]), and TLS for all of them
//! ([`tls`]).

pub mod conn;
pub mod listen;
pub mod outbox;
pub mod tls;
