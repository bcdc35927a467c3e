//! Every server check of the conformance kit can fail (issue 7): each is run against our real
//! server behind a proxy that gives it one realistic defect, and must report `FAIL`. The same
//! proxy with no defect passes every check, so the failures come from the defects; and the
//! `conform` binary reports a broken server with exit status 1 and the bytes on both sides.
//! And no check fails a correct server that is merely slow to see a close.

use crate::support::broken::cases::{self, Broken, ALSO, TABLE};
use crate::support::broken::Defect;
use chat::conformance::report::Entry;
use chat::conformance::server::checks;
use chat::conformance::{Outcome, Part, Selection};
use std::collections::{BTreeSet, HashSet};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Cases run at once: each is a server, a proxy and one check, mostly waiting on timeouts.
const WORKERS: usize = 8;

/// Runs every `(check, defect)` pair, `WORKERS` at a time; returns the entries in order.
fn run_all(pairs: &[(&'static str, Defect)]) -> Vec<(&'static str, Defect, Entry)> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel();
    thread::scope(|scope| {
        for _ in 0..WORKERS.min(pairs.len()) {
            let (tx, next) = (tx.clone(), &next);
            scope.spawn(move || {
                while let Some(&(id, defect)) = pairs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if tx.send((id, defect, cases::run(id, defect))).is_err() {
                        break;
                    }
                }
            });
        }
    });
    drop(tx);
    let mut results: Vec<_> = rx.into_iter().collect();
    results.sort_by_key(|(id, defect, _)| {
        pairs
            .iter()
            .position(|p| p == &(*id, *defect))
            .unwrap_or(usize::MAX)
    });
    results
}

/// Asserts every pair failed, printing each failure so a reader sees the bytes.
fn assert_all_fail(pairs: &[(&'static str, Defect)]) {
    let started = Instant::now();
    let results = run_all(pairs);
    assert_eq!(results.len(), pairs.len(), "a case did not report");
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

#[test]
fn the_table_names_every_check_exactly_once() {
    let ids: BTreeSet<&str> = checks().iter().map(|c| c.info.id).collect();
    let mut seen = HashSet::new();
    for (id, _) in TABLE {
        assert!(seen.insert(*id), "{id} is in the table twice");
    }
    let table: BTreeSet<&str> = seen.into_iter().collect();
    let missing: Vec<_> = ids.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&ids).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "checks without a failing case: {missing:?}; cases for no check: {unknown:?}"
    );
    for (id, _) in ALSO {
        assert!(ids.contains(id), "ALSO names no check {id}");
    }
}

#[test]
fn every_check_fails_against_a_server_with_its_defect() {
    assert_all_fail(TABLE);
}

#[test]
fn side_effects_of_other_defects_fail_checks_too() {
    assert_all_fail(ALSO);
}

#[test]
fn the_proxy_without_defects_is_transparent() {
    let report = cases::run_selected(
        Defect::None,
        &Selection::default(),
        Duration::from_secs(5),
        4,
    );
    let counts = report.counts();
    assert_eq!(counts.checks, checks().len());
    assert!(
        counts.passed == counts.checks,
        "through a transparent proxy:\n{}",
        report.to_text()
    );
}

#[test]
fn every_check_passes_a_correct_server_that_is_slow_to_see_a_close() {
    // Not a defect: a close reaches the server late, and the name is held until it does.
    let report = cases::run_selected(
        Defect::SlowClose,
        &Selection::default(),
        Duration::from_secs(5),
        8,
    );
    let counts = report.counts();
    assert_eq!(counts.checks, checks().len());
    assert!(
        counts.passed == counts.checks,
        "through a proxy slow to pass on a close:\n{}",
        report.to_text()
    );
}

/// What a run of the `conform` binary printed and how it ended.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `conform` with `args`, killing it if it is not done within a minute.
pub fn conform(args: &[&str]) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start conform");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    Run {
        code: status.and_then(|s| s.code()),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// The timeouts of [`cases`], as `conform` options, after `args`.
fn with_timeouts<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend([
        "--reply-timeout",
        "1",
        "--ack-timeout",
        "0.3",
        "--idle-timeout",
        "0.5",
        "--message-timeout",
        "0.5",
    ]);
    all
}

/// Our server behind a proxy with `defect`, and the address to give `conform`.
fn broken(defect: Defect) -> (Broken, String) {
    let broken = Broken::start(defect);
    let addr = broken.addr().to_string();
    (broken, addr)
}

#[test]
fn conform_exits_1_with_the_bytes_against_a_broken_server_and_0_against_ours() {
    let (_broken, addr) = broken(Defect::DuplicateSent);
    let run = conform(&with_timeouts(&[
        "server",
        &addr,
        "--only",
        "send.one-reply-each",
    ]));
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("FAIL  send.one-reply-each"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("expected: \"SENT "), "{}", run.stdout);
    assert!(run.stdout.contains("received: \"SENT "), "{}", run.stdout);
    assert!(
        run.stdout.contains("1 checks, 0 passed, 1 failed"),
        "{}",
        run.stdout
    );

    let json = conform(&with_timeouts(&[
        "server",
        &addr,
        "--only",
        "send.one-reply-each",
        "--json",
    ]));
    assert_eq!(json.code, Some(1), "{}{}", json.stdout, json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON report");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["counts"]["failed"], 1);
    assert_eq!(doc["checks"][0]["status"], "fail");
    assert!(doc["checks"][0]["received"].is_string(), "{doc}");

    let (_good, addr) = broken(Defect::None);
    let run = conform(&with_timeouts(&[
        "server",
        &addr,
        "--only",
        "send.*",
        "--skip",
        "send.silent-recipient",
    ]));
    let sending = checks()
        .iter()
        .filter(|c| c.info.id.starts_with("send.") && c.info.id != "send.silent-recipient")
        .count();
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout.matches("PASS  send.").count(),
        sending,
        "{}",
        run.stdout
    );
}

#[test]
fn conform_lists_and_selects_checks() {
    let lines = |run: &Run| run.stdout.lines().count();
    let all = conform(&["server", "--list"]);
    assert_eq!(all.code, Some(0), "{}", all.stderr);
    assert_eq!(lines(&all), checks().len());
    assert_eq!(lines(&all), 67);

    let original = conform(&["server", "--list", "--profile", "original"]);
    let part1 = checks()
        .iter()
        .filter(|c| c.info.part == Part::Original)
        .count();
    assert_eq!(lines(&original), part1);
    assert!(original.stdout.lines().all(|l| l.contains("Part 1")));

    let register = conform(&["server", "--list", "--only", "register.*"]);
    let want = checks()
        .iter()
        .filter(|c| c.info.id.starts_with("register."))
        .count();
    assert_eq!(lines(&register), want);

    let skipped = conform(&["server", "--list", "--skip", "broadcast.*"]);
    assert_eq!(lines(&skipped), checks().len() - 5);

    let typo = conform(&["server", "--list", "--only", "sned.*"]);
    assert_eq!(typo.code, Some(2));
    assert!(typo.stderr.contains("sned.*"), "{}", typo.stderr);
}
