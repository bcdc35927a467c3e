//! The JSON protocol's packets, as types: what each `"type"` holds (PROTOCOL.md Parts 4,
//! 5 and 8), and which members a decoder reads for it.

use crate::wire::RoomInfo;
use serde::{Deserialize, Serialize};

/// One packet, either direction (as `wire::Command` covers both directions).
///
/// The derived serde impls are the wire form of the real types: `"type"` is the variant
/// name in lower case, `None` fields are left out. [`Packet::Unknown`] and
/// [`Packet::Malformed`] serialize as `{"type":"<kind>"}` alone, so they do not survive a
/// round trip (`{"type":"chat"}` decodes as `Malformed`, `{"type":"users"}` as `Users`).
/// Deserializing with serde directly cannot tell those two apart (both come out `Unknown`);
/// [`decode`] and [`from_json`] can.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Packet {
    Hello {
        nick: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        extensions: Option<Vec<String>>,
        /// For a claimed nick (Part 5, `auth`).
        #[serde(skip_serializing_if = "Option::is_none")]
        password: Option<String>,
    },
    Welcome {
        nick: String,
        extensions: Vec<String>,
    },
    Chat {
        #[serde(skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        /// To a room's members (Part 8); none (or `#lobby`): to everyone.
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        message: String,
        /// The message's id and time, to a client with `offline` or `history` (Part 5).
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<String>,
    },
    /// S→C: `nick` joined (the chat, or `room`); C→S: join `room` (Part 8).
    Join {
        #[serde(skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
    },
    Leave {
        nick: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// S→C: `nick` was removed (from the chat, or from `room` by `by`); C→S: remove `nick`
    /// from `room`.
    Kick {
        nick: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Dm {
        #[serde(skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        to: String,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<String>,
        /// It waited for its recipient (Part 5, `offline`).
        #[serde(skip_serializing_if = "Option::is_none")]
        stored: Option<bool>,
    },
    Emote {
        #[serde(skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        message: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<String>,
    },
    Users {
        #[serde(skip_serializing_if = "Option::is_none")]
        nicks: Option<Vec<String>>,
    },
    Error {
        code: String,
        message: String,
    },
    /// C→S: claim the nick, change or (`""`) drop its password; S→C: `status` says which.
    Password {
        #[serde(skip_serializing_if = "Option::is_none")]
        password: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<String>,
    },
    /// A direct message kept for its offline recipient.
    Stored {
        to: String,
        id: u64,
    },
    /// A kept message reached its recipient.
    Delivered {
        to: String,
        id: u64,
    },
    /// C→S: a page of history (`before` or `after` an id, at most `limit`); S→C: `messages`.
    History {
        /// One room's page (Part 8); none: the lobby and the user's direct messages.
        #[serde(skip_serializing_if = "Option::is_none")]
        room: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        after: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        limit: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        messages: Option<Vec<Entry>>,
    },
    /// C→S: leave `room` (answered by a `leave`).
    Part {
        room: String,
    },
    /// C→S: which rooms are there?; S→C: `rooms`, sorted by name.
    Rooms {
        #[serde(skip_serializing_if = "Option::is_none")]
        rooms: Option<Vec<RoomInfo>>,
    },
    /// C→S: who is in `room`?; S→C: its `operator`, `topic` and members.
    Who {
        room: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        operator: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        topic: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        nicks: Option<Vec<String>>,
    },
    /// C→S: set `room`'s topic (`""` clears it); S→C: `nick` set it.
    Topic {
        room: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        nick: Option<String>,
        topic: String,
    },
    /// A type we do not know (ignored by whoever reads it).
    #[serde(untagged)]
    Unknown {
        #[serde(rename = "type")]
        kind: String,
    },
    /// A type we know whose fields are missing or of the wrong JSON type (`{"type":"chat"}`).
    #[serde(untagged)]
    Malformed {
        #[serde(rename = "type")]
        kind: String,
    },
}

impl Packet {
    /// The packet's `"type"`: the variant's name in lower case, or the type as received.
    pub fn kind(&self) -> &str {
        match self {
            Packet::Hello { .. } => "hello",
            Packet::Welcome { .. } => "welcome",
            Packet::Chat { .. } => "chat",
            Packet::Join { .. } => "join",
            Packet::Leave { .. } => "leave",
            Packet::Kick { .. } => "kick",
            Packet::Dm { .. } => "dm",
            Packet::Emote { .. } => "emote",
            Packet::Users { .. } => "users",
            Packet::Error { .. } => "error",
            Packet::Password { .. } => "password",
            Packet::Stored { .. } => "stored",
            Packet::Delivered { .. } => "delivered",
            Packet::History { .. } => "history",
            Packet::Part { .. } => "part",
            Packet::Rooms { .. } => "rooms",
            Packet::Who { .. } => "who",
            Packet::Topic { .. } => "topic",
            Packet::Unknown { kind } | Packet::Malformed { kind } => kind,
        }
    }
}

/// One message of a `history` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: u64,
    pub time: String,
    pub nick: String,
    /// The recipient of a direct message; absent for a message to everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The room it was said in (Part 8); absent for the lobby and direct messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    pub message: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub emote: bool,
}

fn is_false(b: &bool) -> bool {
    !b
}

/// The members a known type reads, or `None` for a type we do not know.
pub(super) fn fields_of(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "hello" => &["nick", "extensions", "password"],
        "welcome" => &["nick", "extensions"],
        "chat" | "emote" => &["nick", "room", "message", "id", "time"],
        "join" => &["nick", "room"],
        "leave" => &["nick", "room", "reason"],
        "kick" => &["nick", "room", "by", "reason"],
        "dm" => &["nick", "to", "message", "id", "time", "stored"],
        "users" => &["nicks"],
        "error" => &["code", "message"],
        "password" => &["password", "status"],
        "stored" | "delivered" => &["to", "id"],
        "history" => &["room", "before", "after", "limit", "messages"],
        "part" => &["room"],
        "rooms" => &["rooms"],
        "who" => &["room", "operator", "topic", "nicks"],
        "topic" => &["room", "nick", "topic"],
        _ => return None,
    })
}

#[cfg(test)]
#[path = "packet_tests.rs"]
pub(super) mod tests;
