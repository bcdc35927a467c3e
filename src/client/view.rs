//! What happened, apart from how it is shown: the registration steps and the session loop
//! report [`SessionEvent`]s to a [`View`], and each front end shows them its own way.
//!
//! Two views exist: the line printer of `output` (the byte-exact lines scripts read, used
//! with `--plain` or when stdin or stdout is not a terminal) and the full-screen `tui`, which
//! keeps them in a model it renders. Neither knows the protocol (two-socket or JSON): what a
//! server lets the session do reaches them as [`Caps`].
//!
//! Lines typed after registration are numbered from 0 in the order the session receives
//! them ([`LineId`]); a delivery [`Outcome`] names the line of the message it settles, so a
//! view can update that message in place.

use crate::command::Target;
use crate::history::{Entry, Page};
use crate::meta::Meta;
use crate::push::Push;
use crate::secret::Secret;
use crate::words::Feature;
use chat::wire::ext::Ext;
use chat::wire::RoomInfo;
use std::time::Duration;

/// What the server lets the session do, whichever protocol it speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caps {
    /// `/users` lists who is online.
    pub users: bool,
    /// `@name` and `/msg` reach one user.
    pub direct: bool,
    /// Every join and leave is told (the users panel and the roster stay current).
    pub events: bool,
    /// Seed 003's JSON protocol: a line that is neither `@…` nor `/…` is a message to
    /// everyone (as the seed's client has it), and line mode prints the seed's shapes.
    pub seed: bool,
    /// `/register` and `/unregister` claim and free our name (`auth`).
    pub accounts: bool,
    /// A message to a claimed user who is offline waits for them (`offline`).
    pub offline: bool,
    /// What was said can be paged through (`history`).
    pub history: bool,
    /// Rooms beside the lobby: `/join`, `/part`, `/rooms`, `/who`, `/topic`, `#room` (`rooms`).
    pub rooms: bool,
}

impl Caps {
    /// What a two-socket server that granted `ext` lets the session do.
    pub fn two_socket(ext: Ext) -> Caps {
        Caps {
            users: ext.has(Ext::USERS),
            direct: true,
            events: ext.has(Ext::EVENTS),
            seed: false,
            accounts: ext.has(Ext::AUTH),
            offline: ext.has(Ext::OFFLINE),
            history: ext.has(Ext::HISTORY),
            rooms: ext.has(Ext::ROOMS),
        }
    }
}

/// The number of an input line within one session, counted from 0.
pub type LineId = u64;

/// What registration asks the user for (the connect box's fields, in order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    Server,
    Name,
    /// The password of a claimed name (never shown).
    Password,
}

impl Ask {
    /// The next field of the connect box (after the last, the first).
    pub fn next(self) -> Ask {
        match self {
            Ask::Server => Ask::Name,
            Ask::Name => Ask::Password,
            Ask::Password => Ask::Server,
        }
    }

    /// The field before (before the first, the last).
    pub fn prev(self) -> Ask {
        match self {
            Ask::Server => Ask::Password,
            Ask::Name => Ask::Server,
            Ask::Password => Ask::Name,
        }
    }

    /// The prompt of the line view.
    pub fn label(self) -> &'static str {
        match self {
            Ask::Server => "Server address:",
            Ask::Name => "Username:",
            Ask::Password => "Password:",
        }
    }
}

/// How a sent message ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server says every recipient acknowledged it.
    Delivered,
    /// The server refused it; the text says why, in words (`words`), e.g.
    /// `bob is not online (ERROR 102)`.
    Failed(String),
    /// No reply within the reply timeout: a message to one user counts as not delivered,
    /// one to `ALL` may or may not have reached everyone.
    NoReply(Duration),
    /// The recipient is offline and its name claimed: the server keeps the message, with
    /// this id, until they come back (`offline`); [`SessionEvent::Delivered`] tells when.
    Stored(u64),
    /// The connection was lost before the reply: it may or may not have been delivered (it
    /// is not sent again).
    Lost,
}

