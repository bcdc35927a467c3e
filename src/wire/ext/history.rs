//! The entries of a `HISTORY` page: each a message in the protocol's own framing,
//! `ENTRY <id> <from> <to>\nContent-length: <n>\nTime: <RFC 3339>\n[Emote: yes\n]\n<body>`.

use crate::wire::{decode, encode_parts, junk_prefix, Command, Limits};
use chrono::{DateTime, SecondsFormat, Utc};

/// One message of a history page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: u64,
    pub from: String,
    /// The recipient of a direct message; `None`: everyone (`ALL` on the wire).
    pub to: Option<String>,
    /// When the chat accepted it (whole seconds on the wire).
    pub time: DateTime<Utc>,
    pub emote: bool,
    pub body: Vec<u8>,
}

impl Entry {
    /// Appends this entry's bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let to = self.to.as_deref().unwrap_or("ALL");
        let command = Command::other("ENTRY", &format!("{} {} {to}", self.id, self.from));
        let time = self.time.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut headers = vec![("Time", time.as_str())];
        if self.emote {
            headers.push(("Emote", "yes"));
        }
        encode_parts(&command, &headers, Some(&self.body), out);
    }

    /// Every entry of a page's body, in order; `None` when the body is not a list of entries.
    pub fn parse_all(body: &[u8]) -> Option<Vec<Entry>> {
        // A page may be as large as its 1,000 entries of the largest bodies.
        let limits = Limits {
            max_header: 8 * 1024,
            max_body: body.len(),
        };
        let mut entries = Vec::new();
        let mut rest = body;
        while junk_prefix(rest) < rest.len() {
            let (msg, used) = decode(rest, &limits).ok()??;
            rest = &rest[used..];
            let Command::Other { verb, args } = &msg.command else {
                return None;
            };
            if !verb.eq_ignore_ascii_case("ENTRY") {
                return None;
            }
            let mut words = args.split_whitespace();
            let (id, from, to) = (words.next()?, words.next()?, words.next()?);
            let time = DateTime::parse_from_rfc3339(msg.header("Time")?.trim()).ok()?;
            entries.push(Entry {
                id: id.parse().ok()?,
                from: from.to_string(),
                to: Some(to.to_string()).filter(|to| !crate::wire::is_all(to)),
                time: time.with_timezone(&Utc),
                emote: msg
                    .header("Emote")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes")),
                body: msg.body?,
            });
        }
        Some(entries)
    }
}
