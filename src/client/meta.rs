//! What the `meta` extension's headers on a forward say, for showing: when the server took
//! the message (as local `HH:MM`), whether it was sent to us, to everyone or by the server's
//! operator, and whether it is an action (`/me`). The headers themselves are read by
//! [`chat::wire::ext::Meta`]; this is the client's view of them.
//!
//! With `offline` or `history` (Part 5) a message also has an id, which the session uses to
//! show each message once, and one that waited for us says so (`Stored: yes`); its time is
//! when it was sent, perhaps days ago, so the views show it with its date ([`dated`]).
//!
//! Every header is optional: a forward from a server without `meta` has none and is shown
//! as before; a header we cannot read is ignored rather than shown half-understood. Both
//! views read a forward's body through [`body_text`] and [`Meta::action`].

use chat::wire::ext::MetaKind;
use chat::wire::{ext, Message};
use chrono::{DateTime, Local, Utc};

/// The sender name of the server operator's messages, which no user can have
/// (docs/PROTOCOL.md, "Messages from the server's operator").
pub const SERVER_NAME: &str = "*server*";

/// The meta headers of one forward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// `Time:` as local wall-clock `HH:MM`.
    pub time: Option<String>,
    pub kind: Option<MetaKind>,
    /// `Emote: yes`.
    pub emote: bool,
    /// The recipient, when the message names one (a JSON `dm`).
    pub to: Option<String>,
    /// When the server took it, as sent (for [`dated`]).
    pub at: Option<DateTime<Utc>>,
    /// The message's id (`offline`, `history`).
    pub id: Option<u64>,
    /// It waited for us while we were away (`offline`).
    pub stored: bool,
    /// The room it was said in (`rooms`); `None`: the lobby, or to us alone.
    pub room: Option<String>,
}

impl Meta {
    /// Reads the headers of `msg`.
    pub fn from_message(msg: &Message) -> Meta {
        let wire = ext::Meta::from_message(msg);
        Meta {
            time: wire.time.map(clock),
            kind: wire.kind,
            emote: wire.emote,
            to: None,
            at: wire.time,
            id: wire.id,
            stored: wire.stored,
            room: wire.room,
        }
    }

    /// Sets the time from an RFC 3339 text (the JSON protocol's `"time"`); one that cannot
    /// be read is left out.
    pub fn with_time(mut self, time: Option<&str>) -> Meta {
        let at = time
            .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
            .map(|t| t.with_timezone(&Utc));
        self.time = at.map(clock);
        self.at = at;
        self
    }

    /// The action a body's `text` tells of, `None` when it is speech: all of it when marked
    /// `Emote: yes`, else what follows `/me ` (how a server without `meta` delivers one).
    pub fn action<'a>(&self, text: &'a str) -> Option<&'a str> {
        if self.emote {
            Some(text)
        } else {
            text.strip_prefix("/me ")
        }
    }
}

/// `at` as local wall-clock `HH:MM`.
pub fn clock(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local).format("%H:%M").to_string()
}

/// `at` as local `YYYY-MM-DD HH:MM`: for what was said before we came (a stored message, a
/// history entry), which may be days old.
pub fn dated(at: DateTime<Utc>) -> String {
    at.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `at` for the full screen's time column: `HH:MM` when it is today, else with the day,
/// `Nov 28 10:00` (a message that waited for us, a history entry).
pub fn stamp(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Local);
    if local.date_naive() == Local::now().date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%b %-d %H:%M").to_string()
    }
}

/// A forward's body as text: invalid UTF-8 replaced, `\r\n` read as `\n`, trailing line
/// breaks dropped.
pub fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    text.trim_end_matches(['\n', '\r']).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat::wire::{decode, Limits};

    fn meta(bytes: &[u8]) -> Meta {
        match decode(bytes, &Limits::default()) {
            Ok(Some((msg, _))) => Meta::from_message(&msg),
            other => panic!("{bytes:?} did not decode: {other:?}"),
        }
    }

    #[test]
    fn no_headers_no_meta() {
        assert_eq!(meta(b"FORWARD a\nContent-length: 1\n\nx"), Meta::default());
    }

    #[test]
    fn every_header_is_read() {
        let m = meta(
            b"FORWARD a\nContent-length: 1\nTime: 2026-11-21T14:02:03Z\nKind: direct\nEmote: yes\n\nx",
        );
        assert_eq!(m.kind, Some(MetaKind::Direct));
        assert!(m.emote);
        let time = m.time.expect("a time");
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        let (h, m) = time.split_once(':').unwrap_or_default();
        assert!(digits(h) && digits(m), "{time}");
        assert_eq!(
            meta(b"FORWARD a\nkind:  ALL \n\n").kind,
            Some(MetaKind::All)
        );
        assert_eq!(
            meta(b"FORWARD a\nKind: server\n\n").kind,
            Some(MetaKind::Server)
        );
    }

    #[test]
    fn ids_and_stored_messages_are_read() {
        let m = meta(
            b"FORWARD a\nContent-length: 1\nTime: 2026-01-15T10:00:00Z\nId: 42\nStored: yes\n\nx",
        );
        assert_eq!(m.id, Some(42));
        assert!(m.stored);
        assert_eq!(
            m.at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2026-01-15T10:00:00+00:00")
        );
        let json = Meta::default().with_time(Some("2026-01-15T10:00:00Z"));
        assert_eq!(json.at, m.at);
        assert!(json.time.is_some());
        assert_eq!(Meta::default().with_time(Some("soon")), Meta::default());
    }

    #[test]
    fn unreadable_headers_are_ignored() {
        let m = meta(b"FORWARD a\nTime: yesterday\nKind: odd\nEmote: no\n\n");
        assert_eq!(m, Meta::default());
    }
}
