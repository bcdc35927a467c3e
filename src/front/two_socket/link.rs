//! A socket of the two-socket protocol as the chat sees it: a [`Link`].
//!
//! It turns messages and events into wire bytes for one user's extensions (the user's flags
//! are its [`Ext`] bits): a plain Part 1 `FORWARD` for a client that asked for nothing, `meta`
//! headers for one that asked for them, `EVENT`s only for one that asked for `events`. A
//! forward is delivered when the user's `RECEIVED` comes back.

use crate::core::{Delivery, Event, Handed, Kind, Link, LinkError, Memo};
use crate::net::outbox::{Outbox, PushError};
use crate::wire::encode_parts;
use crate::wire::ext::{Ext, ExtMsg, Meta, MetaKind};
use crate::wire::Command;
use std::sync::Arc;

/// One registered socket; only the TORECV one is ever handed messages and events.
pub struct SocketLink {
    pub outbox: Arc<Outbox>,
    /// The user this socket belongs to.
    pub name: String,
    /// The `REGISTERED` answering this socket's registration: queued the moment the socket is
    /// attached, so that it comes before anything handed to it.
    pub registered: Vec<u8>,
}

impl Link for SocketLink {
    fn attached(&self) -> bool {
        let registered = Arc::new(self.registered.clone());
        self.outbox.enqueue(registered).unwrap_or(false)
    }

    fn deliver(&self, flags: u32, d: &Delivery, memo: &mut Memo) -> Result<Handed, LinkError> {
        let ext = Ext::from_bits(flags);
        let (meta, ids) = (ext.has(Ext::META), ext.has(Ext::OFFLINE));
        let form = u8::from(meta) | u8::from(ids) << 1;
        let frame = memo.get_or_make(("two-socket", form), || forward(d, meta, ids));
        match self.outbox.enqueue(frame) {
            Ok(flush) => Ok(Handed {
                awaits_ack: true,
                flush,
            }),
            Err(PushError::Closed) => Err(LinkError::Closed),
            Err(PushError::Overflow(_)) => Err(LinkError::Congested),
        }
    }

    fn event(&self, flags: u32, event: &Event) -> bool {
        let ext = Ext::from_bits(flags);
        let wanted = match event {
            Event::Delivered { .. } => ext.has(Ext::OFFLINE),
            // Only members hear of a room, and only a user with `rooms` can be one.
            _ if event.room().is_some() => ext.has(Ext::ROOMS),
            // A user hears of itself only that it was kicked.
            Event::Kick(..) => ext.has(Ext::EVENTS),
            _ => ext.has(Ext::EVENTS) && event.subject() != self.name,
        };
        if !wanted {
            return false;
        }
        // Best effort: a user that cannot take an event will fail its next forward anyway.
        let bytes = event_message(event).to_bytes();
        self.outbox.enqueue(Arc::new(bytes)).unwrap_or(false)
    }

    fn hears_presence(&self, flags: u32) -> bool {
        Ext::from_bits(flags).has(Ext::EVENTS)
    }

    fn flush(&self) {
        self.outbox.write_queued();
    }

    fn close(&self) {
        self.outbox.close();
    }
}

/// The `meta` headers' word for how a message was addressed.
fn meta_kind(kind: Kind) -> MetaKind {
    match kind {
        Kind::Direct => MetaKind::Direct,
        Kind::All => MetaKind::All,
        Kind::Server => MetaKind::Server,
        Kind::Room => MetaKind::Room,
    }
}

/// The bytes of a delivery's `FORWARD`: Part 1 bytes, plus the `meta` headers (`meta`) and
/// the id (`ids`: the client asked for `offline`), written straight from the shared body (no
/// copy of it into a [`crate::wire::Message`]).
pub fn forward(d: &Delivery, meta: bool, ids: bool) -> Vec<u8> {
    let command = Command::Forward {
        from: d.from.clone(),
    };
    let mut out = Vec::with_capacity(96 + d.body.len());
    let body = if d.emote && !meta {
        [b"/me ".as_slice(), &d.body].concat().into()
    } else {
        std::borrow::Cow::Borrowed(d.body.as_slice())
    };
    if !meta && !ids && d.room.is_none() {
        encode_parts::<&str>(&command, &[], Some(&body), &mut out);
        return out;
    }
    let headers = Meta {
        room: d.room.clone(),
        time: meta.then(|| d.time.into()),
        kind: meta.then(|| meta_kind(d.kind)),
        emote: meta && d.emote,
        id: ids.then_some(d.id),
        stored: ids && d.stored,
    }
    .headers();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    encode_parts(&command, &headers, Some(&body), &mut out);
    out
}

