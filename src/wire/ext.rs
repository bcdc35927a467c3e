//! Parts 3, 5 and 8 of the two-socket protocol: the extensions a client can ask for, as a set
//! of flags ([`Ext`]); the messages they add ([`ExtMsg`]: `EVENT`, `USERS`, `PING`/`PONG`,
//! `QUIT`/`BYE`, `PASSWORD`, `STORED`, `HISTORY`, and the rooms' `JOIN`, `PART`, `ROOMS`,
//! `WHO`, `TOPIC`, `KICK`); the headers they put on a forward ([`Meta`]);
//! and the entries of a history page ([`Entry`]). Encoded and decoded here only, for the
//! server, the client and the kit alike.
//!
//! Parsing is liberal (any case, any blanks, unknown names ignored); what we write is always
//! in one order, so replies are byte-predictable.

mod history;
mod meta;
mod msg;
mod room_msg;

pub use history::Entry;
pub use meta::{Meta, MetaKind};
pub use msg::{ExtMsg, MAX_HISTORY, MAX_PASSWORD};

use super::Message;

/// A set of extensions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext(u32);

impl Ext {
    pub const NONE: Ext = Ext(0);
    /// Join, leave and kick notices on TORECV.
    pub const EVENTS: Ext = Ext(1);
    /// `USERS` lists who is online.
    pub const USERS: Ext = Ext(2);
    /// `QUIT` leaves in order.
    pub const QUIT: Ext = Ext(4);
    /// `PING`/`PONG` both ways; silence past the timeout drops the user.
    pub const PING: Ext = Ext(8);
    /// Forwards carry `Time:`, `Kind:` and `Emote:` headers.
    pub const META: Ext = Ext(16);
    /// A name can be claimed with a password (Part 5).
    pub const AUTH: Ext = Ext(32);
    /// Messages to a claimed name wait while its owner is offline; forwards carry `Id:`.
    pub const OFFLINE: Ext = Ext(64);
    /// `HISTORY` pages through what was said.
    pub const HISTORY: Ext = Ext(128);
    /// Rooms beside the lobby: `JOIN`, `PART`, `ROOMS`, `WHO`, `TOPIC`, `KICK` (Part 8).
    pub const ROOMS: Ext = Ext(256);

    const NAMES: [(Ext, &'static str); 9] = [
        (Ext::EVENTS, "events"),
        (Ext::USERS, "users"),
        (Ext::QUIT, "quit"),
        (Ext::PING, "ping"),
        (Ext::META, "meta"),
        (Ext::AUTH, "auth"),
        (Ext::OFFLINE, "offline"),
        (Ext::HISTORY, "history"),
        (Ext::ROOMS, "rooms"),
    ];

    /// Every extension this build supports.
    pub fn all() -> Ext {
        Ext::NAMES
            .iter()
            .fold(Ext::NONE, |acc, (e, _)| acc.with(*e))
    }

    /// The known extensions named in an `Extensions:` header value.
    pub fn parse(value: &str) -> Ext {
        value
            .split([',', ' ', '\t'])
            .filter_map(|word| {
                Ext::NAMES
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(word))
                    .map(|(e, _)| *e)
            })
            .fold(Ext::NONE, Ext::with)
    }

    /// The header value naming this set, in our order (`events, users, …`).
    pub fn to_header(self) -> String {
        let names: Vec<&str> = Ext::NAMES
            .iter()
            .filter(|(e, _)| self.has(*e))
            .map(|(_, n)| *n)
            .collect();
        names.join(", ")
    }

    pub fn has(self, other: Ext) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    pub fn with(self, other: Ext) -> Ext {
        Ext(self.0 | other.0)
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn from_bits(bits: u32) -> Ext {
        Ext(bits & Ext::all().0)
    }
}

/// The header that asks for extensions on a `REGISTER` and names those granted on `REGISTERED`.
pub const HEADER: &str = "Extensions";

/// The extensions a message asks for or grants; `None` when it has no `Extensions:` header.
pub fn asked(msg: &Message) -> Option<Ext> {
    msg.header(HEADER).map(Ext::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_liberally_and_writes_in_order() {
        let e = Ext::parse(" META,events ,, Bogus\tping");
        assert!(e.has(Ext::META) && e.has(Ext::EVENTS) && e.has(Ext::PING));
        assert!(!e.has(Ext::USERS));
        assert_eq!(e.to_header(), "events, ping, meta");
        assert_eq!(Ext::parse("").to_header(), "");
        assert_eq!(
            Ext::all().to_header(),
            "events, users, quit, ping, meta, auth, offline, history, rooms"
        );
        assert_eq!(
            Ext::parse(&Ext::all().to_header()),
            Ext::all(),
            "the full list round-trips"
        );
    }
}
