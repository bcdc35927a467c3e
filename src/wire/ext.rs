//! Part 3 of the two-socket protocol: the extensions a client can ask for, as a set of flags
//! ([`Ext`]), the messages they add ([`ExtMsg`]: `EVENT`, `USERS`, `PING`/`PONG`,
//! `QUIT`/`BYE`) and the headers `meta` puts on a forward ([`Meta`]). Encoded and decoded here
//! only, for the server, the client and the kit alike.
//!
//! Parsing is liberal (any case, any blanks, unknown names ignored); what we write is always
//! in one order, so replies are byte-predictable.

use super::{Command, Message};
use chrono::{DateTime, SecondsFormat, Utc};

/// A set of extensions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ext(u32);

impl Ext {
    pub const NONE: Ext = Ext(0);
    /// Join, leave and kick notices on TORECV.
    pub const EVENTS: Ext = Ext(1);
    /// `USERS` lists who is online.
    pub const USERS: Ext = Ext(2);
    /// `QUIT` leaves in order.
    pub const QUIT: Ext = Ext(4);
    /// `PING`/`PONG` both ways; silence past the timeout drops the user.
    pub const PING: Ext = Ext(8);
    /// Forwards carry `Time:`, `Kind:` and `Emote:` headers.
    pub const META: Ext = Ext(16);

    const NAMES: [(Ext, &'static str); 5] = [
        (Ext::EVENTS, "events"),
        (Ext::USERS, "users"),
        (Ext::QUIT, "quit"),
        (Ext::PING, "ping"),
        (Ext::META, "meta"),
    ];

    /// Every extension this build supports.
    pub fn all() -> Ext {
        Ext::NAMES
            .iter()
            .fold(Ext::NONE, |acc, (e, _)| acc.with(*e))
    }

    /// The known extensions named in an `Extensions:` header value.
    pub fn parse(value: &str) -> Ext {
        value
            .split([',', ' ', '\t'])
            .filter_map(|word| {
                Ext::NAMES
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(word))
                    .map(|(e, _)| *e)
            })
            .fold(Ext::NONE, Ext::with)
    }

    /// The header value naming this set, in our order (`events, users, …`).
    pub fn to_header(self) -> String {
        let names: Vec<&str> = Ext::NAMES
            .iter()
            .filter(|(e, _)| self.has(*e))
            .map(|(_, n)| *n)
            .collect();
        names.join(", ")
    }

    pub fn has(self, other: Ext) -> bool {
        other.0 != 0 && self.0 & other.0 == other.0
    }

    pub fn with(self, other: Ext) -> Ext {
        Ext(self.0 | other.0)
    }

    pub fn bits(self) -> u32 {
        self.0
    }

    pub fn from_bits(bits: u32) -> Ext {
        Ext(bits & Ext::all().0)
    }
}

/// The header that asks for extensions on a `REGISTER` and names those granted on `REGISTERED`.
pub const HEADER: &str = "Extensions";

/// The extensions a message asks for or grants; `None` when it has no `Extensions:` header.
pub fn asked(msg: &Message) -> Option<Ext> {
    msg.header(HEADER).map(Ext::parse)
}

/// A message of an extension, either direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtMsg {
    /// `EVENT JOIN <name>`.
    Join {
        name: String,
    },
    /// `EVENT LEAVE <name>` with `Reason: <reason>`.
    Leave {
        name: String,
        reason: Option<String>,
    },
    /// `EVENT KICK <name>` with `Reason: <text>`.
    Kick {
        name: String,
        reason: Option<String>,
    },
    /// `USERS`: who is online?
    UsersRequest,
    /// `USERS <count>` with the names, one per line, as the body.
    Users {
        names: Vec<String>,
    },
    Ping {
        token: String,
    },
    Pong {
        token: String,
    },
    Quit,
    Bye,
}

