//! The `rooms` extension on a TOSEND socket (docs/PROTOCOL.md Part 8): `JOIN`, `PART`,
//! `ROOMS`, `WHO`, `TOPIC` and `KICK` become the chat's room verbs, each answered once; and
//! the one place a refused room verb becomes its `ERROR` code.

use crate::core::{Chat, RoomError, User};
use crate::wire::ext::ExtMsg;
use crate::wire::{ErrorCode, Message};
use log::info;
use std::sync::Arc;

/// The code of a refused room verb.
pub(crate) fn code(e: RoomError) -> ErrorCode {
    match e {
        RoomError::NoSuchRoom => ErrorCode::NoSuchRoom,
        RoomError::NotInRoom => ErrorCode::NotInRoom,
        RoomError::NotOperator => ErrorCode::NotRoomOperator,
        RoomError::TooManyRooms => ErrorCode::TooManyRooms,
        RoomError::RoomFull => ErrorCode::RoomFull,
        RoomError::BadName => ErrorCode::MalformedRoomName,
        RoomError::TopicTooLong => ErrorCode::TopicTooLong,
        RoomError::RoomLimit => ErrorCode::RoomLimitReached,
        RoomError::Lobby => ErrorCode::CannotLeaveLobby,
    }
}

/// The answer to a room command from `user`, or `msg` back when it is not one.
pub(super) fn command(chat: &Chat, user: &Arc<User>, msg: ExtMsg) -> Result<Message, ExtMsg> {
    let done = |r: Result<ExtMsg, RoomError>| match r {
        Ok(reply) => reply.to_message(),
        Err(e) => Message::error(code(e)),
    };
    Ok(match msg {
        ExtMsg::RoomJoin { room } => done(chat.join_room(user, &room).map(|()| {
            info!("{} joined {room}", user.name());
            ExtMsg::Joined { room }
        })),
        ExtMsg::Part { room } => done(chat.part_room(user, &room).map(|()| {
            info!("{} left {room}", user.name());
            ExtMsg::Parted { room }
        })),
        ExtMsg::RoomsRequest => ExtMsg::Rooms {
            rooms: super::super::room_list(chat),
        }
        .to_message(),
        ExtMsg::WhoRequest { room } => done(chat.who(&room).map(|who| ExtMsg::Who {
            room: who.name,
            operator: who.operator,
            topic: Some(who.topic).filter(|t| !t.is_empty()),
            names: who.members,
        })),
        ExtMsg::SetTopic { room, topic } => done(
            chat.set_topic(Some(user), &room, &topic)
                .map(|_| ExtMsg::TopicSet { room }),
        ),
        ExtMsg::RoomKick { name, room, reason } => {
            let reason = reason.unwrap_or_default();
            done(
                chat.kick_from_room(Some(user), &name, &room, &reason)
                    .map(|()| {
                        info!("{} kicked {name} from {room}", user.name());
                        ExtMsg::Kicked { name, room }
                    }),
            )
        }
        other => return Err(other),
    })
}
