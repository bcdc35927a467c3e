//! What the server says of its own accord: who joins, leaves or is kicked, in the chat or
//! in a room, and a room's new topic (two-socket `EVENT`s of docs/PROTOCOL.md Parts 3 and 8,
//! or the JSON protocol's `join`, `leave`, `kick` and `topic` packets), and the `BYE` that
//! answers our `QUIT`.
//!
//! `PING` is not here: the socket's reader thread answers it at once (see `net`), so a busy
//! session never makes the server think we are gone. Events are not acknowledged: they are
//! not forwards.

use chat::wire::ext::ExtMsg;

/// A message pushed by the server that is neither a forward nor a reply to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Push {
    /// `EVENT JOIN <name>`.
    Joined(String),
    /// `EVENT LEAVE <name>` with `Reason: quit|timeout|kicked|disconnected`.
    Left {
        name: String,
        reason: Option<String>,
    },
    /// `EVENT KICK <name>` with `Reason: <text>`; it may name us.
    Kicked {
        name: String,
        reason: Option<String>,
    },
    /// `EVENT JOIN <name>` with `Room:`: `name` joined `room` (we are a member).
    RoomJoined { room: String, name: String },
    /// `EVENT LEAVE <name>` with `Room:` and `Reason: part|kicked`.
    RoomLeft {
        room: String,
        name: String,
        reason: Option<String>,
    },
    /// `EVENT KICK <name>` with `Room:`, `By:` and `Reason:`; it may name us.
    RoomKicked {
        room: String,
        name: String,
        by: Option<String>,
        reason: Option<String>,
    },
    /// `EVENT TOPIC <room>` with `By:` and `Topic:` (none: cleared).
    Topic {
        room: String,
        by: String,
        topic: Option<String>,
    },
    /// `BYE`: the server has taken our `QUIT` and closes both sockets.
    Bye,
}

impl Push {
    /// The room this push is about; `None`: the chat itself (or `BYE`).
    pub fn room(&self) -> Option<&str> {
        match self {
            Push::RoomJoined { room, .. }
            | Push::RoomLeft { room, .. }
            | Push::RoomKicked { room, .. }
            | Push::Topic { room, .. } => Some(room),
            Push::Joined(_) | Push::Left { .. } | Push::Kicked { .. } | Push::Bye => None,
        }
    }

    /// The push an extension message is, if it is one.
    pub fn from_ext(msg: ExtMsg) -> Option<Push> {
        match msg {
            ExtMsg::Join {
                name,
                room: Some(room),
            } => Some(Push::RoomJoined { room, name }),
            ExtMsg::Join { name, room: None } => Some(Push::Joined(name)),
            ExtMsg::Leave {
                name,
                room: Some(room),
                reason,
            } => Some(Push::RoomLeft { room, name, reason }),
            ExtMsg::Leave {
                name,
                room: None,
                reason,
            } => Some(Push::Left { name, reason }),
            ExtMsg::Kick {
                name,
                room: Some(room),
                by,
                reason,
            } => Some(Push::RoomKicked {
                room,
                name,
                by,
                reason,
            }),
            ExtMsg::Kick {
                name,
                room: None,
                reason,
                ..
            } => Some(Push::Kicked { name, reason }),
            ExtMsg::TopicChanged { room, by, topic } => Some(Push::Topic { room, by, topic }),
            ExtMsg::Bye => Some(Push::Bye),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat::wire::{decode, Limits};

    fn push(bytes: &[u8]) -> Option<Push> {
        match decode(bytes, &Limits::default()) {
            Ok(Some((msg, _))) => ExtMsg::from_message(&msg).and_then(Push::from_ext),
            other => panic!("{bytes:?} did not decode: {other:?}"),
        }
    }

    #[test]
    fn events_as_the_server_writes_them() {
        assert_eq!(
            push(b"EVENT JOIN bob\n\n"),
            Some(Push::Joined("bob".into()))
        );
        assert_eq!(
            push(b"EVENT LEAVE bob\nReason: quit\n\n"),
            Some(Push::Left {
                name: "bob".into(),
                reason: Some("quit".into())
            })
        );
        assert_eq!(
            push(b"EVENT KICK bob\nReason: spam and more\n\n"),
            Some(Push::Kicked {
                name: "bob".into(),
                reason: Some("spam and more".into())
            })
        );
        assert_eq!(push(b"BYE\n\n"), Some(Push::Bye));
    }

    #[test]
    fn a_rooms_events_as_the_server_writes_them() {
        let (room, bob) = ("#rust".to_string(), "bob".to_string());
        assert_eq!(
            push(b"EVENT JOIN bob\nRoom: #rust\n\n"),
            Some(Push::RoomJoined {
                room: room.clone(),
                name: bob.clone()
            })
        );
        assert_eq!(
            push(b"EVENT LEAVE bob\nRoom: #rust\nReason: part\n\n"),
            Some(Push::RoomLeft {
                room: room.clone(),
                name: bob.clone(),
                reason: Some("part".into())
            })
        );
        assert_eq!(
            push(b"EVENT KICK bob\nRoom: #rust\nBy: alice\nReason: spam\n\n"),
            Some(Push::RoomKicked {
                room: room.clone(),
                name: bob,
                by: Some("alice".into()),
                reason: Some("spam".into())
            })
        );
        assert_eq!(
            push(b"EVENT TOPIC #rust\nBy: alice\n\n"),
            Some(Push::Topic {
                room,
                by: "alice".into(),
                topic: None
            })
        );
    }

    #[test]
    fn liberal_in_case_and_reasons_are_optional() {
        assert_eq!(
            push(b"event leave bob\n\n"),
            Some(Push::Left {
                name: "bob".into(),
                reason: None
            })
        );
    }

    #[test]
    fn other_messages_are_not_pushes() {
        for bytes in [
            &b"EVENT JOIN\n\n"[..],
            b"EVENT DANCE bob\n\n",
            b"PONG x\n\n",
            b"SENT bob\n\n",
            b"USERS 1\nContent-length: 4\n\nbob\n",
        ] {
            assert_eq!(push(bytes), None, "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}
