//! The messages the extensions add, either direction ([`ExtMsg`]); the rooms' own (Part 8)
//! are read and built in `room_msg`.

use super::room_msg;
use super::Entry;
use crate::wire::{Command, Message, RoomInfo};

/// A message of an extension, either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtMsg {
    /// `EVENT JOIN <name>`, with `Room:` when it is a room's join (Part 8).
    Join {
        name: String,
        room: Option<String>,
    },
    /// `EVENT LEAVE <name>` with `Room:` (a room's part or kick) and `Reason: <reason>`.
    Leave {
        name: String,
        room: Option<String>,
        reason: Option<String>,
    },
    /// `EVENT KICK <name>` with `Room:` and `By:` (a room's kick) and `Reason: <text>`.
    Kick {
        name: String,
        room: Option<String>,
        by: Option<String>,
        reason: Option<String>,
    },
    /// `USERS`: who is online?
    UsersRequest,
    /// `USERS <count>` with the names, one per line, as the body.
    Users {
        names: Vec<String>,
    },
    Ping {
        token: String,
    },
    Pong {
        token: String,
    },
    Quit,
    Bye,
    /// `PASSWORD` with the new password as the body (empty: drop the claim).
    Password {
        password: String,
    },
    /// `PASSWORD SET`: the name is claimed with the new password.
    PasswordSet,
    /// `PASSWORD DROPPED`: the name is anyone's again.
    PasswordDropped,
    /// `STORED <to>` with `Id:`: kept for an offline recipient.
    Stored {
        to: String,
        id: u64,
    },
    /// `EVENT DELIVERED <to>` with `Id:`: a kept message reached its recipient.
    Delivered {
        to: String,
        id: u64,
    },
    /// `HISTORY` with `Room:` (one room's page), `Before:` or `After:` and `Limit:`.
    HistoryRequest {
        room: Option<String>,
        before: Option<u64>,
        after: Option<u64>,
        limit: Option<usize>,
    },
    /// `HISTORY <count>` with `Room:` for a room's page and the entries as the body.
    History {
        room: Option<String>,
        entries: Vec<Entry>,
    },
    /// `JOIN <room>`: join it, or create it.
    RoomJoin {
        room: String,
    },
    /// `JOINED <room>`: the user is a member.
    Joined {
        room: String,
    },
    /// `PART <room>`: leave it.
    Part {
        room: String,
    },
    /// `PARTED <room>`.
    Parted {
        room: String,
    },
    /// `ROOMS`: which rooms are there?
    RoomsRequest,
    /// `ROOMS <count>` with one line per room as the body.
    Rooms {
        rooms: Vec<RoomInfo>,
    },
    /// `WHO <room>`: who is in it?
    WhoRequest {
        room: String,
    },
    /// `WHO <room> <count>` with `Operator:`, `Topic:` and the members, one per line.
    Who {
        room: String,
        operator: Option<String>,
        topic: Option<String>,
        names: Vec<String>,
    },
    /// `TOPIC <room>` with `Topic:`; an empty topic (no header) clears it.
    SetTopic {
        room: String,
        topic: String,
    },
    /// `TOPIC SET <room>`.
    TopicSet {
        room: String,
    },
    /// `KICK <name> <room>` with `Reason:`: remove a member from a room.
    RoomKick {
        name: String,
        room: String,
        reason: Option<String>,
    },
    /// `KICKED <name> <room>`.
    Kicked {
        name: String,
        room: String,
    },
    /// `EVENT TOPIC <room>` with `By:` and `Topic:` (none: cleared).
    TopicChanged {
        room: String,
        by: String,
        topic: Option<String>,
    },
}

/// Longest password, in bytes.
pub const MAX_PASSWORD: usize = 1024;
/// Most entries one history page holds.
pub const MAX_HISTORY: usize = 1000;

