//! Fuzzes `chat::wire::decode`, the one function that reads bytes from strangers.
//!
//! Beyond "never panics", every input is checked against what the server relies on:
//! - a decoded message used at least one byte and no more than it was given, and its body
//!   respects `max_body`;
//! - decoding only the bytes it used gives the same message (the decoder never looks past
//!   the end of a message), and shorter prefixes of them (one byte short, half, the leading
//!   junk alone) are `Ok(None)` (incomplete, never an error and never a different message);
//! - `Ok(None)` never leaves more than `max_header` bytes of header pending unreported;
//! - what `Message::encode` writes for a decoded message decodes back to the same message.
//!
//! The first input byte picks the limits, so that small caps (where the length checks
//! bite) are explored as well as the defaults.
#![no_main]

use chat::wire::{decode, junk_prefix, Limits};
use libfuzzer_sys::fuzz_target;

fn limits(selector: u8) -> Limits {
    match selector % 4 {
        0 => Limits::default(),
        1 => Limits {
            max_header: 64,
            max_body: 16,
        },
        2 => Limits {
            max_header: 1,
            max_body: 0,
        },
        _ => Limits {
            max_header: 512,
            max_body: 4096,
        },
    }
}

/// Limits no re-encoded message can hit: encoding may grow a line (a lossy UTF-8
/// replacement is 3 bytes for 1), and that is not what the round trip is about.
const ROOMY: Limits = Limits {
    max_header: usize::MAX / 2,
    max_body: usize::MAX / 2,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, buf)) = data.split_first() else {
        return;
    };
    let limits = limits(selector);
    match decode(buf, &limits) {
        Ok(Some((msg, used))) => {
            assert!(used > junk_prefix(buf), "a message used no bytes");
            assert!(used <= buf.len(), "used {used} of {} bytes", buf.len());
            if let Some(body) = &msg.body {
                assert!(body.len() <= limits.max_body);
            }
            let again = decode(&buf[..used], &limits);
            assert_eq!(
                again,
                Ok(Some((msg.clone(), used))),
                "decoder looked past the message"
            );
            for cut in [used - 1, used / 2, junk_prefix(buf)] {
                assert_eq!(
                    decode(&buf[..cut], &limits),
                    Ok(None),
                    "prefix of {cut} bytes"
                );
            }
            let encoded = msg.to_bytes();
            assert_eq!(
                decode(&encoded, &ROOMY),
                Ok(Some((msg, encoded.len()))),
                "encoding does not decode back: {:?}",
                String::from_utf8_lossy(&encoded)
            );
        }
        Ok(None) => {
            // Incomplete is only allowed while the header block is within its cap, or once
            // it is complete (a blank line after the first line) and the body is arriving.
            let rest = &buf[junk_prefix(buf)..];
            if rest.len() > limits.max_header {
                let mut lines: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
                lines.pop(); // the unterminated tail is not a line yet
                let blank = |line: &&[u8]| line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'));
                let header_done = lines.iter().skip(1).any(blank);
                assert!(
                    header_done,
                    "{} bytes pending in an unfinished header",
                    rest.len()
                );
            }
        }
        Err(_) => {}
    }
});
