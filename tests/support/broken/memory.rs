//! The defects of Part 5 (accounts, offline messages, history), both ways: [`up`] judges the
//! client's messages, [`down`] the server's. What they need to remember across connections
//! (direct messages seen, kept messages handed over) is a [`Log`] in the proxy's shared state.

use super::defect::Defect;
use super::downstream::Down;
use super::state::{Link, Shared};
use super::upstream::{error, Up};
use chat::wire::ext::{self, Entry, Ext, ExtMsg};
use chat::wire::{is_all, Command, ErrorCode, Message};
use std::collections::{HashMap, HashSet};

/// The id [`Defect::StoresUnclaimed`] makes up for a message it says it kept.
const MADE_UP_ID: u64 = 999_999_999;
/// What [`Defect::RedeliveredNewId`] adds to the id of a message handed over again.
const NEW_ID_OFFSET: u64 = 1_000_000;

/// What the Part 5 defects remember across connections.
#[derive(Default)]
pub struct Log {
    /// Direct messages sent through the proxy: sender, recipient, body.
    sent: HashSet<(String, String, Vec<u8>)>,
    /// Those direct messages as forwarded, with their ids ([`Defect::HistoryLeaksDms`]).
    direct: Vec<Entry>,
    /// Kept messages handed over: (recipient, id) → the connection it went to.
    handed: HashMap<(String, u64), u64>,
}

impl Defect {
    /// Whether this is one of the defects of Part 5 ([`up`] and [`down`]).
    pub fn is_memory(self) -> bool {
        use Defect::*;
        matches!(
            self,
            ClaimNotKept
                | BadPasswordIs104
                | DropNotKept
                | StoredWithoutId
                | OfflineForAll
                | StoresUnclaimed
                | StoredAfterLive
                | StoredTwice
                | NoDeliveredEvent
                | RedeliveredNewId
                | HistoryLeaksDms
                | HistoryNewestFirst
                | HistoryIgnoresLimit
                | EntryLengthInChars
        )
    }
}

fn verb(msg: &Message) -> Option<String> {
    match &msg.command {
        Command::Other { verb, .. } => Some(verb.to_ascii_uppercase()),
        _ => None,
    }
}

/// What the defect does with `msg` from `link`'s client.
pub fn up(link: &Link, shared: &Shared, msg: &Message) -> Up {
    use Defect::*;
    let verb = verb(msg);
    match (shared.defect, &msg.command) {
        (ClaimNotKept | DropNotKept, _) if verb.as_deref() == Some("PASSWORD") => {
            let empty = msg.body.as_ref().is_some_and(|b| b.trim_ascii().is_empty());
            match (shared.defect, empty) {
                (ClaimNotKept, false) => Up::Answer(ExtMsg::PasswordSet.to_message().to_bytes()),
                (DropNotKept, true) => Up::Answer(ExtMsg::PasswordDropped.to_message().to_bytes()),
                _ => Up::Pass,
            }
        }
        (OfflineForAll | StoresUnclaimed, Command::Register { .. }) => {
            let asked = ext::asked(msg);
            let mut st = link.state.lock();
            st.asked_offline |= asked.is_some_and(|e| e.has(Ext::OFFLINE));
            if shared.defect == OfflineForAll && asked.is_none() {
                st.hidden_ext = true;
                Up::Rewrite(msg.clone().with_header(ext::HEADER, "offline").to_bytes())
            } else {
                Up::Pass
            }
        }
        (HistoryIgnoresLimit, _) if verb.as_deref() == Some("HISTORY") => {
            let mut unlimited = msg.clone();
            unlimited
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("Limit"));
            Up::Rewrite(unlimited.to_bytes())
        }
        (HistoryLeaksDms, Command::Send { to }) if !is_all(to) => {
            if let (Some(from), Some(body)) = (link.name(), &msg.body) {
                let sent = (from, to.clone(), body.clone());
                shared.memory.lock().sent.insert(sent);
            }
            Up::Pass
        }
        _ => Up::Pass,
    }
}

