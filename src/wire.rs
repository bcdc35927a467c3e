//! The wire codec of the two-socket chat protocol: bytes in, messages out.
//!
//! No sockets live here. [`decode`] looks at a byte slice and returns either a whole
//! [`Message`] plus the number of bytes it used, or `Ok(None)` when more bytes are needed
//! (the normal outcome on a stream); [`Message::encode`] appends the exact bytes of a message.
//!
//! # Grammar (liberal in what it accepts, strict in what it writes)
//! ```text
//! stream   = *( junk message )
//! junk     = *( SP / HTAB / CR / LF )          ; skipped between messages
//! message  = first-line *header-line blank-line [ body ]
//! line     = *byte [CR] LF                     ; leading/trailing SP, HTAB, CR trimmed
//! blank    = a line holding only SP / HTAB     ; `\n \n` ends a block like `\n\n`
//! header   = name ":" value                    ; names case-insensitive
//! body     = exactly Content-length bytes, present only with that header
//! ```
//! The first line is a verb and arguments separated by runs of blanks; verbs match in any
//! letter case. Output always uses `\n` and the header spelling `Content-length: `.
//!
//! Memory is bounded by [`Limits`]: a header block longer than `max_header` or a declared
//! body longer than `max_body` is an error before any of it is buffered.
//!
//! The JSON protocol (PROTOCOL.md Part 4) has a codec of the same shape in [`json`];
//! [`ext`] is the two-socket protocol's Parts 3, 5 and 8, [`codes`] its `ERROR` codes, and
//! [`rooms`] the room names and room lists both protocols share.

pub mod codes;
pub mod ext;
pub mod json;
pub mod rooms;

pub use codes::ErrorCode;
pub use rooms::{is_valid_room, RoomInfo};
use std::io::Write;
use thiserror::Error;

/// Header block cap used when nothing else is configured (PROTOCOL.md Part 2).
pub const DEFAULT_MAX_HEADER: usize = 8 * 1024;
/// Body cap used when nothing else is configured (PROTOCOL.md Part 2).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;
/// Longest well-formed username.
pub const MAX_NAME: usize = 32;

/// Size caps the decoder enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_header: usize,
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header: DEFAULT_MAX_HEADER,
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

/// What is wrong with the bytes; each one means the stream cannot be followed further.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum WireError {
    #[error("header block longer than {max} bytes")]
    HeaderTooLong { max: usize },
    #[error("body of {len} bytes is longer than {max}")]
    BodyTooLong { len: u64, max: usize },
    #[error("Content-length is not a number")]
    BadContentLength,
}

/// Which of a user's two sockets a registration is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    ToSend,
    ToRecv,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::ToSend => "TOSEND",
            Role::ToRecv => "TORECV",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        if s.eq_ignore_ascii_case("TOSEND") {
            Some(Role::ToSend)
        } else if s.eq_ignore_ascii_case("TORECV") {
            Some(Role::ToRecv)
        } else {
            None
        }
    }
}

/// The first line of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `REGISTER <role> <name>`; `name` is everything after the role, so that extra words
    /// make it malformed rather than silently dropped.
    Register {
        role: Role,
        name: String,
    },
    Registered {
        role: Role,
        name: String,
    },
    /// `SEND <to>`; with a body a request, without one an old server's success reply.
    Send {
        to: String,
    },
    Sent {
        to: String,
    },
    Forward {
        from: String,
    },
    /// `RECEIVED <from>`, also decoded from the misspelling `RECIEVED`.
    Received {
        from: String,
    },
    /// `ERROR <code> <text>`; `code` is 0 when it is not a number.
    Error {
        code: u16,
        text: String,
    },
    /// Any other first line: the verb as sent and the rest of the line.
    Other {
        verb: String,
        args: String,
    },
}

impl Command {
    /// A first line `verb args` of a command this codec has no variant for.
    pub fn other(verb: &str, args: &str) -> Command {
        Command::Other {
            verb: verb.into(),
            args: args.into(),
        }
    }
}

