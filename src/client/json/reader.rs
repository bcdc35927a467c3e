//! The JSON socket's reader thread: each packet from the server becomes an event for the
//! session, in order.
//!
//! - `chat`, `dm`, `emote` from someone else: a message to show (a `dm` names its recipient,
//!   for the seed's `pat -> chris: hi`).
//! - The same from us: the server's echo, which answers the request awaiting it (`✓`), and is
//!   shown as a message only when no request claims it (so never twice).
//! - `join`, `leave`, `kick`: the chat's comings and goings, or a room's (with its `room`);
//!   our own `join` and `leave` (`part`) of a room answer `/join` and `/part`, and the
//!   `topic` we set answers `/topic`; `rooms` and `who` answer `/rooms` and `/who`.
//! - `users`: the answer to `/users`. `error`: the answer to the request awaiting one, or
//!   shown as the server's word when none does.
//! - Part 5: `stored` answers a `dm` kept for an offline user (instead of its echo),
//!   `delivered` says it reached them, `password` answers `/register` and `/unregister`,
//!   `history` a page of history; a message's `id`, `time` and `stored` go with it.
//! - Anything else (a type we do not know, a second `welcome`) is ignored; bytes that are
//!   not a packet end the connection, as the protocol says.

use super::conn::{JsonConn, ReadError};
use crate::history::Entry;
use crate::meta::Meta;
use crate::net::Event;
use crate::push::Push;
use crate::reply::Reply;
use crate::view::SessionEvent;
use crate::words::Refusal;
use chat::wire::ext::MetaKind;
use chat::wire::json::Packet;
use chat::wire::rooms::is_lobby;
use chat::wire::Role;
use std::io;
use std::sync::mpsc::Sender;
use std::thread;

/// Starts the thread that reads `conn` until it closes; `me` is our nick.
pub fn spawn(conn: JsonConn, me: String, tx: Sender<Event>) -> io::Result<()> {
    thread::Builder::new()
        .name("json-reader".into())
        .spawn(move || read_loop(conn, &me, &tx))
        .map(drop)
}

fn read_loop(mut conn: JsonConn, me: &str, tx: &Sender<Event>) {
    loop {
        let event = match conn.read_packet() {
            Ok(Some(packet)) => match on_packet(packet, me) {
                Some(event) => event,
                None => continue,
            },
            Ok(None) => closed(None),
            Err(ReadError::TimedOut) => continue,
            Err(e) => closed(Some(e.to_string())),
        };
        let last = matches!(event, Event::Closed { .. });
        if tx.send(event).is_err() || last {
            return;
        }
    }
}

fn closed(error: Option<String>) -> Event {
    Event::Closed {
        role: Role::ToSend,
        error,
    }
}

