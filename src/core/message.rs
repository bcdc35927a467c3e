//! One message on its way through the chat, as every front end sees it: who sent it, how it
//! was addressed (and in which room), its body, and when the chat accepted it.

use super::ack::OnDone;
use std::time::SystemTime;

/// The name the server's own messages come from: no user can have it.
pub const SERVER_NAME: &str = "*server*";

/// How a message was addressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// To one user by name.
    Direct,
    /// To everyone.
    All,
    /// From the server's operator.
    Server,
    /// To the members of a room ([`Delivery::room`]).
    Room,
}

/// One message, shared by all its recipients.
#[derive(Debug)]
pub struct Delivery {
    /// The chat's number for it: unique, larger for a later message.
    pub id: u64,
    pub from: String,
    /// Opaque bytes: a front end whose wire carries text decides how to show others.
    pub body: Vec<u8>,
    pub kind: Kind,
    /// An action (`/me waves`) rather than speech.
    pub emote: bool,
    /// When the chat accepted it.
    pub time: SystemTime,
    /// It waited for its recipient, who was offline.
    pub stored: bool,
    /// The room it was said in; `None`: the lobby, or a direct message.
    pub room: Option<String>,
}

impl Delivery {
    /// A message accepted now.
    pub fn new(id: u64, from: &str, body: Vec<u8>, kind: Kind, emote: bool) -> Delivery {
        Delivery {
            id,
            from: from.to_string(),
            body,
            kind,
            emote,
            time: SystemTime::now(),
            stored: false,
            room: None,
        }
    }

    /// The same message, said in `room`.
    pub fn in_room(self, room: &str) -> Delivery {
        Delivery {
            room: Some(room.to_string()),
            ..self
        }
    }
}

/// A message that waited for a user, to hand to it when it joins, before anything live.
pub struct Waiting {
    pub delivery: Delivery,
    /// Told whether the user took it (acknowledged it, or its link counted it delivered).
    pub on_done: OnDone,
}
