//! Everything the client says to its user: one line (or one multi-line message) per write
//! on stdout, flushed at once so that scripts reading a pipe see it immediately.
//!
//! Text from the network is made safe for a terminal here: control characters other than
//! tab and newline are replaced, so a peer cannot move the cursor or recolour the screen.

use std::io::{self, IsTerminal, Write};

/// The client's stdout. Write errors (a reader that went away) are ignored: there is no one
/// left to tell, and the session ends on its own when its input ends.
#[derive(Clone, Copy, Debug)]
pub struct Out {
    /// True when a person types at a terminal: prompts then stay on the input line.
    interactive: bool,
}

impl Out {
    pub fn new() -> Out {
        Out {
            interactive: io::stdin().is_terminal(),
        }
    }

    /// Writes `text` and a newline, then flushes.
    pub fn line(&self, text: &str) {
        let mut out = io::stdout().lock();
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Asks for input: `label` followed by a space on a terminal, by a newline on a pipe, so
    /// that a script reading line by line sees the prompt at once.
    pub fn prompt(&self, label: &str) {
        let mut out = io::stdout().lock();
        let _ = if self.interactive {
            write!(out, "{label} ")
        } else {
            writeln!(out, "{label}")
        };
        let _ = out.flush();
    }
}

/// `alice: text`; continuation lines of a multi-line body are indented under the first.
pub fn incoming(from: &str, body: &[u8]) -> String {
    let from = printable(from);
    let text = String::from_utf8_lossy(body).replace("\r\n", "\n");
    let text = text.trim_end_matches(['\n', '\r']);
    let indent = " ".repeat(from.chars().count() + 2);
    let mut out = format!("{from}:");
    for (i, line) in text.split('\n').enumerate() {
        if i == 0 {
            out.push(' ');
        } else {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&indent);
            }
        }
        out.push_str(&printable(line));
    }
    out.trim_end_matches(' ').to_string()
}

/// `text` with control characters other than tab replaced by U+FFFD.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\t' {
                char::REPLACEMENT_CHARACTER
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_body() {
        assert_eq!(incoming("alice", b"hello bob"), "alice: hello bob");
        assert_eq!(incoming("alice", b"hello\n"), "alice: hello");
        assert_eq!(incoming("alice", b""), "alice:");
    }

    #[test]
    fn multi_line_body_is_indented() {
        assert_eq!(
            incoming("al", b"one\r\ntwo\n\nthree"),
            "al: one\n    two\n\n    three"
        );
    }

    #[test]
    fn bad_utf8_and_control_bytes_are_replaced() {
        assert_eq!(incoming("a", b"x\xffy"), "a: x\u{fffd}y");
        assert_eq!(incoming("a", b"\x1b[31mred"), "a: \u{fffd}[31mred");
        assert_eq!(printable("tab\there"), "tab\there");
    }
}
