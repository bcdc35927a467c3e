//! Everything the client says to its user: one line (or one multi-line message) per write
//! on stdout, flushed at once so that scripts reading a pipe see it immediately.
//!
//! The shapes, for a person scanning a busy screen:
//! - `alice: hello`, `[14:02] alice: hello` when the server gives the time (`meta`),
//!   `[14:02] alice (to you): psst` for a message to us alone (`meta` tells), and
//!   `[14:02] * alice waves` for an action;
//! - `*** bob joined`, `*** bob left (quit)`, `*** bob was kicked (spam)`: the server's
//!   events, and `[14:02] *** server: text` for its operator's messages;
//! - `online (3): alice, bob, carol` for `/users`;
//! - rooms (Part 8): `[14:02] #rust alice: hello` for a message to a room, and the lines
//!   of `room_lines` for the rest (`joined #rust`, `*** bob joined #rust`, …);
//! - Part 5: `stored for bob` when a message waits for bob, `delivered to bob (stored):
//!   "hello"` when he has it; a message that waited for us,
//!   `[2026-11-30 10:00, while you were away] alice (to you): hi`, dated as it may be old;
//!   `/history` as a block, `history (2 messages, oldest first):` then one indented line
//!   per message, `  [2026-11-30 10:00] alice -> bob: psst`.
//!
//! With the JSON protocol (seed 003), the seed's own shapes: `pat: hi`, `pat -> chris: hi`
//! for a direct message, `[pat waves]` for an action, `*** bob has joined the chat`,
//! `*** bob has left the chat`.
//!
//! [`LineView`] turns every [`SessionEvent`] into these lines, byte for byte what scripts
//! driving the client through pipes expect.
//!
//! Text from the network is made safe for a terminal here: control characters other than
//! tab and newline are replaced, so a peer cannot move the cursor or recolour the screen.

use crate::command::{Target, HELP, USAGE};
use crate::echo;
use crate::history::Entry;
use crate::meta::{body_text, dated, Meta, SERVER_NAME};
use crate::push::Push;
use crate::room_lines::{
    joined_line, parted_line, room_push_line, rooms_block, topic_set_line, who_line,
};
use crate::view::{Ask, Caps, Outcome, SessionEvent, View};
use crate::words::unsupported;
use chat::wire::ext::MetaKind;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

/// The client's stdout. Write errors (a reader that went away) are ignored: there is no one
/// left to tell, and the session ends on its own when its input ends.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    /// True when a person types at a terminal: prompts then stay on the input line.
    interactive: bool,
}

impl Out {
    pub fn new() -> Out {
        Out {
            interactive: io::stdin().is_terminal(),
        }
    }

    /// Writes `text` and a newline, then flushes.
    pub fn line(&self, text: &str) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Asks for input: `label` followed by a space on a terminal, by a newline on a pipe, so
    /// that a script reading line by line sees the prompt at once.
    pub fn prompt(&self, label: &str) {
        let mut out = io::stdout().lock();
        let _ = if self.interactive {
            write!(out, "{label} ")
        } else {
            writeln!(out, "{label}")
        };
        let _ = out.flush();
    }
}

/// The line view: every [`SessionEvent`] as the lines (and prompts) scripts read.
pub struct LineView {
    out: Out,
    /// Our name once registered: a kick naming it reads `*** you were kicked`.
    me: String,
    /// The seed's shapes (the JSON protocol).
    seed: bool,
}

impl LineView {
    pub fn new(out: Out) -> LineView {
        LineView {
            out,
            me: String::new(),
            seed: false,
        }
    }
}

