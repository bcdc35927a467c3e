//! Running a list of checks, for the two-socket server checks and the JSON ones alike: the
//! exclusive checks first, one at a time, then the rest `jobs` at a time, each result handed
//! on in report order as soon as it and every one before it are known.

use super::report::Entry;
use super::{CheckInfo, Failure, Outcome, Verdict};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// Runs `chosen` (each check with its index in the full list): those for which `exclusive`
/// holds first and alone, then the others `jobs` at a time. `run` runs one check (given its
/// index) and returns its entry; `progress` sees each entry in report order. Returns the
/// entries in report order.
pub fn run_all<C: Sync>(
    chosen: &[(usize, C)],
    exclusive: impl Fn(&C) -> bool,
    jobs: usize,
    run: impl Fn(usize, &C) -> Entry + Sync,
    mut progress: impl FnMut(&Entry),
) -> Vec<Entry> {
    let mut slots: Vec<Option<Entry>> = vec![None; chosen.len()];
    let mut shown = 0;
    let mut record = |slot: usize, entry: Entry, slots: &mut Vec<Option<Entry>>| {
        slots[slot] = Some(entry);
        while let Some(Some(entry)) = slots.get(shown) {
            progress(entry);
            shown += 1;
        }
    };

    for (slot, (index, check)) in chosen.iter().enumerate() {
        if exclusive(check) {
            record(slot, run(*index, check), &mut slots);
        }
    }

    let shared: Vec<(usize, usize, &C)> = chosen
        .iter()
        .enumerate()
        .filter(|(_, (_, c))| !exclusive(c))
        .map(|(slot, (index, c))| (slot, *index, c))
        .collect();
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, shared.len().max(1)) {
            let tx = tx.clone();
            let (shared, next, run) = (&shared, &next, &run);
            scope.spawn(move || {
                while let Some(&(slot, index, check)) =
                    shared.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    if tx.send((slot, run(index, check))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (slot, entry) in rx {
            record(slot, entry, &mut slots);
        }
    });
    slots.into_iter().flatten().collect()
}

/// Runs one check function, timed; a check that panics fails (the kit's own bug, reported
/// not hidden).
pub fn timed(info: CheckInfo, check: impl FnOnce() -> Result<(), Verdict>) -> Entry {
    let started = Instant::now();
    let outcome = match panic::catch_unwind(AssertUnwindSafe(check)) {
        Ok(result) => Outcome::from(result),
        Err(_) => Outcome::Fail(Failure::new("the check itself panicked (a bug in conform)")),
    };
    Entry {
        info,
        outcome,
        elapsed: started.elapsed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::Part;
    use std::time::Duration;

    fn entry(id: &'static str) -> Entry {
        Entry {
            info: CheckInfo {
                id,
                part: Part::Original,
                rule: "r",
                title: "t",
            },
            outcome: Outcome::Pass,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn entries_come_in_report_order_and_exclusive_ones_run_first() {
        let chosen: Vec<(usize, (&'static str, bool))> = vec![
            (0, ("a", false)),
            (3, ("b", true)),
            (4, ("c", false)),
            (7, ("d", false)),
        ];
        let order = parking_lot::Mutex::new(Vec::new());
        let mut seen = Vec::new();
        let entries = run_all(
            &chosen,
            |c| c.1,
            3,
            |index, c| {
                order.lock().push(index);
                entry(c.0)
            },
            |e| seen.push(e.info.id),
        );
        let ids: Vec<_> = entries.iter().map(|e| e.info.id).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert_eq!(seen, ids);
        assert_eq!(order.lock()[0], 3, "the exclusive check runs first");
    }

    #[test]
    fn a_panicking_check_fails() {
        let info = entry("x").info;
        let panics = timed(info, || panic!("boom"));
        assert!(matches!(panics.outcome, Outcome::Fail(_)));
        assert_eq!(timed(info, || Ok(())).outcome, Outcome::Pass);
    }
}
