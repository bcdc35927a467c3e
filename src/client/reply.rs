//! Deciding what a reply from the server means for the message waiting for one.
//!
//! Servers disagree (PROTOCOL.md Part 2): success is `SENT` or `SEND` followed by the
//! recipient, the sender or `ALL`; errors are keyed on their number; a broadcast may get one
//! reply, one per recipient, or none. So a reply can also be *stale*: a late answer to an
//! earlier broadcast, which must never be taken for the answer to the message now waiting.

use crate::command::Target;
use chat::wire::{is_all, Command, ErrorCode, Message};

/// A message from the server that answers a `SEND`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `SENT <name>`, or the body-less `SEND <name>` of old servers.
    Success { name: String },
    /// `ERROR <code> <text>`.
    Failure { code: u16, text: String },
}

impl Reply {
    /// The reply carried by `msg`, if it is one.
    pub fn from_message(msg: &Message) -> Option<Reply> {
        match &msg.command {
            Command::Sent { to } => Some(Reply::Success { name: to.clone() }),
            Command::Send { to } if msg.body.is_none() => Some(Reply::Success { name: to.clone() }),
            Command::Error { code, text } => Some(Reply::Failure {
                code: *code,
                text: text.clone(),
            }),
            _ => None,
        }
    }
}

/// What a reply means for the message waiting for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Not delivered; the text is the server's error line, e.g. `ERROR 102 Unable to send`.
    Failed(String),
    /// An answer to something earlier; the message is still waiting.
    Stale,
}

/// Judges `reply` for a message to `target` sent by `me`.
///
/// `broadcast_tail` is true once a broadcast has been answered or given up on: its extra
/// per-recipient replies may still come, and a success naming a third user is one of them.
pub fn judge(reply: &Reply, target: &Target, me: &str, broadcast_tail: bool) -> Verdict {
    match (reply, target) {
        (Reply::Failure { code, text }, _) => Verdict::Failed(error_line(*code, text)),
        (Reply::Success { .. }, Target::All) => Verdict::Delivered,
        (Reply::Success { name }, Target::User(to)) => {
            let expected = name.is_empty() || name.eq_ignore_ascii_case(to);
            if is_all(name) {
                Verdict::Stale
            } else if expected || name.eq_ignore_ascii_case(me) || !broadcast_tail {
                Verdict::Delivered
            } else {
                Verdict::Stale
            }
        }
    }
}

/// `ERROR <code> <text>`, with the protocol's text when the server sent none.
fn error_line(code: u16, text: &str) -> String {
    if !text.is_empty() {
        return format!("ERROR {code} {text}");
    }
    let known = [
        ErrorCode::MalformedUsername,
        ErrorCode::NoUserRegistered,
        ErrorCode::UnableToSend,
        ErrorCode::HeaderIncomplete,
        ErrorCode::UsernameTaken,
        ErrorCode::MessageTooLong,
        ErrorCode::UnknownCommand,
    ];
    match known.iter().find(|c| **c as u16 == code) {
        Some(c) => format!("ERROR {code} {}", c.text()),
        None => format!("ERROR {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chat::wire::{decode, Limits};

    fn reply(bytes: &[u8]) -> Option<Reply> {
        match decode(bytes, &Limits::default()) {
            Ok(Some((msg, _))) => Reply::from_message(&msg),
            other => panic!("{bytes:?} did not decode: {other:?}"),
        }
    }

    fn ok(name: &str) -> Reply {
        Reply::Success { name: name.into() }
    }

    fn bob() -> Target {
        Target::User("bob".into())
    }

    #[test]
    fn success_in_every_spelling() {
        assert_eq!(reply(b"SENT bob\n\n"), Some(ok("bob")));
        assert_eq!(reply(b"SEND bob\n\n"), Some(ok("bob")));
        assert_eq!(reply(b"SENT bob  \n \n"), Some(ok("bob")));
        assert_eq!(reply(b"sent ALL\r\n\r\n"), Some(ok("ALL")));
        assert_eq!(reply(b"SEND bob\nContent-length: 1\n\nx"), None);
        assert_eq!(reply(b"FORWARD bob\nContent-length: 1\n\nx"), None);
    }

    #[test]
    fn errors_keyed_on_the_number() {
        let r = reply(b"ERROR 102 whatever\n\n");
        assert_eq!(
            r.as_ref().map(|r| judge(r, &bob(), "me", false)),
            Some(Verdict::Failed("ERROR 102 whatever".into()))
        );
        let r = Reply::Failure {
            code: 102,
            text: String::new(),
        };
        assert_eq!(
            judge(&r, &Target::All, "me", false),
            Verdict::Failed("ERROR 102 Unable to send".into())
        );
    }

    #[test]
    fn unicast_success_names() {
        for name in ["bob", "BOB", "", "alice"] {
            assert_eq!(judge(&ok(name), &bob(), "alice", true), Verdict::Delivered);
        }
        assert_eq!(
            judge(&ok("carol"), &bob(), "alice", false),
            Verdict::Delivered
        );
    }

    #[test]
    fn late_broadcast_replies_are_stale_for_a_unicast() {
        assert_eq!(judge(&ok("ALL"), &bob(), "alice", false), Verdict::Stale);
        assert_eq!(judge(&ok("all"), &bob(), "alice", true), Verdict::Stale);
        assert_eq!(judge(&ok("carol"), &bob(), "alice", true), Verdict::Stale);
    }

    #[test]
    fn any_success_answers_a_broadcast() {
        for name in ["ALL", "carol", "alice", ""] {
            assert_eq!(
                judge(&ok(name), &Target::All, "alice", true),
                Verdict::Delivered
            );
        }
    }
}
