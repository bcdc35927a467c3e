//! What the nodes of a cluster say to each other over NATS, and the subjects they say it on.
//! Every payload is one NATS message (NATS frames them), so this codec is whole-message:
//! JSON, but for a message's body, which follows its JSON header after a newline as raw
//! bytes (bodies are opaque bytes, not text). Everything decoded is checked as a front end
//! checks a peer's input: names, rooms, sizes.
//!
//! Subjects (`P` is the cluster's prefix, `chat` by default):
//! - `P.alive`: each node's heartbeat, every second ([`Alive`]).
//! - `P.events`: joins, leaves, kicks and room events of each node's users ([`Said`]).
//! - `P.node.N.send`: request: a message for node `N`'s users ([`Forward`] + body); reply
//!   [`Answer`] once they all acknowledged, or not.
//! - `P.node.N.roster`: request: who is on node `N` ([`Roster`]).
//! - `P.node.N.kick`: request: kick a user of node `N` ([`KickAsk`]); reply [`Answer`].
//! - the key-value bucket `P-names`: who holds each name (value: [`Owner`]).

use crate::core::{is_valid_name, is_valid_room, Audience, Delivery, Event, Kind};
use crate::core::{LeaveReason, PartReason};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Why a payload from another node was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("malformed payload: {0}")]
    Malformed(String),
    #[error("bad name or room in payload")]
    BadName,
    #[error("payload has no header line")]
    NoHeader,
}

/// Whether `name` can be a node's name: it is a token of NATS subjects.
pub fn is_valid_node(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A node's heartbeat.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Alive {
    pub node: String,
    /// This run of the node (a node restarted under the same name is another incarnation).
    pub inc: u64,
    /// The number of the last event it published.
    pub seq: u64,
}

/// An event of a node's users, numbered in the order the node published them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Said {
    pub node: String,
    pub inc: u64,
    pub seq: u64,
    pub event: WireEvent,
}

/// [`Event`] as it crosses between nodes.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum WireEvent {
    Join {
        name: String,
    },
    Leave {
        name: String,
        reason: String,
    },
    Kick {
        name: String,
        reason: String,
    },
    RoomJoin {
        room: String,
        name: String,
    },
    RoomLeave {
        room: String,
        name: String,
        kicked: bool,
    },
    RoomKick {
        room: String,
        name: String,
        by: String,
        reason: String,
    },
    Topic {
        room: String,
        by: String,
        topic: String,
    },
}

impl WireEvent {
    /// The event to send; `None` for what never crosses (a stored message delivered).
    pub fn from_event(event: &Event) -> Option<WireEvent> {
        Some(match event.clone() {
            Event::Join(name) => WireEvent::Join { name },
            Event::Leave(name, reason) => WireEvent::Leave {
                name,
                reason: reason.as_str().to_string(),
            },
            Event::Kick(name, reason) => WireEvent::Kick { name, reason },
            Event::RoomJoin { room, name } => WireEvent::RoomJoin { room, name },
            Event::RoomLeave { room, name, reason } => WireEvent::RoomLeave {
                room,
                name,
                kicked: reason == PartReason::Kicked,
            },
            Event::RoomKick {
                room,
                name,
                by,
                reason,
            } => WireEvent::RoomKick {
                room,
                name,
                by,
                reason,
            },
            Event::Topic { room, by, topic } => WireEvent::Topic { room, by, topic },
            Event::Delivered { .. } => return None,
        })
    }

    /// The event, checked: its user's name and its room must be valid.
    pub fn to_event(&self) -> Result<Event, WireError> {
        let (name, room) = match self {
            WireEvent::Join { name }
            | WireEvent::Leave { name, .. }
            | WireEvent::Kick { name, .. } => (name, None),
            WireEvent::RoomJoin { room, name }
            | WireEvent::RoomLeave { room, name, .. }
            | WireEvent::RoomKick { room, name, .. }
            | WireEvent::Topic { room, by: name, .. } => (name, Some(room)),
        };
        let server_topic = matches!(self, WireEvent::Topic { .. }) && !name.is_empty();
        if !(is_valid_name(name) || server_topic) || room.is_some_and(|r| !is_valid_room(r)) {
            return Err(WireError::BadName);
        }
        Ok(match self.clone() {
            WireEvent::Join { name } => Event::Join(name),
            WireEvent::Leave { name, reason } => Event::Leave(name, leave_reason(&reason)),
            WireEvent::Kick { name, reason } => Event::Kick(name, reason),
            WireEvent::RoomJoin { room, name } => Event::RoomJoin { room, name },
            WireEvent::RoomLeave { room, name, kicked } => Event::RoomLeave {
                room,
                name,
                reason: if kicked {
                    PartReason::Kicked
                } else {
                    PartReason::Part
                },
            },
            WireEvent::RoomKick {
                room,
                name,
                by,
                reason,
            } => Event::RoomKick {
                room,
                name,
                by,
                reason,
            },
            WireEvent::Topic { room, by, topic } => Event::Topic { room, by, topic },
        })
    }
}

