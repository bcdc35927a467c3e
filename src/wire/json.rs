//! The codec of the JSON protocol (PROTOCOL.md Part 4, seed 003): bytes in, packets out.
//!
//! No sockets live here. [`decode`] looks at a byte slice and returns either a whole
//! [`Packet`] plus the number of bytes it used, or `Ok(None)` when more bytes are needed
//! (the normal outcome on a stream); [`encode`] appends the exact bytes of a packet.
//!
//! # Grammar
//! ```text
//! stream  = *packet
//! packet  = length payload
//! length  = 2 bytes, big-endian: N, the payload's size in bytes
//! payload = N bytes of UTF-8 JSON text: one object whose "type" member is a string
//! ```
//! Reading is liberal: any JSON whitespace, `\uXXXX` escapes and member order are fine,
//! members we do not know are ignored (whatever JSON they hold), a `null` optional member is
//! an absent one, and of a member given twice the last counts. Writing is strict: compact
//! JSON, `"type"` first, the other members in the order of the [`Packet`] fields, absent
//! ones left out, non-ASCII as UTF-8, control characters escaped (`\n`, `\u0001`).
//!
//! # What ends the stream, and when
//! Memory is bounded by [`JsonLimits`], and bytes that cannot be a packet are refused as
//! early as they can be told apart, checked in this order:
//! 1. with the 2 length bytes: `N > max_payload` is [`JsonError::TooLong`], before any of
//!    the payload is buffered;
//! 2. with the payload's first byte that is not JSON whitespace (space, tab, CR, LF): that
//!    byte must be `{`, or it is [`JsonError::NotObject`] at once (a raw, unframed
//!    `{"type":…`, whose `{"` reads as the length 31,522, is found out at its third byte).
//!    An unfinished payload is looked at only as far as its first [`EARLY_LOOK`] bytes: one
//!    led by more blanks than that is judged when whole (still `NotObject`), since looking
//!    further on every call would let a peer sending 65,535 blanks a byte at a time cost
//!    seconds of CPU (the time goes as the square of the blanks);
//! 3. with the whole payload: not UTF-8 is [`JsonError::NotUtf8`]; not one JSON value
//!    (including `N = 0`, a blank payload, an unclosed object or trailing bytes) is
//!    [`JsonError::NotJson`]; no `"type"`, or one that is not a string, is
//!    [`JsonError::NoType`].
//!
//! Since a JSON text that is not an object never begins with `{`, step 2 is what reports
//! every "not an object", whole payload or not, so a stream gives the same answer fed
//! whole or byte by byte.
//!
//! Not fatal, and returned as packets: a `"type"` we do not know is [`Packet::Unknown`]
//! (to be ignored), and a known one whose fields are missing or of the wrong JSON type is
//! [`Packet::Malformed`] (answered with `bad-packet`). Whether a nick follows the name
//! rules is not the codec's business.

pub mod ext;
mod packet;

use packet::fields_of;
pub use packet::{Entry, Packet};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::HashMap;
use thiserror::Error;

/// Most payload bytes two length bytes can announce.
pub const MAX_PAYLOAD: usize = 65_535;

/// How far into an unfinished payload [`decode`] looks for its first non-blank byte.
pub const EARLY_LOOK: usize = 64;

/// Size cap the decoder enforces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonLimits {
    /// Longest payload accepted; values above [`MAX_PAYLOAD`] act as [`MAX_PAYLOAD`].
    pub max_payload: usize,
}

impl Default for JsonLimits {
    fn default() -> Self {
        JsonLimits {
            max_payload: MAX_PAYLOAD,
        }
    }
}

impl JsonLimits {
    /// The cap in force: `max_payload`, but never more than two bytes can say.
    pub fn max(&self) -> usize {
        self.max_payload.min(MAX_PAYLOAD)
    }
}

/// Why the stream cannot be followed; each of these ends the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum JsonError {
    #[error("payload of {len} bytes is longer than {max}")]
    TooLong { len: usize, max: usize },
    #[error("payload is not UTF-8")]
    NotUtf8,
    #[error("payload is not JSON")]
    NotJson,
    #[error("payload is not a JSON object")]
    NotObject,
    #[error("payload has no string \"type\"")]
    NoType,
}

impl JsonError {
    /// The `error` packet's code that reports this (PROTOCOL.md Part 4, Errors).
    pub fn code(&self) -> &'static str {
        match self {
            JsonError::TooLong { .. } => "too-long",
            _ => "malformed",
        }
    }
}

/// A packet whose payload would be over [`MAX_PAYLOAD`] bytes: it cannot be framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("payload of {len} bytes is longer than the {MAX_PAYLOAD} two length bytes can announce")]
pub struct TooBig {
    pub len: usize,
}

