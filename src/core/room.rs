//! What a room is, as a leaf of the core: the rule for room names and topics, the limits
//! rooms live under, the errors of the room verbs, and what `/rooms` and `/who` show
//! (PROTOCOL.md Part 8). The rooms themselves are in `super::rooms`.

/// The room everyone is in: what "everyone" (`ALL`) reaches.
pub const LOBBY: &str = "#lobby";
/// Longest room name, without its `#`.
pub const MAX_ROOM_NAME: usize = 32;
/// Longest topic, in bytes.
pub const MAX_TOPIC: usize = 300;

/// `#` and 1 to 32 ASCII letters, digits, `-` or `_`.
pub fn is_valid_room(name: &str) -> bool {
    name.strip_prefix('#').is_some_and(|rest| {
        (1..=MAX_ROOM_NAME).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// A topic as the chat keeps it: control characters (newlines too) become spaces and blanks
/// around it go; empty clears the topic.
pub fn clean_topic(text: &str) -> Result<String, RoomError> {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let topic = spaced.trim();
    if topic.len() > MAX_TOPIC {
        return Err(RoomError::TopicTooLong);
    }
    Ok(topic.to_string())
}

/// Why a room verb was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    #[error("no such room")]
    NoSuchRoom,
    #[error("not in that room")]
    NotInRoom,
    #[error("only the room's operator may do that")]
    NotOperator,
    #[error("in too many rooms")]
    TooManyRooms,
    #[error("the room is full")]
    RoomFull,
    #[error("malformed room name")]
    BadName,
    #[error("the topic is longer than {MAX_TOPIC} bytes")]
    TopicTooLong,
    #[error("the server holds as many rooms as it may")]
    RoomLimit,
    #[error("nobody can leave the lobby")]
    Lobby,
}

/// The limits rooms live under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoomLimits {
    /// Rooms one user may be in at once (the lobby does not count).
    pub per_user: usize,
    /// Members one room may have.
    pub members: usize,
    /// Rooms the chat may hold.
    pub rooms: usize,
    /// Joins and parts are announced in rooms of at most this many members.
    pub announce: usize,
}

impl Default for RoomLimits {
    fn default() -> Self {
        RoomLimits {
            per_user: 50,
            members: 10_000,
            rooms: 10_000,
            announce: 200,
        }
    }
}

/// A room as `/rooms` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomInfo {
    pub name: String,
    pub members: usize,
    /// Empty: none.
    pub topic: String,
}

/// A room as `/who` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    pub name: String,
    pub operator: Option<String>,
    /// Empty: none.
    pub topic: String,
    /// Sorted.
    pub members: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_follow_one_rule() {
        for good in [
            "#a",
            "#rust",
            "#Rust-lang_2",
            &format!("#{}", "z".repeat(32)),
        ] {
            assert!(is_valid_room(good), "{good}");
        }
        for bad in [
            "",
            "#",
            "rust",
            "##rust",
            "#ru st",
            "#rüst",
            "#a.b",
            "#a\n",
            &format!("#{}", "z".repeat(33)),
        ] {
            assert!(!is_valid_room(bad), "{bad:?}");
        }
        assert!(is_valid_room(LOBBY));
    }

    #[test]
    fn topics_lose_control_characters_and_outer_blanks_and_are_bounded() {
        assert_eq!(clean_topic("  a\nb\tc\u{1} ").unwrap(), "a b c");
        assert_eq!(clean_topic(" \n ").unwrap(), "");
        let longest = "é".repeat(MAX_TOPIC / 2);
        assert_eq!(clean_topic(&longest).unwrap(), longest);
        let over = format!("{longest}x");
        assert_eq!(clean_topic(&over), Err(RoomError::TopicTooLong));
        // Blanks that go do not count.
        assert_eq!(clean_topic(&format!("  {longest}  ")).unwrap(), longest);
    }
}
