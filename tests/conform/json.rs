//! `conform json-server` against real servers: the seed 003 reference server
//! (`support::seed003`) through the binary (the report, `--json`, `--list`, exit statuses),
//! and our own server's JSON front end (`server --json-port`), which must pass every check.

use crate::broken::{conform, Run};
use crate::support::seed003::{Seed003, LIMIT};
use chat::conformance::json::checks;
use chat::conformance::Part;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The options that tell conform what the reference server is: short timeouts (it has none,
/// so the checks of them fail at once) and the limit of its defects.
fn seed_options<'a>(args: &[&'a str], limit: &'a str) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend([
        "--max-body",
        limit,
        "--idle-timeout",
        "0.5",
        "--message-timeout",
        "0.5",
    ]);
    all
}

fn seed_checks() -> usize {
    checks()
        .iter()
        .filter(|c| c.info.part == Part::Seed)
        .count()
}

#[test]
fn the_binary_passes_the_seed_reference_under_the_original_profile() {
    let seed = Seed003::start(None);
    let addr = seed.addr().to_string();
    let limit = LIMIT.to_string();
    let run = conform(&seed_options(
        &["json-server", &addr, "--profile", "original"],
        &limit,
    ));
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let total = checks().len();
    let (seed, ours) = (seed_checks(), total - seed_checks());
    let lines: Vec<&str> = run.stdout.lines().collect();
    let passes = lines.iter().filter(|l| l.starts_with("PASS  ")).count();
    let skips = lines.iter().filter(|l| l.starts_with("SKIP  ")).count();
    assert_eq!((passes, skips), (seed, ours), "{}", run.stdout);
    assert!(
        run.stdout.contains("not a promise of seed 003"),
        "{}",
        run.stdout
    );
    let summary = format!(
        "conform json-server {addr}: {total} checks, {seed} passed, 0 failed, {ours} skipped in "
    );
    assert!(
        lines.last().is_some_and(|l| l.starts_with(&summary)),
        "{}",
        run.stdout
    );
}

#[test]
fn the_binary_fails_the_seed_reference_on_our_checks_with_the_bytes() {
    let seed = Seed003::start(None);
    let addr = seed.addr().to_string();
    let limit = LIMIT.to_string();
    let run = conform(&seed_options(
        &[
            "json-server",
            &addr,
            "--only",
            "errors.bad-nick",
            "--reply-timeout",
            "1",
        ],
        &limit,
    ));
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.starts_with("FAIL  errors.bad-nick "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("rule (Part 4): Part 4, errors: bad-nick"),
        "{}",
        run.stdout
    );
    // The reference server let the empty nick join: the kit shows both packets.
    let expected =
        r#"expected: "\x009{\"type\":\"error\",\"code\":\"bad-nick\",\"message\":\"<any text>\"}""#;
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    let received = r#"received: "\x00\x19{\"type\":\"join\",\"nick\":\"\"}""#;
    assert!(run.stdout.contains(received), "{}", run.stdout);
    assert!(run
        .stdout
        .contains(": 1 checks, 0 passed, 1 failed, 0 skipped in "));

    let json = conform(&[
        "json-server",
        &addr,
        "--only",
        "framing.chat-echo",
        "--json",
    ]);
    assert_eq!(json.code, Some(0), "{}{}", json.stdout, json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON report");
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["checks"][0]["id"], "framing.chat-echo");
    assert_eq!(doc["checks"][0]["label"], "seed 003");
    assert_eq!(doc["checks"][0]["part"], 4);
}

#[test]
fn the_binary_lists_and_selects_json_checks() {
    let lines = |run: &Run| run.stdout.lines().count();
    let all = conform(&["json-server", "--list"]);
    assert_eq!(all.code, Some(0), "{}", all.stderr);
    assert_eq!(lines(&all), checks().len());
    assert_eq!(all.stdout.matches(" seed 003 ").count(), seed_checks());
    assert!(all
        .stdout
        .lines()
        .any(|l| l.starts_with("ext.dm ") && l.contains("Part 4")));
    let original = conform(&["json-server", "--list", "--profile", "original"]);
    assert_eq!(
        lines(&original),
        checks().len(),
        "ours are listed, then skipped"
    );
    let ext = conform(&[
        "json-server",
        "--list",
        "--only",
        "ext.*",
        "--skip",
        "ext.users",
    ]);
    let want = checks()
        .iter()
        .filter(|c| c.info.id.starts_with("ext."))
        .count()
        - 1;
    assert_eq!(lines(&ext), want);
    let typo = conform(&["json-server", "--list", "--only", "frmaing.*"]);
    assert_eq!(typo.code, Some(2));
    assert!(typo.stderr.contains("frmaing.*"), "{}", typo.stderr);
}

/// Our `server` binary, killed when dropped.
struct OurServer(Child);

impl Drop for OurServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `server` with its JSON front end on a free port and `args`; returns it and the
/// JSON address it announced.
fn our_server(args: &[&str]) -> (OurServer, String) {
    let log = format!("{}/json-front.log", env!("CARGO_TARGET_TMPDIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--json-any-port"])
        .args(["--no-console", "--no-store", "--web-port", "0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(File::create(&log).expect("create the server log"))
        .spawn()
        .expect("start the server");
    let mut lines = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        let mut stdout = BufReader::new(stdout);
        for _ in 0..2 {
            let mut line = String::new();
            let _ = stdout.read_line(&mut line);
            lines.push(line);
        }
    }
    let server = OurServer(child);
    let said = std::fs::read_to_string(&log).unwrap_or_default();
    let json = lines[1].trim().strip_prefix("json listening on ");
    let json = json.unwrap_or_else(|| panic!("the server said {lines:?}; stderr:\n{said}"));
    (server, json.to_string())
}

#[test]
fn our_server_passes_every_json_check() {
    let limits = [
        "--max-body",
        "32768",
        "--idle-timeout",
        "1",
        "--message-timeout",
        "1",
    ];
    let (_server, addr) = our_server(&limits);
    let mut args = vec!["json-server", addr.as_str()];
    args.extend(limits);
    let run = conform(&args);
    assert_eq!(run.code, Some(0), "{}{}", run.stdout, run.stderr);
    let total = checks().len();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), total + 1, "{}", run.stdout);
    assert!(
        lines[..total].iter().all(|l| l.starts_with("PASS  ")),
        "{}",
        run.stdout
    );
    let summary = format!("conform json-server {addr}: {total} checks, {total} passed, 0 failed");
    assert!(lines[total].starts_with(&summary), "{}", run.stdout);
}
