//! A socket of the two-socket protocol as the registry sees it: a [`Link`].
//!
//! It turns deliveries and events into wire bytes for one user's extensions: a plain Part 1
//! `FORWARD` for a client that asked for nothing, headers for one that asked for `meta`.

use crate::delivery::Delivery;
use crate::net::outbox::{Outbox, PushError};
use crate::registry::{Event, Link, LinkError, User};
use crate::wire::ext::Ext;
use crate::wire::{encode_parts, Command, Message};
use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::Arc;

/// Slots of [`Delivery::encoded`]: one encoding per kind of recipient, made once per message.
const PLAIN: usize = 0;
const META: usize = 1;

/// One registered socket; only the TORECV one is ever asked to deliver.
pub struct SocketLink {
    pub outbox: Arc<Outbox>,
}

impl Link for SocketLink {
    fn deliver(&self, user: &User, d: &Delivery) -> Result<bool, LinkError> {
        let meta = user.extensions().has(Ext::META);
        let slot = if meta { META } else { PLAIN };
        let frame = d.encoded[slot].get_or_init(|| Arc::new(forward(d, meta)));
        self.outbox.enqueue(frame.clone()).map_err(|e| match e {
            PushError::Closed => LinkError::Closed,
            PushError::Overflow(_) => LinkError::Congested,
        })
    }

    fn flush(&self) {
        self.outbox.write_queued();
    }

    fn event(&self, _user: &User, event: &Event) {
        // Best effort: a user that cannot take an event will fail its next forward anyway.
        let _ = self.outbox.push_bytes(event_message(event).to_bytes());
    }

    fn close(&self) {
        self.outbox.close();
    }
}

/// The bytes of a delivery's `FORWARD`, with the `meta` headers or as Part 1 bytes, written
/// straight from the shared body (no copy of it into a [`Message`]).
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
    let time: DateTime<Utc> = d.time.into();
    let time = time.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut headers = vec![("Time", time.as_str()), ("Kind", d.kind.as_str())];
    if d.emote {
        headers.push(("Emote", "yes"));
    }
    encode_parts(&command, &headers, Some(&d.body), &mut out);
    out
}

/// The `events` extension's message for `event`.
pub fn event_message(event: &Event) -> Message {
    let ev = |args: String| {
        Message::new(Command::Other {
            verb: "EVENT".into(),
            args,
        })
    };
    match event {
        Event::Join(name) => ev(format!("JOIN {name}")),
        Event::Leave(name, reason) => {
            ev(format!("LEAVE {name}")).with_header("Reason", reason.as_str())
        }
        Event::Kick(name, reason) => ev(format!("KICK {name}")).with_header("Reason", reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::Kind;
    use crate::registry::LeaveReason;
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
}
