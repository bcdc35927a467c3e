//! The rooms (docs/PROTOCOL.md Part 8) in words, for both views: the answers to `/join`,
//! `/part`, `/rooms`, `/who` and `/topic`, and a room's events.
//!
//! - `joined #rust`, `left #rust`;
//! - `rooms (2):` then one indented line per room, `  #rust (3): Rust, mostly`;
//! - `in #rust (2): alice (operator), bob; topic: Rust, mostly`;
//! - `topic of #rust set: Rust, mostly`, `topic of #rust cleared`;
//! - `*** bob joined #rust`, `*** bob left #rust`, `*** bob was kicked from #rust by alice
//!   (spam)`, `*** alice set the topic of #rust: Rust, mostly`.
//!
//! Names, rooms and topics come from the network: each is made printable here.

use crate::output::printable;
use crate::push::Push;
use chat::wire::RoomInfo;

/// Our `/join` (or a join again after a reconnect) is done.
pub fn joined_line(room: &str) -> String {
    format!("joined {}", printable(room))
}

/// Our `/part` is done.
pub fn parted_line(room: &str) -> String {
    format!("left {}", printable(room))
}

/// `/rooms`: how many, then one indented line per room.
pub fn rooms_block(rooms: &[RoomInfo]) -> String {
    let mut out = format!("rooms ({}):", rooms.len());
    for room in rooms {
        out.push_str(&format!("\n  {} ({})", printable(&room.room), room.members));
        if let Some(topic) = &room.topic {
            out.push_str(&format!(": {}", printable(topic)));
        }
    }
    out
}

/// `/who #room`: the members, its operator marked, and its topic.
pub fn who_line(
    room: &str,
    operator: Option<&str>,
    topic: Option<&str>,
    names: &[String],
) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|name| match operator {
            Some(op) if op == name => format!("{} (operator)", printable(name)),
            _ => printable(name),
        })
        .collect();
    let mut line = format!("in {} ({})", printable(room), names.len());
    if !names.is_empty() {
        line.push_str(&format!(": {}", names.join(", ")));
    }
    if let Some(topic) = topic {
        line.push_str(&format!("; topic: {}", printable(topic)));
    }
    line
}

/// Our `/topic` is done.
pub fn topic_set_line(room: &str, topic: &str) -> String {
    match topic {
        "" => format!("topic of {} cleared", printable(room)),
        _ => format!("topic of {} set: {}", printable(room), printable(topic)),
    }
}

/// The line for a room's event; `None` for a push that is not one. `me` is our name: a
/// kick naming it reads `*** you were kicked from …`.
pub fn room_push_line(push: &Push, me: &str) -> Option<String> {
    let line = match push {
        Push::RoomJoined { room, name } => {
            format!("*** {} joined {}", printable(name), printable(room))
        }
        Push::RoomLeft { room, name, reason } => {
            let why = match reason.as_deref() {
                None | Some("part") => String::new(),
                Some(other) => format!(" ({})", printable(other)),
            };
            format!("*** {} left {}{why}", printable(name), printable(room))
        }
        Push::RoomKicked {
            room,
            name,
            by,
            reason,
        } => {
            let who = if name == me {
                "you were".to_string()
            } else {
                format!("{} was", printable(name))
            };
            let by = by
                .as_deref()
                .map_or(String::new(), |by| format!(" by {}", printable(by)));
            let why = reason
                .as_deref()
                .map_or(String::new(), |r| format!(" ({})", printable(r)));
            format!("*** {who} kicked from {}{by}{why}", printable(room))
        }
        Push::Topic {
            room,
            by,
            topic: Some(topic),
        } => format!(
            "*** {} set the topic of {}: {}",
            printable(by),
            printable(room),
            printable(topic)
        ),
        Push::Topic {
            room,
            by,
            topic: None,
        } => format!(
            "*** {} cleared the topic of {}",
            printable(by),
            printable(room)
        ),
        Push::Joined(_) | Push::Left { .. } | Push::Kicked { .. } | Push::Bye => return None,
    };
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> String {
        text.to_string()
    }

    #[test]
    fn the_answers_in_words() {
        assert_eq!(joined_line("#rust"), "joined #rust");
        assert_eq!(parted_line("#rust"), "left #rust");
        let rooms = [
            RoomInfo {
                room: s("#lobby"),
                members: 12,
                topic: None,
            },
            RoomInfo {
                room: s("#rust"),
                members: 3,
                topic: Some(s("Rust, mostly")),
            },
        ];
        assert_eq!(
            rooms_block(&rooms),
            "rooms (2):\n  #lobby (12)\n  #rust (3): Rust, mostly"
        );
        assert_eq!(rooms_block(&[]), "rooms (0):");
        let names = [s("alice"), s("bob")];
        assert_eq!(
            who_line("#rust", Some("alice"), Some("Rust, mostly"), &names),
            "in #rust (2): alice (operator), bob; topic: Rust, mostly"
        );
        assert_eq!(who_line("#empty", None, None, &[]), "in #empty (0)");
        assert_eq!(topic_set_line("#rust", "hi"), "topic of #rust set: hi");
        assert_eq!(topic_set_line("#rust", ""), "topic of #rust cleared");
    }

    #[test]
    fn a_rooms_events_in_words() {
        let line = |push: Push| room_push_line(&push, "me");
        let (room, bob) = (s("#rust"), s("bob"));
        assert_eq!(
            line(Push::RoomJoined {
                room: room.clone(),
                name: bob.clone()
            }),
            Some(s("*** bob joined #rust"))
        );
        let left = |reason: Option<&str>| {
            line(Push::RoomLeft {
                room: room.clone(),
                name: bob.clone(),
                reason: reason.map(s),
            })
        };
        assert_eq!(left(Some("part")), Some(s("*** bob left #rust")));
        assert_eq!(left(None), Some(s("*** bob left #rust")));
        assert_eq!(left(Some("kicked")), Some(s("*** bob left #rust (kicked)")));
        let kick = |name: &str, by: Option<&str>, reason: Option<&str>| {
            line(Push::RoomKicked {
                room: room.clone(),
                name: s(name),
                by: by.map(s),
                reason: reason.map(s),
            })
        };
        assert_eq!(
            kick("bob", Some("alice"), Some("spam")),
            Some(s("*** bob was kicked from #rust by alice (spam)"))
        );
        assert_eq!(
            kick("me", None, None),
            Some(s("*** you were kicked from #rust"))
        );
        let topic = |topic: Option<&str>| {
            line(Push::Topic {
                room: room.clone(),
                by: s("alice"),
                topic: topic.map(s),
            })
        };
        assert_eq!(
            topic(Some("Rust\u{1b}[2J")),
            Some(s("*** alice set the topic of #rust: Rust\u{fffd}[2J"))
        );
        assert_eq!(topic(None), Some(s("*** alice cleared the topic of #rust")));
        assert_eq!(line(Push::Joined(bob)), None);
    }
}
