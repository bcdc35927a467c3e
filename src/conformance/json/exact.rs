//! The exact bytes of the JSON protocol (PROTOCOL.md Part 4) as the kit writes and expects
//! them: a 2-byte big-endian length, then compact JSON, `"type"` first and the other keys in
//! the order of Part 4's tables.
//!
//! Every payload is a literal template written out here, not produced by an encoder (ours or
//! serde's): the kit is the yardstick our own server is measured with, so it must not share a
//! bug with the code that server writes with. Text is put in as given, so it must already be
//! JSON-ready (the kit's nicks are letters and digits; a message with quotes, backslashes or
//! control characters is written by its check with the escapes spelled out).
//!
//! Part 8's room packets are here too: a room name is JSON-ready as the kit makes it.

/// A packet: the 2-byte big-endian length of `payload`, then `payload`. The kit frames only
/// payloads of at most 65,535 bytes; a longer one would need a length two bytes cannot say.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let mut bytes = length(payload.len()).to_vec();
    bytes.extend_from_slice(payload);
    bytes
}

/// The two length bytes announcing `n` bytes of payload (`n` at most 65,535).
pub fn length(n: usize) -> [u8; 2] {
    let n = n.min(usize::from(u16::MAX)) as u16;
    n.to_be_bytes()
}

