//! The session's side of Part 5: claiming our name (`/register`, asked twice in line mode,
//! or the full screen's box), dropping the claim (`/unregister`), pages of history
//! (`/history`, or the full screen's pane), messages kept for offline users (`STORED`, then
//! `EVENT DELIVERED`), and showing each message once by its id.

use super::{Gone, Session};
use crate::history::{Entry, Page};
use crate::link::Out;
use crate::reply::Request;
use crate::secret::{self, Secret};
use crate::view::{LineId, Outcome, SessionEvent};
use crate::words::Refusal;

/// Where line mode's `/register` is: the new password asked for, or asked again.
#[derive(Debug)]
pub(super) enum NewPassword {
    First,
    Again(Secret),
}

impl Session<'_> {
    /// `/register` in line mode: asks for the new password (the next line answers).
    pub(super) fn ask_new_password(&mut self) {
        self.asking = Some(NewPassword::First);
        self.view
            .show(SessionEvent::AskNewPassword { again: false });
    }

    /// A line typed as the new password (`step` says which time).
    pub(super) fn password_typed(&mut self, step: NewPassword, line: &str) -> Result<(), Gone> {
        let typed = line.trim_end_matches(['\n', '\r']);
        let again = "nothing was sent; type /register to try again";
        match step {
            NewPassword::First => match secret::problem(typed) {
                Some(why) => self
                    .view
                    .show(SessionEvent::Hint(format!("{why}; {again}"))),
                None => {
                    self.asking = Some(NewPassword::Again(Secret::new(typed)));
                    self.view.show(SessionEvent::AskNewPassword { again: true });
                }
            },
            NewPassword::Again(first) if first.expose() == typed => return self.claim(first),
            NewPassword::Again(_) => self.view.show(SessionEvent::Hint(format!(
                "the two passwords differ; {again}"
            ))),
        }
        Ok(())
    }

    /// Claims our name with `password` (or sets it anew): `PASSWORD` with it.
    pub(super) fn claim(&mut self, password: Secret) -> Result<(), Gone> {
        if !self.caps.accounts {
            self.view
                .show(SessionEvent::Unsupported(crate::words::Feature::Accounts));
            return Ok(());
        }
        let request = Request::Password { drop: false };
        let line = self.next_line;
        self.request(line, request, Out::Password(Some(&password)), "")?;
        self.claiming = Some(password);
        Ok(())
    }

    /// `/unregister`: `PASSWORD` with none.
    pub(super) fn unclaim(&mut self, line: LineId) -> Result<(), Gone> {
        self.claiming = None;
        let request = Request::Password { drop: true };
        self.request(line, request, Out::Password(None), "")
    }

    /// `/history`, or a page for the full screen's pane.
    pub(super) fn history(&mut self, line: LineId, page: Page) -> Result<(), Gone> {
        self.request(line, Request::History(page), Out::History(page), "")
    }

    /// A page the full screen asks for, when the server keeps history.
    pub(super) fn page(&mut self, page: Page) -> Result<(), Gone> {
        if !self.caps.history {
            log::debug!("no history on this server; {page:?} not asked for");
            return Ok(());
        }
        let line = self.next_line;
        self.history(line, page)
    }

    /// The answer to a `PASSWORD`: the claim is set (`claimed`) or dropped.
    pub(super) fn claimed(&mut self, claimed: bool) -> SessionEvent {
        self.memory.password = if claimed { self.claiming.take() } else { None };
        SessionEvent::Claimed {
            name: self.me.clone(),
            claimed,
        }
    }

    /// A `PASSWORD` refused or unanswered.
    pub(super) fn claim_failed(&mut self, why: Option<&Refusal>, drop: bool) -> SessionEvent {
        self.claiming = None;
        let text = match why {
            Some(why) => why.for_password(drop),
            None => format!(
                "no reply from the server within {} s; the claim may or may not have changed",
                self.reply_timeout.as_secs_f64()
            ),
        };
        SessionEvent::ClaimFailed(text)
    }

    /// A page of history came: for the pane, without what was shown already.
    pub(super) fn paged(&mut self, page: Page, entries: Vec<Entry>) -> SessionEvent {
        let complete = entries.len() < page.limit;
        let oldest = entries.iter().map(|e| e.id).min();
        let entries = if page.typed {
            entries
        } else {
            let shown = &mut self.memory.shown;
            entries
                .into_iter()
                .filter(|e| shown.first_time(e.id))
                .collect()
        };
        SessionEvent::History {
            page,
            entries,
            oldest,
            complete,
        }
    }

    /// A message of ours was stored with `id`: its text is kept to name it when delivered.
    pub(super) fn stored(&mut self, line: LineId, to: String, text: String, id: u64) {
        let target = crate::command::Target::User(to.clone());
        self.view.show(SessionEvent::Outcome {
            line,
            target,
            outcome: Outcome::Stored(id),
        });
        if self.delivered_early.remove(&id) {
            return self.view.show(SessionEvent::Delivered {
                to,
                id,
                text: Some(text),
            });
        }
        self.stored.insert(id, (to, text));
    }

    /// `EVENT DELIVERED` (a `delivered` packet): a stored message of ours reached `to`.
    pub(super) fn on_delivered(&mut self, to: String, id: u64) {
        let waiting = self.pending.as_ref().is_some_and(|p| {
            matches!(&p.request, Request::Send(crate::command::Target::User(name)) if *name == to)
        });
        let text = match self.stored.remove(&id) {
            Some((_, text)) => Some(text),
            // Its `STORED` may still be on the way, on the other socket.
            None if waiting => {
                self.delivered_early.insert(id);
                return;
            }
            None => None,
        };
        self.view.show(SessionEvent::Delivered { to, id, text });
    }

    /// Shows a message unless its id was shown before (it waited for us and came again, or
    /// is already on the screen from a page of history).
    pub(super) fn show_incoming(&mut self, event: SessionEvent) {
        if let SessionEvent::Incoming { meta, .. } = &event {
            if let Some(id) = meta.id {
                if !self.memory.shown.first_time(id) {
                    log::debug!("message {id} was shown already; dropped");
                    return;
                }
            }
        }
        self.view.show(event);
    }
}
