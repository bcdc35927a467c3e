//! What comes back: a reply matched to the request awaiting it (or dropped as a late answer
//! to one that timed out, or shown as what it also is when nothing claims it: a JSON echo, a
//! JSON error), a request that got no reply in time, and the server's pushes.

use super::{Session, SETTLE};
use crate::command::Target;
use crate::push::Push;
use crate::reply::{judge, Reply, Request, Verdict};
use crate::view::{Outcome, SessionEvent};
use std::time::Instant;

impl Session<'_> {
    /// A reply: the answer to the request awaiting one, a late answer owed to one that timed
    /// out, or nobody's (then `unclaimed`, if any, is shown).
    pub(super) fn on_reply(&mut self, reply: Reply, unclaimed: Option<SessionEvent>) {
        if self.owed.settles(&reply, Instant::now()) {
            log::debug!("late reply to a request that timed out: {reply:?}");
            return;
        }
        let verdict = match &self.pending {
            Some(pending) => judge(&reply, &pending.request, &self.me, self.broadcast_tail),
            None => Verdict::Stale,
        };
        let Some(pending) = self.pending.take_if(|_| verdict != Verdict::Stale) else {
            match unclaimed {
                Some(event) => self.show_incoming(event),
                None => log::debug!("reply nobody waits for: {reply:?}"),
            }
            return;
        };
        // Our own message echoed (JSON) with its id: a page of history holding it later
        // must not show it again.
        if let Some(SessionEvent::Incoming { meta, .. }) = &unclaimed {
            if let Some(id) = meta.id {
                self.memory.shown.first_time(id);
            }
        }
        let line = pending.line;
        let event = match (verdict, &pending.request) {
            (Verdict::Listed(names), _) => {
                self.roster.listed(&names);
                SessionEvent::Users(names)
            }
            (Verdict::Failed(why), Request::Users) => SessionEvent::UsersFailed(why.for_users()),
            (Verdict::Failed(why), Request::Send(to)) => {
                let online = match to {
                    Target::User(name) => self.roster.is_online(name),
                    Target::All | Target::Room(_) => None,
                };
                SessionEvent::Outcome {
                    line,
                    target: to.clone(),
                    outcome: Outcome::Failed(why.for_message(to, online)),
                }
            }
            (Verdict::Delivered, Request::Send(to)) => SessionEvent::Outcome {
                line,
                target: to.clone(),
                outcome: Outcome::Delivered,
            },
            (Verdict::Stored(id), Request::Send(to)) => {
                let to = to.wire_name().to_string();
                return self.stored(line, to, pending.text, id);
            }
            (Verdict::Claimed(claimed), Request::Password { .. }) => self.claimed(claimed),
            (Verdict::Failed(why), Request::Password { drop }) => {
                self.claim_failed(Some(&why), *drop)
            }
            (Verdict::Page(entries), Request::History(page)) => self.paged(*page, entries),
            (Verdict::Failed(why), Request::History(page)) => SessionEvent::HistoryFailed {
                page: *page,
                why: why.for_history(),
            },
            (Verdict::Answered, request) => self.room_answered(request, reply),
            (
                Verdict::Failed(why),
                request @ (Request::Join(_)
                | Request::Part(_)
                | Request::Rooms
                | Request::Who(_)
                | Request::Topic { .. }),
            ) => self.room_refused(request, &why),
            // judge never says so
            (
                Verdict::Delivered
                | Verdict::Stale
                | Verdict::Stored(_)
                | Verdict::Claimed(_)
                | Verdict::Page(_),
                _,
            ) => return,
        };
        self.view.show(event);
        if pending.request == Request::Send(Target::All) && self.link.late_replies() {
            self.broadcast_tail = true;
            self.settle_until = Some(Instant::now() + SETTLE);
        }
    }

    /// Shows a server event; a kick's `LEAVE` (reason `kicked`) is folded into the kick.
    pub(super) fn on_push(&mut self, push: Push) {
        self.roster.pushed(&push);
        if !self.room_pushed(&push) {
            return;
        }
        match &push {
            Push::Kicked { name, .. } => {
                self.kicked_out |= *name == self.me;
                self.kicked.insert(name.clone());
            }
            Push::Left { name, reason }
                if reason.as_deref() == Some("kicked") && self.kicked.remove(name) =>
            {
                return;
            }
            Push::Bye => log::info!("BYE without a QUIT"),
            _ => {}
        }
        if push != Push::Bye {
            self.view.show(SessionEvent::Pushed(push));
        }
    }

    /// The request awaiting a reply got none in time.
    pub(super) fn time_out(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let wait = self.reply_timeout.as_secs_f64();
        let event = match &pending.request {
            Request::Users => SessionEvent::UsersFailed(format!(
                "no reply to /users from the server within {wait} s"
            )),
            Request::Password { drop } => self.claim_failed(None, *drop),
            Request::History(page) => SessionEvent::HistoryFailed {
                page: *page,
                why: format!("no history from the server within {wait} s"),
            },
            request @ (Request::Join(_)
            | Request::Part(_)
            | Request::Rooms
            | Request::Who(_)
            | Request::Topic { .. }) => self.room_unanswered(request, wait),
            Request::Send(target) => {
                self.broadcast_tail |= *target == Target::All && self.link.late_replies();
                SessionEvent::Outcome {
                    line: pending.line,
                    target: target.clone(),
                    outcome: Outcome::NoReply(self.reply_timeout),
                }
            }
        };
        self.view.show(event);
        // A broadcast may get any number of replies on two sockets, so it owes none there;
        // anything else is still owed its one reply by an in-order server. Drop it when it
        // comes, but do not wait for it forever in case the server never sends it.
        if pending.request != Request::Send(Target::All) || !self.link.late_replies() {
            let expiry = Instant::now() + self.reply_timeout;
            self.owed.push(pending.request, expiry);
        }
    }
}