impl View for LineView {
    fn show(&mut self, event: SessionEvent) {
        let line = match event {
            SessionEvent::Ask {
                what: Ask::Password,
                ..
            } => return self.secret_prompt(Ask::Password.label()),
            SessionEvent::Ask { what, .. } => return self.out.prompt(what.label()),
            SessionEvent::AskNewPassword { again: false } => {
                let label = format!("New password for {}:", self.me);
                return self.secret_prompt(&label);
            }
            SessionEvent::AskNewPassword { again: true } => {
                return self.secret_prompt("The same password again:")
            }
            // Only the full-screen client asks with a form; here it reads as the first question.
            SessionEvent::AskLogin { .. } => return self.out.prompt(Ask::Server.label()),
            SessionEvent::Registered { name, server, caps } => {
                let line = if self.me.is_empty() {
                    format!("registered as {name} on {server}; {}", usage(caps))
                } else {
                    format!("*** reconnected to {server} as {name}")
                };
                self.me = name;
                self.seed = caps.seed;
                line
            }
            SessionEvent::Incoming { from, body, meta } if meta.stored => {
                let shape = if self.seed { seed_incoming } else { incoming };
                let untimed = Meta {
                    time: None,
                    ..meta.clone()
                };
                let when = match meta.at {
                    Some(at) => format!("[{}, while you were away] ", dated(at)),
                    None => "[while you were away] ".to_string(),
                };
                indented_after(&when, &shape(&from, &body, &untimed))
            }
            SessionEvent::Incoming { from, body, meta } if self.seed => {
                seed_incoming(&from, &body, &meta)
            }
            SessionEvent::Incoming { from, body, meta } => incoming(&from, &body, &meta),
            SessionEvent::Malformed { what } => malformed_line(&what),
            SessionEvent::Outcome {
                target, outcome, ..
            } => outcome_line(&target, &outcome),
            SessionEvent::Delivered { to, text, .. } => delivered_line(&to, text.as_deref()),
            SessionEvent::Claimed { name, claimed } => claimed_line(&name, claimed),
            SessionEvent::History { entries, .. } => history_block(&entries),
            SessionEvent::Users(names) => users_line(&names),
            SessionEvent::Pushed(push) => match push_line(&push, &self.me, self.seed) {
                Some(line) => line,
                None => return,
            },
            SessionEvent::RoomJoined(room) => joined_line(&room),
            SessionEvent::RoomParted(room) => parted_line(&room),
            SessionEvent::Rooms(rooms) => rooms_block(&rooms),
            SessionEvent::Who {
                room,
                operator,
                topic,
                names,
            } => who_line(&room, operator.as_deref(), topic.as_deref(), &names),
            SessionEvent::TopicSet { room, topic } => topic_set_line(&room, &topic),
            SessionEvent::Help => HELP.to_string(),
            SessionEvent::Unsupported(feature) => unsupported(feature).to_string(),
            SessionEvent::Gone(error) => gone_line(error.as_deref()),
            // What failed is said (`SetupFailed`); trying is not.
            SessionEvent::Reconnecting { .. } => return,
            SessionEvent::Retrying { after } => retry_line(after),
            SessionEvent::SetupFailed(text)
            | SessionEvent::ClaimFailed(text)
            | SessionEvent::HistoryFailed { why: text, .. }
            | SessionEvent::UsersFailed(text)
            | SessionEvent::ServerSaid(text)
            | SessionEvent::RoomFailed(text)
            | SessionEvent::Hint(text) => text,
        };
        self.out.line(&line);
    }
}

impl LineView {
    /// Asks for a password: the terminal's echo goes off for the answer.
    fn secret_prompt(&self, label: &str) {
        echo::hide_next_line();
        self.out.prompt(label);
    }
}

/// What can be typed, as said once registered.
pub fn usage(caps: Caps) -> &'static str {
    match (caps.seed, caps.direct) {
        (false, _) => USAGE,
        (true, true) => "type a message for everyone, @name message for one, /help or /quit",
        (true, false) => "type a message for everyone, /help or /quit",
    }
}

/// A malformed forward; `what` says from whom (when known) and what was wrong.
pub fn malformed_line(what: &str) -> String {
    format!("received a malformed message {what}; answered ERROR 103")
}

