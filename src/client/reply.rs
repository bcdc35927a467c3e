//! Deciding what a reply from the server means for the request waiting for one: a `SEND`,
//! or a `USERS` (the `users` extension), which share one reply stream on TOSEND.
//!
//! Servers disagree (PROTOCOL.md Part 2): success is `SENT` or `SEND` followed by the
//! recipient, the sender or `ALL`; errors are keyed on their number; a broadcast may get one
//! reply, one per recipient, or none. So a reply can also be *stale*: a late answer to an
//! earlier broadcast, which must never be taken for the answer to the message now waiting.

use crate::command::Target;
use crate::words::Refusal;
use chat::wire::ext::ExtMsg;
use chat::wire::{is_all, Command, Message};
use std::collections::VecDeque;
use std::time::Instant;

/// A request that waits for its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    /// `SEND <target>`.
    Send(Target),
    /// `USERS`.
    Users,
}

/// A message from the server that answers a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `SENT <name>`, or the body-less `SEND <name>` of old servers.
    Success { name: String },
    /// `ERROR <code> <text>` (or a JSON `error` packet).
    Failure(Refusal),
    /// `USERS <count>` with a body of names, one per line.
    Users { names: Vec<String> },
}

impl Reply {
    /// The reply carried by `msg`, if it is one.
    pub fn from_message(msg: &Message) -> Option<Reply> {
        match &msg.command {
            Command::Sent { to } => Some(Reply::Success { name: to.clone() }),
            Command::Send { to } if msg.body.is_none() => Some(Reply::Success { name: to.clone() }),
            Command::Error { code, text } => Some(Reply::Failure(Refusal::from_error(*code, text))),
            Command::Other { .. } => match ExtMsg::from_message(msg) {
                Some(ExtMsg::Users { names }) => Some(Reply::Users { names }),
                _ => None,
            },
            _ => None,
        }
    }
}

/// What a reply means for the request waiting for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    /// Not done, and why.
    Failed(Refusal),
    /// The users online, in the server's order.
    Listed(Vec<String>),
    /// An answer to something earlier; the request is still waiting.
    Stale,
}

/// Judges `reply` for `request`, sent by `me`.
///
/// `broadcast_tail` is true once a broadcast has been answered or given up on: its extra
/// per-recipient replies may still come, and a success naming a third user is one of them.
pub fn judge(reply: &Reply, request: &Request, me: &str, broadcast_tail: bool) -> Verdict {
    let target = match request {
        Request::Send(target) => target,
        Request::Users => {
            return match reply {
                Reply::Users { names } => Verdict::Listed(names.clone()),
                Reply::Failure(why) => Verdict::Failed(why.clone()),
                Reply::Success { .. } => Verdict::Stale,
            }
        }
    };
    match (reply, target) {
        (Reply::Users { .. }, _) => Verdict::Stale,
        (Reply::Failure(why), _) => Verdict::Failed(why.clone()),
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

/// The replies an in-order server still owes for requests that timed out (a `SEND` to a user
/// or a `USERS`; a broadcast may get any number of replies, so it owes none). Each is dropped
/// when it comes instead of being taken for the answer to a later request, and forgotten
/// after its expiry in case the server never sends it.
#[derive(Debug, Default)]
pub struct Owed(VecDeque<(Instant, Request)>);

impl Owed {
    pub fn push(&mut self, request: Request, expiry: Instant) {
        self.0.push_back((expiry, request));
    }

    /// True when `reply` is the late answer to the oldest owed request (now settled).
    pub fn settles(&mut self, reply: &Reply, now: Instant) -> bool {
        while self.0.front().is_some_and(|(expiry, _)| *expiry <= now) {
            self.0.pop_front();
        }
        let Some((_, oldest)) = self.0.front() else {
            return false;
        };
        // A user list answers nothing but a `USERS`; other replies come in order.
        if matches!(reply, Reply::Users { .. }) && *oldest != Request::Users {
            return false;
        }
        self.0.pop_front();
        true
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

    fn bob() -> Request {
        Request::Send(Target::User("bob".into()))
    }

    fn all() -> Request {
        Request::Send(Target::All)
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
        let unable = Refusal::from_error(102, "");
        assert_eq!(
            r.as_ref().map(|r| judge(r, &bob(), "me", false)),
            Some(Verdict::Failed(unable.clone()))
        );
        assert_eq!(
            judge(&Reply::Failure(unable.clone()), &all(), "me", false),
            Verdict::Failed(unable)
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
            assert_eq!(judge(&ok(name), &all(), "alice", true), Verdict::Delivered);
        }
    }

    #[test]
    fn a_user_list_answers_users_only() {
        let listed = reply(b"USERS 2\nContent-length: 10\n\nalice\nbob\n");
        let names = vec!["alice".to_string(), "bob".to_string()];
        assert_eq!(
            listed,
            Some(Reply::Users {
                names: names.clone()
            })
        );
        let listed = listed.unwrap_or(ok(""));
        assert_eq!(
            judge(&listed, &Request::Users, "me", false),
            Verdict::Listed(names)
        );
        assert_eq!(judge(&listed, &bob(), "me", false), Verdict::Stale);
        assert_eq!(judge(&listed, &all(), "me", true), Verdict::Stale);
        assert_eq!(
            judge(&ok("ALL"), &Request::Users, "me", true),
            Verdict::Stale
        );
        let refused = reply(b"ERROR 106 Unknown command\n\n").unwrap_or(ok(""));
        assert_eq!(
            judge(&refused, &Request::Users, "me", false),
            Verdict::Failed(Refusal::from_error(106, ""))
        );
        assert_eq!(reply(b"USERS 0\n\n"), Some(Reply::Users { names: vec![] }));
    }

    #[test]
    fn owed_replies_are_dropped_in_order_until_they_expire() {
        let now = Instant::now();
        let later = now + std::time::Duration::from_secs(1);
        let mut owed = Owed::default();
        assert!(!owed.settles(&ok("bob"), now));
        owed.push(bob(), later);
        owed.push(Request::Users, later);
        let list = Reply::Users { names: vec![] };
        assert!(
            !owed.settles(&list, now),
            "a list is not the answer to a SEND"
        );
        assert!(owed.settles(&ok("bob"), now));
        assert!(owed.settles(&list, now));
        assert!(!owed.settles(&ok("bob"), now));
        owed.push(bob(), later);
        assert!(!owed.settles(&ok("bob"), later), "expired");
    }
}
