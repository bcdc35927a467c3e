//! The exact bytes of each message as PROTOCOL.md Part 1 writes it, in one place for the
//! server checks and the client script alike.
//!
//! They are spelled out here from the protocol's tables, not produced by `wire`'s encoder: the
//! kit is the yardstick our own server is measured with, so it must not inherit a bug of the
//! codec that server writes with. Names are put in as given, so a malformed one (a stimulus)
//! is written just as well.

use crate::wire::codes::ErrorCode;
use crate::wire::Role;

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
}
