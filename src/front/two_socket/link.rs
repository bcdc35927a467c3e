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
}

impl Link for SocketLink {
    fn deliver(&self, flags: u32, d: &Delivery, memo: &mut Memo) -> Result<Handed, LinkError> {
        let meta = Ext::from_bits(flags).has(Ext::META);
        let frame = memo.get_or_make(("two-socket", meta as u8), || forward(d, meta));
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
        // A user hears of itself only that it was kicked.
        let about_me = event.subject() == self.name && !matches!(event, Event::Kick(..));
        if !Ext::from_bits(flags).has(Ext::EVENTS) || about_me {
            return false;
        }
        // Best effort: a user that cannot take an event will fail its next forward anyway.
        let bytes = event_message(event).to_bytes();
        self.outbox.enqueue(Arc::new(bytes)).unwrap_or(false)
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
    }
}

/// The bytes of a delivery's `FORWARD`, with the `meta` headers or as Part 1 bytes, written
/// straight from the shared body (no copy of it into a [`crate::wire::Message`]).
pub fn forward(d: &Delivery, meta: bool) -> Vec<u8> {
    let command = Command::Forward {
        from: d.from.clone(),
    };
    let mut out = Vec::with_capacity(96 + d.body.len());
    if !meta {
        let body = if d.emote {
            [b"/me ".as_slice(), &d.body].concat().into()
        } else {
            std::borrow::Cow::Borrowed(d.body.as_slice())
        };
        encode_parts::<&str>(&command, &[], Some(&body), &mut out);
        return out;
    }
    let headers = Meta {
        time: Some(d.time.into()),
        kind: Some(meta_kind(d.kind)),
        emote: d.emote,
        id: None,
        stored: false,
    }
    .headers();
    let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    encode_parts(&command, &headers, Some(&d.body), &mut out);
    out
}

/// The `events` extension's message for `event`.
fn event_message(event: &Event) -> ExtMsg {
    match event {
        Event::Join(name) => ExtMsg::Join { name: name.clone() },
        Event::Leave(name, reason) => ExtMsg::Leave {
            name: name.clone(),
            reason: Some(reason.as_str().to_string()),
        },
        Event::Kick(name, reason) => ExtMsg::Kick {
            name: name.clone(),
            reason: Some(reason.clone()),
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
        let mut d = Delivery::new("alice", b"waves".to_vec(), Kind::All, true);
        d.time = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(
            forward(&d, false),
            b"FORWARD alice\nContent-length: 9\n\n/me waves"
        );
        assert_eq!(
            String::from_utf8(forward(&d, true)).unwrap(),
            "FORWARD alice\nContent-length: 5\nTime: 2026-11-18T11:06:40Z\nKind: all\nEmote: yes\n\nwaves"
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
        };
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
