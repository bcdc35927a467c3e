//! The checks run against a server: one per rule of PROTOCOL.md Parts 1, 2 and 5, each a
//! function that opens its own sockets, registers its own users (names unique to the run and
//! the check) and returns when the server has shown the rule kept or broken.
//!
//! Checks are independent, so they run several at a time (`--jobs`); the broadcast checks,
//! whose messages reach every user online, run first and one at a time, and each waits for
//! the server to let go of its users before the next starts. A server that other people are
//! using at the same time will fail the broadcast checks: point the kit at one of your own.
//!
//! # Layout
//! - [`kit`]: the run's settings ([`Target`]), the per-check context and registered users.
//! - [`registration`], [`sending`], [`broadcast`]: Part 1.
//! - [`stream`], [`acks`], [`limits`]: Part 2.
//! - [`memory`]: Part 5, accounts, offline messages and history (skipped when the server does
//!   not grant them).

pub mod acks;
pub mod broadcast;
pub mod kit;
pub mod limits;
pub mod memory;
pub mod registration;
pub mod sending;
pub mod stream;

pub use kit::{Ctx, Target, User};

use super::report::{Entry, Report};
use super::runner;
use super::{CheckInfo, Part, Selection, Verdict};
use std::time::Instant;

/// What a check function returns: `Ok` for a pass, or why not.
pub type CheckResult = Result<(), Verdict>;

/// One check: what it is, and the function that runs it.
#[derive(Clone, Copy)]
pub struct Check {
    pub info: CheckInfo,
    pub run: fn(&Ctx) -> CheckResult,
    /// Runs alone, with no other check's users online (broadcasts reach everyone).
    pub exclusive: bool,
}

impl Check {
    /// A check of a Part 1 rule.
    pub const fn part1(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check::new(Part::Original, id, rule, title, run)
    }

    /// A check of a Part 2 rule.
    pub const fn part2(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check::new(Part::Robust, id, rule, title, run)
    }

    /// A check of a Part 5 rule (the chat's memory).
    pub const fn part5(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check::new(Part::Memory, id, rule, title, run)
    }

    const fn new(
        part: Part,
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check {
            info: CheckInfo {
                id,
                part,
                rule,
                title,
            },
            run,
            exclusive: false,
        }
    }

    /// The same check, run with no other check's users online.
    pub const fn alone(mut self) -> Check {
        self.exclusive = true;
        self
    }
}

/// Every server check, in report order.
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend_from_slice(registration::CHECKS);
    all.extend_from_slice(sending::CHECKS);
    all.extend_from_slice(broadcast::CHECKS);
    all.extend_from_slice(stream::CHECKS);
    all.extend_from_slice(acks::CHECKS);
    all.extend_from_slice(limits::CHECKS);
    all.extend(memory::checks());
    all
}

/// Runs the selected checks against `target`, `jobs` at a time, calling `progress` with each
/// entry as soon as it and every entry before it in report order are known.
pub fn run(
    target: &Target,
    selection: &Selection,
    jobs: usize,
    progress: impl FnMut(&Entry),
) -> Report {
    let started = Instant::now();
    let run_tag = kit::run_tag();
    let chosen: Vec<(usize, Check)> = checks()
        .into_iter()
        .enumerate()
        .filter(|(_, c)| selection.includes(&c.info))
        .collect();
    let run = |index: usize, check: &Check| {
        let ctx = Ctx::new(target, &run_tag, index);
        let entry = run_one(check, &ctx);
        if check.exclusive {
            // Broadcasts reach everyone: the next check starts with this one's users gone.
            ctx.await_names_free();
        }
        entry
    };
    let entries = runner::run_all(&chosen, |c| c.exclusive, jobs, run, progress);
    Report {
        target: format!("server {}", target.addr),
        entries,
        elapsed: started.elapsed(),
    }
}

/// Runs one check; a check that panics fails (the kit's own bug, reported not hidden).
pub fn run_one(check: &Check, ctx: &Ctx) -> Entry {
    runner::timed(check.info, || (check.run)(ctx))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn check_ids_are_unique_dotted_and_titled() {
        let all = checks();
        let ids: HashSet<_> = all.iter().map(|c| c.info.id).collect();
        assert_eq!(ids.len(), all.len(), "duplicate check id");
        for c in &all {
            assert!(c.info.id.contains('.'), "{}", c.info.id);
            assert!(
                !c.info.rule.is_empty() && !c.info.title.is_empty(),
                "{}",
                c.info.id
            );
        }
    }
}
