//! Deciding what a reply from the server means for the request waiting for one: a `SEND`,
//! a `USERS` (the `users` extension), a `PASSWORD` (`auth`), a `HISTORY` (`history`), or a
//! room's `JOIN`, `PART`, `ROOMS`, `WHO` or `TOPIC` (`rooms`), which share one reply stream
//! on TOSEND. A `SEND` to an offline claimed user may be
//! answered `STORED` (`offline`) rather than `SENT`.
//!
//! Servers disagree (PROTOCOL.md Part 2): success is `SENT` or `SEND` followed by the
//! recipient, the sender or `ALL`; errors are keyed on their number; a broadcast may get one
//! reply, one per recipient, or none. So a reply can also be *stale*: a late answer to an
//! earlier broadcast, which must never be taken for the answer to the message now waiting.

use crate::command::Target;
use crate::history::{Entry, Page};
use crate::words::Refusal;
use chat::wire::ext::ExtMsg;
use chat::wire::{is_all, Command, Message, RoomInfo};
use std::collections::VecDeque;
use std::time::Instant;

/// A request that waits for its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `SEND <target>`.
    Send(Target),
    /// `USERS`.
    Users,
    /// `PASSWORD`: a new one (`drop` false), or none, dropping the claim.
    Password { drop: bool },
    /// `HISTORY`.
    History(Page),
    /// `JOIN <room>`.
    Join(String),
    /// `PART <room>`.
    Part(String),
    /// `ROOMS`.
    Rooms,
    /// `WHO <room>`.
    Who(String),
    /// `TOPIC <room>` setting `topic` (empty: clearing it).
    Topic { room: String, topic: String },
}

/// A message from the server that answers a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `SENT <name>`, or the body-less `SEND <name>` of old servers.
    Success { name: String },
    /// `ERROR <code> <text>` (or a JSON `error` packet).
    Failure(Refusal),
    /// `USERS <count>` with a body of names, one per line.
    Users { names: Vec<String> },
    /// `STORED <to>` with `Id:`: kept for an offline recipient.
    Stored { to: String, id: u64 },
    /// `PASSWORD SET` (`claimed`) or `PASSWORD DROPPED`.
    Password { claimed: bool },
    /// `HISTORY <count>` with its entries, oldest first.
    History { entries: Vec<Entry> },
    /// `JOINED <room>` (JSON: our own `join` with the room).
    Joined { room: String },
    /// `PARTED <room>` (JSON: our own `leave` with the room).
    Parted { room: String },
    /// `ROOMS <count>` with one room per line.
    Rooms { rooms: Vec<RoomInfo> },
    /// `WHO <room> <count>`: the members, the operator and topic when there are.
    Who {
        room: String,
        operator: Option<String>,
        topic: Option<String>,
        names: Vec<String>,
    },
    /// `TOPIC SET <room>` (JSON: the `topic` we set, echoed).
    TopicSet { room: String },
}