impl ExtMsg {
    /// The extension message `msg` is, if it is one.
    pub fn from_message(msg: &Message) -> Option<ExtMsg> {
        let Command::Other { verb, args } = &msg.command else {
            return None;
        };
        let token = || args.trim().to_string();
        let id = || msg.header("Id").and_then(|v| v.trim().parse().ok());
        let number = |name| msg.header(name).and_then(|v| v.trim().parse::<u64>().ok());
        let verb = verb.to_ascii_uppercase();
        match verb.as_str() {
            "EVENT" if word(args).eq_ignore_ascii_case("DELIVERED") => Some(ExtMsg::Delivered {
                to: rest(args)?,
                id: id()?,
            }),
            "EVENT" => event(args, msg),
            "USERS" if msg.body.is_none() && args.trim().is_empty() => Some(ExtMsg::UsersRequest),
            "USERS" => Some(ExtMsg::Users { names: lines(msg) }),
            "PING" => Some(ExtMsg::Ping { token: token() }),
            "PONG" => Some(ExtMsg::Pong { token: token() }),
            "QUIT" => Some(ExtMsg::Quit),
            "BYE" => Some(ExtMsg::Bye),
            "PASSWORD" => match (&msg.body, args.trim().to_ascii_uppercase().as_str()) {
                (Some(body), _) => Some(ExtMsg::Password {
                    password: String::from_utf8_lossy(body).trim().to_string(),
                }),
                (None, "SET") => Some(ExtMsg::PasswordSet),
                (None, "DROPPED") => Some(ExtMsg::PasswordDropped),
                _ => None,
            },
            "STORED" => Some(ExtMsg::Stored {
                to: Some(args.trim().to_string()).filter(|to| !to.is_empty())?,
                id: id()?,
            }),
            "HISTORY" if msg.body.is_none() && args.trim().is_empty() => {
                Some(ExtMsg::HistoryRequest {
                    room: text(msg, "Room"),
                    before: number("Before"),
                    after: number("After"),
                    limit: number("Limit").map(|n| n.min(MAX_HISTORY as u64) as usize),
                })
            }
            "HISTORY" => Some(ExtMsg::History {
                room: text(msg, "Room"),
                entries: Entry::parse_all(msg.body.as_deref().unwrap_or_default())?,
            }),
            _ => room_msg::decode(&verb, args, msg),
        }
    }

    /// The message to write.
    pub fn to_message(&self) -> Message {
        let other = |verb: &str, args: &str| Message::new(Command::other(verb, args));
        match self {
            ExtMsg::Join { name, room } => {
                other("EVENT", &format!("JOIN {name}")).with_opt("Room", room)
            }
            ExtMsg::Leave { name, room, reason } => other("EVENT", &format!("LEAVE {name}"))
                .with_opt("Room", room)
                .with_opt("Reason", reason),
            ExtMsg::Kick {
                name,
                room,
                by,
                reason,
            } => other("EVENT", &format!("KICK {name}"))
                .with_opt("Room", room)
                .with_opt("By", by)
                .with_opt("Reason", reason),
            ExtMsg::UsersRequest => other("USERS", ""),
            ExtMsg::Users { names } => listing(Command::other("USERS", &count(names)), names),
            ExtMsg::Ping { token } => other("PING", token),
            ExtMsg::Pong { token } => other("PONG", token),
            ExtMsg::Quit => other("QUIT", ""),
            ExtMsg::Bye => other("BYE", ""),
            ExtMsg::Password { password } => {
                Message::with_body(Command::other("PASSWORD", ""), password.as_bytes().to_vec())
            }
            ExtMsg::PasswordSet => other("PASSWORD", "SET"),
            ExtMsg::PasswordDropped => other("PASSWORD", "DROPPED"),
            ExtMsg::Stored { to, id } => other("STORED", to).with_header("Id", &id.to_string()),
            ExtMsg::Delivered { to, id } => {
                other("EVENT", &format!("DELIVERED {to}")).with_header("Id", &id.to_string())
            }
            ExtMsg::HistoryRequest {
                room,
                before,
                after,
                limit,
            } => {
                let number = |n: &Option<u64>| n.map(|n| n.to_string());
                other("HISTORY", "")
                    .with_opt("Room", room)
                    .with_opt("Before", &number(before))
                    .with_opt("After", &number(after))
                    .with_opt("Limit", &limit.map(|n| n.to_string()))
            }
            ExtMsg::History { room, entries } => {
                let mut body = Vec::new();
                for entry in entries {
                    entry.encode(&mut body);
                }
                Message::with_body(Command::other("HISTORY", &count(entries)), body)
                    .with_opt("Room", room)
            }
            ExtMsg::RoomJoin { room } => other("JOIN", room),
            ExtMsg::Joined { room } => other("JOINED", room),
            ExtMsg::Part { room } => other("PART", room),
            ExtMsg::Parted { room } => other("PARTED", room),
            ExtMsg::RoomsRequest => other("ROOMS", ""),
            ExtMsg::Rooms { rooms } => room_msg::rooms(rooms),
            ExtMsg::WhoRequest { room } => other("WHO", room),
            ExtMsg::Who {
                room,
                operator,
                topic,
                names,
            } => listing(
                Command::other("WHO", &format!("{room} {}", names.len())),
                names,
            )
            .with_opt("Operator", operator)
            .with_opt("Topic", topic),
            ExtMsg::SetTopic { room, topic } => other("TOPIC", room)
                .with_opt("Topic", &Some(topic.clone()).filter(|t| !t.is_empty())),
            ExtMsg::TopicSet { room } => other("TOPIC", &format!("SET {room}")),
            ExtMsg::RoomKick { name, room, reason } => {
                other("KICK", &format!("{name} {room}")).with_opt("Reason", reason)
            }
            ExtMsg::Kicked { name, room } => other("KICKED", &format!("{name} {room}")),
            ExtMsg::TopicChanged { room, by, topic } => other("EVENT", &format!("TOPIC {room}"))
                .with_header("By", by)
                .with_opt("Topic", topic),
        }
    }

