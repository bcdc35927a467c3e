//! What happens in the chat that users hear about: someone joins, leaves, or is kicked, from
//! the chat or from a room, and a room's topic changes.

/// Something that happened in the chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Join(String),
    Leave(String, LeaveReason),
    /// The operator removed a user, with the reason given.
    Kick(String, String),
    /// A message that waited for its recipient (named) has reached it; told to its sender.
    Delivered {
        to: String,
        id: u64,
    },
    /// `name` joined `room`.
    RoomJoin {
        room: String,
        name: String,
    },
    /// `name` left `room`.
    RoomLeave {
        room: String,
        name: String,
        reason: PartReason,
    },
    /// `by` (a room's operator, or the server's) removed `name` from `room`.
    RoomKick {
        room: String,
        name: String,
        by: String,
        reason: String,
    },
    /// `by` set the topic of `room` (empty: cleared).
    Topic {
        room: String,
        by: String,
        topic: String,
    },
}

impl Event {
    /// The user the event is about.
    pub fn subject(&self) -> &str {
        match self {
            Event::Join(name) | Event::Leave(name, _) | Event::Kick(name, _) => name,
            Event::Delivered { to, .. } => to,
            Event::RoomJoin { name, .. }
            | Event::RoomLeave { name, .. }
            | Event::RoomKick { name, .. } => name,
            Event::Topic { by, .. } => by,
        }
    }

    /// The room the event happened in, if it happened in one.
    pub fn room(&self) -> Option<&str> {
        match self {
            Event::RoomJoin { room, .. }
            | Event::RoomLeave { room, .. }
            | Event::RoomKick { room, .. }
            | Event::Topic { room, .. } => Some(room),
            _ => None,
        }
    }
}

/// Why a user left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveReason {
    Quit,
    Timeout,
    Kicked,
    Disconnected,
}

impl LeaveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveReason::Quit => "quit",
            LeaveReason::Timeout => "timeout",
            LeaveReason::Kicked => "kicked",
            LeaveReason::Disconnected => "disconnected",
        }
    }
}

/// Why a member left a room (leaving the chat is told by the chat's own leave).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartReason {
    Part,
    Kicked,
}

impl PartReason {
    pub fn as_str(self) -> &'static str {
        match self {
            PartReason::Part => "part",
            PartReason::Kicked => "kicked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_its_subject_and_reasons_their_word() {
        assert_eq!(Event::Join("a".into()).subject(), "a");
        assert_eq!(Event::Leave("b".into(), LeaveReason::Quit).subject(), "b");
        assert_eq!(Event::Kick("c".into(), "spam".into()).subject(), "c");
        let words = [
            LeaveReason::Quit,
            LeaveReason::Timeout,
            LeaveReason::Kicked,
            LeaveReason::Disconnected,
        ]
        .map(LeaveReason::as_str);
        assert_eq!(words, ["quit", "timeout", "kicked", "disconnected"]);
    }
}
