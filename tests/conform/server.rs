//! Our server against the conformance kit: every check of `conform server` passes, called
//! through the library (as the binary does) and through the `conform` binary itself.
//!
//! These are the same checks anyone can point at their own server, so the protocol rules our
//! server keeps are the kit's rules, not a private copy of them.

use crate::support::store::{start_with_store, HASH_PATIENCE};
use crate::support::{config, start};
use chat::conformance::report::Report;
use chat::conformance::server::{self, Target};
use chat::conformance::{Outcome, Profile, Selection};
use chat::front::SuccessReply;
use std::process::Command;
use std::time::Duration;

const ACK: Duration = Duration::from_millis(500);
/// The idle timeout: no shorter than a password takes (Part 5 registers with passwords).
const IDLE: Duration = HASH_PATIENCE;
const MESSAGE: Duration = Duration::from_millis(700);
/// Mailboxes small enough that filling one is quick.
const MAILBOX: usize = 3;

/// Our server with short timeouts and a memory (Part 5, in an in-memory store), and the
/// matching target.
fn server_and_target(success: SuccessReply) -> (chat::front::ServerHandle, Target) {
    let config = chat::front::Config {
        ack_timeout: ACK,
        idle_timeout: IDLE,
        message_timeout: MESSAGE,
        success_reply: success,
        ..config()
    };
    let server = start_with_store(config, MAILBOX);
    let target = Target {
        ack_timeout: ACK,
        idle_timeout: IDLE,
        message_timeout: MESSAGE,
        success: match success {
            SuccessReply::Sent => "SENT",
            SuccessReply::Send => "SEND",
        },
        mailbox_size: MAILBOX,
        reply_timeout: HASH_PATIENCE.max(Duration::from_secs(5)),
        ..Target::new(server.local_addr())
    };
    (server, target)
}

fn assert_all_pass(report: &Report, expected: usize) {
    let text = report.to_text();
    assert!(report.ok(), "checks failed:\n{text}");
    let skipped: Vec<_> = report
        .entries
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Skip(_)))
        .map(|e| e.info.id)
        .collect();
    assert!(skipped.is_empty(), "skipped {skipped:?}:\n{text}");
    assert_eq!(report.entries.len(), expected, "{text}");
}

#[test]
fn our_server_passes_every_check() {
    let (_server, target) = server_and_target(SuccessReply::Sent);
    let report = server::run(&target, &Selection::default(), 8, |_| {});
    assert_all_pass(&report, server::checks().len());
}

#[test]
fn our_server_passes_every_check_one_at_a_time() {
    let (_server, target) = server_and_target(SuccessReply::Sent);
    let report = server::run(&target, &Selection::default(), 1, |_| {});
    assert_all_pass(&report, server::checks().len());
}

#[test]
fn our_server_with_the_send_spelling_passes_when_told() {
    let (_server, target) = server_and_target(SuccessReply::Send);
    let selection = Selection {
        only: vec!["send.*".into(), "broadcast.*".into(), "ack.*".into()],
        ..Selection::default()
    };
    let report = server::run(&target, &selection, 8, |_| {});
    let expected = server::checks()
        .iter()
        .filter(|c| selection.includes(&c.info))
        .count();
    assert_all_pass(&report, expected);
}

#[test]
fn the_original_profile_is_part_1_only_and_passes() {
    let (_server, target) = server_and_target(SuccessReply::Sent);
    let selection = Selection {
        profile: Profile::Original,
        ..Selection::default()
    };
    let report = server::run(&target, &selection, 8, |_| {});
    let part1 = server::checks()
        .iter()
        .filter(|c| c.info.part == chat::conformance::Part::Original)
        .count();
    assert!(part1 >= 25 && part1 < server::checks().len());
    assert_all_pass(&report, part1);
}

/// The checks of Part 5 (the chat's memory).
fn part5() -> Selection {
    Selection {
        only: vec!["auth.*".into(), "offline.*".into(), "history.*".into()],
        ..Selection::default()
    }
}

#[test]
fn part_5_is_skipped_with_the_reason_by_a_server_without_a_memory() {
    let server = start(config());
    let target = Target::new(server.local_addr());
    let report = server::run(&target, &part5(), 8, |_| {});
    let part5 = server::checks()
        .iter()
        .filter(|c| c.info.part == chat::conformance::Part::Memory)
        .count();
    assert!(part5 >= 10, "{part5}");
    assert_eq!(report.entries.len(), part5);
    for entry in &report.entries {
        let Outcome::Skip(why) = &entry.outcome else {
            panic!("{} was not skipped:\n{}", entry.info.id, report.to_text());
        };
        assert_eq!(
            why,
            "the server does not grant auth, offline, history (asked `Extensions: quit, auth, \
             offline, history`, granted `quit`)"
        );
    }
}

