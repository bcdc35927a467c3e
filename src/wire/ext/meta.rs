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
    /// To a room (Part 8).
    Room,
}

impl MetaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MetaKind::Direct => "direct",
            MetaKind::All => "all",
            MetaKind::Server => "server",
            MetaKind::Room => "room",
        }
    }

    /// Any letter case, blanks around ignored.
    pub fn parse(text: &str) -> Option<MetaKind> {
        [
            MetaKind::Direct,
            MetaKind::All,
            MetaKind::Server,
            MetaKind::Room,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(text.trim()))
    }
}

/// The headers the extensions add to a forward: `Room:` (`rooms`), `Time:`, `Kind:` and
/// `Emote: yes` (`meta`), `Id:` and `Stored: yes` (`offline`). Each is optional when read; one
/// we cannot read is left out rather than half-understood.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// The room the message was sent to; `None`: not to a room (the lobby is `ALL`).
    pub room: Option<String>,
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
            room: msg
                .header("Room")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string),
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
        let mut headers = Vec::with_capacity(6);
        if let Some(room) = &self.room {
            headers.push(("Room", room.clone()));
        }
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
            room: Some("#rust".into()),
            time: Some(time),
            kind: Some(MetaKind::Room),
            emote: true,
            id: Some(42),
            stored: true,
        };
        let headers = meta.headers();
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["Room", "Time", "Kind", "Emote", "Id", "Stored"]);
        assert_eq!(headers[1].1, "2026-11-21T14:02:03Z");
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
                room: None,
                time: None,
                kind: Some(MetaKind::Server),
                emote: false,
                id: None,
                stored: false
            }
        );
        assert!(Meta::default().headers().is_empty());
    }

    #[test]
    fn a_room_forward_has_part_8s_bytes() {
        let forward = |meta: &Meta| {
            let from = "alice".to_string();
            let mut msg = Message::with_body(Command::Forward { from }, b"hi".to_vec());
            for (name, value) in meta.headers() {
                msg = msg.with_header(name, &value);
            }
            msg.to_bytes()
        };
        let room = Meta {
            room: Some("#rust".into()),
            ..Meta::default()
        };
        assert_eq!(
            forward(&room),
            b"FORWARD alice\nContent-length: 2\nRoom: #rust\n\nhi"
        );
        let with_meta = Meta {
            kind: Some(MetaKind::Room),
            ..room.clone()
        };
        assert_eq!(
            forward(&with_meta),
            b"FORWARD alice\nContent-length: 2\nRoom: #rust\nKind: room\n\nhi"
        );
        let odd = Message::new(Command::Forward { from: "a".into() })
            .with_header("room", "  #rust ")
            .with_header("kind", "ROOM");
        assert_eq!(Meta::from_message(&odd), with_meta);
        let blank = Message::new(Command::Forward { from: "a".into() }).with_header("Room", " ");
        assert_eq!(Meta::from_message(&blank).room, None);
    }
}
