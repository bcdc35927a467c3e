//! Room names and the facts about a room that both protocols carry (PROTOCOL.md Part 8): the
//! name rule ([`is_valid_room`]), the lobby's name, the topic's limit, and one line of a room
//! list ([`RoomInfo`]).

use serde::{Deserialize, Serialize};

// The rules are the chat's own (one rule on every front end and in every client).
pub use crate::core::room::{is_valid_room, LOBBY, MAX_ROOM_NAME as MAX_ROOM, MAX_TOPIC};

/// True for the lobby's name (room names match exactly).
pub fn is_lobby(name: &str) -> bool {
    name == LOBBY
}

/// One room of a room list: its name, how many are in it, and its topic when it has one.
/// The JSON protocol writes it as `{"room":…,"members":…,"topic":…}`; the two-socket one
/// as the line `<room> <members>[ <topic>]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub room: String,
    pub members: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

impl RoomInfo {
    /// The two-socket line, newline included.
    pub fn to_line(&self) -> String {
        match &self.topic {
            Some(topic) => format!("{} {} {topic}\n", self.room, self.members),
            None => format!("{} {}\n", self.room, self.members),
        }
    }

    /// Reads a two-socket line (without its newline): blanks around and between the first
    /// two words are fine, the topic is the rest, trimmed.
    pub fn from_line(line: &str) -> Option<RoomInfo> {
        let line = line.trim();
        let (room, rest) = split_word(line);
        let (members, topic) = split_word(rest);
        Some(RoomInfo {
            room: Some(room).filter(|r| !r.is_empty())?.to_string(),
            members: members.parse().ok()?,
            topic: Some(topic.to_string()).filter(|t| !t.is_empty()),
        })
    }
}

/// The first word of `text` and what follows it, trimmed.
fn split_word(text: &str) -> (&str, &str) {
    match text.split_once([' ', '\t']) {
        Some((word, rest)) => (word, rest.trim()),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_follow_the_rule() {
        for good in [
            "#lobby",
            "#a",
            "#Rust",
            "#x-y_z9",
            &format!("#{}", "a".repeat(32)),
        ] {
            assert!(is_valid_room(good), "{good:?}");
        }
        for bad in [
            "",
            "#",
            "lobby",
            "##a",
            "#a b",
            "#é",
            "#a.b",
            "#a\n",
            &format!("#{}", "a".repeat(33)),
        ] {
            assert!(!is_valid_room(bad), "{bad:?}");
        }
        assert!(is_lobby("#lobby") && !is_lobby("#Lobby"));
    }

    #[test]
    fn a_room_line_has_exact_bytes_and_reads_back_liberally() {
        let rust = RoomInfo {
            room: "#rust".into(),
            members: 3,
            topic: Some("Rust, mostly".into()),
        };
        let lobby = RoomInfo {
            room: "#lobby".into(),
            members: 12,
            topic: None,
        };
        assert_eq!(rust.to_line(), "#rust 3 Rust, mostly\n");
        assert_eq!(lobby.to_line(), "#lobby 12\n");
        assert_eq!(RoomInfo::from_line("#rust 3 Rust, mostly"), Some(rust));
        assert_eq!(RoomInfo::from_line(" #lobby \t 12  "), Some(lobby));
        for bad in ["", "#rust", "#rust many", "#rust -1 x"] {
            assert_eq!(RoomInfo::from_line(bad), None, "{bad:?}");
        }
    }
}
