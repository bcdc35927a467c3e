//! The checks run against a server: one per rule of PROTOCOL.md Parts 1, 2, 5 and 8, each a
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
//! - [`rooms`]: Part 8, rooms (skipped when the server does not grant `rooms`).

pub mod acks;
pub mod broadcast;
pub mod kit;
pub mod limits;
pub mod memory;
pub mod registration;
pub mod rooms;
pub mod sending;
pub mod stream;

pub use super::check::CheckResult;
pub use kit::{Ctx, Target, User};

use super::report::{Entry, Report};
use super::{check, runner, Part, Selection};
use std::time::Instant;

/// One server check: what it is, and the function that runs it.
pub type Check = check::Check<fn(&Ctx) -> CheckResult>;

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
    all.extend(rooms::checks());
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
    let chosen = check::chosen(checks(), |info| selection.includes(info));
    let run = |index: usize, check: &Check| {
        let ctx = Ctx::new(target, &run_tag, index);
        let entry = check.run_on(&ctx);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_dotted_and_titled() {
        check::assert_well_named(&checks());
    }
}
