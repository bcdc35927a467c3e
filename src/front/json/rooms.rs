//! The `rooms` extension on a JSON connection (docs/PROTOCOL.md Part 8): `join`, `part`,
//! `rooms`, `who`, `topic` and `kick` become the chat's room verbs, each answered by its
//! packet or an `error`; and the one place a refused room verb becomes its error code.

use crate::core::{Chat, PartReason, RoomError, User};
use crate::wire::json::ext::Code;
use crate::wire::json::Packet;
use log::info;
use std::sync::Arc;

/// The error packet's code and words for a refused room verb on `room`.
pub(super) fn error(room: &str, e: RoomError) -> (Code, String) {
    let code = match e {
        RoomError::NoSuchRoom => Code::NoSuchRoom,
        RoomError::NotInRoom => Code::NotInRoom,
        RoomError::NotOperator => Code::NotOperator,
        RoomError::TooManyRooms => Code::TooManyRooms,
        RoomError::RoomFull => Code::RoomFull,
        RoomError::BadName => Code::BadRoom,
        RoomError::TopicTooLong => Code::TopicTooLong,
        RoomError::RoomLimit => Code::RoomLimit,
        RoomError::Lobby => Code::Lobby,
    };
    let words = match e {
        RoomError::NoSuchRoom => format!("there is no room {room}"),
        RoomError::NotInRoom => format!("not in {room}"),
        RoomError::NotOperator => format!("only the operator of {room} may do that"),
        RoomError::BadName => {
            format!("{room} is not a room name: # and 1 to 32 letters, digits, - or _")
        }
        e => e.to_string(),
    };
    (code, words)
}

/// What answers a packet: packets, in order, or an error.
pub(super) type Answer = Result<Vec<Packet>, (Code, String)>;

/// The answer to a room packet from `user`, or the packet back when it is not one.
pub(super) fn handle(chat: &Chat, user: &Arc<User>, packet: Packet) -> Result<Answer, Packet> {
    let me = || Some(user.name().to_string());
    let answer = |room: &str, r: Result<Packet, RoomError>| match r {
        Ok(packet) => Ok(vec![packet]),
        Err(e) => Err(error(room, e)),
    };
    Ok(match packet {
        // What only a server sends (a nick, a `by`) is ignored in what a client sends.
        Packet::Join {
            room: Some(room), ..
        } => answer(
            &room.clone(),
            chat.join_room(user, &room).map(|()| {
                info!("{} joined {room}", user.name());
                Packet::Join {
                    nick: me(),
                    room: Some(room),
                }
            }),
        ),
        Packet::Part { room } => answer(
            &room.clone(),
            chat.part_room(user, &room).map(|()| {
                info!("{} left {room}", user.name());
                Packet::Leave {
                    nick: user.name().to_string(),
                    room: Some(room),
                    reason: Some(PartReason::Part.as_str().to_string()),
                }
            }),
        ),
        Packet::Rooms { .. } => Ok(vec![Packet::Rooms {
            rooms: Some(super::super::room_list(chat)),
        }]),
        Packet::Who { room, .. } => answer(
            &room.clone(),
            chat.who(&room).map(|who| Packet::Who {
                room: who.name,
                operator: who.operator,
                topic: Some(who.topic).filter(|t| !t.is_empty()),
                nicks: Some(who.members),
            }),
        ),
        Packet::Topic { room, topic, .. } => answer(
            &room.clone(),
            chat.set_topic(Some(user), &room, &topic)
                .map(|topic| Packet::Topic {
                    room,
                    nick: me(),
                    topic,
                }),
        ),
        Packet::Kick {
            nick,
            room: Some(room),
            reason,
            ..
        } => match chat.kick_from_room(Some(user), &nick, &room, reason.as_deref().unwrap_or("")) {
            Ok(()) => {
                info!("{} kicked {nick} from {room}", user.name());
                // The kicker hears the kick and the leave it made, in that order.
                let leave = Packet::Leave {
                    nick: nick.clone(),
                    room: Some(room.clone()),
                    reason: Some(PartReason::Kicked.as_str().to_string()),
                };
                let kick = Packet::Kick {
                    nick,
                    room: Some(room),
                    by: me(),
                    reason: reason.filter(|r| !r.is_empty()),
                };
                Ok(vec![kick, leave])
            }
            Err(e) => Err(error(&room, e)),
        },
        other => return Err(other),
    })
}