/// One protocol message: first line, extra headers, and a body when `Content-length` was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub command: Command,
    /// Headers other than `Content-length`, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Message {
    /// A message with no headers and no body.
    pub fn new(command: Command) -> Message {
        Message {
            command,
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn with_body(command: Command, body: Vec<u8>) -> Message {
        Message {
            command,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Message {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// `ERROR <code> <text>` with the canonical text of `code`.
    pub fn error(code: ErrorCode) -> Message {
        Message::new(Command::Error {
            code: code as u16,
            text: code.text().to_string(),
        })
    }

    /// The value of the first header called `name`, in any letter case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Appends the exact wire bytes of this message to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_parts(&self.command, &self.headers, self.body.as_deref(), out);
    }

    /// The wire bytes of this message in a fresh buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.body.as_ref().map_or(0, Vec::len));
        self.encode(&mut out);
        out
    }
}

/// Appends the wire bytes of a message given by its parts, for a caller whose body is shared
/// and should not be copied into a [`Message`] first (a forward to many recipients).
pub fn encode_parts<H: AsRef<str>>(
    command: &Command,
    headers: &[(H, H)],
    body: Option<&[u8]>,
    out: &mut Vec<u8>,
) {
    encode_first_line(command, out);
    out.push(b'\n');
    if let Some(body) = body {
        // Formatted straight into `out`: no string allocated per message.
        let _ = writeln!(out, "Content-length: {}", body.len());
    }
    for (name, value) in headers {
        out.extend_from_slice(name.as_ref().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_ref().as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    if let Some(body) = body {
        out.extend_from_slice(body);
    }
}

fn encode_first_line(command: &Command, out: &mut Vec<u8>) {
    let mut put = |parts: &[&str]| {
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.push(b' ');
            }
            out.extend_from_slice(p.as_bytes());
        }
    };
    match command {
        Command::Register { role, name } => put(&["REGISTER", role.as_str(), name]),
        Command::Registered { role, name } => put(&["REGISTERED", role.as_str(), name]),
        Command::Send { to } => put(&["SEND", to]),
        Command::Sent { to } => put(&["SENT", to]),
        Command::Forward { from } => put(&["FORWARD", from]),
        Command::Received { from } => put(&["RECEIVED", from]),
        Command::Error { code, text } if text.is_empty() => put(&["ERROR", &code.to_string()]),
        Command::Error { code, text } => put(&["ERROR", &code.to_string(), text]),
        Command::Other { verb, args } if args.is_empty() => put(&[verb]),
        Command::Other { verb, args } => put(&[verb, args]),
    }
}

/// True for 1 to 32 ASCII letters and digits that are not the reserved `ALL`.
pub fn is_valid_username(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
        && !is_all(name)
}

/// The broadcast keyword, in any letter case.
pub fn is_all(name: &str) -> bool {
    name.eq_ignore_ascii_case("ALL")
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes at the front of `buf` that are only whitespace between messages; callers may drop them.
pub fn junk_prefix(buf: &[u8]) -> usize {
    buf.iter().take_while(|&&b| is_blank(b)).count()
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line.iter().take_while(|&&b| is_blank(b)).count();
    let end = line.len() - line.iter().rev().take_while(|&&b| is_blank(b)).count();
    &line[start..end.max(start)]
}

/// Decodes one message from the front of `buf`.
///
/// Returns `Ok(Some((message, used)))` with the bytes used (including whitespace skipped
/// before it), `Ok(None)` when `buf` holds only part of a message, or an error when the
/// stream cannot be followed further.
pub fn decode(buf: &[u8], limits: &Limits) -> Result<Option<(Message, usize)>, WireError> {
    let start = junk_prefix(buf);
    let mut pos = start;
    let mut first: Option<&[u8]> = None;
    let mut headers = Vec::new();
    let mut content_length: Option<u64> = None;
    loop {
        let Some(nl) = memchr(b'\n', &buf[pos..]) else {
            if buf.len() - start > limits.max_header {
                return Err(WireError::HeaderTooLong {
                    max: limits.max_header,
                });
            }
            return Ok(None);
        };
        let line = trim(&buf[pos..pos + nl]);
        pos += nl + 1;
        if pos - start > limits.max_header {
            return Err(WireError::HeaderTooLong {
                max: limits.max_header,
            });
        }
        if first.is_none() {
            first = Some(line);
            continue;
        }
        if line.is_empty() {
            break;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue; // not a header; tolerated and ignored
        };
        let name = String::from_utf8_lossy(trim(&line[..colon])).into_owned();
        let value = String::from_utf8_lossy(trim(&line[colon + 1..])).into_owned();
        if name.eq_ignore_ascii_case("Content-length") {
            let n = parse_length(&value)?;
            if content_length.is_some_and(|old| old != n) {
                return Err(WireError::BadContentLength);
            }
            content_length = Some(n);
        } else {
            headers.push((name, value));
        }
    }
    let command = parse_first_line(first.unwrap_or_default());
    let body = match content_length {
        None => None,
        Some(n) if n > limits.max_body as u64 => {
            return Err(WireError::BodyTooLong {
                len: n,
                max: limits.max_body,
            })
        }
        Some(n) => {
            let n = n as usize;
            if buf.len() - pos < n {
                return Ok(None);
            }
            pos += n;
            Some(buf[pos - n..pos].to_vec())
        }
    };
    Ok(Some((
        Message {
            command,
            headers,
            body,
        },
        pos,
    )))
}

fn parse_length(value: &str) -> Result<u64, WireError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WireError::BadContentLength);
    }
    // Too many digits for u64 is "absurdly long", not "not a number".
    Ok(value.parse::<u64>().unwrap_or(u64::MAX))
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

fn parse_first_line(line: &[u8]) -> Command {
    let line = String::from_utf8_lossy(line);
    let (verb, rest) = split_word(&line);
    let arg = rest.to_string();
    match verb.to_ascii_uppercase().as_str() {
        "REGISTER" | "REGISTERED" => {
            let (role_word, name) = split_word(rest);
            match Role::parse(role_word) {
                Some(role) if verb.eq_ignore_ascii_case("REGISTER") => Command::Register {
                    role,
                    name: name.to_string(),
                },
                Some(role) => Command::Registered {
                    role,
                    name: name.to_string(),
                },
                None => Command::Other {
                    verb: verb.to_string(),
                    args: arg,
                },
            }
        }
        "SEND" => Command::Send { to: arg },
        "SENT" => Command::Sent { to: arg },
        "FORWARD" => Command::Forward { from: arg },
        "RECEIVED" | "RECIEVED" => Command::Received { from: arg },
        "ERROR" => {
            let (code, text) = split_word(rest);
            match code.parse::<u16>() {
                Ok(code) => Command::Error {
                    code,
                    text: text.to_string(),
                },
                Err(_) => Command::Error { code: 0, text: arg },
            }
        }
        _ => Command::Other {
            verb: verb.to_string(),
            args: arg,
        },
    }
}

/// Splits off the first word; the rest has its leading blanks removed.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_matches([' ', '\t']);
    match s.find([' ', '\t']) {
        Some(i) => (&s[..i], s[i..].trim_start_matches([' ', '\t'])),
        None => (s, ""),
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
