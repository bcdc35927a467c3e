//! What the `meta` extension's headers on a forward say: when the server took the message
//! (shown as local `HH:MM`), whether it was sent to us, to everyone or by the server's
//! operator, and whether it is an action (`/me`).
//!
//! Every header is optional: a forward from a server without `meta` has none and is shown
//! as before; a header we cannot read is ignored rather than shown half-understood. Both
//! views read a forward's body through [`body_text`] and [`Meta::action`].

pub use chat::wire::ext::MetaKind as Kind;
use chat::wire::Message;
use chrono::{DateTime, Local};

/// The meta headers of one forward.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// `Time:` as local wall-clock `HH:MM`.
    pub time: Option<String>,
    pub kind: Option<Kind>,
    /// `Emote: yes`.
    pub emote: bool,
}

impl Meta {
    /// Reads the headers of `msg`.
    pub fn from_message(msg: &Message) -> Meta {
        let kind = msg.header("Kind").and_then(|k| {
            [Kind::Direct, Kind::All, Kind::Server]
                .into_iter()
                .find(|kind| kind.as_str().eq_ignore_ascii_case(k.trim()))
        });
        Meta {
            time: msg.header("Time").and_then(local_clock),
            kind,
            emote: msg
                .header("Emote")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes")),
        }
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

/// A forward's body as text: invalid UTF-8 replaced, `\r\n` read as `\n`, trailing line
/// breaks dropped.
pub fn body_text(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    text.trim_end_matches(['\n', '\r']).to_string()
}

/// An RFC 3339 time as local `HH:MM`, or `None` when it is not one.
pub fn local_clock(rfc3339: &str) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(rfc3339.trim()).ok()?;
    Some(at.with_timezone(&Local).format("%H:%M").to_string())
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
        assert_eq!(m.kind, Some(Kind::Direct));
        assert!(m.emote);
        let time = m.time.expect("a time");
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        let (h, m) = time.split_once(':').unwrap_or_default();
        assert!(digits(h) && digits(m), "{time}");
        assert_eq!(meta(b"FORWARD a\nkind:  ALL \n\n").kind, Some(Kind::All));
        assert_eq!(
            meta(b"FORWARD a\nKind: server\n\n").kind,
            Some(Kind::Server)
        );
    }

    #[test]
    fn unreadable_headers_are_ignored() {
        let m = meta(b"FORWARD a\nTime: yesterday\nKind: odd\nEmote: no\n\n");
        assert_eq!(m, Meta::default());
    }
}
