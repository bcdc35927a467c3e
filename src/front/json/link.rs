//! A JSON connection as the chat sees it: a [`Link`] serving both sides of its user.
//!
//! It writes the seed's packets, and the extension packets only to a client that asked for
//! them (the user's flags are its [`JsonExt`] bits, plus [`ASKED`] when its hello listed
//! extensions at all). The JSON protocol has no acknowledgement: a message is delivered once
//! its packet is queued on the connection.

use super::transport::Framing;
use crate::core::{Delivery, Event, Handed, Kind, Link, LinkError, Memo, SERVER_NAME};
use crate::net::outbox::{Outbox, PushError};
use crate::wire::json::ext::JsonExt;
use crate::wire::json::Packet;
use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::Arc;
use std::time::SystemTime;

/// The flag of a user whose hello listed extensions (even none): it is sent `welcome`.
pub(super) const ASKED: u32 = 1 << 31;

/// One registered JSON connection.
pub(super) struct JsonLink {
    pub outbox: Arc<Outbox>,
    /// The user's nick.
    pub nick: String,
    /// How a packet is put on this user's wire.
    pub framing: &'static Framing,
}

/// The text of a body: JSON strings are text, bodies are bytes.
fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

/// Whether a client with `ext` is told message ids and times.
pub(super) fn with_ids(ext: JsonExt) -> bool {
    ext.has(JsonExt::OFFLINE) || ext.has(JsonExt::HISTORY)
}

/// A time as the JSON protocol writes it: RFC 3339, UTC, whole seconds.
pub(super) fn rfc3339(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The packet that carries `d` to a user called `me` with extensions `ext`.
pub(super) fn packet_for(d: &Delivery, me: &str, ext: JsonExt) -> Packet {
    let as_text = !ext.has(JsonExt::EMOTE) || d.kind == Kind::Direct;
    let message = if d.emote && as_text {
        format!("/me {}", text(&d.body))
    } else {
        text(&d.body)
    };
    let ids = with_ids(ext);
    let (id, time) = (ids.then_some(d.id), ids.then(|| rfc3339(d.time)));
    let nick = match d.kind {
        Kind::Server => SERVER_NAME.to_string(),
        // The seed shows a direct message as `pat -> chris: hi`.
        Kind::Direct if !ext.has(JsonExt::DM) => format!("{} -> {me}", d.from),
        _ => d.from.clone(),
    };
    match d.kind {
        Kind::Direct if ext.has(JsonExt::DM) => Packet::Dm {
            nick: Some(nick),
            to: me.to_string(),
            message,
            id,
            time,
            stored: (ids && d.stored).then_some(true),
        },
        Kind::All | Kind::Room if d.emote && ext.has(JsonExt::EMOTE) => Packet::Emote {
            nick: Some(nick),
            room: d.room.clone(),
            message,
            id,
            time,
        },
        _ => Packet::Chat {
            nick: Some(nick),
            room: d.room.clone(),
            message,
            id,
            time,
        },
    }
}

/// The packets `event` makes for a user called `me` with flags `flags`.
pub(super) fn event_packets(event: &Event, me: &str, flags: u32) -> Vec<Packet> {
    let ext = JsonExt::from_bits(flags);
    let events = ext.has(JsonExt::EVENTS);
    match event {
        Event::Join(nick) if nick == me && flags & ASKED != 0 => vec![
            Packet::Welcome {
                nick: nick.clone(),
                extensions: ext.names(),
            },
            Packet::Join {
                nick: Some(nick.clone()),
                room: None,
            },
        ],
        Event::Join(nick) => vec![Packet::Join {
            nick: Some(nick.clone()),
            room: None,
        }],
        Event::Leave(nick, _) if nick == me => vec![],
        Event::Leave(nick, reason) => vec![Packet::Leave {
            nick: nick.clone(),
            room: None,
            reason: events.then(|| reason.as_str().to_string()),
        }],
        Event::Kick(nick, reason) if events => vec![Packet::Kick {
            nick: nick.clone(),
            room: None,
            by: None,
            reason: Some(reason.clone()),
        }],
        Event::Kick(..) => vec![],
        Event::Delivered { to, id } if ext.has(JsonExt::OFFLINE) => vec![Packet::Delivered {
            to: to.clone(),
            id: *id,
        }],
        Event::Delivered { .. } => vec![],
        _ if !ext.has(JsonExt::ROOMS) => vec![],
        Event::RoomJoin { room, name } => vec![Packet::Join {
            nick: Some(name.clone()),
            room: Some(room.clone()),
        }],
        Event::RoomLeave { room, name, reason } => vec![Packet::Leave {
            nick: name.clone(),
            room: Some(room.clone()),
            reason: Some(reason.as_str().to_string()),
        }],
        Event::RoomKick {
            room,
            name,
            by,
            reason,
        } => vec![Packet::Kick {
            nick: name.clone(),
            room: Some(room.clone()),
            by: Some(by.clone()),
            reason: Some(reason.clone()).filter(|r| !r.is_empty()),
        }],
        Event::Topic { room, by, topic } => vec![Packet::Topic {
            room: room.clone(),
            nick: Some(by.clone()),
            topic: topic.clone(),
        }],
    }
}

impl Link for JsonLink {
    fn deliver(&self, flags: u32, d: &Delivery, memo: &mut Memo) -> Result<Handed, LinkError> {
        let ext = JsonExt::from_bits(flags);
        let make = || self.framing.bytes(&packet_for(d, &self.nick, ext));
        let frame = if d.kind == Kind::Direct {
            Arc::new(make().map_err(|_| LinkError::Unfit)?)
        } else {
            // Every JSON user with the same extensions gets the same bytes of a broadcast.
            let form = u8::from(ext.has(JsonExt::EMOTE) && d.emote) | u8::from(with_ids(ext)) << 1;
            let key = (self.framing.name, form);
            let frame = memo.get_or_make(key, || make().unwrap_or_default());
            if frame.is_empty() {
                return Err(LinkError::Unfit);
            }
            frame
        };
        match self.outbox.enqueue(frame) {
            Ok(flush) => Ok(Handed {
                awaits_ack: false,
                flush,
            }),
            Err(PushError::Closed) => Err(LinkError::Closed),
            Err(PushError::Overflow(_)) => Err(LinkError::Congested),
        }
    }

    fn event(&self, flags: u32, event: &Event) -> bool {
        let mut flush = false;
        for packet in event_packets(event, &self.nick, flags) {
            let bytes = self.framing.packet(&packet);
            // Best effort: a user that cannot take an event will fail its next message.
            flush |= self.outbox.enqueue(Arc::new(bytes)).unwrap_or(false);
        }
        flush
    }

    fn flush(&self) {
        self.outbox.write_queued();
    }

    fn close(&self) {
        if let Some(farewell) = self.framing.farewell {
            // Refused when the session already said its last word and closed the outbox.
            let _ = self.outbox.push_bytes(farewell());
        }
        self.outbox.close();
    }
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;