/// JSON whitespace.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Decodes one packet from the front of `buf`.
///
/// Returns `Ok(Some((packet, used)))` with the bytes used (2 + N), `Ok(None)` when `buf`
/// holds only part of a packet, or an error when the stream cannot be followed further
/// (see the module doc for which, and how early).
pub fn decode(buf: &[u8], limits: &JsonLimits) -> Result<Option<(Packet, usize)>, JsonError> {
    let Some((length, rest)) = buf.split_first_chunk::<2>() else {
        return Ok(None);
    };
    let len = usize::from(u16::from_be_bytes(*length));
    let max = limits.max();
    if len > max {
        return Err(JsonError::TooLong { len, max });
    }
    let Some(payload) = rest.get(..len) else {
        check_start(&rest[..rest.len().min(EARLY_LOOK)])?;
        return Ok(None);
    };
    Ok(Some((from_json(payload)?, 2 + len)))
}

/// Refuses a payload, whole or begun, whose first non-blank byte is there and is not `{`.
fn check_start(payload: &[u8]) -> Result<(), JsonError> {
    match payload.iter().find(|&&b| !is_blank(b)) {
        Some(&b) if b != b'{' => Err(JsonError::NotObject),
        _ => Ok(()),
    }
}

/// Reads one whole payload (without its length bytes), as [`decode`] does.
pub fn from_json(payload: &[u8]) -> Result<Packet, JsonError> {
    check_start(payload)?;
    let text = std::str::from_utf8(payload).map_err(|_| JsonError::NotUtf8)?;
    // Members stay unparsed JSON text: one we do not read may hold any JSON at all
    // (such as 1e400, which serde_json would not turn into a number).
    let members: HashMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|_| JsonError::NotJson)?;
    let kind: String = members
        .get("type")
        .and_then(|raw| serde_json::from_str(raw.get()).ok())
        .ok_or(JsonError::NoType)?;
    let Some(fields) = fields_of(&kind) else {
        return Ok(Packet::Unknown { kind });
    };
    Ok(typed(&kind, fields, &members).unwrap_or(Packet::Malformed { kind }))
}

/// The packet of a known type, from the members it reads; `None` when they do not fit.
fn typed(kind: &str, fields: &[&str], members: &HashMap<String, &RawValue>) -> Option<Packet> {
    let mut object = Map::new();
    object.insert("type".into(), Value::String(kind.into()));
    for &name in fields {
        if let Some(raw) = members.get(name) {
            object.insert(name.into(), serde_json::from_str(raw.get()).ok()?);
        }
    }
    match Packet::deserialize(Value::Object(object)) {
        // A known type that does not fit its variant falls through to the untagged ones.
        Ok(Packet::Unknown { .. } | Packet::Malformed { .. }) | Err(_) => None,
        // A join names who joined, or (C→S, Part 8) the room to join; a kick from the chat
        // has its reason, one from a room (either way) its room.
        Ok(Packet::Join {
            nick: None,
            room: None,
        })
        | Ok(Packet::Kick {
            room: None,
            reason: None,
            ..
        }) => None,
        Ok(packet) => Some(packet),
    }
}

/// Appends the packet's 2 length bytes and compact JSON to `out`.
///
/// `Unknown` and `Malformed` are written as `{"type":"<kind>"}`. A payload over
/// [`MAX_PAYLOAD`] bytes is refused and nothing is appended.
pub fn encode(packet: &Packet, out: &mut Vec<u8>) -> Result<(), TooBig> {
    let start = out.len();
    out.extend_from_slice(&[0, 0]);
    // Cannot fail: a Vec takes every byte, and a Packet is strings and lists of strings.
    let written = serde_json::to_writer(&mut *out, packet);
    let len = out.len() - start - 2;
    match (written, u16::try_from(len)) {
        (Ok(()), Ok(n)) => {
            out[start..start + 2].copy_from_slice(&n.to_be_bytes());
            Ok(())
        }
        _ => {
            out.truncate(start);
            Err(TooBig { len })
        }
    }
}

/// The packet's payload alone: the compact JSON [`encode`] frames.
pub fn to_json(packet: &Packet) -> String {
    // Cannot fail (see `encode`); an empty text would be refused as NotJson, never misread.
    serde_json::to_string(packet).unwrap_or_default()
}

/// Appends 2 length bytes and `payload`, for a front end that builds its own JSON.
/// A payload over [`MAX_PAYLOAD`] bytes is refused and nothing is appended.
pub fn frame(payload: &[u8], out: &mut Vec<u8>) -> Result<(), TooBig> {
    let n = u16::try_from(payload.len()).map_err(|_| TooBig { len: payload.len() })?;
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(())
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "json_prop_tests.rs"]
mod prop_tests;
