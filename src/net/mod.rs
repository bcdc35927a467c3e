//! Socket plumbing shared by the front ends and the client: a socket read as a stream of
//! two-socket messages ([`conn`]), listeners with room for a burst of connections
//! ([`listen`]) and writes that never block the writer ([`outbox`]).

pub mod conn;
pub mod listen;
pub mod outbox;
