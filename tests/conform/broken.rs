//! Every server check of the conformance kit can fail (issue 7): each is run against our real
//! server behind a proxy that gives it one realistic defect, and must report `FAIL`. The same
//! proxy with no defect passes every check, so the failures come from the defects; and the
//! `conform` binary reports a broken server with exit status 1 and the bytes on both sides.
//! And no check fails a correct server that is merely slow to see a close.

use super::must_fail;
use crate::support::broken::cases::{self, Broken, ALSO, TABLE};
use crate::support::broken::Defect;
use chat::conformance::server::checks;
use chat::conformance::{Outcome, Part, Selection};
use std::collections::BTreeSet;
use std::io::Read;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

#[test]
fn the_table_names_every_check_exactly_once() {
    let ids: BTreeSet<&str> = checks().iter().map(|c| c.info.id).collect();
    must_fail::assert_table_names_every_check(
        "checks",
        &ids,
        TABLE.iter().map(|(id, _)| *id),
        ALSO.iter().map(|(id, _)| *id),
    );
}

/// Asserts every `(check, defect)` pair failed, printing each failure.
fn assert_all_fail(pairs: &[(&'static str, Defect)]) {
    must_fail::assert_all_fail(pairs, |&(id, defect)| (id, defect, cases::run(id, defect)));
}

#[test]
fn every_check_fails_against_a_server_with_its_defect() {
    assert_all_fail(TABLE);
}

#[test]
fn side_effects_of_other_defects_fail_checks_too() {
    assert_all_fail(ALSO);
}

/// Runs every check through the proxy with `defect` (one that breaks no rule), `jobs` at a
/// time, and asserts each passed; `through` says what the proxy does, for the message.
fn assert_every_check_passes(defect: Defect, jobs: usize, through: &str) {
    let report = cases::run_selected(defect, &Selection::default(), Duration::from_secs(5), jobs);
    let counts = report.counts();
    assert_eq!(counts.checks, checks().len());
    assert!(
        counts.passed == counts.checks,
        "{through}:\n{}",
        report.to_text()
    );
}

#[test]
fn the_proxy_without_defects_is_transparent() {
    assert_every_check_passes(Defect::None, 4, "through a transparent proxy");
}

#[test]
fn every_check_passes_a_correct_server_that_is_slow_to_see_a_close() {
    // Not a defect: a close reaches the server late, and the name is held until it does.
    assert_every_check_passes(
        Defect::SlowClose,
        8,
        "through a proxy slow to pass on a close",
    );
}

#[test]
fn part_8_is_skipped_with_the_reason_by_a_server_without_rooms() {
    let selection = Selection {
        only: vec!["rooms.*".into()],
        ..Selection::default()
    };
    let report = cases::run_selected(Defect::WithoutRooms, &selection, cases::REPLY, 8);
    let part8 = checks()
        .iter()
        .filter(|c| c.info.part == Part::Rooms)
        .count();
    assert_eq!(report.entries.len(), part8);
    for entry in &report.entries {
        let Outcome::Skip(why) = &entry.outcome else {
            panic!("{} was not skipped:\n{}", entry.info.id, report.to_text());
        };
        let said = "the server does not grant rooms (asked `Extensions: rooms";
        assert!(why.starts_with(said), "{}: {why}", entry.info.id);
        assert!(why.ends_with("granted ``)"), "{}: {why}", entry.info.id);
    }
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
    assert_eq!(lines(&all), 89);

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
