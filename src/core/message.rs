//! One message on its way through the chat, as every front end sees it: who sent it, how it
//! was addressed, its body, and when the chat accepted it.

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
        }
    }
}
