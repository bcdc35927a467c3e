//! The exact bytes of each message as PROTOCOL.md Part 1 writes it, in one place for the
//! server checks and the client script alike; and those of Part 5 (accounts, offline messages,
//! history) with the few of Part 3 they stand on (`Extensions:`, `QUIT`).
//!
//! They are spelled out here from the protocol's tables, not produced by `wire`'s encoder: the
//! kit is the yardstick our own server is measured with, so it must not inherit a bug of the
//! codec that server writes with. Names are put in as given, so a malformed one (a stimulus)
//! is written just as well.

use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::fmt::Display;

/// `REGISTER <role> <name>\n\n`.
pub fn register(role: Role, name: &str) -> Vec<u8> {
    format!("REGISTER {} {name}\n\n", role.as_str()).into_bytes()
}

/// `REGISTERED <role> <name>\n\n` (no header: Part 1, whatever the client asked for).
pub fn registered(role: Role, name: &str) -> Vec<u8> {
    format!("REGISTERED {} {name}\n\n", role.as_str()).into_bytes()
}

/// `SEND <to>\nContent-length: <n>\n\n<body>`.
pub fn send(to: &str, body: &[u8]) -> Vec<u8> {
    with_body("SEND", to, body)
}

/// `FORWARD <from>\nContent-length: <n>\n\n<body>`.
pub fn forward(from: &str, body: &[u8]) -> Vec<u8> {
    with_body("FORWARD", from, body)
}

/// `RECEIVED <from>\n\n`, the acknowledgement of a forward from `from`.
pub fn received(from: &str) -> Vec<u8> {
    format!("RECEIVED {from}\n\n").into_bytes()
}

/// `<word> <to>\n\n`, the success reply: `word` is `SENT` (Part 1) or the table's `SEND`.
pub fn success(word: &str, to: &str) -> Vec<u8> {
    format!("{word} {to}\n\n").into_bytes()
}

/// `ERROR <code> <text>\n\n` with the protocol's text: `ERROR 102 Unable to send\n\n`.
pub fn error(code: ErrorCode) -> Vec<u8> {
    format!("ERROR {} {}\n\n", code as u16, code.text()).into_bytes()
}

/// `REGISTER <role> <name>` with an `Extensions:` and a `Password:` header when given.
pub fn register_with(
    role: Role,
    name: &str,
    extensions: Option<&str>,
    password: Option<&str>,
) -> Vec<u8> {
    let mut text = format!("REGISTER {} {name}\n", role.as_str());
    if let Some(extensions) = extensions {
        text.push_str(&format!("Extensions: {extensions}\n"));
    }
    if let Some(password) = password {
        text.push_str(&format!("Password: {password}\n"));
    }
    text.push('\n');
    text.into_bytes()
}

/// `REGISTERED <role> <name>\nExtensions: <granted>\n\n`, the reply naming what was granted.
pub fn registered_with(role: Role, name: &str, granted: &str) -> Vec<u8> {
    format!(
        "REGISTERED {} {name}\nExtensions: {granted}\n\n",
        role.as_str()
    )
    .into_bytes()
}

/// `PASSWORD\nContent-length: <n>\n\n<password>`: claims the name (empty: drops the claim).
pub fn password(password: &str) -> Vec<u8> {
    let mut bytes = format!("PASSWORD\nContent-length: {}\n\n", password.len()).into_bytes();
    bytes.extend_from_slice(password.as_bytes());
    bytes
}

/// The answer to a `PASSWORD` with a password.
pub const PASSWORD_SET: &[u8] = b"PASSWORD SET\n\n";
/// The answer to an empty `PASSWORD`.
pub const PASSWORD_DROPPED: &[u8] = b"PASSWORD DROPPED\n\n";
/// Leaving in order (Part 3, `quit`), and its answer.
pub const QUIT: &[u8] = b"QUIT\n\n";
pub const BYE: &[u8] = b"BYE\n\n";

/// `STORED <to>\nId: <id>\n\n`: kept for an offline recipient (`id` is a number, or a
/// placeholder when the kit shows what it expected).
pub fn stored(to: &str, id: impl Display) -> Vec<u8> {
    format!("STORED {to}\nId: {id}\n\n").into_bytes()
}

/// `EVENT DELIVERED <to>\nId: <id>\n\n`: a kept message reached its recipient.
pub fn delivered(to: &str, id: impl Display) -> Vec<u8> {
    format!("EVENT DELIVERED {to}\nId: {id}\n\n").into_bytes()
}

