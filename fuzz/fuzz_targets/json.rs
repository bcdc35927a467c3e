//! Fuzzes `chat::wire::json::decode`, which reads the JSON protocol's bytes from strangers.
//!
//! Beyond "never panics", every input is checked against what the server relies on:
//! - a decoded packet used its 2 length bytes and its payload (no more than the limit), and
//!   no more bytes than it was given;
//! - decoding only the bytes it used gives the same packet (the decoder never looks past
//!   the end of a packet), and every shorter prefix of them that this checks (one byte
//!   short, half, the length bytes alone, less) is `Ok(None)`;
//! - a decoded packet of a known type re-encodes (never longer than what was read) and
//!   decodes back to itself; `Unknown` and `Malformed` encode as their `{"type":…}` alone;
//! - `Ok(None)` is only for a packet not all there, whose declared length is within the
//!   limit and whose payload's first `EARLY_LOOK` bytes so far are blank or begin with `{`;
//! - an error is reported exactly when the bytes that justify it arrive (one byte fewer is
//!   `Ok(None)`), and from those bytes alone: `TooLong` with its length bytes, `NotObject`
//!   with the first non-blank byte (or the whole payload, when that byte is past
//!   `EARLY_LOOK`), the others with the whole payload.
//!
//! The first input byte picks the limit, so that small caps (where `TooLong` bites) are
//! explored as well as the default.
#![no_main]

use chat::wire::json::{decode, encode, JsonError, JsonLimits, Packet, EARLY_LOOK, MAX_PAYLOAD};
use libfuzzer_sys::fuzz_target;

fn limits(selector: u8) -> JsonLimits {
    let max_payload = match selector % 5 {
        0 => MAX_PAYLOAD,
        1 => 0,
        2 => 16,
        3 => 300,
        _ => usize::MAX,
    };
    JsonLimits { max_payload }
}

fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, buf)) = data.split_first() else {
        return;
    };
    let limits = limits(selector);
    let declared = buf
        .first_chunk::<2>()
        .map(|&n| usize::from(u16::from_be_bytes(n)));
    match decode(buf, &limits) {
        Ok(Some((packet, used))) => {
            assert!(used <= buf.len(), "used {used} of {} bytes", buf.len());
            assert_eq!(
                Some(used - 2),
                declared,
                "used is not 2 + the declared length"
            );
            assert!(used - 2 <= limits.max(), "payload over the limit");
            let again = decode(&buf[..used], &limits);
            assert_eq!(
                again,
                Ok(Some((packet.clone(), used))),
                "looked past the packet"
            );
            for cut in [used - 1, used / 2, 2, 1, 0] {
                assert_eq!(
                    decode(&buf[..cut], &limits),
                    Ok(None),
                    "prefix of {cut} bytes"
                );
            }
            check_encoding(&packet, used);
        }
        Ok(None) => {
            if let Some(len) = declared {
                assert!(buf.len() < 2 + len, "a whole packet reported incomplete");
                assert!(len <= limits.max(), "a length over the limit is pending");
                let first = buf[2..].iter().take(EARLY_LOOK).find(|&&b| !is_blank(b));
                assert!(
                    matches!(first, None | Some(b'{')),
                    "a payload not an object"
                );
            }
        }
        Err(err) => check_error(buf, &limits, declared, err),
    }
});

/// A known packet re-encodes to at most what was read and decodes back to itself.
fn check_encoding(packet: &Packet, used: usize) {
    let mut out = Vec::new();
    encode(packet, &mut out).expect("a decoded packet can be encoded");
    let decoded = decode(&out, &JsonLimits::default());
    match packet {
        Packet::Unknown { kind } | Packet::Malformed { kind } => {
            let (again, _) = decoded.expect("{\"type\":…} decodes").expect("whole");
            assert_eq!(again.kind(), kind.as_str());
        }
        _ => {
            assert!(
                out.len() <= used,
                "re-encoded longer: {} > {used}",
                out.len()
            );
            assert_eq!(
                decoded,
                Ok(Some((packet.clone(), out.len()))),
                "encoding does not decode back: {:?}",
                String::from_utf8_lossy(&out)
            );
        }
    }
}

/// An error comes with the bytes that show it, and from those bytes alone.
fn check_error(buf: &[u8], limits: &JsonLimits, declared: Option<usize>, err: JsonError) {
    let len = declared.expect("an error before the length bytes");
    let shown = match err {
        JsonError::TooLong { len: l, max } => {
            assert_eq!((l, max), (len, limits.max()));
            assert!(len > limits.max());
            2
        }
        JsonError::NotObject => {
            let at = buf[2..].iter().position(|&b| !is_blank(b)).expect("a byte");
            assert!(at < len && buf[2 + at] != b'{');
            if at < EARLY_LOOK {
                3 + at
            } else {
                assert!(
                    buf.len() >= 2 + len,
                    "NotObject past EARLY_LOOK before the whole"
                );
                2 + len
            }
        }
        _ => {
            assert!(buf.len() >= 2 + len, "{err:?} before the whole payload");
            2 + len
        }
    };
    assert_eq!(
        decode(&buf[..shown], limits),
        Err(err),
        "not from its own bytes"
    );
    if shown > 0 {
        assert_eq!(
            decode(&buf[..shown - 1], limits),
            Ok(None),
            "{err:?} too late"
        );
    }
}
