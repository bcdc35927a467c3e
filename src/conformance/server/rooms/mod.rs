//! Part 8 of PROTOCOL.md against a server: rooms beside the lobby (the `rooms` extension), one
//! check per rule, in exact bytes wherever Part 8 gives them.
//!
//! Every member asks for `rooms` (and nothing else) on both `REGISTER`s; a server whose
//! `REGISTERED` does not grant it has no Part 8, and each check is then skipped, saying what
//! was granted. Room names are unique to the run and the check (`#` and a fresh name), so
//! checks run side by side, and against a server that keeps its rooms: no check assumes a
//! room is new unless it made the name up. Only `rooms.lobby` sends to everyone, and it runs
//! alone.
//!
//! Three limits depend on the server's settings (`ERROR 115` rooms per user, `116` members
//! per room, `119` rooms on the server) and are not checked; the topic's, 300 bytes, is
//! (`rooms.topic-too-long`).
//!
//! # Layout
//! - [`exact`]: the bytes of Part 8's two-socket messages.
//! - [`kit`]: members, unique rooms, and the exchanges every check repeats.
//! - [`membership`]: the grant, joining, parting, kicking, leaving the chat, clients without
//!   `rooms`.
//! - [`talk`]: room messages, who gets them, and `SEND #lobby`.
//! - [`info`]: `ROOMS`, `WHO`, `TOPIC`, and the refusals with an error code of their own.

pub mod exact;
pub mod info;
pub mod kit;
pub mod membership;
pub mod talk;

use super::Check;

/// Every check of Part 8, in report order.
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend_from_slice(membership::CHECKS);
    all.extend_from_slice(talk::CHECKS);
    all.extend_from_slice(info::CHECKS);
    all
}
