//! The defects of Part 8 (rooms), both ways: [`up`] judges the client's messages, [`down`]
//! the server's. What they need to know across connections (who is in which room, who asked
//! for `rooms`, each connection's last room command) is a [`Log`] in the proxy's shared state,
//! learned from the traffic as everything else the proxy knows.

use super::defect::Defect;
use super::downstream::Down;
use super::state::{Link, Shared};
use super::upstream::{bytes, error, Up};
use chat::wire::ext::{self, Ext, ExtMsg};
use chat::wire::{is_valid_room, Command, ErrorCode, Message};
use std::collections::{HashMap, HashSet};

/// The longest topic, in bytes (PROTOCOL.md Part 8).
const MAX_TOPIC: usize = 300;
/// The lobby's name.
const LOBBY: &str = "#lobby";

/// What the Part 8 defects remember across connections.
#[derive(Default)]
pub struct Log {
    /// (link, room): the link's user was answered `JOINED` and has not parted since.
    joined: HashSet<(u64, String)>,
    /// (name, room): the same, by name, for what outlives the link.
    members: HashSet<(String, String)>,
    /// Names whose `REGISTER` asked for `rooms`.
    with_rooms: HashSet<String>,
    /// Links whose `REGISTER` the proxy asked `rooms` for ([`Defect::RoomsForAll`]).
    hidden: HashSet<u64>,
    /// Each link's last `Extensions:` asked for ([`Defect::GrantEchoesAsked`]).
    asked: HashMap<u64, String>,
    /// The room of each link's `SEND` awaiting its reply, when it went to a room.
    room_sends: HashMap<u64, String>,
    /// Each link's last `TOPIC`: room and topic.
    topics: HashMap<u64, (String, String)>,
}

impl Defect {
    /// Whether this is one of the defects of Part 8 ([`up`] and [`down`]).
    pub fn is_rooms(self) -> bool {
        use Defect::*;
        matches!(
            self,
            WithoutRooms
                | GrantEchoesAsked
                | RejoinUnanswered
                | FoldRoomCase
                | JoinEventWithoutRoom
                | PartEventDropped
                | KickedNotTold
                | RoomsKeepLeavers
                | RoomsForAll
                | RoomForwardWithoutRoom
                | RoomToNonMembers
                | NotMemberSends
                | LobbyIsNoRoom
                | RoomListReversed
                | WhoUnsorted
                | TopicEventToSetter
                | NotOperatorIsNotInRoom
                | TruncatesTopics
                | NoSuchRoomIsNotInRoom
                | LenientRoomNames
                | LobbyParts
        )
    }
}

fn encoded(msg: ExtMsg) -> Vec<u8> {
    msg.to_message().to_bytes()
}

/// `msg` with its `Extensions:` header set to `value` (none when `None`).
fn with_extensions(msg: &Message, value: Option<&str>) -> Vec<u8> {
    let mut out = msg.clone();
    out.headers
        .retain(|(name, _)| !name.eq_ignore_ascii_case(ext::HEADER));
    match value {
        Some(value) => out.with_header(ext::HEADER, value).to_bytes(),
        None => out.to_bytes(),
    }
}

/// What the defect does with `msg` from `link`'s client.
pub fn up(link: &Link, shared: &Shared, msg: &Message) -> Up {
    use Defect::{
        FoldRoomCase, LenientRoomNames, LobbyIsNoRoom, RejoinUnanswered, RoomsForAll,
        TruncatesTopics, WithoutRooms,
    };
    let defect = shared.defect;
    let mut log = shared.rooms.lock();
    if let Command::Register { name, .. } = &msg.command {
        let asked = ext::asked(msg);
        if asked.is_some_and(|e| e.has(Ext::ROOMS)) {
            log.with_rooms.insert(name.clone());
        }
        if let Some(value) = msg.header(ext::HEADER) {
            log.asked.insert(link.id, value.to_string());
        }
        return match (defect, asked) {
            (WithoutRooms, Some(asked)) => {
                let kept = Ext::from_bits(asked.bits() & !Ext::ROOMS.bits());
                let value = Some(kept.to_header()).filter(|v| !v.is_empty());
                Up::Rewrite(with_extensions(msg, value.as_deref()))
            }
            (RoomsForAll, None) => {
                log.hidden.insert(link.id);
                Up::Rewrite(with_extensions(msg, Some("rooms")))
            }
            _ => Up::Pass,
        };
    }
    if let Command::Send { to } = &msg.command {
        if to.starts_with('#') {
            log.room_sends.insert(link.id, to.clone());
        }
        return match defect {
            LobbyIsNoRoom if to == LOBBY => Up::Answer(error(ErrorCode::NoSuchRoom)),
            FoldRoomCase if to.starts_with('#') => {
                let lower = Command::Send {
                    to: to.to_ascii_lowercase(),
                };
                Up::Rewrite(
                    Message {
                        command: lower,
                        ..msg.clone()
                    }
                    .to_bytes(),
                )
            }
            _ => Up::Pass,
        };
    }
    let Some(ext) = ExtMsg::from_message(msg) else {
        return Up::Pass;
    };
    if let ExtMsg::SetTopic { room, topic } = &ext {
        log.topics.insert(link.id, (room.clone(), topic.clone()));
    }
    match (defect, ext) {
        (RejoinUnanswered, ExtMsg::RoomJoin { room })
            if log.joined.contains(&(link.id, room.clone())) =>
        {
            Up::Drop
        }
        (FoldRoomCase, ext) => match lowered(ext) {
            Some(lower) => Up::Rewrite(encoded(lower)),
            None => Up::Pass,
        },
        (TruncatesTopics, ExtMsg::SetTopic { room, topic }) if topic.len() > MAX_TOPIC => {
            let mut cut = MAX_TOPIC;
            while !topic.is_char_boundary(cut) {
                cut -= 1;
            }
            let topic = topic[..cut].to_string();
            Up::Rewrite(encoded(ExtMsg::SetTopic { room, topic }))
        }
        (LenientRoomNames, ExtMsg::RoomJoin { room }) => match mended(&room) {
            Some(room) => Up::Rewrite(encoded(ExtMsg::RoomJoin { room })),
            None => Up::Pass,
        },
        _ => Up::Pass,
    }
}