impl ExtMsg {
    /// The extension message `msg` is, if it is one.
    pub fn from_message(msg: &Message) -> Option<ExtMsg> {
        let Command::Other { verb, args } = &msg.command else {
            return None;
        };
        let token = || args.trim().to_string();
        match verb.to_ascii_uppercase().as_str() {
            "EVENT" => event(args, msg.header("Reason")),
            "USERS" if msg.body.is_none() && args.trim().is_empty() => Some(ExtMsg::UsersRequest),
            "USERS" => {
                let body = String::from_utf8_lossy(msg.body.as_deref().unwrap_or_default());
                let names = body
                    .lines()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map(str::to_string)
                    .collect();
                Some(ExtMsg::Users { names })
            }
            "PING" => Some(ExtMsg::Ping { token: token() }),
            "PONG" => Some(ExtMsg::Pong { token: token() }),
            "QUIT" => Some(ExtMsg::Quit),
            "BYE" => Some(ExtMsg::Bye),
            _ => None,
        }
    }

    /// The message to write.
    pub fn to_message(&self) -> Message {
        let other = |verb: &str, args: &str| Message::new(Command::other(verb, args));
        let with_reason = |msg: Message, reason: &Option<String>| match reason {
            Some(r) => msg.with_header("Reason", r),
            None => msg,
        };
        match self {
            ExtMsg::Join { name } => other("EVENT", &format!("JOIN {name}")),
            ExtMsg::Leave { name, reason } => {
                with_reason(other("EVENT", &format!("LEAVE {name}")), reason)
            }
            ExtMsg::Kick { name, reason } => {
                with_reason(other("EVENT", &format!("KICK {name}")), reason)
            }
            ExtMsg::UsersRequest => other("USERS", ""),
            ExtMsg::Users { names } => {
                let mut body = Vec::new();
                for name in names {
                    body.extend_from_slice(name.as_bytes());
                    body.push(b'\n');
                }
                Message::with_body(Command::other("USERS", &names.len().to_string()), body)
            }
            ExtMsg::Ping { token } => other("PING", token),
            ExtMsg::Pong { token } => other("PONG", token),
            ExtMsg::Quit => other("QUIT", ""),
            ExtMsg::Bye => other("BYE", ""),
        }
    }

    /// The bytes to write.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_message().to_bytes()
    }
}

/// `EVENT <what> <name>`, with the `Reason:` header's value.
fn event(args: &str, reason: Option<&str>) -> Option<ExtMsg> {
    let (what, name) = args.trim().split_once([' ', '\t'])?;
    let name = name.trim().to_string();
    if name.is_empty() {
        return None;
    }
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    match what.to_ascii_uppercase().as_str() {
        "JOIN" => Some(ExtMsg::Join { name }),
        "LEAVE" => Some(ExtMsg::Leave { name, reason }),
        "KICK" => Some(ExtMsg::Kick { name, reason }),
        _ => None,
    }
}

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

