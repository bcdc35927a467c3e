//! What was said before (docs/PROTOCOL.md Part 5, `history` and `offline`), on the client:
//! a history entry as the views show it, whichever protocol brought it ([`Entry`]); which
//! page was asked for, and by whom ([`Page`]); and the ids of the messages already shown
//! ([`Shown`]), so that each message is shown once, whether it comes live, waited for us
//! (and comes again after a lost acknowledgement), or is in a page of history.

use chat::wire::ext;
use chat::wire::json;
use chrono::{DateTime, Utc};
use std::collections::{HashSet, VecDeque};

/// One message of a history page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: u64,
    pub from: String,
    /// The recipient of a direct message; `None` for one to everyone.
    pub to: Option<String>,
    /// When the chat took it (`None` when the server's time could not be read).
    pub at: Option<DateTime<Utc>>,
    pub emote: bool,
    /// The body as text (invalid UTF-8 replaced).
    pub text: String,
}

impl Entry {
    /// A two-socket `ENTRY`.
    pub fn from_wire(entry: ext::Entry) -> Entry {
        Entry {
            id: entry.id,
            from: entry.from,
            to: entry.to,
            at: Some(entry.time),
            emote: entry.emote,
            text: crate::meta::body_text(&entry.body),
        }
    }

    /// A message of a JSON `history` packet.
    pub fn from_json(entry: json::Entry) -> Entry {
        let at = DateTime::parse_from_rfc3339(entry.time.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc));
        Entry {
            id: entry.id,
            from: entry.nick,
            to: entry.to,
            at,
            emote: entry.emote,
            text: crate::meta::body_text(entry.message.as_bytes()),
        }
    }
}

/// A page of history asked for: the messages before or after an id (the newest when
/// neither), at most `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    pub before: Option<u64>,
    pub after: Option<u64>,
    pub limit: usize,
    /// `/history` typed in line mode: printed whole, as asked. Otherwise the page is for
    /// the full screen's pane, and the messages already shown are left out.
    pub typed: bool,
}

impl Page {
    /// The newest `limit` messages, for `/history`.
    pub fn typed(limit: usize) -> Page {
        Page {
            before: None,
            after: None,
            limit,
            typed: true,
        }
    }

    /// A page for the pane: the newest (`before` and `after` both `None`), older than
    /// `before`, or newer than `after`.
    pub fn pane(before: Option<u64>, after: Option<u64>, limit: usize) -> Page {
        Page {
            before,
            after,
            limit,
            typed: false,
        }
    }
}

/// The most ids remembered; the oldest are forgotten first.
const REMEMBER: usize = 100_000;

/// The ids of the messages shown in this run of the client (across the full screen's
/// reconnects), the oldest forgotten past [`REMEMBER`].
#[derive(Debug, Default)]
pub struct Shown {
    ids: HashSet<u64>,
    order: VecDeque<u64>,
}

impl Shown {
    /// Notes `id` as shown; false when it already was (then it is not to be shown again).
    pub fn first_time(&mut self, id: u64) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > REMEMBER {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_id_is_shown_once() {
        let mut shown = Shown::default();
        assert!(shown.first_time(42));
        assert!(shown.first_time(7));
        assert!(!shown.first_time(42));
        assert!(!shown.first_time(7));
    }

    #[test]
    fn the_oldest_ids_are_forgotten_past_the_limit() {
        let mut shown = Shown::default();
        for id in 0..=REMEMBER as u64 {
            shown.first_time(id);
        }
        assert_eq!(shown.ids.len(), REMEMBER);
        assert!(shown.first_time(0), "the oldest was forgotten");
        assert!(!shown.first_time(REMEMBER as u64));
    }

    #[test]
    fn entries_of_both_protocols_read_alike() {
        let time = DateTime::parse_from_rfc3339("2026-01-15T10:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .ok();
        let wire = Entry::from_wire(ext::Entry {
            id: 41,
            from: "alice".into(),
            to: Some("bob".into()),
            time: time.unwrap_or_default(),
            emote: true,
            body: b"waves\r\n".to_vec(),
        });
        let json = Entry::from_json(json::Entry {
            id: 41,
            time: "2026-01-15T10:00:00Z".into(),
            nick: "alice".into(),
            to: Some("bob".into()),
            room: None,
            message: "waves".into(),
            emote: true,
        });
        assert_eq!(wire, json);
        assert_eq!(wire.at, time);
        assert_eq!(wire.text, "waves");
    }
}