/// A malformed room name mended the way a lenient server would (`rust` is `#rust`, `#a.b`
/// is `#ab`), when it is malformed and that makes a name of it.
pub fn mended(room: &str) -> Option<String> {
    if is_valid_room(room) {
        return None;
    }
    let kept: String = room
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(32)
        .collect();
    Some(format!("#{kept}")).filter(|r| is_valid_room(r))
}

/// A room command with its room in lower case; `None` when it has none or it is already.
fn lowered(ext: ExtMsg) -> Option<ExtMsg> {
    let lower = |room: &str| Some(room.to_ascii_lowercase()).filter(|l| l != room);
    Some(match ext {
        ExtMsg::RoomJoin { room } => ExtMsg::RoomJoin {
            room: lower(&room)?,
        },
        ExtMsg::Part { room } => ExtMsg::Part {
            room: lower(&room)?,
        },
        ExtMsg::WhoRequest { room } => ExtMsg::WhoRequest {
            room: lower(&room)?,
        },
        ExtMsg::SetTopic { room, topic } => ExtMsg::SetTopic {
            room: lower(&room)?,
            topic,
        },
        ExtMsg::RoomKick { name, room, reason } => ExtMsg::RoomKick {
            name,
            room: lower(&room)?,
            reason,
        },
        _ => return None,
    })
}

/// What the defect does with `msg` from the server to `link`'s client.
pub fn down(link: &Link, shared: &Shared, msg: &Message) -> Down {
    use Defect::{
        GrantEchoesAsked, JoinEventWithoutRoom, KickedNotTold, LobbyParts, NoSuchRoomIsNotInRoom,
        NotMemberSends, NotOperatorIsNotInRoom, PartEventDropped, RoomForwardWithoutRoom,
        RoomListReversed, RoomToNonMembers, RoomsForAll, RoomsKeepLeavers, TopicEventToSetter,
        WhoUnsorted,
    };
    let ext = ExtMsg::from_message(msg);
    learn(link, shared, ext.as_ref());
    let code = match &msg.command {
        Command::Error { code, .. } => *code,
        _ => 0,
    };
    // Each command is answered once, in order: this reply is the one to a pending SEND.
    let room_send = shared.rooms.lock().room_sends.remove(&link.id);
    match (shared.defect, &msg.command, ext) {
        (GrantEchoesAsked, Command::Registered { .. }, _) => {
            match shared.rooms.lock().asked.get(&link.id) {
                Some(asked) => Down::Replace(with_extensions(msg, Some(asked))),
                None => Down::Pass,
            }
        }
        (RoomsForAll, Command::Registered { .. }, _)
            if shared.rooms.lock().hidden.contains(&link.id) =>
        {
            Down::Replace(with_extensions(msg, None))
        }
        (RoomForwardWithoutRoom, Command::Forward { .. }, _) if msg.header("Room").is_some() => {
            let mut plain = msg.clone();
            plain
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("Room"));
            Down::Replace(plain.to_bytes())
        }
        (RoomToNonMembers, Command::Forward { from }, _) => {
            if let Some(room) = msg.header("Room") {
                copy_to_non_members(link, shared, from, room.trim(), &msg.to_bytes());
            }
            Down::Pass
        }
        (NotMemberSends, _, _) if code == 113 => match room_send {
            Some(to) => Down::Replace(bytes(Command::Sent { to })),
            None => Down::Pass,
        },
        (NotOperatorIsNotInRoom, _, _) if code == 114 => Down::Replace(error(ErrorCode::NotInRoom)),
        (NoSuchRoomIsNotInRoom, _, _) if code == 112 => Down::Replace(error(ErrorCode::NotInRoom)),
        (LobbyParts, _, _) if code == 120 => Down::Replace(encoded(ExtMsg::Parted {
            room: LOBBY.to_string(),
        })),
        (
            JoinEventWithoutRoom,
            _,
            Some(ExtMsg::Join {
                name,
                room: Some(_),
            }),
        ) => Down::Replace(encoded(ExtMsg::Join { name, room: None })),
        (
            PartEventDropped,
            _,
            Some(ExtMsg::Leave {
                room: Some(_),
                reason,
                ..
            }),
        ) if reason.as_deref() == Some("part") => Down::Drop,
        (
            KickedNotTold,
            _,
            Some(ExtMsg::Kick {
                name,
                room: Some(_),
                ..
            }),
        ) if link.name().as_deref() == Some(name.as_str()) => Down::Drop,
        (
            RoomsKeepLeavers | WhoUnsorted,
            _,
            Some(ExtMsg::Who {
                room,
                operator,
                topic,
                names,
            }),
        ) => Down::Replace(encoded(ExtMsg::Who {
            names: listed(shared, &room, names),
            room,
            operator,
            topic,
        })),
        (RoomListReversed, _, Some(ExtMsg::Rooms { mut rooms })) => {
            rooms.reverse();
            Down::Replace(encoded(ExtMsg::Rooms { rooms }))
        }
        (TopicEventToSetter, _, Some(ExtMsg::TopicSet { room })) => {
            tell_setter(link, shared, &room);
            Down::Pass
        }
        _ => Down::Pass,
    }
}

