//! The conformance kit: checks that any server or client of the two-socket protocol can be
//! run against, one per rule of docs/PROTOCOL.md Parts 1 and 2 (and, for a server, the
//! accounts, offline messages and history of Part 5, and the rooms of Part 8), and checks for
//! any server of the JSON protocol of seed 003 (Part 4, and its rooms, Part 8).
//!
//! The `conform` binary is a thin command line over this module, and the project's own
//! integration tests call the same checks, so what we ship to others is what we hold
//! ourselves to. Every check names the rule it tests and ends in an [`Outcome`]: a pass, a
//! failure with the exact bytes expected and received, or a skip with the reason. Checks wait
//! on protocol events (a reply, a forward, a close), never on fixed sleeps; the only waits
//! are deadlines, taken from the timeouts the implementation under test promises.
//!
//! # Layout
//! - [`check`]: one check of the server kits, its function and whether it runs alone.
//! - [`exact`]: the exact bytes of each message of Parts 1 and 5, as the kit writes and
//!   expects them.
//! - [`peer`]: one raw socket with deadline reads and exact-byte expectations.
//! - [`report`]: results, the text and JSON reports, and the summary line.
//! - [`runner`]: running checks several at a time, results in report order.
//! - [`server`]: the checks run against a server (`conform server HOST:PORT`).
//! - [`client`]: the scripted server a client connects to (`conform client --listen PORT`).
//! - [`json`]: the checks run against a server of the JSON protocol
//!   (`conform json-server HOST:PORT`).

pub mod check;
pub mod client;
pub mod exact;
pub mod json;
pub mod peer;
pub mod report;
pub mod runner;
pub mod server;

use std::fmt;

/// Which promises a check holds an implementation to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    /// PROTOCOL.md Part 1: the original protocol, which every implementation makes.
    Original,
    /// PROTOCOL.md Part 2: the robustness and interoperability rules.
    Robust,
    /// PROTOCOL.md Part 4, what any server of seed 003's JSON protocol keeps: the seed's own
    /// text and what its public clients need (Part 4's list).
    Seed,
    /// PROTOCOL.md Part 4, our own additions to seed 003: error packets, limits, extensions.
    Json,
    /// PROTOCOL.md Part 5: accounts, offline messages and history (`auth`, `offline`,
    /// `history`), on the two-socket protocol.
    Memory,
    /// PROTOCOL.md Part 8: rooms (the `rooms` extension), on either protocol.
    Rooms,
}

impl Part {
    /// The part of PROTOCOL.md the rule is in.
    pub fn number(self) -> u8 {
        match self {
            Part::Original => 1,
            Part::Robust => 2,
            Part::Seed | Part::Json => 4,
            Part::Memory => 5,
            Part::Rooms => 8,
        }
    }

    /// How reports name it: `Part 1`, `Part 2`, `seed 003` (Part 4, the seed's rules),
    /// `Part 4` (our additions), `Part 5` or `Part 8`.
    pub fn label(self) -> &'static str {
        match self {
            Part::Original => "Part 1",
            Part::Robust => "Part 2",
            Part::Seed => "seed 003",
            Part::Json => "Part 4",
            Part::Memory => "Part 5",
            Part::Rooms => "Part 8",
        }
    }

    /// Whether `--profile original` holds an implementation to it: Part 1, or seed 003.
    pub fn is_original(self) -> bool {
        matches!(self, Part::Original | Part::Seed)
    }
}

/// Which checks a run includes: `--profile original` is Part 1 alone (for the JSON protocol,
/// what seed 003's text promises).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Part 1 only (seed 003 only), for implementations that make no further promises.
    Original,
    /// Every part.
    Full,
}

/// What a check is: its stable id, the rule it tests, and one line of what it does.
#[derive(Clone, Copy, Debug)]
pub struct CheckInfo {
    /// Stable, dotted id (`register.torecv-first`), used by `--only` and `--skip`.
    pub id: &'static str,
    pub part: Part,
    /// The rule in PROTOCOL.md, as a section name and the rule's words.
    pub rule: &'static str,
    /// What the check does and expects, in one line.
    pub title: &'static str,
}

impl CheckInfo {
    /// The check `id` of a rule of `part`.
    pub const fn new(
        part: Part,
        id: &'static str,
        rule: &'static str,
        title: &'static str,
    ) -> CheckInfo {
        CheckInfo {
            id,
            part,
            rule,
            title,
        }
    }
}

/// How a check ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail(Failure),
    Skip(String),
}

/// A failed expectation: what was wrong, and the exact bytes on each side when there are any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub what: String,
    pub expected: Option<Vec<u8>>,
    pub received: Option<Vec<u8>>,
}

impl Failure {
    /// A failure with no bytes to show.
    pub fn new(what: impl Into<String>) -> Failure {
        Failure {
            what: what.into(),
            expected: None,
            received: None,
        }
    }

    /// A failure showing the bytes expected and the bytes received instead.
    pub fn bytes(what: impl Into<String>, expected: &[u8], received: &[u8]) -> Failure {
        Failure {
            what: what.into(),
            expected: Some(expected.to_vec()),
            received: Some(received.to_vec()),
        }
    }

