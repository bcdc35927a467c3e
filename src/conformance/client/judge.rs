//! Exact-byte judgements of what a client writes.
//!
//! The session reads the client liberally (`wire::decode`) so that it can carry on after a
//! mistake; these functions then hold each message's raw bytes to the form PROTOCOL.md
//! Part 1 prescribes ([`exact`]), and say what was expected when they differ. No IO here.

use crate::conformance::{exact, Failure};
use crate::wire::{is_all, is_valid_username, Command, Message};

/// Judges a `REGISTER`: the exact first line, a well-formed name, `\n` line ends, and no
/// header but `Name: value` lines (Part 3's `Extensions:`; Part 1 servers ignore them).
pub fn register(raw: &[u8], msg: &Message) -> Result<(), Failure> {
    let Command::Register { role, name } = &msg.command else {
        return Err(Failure::bytes("not a REGISTER", b"REGISTER ", raw));
    };
    let placeholder = format!("REGISTER {} <username>\n\n", role.as_str());
    if !is_valid_username(name) {
        let what =
            format!("\"{name}\" is not a username (1 to 32 ASCII letters and digits, not ALL)");
        return Err(Failure::bytes(what, placeholder.as_bytes(), raw));
    }
    let want = exact::register(*role, name);
    let first_line = &want[..want.len() - 1];
    let exact = || Failure::bytes("not the exact bytes of Part 1", &want, raw);
    let Some(mut rest) = raw.strip_prefix(first_line) else {
        return Err(exact());
    };
    while rest != b"\n" {
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            return Err(exact());
        };
        if !is_header_line(&rest[..end]) {
            return Err(Failure::bytes(
                "a line in the REGISTER that is not a `Name: value` header",
                &want,
                raw,
            ));
        }
        rest = &rest[end + 1..];
    }
    Ok(())
}

/// `Name: value`, the name letters, digits and `-`, one space after the colon, no CR.
fn is_header_line(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    !name.is_empty()
        && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        && value.starts_with(b" ")
        && !value.contains(&b'\r')
}

/// Judges a `SEND`: exactly `SEND <to>\nContent-length: <n>\n\n<n bytes>` with `<to>` a
/// username or `ALL`, and nothing after the body in the same write (`tail`).
pub fn send(raw: &[u8], msg: &Message, tail: &[u8]) -> Result<(), Failure> {
    let (Command::Send { to }, Some(body)) = (&msg.command, &msg.body) else {
        return Err(Failure::bytes(
            "a SEND without Content-length (a server answers ERROR 103 and closes)",
            b"SEND <recipient>\nContent-length: <n>\n\n<n bytes>",
            raw,
        ));
    };
    if !is_valid_username(to) && !is_all(to) {
        let what = format!("\"{to}\" is neither a username nor ALL");
        return Err(Failure::bytes(what, b"SEND <recipient>\n", raw));
    }
    let want = exact::send(to, body);
    if raw != want {
        return Err(Failure::bytes("not the exact bytes of Part 1", &want, raw));
    }
    if !tail.is_empty() {
        let mut received = raw.to_vec();
        received.extend_from_slice(tail);
        return Err(Failure::bytes(
            format!(
                "{} bytes after the body in the same write: Content-length must count every byte \
                 of the body, and nothing may follow it",
                tail.len()
            ),
            &want,
            &received,
        ));
    }
    Ok(())
}

/// The one-line name of a frame's first line, for notes: `SEND bob`.
pub fn first_line(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let line = text.trim_start().lines().next().unwrap_or("").trim();
    line.chars().take(60).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode, Limits};

    fn msg(raw: &[u8]) -> Message {
        match decode(raw, &Limits::default()) {
            Ok(Some((m, used))) if used == raw.len() => m,
            other => panic!("{raw:?}: {other:?}"),
        }
    }

    fn judge_register(raw: &[u8]) -> Result<(), Failure> {
        register(raw, &msg(raw))
    }

    #[test]
    fn register_exact_and_with_part3_headers_pass() {
        assert_eq!(judge_register(b"REGISTER TOSEND alice\n\n"), Ok(()));
        let ext = b"REGISTER TOSEND alice\nExtensions: events, users\n\n";
        assert_eq!(judge_register(ext), Ok(()));
    }

    #[test]
    fn register_mistakes_fail_showing_the_exact_bytes() {
        for raw in [
            &b"REGISTER TOSEND alice\r\n\r\n"[..],
            b"REGISTER  TOSEND alice\n\n",
            b"register TOSEND alice\n\n",
            b"REGISTER TOSEND alice \n\n",
            b"REGISTER TOSEND alice\n \n",
            b"\nREGISTER TOSEND alice\n\n",
            b"REGISTER TOSEND alice\nnot a header\n\n",
        ] {
            let failure = judge_register(raw).expect_err(&String::from_utf8_lossy(raw));
            assert_eq!(failure.received.as_deref(), Some(raw));
            assert_eq!(
                failure.expected.as_deref(),
                Some(&b"REGISTER TOSEND alice\n\n"[..])
            );
        }
        let bad_name = judge_register(b"REGISTER TORECV al ice\n\n").unwrap_err();
        assert!(bad_name.what.contains("not a username"), "{bad_name}");
    }

    #[test]
    fn send_must_be_exact_and_count_bytes() {
        let ok = "SEND bob\nContent-length: 6\n\ncafé!".as_bytes();
        assert_eq!(send(ok, &msg(ok), b""), Ok(()));
        let all = b"SEND all\nContent-length: 1\n\nx";
        assert_eq!(send(all, &msg(all), b""), Ok(()));
        for raw in [
            &b"SEND bob\r\nContent-length: 1\r\n\r\nx"[..],
            b"SEND bob\nContent-Length: 1\n\nx",
            b"SEND bob\nContent-length:1\n\nx",
            b"SEND bob\nContent-length: 01\n\nx",
            b"SEND bob\nContent-length: 1\nEmote: yes\n\nx",
        ] {
            let failure = send(raw, &msg(raw), b"").expect_err(&String::from_utf8_lossy(raw));
            assert_eq!(
                failure.expected.as_deref(),
                Some(&b"SEND bob\nContent-length: 1\n\nx"[..])
            );
        }
        let short = b"SEND bob\nContent-length: 1\n\nx";
        let failure = send(short, &msg(short), b"yz\n").unwrap_err();
        assert!(
            failure.what.starts_with("3 bytes after the body"),
            "{failure}"
        );
        let no_length = b"SEND bob\n\n";
        assert!(send(no_length, &msg(no_length), b"").is_err());
        let bad_to = b"SEND b-b\nContent-length: 1\n\nx";
        assert!(send(bad_to, &msg(bad_to), b"").is_err());
    }
}
