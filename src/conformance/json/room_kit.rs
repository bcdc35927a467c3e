//! What the JSON Part 8 checks ([`super::rooms`]) stand on: members (connections whose hello
//! asks for `rooms`, skipped when the server does not grant it), rooms unique to the run and
//! the check, and the exchanges every check repeats: entering a room with the members told, a
//! packet and its one answer or error, and a lobby chat that must be the next packet.

use super::conn::Conn;
use super::exact;
use super::kit::Ctx;
use crate::conformance::{Failure, Verdict};
use serde_json::Value;

/// The hello's extensions, and what a server with Part 8 grants.
pub const ASKED: &str = r#"["rooms"]"#;
/// The room everyone is in.
pub const LOBBY: &str = "#lobby";

/// A user asking for rooms (a fresh nick from `base`): it gets the welcome granting it, then
/// its own join, and so does each of `others`. Skipped when the server does not grant it.
pub fn member(ctx: &Ctx, base: &str, others: &mut [&mut Conn]) -> Result<(Conn, String), Verdict> {
    let (mut conn, nick) = ctx.conn_for(base)?;
    conn.send_packet(&exact::hello_asking(&nick, ASKED))?;
    let got = conn.packet(ctx.reply())?;
    let welcome = exact::welcome(&nick, ASKED);
    if let Some(why) = not_granted(&got.value) {
        return Err(Verdict::Skip(why));
    }
    conn.judge(&got, &welcome)?;
    conn.expect(&exact::join(&nick), ctx.reply())?;
    ctx.seen_joining(&nick, others)?;
    Ok((conn, nick))
}

/// Why the answer to a hello asking for rooms means the server has no Part 8, if it does.
pub fn not_granted(value: &Option<Value>) -> Option<String> {
    let value = value.as_ref()?;
    match value.get("type")?.as_str()? {
        "join" => Some(format!(
            "the server does not grant rooms (asked {ASKED}; no welcome: a server of the seed)"
        )),
        "welcome" => {
            let granted = value.get("extensions")?;
            let has = granted
                .as_array()
                .is_some_and(|a| a.iter().any(|e| e.as_str() == Some("rooms")));
            (!has).then(|| {
                format!("the server does not grant rooms (asked {ASKED}, granted {granted})")
            })
        }
        _ => None,
    }
}

/// Two connections with their nicks, and a room both are in.
pub type Founded = ((Conn, String), (Conn, String), String);

/// Pat and quinn (fresh nicks) in a new room (a fresh name from `base`) that pat made, so
/// pat is its operator; pat was told of quinn's join.
pub fn founded(ctx: &Ctx, base: &str) -> Result<Founded, Verdict> {
    let (mut pat, p) = member(ctx, "pat", &mut [])?;
    let (mut quinn, q) = member(ctx, "quinn", &mut [&mut pat])?;
    let room = fresh_room(ctx, base);
    enter(ctx, &mut pat, &p, &room, &mut [])?;
    enter(ctx, &mut quinn, &q, &room, &mut [&mut pat])?;
    Ok(((pat, p), (quinn, q), room))
}

/// A room name no other check or run uses.
pub fn fresh_room(ctx: &Ctx, base: &str) -> String {
    format!("#{}", ctx.nick(base))
}

/// `conn` (whose nick is `nick`) joins `room`: it gets its join, and so does each of
/// `members`.
pub fn enter(
    ctx: &Ctx,
    conn: &mut Conn,
    nick: &str,
    room: &str,
    members: &mut [&mut Conn],
) -> Result<(), Failure> {
    conn.send_packet(&exact::join_room(room))?;
    let joined = exact::joined_room(nick, room);
    conn.expect(&joined, ctx.reply())?;
    for member in members {
        member.expect(&joined, ctx.reply())?;
    }
    Ok(())
}

/// `conn` sends `packet` and gets exactly `reply`.
pub fn ask(ctx: &Ctx, conn: &mut Conn, packet: &str, reply: &str) -> Result<(), Failure> {
    conn.send_packet(packet)?;
    conn.expect(reply, ctx.reply())
}

/// `conn` sends `packet` and gets the error `code`.
pub fn refused(ctx: &Ctx, conn: &mut Conn, packet: &str, code: &str) -> Result<(), Failure> {
    conn.send_packet(packet)?;
    conn.expect_error(code, ctx.reply())
        .map_err(|f| f.noting(&format!("answering {packet}")))
}

/// `from` (nick `nick`) says `message` in the lobby, which must be the next packet of each
/// of `others`: whatever `why` rules out did not come before it.
pub fn nothing_before(
    ctx: &Ctx,
    from: &mut Conn,
    nick: &str,
    others: &mut [&mut Conn],
    why: &str,
) -> Result<(), Failure> {
    ctx.chat(from, nick, "nothing came before this", others)
        .map_err(|f| f.noting(why))
}

/// A listed room's name, members and entry as Part 8 writes it (keys in its order), when it
/// has the fields of one.
pub fn entry_of(entry: &Value) -> Option<(String, u64, String)> {
    let name = entry.get("room")?.as_str()?;
    let members = entry.get("members")?.as_u64()?;
    let quoted = |v: &Value| serde_json::to_string(v).ok();
    let mut text = format!(
        r#"{{"room":{},"members":{members}"#,
        quoted(&entry["room"])?
    );
    if let Some(topic) = entry.get("topic") {
        text.push_str(&format!(r#","topic":{}"#, quoted(topic)?));
    }
    text.push('}');
    Some((name.to_string(), members, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(payload: &str) -> Option<Value> {
        serde_json::from_str(payload).ok()
    }

    #[test]
    fn a_server_without_rooms_is_told_from_the_answer_to_the_hello() {
        let granted = answer(r#"{"type":"welcome","nick":"p","extensions":["dm","rooms"]}"#);
        assert_eq!(not_granted(&granted), None);
        let less = answer(r#"{"type":"welcome","nick":"p","extensions":["dm"]}"#);
        let why = not_granted(&less).unwrap_or_default();
        assert!(why.ends_with(r#"granted ["dm"])"#), "{why}");
        let seed = answer(r#"{"type":"join","nick":"p"}"#);
        assert!(not_granted(&seed).is_some_and(|w| w.contains("no welcome")));
        // Anything else is judged, not skipped.
        assert_eq!(not_granted(&answer(r#"{"type":"error"}"#)), None);
        assert_eq!(not_granted(&None), None);
    }

    #[test]
    fn a_listed_room_is_written_in_part_8s_key_order() {
        let listed = answer(r##"{"topic":"a \"b\"","members":3,"room":"#r"}"##);
        let entry = listed.as_ref().and_then(entry_of);
        let want = r##"{"room":"#r","members":3,"topic":"a \"b\""}"##;
        assert_eq!(entry, Some(("#r".to_string(), 3, want.to_string())));
        assert_eq!(
            answer(r##"{"room":"#r"}"##).as_ref().and_then(entry_of),
            None
        );
    }
}
