//! The headers the extensions put on a forward ([`Meta`]), and how a message was addressed
//! ([`MetaKind`]).

use crate::wire::Message;
use chrono::{DateTime, SecondsFormat, Utc};

/// How a forwarded message was addressed, as `meta`'s `Kind:` says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaKind {
    /// To the recipient's name.
    Direct,
    /// To `ALL`.
    All,
    /// From the server's operator.
    Server,
}

impl MetaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetaKind::Direct => "direct",
            MetaKind::All => "all",
            MetaKind::Server => "server",
        }
    }

    /// Any letter case, blanks around ignored.
    pub fn parse(text: &str) -> Option<MetaKind> {
        [MetaKind::Direct, MetaKind::All, MetaKind::Server]
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The headers the extensions add to a forward: `Time:`, `Kind:` and `Emote: yes` (`meta`),
/// `Id:` and `Stored: yes` (`offline`). Each is optional when read; one we cannot read is left
/// out rather than half-understood.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// When the server accepted the message (whole seconds on the wire).
    pub time: Option<DateTime<Utc>>,
    pub kind: Option<MetaKind>,
    /// An action (`/me waves`) rather than speech.
    pub emote: bool,
    /// The message's id.
    pub id: Option<u64>,
    /// It waited for its recipient to come back.
    pub stored: bool,
}

impl Meta {
    /// Reads the headers of `msg` (a `FORWARD`, or a `SEND` asking for `Emote: yes`).
    pub fn from_message(msg: &Message) -> Meta {
        Meta {
            time: msg
                .header("Time")
                .and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok())
                .map(|t| t.with_timezone(&Utc)),
            kind: msg.header("Kind").and_then(MetaKind::parse),
            emote: yes(msg.header("Emote")),
            id: msg.header("Id").and_then(|v| v.trim().parse().ok()),
            stored: yes(msg.header("Stored")),
        }
    }

    /// The headers to write, in our order.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(5);
        if let Some(time) = self.time {
            headers.push(("Time", time.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        if let Some(kind) = self.kind {
            headers.push(("Kind", kind.as_str().to_string()));
        }
        if self.emote {
            headers.push(("Emote", "yes".to_string()));
        }
        if let Some(id) = self.id {
            headers.push(("Id", id.to_string()));
        }
        if self.stored {
            headers.push(("Stored", "yes".to_string()));
        }
        headers
    }
}

fn yes(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Command;

    #[test]
    fn meta_headers_are_written_in_order_and_read_back() {
        let time = DateTime::parse_from_rfc3339("2026-11-21T14:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let meta = Meta {
            time: Some(time),
            kind: Some(MetaKind::All),
            emote: true,
            id: Some(42),
            stored: true,
        };
        let headers = meta.headers();
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["Time", "Kind", "Emote", "Id", "Stored"]);
        assert_eq!(headers[0].1, "2026-11-21T14:02:03Z");
        let mut msg = Message::new(Command::Forward { from: "bob".into() });
        for (n, v) in &headers {
            msg = msg.with_header(n, v);
        }
        assert_eq!(Meta::from_message(&msg), meta);
        let odd = Message::new(Command::Forward { from: "bob".into() })
            .with_header("time", "yesterday")
            .with_header("KIND", " Server ")
            .with_header("emote", "no")
            .with_header("id", "forty-two");
        assert_eq!(
            Meta::from_message(&odd),
            Meta {
                time: None,
                kind: Some(MetaKind::Server),
                emote: false,
                id: None,
                stored: false
            }
        );
        assert!(Meta::default().headers().is_empty());
    }
}
