//! Part 5 of PROTOCOL.md against a server: accounts (`auth`), messages that wait for an
//! offline user (`offline`) and history (`history`), each check naming its rule.
//!
//! Every user of these checks asks for `quit, auth, offline, history` on both `REGISTER`s;
//! a server whose `REGISTERED` grants less has no Part 5, and each check is then skipped,
//! saying what was granted. Names are fresh for each user (a claimed name stays claimed in
//! the server's store across runs). A user leaves with `QUIT` (Part 3), so that the server has
//! let go of it once it closes the sockets; a name that just left may still be held, so
//! logging in again retries `ERROR 104` for a reply timeout.
//!
//! Two checks run alone: `history.visible` sends to everyone, and `auth.wrong-password`
//! gives a wrong password, after which the server refuses every login from this address for
//! a pause (1 s, doubling); that check waits the pause out and ends with a right login, which
//! ends it.
//!
//! # Layout
//! - [`kit`]: users that ask for Part 5, claiming, leaving, logging in, ids and pages.
//! - [`auth`], [`offline`], [`history`]: the checks of each extension.

pub mod auth;
pub mod history;
pub mod kit;
pub mod offline;

use super::Check;

/// Every check of Part 5, in report order.
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend_from_slice(auth::CHECKS);
    all.extend_from_slice(offline::CHECKS);
    all.extend_from_slice(history::CHECKS);
    all
}
