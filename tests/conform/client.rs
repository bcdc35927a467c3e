//! `conform client` against real clients: our `client` binary (through the library and
//! through the `conform` binary) passes every check, and for every check there is a client
//! with one defect that fails it, which proves the check can fail.
//!
//! Every session is bounded: conform's own deadlines end it, the fake client's reads have
//! deadlines, and child processes are killed if they outlive the test's wait.

use crate::support::fake_client::Defect;
use chat::conformance::client::{self, Settings};
use chat::conformance::report::Report;
use chat::conformance::{Outcome, Profile, Selection};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Deadlines for a session with a well-behaved client: long, since they are never reached
/// when it passes (a loaded 2-core machine may be slow to schedule anything).
fn patient() -> Settings {
    Settings {
        wait: Duration::from_secs(20),
        reply_timeout: Duration::from_secs(10),
        hold: Duration::from_millis(300),
    }
}

/// Deadlines for the defective clients, several of which fail by going quiet.
fn brisk() -> Settings {
    Settings {
        wait: Duration::from_secs(2),
        reply_timeout: Duration::from_secs(2),
        hold: Duration::from_millis(300),
    }
}

/// How long a child process may take before the test kills it.
const CHILD_WAIT: Duration = Duration::from_secs(60);

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// Waits for the exit, at most [`CHILD_WAIT`].
    fn exit(&mut self) -> ExitStatus {
        let deadline = std::time::Instant::now() + CHILD_WAIT;
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait") {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "child did not exit");
            // Polling a child's exit status: std has no wait with a timeout.
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Our `client`, connected to `addr` as `user`, its stdin holding `lines` and then closed.
fn our_client(addr: &str, user: &str, lines: usize) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_client"))
        .args(["--server", addr, "--user", user])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn client");
    let mut stdin = child.stdin.take().expect("client stdin");
    let text: String = (0..lines)
        .map(|i| match i % 3 {
            2 => format!("@ALL message {i}\n"),
            _ => format!("@bob message {i}\n"),
        })
        .collect();
    stdin
        .write_all(text.as_bytes())
        .expect("write client stdin");
    drop(stdin);
    Proc(child)
}

fn outcome<'a>(report: &'a Report, id: &str) -> Option<&'a Outcome> {
    report
        .entries
        .iter()
        .find(|e| e.info.id == id)
        .map(|e| &e.outcome)
}

fn failed(report: &Report) -> BTreeSet<&'static str> {
    report.failures().map(|e| e.info.id).collect()
}

fn assert_all_pass(report: &Report) {
    let all_pass = report.entries.iter().all(|e| e.outcome == Outcome::Pass);
    assert!(all_pass, "not every check passed:\n{}", report.to_text());
    assert_eq!(report.entries.len(), client::checks().len());
}

#[test]
fn our_client_passes_every_check() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let selection = Selection::default();
    let mut client = our_client(&addr, "alice", client::messages_needed(&selection));
    let report = client::run(listener, &patient(), &selection, &mut |_| {}).expect("run");
    assert_all_pass(&report);
    assert!(report.target.contains("alice"), "{}", report.target);
    assert!(client.exit().success(), "the client did not end in order");
}

/// Starts the `conform` binary with `args`; returns it and the address it listens on, read
/// from the first line of stdout (or of stderr with `--json`).
fn conform(args: &[&str], json: bool) -> (Proc, String, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn conform");
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    let (first_tx, first_rx) = mpsc::channel();
    let (out_tx, out_rx) = mpsc::channel();
    let (listening, rest) = if json {
        (
            Box::new(stderr) as Box<dyn Read + Send>,
            Box::new(stdout) as Box<dyn Read + Send>,
        )
    } else {
        (
            Box::new(stdout) as Box<dyn Read + Send>,
            Box::new(stderr) as Box<dyn Read + Send>,
        )
    };
    thread::spawn(move || {
        let mut lines = BufReader::new(listening).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = first_tx.send(line);
        }
        let text: Vec<String> = lines.map_while(Result::ok).collect();
        let _ = out_tx.send(text.join("\n"));
    });
    // The other stream is drained so the child never blocks on a full pipe.
    let (other_tx, other_rx) = mpsc::channel();
    thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(rest).read_to_string(&mut text);
        let _ = other_tx.send(text);
    });
    let proc = Proc(child);
    let first = first_rx
        .recv_timeout(CHILD_WAIT)
        .expect("conform printed nothing");
    let addr = first
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_string();
    let (all_tx, all_rx) = mpsc::channel();
    thread::spawn(move || {
        let rest = out_rx.recv().unwrap_or_default();
        let other = other_rx.recv().unwrap_or_default();
        let _ = all_tx.send(if json { other } else { rest });
    });
    (proc, addr, all_rx)
}

#[test]
fn the_conform_binary_passes_our_client_and_prints_the_report() {
    let (mut conform, addr, stdout) = conform(&["client", "--listen", "0", "--wait", "20"], false);
    let mut client = our_client(&addr, "bob", client::messages_needed(&Selection::default()));
    let status = conform.exit();
    let text = stdout.recv_timeout(CHILD_WAIT).expect("conform's output");
    assert!(status.success(), "{text}");
    let n = client::checks().len();
    let summary = format!("{n} checks, {n} passed, 0 failed, 0 skipped");
    assert!(
        text.lines().last().is_some_and(|l| l.contains(&summary)),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("PASS  client."))
            .count(),
        n
    );
    assert!(client.exit().success());
}

