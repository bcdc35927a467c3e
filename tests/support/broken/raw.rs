//! Byte-level work: the line-edge defects that rewrite the client's stream as it passes
//! ([`Edges`]), and small helpers for reading and rewriting a raw header block.

use super::defect::Defect;

/// Where a line stands, for the line-edge defects; it spans reads.
#[derive(Default)]
pub struct Edges {
    /// Spaces and tabs not written yet: they are trailing if a line end follows them.
    held: Vec<u8>,
    /// Something other than spaces and tabs has come since the last line end.
    mid_line: bool,
}

impl Edges {
    /// The bytes the server gets for `bytes` from the client under `defect`.
    pub fn apply(&mut self, defect: Defect, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        for &b in bytes {
            match (defect, b) {
                (Defect::CrIsData, b'\r') => out.push(b'~'),
                (Defect::CrIsData, _) => out.push(b),
                (Defect::NoTrim, b' ' | b'\t') if !self.mid_line => out.push(b'~'),
                (_, b' ' | b'\t') => self.held.push(b),
                (_, b'\n') => {
                    let blank_line = !self.mid_line;
                    let visible = match defect {
                        Defect::NoTrim => true,
                        Defect::BlankLineNotEnd => blank_line,
                        _ => false,
                    };
                    self.flush(&mut out, visible);
                    out.push(b'\n');
                    self.mid_line = false;
                }
                _ => {
                    self.flush(&mut out, false);
                    out.push(b);
                    self.mid_line = true;
                }
            }
        }
        out
    }

    /// Writes the held blanks, as `~` when the defect makes them visible.
    fn flush(&mut self, out: &mut Vec<u8>, visible: bool) {
        if visible {
            out.extend(self.held.iter().map(|_| b'~'));
        } else {
            out.extend_from_slice(&self.held);
        }
        self.held.clear();
    }
}

/// The end of the header block at the front of `buf` (after the line that ends it), as our
/// server reads it: the first line, then lines up to one holding only blanks.
pub fn header_end(buf: &[u8]) -> Option<usize> {
    let mut pos = 0;
    let mut first = true;
    while let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') {
        let line = &buf[pos..pos + nl];
        pos += nl + 1;
        let blank = line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
        if first {
            first = blank;
        } else if blank {
            return Some(pos);
        }
    }
    None
}

/// The header block `head` with each header line passed through `edit` (`None` drops it);
/// the first line and the blank line stay as they are.
pub fn edit_headers(head: &[u8], mut edit: impl FnMut(&str, &str) -> Option<String>) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    let mut first = true;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\r', '\n']);
        let (name, value) = match body.split_once(':') {
            Some((name, value)) if !first => (name, value),
            _ => {
                first &= body.trim().is_empty();
                out.push_str(line);
                continue;
            }
        };
        if let Some(new) = edit(name.trim(), value.trim()) {
            out.push_str(&new);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// What C's `atoi()` makes of a length: the leading digits, or 0 (negative counts as 0).
pub fn atoi(value: &str) -> usize {
    let digits: String = value
        .trim()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_mark_blanks_only_where_the_defect_says() {
        let msg = b"  SEND bob \nContent-length: 2\n \t\nhi";
        let cases: [(Defect, &[u8]); 3] = [
            (Defect::NoTrim, b"~~SEND bob~\nContent-length: 2\n~~\nhi"),
            (
                Defect::BlankLineNotEnd,
                b"  SEND bob \nContent-length: 2\n~~\nhi",
            ),
            (Defect::CrIsData, msg),
        ];
        for (defect, want) in cases {
            let mut edges = Edges::default();
            let mut got = Vec::new();
            for b in msg {
                got.extend(edges.apply(defect, std::slice::from_ref(b)));
            }
            assert_eq!(
                got.escape_ascii().to_string(),
                want.escape_ascii().to_string()
            );
        }
        let mut edges = Edges::default();
        assert_eq!(edges.apply(Defect::CrIsData, b"A\r\n\r\n"), b"A~\n~\n");
    }

    #[test]
    fn header_end_and_edits() {
        assert_eq!(header_end(b"SEND a\nX: 1\n \nhi"), Some(14));
        assert_eq!(header_end(b"\nSEND a\n\n"), Some(9));
        assert_eq!(header_end(b"SEND a\nX: 1\n"), None);
        let head = b"SEND a\ncontent-length: 2\n\n";
        let edited = edit_headers(head, |n, v| Some(format!("X-{n}: {v}")));
        assert_eq!(edited, b"SEND a\nX-content-length: 2\n\n");
        assert_eq!(atoi("12abc"), 12);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi("-1"), 0);
    }
}