    /// The bytes to write.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_message().to_bytes()
    }
}

impl Message {
    /// With the header `name` when there is a value.
    pub(super) fn with_opt(self, name: &str, value: &Option<String>) -> Message {
        match value {
            Some(v) => self.with_header(name, v),
            None => self,
        }
    }
}

/// A message whose body is `names`, one per line.
fn listing(command: Command, names: &[String]) -> Message {
    let mut body = Vec::new();
    for name in names {
        body.extend_from_slice(name.as_bytes());
        body.push(b'\n');
    }
    Message::with_body(command, body)
}

fn count<T>(items: &[T]) -> String {
    items.len().to_string()
}

/// The non-blank lines of the body, trimmed.
pub(super) fn lines(msg: &Message) -> Vec<String> {
    let body = String::from_utf8_lossy(msg.body.as_deref().unwrap_or_default());
    body.lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

/// The header's value, trimmed, when there is one and it is not blank.
pub(super) fn text(msg: &Message, name: &str) -> Option<String> {
    msg.header(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

/// The first word of `args`.
pub(super) fn word(args: &str) -> &str {
    args.split_whitespace().next().unwrap_or_default()
}

/// What follows the first word of `args`, when there is something.
pub(super) fn rest(args: &str) -> Option<String> {
    let (_, rest) = args.trim().split_once([' ', '\t'])?;
    Some(rest.trim().to_string()).filter(|r| !r.is_empty())
}

/// `EVENT <what> <name>`, with its headers.
fn event(args: &str, msg: &Message) -> Option<ExtMsg> {
    let (what, name) = args.trim().split_once([' ', '\t'])?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let room = text(msg, "Room");
    let reason = text(msg, "Reason");
    match what.to_ascii_uppercase().as_str() {
        "JOIN" => Some(ExtMsg::Join { name, room }),
        "LEAVE" => Some(ExtMsg::Leave { name, room, reason }),
        "KICK" => Some(ExtMsg::Kick {
            name,
            room,
            by: text(msg, "By"),
            reason,
        }),
        "TOPIC" => Some(ExtMsg::TopicChanged {
            room: name,
            by: text(msg, "By")?,
            topic: text(msg, "Topic"),
        }),
        _ => None,
    }
}

#[cfg(test)]
#[path = "msg_tests.rs"]
mod tests;
