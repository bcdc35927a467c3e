//! Reading the rooms' own commands and replies (Part 8: `JOIN`, `JOINED`, `PART`, `PARTED`,
//! `ROOMS`, `WHO`, `TOPIC`, `KICK`, `KICKED`), and writing the room list. A room name is
//! taken as the rest of the line, so extra words make it malformed rather than dropped.

use super::msg::{lines, rest, text, word};
use super::ExtMsg;
use crate::wire::{Command, Message, RoomInfo};

/// The room message with this (upper-case) verb, if it is one.
pub(super) fn decode(verb: &str, args: &str, msg: &Message) -> Option<ExtMsg> {
    let room = || Some(args.trim().to_string()).filter(|r| !r.is_empty());
    let bare = msg.body.is_none();
    match verb {
        "JOIN" => Some(ExtMsg::RoomJoin { room: room()? }),
        "JOINED" => Some(ExtMsg::Joined { room: room()? }),
        "PART" => Some(ExtMsg::Part { room: room()? }),
        "PARTED" => Some(ExtMsg::Parted { room: room()? }),
        "ROOMS" if bare && args.trim().is_empty() => Some(ExtMsg::RoomsRequest),
        "ROOMS" => Some(ExtMsg::Rooms {
            rooms: lines(msg)
                .iter()
                .map(|line| RoomInfo::from_line(line))
                .collect::<Option<_>>()?,
        }),
        "WHO" if bare => Some(ExtMsg::WhoRequest { room: room()? }),
        "WHO" => Some(ExtMsg::Who {
            room: Some(word(args).to_string()).filter(|r| !r.is_empty())?,
            operator: text(msg, "Operator"),
            topic: text(msg, "Topic"),
            names: lines(msg),
        }),
        "TOPIC" if word(args).eq_ignore_ascii_case("SET") => {
            Some(ExtMsg::TopicSet { room: rest(args)? })
        }
        "TOPIC" => Some(ExtMsg::SetTopic {
            room: room()?,
            topic: text(msg, "Topic").unwrap_or_default(),
        }),
        "KICK" => Some(ExtMsg::RoomKick {
            name: word(args).to_string(),
            room: rest(args)?,
            reason: text(msg, "Reason"),
        }),
        "KICKED" => Some(ExtMsg::Kicked {
            name: word(args).to_string(),
            room: rest(args)?,
        }),
        _ => None,
    }
}

/// `ROOMS <count>` with one line per room.
pub(super) fn rooms(rooms: &[RoomInfo]) -> Message {
    let body: String = rooms.iter().map(RoomInfo::to_line).collect();
    Message::with_body(
        Command::other("ROOMS", &rooms.len().to_string()),
        body.into_bytes(),
    )
}