/// The server closed the connection (`None`), or a socket failed with `error`.
pub fn gone_line(error: Option<&str>) -> String {
    match error {
        None => "server closed the connection".to_string(),
        Some(e) => format!("lost the connection to the server: {e}"),
    }
}

/// No server of the chat answered; another round after `after`.
pub fn retry_line(after: Duration) -> String {
    format!(
        "could not reconnect to any server; trying again in {} s",
        after.as_secs_f64()
    )
}

/// `delivered to bob`, `could not deliver to bob: …`, or what a missing reply means.
pub fn outcome_line(target: &Target, outcome: &Outcome) -> String {
    let to = target.wire_name();
    match (outcome, target) {
        (Outcome::Delivered, _) => format!("delivered to {to}"),
        (Outcome::Failed(why), _) => format!("could not deliver to {to}: {why}"),
        (Outcome::NoReply(wait), Target::All | Target::Room(_)) => format!(
            "no reply for {to} within {} s; it may or may not have been delivered",
            wait.as_secs_f64()
        ),
        (Outcome::NoReply(wait), Target::User(_)) => format!(
            "could not deliver to {to}: no reply from the server within {} s",
            wait.as_secs_f64()
        ),
        (Outcome::Stored(_), _) => format!("stored for {to}"),
        (Outcome::Lost, _) => format!(
            "no reply for {to}: the connection was lost; it may or may not have been delivered"
        ),
    }
}

/// A stored message reached `to`: `delivered to bob (stored): "hello"`, naming the message
/// by its first line when this session sent it.
pub fn delivered_line(to: &str, text: Option<&str>) -> String {
    let to = printable(to);
    let Some(text) = text else {
        return format!("delivered to {to} (a message stored earlier)");
    };
    let first = text.lines().next().unwrap_or_default();
    let mut named: String = first.chars().take(40).collect();
    if named.chars().count() < text.chars().count() {
        named.push('…');
    }
    format!("delivered to {to} (stored): \"{}\"", printable(&named))
}

/// `/register` or `/unregister` done.
pub fn claimed_line(name: &str, claimed: bool) -> String {
    let name = printable(name);
    if claimed {
        format!("password set: the name {name} is yours, and logging in as {name} needs it")
    } else {
        format!("claim dropped: the name {name} is anyone's again")
    }
}

/// `/history`: a line saying how many, then one indented line (or block) per message,
/// oldest first, each with its date and time.
pub fn history_block(entries: &[Entry]) -> String {
    if entries.is_empty() {
        return "history: no messages".to_string();
    }
    let noun = if entries.len() == 1 {
        "message"
    } else {
        "messages"
    };
    let mut out = format!("history ({} {noun}, oldest first):", entries.len());
    for entry in entries {
        out.push('\n');
        out.push_str(&history_line(entry));
    }
    out
}

/// `  [2026-11-30 10:00] alice -> bob: psst`, `  [...] alice: hi`, `  [...] * alice waves`.
fn history_line(entry: &Entry) -> String {
    let when = entry.at.map_or_else(|| "?".to_string(), dated);
    let who = printable(&entry.from);
    let to = entry.to.as_deref().map(printable);
    let head = match (to, entry.emote) {
        (None, true) => format!("  [{when}] * {who}"),
        (Some(to), true) => format!("  [{when}] * {who} (to {to})"),
        (Some(to), false) => format!("  [{when}] {who} -> {to}:"),
        (None, false) => format!("  [{when}] {who}:"),
    };
    block(&head, &entry.text)
}

/// `lines` with `head` before its first line and the others indented to match.
fn indented_after(head: &str, lines: &str) -> String {
    let indent = " ".repeat(head.chars().count());
    let mut out = String::new();
    for (i, line) in lines.split('\n').enumerate() {
        if i == 0 {
            out.push_str(head);
        } else {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
            }
        }
        out.push_str(line);
    }
    out
}

