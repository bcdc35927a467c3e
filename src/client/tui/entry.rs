//! One line of the message pane's history, as data: who said what and when, our own messages
//! with their delivery state, the comings and goings, and the client's own notes; messages
//! that waited for us (`away`), and what the server's history brought ([`What::Past`]).
//!
//! Each entry belongs somewhere ([`Entry::place`]): a room's messages and events to that
//! room; what was said to everyone, and the chat's joins and leaves, to the lobby; and what
//! concerns us wherever we look (a direct message, the server's operator, the client's own
//! notes and errors) to every room.

use crate::command::Target;
use crate::history;
use crate::meta::{body_text, Meta, SERVER_NAME};
use crate::push::Push;
use crate::view::LineId;
use chat::wire::ext::MetaKind;

/// Where one of our messages stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Sent (or queued to be sent), no answer yet: `…`.
    Pending,
    /// Every recipient acknowledged it: `✓`.
    Delivered,
    /// Refused, timed out or lost with the connection: `✗ reason`.
    Failed(String),
    /// A broadcast with no answer in time; it may have reached everyone: `? reason`.
    Unsure(String),
    /// Kept by the server for its offline recipient, with this id: `⧗ stored`, and `✓` once
    /// they have it.
    Stored(u64),
}

/// What an entry says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum What {
    /// A message from someone else; `direct` when it was sent to us alone, `room` when to
    /// a room.
    Said {
        from: String,
        text: String,
        direct: bool,
        room: Option<String>,
    },
    /// An action (`/me waves`) by someone else, in `room` when there.
    Action {
        from: String,
        text: String,
        room: Option<String>,
    },
    /// A message of ours, from input line `line`.
    Mine {
        to: Target,
        text: String,
        emote: bool,
        line: LineId,
        delivery: Delivery,
    },
    /// From the server's operator.
    Operator { text: String },
    /// Someone joined, left or was kicked, as the server told it (never `BYE`, which the
    /// session keeps to itself).
    Room(Push),
    /// A message from the server's history (anyone's, ours included), shown dimmed.
    Past {
        from: String,
        /// The recipient of a direct message.
        to: Option<String>,
        text: String,
        emote: bool,
    },
    /// The client's own note: help, hints, the user list.
    Info(String),
    /// Something went wrong.
    Error(String),
}

/// An entry: a `HH:MM` time (with the date when not today) and what happened then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub time: String,
    pub what: What,
    /// A message that waited for us while we were away (`offline`).
    pub away: bool,
}

impl What {
    /// A message of a history page.
    pub fn past(entry: &history::Entry) -> What {
        What::Past {
            from: entry.from.clone(),
            to: entry.to.clone(),
            text: entry.text.clone(),
            emote: entry.emote,
        }
    }
}

impl What {
    /// A received message: an action when `meta` says so or the body reads `/me …` (what a
    /// server without `meta` delivers for one), the operator's when from `*server*`.
    pub fn incoming(from: &str, body: &[u8], meta: &Meta) -> What {
        let text = body_text(body);
        let from = from.to_string();
        if from == SERVER_NAME || meta.kind == Some(MetaKind::Server) {
            return What::Operator { text };
        }
        match meta.action(&text) {
            Some(action) => What::Action {
                from,
                text: action.to_string(),
                room: meta.room.clone(),
            },
            None => What::Said {
                from,
                text,
                direct: meta.kind == Some(MetaKind::Direct),
                room: meta.room.clone(),
            },
        }
    }

    /// A message someone said (to everyone, a room or us): what counts as unread.
    pub fn is_message(&self) -> bool {
        matches!(self, What::Said { .. } | What::Action { .. })
    }
}

/// Where an entry is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'a> {
    /// In the lobby's view only.
    Lobby,
    /// In this room's view only.
    Room(&'a str),
    /// In every view.
    Everywhere,
}

impl Entry {
    /// Where this entry is shown.
    pub fn place(&self) -> Place<'_> {
        match &self.what {
            What::Said { room: Some(r), .. }
            | What::Action { room: Some(r), .. }
            | What::Mine {
                to: Target::Room(r),
                ..
            } => Place::Room(r),
            What::Room(push) => match push.room() {
                Some(r) => Place::Room(r),
                None => Place::Lobby,
            },
            What::Said { direct: false, .. }
            | What::Action { .. }
            | What::Mine {
                to: Target::All, ..
            }
            | What::Past { to: None, .. } => Place::Lobby,
            What::Said { direct: true, .. }
            | What::Mine {
                to: Target::User(_),
                ..
            }
            | What::Past { to: Some(_), .. }
            | What::Operator { .. }
            | What::Info(_)
            | What::Error(_) => Place::Everywhere,
        }
    }

    /// Whether the view of `room` (`None`: the lobby) shows this entry.
    pub fn shows_in(&self, room: Option<&str>) -> bool {
        match (self.place(), room) {
            (Place::Everywhere, _) | (Place::Lobby, None) => true,
            (Place::Room(r), Some(view)) => r == view,
            _ => false,
        }
    }
}
