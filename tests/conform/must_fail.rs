//! What the two tables of failing cases share ([`super::broken`] for the server checks,
//! [`super::json_broken`] for the JSON ones): that a table names every check exactly once,
//! and running its cases several at a time, asserting that each failed.

use chat::conformance::report::Entry;
use chat::conformance::Outcome;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

/// Cases run at once: each is a server (behind a proxy, for the server checks) and one check,
/// mostly waiting on timeouts.
const WORKERS: usize = 8;

/// Asserts that `table` names each of the checks `ids` exactly once and nothing else, and that
/// `also` names only checks; `what` says which checks, for the message.
pub fn assert_table_names_every_check(
    what: &str,
    ids: &BTreeSet<&'static str>,
    table: impl IntoIterator<Item = &'static str>,
    also: impl IntoIterator<Item = &'static str>,
) {
    let mut seen = HashSet::new();
    for id in table {
        assert!(seen.insert(id), "{id} is in the table twice");
    }
    let table: BTreeSet<&str> = seen.into_iter().collect();
    let missing: Vec<_> = ids.difference(&table).collect();
    let unknown: Vec<_> = table.difference(ids).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{what} without a failing case: {missing:?}; cases for no check: {unknown:?}"
    );
    for id in also {
        assert!(ids.contains(id), "ALSO names no check {id}");
    }
}

/// Runs every case, `WORKERS` at a time, and asserts each failed, printing each failure so a
/// reader sees the bytes. `run` runs one case and says which check it ran against which
/// defect, and how the check ended.
pub fn assert_all_fail<C: Sync, D: Debug + Send>(
    cases: &[C],
    run: impl Fn(&C) -> (&'static str, D, Entry) + Sync,
) {
    let started = Instant::now();
    let results = run_all(cases, run);
    assert_eq!(results.len(), cases.len(), "a case did not report");
    let mut passed = Vec::new();
    for (id, defect, entry) in &results {
        match &entry.outcome {
            Outcome::Fail(failure) => println!(
                "FAIL as it must: {id} against {defect:?} ({} ms)\n  {}\n",
                entry.elapsed.as_millis(),
                failure.to_string().replace('\n', "\n  ")
            ),
            other => passed.push(format!("{id} against {defect:?}: {other:?}")),
        }
    }
    println!(
        "{} cases in {:.1} s",
        results.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(
        passed.is_empty(),
        "checks that did not fail against a server breaking their rule:\n{}",
        passed.join("\n")
    );
}

/// Runs `run` on every case, `WORKERS` at a time; returns the results in the order of `cases`.
fn run_all<C: Sync, R: Send>(cases: &[C], run: impl Fn(&C) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for _ in 0..WORKERS.min(cases.len()) {
            let (tx, next, run) = (tx.clone(), &next, &run);
            scope.spawn(move || loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(index) else {
                    break;
                };
                if tx.send((index, run(case))).is_err() {
                    break;
                }
            });
        }
    });
    drop(tx);
    let mut results: Vec<_> = rx.into_iter().collect();
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}