/// Something the user should see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEvent {
    /// Registration needs an answer; `default` is the value tried last, if any.
    Ask { what: Ask, default: Option<String> },
    /// Registration needs the server, the name and (for a claimed name) its password
    /// together (the connect box), answered with two lines and a secret in that order; each
    /// field holds the value tried last, and `focus` is the one to fix.
    AskLogin {
        server: String,
        name: String,
        password: Option<Secret>,
        focus: Ask,
    },
    /// `/register` in line mode asks for the new password (`again`: once more, to confirm);
    /// the line view turns the terminal's echo off for the answer.
    AskNewPassword { again: bool },
    /// A refusal or failure while registering (bad name, name taken, server down, …).
    SetupFailed(String),
    /// Registered as `name` on `server`, which lets the session do `caps`.
    Registered {
        name: String,
        server: String,
        caps: Caps,
    },
    /// A message from someone (already acknowledged).
    Incoming {
        from: String,
        body: Vec<u8>,
        meta: Meta,
    },
    /// A message from someone that could not be read; `what` says from whom and why.
    Malformed { what: String },
    /// The message of input line `line`, sent to `target`, has its answer.
    Outcome {
        line: LineId,
        target: Target,
        outcome: Outcome,
    },
    /// A message of ours that was stored (id `id`) reached `to`; `text` is the message, when
    /// this session sent it.
    Delivered {
        to: String,
        id: u64,
        text: Option<String>,
    },
    /// `/register` set our password (`claimed`), or `/unregister` dropped the claim on `name`.
    Claimed { name: String, claimed: bool },
    /// `/register` or `/unregister` failed; the text says why.
    ClaimFailed(String),
    /// A page of history asked for with `page` (already shown messages left out, for the
    /// full screen's pane); `oldest` is the oldest id the server sent (shown or not), and
    /// `complete` says it has nothing more in that direction.
    History {
        page: Page,
        entries: Vec<Entry>,
        oldest: Option<u64>,
        complete: bool,
    },
    /// `/history` (or a page for the pane) failed; the text says why.
    HistoryFailed { page: Page, why: String },
    /// The users online (`/users`, with the `users` extension).
    Users(Vec<String>),
    /// `/users` failed; the text says why.
    UsersFailed(String),
    /// Someone joined, left or was kicked (the `events` extension), in the chat or a room,
    /// or a room's topic changed.
    Pushed(Push),
    /// We are in `room` now (`/join`, or joined again after a reconnect).
    RoomJoined(String),
    /// We left `room` (`/part`).
    RoomParted(String),
    /// The rooms there are (`/rooms`), sorted by name.
    Rooms(Vec<RoomInfo>),
    /// Who is in `room` (`/who`), sorted, with its operator and topic when it has them.
    Who {
        room: String,
        operator: Option<String>,
        topic: Option<String>,
        names: Vec<String>,
    },
    /// `/topic` set `room`'s topic to `topic` (empty: cleared it).
    TopicSet { room: String, topic: String },
    /// A room command failed; the text says why.
    RoomFailed(String),
    /// A hint about a line that was not understood; nothing was sent.
    Hint(String),
    /// `/help`.
    Help,
    /// A command the server does not support (`/users` without `users`, `@name` on a server
    /// of seed 003); nothing was sent.
    Unsupported(Feature),
    /// An error the server sent unasked (a JSON `error` packet), in words.
    ServerSaid(String),
    /// The server closed the connection (`None`) or a socket failed.
    Gone(Option<String>),
    /// The server went away, and the client is trying `server`, the next of the chat's.
    Reconnecting { server: String },
    /// No server of the chat answered in a whole round; the next round is after `after`.
    Retrying { after: Duration },
}

/// A front end: shows what happened.
pub trait View {
    fn show(&mut self, event: SessionEvent);
}