/// The headers `meta` adds to a forward: `Time:`, `Kind:` and `Emote: yes`. Each is optional
/// when read; one we cannot read is left out rather than half-understood.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Meta {
    /// When the server accepted the message (whole seconds on the wire).
    pub time: Option<DateTime<Utc>>,
    pub kind: Option<MetaKind>,
    /// An action (`/me waves`) rather than speech.
    pub emote: bool,
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
            emote: msg
                .header("Emote")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes")),
        }
    }

    /// The headers to write, in our order.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(3);
        if let Some(time) = self.time {
            headers.push(("Time", time.to_rfc3339_opts(SecondsFormat::Secs, true)));
        }
        if let Some(kind) = self.kind {
            headers.push(("Kind", kind.as_str().to_string()));
        }
        if self.emote {
            headers.push(("Emote", "yes".to_string()));
        }
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode, Limits};

    fn decoded(bytes: &[u8]) -> Message {
        match decode(bytes, &Limits::default()) {
            Ok(Some((msg, used))) if used == bytes.len() => msg,
            other => panic!("{bytes:?} did not decode whole: {other:?}"),
        }
    }

    #[test]
    fn every_extension_message_has_exact_bytes_and_reads_back() {
        let table: &[(ExtMsg, &[u8])] = &[
            (ExtMsg::Join { name: "bob".into() }, b"EVENT JOIN bob\n\n"),
            (
                ExtMsg::Leave {
                    name: "bob".into(),
                    reason: Some("timeout".into()),
                },
                b"EVENT LEAVE bob\nReason: timeout\n\n",
            ),
            (
                ExtMsg::Kick {
                    name: "bob".into(),
                    reason: Some("be nice".into()),
                },
                b"EVENT KICK bob\nReason: be nice\n\n",
            ),
            (ExtMsg::UsersRequest, b"USERS\n\n"),
            (
                ExtMsg::Users {
                    names: vec!["alice".into(), "bob".into()],
                },
                b"USERS 2\nContent-length: 10\n\nalice\nbob\n",
            ),
            (
                ExtMsg::Users { names: vec![] },
                b"USERS 0\nContent-length: 0\n\n",
            ),
            (
                ExtMsg::Ping {
                    token: "t0k".into(),
                },
                b"PING t0k\n\n",
            ),
            (
                ExtMsg::Pong {
                    token: "t0k".into(),
                },
                b"PONG t0k\n\n",
            ),
            (ExtMsg::Quit, b"QUIT\n\n"),
            (ExtMsg::Bye, b"BYE\n\n"),
        ];
        for (msg, bytes) in table {
            assert_eq!(
                String::from_utf8_lossy(&msg.to_bytes()),
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(ExtMsg::from_message(&decoded(bytes)).as_ref(), Some(msg));
        }
    }

    #[test]
    fn reading_is_liberal_and_ignores_what_is_not_an_extension_message() {
        let read = |bytes: &[u8]| ExtMsg::from_message(&decoded(bytes));
        assert_eq!(
            read(b"event leave  bob \nreason:  quit \n\n"),
            Some(ExtMsg::Leave {
                name: "bob".into(),
                reason: Some("quit".into())
            })
        );
        assert_eq!(
            read(b"EVENT KICK bob\nReason: \n\n"),
            Some(ExtMsg::Kick {
                name: "bob".into(),
                reason: None
            })
        );
        assert_eq!(read(b"USERS 0\n\n"), Some(ExtMsg::Users { names: vec![] }));
        for other in [
            &b"EVENT JOIN\n\n"[..],
            b"EVENT DANCE bob\n\n",
            b"FORWARD bob\nContent-length: 0\n\n",
            b"SENT bob\n\n",
            b"HELLO\n\n",
        ] {
            assert_eq!(read(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn meta_headers_are_written_in_order_and_read_back() {
        let time = DateTime::parse_from_rfc3339("2026-11-21T14:02:03Z")
            .unwrap()
            .with_timezone(&Utc);
        let meta = Meta {
            time: Some(time),
            kind: Some(MetaKind::All),
            emote: true,
        };
        let headers = meta.headers();
        let names: Vec<&str> = headers.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["Time", "Kind", "Emote"]);
        assert_eq!(headers[0].1, "2026-11-21T14:02:03Z");
        let mut msg = Message::new(Command::Forward { from: "bob".into() });
        for (n, v) in &headers {
            msg = msg.with_header(n, v);
        }
        assert_eq!(Meta::from_message(&msg), meta);
        let odd = Message::new(Command::Forward { from: "bob".into() })
            .with_header("time", "yesterday")
            .with_header("KIND", " Server ")
            .with_header("emote", "no");
        assert_eq!(
            Meta::from_message(&odd),
            Meta {
                time: None,
                kind: Some(MetaKind::Server),
                emote: false
            }
        );
        assert!(Meta::default().headers().is_empty());
    }

    #[test]
    fn parses_liberally_and_writes_in_order() {
        let e = Ext::parse(" META,events ,, Bogus\tping");
        assert!(e.has(Ext::META) && e.has(Ext::EVENTS) && e.has(Ext::PING));
        assert!(!e.has(Ext::USERS));
        assert_eq!(e.to_header(), "events, ping, meta");
        assert_eq!(Ext::parse("").to_header(), "");
        assert_eq!(
            Ext::parse(&Ext::all().to_header()),
            Ext::all(),
            "the full list round-trips"
        );
    }
}