fn leave_reason(word: &str) -> LeaveReason {
    match word {
        "quit" => LeaveReason::Quit,
        "timeout" => LeaveReason::Timeout,
        "kicked" => LeaveReason::Kicked,
        _ => LeaveReason::Disconnected,
    }
}

/// Who is on a node, as of its event `seq`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct Roster {
    pub inc: u64,
    pub seq: u64,
    /// Each user and the rooms it is in.
    pub users: Vec<(String, Vec<String>)>,
}

/// A request to kick a node's user.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct KickAsk {
    pub name: String,
    pub reason: String,
}

/// The answer to a forwarded message or a kick.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Answer {
    Ok,
    /// The user asked for is not on the node.
    NoSuchUser,
    /// Not every recipient acknowledged.
    NotDelivered,
}

/// Who holds a name: the value under the name in the names bucket.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Owner {
    pub node: String,
    pub inc: u64,
}

/// The header of a forwarded message; its body follows.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Forward {
    pub id: u64,
    pub from: String,
    pub kind: WireKind,
    pub emote: bool,
    /// Milliseconds since the Unix epoch when the sender's node accepted it.
    pub time_ms: u64,
    pub stored: bool,
    pub room: Option<String>,
    pub to: WireAudience,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WireKind {
    Direct,
    All,
    Server,
    Room,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum WireAudience {
    User(String),
    All { except: String },
    Room { room: String, except: String },
}

/// A message for `audience`, as a payload.
pub fn encode_forward(audience: &Audience, d: &Delivery) -> Vec<u8> {
    let header = Forward {
        id: d.id,
        from: d.from.clone(),
        kind: match d.kind {
            Kind::Direct => WireKind::Direct,
            Kind::All => WireKind::All,
            Kind::Server => WireKind::Server,
            Kind::Room => WireKind::Room,
        },
        emote: d.emote,
        time_ms: d
            .time
            .duration_since(UNIX_EPOCH)
            .map_or(0, |t| t.as_millis() as u64),
        stored: d.stored,
        room: d.room.clone(),
        to: match audience.clone() {
            Audience::User(name) => WireAudience::User(name),
            Audience::All { except } => WireAudience::All { except },
            Audience::Room { room, except } => WireAudience::Room { room, except },
        },
    };
    let mut out = serde_json::to_vec(&header).unwrap_or_default();
    out.push(b'\n');
    out.extend_from_slice(&d.body);
    out
}

/// A forwarded message, checked: its audience and the message as the chat takes it.
pub fn decode_forward(payload: &[u8]) -> Result<(Audience, Delivery), WireError> {
    let split = payload
        .iter()
        .position(|&b| b == b'\n')
        .ok_or(WireError::NoHeader)?;
    let header: Forward = serde_json::from_slice(&payload[..split])
        .map_err(|e| WireError::Malformed(e.to_string()))?;
    let audience = match header.to {
        WireAudience::User(name) if is_valid_name(&name) => Audience::User(name),
        WireAudience::All { except } => Audience::All { except },
        WireAudience::Room { room, except } if is_valid_room(&room) => {
            Audience::Room { room, except }
        }
        _ => return Err(WireError::BadName),
    };
    if header.room.as_deref().is_some_and(|r| !is_valid_room(r)) {
        return Err(WireError::BadName);
    }
    let kind = match header.kind {
        WireKind::Direct => Kind::Direct,
        WireKind::All => Kind::All,
        WireKind::Server => Kind::Server,
        WireKind::Room => Kind::Room,
    };
    let mut delivery = Delivery::new(
        header.id,
        &header.from,
        payload[split + 1..].to_vec(),
        kind,
        header.emote,
    );
    delivery.time = SystemTime::UNIX_EPOCH + Duration::from_millis(header.time_ms);
    delivery.stored = header.stored;
    delivery.room = header.room;
    Ok((audience, delivery))
}

/// Any other payload, as JSON.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

pub fn decode<'a, T: Deserialize<'a>>(payload: &'a [u8]) -> Result<T, WireError> {
    serde_json::from_slice(payload).map_err(|e| WireError::Malformed(e.to_string()))
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
