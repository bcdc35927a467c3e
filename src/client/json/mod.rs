//! `client --protocol json`: seed 003's JSON protocol (docs/PROTOCOL.md Part 4) on one
//! socket, to our server or to any server written to the seed.
//!
//! - [`conn`]: packets read from the socket and written to it, whole.
//! - [`join`]: the hello, and what the answer says of the server: a `welcome` before our own
//!   `join` names the extensions granted; our own `join` without one means a server of the
//!   seed, which has none.
//! - [`reader`]: the socket's reader thread, turning packets into the session's events; our
//!   own messages come back as echoes, which answer the request awaiting them.

mod conn;
mod join;
mod reader;

pub use conn::{JsonConn, Writer};
pub use join::{attempt, Held};
pub use reader::spawn as spawn_reader;

use crate::view::Caps;

/// The extensions the client asks for in its hello, in this order: Part 4's, Part 5's, then
/// Part 8's.
pub const ASKED: [&str; 8] = [
    "dm", "emote", "users", "events", "auth", "offline", "history", "rooms",
];

/// The JSON extensions a server granted (none, from a server of the seed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Granted {
    /// `dm`: direct messages.
    pub dm: bool,
    /// `emote`: actions as their own packet.
    pub emote: bool,
    /// `users`: who is online.
    pub users: bool,
    /// `events`: leaves with a reason, kicks.
    pub events: bool,
    /// `auth`: a nick claimed with a password.
    pub auth: bool,
    /// `offline`: direct messages wait for an offline claimed nick.
    pub offline: bool,
    /// `history`: pages of what was said.
    pub history: bool,
    /// `rooms`: rooms beside the lobby.
    pub rooms: bool,
}

impl Granted {
    /// What a `welcome`'s list grants of what we asked for.
    pub fn parse(names: &[String]) -> Granted {
        let has = |want: &str| names.iter().any(|n| n == want);
        Granted {
            dm: has("dm"),
            emote: has("emote"),
            users: has("users"),
            events: has("events"),
            auth: has("auth"),
            offline: has("offline"),
            history: has("history"),
            rooms: has("rooms"),
        }
    }

    /// What the session may do. Joins and leaves are part of the seed's protocol, so they
    /// are always told.
    pub fn caps(self) -> Caps {
        Caps {
            users: self.users,
            direct: self.dm,
            events: true,
            seed: true,
            accounts: self.auth,
            offline: self.offline,
            history: self.history,
            rooms: self.rooms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_welcome_grants_what_it_names_and_a_seed_server_nothing() {
        let names = ["users", "rooms", "dm", "history"].map(String::from);
        let granted = Granted::parse(&names);
        assert_eq!(
            granted,
            Granted {
                dm: true,
                users: true,
                history: true,
                rooms: true,
                ..Granted::default()
            }
        );
        let caps = granted.caps();
        assert!(caps.history && caps.rooms && !caps.accounts && !caps.offline);
        let caps = Granted::default().caps();
        assert!(!caps.users && !caps.direct && caps.events && caps.seed);
        assert!(!caps.accounts && !caps.offline && !caps.history && !caps.rooms);
    }
}
