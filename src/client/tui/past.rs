//! Part 5 in the model: what the pane holds of the server's history and how it asks for
//! more, messages that waited for us, our own stored messages turning delivered, and claims.
//!
//! - On the first connection (with `history`) the newest page, about two screens, goes just
//!   above the note saying we connected; on a reconnection, what was said while we were away
//!   (`After:` the newest id shown), our own messages left out (the pane has them).
//! - Scrolling back past the top asks for the page before the oldest id shown; it goes at
//!   the very top, and a view still at the top moves up onto it.
//! - The session has already left out every message shown before (by id), so nothing shows
//!   twice; the pane only keeps track of the oldest and newest ids it has.

use super::{Action, App};
use crate::command::Target;
use crate::history::{self, Page};
use crate::meta::{stamp, Meta};
use crate::output::{claimed_line, delivered_line};
use crate::tui::entry::{Delivery, Entry, What};
use crate::tui::layout;
use crate::view::{LineId, Outcome};
use chat::wire::ext::MAX_HISTORY;

/// What the pane holds of the server's history, and what it may still ask for.
#[derive(Debug, Default)]
pub struct Past {
    /// The oldest and newest message ids the pane has shown (history, live or stored).
    pub oldest: Option<u64>,
    pub newest: Option<u64>,
    /// A page was asked for and has not come.
    pub loading: bool,
    /// The server has nothing older.
    pub done: bool,
    /// The first connection's history was asked for.
    pub asked: bool,
    /// Where this connection's history goes: just above the note saying it connected.
    pub at: usize,
}

impl App {
    /// How many messages a page asks for: about two screens.
    fn page_size(&self) -> usize {
        (2 * usize::from(layout::message_height(self))).clamp(1, MAX_HISTORY)
    }

    /// The page to ask for on connecting.
    pub(super) fn history_on_connect(&mut self) -> Action {
        let page = match (self.past.asked, self.past.newest) {
            (true, Some(newest)) => Page::pane(None, Some(newest), MAX_HISTORY),
            _ => Page::pane(None, None, self.page_size()),
        };
        self.past.asked = true;
        self.past.loading = true;
        Action::History(page)
    }

    /// The page before the oldest message shown (`limit` of them, or a page's worth), when
    /// the server keeps history and has more.
    pub fn older(&mut self, limit: Option<usize>) -> Action {
        let Past {
            oldest,
            loading,
            done,
            ..
        } = self.past;
        let full = self.entries.len() >= super::KEEP;
        if !self.caps.history || !self.connected || loading || done || full {
            return Action::None;
        }
        let Some(oldest) = oldest else {
            return Action::None;
        };
        self.past.loading = true;
        let limit = limit.unwrap_or_else(|| self.page_size());
        Action::History(Page::pane(Some(oldest), None, limit))
    }

    /// Notes the id of a message the pane shows.
    fn seen(&mut self, id: u64) {
        self.past.oldest = Some(self.past.oldest.map_or(id, |o| o.min(id)));
        self.past.newest = Some(self.past.newest.map_or(id, |n| n.max(id)));
    }

    /// A message from someone: one that waited for us is marked, and dated.
    pub(super) fn incoming(&mut self, from: &str, body: &[u8], meta: &Meta) {
        if let Some(id) = meta.id {
            self.seen(id);
        }
        let time = match (meta.stored, meta.at) {
            (true, Some(at)) => Some(stamp(at)),
            _ => meta.time.clone(),
        };
        self.push_entry(Entry {
            time: time.unwrap_or_else(self.clock),
            what: What::incoming(from, body, meta),
            away: meta.stored,
        });
    }

    /// A page of history came (`oldest`: the oldest id the server sent).
    pub(super) fn paged(
        &mut self,
        page: Page,
        entries: &[history::Entry],
        oldest: Option<u64>,
        complete: bool,
    ) -> Action {
        self.past.loading = false;
        let gap = page.after.is_some();
        if !gap {
            self.past.done |= complete;
        }
        if let Some(id) = oldest {
            self.seen(id);
        }
        let me = self.me.clone();
        let mut items: Vec<Entry> = (entries.iter())
            .filter(|e| !(gap && Some(&e.from) == me.as_ref()))
            .map(|e| {
                self.seen(e.id);
                Entry {
                    time: e.at.map_or_else(self.clock, stamp),
                    what: What::past(e),
                    away: false,
                }
            })
            .collect();
        // Past the most entries kept, the newest of the page are kept.
        let room = super::KEEP.saturating_sub(self.entries.len());
        if items.len() > room {
            items.drain(..items.len() - room);
            self.past.done = false;
        }
        let added = items.len();
        if page.before.is_some() {
            let at_top = self.scroll >= self.max_scroll();
            self.entries.splice(0..0, items);
            self.past.at += added;
            if at_top && added > 0 {
                let page = usize::from(layout::message_height(self)).saturating_sub(1);
                self.scroll_by(isize::try_from(page.max(1)).unwrap_or(1));
            }
        } else {
            let at = self.past.at.min(self.entries.len());
            self.entries.splice(at..at, items);
            self.past.at = at + added;
        }
        Action::None
    }

    /// The answer to our message of input line `line`: its mark.
    pub(super) fn settle(&mut self, line: LineId, outcome: Outcome) {
        let mine = self
            .entries
            .iter_mut()
            .rev()
            .find_map(|e| match &mut e.what {
                What::Mine {
                    line: l,
                    to,
                    delivery,
                    ..
                } if *l == line => Some((to.clone(), delivery)),
                _ => None,
            });
        let Some((to, delivery)) = mine else {
            return;
        };
        *delivery = match (outcome, to) {
            (Outcome::Stored(id), _) => Delivery::Stored(id),
            (Outcome::Delivered, _) => Delivery::Delivered,
            (Outcome::Failed(why), _) => Delivery::Failed(why),
            (Outcome::Lost, _) => Delivery::Unsure("connection lost".into()),
            (Outcome::NoReply(wait), Target::All | Target::Room(_)) => {
                Delivery::Unsure(format!("no reply within {} s", wait.as_secs_f64()))
            }
            (Outcome::NoReply(wait), Target::User(_)) => {
                Delivery::Failed(format!("no reply within {} s", wait.as_secs_f64()))
            }
        };
    }

    /// A stored message of ours reached `to`: its mark turns `✓`.
    pub(super) fn delivered(&mut self, to: &str, id: u64, text: Option<&str>) {
        let mine = self
            .entries
            .iter_mut()
            .rev()
            .find_map(|e| match &mut e.what {
                What::Mine { delivery, .. } if *delivery == Delivery::Stored(id) => Some(delivery),
                _ => None,
            });
        match mine {
            Some(delivery) => *delivery = Delivery::Delivered,
            None => self.note(What::Info(delivered_line(to, text))),
        }
    }

    /// `/register` or `/unregister` done.
    pub(super) fn claimed(&mut self, name: &str, claimed: bool) {
        if !claimed {
            self.answers[2].clear();
        }
        self.note(What::Info(claimed_line(name, claimed)));
    }
}