/// The `events` extension's message for `event`.
fn event_message(event: &Event) -> ExtMsg {
    match event {
        Event::Join(name) => ExtMsg::Join {
            name: name.clone(),
            room: None,
        },
        Event::Leave(name, reason) => ExtMsg::Leave {
            name: name.clone(),
            room: None,
            reason: Some(reason.as_str().to_string()),
        },
        Event::Kick(name, reason) => ExtMsg::Kick {
            name: name.clone(),
            room: None,
            by: None,
            reason: Some(reason.clone()),
        },
        Event::Delivered { to, id } => ExtMsg::Delivered {
            to: to.clone(),
            id: *id,
        },
        Event::RoomJoin { room, name } => ExtMsg::Join {
            name: name.clone(),
            room: Some(room.clone()),
        },
        Event::RoomLeave { room, name, reason } => ExtMsg::Leave {
            name: name.clone(),
            room: Some(room.clone()),
            reason: Some(reason.as_str().to_string()),
        },
        Event::RoomKick {
            room,
            name,
            by,
            reason,
        } => ExtMsg::Kick {
            name: name.clone(),
            room: Some(room.clone()),
            by: Some(by.clone()),
            reason: Some(reason.clone()).filter(|r| !r.is_empty()),
        },
        Event::Topic { room, by, topic } => ExtMsg::TopicChanged {
            room: room.clone(),
            by: by.clone(),
            topic: Some(topic.clone()).filter(|t| !t.is_empty()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::LeaveReason;
    use crate::net::outbox::Flusher;
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn forwards_are_plain_or_carry_meta() {
        let mut d = Delivery::new(42, "alice", b"waves".to_vec(), Kind::All, true);
        d.time = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let text = |d: &Delivery, meta, ids| String::from_utf8(forward(d, meta, ids)).unwrap();
        assert_eq!(
            text(&d, false, false),
            "FORWARD alice\nContent-length: 9\n\n/me waves"
        );
        assert_eq!(
            text(&d, true, false),
            "FORWARD alice\nContent-length: 5\nTime: 2026-11-18T11:06:40Z\nKind: all\nEmote: yes\n\nwaves"
        );
        assert_eq!(
            text(&d, false, true),
            "FORWARD alice\nContent-length: 9\nId: 42\n\n/me waves"
        );
        d.stored = true;
        d.kind = Kind::Direct;
        assert_eq!(
            text(&d, true, true),
            "FORWARD alice\nContent-length: 5\nTime: 2026-11-18T11:06:40Z\nKind: direct\nEmote: yes\nId: 42\nStored: yes\n\nwaves"
        );
    }

    #[test]
    fn events_have_exact_bytes() {
        let bytes = |e: Event| String::from_utf8(event_message(&e).to_bytes()).unwrap();
        assert_eq!(bytes(Event::Join("bob".into())), "EVENT JOIN bob\n\n");
        assert_eq!(
            bytes(Event::Leave("bob".into(), LeaveReason::Timeout)),
            "EVENT LEAVE bob\nReason: timeout\n\n"
        );
        assert_eq!(
            bytes(Event::Kick("bob".into(), "be nice".into())),
            "EVENT KICK bob\nReason: be nice\n\n"
        );
    }

    #[test]
    fn events_go_only_to_users_who_asked_and_of_itself_a_user_hears_only_its_kick() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (stream, _) = listener.accept().unwrap();
        let outbox = Outbox::new(Arc::new(stream), 1 << 20, Flusher::start().unwrap());
        let link = SocketLink {
            outbox: outbox.clone(),
            name: "me".into(),
            registered: b"REGISTERED TORECV me\n\n".to_vec(),
        };
        assert!(link.attached());
        assert_eq!(outbox.queued(), "REGISTERED TORECV me\n\n".len());
        outbox.write_queued();
        let events = Ext::EVENTS.bits();
        let joined = |name: &str| Event::Join(name.into());
        assert!(!link.event(Ext::NONE.bits(), &joined("bob")));
        assert_eq!(outbox.queued(), 0);
        assert!(!link.event(events, &joined("me")));
        assert!(!link.event(events, &Event::Leave("me".into(), LeaveReason::Quit)));
        assert_eq!(outbox.queued(), 0);
        assert!(link.event(events, &joined("bob")));
        let kicked = Event::Kick("me".into(), "spam".into());
        let want = "EVENT JOIN bob\n\n".len() + event_message(&kicked).to_bytes().len();
        link.event(events, &kicked);
        assert_eq!(outbox.queued(), want);
    }
}
