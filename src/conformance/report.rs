//! A run's results: one [`Entry`] per check in the order of the check list, printed as text
//! (one `PASS`/`FAIL`/`SKIP` line per check, the bytes under a failure, a summary line) or as
//! JSON for machines.

use super::{show, CheckInfo, Outcome};
use serde::Serialize;
use std::io::{self, Write};
use std::time::Duration;

/// One check's result.
#[derive(Clone, Debug)]
pub struct Entry {
    pub info: CheckInfo,
    pub outcome: Outcome,
    pub elapsed: Duration,
}

/// A whole run: what was tested, and every check's result.
#[derive(Clone, Debug)]
pub struct Report {
    /// What was tested, for the summary line: `server 127.0.0.1:4334`.
    pub target: String,
    pub entries: Vec<Entry>,
    pub elapsed: Duration,
}

/// The counts of the summary line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub checks: usize,
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Report {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            checks: self.entries.len(),
            ..Counts::default()
        };
        for entry in &self.entries {
            match entry.outcome {
                Outcome::Pass => counts.passed += 1,
                Outcome::Fail(_) => counts.failed += 1,
                Outcome::Skip(_) => counts.skipped += 1,
            }
        }
        counts
    }

    /// True when no check failed: the exit status is 0 exactly then.
    pub fn ok(&self) -> bool {
        self.counts().failed == 0
    }

    /// The failed entries.
    pub fn failures(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.outcome, Outcome::Fail(_)))
    }

    /// `conform server 127.0.0.1:4334: 52 checks, 51 passed, 1 failed, 0 skipped in 2.3 s`.
    pub fn summary(&self) -> String {
        let c = self.counts();
        format!(
            "conform {}: {} checks, {} passed, {} failed, {} skipped in {:.1} s",
            self.target,
            c.checks,
            c.passed,
            c.failed,
            c.skipped,
            self.elapsed.as_secs_f64()
        )
    }

    /// The whole text report: every entry, then the summary.
    pub fn write_text(&self, out: &mut impl Write) -> io::Result<()> {
        for entry in &self.entries {
            write_entry(entry, out)?;
        }
        writeln!(out, "{}", self.summary())
    }

    pub fn to_text(&self) -> String {
        let mut out = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_text(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// The JSON report: target, counts, and per check its id, part, rule, title, status,
    /// milliseconds, and for a failure what went wrong with the bytes (as escaped strings).
    pub fn to_json(&self) -> String {
        let checks: Vec<JsonEntry> = self.entries.iter().map(JsonEntry::from).collect();
        let doc = JsonReport {
            target: &self.target,
            ok: self.ok(),
            counts: self.counts(),
            elapsed_ms: self.elapsed.as_millis() as u64,
            checks,
        };
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

/// One entry as text: `PASS  id  title (12 ms)`, and under a failure or skip, why.
pub fn write_entry(entry: &Entry, out: &mut impl Write) -> io::Result<()> {
    let (status, detail) = match &entry.outcome {
        Outcome::Pass => ("PASS", None),
        Outcome::Fail(failure) => ("FAIL", Some(failure.to_string())),
        Outcome::Skip(why) => ("SKIP", Some(why.clone())),
    };
    writeln!(
        out,
        "{status}  {:<34} {} ({} ms)",
        entry.info.id,
        entry.info.title,
        entry.elapsed.as_millis()
    )?;
    if let Some(detail) = detail {
        writeln!(
            out,
            "      rule ({}): {}",
            entry.info.part.label(),
            entry.info.rule
        )?;
        for line in detail.lines() {
            writeln!(out, "      {line}")?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    target: &'a str,
    ok: bool,
    counts: Counts,
    elapsed_ms: u64,
    checks: Vec<JsonEntry<'a>>,
}

#[derive(Serialize)]
struct JsonEntry<'a> {
    id: &'a str,
    part: u8,
    /// `Part 1`, `Part 2`, `seed 003`, `Part 4`, `Part 5` or `Part 8`.
    label: &'a str,
    rule: &'a str,
    title: &'a str,
    status: &'a str,
    ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    received: Option<String>,
}

impl<'a> From<&'a Entry> for JsonEntry<'a> {
    fn from(entry: &'a Entry) -> JsonEntry<'a> {
        let mut json = JsonEntry {
            id: entry.info.id,
            part: entry.info.part.number(),
            label: entry.info.part.label(),
            rule: entry.info.rule,
            title: entry.info.title,
            status: "pass",
            ms: entry.elapsed.as_millis() as u64,
            reason: None,
            expected: None,
            received: None,
        };
        match &entry.outcome {
            Outcome::Pass => {}
            Outcome::Skip(why) => {
                json.status = "skip";
                json.reason = Some(why.clone());
            }
            Outcome::Fail(failure) => {
                json.status = "fail";
                json.reason = Some(failure.what.clone());
                json.expected = failure.expected.as_deref().map(show);
                json.received = failure.received.as_deref().map(show);
            }
        }
        json
    }
}

/// The list of checks for `--list`: id, part and title, one per line.
pub fn list_line(info: &CheckInfo) -> String {
    format!("{:<34} {:<8}  {}", info.id, info.part.label(), info.title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::{Failure, Part};

    fn entry(id: &'static str, outcome: Outcome) -> Entry {
        Entry {
            info: CheckInfo {
                id,
                part: Part::Original,
                rule: "Sending: SENT when delivered",
                title: "a title",
            },
            outcome,
            elapsed: Duration::from_millis(3),
        }
    }

    fn report() -> Report {
        Report {
            target: "server 127.0.0.1:1".into(),
            entries: vec![
                entry("a.pass", Outcome::Pass),
                entry(
                    "b.fail",
                    Outcome::Fail(Failure::bytes(
                        "bob TOSEND: unexpected bytes",
                        b"SENT bob\n\n",
                        b"X\n",
                    )),
                ),
                entry("c.skip", Outcome::Skip("needs --max-body".into())),
            ],
            elapsed: Duration::from_millis(1500),
        }
    }

    #[test]
    fn text_report_has_a_line_per_check_the_bytes_and_the_summary() {
        let text = report().to_text();
        let want = "\
PASS  a.pass                             a title (3 ms)
FAIL  b.fail                             a title (3 ms)
      rule (Part 1): Sending: SENT when delivered
      bob TOSEND: unexpected bytes
        expected: \"SENT bob\\n\\n\"
        received: \"X\\n\"
SKIP  c.skip                             a title (3 ms)
      rule (Part 1): Sending: SENT when delivered
      needs --max-body
conform server 127.0.0.1:1: 3 checks, 1 passed, 1 failed, 1 skipped in 1.5 s
";
        assert_eq!(text, want);
        assert!(!report().ok());
    }

    #[test]
    fn json_report_names_status_and_bytes() {
        let json: serde_json::Value = serde_json::from_str(&report().to_json()).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["counts"]["failed"], 1);
        assert_eq!(json["checks"][1]["status"], "fail");
        assert_eq!(json["checks"][1]["expected"], "\"SENT bob\\n\\n\"");
        assert_eq!(json["checks"][2]["reason"], "needs --max-body");
        assert!(json["checks"][0].get("reason").is_none());
    }
}