/// A received message as shown: `[HH:MM] alice: text` and the other shapes listed above.
/// Continuation lines of a multi-line body are indented under the first line's text.
pub fn incoming(from: &str, body: &[u8], meta: &Meta) -> String {
    let text = body_text(body);
    let (emote, text) = match meta.action(&text) {
        Some(action) => (true, action),
        None => (false, text.as_str()),
    };
    let who = printable(from);
    let head = if from == SERVER_NAME {
        "*** server:".to_string()
    } else if meta.kind == Some(MetaKind::Server) {
        format!("*** {who}:")
    } else if emote {
        format!("* {who}")
    } else if meta.kind == Some(MetaKind::Direct) {
        format!("{who} (to you):")
    } else {
        format!("{who}:")
    };
    let head = match &meta.room {
        Some(room) => format!("{} {head}", printable(room)),
        None => head,
    };
    match &meta.time {
        Some(time) => block(&format!("[{}] {head}", printable(time)), text),
        None => block(&head, text),
    }
}

/// A received message in the seed's shapes: `pat: hi`, `pat -> chris: hi`, `[pat waves]`.
pub fn seed_incoming(from: &str, body: &[u8], meta: &Meta) -> String {
    let text = body_text(body);
    let who = printable(from);
    if from == SERVER_NAME {
        return block("*** server:", &text);
    }
    let room = meta
        .room
        .as_deref()
        .map_or(String::new(), |r| printable(r) + " ");
    if let Some(action) = meta.action(&text) {
        return format!("{}]", block(&format!("{room}[{who}"), action));
    }
    let who = format!("{room}{who}");
    match &meta.to {
        Some(to) => block(&format!("{who} -> {}:", printable(to)), &text),
        None => block(&format!("{who}:"), &text),
    }
}

/// `head text`, each further line of `text` indented to start under the first one's text.
fn block(head: &str, text: &str) -> String {
    let indent = " ".repeat(head.chars().count() + 1);
    let mut out = head.to_string();
    for (i, line) in text.split('\n').enumerate() {
        if i == 0 {
            out.push(' ');
        } else {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
            }
        }
        out.push_str(&printable(line));
    }
    out.trim_end_matches(' ').to_string()
}

/// The line for a server event, `None` for pushes that show nothing. `me` is our own name:
/// a kick naming it reads `*** you were kicked (…)`. `seed` for the seed's shapes of joins
/// and leaves.
pub fn push_line(push: &Push, me: &str, seed: bool) -> Option<String> {
    let because = |reason: &Option<String>| match reason {
        Some(r) => format!(" ({})", printable(r)),
        None => String::new(),
    };
    let line = match push {
        Push::Joined(name) if seed => format!("*** {} has joined the chat", printable(name)),
        Push::Joined(name) => format!("*** {} joined", printable(name)),
        Push::Left { name, reason } if seed => {
            format!(
                "*** {} has left the chat{}",
                printable(name),
                because(reason)
            )
        }
        Push::Left { name, reason } => format!("*** {} left{}", printable(name), because(reason)),
        Push::Kicked { name, reason } if name == me => {
            format!("*** you were kicked{}", because(reason))
        }
        Push::Kicked { name, reason } => {
            format!("*** {} was kicked{}", printable(name), because(reason))
        }
        Push::Bye => return None,
        room => return room_push_line(room, me),
    };
    Some(line)
}

/// `online (3): alice, bob, carol`.
pub fn users_line(names: &[String]) -> String {
    let names: Vec<String> = names.iter().map(|n| printable(n)).collect();
    if names.is_empty() {
        return "online (0)".to_string();
    }
    format!("online ({}): {}", names.len(), names.join(", "))
}

/// `text` with control characters other than tab replaced by U+FFFD.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "output_tests.rs"]
mod tests;
