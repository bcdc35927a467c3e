//! What the kits that run one function per rule against a server share, the two-socket kit
//! ([`server`]) and the JSON one ([`json`]): the check (what it is, the function that runs it
//! on the kit's per-check context, whether it runs alone), what that function returns, and
//! picking the checks of a run. Each kit names the check of its own function type
//! (`server::Check`, `json::Check`) and adds constructors named after its parts.
//!
//! [`server`]: super::server
//! [`json`]: super::json

use super::report::Entry;
use super::{runner, CheckInfo, Part, Verdict};

/// What a check function returns: `Ok` for a pass, or why not.
pub type CheckResult = Result<(), Verdict>;

/// One check: what it is, and the function that runs it, `F`: a `fn(&Ctx) -> CheckResult` of
/// the kit's per-check context (a type parameter of its own, as every `Ctx` borrows the run's
/// settings for its own lifetime).
#[derive(Clone, Copy)]
pub struct Check<F> {
    pub info: CheckInfo,
    pub run: F,
    /// Runs alone, with no other check's connections open (and so no other check's users
    /// online: broadcasts reach everyone).
    pub exclusive: bool,
}

impl<F> Check<F> {
    /// A check of a rule of `part`, run alongside others.
    pub const fn new(
        part: Part,
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: F,
    ) -> Check<F> {
        Check {
            info: CheckInfo::new(part, id, rule, title),
            run,
            exclusive: false,
        }
    }

    /// A check of a Part 8 rule (rooms), on either protocol.
    pub const fn part8(
        id: &'static str,
        rule: &'static str,
        title: &'static str,
        run: F,
    ) -> Check<F> {
        Check::new(Part::Rooms, id, rule, title, run)
    }

    /// The same check, run alone.
    pub const fn alone(mut self) -> Check<F> {
        self.exclusive = true;
        self
    }

    /// Runs the check on `ctx`, timed; a check that panics fails (the kit's own bug, reported
    /// not hidden).
    pub fn run_on<C>(&self, ctx: &C) -> Entry
    where
        F: Fn(&C) -> CheckResult,
    {
        runner::timed(self.info, || (self.run)(ctx))
    }
}

/// The checks of `all` that `picks` keeps, each with its index in `all` (its place in the
/// report).
pub fn chosen<C>(all: Vec<Check<C>>, picks: impl Fn(&CheckInfo) -> bool) -> Vec<(usize, Check<C>)> {
    all.into_iter()
        .enumerate()
        .filter(|(_, c)| picks(&c.info))
        .collect()
}

/// Asserts that a kit's checks have unique, dotted ids, and each a rule and a title.
#[cfg(test)]
pub fn assert_well_named<F>(all: &[Check<F>]) {
    let ids: std::collections::HashSet<_> = all.iter().map(|c| c.info.id).collect();
    assert_eq!(ids.len(), all.len(), "duplicate check id");
    for c in all {
        assert!(c.info.id.contains('.'), "{}", c.info.id);
        assert!(
            !c.info.rule.is_empty() && !c.info.title.is_empty(),
            "{}",
            c.info.id
        );
    }
}
