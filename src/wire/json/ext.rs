//! What the JSON protocol adds to seed 003 (PROTOCOL.md Part 4, Extensions and Errors): the
//! extensions a client can ask for in its hello ([`JsonExt`]) and the codes of the `error`
//! packet ([`Code`]), for the server and the client alike.

/// A set of the JSON protocol's extensions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonExt(u32);

impl JsonExt {
    pub const NONE: JsonExt = JsonExt(0);
    /// `dm`: direct messages.
    pub const DM: JsonExt = JsonExt(1);
    /// `emote`: actions.
    pub const EMOTE: JsonExt = JsonExt(2);
    /// `users`: who is online.
    pub const USERS: JsonExt = JsonExt(4);
    /// `events`: leave reasons and kicks.
    pub const EVENTS: JsonExt = JsonExt(8);
    /// `auth`: a nick claimed with a password (Part 5).
    pub const AUTH: JsonExt = JsonExt(16);
    /// `offline`: direct messages wait for a claimed nick; messages carry ids.
    pub const OFFLINE: JsonExt = JsonExt(32);
    /// `history`: pages of what was said; messages carry ids.
    pub const HISTORY: JsonExt = JsonExt(64);
    /// `rooms`: rooms beside the lobby (Part 8).
    pub const ROOMS: JsonExt = JsonExt(128);

    const NAMES: [(JsonExt, &'static str); 8] = [
        (JsonExt::DM, "dm"),
        (JsonExt::EMOTE, "emote"),
        (JsonExt::USERS, "users"),
        (JsonExt::EVENTS, "events"),
        (JsonExt::AUTH, "auth"),
        (JsonExt::OFFLINE, "offline"),
        (JsonExt::HISTORY, "history"),
        (JsonExt::ROOMS, "rooms"),
    ];

    /// Every extension there is.
    pub fn all() -> JsonExt {
        JsonExt::NAMES
            .iter()
            .fold(JsonExt::NONE, |acc, (e, _)| acc.with(*e))
    }

    /// The known extensions among `names` (any case; unknown names ignored).
    pub fn from_names<S: AsRef<str>>(names: &[S]) -> JsonExt {
        names
            .iter()
            .filter_map(|name| {
                JsonExt::NAMES
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(name.as_ref().trim()))
                    .map(|(e, _)| *e)
            })
            .fold(JsonExt::NONE, JsonExt::with)
    }

    /// The names in this set, in our order.
    pub fn names(self) -> Vec<String> {
        JsonExt::NAMES
            .iter()
            .filter(|(e, _)| self.has(*e))
            .map(|(_, n)| n.to_string())
            .collect()
    }

    pub fn has(self, other: JsonExt) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    pub fn with(self, other: JsonExt) -> JsonExt {
        JsonExt(self.0 | other.0)
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    /// The extensions among `bits` (other bits ignored).
    pub fn from_bits(bits: u32) -> JsonExt {
        JsonExt(bits & JsonExt::all().0)
    }
}

/// The `code` of an `error` packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    BadNick,
    NickTaken,
    NoHello,
    AlreadyJoined,
    NoSuchUser,
    NotDelivered,
    RateLimited,
    BadPassword,
    MailboxFull,
    StoreFailed,
    BadPacket,
    Malformed,
    TooLong,
    Timeout,
    ServerFull,
    NoSuchRoom,
    NotInRoom,
    NotOperator,
    TooManyRooms,
    RoomFull,
    BadRoom,
    TopicTooLong,
    RoomLimit,
    Lobby,
}

impl Code {
    pub const ALL: [Code; 24] = [
        Code::BadNick,
        Code::NickTaken,
        Code::NoHello,
        Code::AlreadyJoined,
        Code::NoSuchUser,
        Code::NotDelivered,
        Code::RateLimited,
        Code::BadPassword,
        Code::MailboxFull,
        Code::StoreFailed,
        Code::BadPacket,
        Code::Malformed,
        Code::TooLong,
        Code::Timeout,
        Code::ServerFull,
        Code::NoSuchRoom,
        Code::NotInRoom,
        Code::NotOperator,
        Code::TooManyRooms,
        Code::RoomFull,
        Code::BadRoom,
        Code::TopicTooLong,
        Code::RoomLimit,
        Code::Lobby,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadNick => "bad-nick",
            Code::NickTaken => "nick-taken",
            Code::NoHello => "no-hello",
            Code::AlreadyJoined => "already-joined",
            Code::NoSuchUser => "no-such-user",
            Code::NotDelivered => "not-delivered",
            Code::RateLimited => "rate-limited",
            Code::BadPassword => "bad-password",
            Code::MailboxFull => "mailbox-full",
            Code::StoreFailed => "store-failed",
            Code::BadPacket => "bad-packet",
            Code::Malformed => "malformed",
            Code::TooLong => "too-long",
            Code::Timeout => "timeout",
            Code::ServerFull => "server-full",
            Code::NoSuchRoom => "no-such-room",
            Code::NotInRoom => "not-in-room",
            Code::NotOperator => "not-operator",
            Code::TooManyRooms => "too-many-rooms",
            Code::RoomFull => "room-full",
            Code::BadRoom => "bad-room",
            Code::TopicTooLong => "topic-too-long",
            Code::RoomLimit => "room-limit",
            Code::Lobby => "lobby",
        }
    }

    /// The code called `text`, if it is one of ours.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether the server closes the connection after this error.
    pub fn closes(self) -> bool {
        matches!(
            self,
            Code::BadNick
                | Code::NickTaken
                | Code::Malformed
                | Code::TooLong
                | Code::Timeout
                | Code::ServerFull
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_are_read_liberally_and_named_in_our_order() {
        let e = JsonExt::from_names(&["Users", " dm ", "bogus", "events"]);
        assert_eq!(e.names(), ["dm", "users", "events"]);
        assert_eq!(
            JsonExt::all().names(),
            ["dm", "emote", "users", "events", "auth", "offline", "history", "rooms"]
        );
        assert!(!e.has(JsonExt::EMOTE));
        assert_eq!(JsonExt::from_names::<&str>(&[]), JsonExt::NONE);
        assert_eq!(
            JsonExt::from_bits(JsonExt::all().bits() | 1 << 31),
            JsonExt::all()
        );
        assert_eq!(JsonExt::from_names(&JsonExt::all().names()), JsonExt::all());
    }

    #[test]
    fn every_code_reads_back_and_says_whether_it_closes() {
        let rooms: Vec<&str> = Code::ALL[15..].iter().map(|c| c.as_str()).collect();
        assert_eq!(
            rooms,
            [
                "no-such-room",
                "not-in-room",
                "not-operator",
                "too-many-rooms",
                "room-full",
                "bad-room",
                "topic-too-long",
                "room-limit",
                "lobby"
            ]
        );
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
        }
        assert_eq!(Code::parse("nope"), None);
        let closing: Vec<&str> = Code::ALL
            .into_iter()
            .filter(|c| c.closes())
            .map(Code::as_str)
            .collect();
        assert_eq!(
            closing,
            [
                "bad-nick",
                "nick-taken",
                "malformed",
                "too-long",
                "timeout",
                "server-full"
            ]
        );
    }
}
