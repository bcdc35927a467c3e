//! The checks run against a server of the JSON protocol of seed 003 (PROTOCOL.md Part 4):
//! `conform json-server HOST:PORT`. Each is a function that opens its own connections, says
//! hello with nicks of its own, and returns when the server has shown the rule kept or broken.
//!
//! Two kinds of rule: what any server of seed 003 keeps (the seed's text, and what its public
//! clients need, Part 4's list: [`Part::Seed`]), and what our protocol adds (Part 4's error
//! packets, limits, extensions: [`Part::Json`]; Part 8's rooms: [`Part::Rooms`]).
//! `--profile original` is for a server written to the seed alone: the second kind is skipped,
//! and packets are judged as JSON rather than byte for byte (the seed promises no byte layout).
//!
//! Checks run several at a time; everyone hears everyone on such a server, so a connection
//! passes over packets about other checks' nicks ([`conn`]). The flood check runs first and
//! alone.
//!
//! # Layout
//! - [`exact`]: the kit's own bytes of each packet.
//! - [`conn`]: one connection, packets framed, expectations with deadlines.
//! - [`kit`]: the run's settings ([`Target`]) and the per-check context ([`Ctx`]).
//! - [`framing`], [`parsing`], [`robust`]: what any server of seed 003 keeps.
//! - [`errors`], [`ext`]: our Part 4's error packets and limits, and extensions.
//! - [`room_kit`], [`rooms`]: Part 8, the rooms' packets (skipped when `welcome` does not
//!   grant `rooms`).

pub mod conn;
pub mod errors;
pub mod exact;
pub mod ext;
pub mod framing;
pub mod kit;
pub mod parsing;
pub mod robust;
pub mod room_kit;
pub mod rooms;

pub use super::check::CheckResult;
pub use kit::{Ctx, Target};

use super::report::{Entry, Report};
use super::{check, runner, server, Outcome, Part, Profile, Selection};
use std::time::{Duration, Instant};

/// One JSON check: what it is, and the function that runs it.
pub type Check = check::Check<fn(&Ctx) -> CheckResult>;

impl Check {
    /// A check of what any server of seed 003 keeps.
    pub const fn seed(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check::new(Part::Seed, id, rule, title, run)
    }

    /// A check of what our Part 4 adds.
    pub const fn ours(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: fn(&Ctx) -> CheckResult,
    ) -> Check {
        Check::new(Part::Json, id, rule, title, run)
    }
}

/// Every JSON check, in report order.
pub fn checks() -> Vec<Check> {
    let mut all = Vec::new();
    all.extend_from_slice(framing::CHECKS);
    all.extend_from_slice(parsing::CHECKS);
    all.extend_from_slice(robust::CHECKS);
    all.extend_from_slice(errors::CHECKS);
    all.extend_from_slice(ext::CHECKS);
    all.extend_from_slice(rooms::CHECKS);
    all
}

/// Why a check of ours is skipped under `--profile original`.
pub const NOT_IN_SEED: &str =
    "our Part 4 addition, not a promise of seed 003 (skipped under --profile original)";

/// Runs the checks `selection` picks against `target`, `jobs` at a time, calling `progress`
/// with each entry as soon as it and every entry before it are known. Under the original
/// profile our own checks are reported as skipped.
pub fn run(
    target: &Target,
    selection: &Selection,
    jobs: usize,
    progress: impl FnMut(&Entry),
) -> Report {
    let started = Instant::now();
    let run_tag = server::kit::run_tag();
    let chosen = check::chosen(checks(), |info| selection.picks(info));
    let run = |index: usize, check: &Check| {
        if target.profile == Profile::Original && !check.info.part.is_original() {
            return Entry {
                info: check.info,
                outcome: Outcome::Skip(NOT_IN_SEED.into()),
                elapsed: Duration::ZERO,
            };
        }
        let ctx = Ctx::new(target, &run_tag, index);
        let entry = check.run_on(&ctx);
        if check.exclusive {
            ctx.await_nicks_free();
        }
        entry
    };
    let entries = runner::run_all(&chosen, |c| c.exclusive, jobs, run, progress);
    Report {
        target: format!("json-server {}", target.addr),
        entries,
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_ids_are_unique_dotted_titled_and_of_part_4_or_8() {
        let all = checks();
        check::assert_well_named(&all);
        for c in &all {
            let rooms = c.info.id.starts_with("rooms.");
            let part = if rooms { 8 } else { 4 };
            assert_eq!(c.info.part.number(), part, "{}", c.info.id);
        }
        let seed = all.iter().filter(|c| c.info.part == Part::Seed).count();
        assert!(seed >= 15 && seed < all.len(), "{seed} seed checks");
    }
}