#[test]
fn json_and_the_original_profile_keep_to_part_1() {
    let args = [
        "client",
        "--listen",
        "0",
        "--wait",
        "20",
        "--json",
        "--profile",
        "original",
    ];
    let (mut conform, addr, stdout) = conform(&args, true);
    let original = Selection {
        profile: Profile::Original,
        ..Selection::default()
    };
    let mut client = our_client(&addr, "carol", client::messages_needed(&original));
    let status = conform.exit();
    let text = stdout.recv_timeout(CHILD_WAIT).expect("conform's output");
    assert!(status.success(), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("stdout is one JSON document");
    let part1 = client::checks()
        .iter()
        .filter(|c| original.includes(c))
        .count();
    assert_eq!(json["counts"]["passed"], part1, "{text}");
    assert_eq!(json["ok"], true);
    let checks = json["checks"].as_array().expect("checks");
    assert!(
        checks
            .iter()
            .all(|c| c["part"] == 1 && c["status"] == "pass"),
        "{text}"
    );
    assert!(client.exit().success());
}

#[test]
fn list_names_every_check() {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["client", "--list"])
        .output()
        .expect("conform --list");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for info in client::checks() {
        assert!(text.contains(info.id), "{} missing:\n{text}", info.id);
    }
    // The count README.md and docs/CONFORM_CLIENT.md give.
    assert_eq!(text.lines().count(), 18, "{text}");
    let typo = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["client", "--list", "--only", "client.nope"])
        .output()
        .expect("conform --only typo");
    assert_eq!(typo.status.code(), Some(2));
}

/// A session of conform with the fake client and its one defect.
fn fake_session(defect: Defect) -> Report {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let messages = client::messages_needed(&Selection::default());
    let fake =
        thread::spawn(move || crate::support::fake_client::run(addr, "fake", messages, defect));
    let report = client::run(listener, &brisk(), &Selection::default(), &mut |_| {});
    let _ = fake.join();
    report.expect("run")
}

/// The defect that breaks each check's rule, and the other checks it may also fail (its
/// consequences); a new check without a case here fails the test.
fn case(id: &str) -> Option<(Defect, &'static [&'static str])> {
    let case: (Defect, &[&str]) = match id {
        "client.register-framing" => (Defect::CrlfRegister, &[]),
        "client.same-name" => (Defect::OtherNameOnTorecv, &[]),
        "client.connect-both-first" => (Defect::ConnectsAfterReply, &[]),
        "client.tosend-first" => (Defect::TorecvFirst, &[]),
        "client.torecv-after-reply" => (Defect::RegistersAtOnce, &[]),
        "client.ack-forward" => (Defect::AcksOwnName, ACKS),
        "client.ack-body-opaque" => (Defect::TextBodiesOnly, &[]),
        "client.ack-empty-body" => (Defect::IgnoresEmptyBodies, &[]),
        "client.forward-no-length" => (Defect::AcksWithoutLength, &[]),
        "client.ack-split-forward" => (Defect::DropsPartialReads, &[]),
        "client.ack-coalesced" => (Defect::FirstMessagePerRead, &["client.reply-on-torecv"]),
        "client.send-framing" => (Defect::CapitalLength, &[]),
        "client.one-write" => (Defect::SendInTwoWrites, &[]),
        "client.waits-for-reply" => (Defect::Pipelines, &[]),
        "client.error-reply" => (Defect::StopsOnError, &[]),
        "client.accepts-send-spelling" => (Defect::OnlySentIsSuccess, &[]),
        "client.reply-on-torecv" => (Defect::AcksEverything, &[]),
        "client.known-messages" => (Defect::SaysHello, &[]),
        _ => return None,
    };
    Some(case)
}

/// Every check an acknowledgement with the wrong name fails.
const ACKS: &[&str] = &[
    "client.ack-body-opaque",
    "client.ack-empty-body",
    "client.ack-split-forward",
    "client.ack-coalesced",
    "client.reply-on-torecv",
];

#[test]
fn a_client_without_defects_passes_every_check() {
    assert_all_pass(&fake_session(Defect::None));
}

#[test]
fn every_check_fails_for_the_client_that_breaks_its_rule() {
    let cases: Vec<(&str, Defect, &[&str])> = client::checks()
        .iter()
        .map(|info| {
            let (defect, also) =
                case(info.id).unwrap_or_else(|| panic!("no failing case for {}", info.id));
            (info.id, defect, also)
        })
        .collect();
    let reports: Vec<Report> = thread::scope(|scope| {
        let running: Vec<_> = cases
            .iter()
            .map(|&(_, defect, _)| scope.spawn(move || fake_session(defect)))
            .collect();
        running
            .into_iter()
            .map(|h| h.join().expect("session"))
            .collect()
    });
    let mut wrong = Vec::new();
    for ((id, defect, also), report) in cases.iter().zip(&reports) {
        let failed = failed(report);
        let allowed: BTreeSet<&str> = also.iter().copied().chain([*id]).collect();
        let expected = matches!(outcome(report, id), Some(Outcome::Fail(_)));
        let others: Vec<_> = failed.iter().filter(|f| !allowed.contains(*f)).collect();
        if !expected || !others.is_empty() {
            wrong.push(format!(
                "{defect:?} should fail {id} (and at most {also:?}); it failed {failed:?}\n{}",
                report.to_text()
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}
