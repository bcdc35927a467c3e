//! The JSON protocol's packets, as types: what each `"type"` holds (PROTOCOL.md Parts 4
//! and 5), and which members a decoder reads for it.

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
        message: String,
        /// The message's id and time, to a client with `offline` or `history` (Part 5).
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        time: Option<String>,
    },
    Join {
        nick: String,
    },
    Leave {
        nick: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Kick {
        nick: String,
        reason: String,
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
        #[serde(skip_serializing_if = "Option::is_none")]
        before: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        after: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        limit: Option<u64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        messages: Option<Vec<Entry>>,
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
        "chat" | "emote" => &["nick", "message", "id", "time"],
        "join" => &["nick"],
        "leave" | "kick" => &["nick", "reason"],
        "dm" => &["nick", "to", "message", "id", "time", "stored"],
        "users" => &["nicks"],
        "error" => &["code", "message"],
        "password" => &["password", "status"],
        "stored" | "delivered" => &["to", "id"],
        "history" => &["before", "after", "limit", "messages"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{from_json, to_json};
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn part_5_packets_have_exact_bytes_and_read_back() {
        let entry = |id, to: Option<&str>, emote| Entry {
            id,
            time: s("2026-11-30T10:00:00Z"),
            nick: s("alice"),
            to: to.map(s),
            message: s("hi"),
            emote,
        };
        let table = [
            (
                Packet::Hello {
                    nick: s("pat"),
                    extensions: None,
                    password: Some(s("s3cret")),
                },
                r#"{"type":"hello","nick":"pat","password":"s3cret"}"#,
            ),
            (
                Packet::Password {
                    password: Some(s("new")),
                    status: None,
                },
                r#"{"type":"password","password":"new"}"#,
            ),
            (
                Packet::Password {
                    password: None,
                    status: Some(s("set")),
                },
                r#"{"type":"password","status":"set"}"#,
            ),
            (
                Packet::Stored {
                    to: s("bob"),
                    id: 42,
                },
                r#"{"type":"stored","to":"bob","id":42}"#,
            ),
            (
                Packet::Delivered {
                    to: s("bob"),
                    id: 42,
                },
                r#"{"type":"delivered","to":"bob","id":42}"#,
            ),
            (
                Packet::Dm {
                    nick: Some(s("alice")),
                    to: s("bob"),
                    message: s("hi"),
                    id: Some(42),
                    time: Some(s("2026-11-30T10:00:00Z")),
                    stored: Some(true),
                },
                r#"{"type":"dm","nick":"alice","to":"bob","message":"hi","id":42,"time":"2026-11-30T10:00:00Z","stored":true}"#,
            ),
            (
                Packet::History {
                    before: Some(42),
                    after: None,
                    limit: Some(50),
                    messages: None,
                },
                r#"{"type":"history","before":42,"limit":50}"#,
            ),
            (
                Packet::History {
                    before: None,
                    after: None,
                    limit: None,
                    messages: Some(vec![entry(41, None, false), entry(42, Some("bob"), true)]),
                },
                concat!(
                    r#"{"type":"history","messages":[{"id":41,"time":"2026-11-30T10:00:00Z","nick":"alice","message":"hi"},"#,
                    r#"{"id":42,"time":"2026-11-30T10:00:00Z","nick":"alice","to":"bob","message":"hi","emote":true}]}"#
                ),
            ),
        ];
        for (packet, payload) in table {
            assert_eq!(to_json(&packet), payload);
            assert_eq!(from_json(payload.as_bytes()), Ok(packet));
        }
    }

    #[test]
    fn part_5_packets_with_wrong_members_are_malformed() {
        for payload in [
            r#"{"type":"stored","to":"bob","id":"42"}"#,
            r#"{"type":"delivered","id":42}"#,
            r#"{"type":"history","before":-1}"#,
            r#"{"type":"history","messages":[{"id":1}]}"#,
            r#"{"type":"chat","message":"x","id":1.5}"#,
            r#"{"type":"hello","nick":"pat","password":7}"#,
        ] {
            let got = from_json(payload.as_bytes());
            assert!(
                matches!(got, Ok(Packet::Malformed { .. })),
                "{payload}: {got:?}"
            );
        }
    }
}