/// The event a packet is for the session, if any.
pub fn on_packet(packet: Packet, me: &str) -> Option<Event> {
    let event = match packet {
        Packet::Chat {
            nick,
            room,
            message,
            id,
            time,
        } => {
            let meta = Meta {
                room: room.filter(|r| !is_lobby(r)),
                ..Meta::default().with_time(time.as_deref())
            };
            said(nick, None, message, meta, id, me)
        }
        Packet::Dm {
            nick,
            to,
            message,
            id,
            time,
            stored,
        } => {
            let meta = Meta {
                stored: stored == Some(true),
                ..Meta::default().with_time(time.as_deref())
            };
            said(nick, Some(to), message, meta, id, me)
        }
        Packet::Emote {
            nick,
            room,
            message,
            id,
            time,
        } => {
            let meta = Meta {
                emote: true,
                room: room.filter(|r| !is_lobby(r)),
                ..Meta::default().with_time(time.as_deref())
            };
            said(nick, None, message, meta, id, me)
        }
        Packet::Stored { to, id } => Event::Reply {
            reply: Reply::Stored { to, id },
            unclaimed: None,
        },
        Packet::Delivered { to, id } => Event::Delivered { to, id },
        Packet::Password {
            status: Some(status),
            ..
        } if status == "set" || status == "dropped" => Event::Reply {
            reply: Reply::Password {
                claimed: status == "set",
            },
            unclaimed: None,
        },
        Packet::History {
            messages: Some(messages),
            ..
        } => Event::Reply {
            reply: Reply::History {
                entries: messages.into_iter().map(Entry::from_json).collect(),
            },
            unclaimed: None,
        },
        Packet::Join {
            nick: Some(nick),
            room: None,
        } => Event::Push(Push::Joined(nick)),
        Packet::Join {
            nick: Some(nick),
            room: Some(room),
        } if nick == me => answer(Reply::Joined { room }),
        Packet::Join {
            nick: Some(name),
            room: Some(room),
        } => Event::Push(Push::RoomJoined { room, name }),
        Packet::Leave {
            nick,
            room: None,
            reason,
        } => Event::Push(Push::Left { name: nick, reason }),
        Packet::Leave {
            nick,
            room: Some(room),
            reason,
        } if nick == me && reason.as_deref() != Some("kicked") => answer(Reply::Parted { room }),
        Packet::Leave {
            nick,
            room: Some(room),
            reason,
        } => Event::Push(Push::RoomLeft {
            room,
            name: nick,
            reason,
        }),
        Packet::Kick {
            nick,
            room: None,
            reason,
            ..
        } => Event::Push(Push::Kicked {
            name: nick,
            reason: reason.filter(|r| !r.trim().is_empty()),
        }),
        Packet::Kick {
            nick,
            room: Some(room),
            by,
            reason,
        } => Event::Push(Push::RoomKicked {
            room,
            name: nick,
            by,
            reason: reason.filter(|r| !r.trim().is_empty()),
        }),
        Packet::Topic {
            room,
            nick: Some(nick),
            ..
        } if nick == me => answer(Reply::TopicSet { room }),
        Packet::Topic {
            room,
            nick: Some(by),
            topic,
        } => Event::Push(Push::Topic {
            room,
            by,
            topic: Some(topic).filter(|t| !t.is_empty()),
        }),
        Packet::Rooms { rooms: Some(rooms) } => answer(Reply::Rooms { rooms }),
        Packet::Who {
            room,
            operator,
            topic,
            nicks: Some(names),
        } => answer(Reply::Who {
            room,
            operator,
            topic,
            names,
        }),
        Packet::Users { nicks: Some(names) } => answer(Reply::Users { names }),
        Packet::Error { code, message } => {
            let refusal = Refusal::from_json(&code, &message);
            let unasked = SessionEvent::ServerSaid(refusal.unasked());
            Event::Reply {
                reply: Reply::Failure(refusal),
                unclaimed: Some(unasked),
            }
        }
        other => {
            log::debug!("ignored from the server: {other:?}");
            return None;
        }
    };
    Some(event)
}

/// A reply that shows nothing when no request claims it.
fn answer(reply: Reply) -> Event {
    Event::Reply {
        reply,
        unclaimed: None,
    }
}

/// A message from `nick` (to `to`, for a `dm`), with what `meta` says of it so far and its
/// `id`: someone's, or our own echoed.
fn said(
    nick: Option<String>,
    to: Option<String>,
    text: String,
    meta: Meta,
    id: Option<u64>,
    me: &str,
) -> Event {
    let from = nick.unwrap_or_default();
    let kind = match (&to, &meta.room) {
        (Some(_), _) => MetaKind::Direct,
        (None, Some(_)) => MetaKind::Room,
        (None, None) => MetaKind::All,
    };
    let meta = Meta {
        kind: Some(kind),
        to: to.clone(),
        id,
        ..meta
    };
    let body = text.into_bytes();
    if from != me {
        return Event::Incoming { from, body, meta };
    }
    let name = (to.or_else(|| meta.room.clone())).unwrap_or_else(|| "ALL".to_string());
    Event::Reply {
        reply: Reply::Success { name },
        unclaimed: Some(SessionEvent::Incoming { from, body, meta }),
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