/// C→S `{"type":"hello","nick":"<nick>"}`.
pub fn hello(nick: &str) -> String {
    format!(r#"{{"type":"hello","nick":"{nick}"}}"#)
}

/// C→S a hello asking for extensions: `extensions` is the JSON array, as written.
pub fn hello_asking(nick: &str, extensions: &str) -> String {
    format!(r#"{{"type":"hello","nick":"{nick}","extensions":{extensions}}}"#)
}

/// C→S `{"type":"chat","message":"<message>"}`.
pub fn chat(message: &str) -> String {
    format!(r#"{{"type":"chat","message":"{message}"}}"#)
}

/// S→C `{"type":"chat","nick":"<nick>","message":"<message>"}`.
pub fn said(nick: &str, message: &str) -> String {
    format!(r#"{{"type":"chat","nick":"{nick}","message":"{message}"}}"#)
}

/// S→C `{"type":"join","nick":"<nick>"}`.
pub fn join(nick: &str) -> String {
    format!(r#"{{"type":"join","nick":"{nick}"}}"#)
}

/// S→C `{"type":"leave","nick":"<nick>"}`, the seed's leave.
pub fn leave(nick: &str) -> String {
    format!(r#"{{"type":"leave","nick":"{nick}"}}"#)
}

/// S→C `{"type":"leave","nick":"<nick>","reason":"<reason>"}`, with `events`.
pub fn leave_because(nick: &str, reason: &str) -> String {
    format!(r#"{{"type":"leave","nick":"{nick}","reason":"{reason}"}}"#)
}

/// S→C `{"type":"welcome","nick":"<nick>","extensions":<granted>}`: `granted` is the JSON
/// array, as written.
pub fn welcome(nick: &str, granted: &str) -> String {
    format!(r#"{{"type":"welcome","nick":"{nick}","extensions":{granted}}}"#)
}

/// C→S `{"type":"dm","to":"<to>","message":"<message>"}`.
pub fn dm(to: &str, message: &str) -> String {
    format!(r#"{{"type":"dm","to":"{to}","message":"{message}"}}"#)
}

/// S→C `{"type":"dm","nick":"<nick>","to":"<to>","message":"<message>"}`.
pub fn dm_from(nick: &str, to: &str, message: &str) -> String {
    format!(r#"{{"type":"dm","nick":"{nick}","to":"{to}","message":"{message}"}}"#)
}

/// C→S `{"type":"emote","message":"<message>"}`.
pub fn emote(message: &str) -> String {
    format!(r#"{{"type":"emote","message":"{message}"}}"#)
}

/// S→C `{"type":"emote","nick":"<nick>","message":"<message>"}`.
pub fn emote_from(nick: &str, message: &str) -> String {
    format!(r#"{{"type":"emote","nick":"{nick}","message":"{message}"}}"#)
}

/// C→S `{"type":"users"}`.
pub const USERS: &str = r#"{"type":"users"}"#;

/// S→C `{"type":"users","nicks":["<a>","<b>",...]}`, the nicks as given.
pub fn users(nicks: &[&str]) -> String {
    let quoted: Vec<String> = nicks.iter().map(|n| format!("\"{n}\"")).collect();
    format!(r#"{{"type":"users","nicks":[{}]}}"#, quoted.join(","))
}

/// S→C an error packet with `code` and a message for a person (any text): the bytes up to
/// the message's opening quote, which are exact.
pub fn error_head(code: &str) -> String {
    format!(r#"{{"type":"error","code":"{code}","message":""#)
}

/// An error packet as reports show it: the message stands for any text.
pub fn error_shown(code: &str) -> String {
    format!(r#"{}<any text>"}}"#, error_head(code))
}

/// C→S `{"type":"join","room":"<room>"}`.
pub fn join_room(room: &str) -> String {
    format!(r#"{{"type":"join","room":"{room}"}}"#)
}

/// S→C `{"type":"join","nick":"<nick>","room":"<room>"}`.
pub fn joined_room(nick: &str, room: &str) -> String {
    format!(r#"{{"type":"join","nick":"{nick}","room":"{room}"}}"#)
}

/// C→S `{"type":"part","room":"<room>"}`.
pub fn part(room: &str) -> String {
    format!(r#"{{"type":"part","room":"{room}"}}"#)
}

/// S→C `{"type":"leave","nick":"<nick>","room":"<room>","reason":"<reason>"}`.
pub fn left_room(nick: &str, room: &str, reason: &str) -> String {
    format!(r#"{{"type":"leave","nick":"{nick}","room":"{room}","reason":"{reason}"}}"#)
}

/// C→S `{"type":"rooms"}`.
pub const ROOMS: &str = r#"{"type":"rooms"}"#;

/// S→C `{"type":"rooms","rooms":[<entries>]}`, each entry JSON as given.
pub fn rooms(entries: &[String]) -> String {
    format!(r#"{{"type":"rooms","rooms":[{}]}}"#, entries.join(","))
}

/// One entry of a room list: `{"room":"<room>","members":<n>[,"topic":"<topic>"]}`.
pub fn room_entry(room: &str, members: usize, topic: Option<&str>) -> String {
    match topic {
        Some(topic) => format!(r#"{{"room":"{room}","members":{members},"topic":"{topic}"}}"#),
        None => format!(r#"{{"room":"{room}","members":{members}}}"#),
    }
}

/// C→S `{"type":"who","room":"<room>"}`.
pub fn who(room: &str) -> String {
    format!(r#"{{"type":"who","room":"{room}"}}"#)
}

/// S→C `{"type":"who","room":"<room>"[,"operator":...][,"topic":...],"nicks":[...]}`.
pub fn who_reply(
    room: &str,
    operator: Option<&str>,
    topic: Option<&str>,
    nicks: &[&str],
) -> String {
    let mut text = format!(r#"{{"type":"who","room":"{room}""#);
    if let Some(operator) = operator {
        text.push_str(&format!(r#","operator":"{operator}""#));
    }
    if let Some(topic) = topic {
        text.push_str(&format!(r#","topic":"{topic}""#));
    }
    let quoted: Vec<String> = nicks.iter().map(|n| format!("\"{n}\"")).collect();
    text.push_str(&format!(r#","nicks":[{}]}}"#, quoted.join(",")));
    text
}

/// C→S `{"type":"topic","room":"<room>","topic":"<topic>"}` (`""` clears it).
pub fn topic(room: &str, topic: &str) -> String {
    format!(r#"{{"type":"topic","room":"{room}","topic":"{topic}"}}"#)
}

/// S→C `{"type":"topic","room":"<room>","nick":"<nick>","topic":"<topic>"}`.
pub fn topic_from(room: &str, nick: &str, topic: &str) -> String {
    format!(r#"{{"type":"topic","room":"{room}","nick":"{nick}","topic":"{topic}"}}"#)
}

/// C→S `{"type":"kick","nick":"<nick>","room":"<room>","reason":"<reason>"}`.
pub fn kick(nick: &str, room: &str, reason: &str) -> String {
    format!(r#"{{"type":"kick","nick":"{nick}","room":"{room}","reason":"{reason}"}}"#)
}

/// S→C `{"type":"kick","nick":"<nick>","room":"<room>","by":"<by>","reason":"<reason>"}`.
pub fn kicked(nick: &str, room: &str, by: &str, reason: &str) -> String {
    format!(r#"{{"type":"kick","nick":"{nick}","room":"{room}","by":"{by}","reason":"{reason}"}}"#)
}

/// C→S `{"type":"chat","room":"<room>","message":"<message>"}`.
pub fn chat_in(room: &str, message: &str) -> String {
    format!(r#"{{"type":"chat","room":"{room}","message":"{message}"}}"#)
}

/// S→C `{"type":"chat","nick":"<nick>","room":"<room>","message":"<message>"}`.
pub fn said_in(nick: &str, room: &str, message: &str) -> String {
    format!(r#"{{"type":"chat","nick":"{nick}","room":"{room}","message":"{message}"}}"#)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_are_part_4s() {
        assert_eq!(
            frame(hello("pat").as_bytes()),
            b"\x00\x1d{\"type\":\"hello\",\"nick\":\"pat\"}"
        );
        assert_eq!(
            said("pat", "hi"),
            r#"{"type":"chat","nick":"pat","message":"hi"}"#
        );
        assert_eq!(
            dm_from("pat", "chris", "hi"),
            r#"{"type":"dm","nick":"pat","to":"chris","message":"hi"}"#
        );
        assert_eq!(
            users(&["alice", "bob"]),
            r#"{"type":"users","nicks":["alice","bob"]}"#
        );
        assert_eq!(users(&[]), r#"{"type":"users","nicks":[]}"#);
        assert_eq!(
            error_shown("bad-nick"),
            r#"{"type":"error","code":"bad-nick","message":"<any text>"}"#
        );
        assert_eq!(length(300), [1, 44]);
        assert_eq!(
            who_reply(
                "#rust",
                Some("alice"),
                Some("Rust, mostly"),
                &["alice", "bob"]
            ),
            r##"{"type":"who","room":"#rust","operator":"alice","topic":"Rust, mostly","nicks":["alice","bob"]}"##
        );
        assert_eq!(
            rooms(&[
                room_entry("#lobby", 12, None),
                room_entry("#rust", 3, Some("Rust, mostly"))
            ]),
            r##"{"type":"rooms","rooms":[{"room":"#lobby","members":12},{"room":"#rust","members":3,"topic":"Rust, mostly"}]}"##
        );
        assert_eq!(
            kicked("bob", "#rust", "pat", "spam"),
            r##"{"type":"kick","nick":"bob","room":"#rust","by":"pat","reason":"spam"}"##
        );
        for payload in [
            hello("a"),
            welcome("a", r#"["dm"]"#),
            leave_because("a", "quit"),
            left_room("a", "#r", "part"),
            topic_from("#r", "a", "t"),
            said_in("a", "#r", "hi"),
            who_reply("#r", None, None, &[]),
        ] {
            serde_json::from_str::<serde_json::Value>(&payload).unwrap();
        }
    }
}