#[test]
fn our_server_passes_every_check_of_part_5() {
    let (_server, target) = server_and_target(SuccessReply::Sent);
    let report = server::run(&target, &part5(), 8, |_| {});
    let expected = server::checks()
        .iter()
        .filter(|c| part5().includes(&c.info))
        .count();
    assert_all_pass(&report, expected);
}

/// The checks of Part 8 (rooms).
fn part8() -> Selection {
    Selection {
        only: vec!["rooms.*".into()],
        ..Selection::default()
    }
}

#[test]
fn our_server_passes_every_check_of_part_8() {
    let (_server, target) = server_and_target(SuccessReply::Sent);
    let report = server::run(&target, &part8(), 8, |_| {});
    let part8 = server::checks()
        .iter()
        .filter(|c| c.info.part == chat::conformance::Part::Rooms)
        .count();
    assert!(part8 >= 20, "{part8}");
    assert_all_pass(&report, part8);
}

fn conform(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .output()
        .expect("conform runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_binary_passes_our_server_and_exits_0() {
    let (server, _) = server_and_target(SuccessReply::Sent);
    let addr = server.local_addr().to_string();
    let (code, out, err) = conform(&[
        "server",
        &addr,
        "--ack-timeout",
        "0.5",
        "--idle-timeout",
        &IDLE.as_secs_f64().to_string(),
        "--reply-timeout",
        &HASH_PATIENCE
            .max(Duration::from_secs(5))
            .as_secs_f64()
            .to_string(),
        "--message-timeout",
        "0.7",
        "--mailbox-size",
        "3",
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    let total = server::checks().len();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), total + 1, "{out}");
    assert!(
        lines[..total].iter().all(|l| l.starts_with("PASS  ")),
        "{out}"
    );
    let summary =
        format!("conform server {addr}: {total} checks, {total} passed, 0 failed, 0 skipped in ");
    assert!(lines[total].starts_with(&summary), "{out}");
}

#[test]
fn the_binary_lists_selects_and_reports_json() {
    let total = server::checks().len();
    let (code, out, _) = conform(&["server", "--list"]);
    assert_eq!(code, Some(0));
    assert_eq!(out.lines().count(), total);
    assert!(out
        .lines()
        .any(|l| l.starts_with("send.unicast ") && l.contains("Part 1")));
    let (_, original, _) = conform(&["server", "--list", "--profile", "original"]);
    assert!(original.lines().all(|l| l.contains("Part 1")));
    let (_, only, _) = conform(&[
        "server",
        "--list",
        "--only",
        "register.*",
        "--skip",
        "register.name-length",
    ]);
    assert!(only.lines().all(|l| l.starts_with("register.")));
    assert!(!only.contains("register.name-length"));

    let (code, _, err) = conform(&["server", "--list", "--only", "regsiter.*"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no check matches regsiter.*"), "{err}");

    let (server, _) = server_and_target(SuccessReply::Sent);
    let addr = server.local_addr().to_string();
    let (code, out, err) = conform(&["server", &addr, "--only", "send.unicast", "--json"]);
    assert_eq!(code, Some(0), "{out}{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(json["ok"], true);
    assert_eq!(json["counts"]["passed"], 1);
    assert_eq!(json["checks"][0]["id"], "send.unicast");
    assert_eq!(json["checks"][0]["status"], "pass");
}

#[test]
fn the_binary_exits_1_and_shows_the_bytes_when_a_check_fails() {
    // Told the server says SEND, the kit expects it; ours says SENT: a real, exact mismatch.
    let (server, _) = server_and_target(SuccessReply::Sent);
    let addr = server.local_addr().to_string();
    let (code, out, err) = conform(&[
        "server",
        &addr,
        "--only",
        "send.to-self",
        "--success-reply",
        "SEND",
        "--reply-timeout",
        "1",
    ]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.starts_with("FAIL  send.to-self "), "{out}");
    assert!(out.contains("expected: \"SEND "), "{out}");
    assert!(out.contains("received: \"SENT "), "{out}");
    assert!(
        out.contains(": 1 checks, 0 passed, 1 failed, 0 skipped in "),
        "{out}"
    );
}

#[test]
fn an_unreachable_server_fails_every_check_quickly() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let started = std::time::Instant::now();
    let (code, out, _) = conform(&["server", &addr, "--only", "register.*"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("cannot connect"), "{out}");
    let n = server::checks()
        .iter()
        .filter(|c| c.info.id.starts_with("register."))
        .count();
    let summary = format!(": {n} checks, 0 passed, {n} failed, 0 skipped in ");
    assert!(out.contains(&summary), "{out}");
    // A refused connection fails at once, not after a reply timeout (5 s) per check.
    assert!(started.elapsed() < Duration::from_secs(5), "{out}");
}
