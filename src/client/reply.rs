//! Deciding what a reply from the server means for the request waiting for one: a `SEND`,
//! a `USERS` (the `users` extension), a `PASSWORD` (`auth`) or a `HISTORY` (`history`),
//! which share one reply stream on TOSEND. A `SEND` to an offline claimed user may be
//! answered `STORED` (`offline`) rather than `SENT`.
//!
//! Servers disagree (PROTOCOL.md Part 2): success is `SENT` or `SEND` followed by the
//! recipient, the sender or `ALL`; errors are keyed on their number; a broadcast may get one
//! reply, one per recipient, or none. So a reply can also be *stale*: a late answer to an
//! earlier broadcast, which must never be taken for the answer to the message now waiting.

use crate::command::Target;
use crate::history::{Entry, Page};
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
    /// `PASSWORD`: a new one (`drop` false), or none, dropping the claim.
    Password { drop: bool },
    /// `HISTORY`.
    History(Page),
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
    /// `STORED <to>` with `Id:`: kept for an offline recipient.
    Stored { to: String, id: u64 },
    /// `PASSWORD SET` (`claimed`) or `PASSWORD DROPPED`.
    Password { claimed: bool },
    /// `HISTORY <count>` with its entries, oldest first.
    History { entries: Vec<Entry> },
}

impl Reply {
    /// The reply carried by `msg`, if it is one.
    pub fn from_message(msg: &Message) -> Option<Reply> {
        match &msg.command {
            Command::Sent { to } => Some(Reply::Success { name: to.clone() }),
            Command::Send { to } if msg.body.is_none() => Some(Reply::Success { name: to.clone() }),
            Command::Error { code, text } => Some(Reply::Failure(Refusal::from_error(*code, text))),
            Command::Other { .. } => match ExtMsg::from_message(msg)? {
                ExtMsg::Users { names } => Some(Reply::Users { names }),
                ExtMsg::Stored { to, id } => Some(Reply::Stored { to, id }),
                ExtMsg::PasswordSet => Some(Reply::Password { claimed: true }),
                ExtMsg::PasswordDropped => Some(Reply::Password { claimed: false }),
                ExtMsg::History { entries, .. } => Some(Reply::History {
                    entries: entries.into_iter().map(Entry::from_wire).collect(),
                }),
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
    /// Kept for an offline recipient, with this id.
    Stored(u64),
    /// The name is claimed now (true), or free (false).
    Claimed(bool),
    /// A page of history, oldest first.
    Page(Vec<Entry>),
    /// An answer to something earlier; the request is still waiting.
    Stale,
}

/// Judges `reply` for `request`, sent by `me`.
///
/// `broadcast_tail` is true once a broadcast has been answered or given up on: its extra
/// per-recipient replies may still come, and a success naming a third user is one of them.
pub fn judge(reply: &Reply, request: &Request, me: &str, broadcast_tail: bool) -> Verdict {
    let target = match (request, reply) {
        (_, Reply::Failure(why)) => return Verdict::Failed(why.clone()),
        (Request::Send(target), _) => target,
        (Request::Users, Reply::Users { names }) => return Verdict::Listed(names.clone()),
        (Request::Password { .. }, Reply::Password { claimed }) => {
            return Verdict::Claimed(*claimed)
        }
        (Request::History(_), Reply::History { entries }) => return Verdict::Page(entries.clone()),
        _ => return Verdict::Stale,
    };
    match (reply, target) {
        (Reply::Stored { to, id }, Target::User(name)) if to.eq_ignore_ascii_case(name) => {
            Verdict::Stored(*id)
        }
        (
            Reply::Users { .. }
            | Reply::Stored { .. }
            | Reply::Password { .. }
            | Reply::History { .. }
            | Reply::Failure(_),
            _,
        ) => Verdict::Stale,
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
        // A user list answers nothing but a `USERS`, and so on; other replies come in order.
        let answers_only = match reply {
            Reply::Users { .. } => Some(matches!(oldest, Request::Users)),
            Reply::Password { .. } => Some(matches!(oldest, Request::Password { .. })),
            Reply::History { .. } => Some(matches!(oldest, Request::History(_))),
            _ => None,
        };
        if answers_only == Some(false) {
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
    fn the_memory_extensions_replies_answer_their_own_requests() {
        let stored = reply(b"STORED bob\nId: 42\n\n");
        assert_eq!(
            stored,
            Some(Reply::Stored {
                to: "bob".into(),
                id: 42
            })
        );
        let stored = stored.unwrap_or(ok(""));
        assert_eq!(judge(&stored, &bob(), "me", false), Verdict::Stored(42));
        assert_eq!(judge(&stored, &all(), "me", false), Verdict::Stale);
        let other = Request::Send(Target::User("carol".into()));
        assert_eq!(judge(&stored, &other, "me", false), Verdict::Stale);

        let set = reply(b"PASSWORD SET\n\n").unwrap_or(ok(""));
        let dropped = reply(b"PASSWORD DROPPED\n\n").unwrap_or(ok(""));
        let claim = Request::Password { drop: false };
        assert_eq!(judge(&set, &claim, "me", false), Verdict::Claimed(true));
        assert_eq!(
            judge(&dropped, &claim, "me", false),
            Verdict::Claimed(false)
        );
        assert_eq!(judge(&set, &bob(), "me", false), Verdict::Stale);
        assert_eq!(judge(&ok("bob"), &claim, "me", false), Verdict::Stale);

        let page = reply(
            b"HISTORY 1\nContent-length: 64\n\nENTRY 7 bob ALL\nContent-length: 2\nTime: 2026-01-15T10:00:00Z\n\nhi",
        )
        .unwrap_or(ok(""));
        let history = Request::History(Page::typed(20));
        match judge(&page, &history, "me", false) {
            Verdict::Page(entries) => {
                assert_eq!(entries.len(), 1);
                assert_eq!((entries[0].id, entries[0].text.as_str()), (7, "hi"));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(judge(&page, &Request::Users, "me", false), Verdict::Stale);
        let refused = Reply::Failure(Refusal::from_error(106, ""));
        assert!(matches!(
            judge(&refused, &history, "me", false),
            Verdict::Failed(_)
        ));
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
