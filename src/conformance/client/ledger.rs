//! The verdicts of one session, check by check: the script records a failure, a pass or a
//! skip whenever it learns one, and the ledger turns them into the report's entries.
//!
//! A failure is final (the first one is kept: later ones are usually its consequences); a
//! pass or a skip only fills a check that has no verdict yet. A check the script never got to
//! is skipped with the reason the session stopped.

use super::checks::CHECKS;
use crate::conformance::report::Entry;
use crate::conformance::{CheckInfo, Failure, Outcome, Selection};
use std::time::{Duration, Instant};

struct Slot {
    info: CheckInfo,
    outcome: Option<Outcome>,
    began: Option<Instant>,
    elapsed: Duration,
}

pub struct Ledger {
    slots: Vec<Slot>,
    started: Instant,
}

impl Ledger {
    /// A ledger for the checks `selection` includes.
    pub fn new(selection: &Selection) -> Ledger {
        let slots = CHECKS
            .iter()
            .filter(|info| selection.includes(info))
            .map(|info| Slot {
                info: *info,
                outcome: None,
                began: None,
                elapsed: Duration::ZERO,
            })
            .collect();
        Ledger {
            slots,
            started: Instant::now(),
        }
    }

    /// True when the run includes check `id`.
    pub fn wants(&self, id: &str) -> bool {
        self.slots.iter().any(|s| s.info.id == id)
    }

    /// True when `id` is included and has no verdict yet.
    pub fn open(&self, id: &str) -> bool {
        self.slot(id).is_some_and(|s| s.outcome.is_none())
    }

    /// True when `id` has failed.
    pub fn failed(&self, id: &str) -> bool {
        self.slot(id)
            .is_some_and(|s| matches!(s.outcome, Some(Outcome::Fail(_))))
    }

    /// Notes that the part of the script judging `id` starts now (for its time).
    pub fn begin(&mut self, id: &str) {
        if let Some(slot) = self.slot_mut(id) {
            slot.began.get_or_insert_with(Instant::now);
        }
    }

    pub fn fail(&mut self, id: &str, failure: Failure) {
        self.decide(id, Outcome::Fail(failure), true);
    }

    pub fn pass(&mut self, id: &str) {
        self.decide(id, Outcome::Pass, false);
    }

    pub fn skip(&mut self, id: &str, why: impl Into<String>) {
        self.decide(id, Outcome::Skip(why.into()), false);
    }

    /// Skips every check without a verdict.
    fn skip_rest(&mut self, why: &str) {
        let open: Vec<&'static str> = self
            .slots
            .iter()
            .filter(|s| s.outcome.is_none())
            .map(|s| s.info.id)
            .collect();
        for id in open {
            self.skip(id, why);
        }
    }

    fn decide(&mut self, id: &str, outcome: Outcome, overrides_pass: bool) {
        let started = self.started;
        let Some(slot) = self.slot_mut(id) else {
            return;
        };
        let replace = match slot.outcome {
            None => true,
            Some(Outcome::Pass) | Some(Outcome::Skip(_)) => overrides_pass,
            Some(Outcome::Fail(_)) => false,
        };
        if replace {
            slot.outcome = Some(outcome);
            slot.elapsed = slot.began.unwrap_or(started).elapsed();
        }
    }

    /// The entries, in report order; checks without a verdict are skipped with `why`.
    pub fn entries(mut self, why: &str) -> Vec<Entry> {
        self.skip_rest(why);
        self.slots
            .into_iter()
            .map(|s| Entry {
                info: s.info,
                outcome: s.outcome.unwrap_or(Outcome::Skip(why.to_string())),
                elapsed: s.elapsed,
            })
            .collect()
    }

    fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.info.id == id)
    }

    fn slot_mut(&mut self, id: &str) -> Option<&mut Slot> {
        self.slots.iter_mut().find(|s| s.info.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::client::checks::{ACK_FORWARD, SAME_NAME, SEND_FRAMING};

    #[test]
    fn a_failure_is_final_and_a_pass_fills_only_an_empty_slot() {
        let mut ledger = Ledger::new(&Selection::default());
        ledger.pass(ACK_FORWARD);
        ledger.fail(ACK_FORWARD, Failure::new("first"));
        ledger.fail(ACK_FORWARD, Failure::new("second"));
        ledger.pass(ACK_FORWARD);
        ledger.skip(SAME_NAME, "why");
        ledger.pass(SAME_NAME);
        let entries = ledger.entries("stopped");
        let outcome = |id: &str| {
            entries
                .iter()
                .find(|e| e.info.id == id)
                .map(|e| e.outcome.clone())
        };
        assert_eq!(
            outcome(ACK_FORWARD),
            Some(Outcome::Fail(Failure::new("first")))
        );
        assert_eq!(outcome(SAME_NAME), Some(Outcome::Skip("why".into())));
        assert_eq!(outcome(SEND_FRAMING), Some(Outcome::Skip("stopped".into())));
    }

    #[test]
    fn only_selected_checks_are_kept() {
        let selection = Selection {
            only: vec![SAME_NAME.into()],
            ..Selection::default()
        };
        let mut ledger = Ledger::new(&selection);
        assert!(ledger.wants(SAME_NAME) && !ledger.wants(ACK_FORWARD));
        ledger.fail(ACK_FORWARD, Failure::new("ignored"));
        assert_eq!(ledger.entries("x").len(), 1);
    }
}