/// What the defect does with `msg` from the server to `link`'s client; `answered` is the
/// recipient of the `SEND` it answers, when it answers one.
pub fn down(link: &Link, shared: &Shared, msg: &Message, answered: Option<String>) -> Down {
    use Defect::*;
    let verb = verb(msg);
    let stored = matches!(msg.command, Command::Forward { .. })
        && msg
            .header("Stored")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("yes"));
    match (shared.defect, &msg.command) {
        (BadPasswordIs104, Command::Error { code: 109, .. }) => {
            Down::Replace(error(ErrorCode::UsernameTaken))
        }
        (StoredWithoutId, _) if verb.as_deref() == Some("STORED") => {
            let mut without = msg.clone();
            without
                .headers
                .retain(|(name, _)| !name.eq_ignore_ascii_case("Id"));
            Down::Replace(without.to_bytes())
        }
        (OfflineForAll, Command::Registered { role, name }) if link.state.lock().hidden_ext => {
            let plain = Command::Registered {
                role: *role,
                name: name.clone(),
            };
            Down::Replace(Message::new(plain).to_bytes())
        }
        (StoresUnclaimed, Command::Error { code: 102, .. }) => match answered {
            Some(to) if link.state.lock().asked_offline => {
                let made_up = ExtMsg::Stored { to, id: MADE_UP_ID };
                Down::Replace(made_up.to_message().to_bytes())
            }
            _ => Down::Pass,
        },
        (StoredAfterLive, Command::Forward { .. }) => {
            let mut st = link.state.lock();
            if stored {
                st.held.push(msg.to_bytes());
                return Down::Drop;
            }
            let held: Vec<u8> = st.held.drain(..).flatten().collect();
            Down::Replace([msg.to_bytes(), held].concat())
        }
        (StoredTwice, _) if stored => Down::Replace([msg.to_bytes(), msg.to_bytes()].concat()),
        (NoDeliveredEvent, _)
            if matches!(ExtMsg::from_message(msg), Some(ExtMsg::Delivered { .. })) =>
        {
            Down::Drop
        }
        (RedeliveredNewId, _) if stored => handed_again(link, shared, msg),
        (HistoryLeaksDms, Command::Forward { from }) => {
            note_direct(link, shared, from, msg);
            Down::Pass
        }
        (HistoryLeaksDms | HistoryNewestFirst | EntryLengthInChars, _) => {
            match ExtMsg::from_message(msg) {
                Some(ExtMsg::History { entries, .. }) => history(link, shared, entries),
                _ => Down::Pass,
            }
        }
        _ => Down::Pass,
    }
}

/// [`Defect::RedeliveredNewId`]: a kept message already handed to an earlier connection of
/// its recipient comes with a new id.
fn handed_again(link: &Link, shared: &Shared, msg: &Message) -> Down {
    let (Some(name), Some(id)) = (
        link.name(),
        msg.header("Id").and_then(|v| v.trim().parse::<u64>().ok()),
    ) else {
        return Down::Pass;
    };
    let mut log = shared.memory.lock();
    let first = *log.handed.entry((name, id)).or_insert(link.id);
    if first == link.id {
        return Down::Pass;
    }
    let mut renamed = msg.clone();
    for (header, value) in &mut renamed.headers {
        if header.eq_ignore_ascii_case("Id") {
            *value = (id + NEW_ID_OFFSET).to_string();
        }
    }
    Down::Replace(renamed.to_bytes())
}

/// [`Defect::HistoryLeaksDms`]: a forward of a direct message seen passing, kept with its id.
fn note_direct(link: &Link, shared: &Shared, from: &str, msg: &Message) {
    let (Some(to), Some(body)) = (link.name(), &msg.body) else {
        return;
    };
    let Some(id) = msg.header("Id").and_then(|v| v.trim().parse().ok()) else {
        return;
    };
    let mut log = shared.memory.lock();
    if log
        .sent
        .contains(&(from.to_string(), to.clone(), body.clone()))
    {
        log.direct.push(Entry {
            id,
            from: from.to_string(),
            to: Some(to),
            time: chrono::Utc::now(),
            emote: false,
            body: body.clone(),
        });
    }
}

/// A history page as the defect writes it.
fn history(link: &Link, shared: &Shared, mut entries: Vec<Entry>) -> Down {
    match shared.defect {
        Defect::HistoryNewestFirst => entries.reverse(),
        Defect::HistoryLeaksDms => {
            let reader = link.name().unwrap_or_default();
            let (low, high) = match (entries.first(), entries.last()) {
                (Some(first), Some(last)) => (first.id, last.id),
                _ => return Down::Pass,
            };
            let theirs = shared.memory.lock().direct.clone();
            entries.extend(theirs.into_iter().filter(|e| {
                e.from != reader
                    && e.to.as_deref() != Some(reader.as_str())
                    && low < e.id
                    && e.id < high
            }));
            entries.sort_by_key(|e| e.id);
        }
        _ => return Down::Replace(in_chars(&entries)),
    }
    Down::Replace(
        ExtMsg::History {
            room: None,
            entries,
        }
        .to_message()
        .to_bytes(),
    )
}

/// [`Defect::EntryLengthInChars`]: the page with each entry's `Content-length` counting
/// characters, not bytes (`len(body.decode())`).
fn in_chars(entries: &[Entry]) -> Vec<u8> {
    let mut body = Vec::new();
    for entry in entries {
        let mut bytes = Vec::new();
        entry.encode(&mut bytes);
        let chars = String::from_utf8_lossy(&entry.body).chars().count();
        let text = String::from_utf8_lossy(&bytes).replacen(
            &format!("Content-length: {}\n", entry.body.len()),
            &format!("Content-length: {chars}\n"),
            1,
        );
        body.extend_from_slice(text.as_bytes());
    }
    let page = Message::with_body(Command::other("HISTORY", &entries.len().to_string()), body);
    page.to_bytes()
}
