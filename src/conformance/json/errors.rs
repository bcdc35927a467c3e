//! Our Part 4's error packets and limits: each refusal is an `error` packet with its code,
//! then a close where Part 4 says so; a packet over the limit is refused as soon as its length
//! arrives, one at the limit is taken; and the idle and message timeouts.

use super::exact;
use super::kit::Ctx;
use super::{Check, CheckResult};
use crate::conformance::Verdict;

pub const CHECKS: &[Check] = &[
    Check::ours(
        "errors.bad-nick",
        "Part 4, errors: bad-nick when the hello's nick breaks the name rules (1 to 32 ASCII letters and digits, not ALL in any case) or is not a string; then close",
        "empty, 33 characters, '-', a non-ASCII letter, ALL, aLl and a number: bad-nick and a close each; nobody hears of them",
        bad_nick,
    ),
    Check::ours(
        "errors.nick-taken",
        "Part 4, errors: nick-taken when the nick is in use; then close",
        "a hello with a nick another connection holds: nick-taken and a close; the holder chats on",
        nick_taken,
    ),
    Check::ours(
        "errors.no-hello",
        "Part 4, errors: no-hello for a chat before the hello; the connection stays open",
        "a chat before the hello is no-hello, reaches nobody, and the hello then works",
        no_hello,
    ),
    Check::ours(
        "errors.already-joined",
        "Part 4, errors: already-joined for a second hello; the connection stays open",
        "a second hello, with the same nick or another, is already-joined; the user chats on under the first",
        already_joined,
    ),
    Check::ours(
        "errors.bad-packet",
        "Part 4, errors: bad-packet for a known type with a missing or mistyped field; the connection stays open",
        "{\"type\":\"chat\"} and a chat whose message is a number or null are bad-packet; the user chats on",
        bad_packet,
    ),
    Check::ours(
        "errors.malformed",
        "Part 4, errors: malformed when a payload is not UTF-8, not JSON, not an object, or has no string \"type\"; then close",
        "text, an array, a string, no type, a number type, bytes not UTF-8, JSON cut short: malformed and a close each",
        malformed,
    ),
    Check::ours(
        "errors.unframed",
        "Part 4, limits: a payload's first non-blank byte must be '{'; a raw, unframed {\"type\":...} is found out at its third byte",
        "a raw JSON hello, unframed and left open, is refused (malformed or too-long) and closed at once",
        unframed,
    ),
    Check::ours(
        "errors.too-long",
        "Part 4, limits: a length over --max-body is refused (too-long, close) as soon as its two bytes arrive",
        "the two bytes of a length of --max-body + 1, and nothing more: too-long and a close",
        too_long,
    ),
    Check::ours(
        "limits.at-limit",
        "Part 4, limits: a packet of at most --max-body bytes of JSON is taken",
        "a chat of exactly --max-body bytes is echoed and sent on",
        at_limit,
    ),
    Check::ours(
        "limits.idle",
        "Part 4, errors: timeout when no hello comes within --idle-timeout; then close",
        "a connection that never says hello gets timeout and is closed (--idle-timeout)",
        idle,
    ),
    Check::ours(
        "limits.half-packet",
        "Part 4, errors: timeout when a packet begun is not finished within --message-timeout; then close",
        "a packet stopped halfway gets timeout and a close (--message-timeout); the others get leave",
        half_packet,
    ),
];