/// The members a `WHO` of `room` lists under the defect: the leavers kept
/// ([`Defect::RoomsKeepLeavers`]), or newest first ([`Defect::WhoUnsorted`]).
fn listed(shared: &Shared, room: &str, mut names: Vec<String>) -> Vec<String> {
    if shared.defect == Defect::WhoUnsorted {
        names.reverse();
        return names;
    }
    let gone = shared.names.lock().retired.clone();
    let log = shared.rooms.lock();
    for name in gone {
        if log.members.contains(&(name.clone(), room.to_string())) && !names.contains(&name) {
            names.push(name);
        }
    }
    names.sort();
    names
}

/// Who is in which room, from the replies to a user's own room commands.
fn learn(link: &Link, shared: &Shared, ext: Option<&ExtMsg>) {
    let name = link.name().unwrap_or_default();
    let mut log = shared.rooms.lock();
    match ext {
        Some(ExtMsg::Joined { room }) => {
            log.joined.insert((link.id, room.clone()));
            log.members.insert((name, room.clone()));
        }
        Some(ExtMsg::Parted { room }) => {
            log.joined.remove(&(link.id, room.clone()));
            log.members.remove(&(name, room.clone()));
        }
        Some(ExtMsg::Kick {
            name: kicked,
            room: Some(room),
            ..
        }) => {
            log.members.remove(&(kicked.clone(), room.clone()));
        }
        _ => {}
    }
}

/// [`Defect::RoomToNonMembers`]: the forward `bytes` of `from`'s message to `room` also goes
/// to every TORECV of a user with `rooms` that is not in the room (nor its sender, nor this).
fn copy_to_non_members(link: &Link, shared: &Shared, from: &str, room: &str, bytes: &[u8]) {
    let me = link.name().unwrap_or_default();
    let targets: Vec<u64> = {
        let log = shared.rooms.lock();
        let names = shared.names.lock();
        names
            .online
            .iter()
            .filter(|(name, _)| **name != me && name.as_str() != from)
            .filter(|(name, _)| log.with_rooms.contains(*name))
            .filter(|(name, _)| !log.members.contains(&(name.to_string(), room.to_string())))
            .filter_map(|(_, sides)| sides.torecv)
            .collect()
    };
    for id in targets {
        if let Some(other) = shared.link(id) {
            other.to_client(bytes);
        }
    }
}

/// [`Defect::TopicEventToSetter`]: the setter's own TORECV gets the `EVENT TOPIC` too.
fn tell_setter(link: &Link, shared: &Shared, room: &str) {
    let Some(name) = link.name() else { return };
    let Some((_, topic)) = shared.rooms.lock().topics.remove(&link.id) else {
        return;
    };
    let torecv = shared.names.lock().online.get(&name).and_then(|s| s.torecv);
    if let Some(own) = torecv.and_then(|id| shared.link(id)) {
        let event = ExtMsg::TopicChanged {
            room: room.to_string(),
            by: name,
            topic: Some(topic).filter(|t| !t.is_empty()),
        };
        own.to_client(&encoded(event));
    }
}