/// A forward to a client with `offline` (and not `meta`): `FORWARD <from>\nContent-length:
/// <n>\nId: <id>\n` then `Stored: yes\n` for one that waited, `\n` and the body.
pub fn forward_with_id(from: &str, body: &[u8], id: impl Display, stored: bool) -> Vec<u8> {
    let mut text = format!("FORWARD {from}\nContent-length: {}\nId: {id}\n", body.len());
    if stored {
        text.push_str("Stored: yes\n");
    }
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// `HISTORY\n` with `Before:`, `After:` and `Limit:` when given, then `\n`.
pub fn history(before: Option<u64>, after: Option<u64>, limit: Option<usize>) -> Vec<u8> {
    let mut text = String::from("HISTORY\n");
    if let Some(before) = before {
        text.push_str(&format!("Before: {before}\n"));
    }
    if let Some(after) = after {
        text.push_str(&format!("After: {after}\n"));
    }
    if let Some(limit) = limit {
        text.push_str(&format!("Limit: {limit}\n"));
    }
    text.push('\n');
    text.into_bytes()
}

/// `HISTORY <count>\nContent-length: <n>\n\n<entries>`: a page of `count` entries.
pub fn history_page(count: usize, entries: &[u8]) -> Vec<u8> {
    with_body("HISTORY", &count.to_string(), entries)
}

/// One entry of a page: `ENTRY <id> <from> <to>\nContent-length: <n>\nTime: <time>\n\n<body>`
/// (`to` is a name or `ALL`).
pub fn entry(id: u64, from: &str, to: &str, time: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "ENTRY {id} {from} {to}\nContent-length: {}\nTime: {time}\n\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn with_body(verb: &str, name: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("{verb} {name}\nContent-length: {}\n\n", body.len()).into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_are_the_tables_of_part_1() {
        assert_eq!(register(Role::ToSend, "al"), b"REGISTER TOSEND al\n\n");
        assert_eq!(registered(Role::ToRecv, "al"), b"REGISTERED TORECV al\n\n");
        assert_eq!(send("bob", b"hi"), b"SEND bob\nContent-length: 2\n\nhi");
        assert_eq!(forward("al", b""), b"FORWARD al\nContent-length: 0\n\n");
        assert_eq!(received("al"), b"RECEIVED al\n\n");
        assert_eq!(success("SENT", "ALL"), b"SENT ALL\n\n");
        let unable = error(ErrorCode::UnableToSend);
        assert_eq!(unable, b"ERROR 102 Unable to send\n\n");
    }

    #[test]
    fn the_bytes_of_part_5() {
        let register = register_with(Role::ToSend, "al", Some("auth"), Some("pw"));
        assert_eq!(
            register,
            b"REGISTER TOSEND al\nExtensions: auth\nPassword: pw\n\n"
        );
        let granted = registered_with(Role::ToRecv, "al", "auth, offline");
        assert_eq!(
            granted,
            b"REGISTERED TORECV al\nExtensions: auth, offline\n\n"
        );
        assert_eq!(password("pw"), b"PASSWORD\nContent-length: 2\n\npw");
        assert_eq!(password(""), b"PASSWORD\nContent-length: 0\n\n");
        assert_eq!(stored("bob", 42), b"STORED bob\nId: 42\n\n");
        assert_eq!(delivered("bob", 42), b"EVENT DELIVERED bob\nId: 42\n\n");
        let waited = forward_with_id("al", b"hi", 42, true);
        assert_eq!(
            waited,
            b"FORWARD al\nContent-length: 2\nId: 42\nStored: yes\n\nhi"
        );
        let live = forward_with_id("al", b"hi", 43, false);
        assert_eq!(live, b"FORWARD al\nContent-length: 2\nId: 43\n\nhi");
        let request = history(Some(42), None, Some(5));
        assert_eq!(request, b"HISTORY\nBefore: 42\nLimit: 5\n\n");
        let one = entry(7, "al", "ALL", "2026-11-30T10:00:00Z", b"hi");
        let want = b"ENTRY 7 al ALL\nContent-length: 2\nTime: 2026-11-30T10:00:00Z\n\nhi";
        assert_eq!(one, want);
        let page = history_page(1, &one);
        assert!(page.starts_with(b"HISTORY 1\nContent-length: 63\n\nENTRY 7"));
    }
}