fn bad_nick(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let tag = ctx.tag();
    let long = format!("{}{tag}", "x".repeat(33 - tag.len()));
    let forms = [
        (String::new(), "\"\"".to_string(), "an empty nick"),
        (long.clone(), format!("\"{long}\""), "a 33-character nick"),
        (
            format!("al-{tag}"),
            format!("\"al-{tag}\""),
            "a nick with '-'",
        ),
        (
            format!("p\u{e4}t{tag}"),
            format!("\"p\u{e4}t{tag}\""),
            "a nick with 'ä'",
        ),
        ("ALL".into(), "\"ALL\"".into(), "the nick ALL"),
        ("aLl".into(), "\"aLl\"".into(), "the nick aLl"),
        ("42".into(), "42".into(), "a nick that is a number"),
    ];
    for (nick, json, what) in forms {
        let mut conn = ctx.connect(&format!("hello with {what}"))?;
        conn.claim(&nick);
        conn.send_packet(&format!(r#"{{"type":"hello","nick":{json}}}"#))?;
        conn.expect_error("bad-nick", ctx.reply())?;
        conn.expect_closed(false, ctx.reply())?;
    }
    // Had any of them been let in, bob would hear of it before this join.
    ctx.join("carol", &mut [&mut bob])?;
    Ok(())
}

fn nick_taken(ctx: &Ctx) -> CheckResult {
    let (mut alice, nick) = ctx.join("alice", &mut [])?;
    let (mut bob, _) = ctx.join("bob", &mut [&mut alice])?;
    let mut second = ctx.connect(&format!("a second {nick}"))?;
    second.claim(&nick);
    second.send_packet(&exact::hello(&nick))?;
    second.expect_error("nick-taken", ctx.reply())?;
    second.expect_closed(false, ctx.reply())?;
    // No join or leave of alice came to bob, and her chat is still hers.
    ctx.chat(&mut alice, &nick, "still mine", &mut [&mut bob])?;
    Ok(())
}

fn no_hello(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send_packet(&exact::chat("too early"))?;
    alice.expect_error("no-hello", ctx.reply())?;
    alice.send_packet(&exact::hello(&nick))?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    ctx.chat(&mut alice, &nick, "now", &mut [&mut bob])?;
    Ok(())
}

fn already_joined(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    alice.send_packet(&exact::hello(&nick))?;
    alice.expect_error("already-joined", ctx.reply())?;
    let alias = ctx.nick("alias");
    alice.claim(&alias);
    alice.send_packet(&exact::hello(&alias))?;
    alice.expect_error("already-joined", ctx.reply())?;
    ctx.chat(&mut alice, &nick, "still alice", &mut [&mut bob])?;
    Ok(())
}

fn bad_packet(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    for packet in [
        r#"{"type":"chat"}"#,
        r#"{"type":"chat","message":5}"#,
        r#"{"type":"chat","message":null}"#,
    ] {
        alice.send_packet(packet)?;
        alice
            .expect_error("bad-packet", ctx.reply())
            .map_err(|f| f.noting(&format!("for {packet}")))?;
    }
    ctx.chat(&mut alice, &nick, "still open", &mut [&mut bob])?;
    Ok(())
}

fn malformed(ctx: &Ctx) -> CheckResult {
    let forms: [(&[u8], &str); 7] = [
        (b"not json at all", "plain text"),
        (b"[1,2,3]", "an array"),
        (b"\"hello\"", "a string"),
        (b"{\"nick\":\"x\"}", "an object without a type"),
        (b"{\"type\":7}", "a type that is a number"),
        (
            b"{\"type\":\"chat\",\"message\":\"\xff\"}",
            "bytes that are not UTF-8",
        ),
        (b"{\"type\":\"chat\",", "JSON cut short"),
    ];
    for (payload, what) in forms {
        let mut conn = ctx.connect(&format!("a packet of {what}"))?;
        conn.send(&exact::frame(payload))?;
        conn.expect_error("malformed", ctx.reply())?;
        conn.expect_closed(false, ctx.reply())?;
    }
    // A user online too.
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    alice.send(&exact::frame(b"not json at all"))?;
    alice.expect_error("malformed", ctx.reply())?;
    alice.expect_closed(false, ctx.reply())?;
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    Ok(())
}

fn unframed(ctx: &Ctx) -> CheckResult {
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send(exact::hello(&nick).as_bytes())?;
    alice
        .expect_error_of(&["malformed", "too-long"], ctx.reply())
        .map_err(|f| f.noting("a server that waits for 31,522 bytes never answers"))?;
    alice.expect_closed(false, ctx.reply())?;
    Ok(())
}

fn too_long(ctx: &Ctx) -> CheckResult {
    let limit = ctx.target.max_payload();
    if limit >= usize::from(u16::MAX) {
        return Err(Verdict::Skip(
            "--max-body is 65,535 or more: no 2-byte length is over it".into(),
        ));
    }
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    alice.send(&exact::length(limit + 1))?;
    alice
        .expect_error("too-long", ctx.reply())
        .map_err(|f| f.noting("only the length was sent: it must be refused at once"))?;
    alice.expect_closed(false, ctx.reply())?;
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    Ok(())
}

fn at_limit(ctx: &Ctx) -> CheckResult {
    let limit = ctx.target.max_payload();
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    let Some(room) = limit.checked_sub(exact::chat("").len()) else {
        return Err(Verdict::Skip(format!("--max-body {limit} holds no chat")));
    };
    let message = "y".repeat(room);
    if exact::said(&nick, &message).len() > usize::from(u16::MAX) {
        return Err(Verdict::Skip(format!(
            "the echo of a {limit}-byte chat would be over 65,535 bytes: give a smaller --max-body"
        )));
    }
    ctx.chat(&mut alice, &nick, &message, &mut [&mut bob])?;
    Ok(())
}

fn idle(ctx: &Ctx) -> CheckResult {
    let mut conn = ctx.connect("a connection that never says hello")?;
    let within = ctx.target.after(ctx.target.idle_timeout);
    conn.expect_error("timeout", within)
        .map_err(|f| f.noting("is --idle-timeout right?"))?;
    conn.expect_closed(false, ctx.reply())?;
    Ok(())
}

fn half_packet(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    let whole = exact::frame(exact::chat("never finished").as_bytes());
    alice.send(&whole[..whole.len() / 2])?;
    let within = ctx.target.after(ctx.target.message_timeout);
    alice
        .expect_error("timeout", within)
        .map_err(|f| f.noting("is --message-timeout right?"))?;
    alice.expect_closed(false, ctx.reply())?;
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    Ok(())
}