    /// The same failure with `label: ` before what went wrong (the socket it happened on).
    pub fn labelled(mut self, label: &str) -> Failure {
        self.what = format!("{label}: {}", self.what);
        self
    }

    /// The same failure with ` (note)` after what went wrong (a likely cause, a count).
    pub fn noting(mut self, note: &str) -> Failure {
        self.what = format!("{} ({note})", self.what);
        self
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if let Some(expected) = &self.expected {
            write!(f, "\n  expected: {}", show(expected))?;
        }
        if let Some(received) = &self.received {
            write!(f, "\n  received: {}", show(received))?;
        }
        Ok(())
    }
}

/// Why a check did not pass; what a check function returns on its error path, so `?` works on
/// every expectation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Fail(Failure),
    Skip(String),
}

impl From<Failure> for Verdict {
    fn from(failure: Failure) -> Verdict {
        Verdict::Fail(failure)
    }
}

impl From<Result<(), Verdict>> for Outcome {
    fn from(result: Result<(), Verdict>) -> Outcome {
        match result {
            Ok(()) => Outcome::Pass,
            Err(Verdict::Fail(failure)) => Outcome::Fail(failure),
            Err(Verdict::Skip(why)) => Outcome::Skip(why),
        }
    }
}

/// The checks a run includes: a profile, then `--only` and `--skip` patterns.
///
/// A pattern is a check id, or a prefix ending in `*` (`register.*`, `send*`).
#[derive(Clone, Debug)]
pub struct Selection {
    pub profile: Profile,
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Default for Selection {
    fn default() -> Selection {
        Selection {
            profile: Profile::Full,
            only: Vec::new(),
            skip: Vec::new(),
        }
    }
}

impl Selection {
    pub fn includes(&self, info: &CheckInfo) -> bool {
        if self.profile == Profile::Original && !info.part.is_original() {
            return false;
        }
        self.picks(info)
    }

    /// Whether `--only` and `--skip` pick this check, whatever the profile.
    pub fn picks(&self, info: &CheckInfo) -> bool {
        if !self.only.is_empty() && !self.only.iter().any(|p| matches(p, info.id)) {
            return false;
        }
        !self.skip.iter().any(|p| matches(p, info.id))
    }

    /// The patterns that name no check at all (most likely typos), so the caller can say so.
    pub fn unknown_patterns<'a>(&'a self, ids: &[&str]) -> Vec<&'a str> {
        self.only
            .iter()
            .chain(&self.skip)
            .filter(|p| !ids.iter().any(|id| matches(p, id)))
            .map(String::as_str)
            .collect()
    }
}

fn matches(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// Bytes as a Rust byte-string literal: printable ASCII as is, everything else escaped
/// (`\n`, `\r`, `\t`, `\x00`), long runs shortened in the middle.
pub fn show(bytes: &[u8]) -> String {
    const KEEP: usize = 160;
    let escape = |part: &[u8]| part.escape_ascii().to_string();
    if bytes.len() <= 2 * KEEP {
        return format!("\"{}\"", escape(bytes));
    }
    format!(
        "\"{}\" … ({} bytes) … \"{}\"",
        escape(&bytes[..KEEP]),
        bytes.len() - 2 * KEEP,
        escape(&bytes[bytes.len() - KEEP..])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: CheckInfo = CheckInfo {
        id: "send.unicast",
        part: Part::Original,
        rule: "",
        title: "",
    };
    const ROBUST: CheckInfo = CheckInfo {
        id: "syntax.crlf",
        part: Part::Robust,
        rule: "",
        title: "",
    };

    #[test]
    fn selection_by_profile_only_and_skip() {
        let all = Selection::default();
        assert!(all.includes(&INFO) && all.includes(&ROBUST));
        let original = Selection {
            profile: Profile::Original,
            ..Selection::default()
        };
        assert!(original.includes(&INFO) && !original.includes(&ROBUST));
        let only = Selection {
            only: vec!["send.*".into()],
            ..Selection::default()
        };
        assert!(only.includes(&INFO) && !only.includes(&ROBUST));
        let skip = Selection {
            skip: vec!["send.unicast".into()],
            ..Selection::default()
        };
        assert!(!skip.includes(&INFO) && skip.includes(&ROBUST));
        let typo = Selection {
            only: vec!["sned.*".into(), "syntax.crlf".into()],
            ..Selection::default()
        };
        assert_eq!(
            typo.unknown_patterns(&["send.unicast", "syntax.crlf"]),
            ["sned.*"]
        );
    }

    #[test]
    fn bytes_are_shown_escaped_and_shortened() {
        assert_eq!(show(b"SENT bob\n\n"), r#""SENT bob\n\n""#);
        assert_eq!(show(b"a\"\r\x00\xff"), r#""a\"\r\x00\xff""#);
        let long = vec![b'x'; 1000];
        let shown = show(&long);
        assert!(shown.contains("(680 bytes)"), "{shown}");
    }

    #[test]
    fn failure_display_has_both_sides() {
        let failure = Failure::bytes("reply", b"SENT bob\n\n", b"SEND bob\n\n")
            .labelled("wrong")
            .noting("SEND spelling");
        assert_eq!(
            failure.to_string(),
            "wrong: reply (SEND spelling)\n  expected: \"SENT bob\\n\\n\"\n  received: \"SEND bob\\n\\n\""
        );
    }
}