impl Reply {
    /// The reply carried by `msg`, if it is one.
    pub fn from_message(msg: &Message) -> Option<Reply> {
        match &msg.command {
            Command::Sent { to } => Some(Reply::Success { name: to.clone() }),
            Command::Send { to } if msg.body.is_none() => Some(Reply::Success { name: to.clone() }),
            Command::Error { code, text } => Some(Reply::Failure(Refusal::from_error(*code, text))),
            Command::Other { .. } => match ExtMsg::from_message(msg)? {
                ExtMsg::Users { names } => Some(Reply::Users { names }),
                ExtMsg::Stored { to, id } => Some(Reply::Stored { to, id }),
                ExtMsg::PasswordSet => Some(Reply::Password { claimed: true }),
                ExtMsg::PasswordDropped => Some(Reply::Password { claimed: false }),
                ExtMsg::History { entries, .. } => Some(Reply::History {
                    entries: entries.into_iter().map(Entry::from_wire).collect(),
                }),
                ExtMsg::Joined { room } => Some(Reply::Joined { room }),
                ExtMsg::Parted { room } => Some(Reply::Parted { room }),
                ExtMsg::Rooms { rooms } => Some(Reply::Rooms { rooms }),
                ExtMsg::Who {
                    room,
                    operator,
                    topic,
                    names,
                } => Some(Reply::Who {
                    room,
                    operator,
                    topic,
                    names,
                }),
                ExtMsg::TopicSet { room } => Some(Reply::TopicSet { room }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What a reply means for the request waiting for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Not done, and why.
    Failed(Refusal),
    /// The users online, in the server's order.
    Listed(Vec<String>),
    /// Kept for an offline recipient, with this id.
    Stored(u64),
    /// The name is claimed now (true), or free (false).
    Claimed(bool),
    /// A page of history, oldest first.
    Page(Vec<Entry>),
    /// The reply is the answer to the room request as asked (the session reads it).
    Answered,
    /// An answer to something earlier; the request is still waiting.
    Stale,
}

/// Judges `reply` for `request`, sent by `me`.
///
/// `broadcast_tail` is true once a broadcast has been answered or given up on: its extra
/// per-recipient replies may still come, and a success naming a third user is one of them.
pub fn judge(reply: &Reply, request: &Request, me: &str, broadcast_tail: bool) -> Verdict {
    let target = match (request, reply) {
        (_, Reply::Failure(why)) => return Verdict::Failed(why.clone()),
        (Request::Send(target), _) => target,
        (Request::Users, Reply::Users { names }) => return Verdict::Listed(names.clone()),
        (Request::Password { .. }, Reply::Password { claimed }) => {
            return Verdict::Claimed(*claimed)
        }
        (Request::History(_), Reply::History { entries }) => return Verdict::Page(entries.clone()),
        (request, reply) if answers_room(request, reply) => return Verdict::Answered,
        _ => return Verdict::Stale,
    };
    match (reply, target) {
        (Reply::Stored { to, id }, Target::User(name)) if to.eq_ignore_ascii_case(name) => {
            Verdict::Stored(*id)
        }
        (
            Reply::Users { .. }
            | Reply::Stored { .. }
            | Reply::Password { .. }
            | Reply::History { .. }
            | Reply::Joined { .. }
            | Reply::Parted { .. }
            | Reply::Rooms { .. }
            | Reply::Who { .. }
            | Reply::TopicSet { .. }
            | Reply::Failure(_),
            _,
        ) => Verdict::Stale,
        (Reply::Success { .. }, Target::All) => Verdict::Delivered,
        // A room's reply names the room (`SENT #rust`), a user's the user.
        (Reply::Success { name }, Target::User(to) | Target::Room(to)) => {
            let expected = name.is_empty() || name.eq_ignore_ascii_case(to);
            if is_all(name) {
                Verdict::Stale
            } else if expected || name.eq_ignore_ascii_case(me) || !broadcast_tail {
                Verdict::Delivered
            } else {
                Verdict::Stale
            }
        }
    }
}

/// True when `reply` answers the room request `request`: its kind, for the same room.
fn answers_room(request: &Request, reply: &Reply) -> bool {
    match (request, reply) {
        (Request::Join(asked), Reply::Joined { room })
        | (Request::Part(asked), Reply::Parted { room })
        | (Request::Who(asked), Reply::Who { room, .. })
        | (Request::Topic { room: asked, .. }, Reply::TopicSet { room }) => asked == room,
        (Request::Rooms, Reply::Rooms { .. }) => true,
        _ => false,
    }
}

/// The replies an in-order server still owes for requests that timed out (a `SEND` to a user
/// or a `USERS`; a broadcast may get any number of replies, so it owes none). Each is dropped
/// when it comes instead of being taken for the answer to a later request, and forgotten
/// after its expiry in case the server never sends it.
#[derive(Debug, Default)]
pub struct Owed(VecDeque<(Instant, Request)>);

impl Owed {
    pub fn push(&mut self, request: Request, expiry: Instant) {
        self.0.push_back((expiry, request));
    }

    /// True when `reply` is the late answer to the oldest owed request (now settled).
    pub fn settles(&mut self, reply: &Reply, now: Instant) -> bool {
        while self.0.front().is_some_and(|(expiry, _)| *expiry <= now) {
            self.0.pop_front();
        }
        let Some((_, oldest)) = self.0.front() else {
            return false;
        };
        // A user list answers nothing but a `USERS`, and so on; other replies come in order.
        let answers_only = match reply {
            Reply::Users { .. } => Some(matches!(oldest, Request::Users)),
            Reply::Password { .. } => Some(matches!(oldest, Request::Password { .. })),
            Reply::History { .. } => Some(matches!(oldest, Request::History(_))),
            Reply::Joined { .. }
            | Reply::Parted { .. }
            | Reply::Rooms { .. }
            | Reply::Who { .. }
            | Reply::TopicSet { .. } => Some(answers_room(oldest, reply)),
            _ => None,
        };
        if answers_only == Some(false) {
            return false;
        }
        self.0.pop_front();
        true
    }
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
