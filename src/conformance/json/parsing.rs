//! Parsing JSON, not matching strings: indented packets, `\uXXXX` escapes, keys in another
//! order, fields and types the server does not know, and text beyond ASCII both ways.

use super::exact;
use super::kit::Ctx;
use super::{Check, CheckResult};

pub const CHECKS: &[Check] = &[
    Check::seed(
        "parse.indented",
        "Part 4: parse JSON, never match strings: clients send indented JSON (the seed's own examples are indented)",
        "hello and chat with newlines, indentation and blanks around the colons work",
        indented,
    ),
    Check::seed(
        "parse.escapes",
        "Part 4: parse JSON: clients send \\uXXXX escapes",
        "a nick and a message written with \\u escapes (a surrogate pair too) are read as the characters",
        escapes,
    ),
    Check::seed(
        "parse.key-order",
        "seed 003: the payload is a JSON object, whose keys have no order",
        "hello and chat with \"type\" last work",
        key_order,
    ),
    Check::seed(
        "parse.unknown-fields",
        "Part 4: ignore fields you do not know",
        "hello and chat with extra fields work, and the echo carries none of them",
        unknown_fields,
    ),
    Check::seed(
        "parse.unknown-type",
        "Part 4: ignore packets of a type you do not know (do not disconnect for them)",
        "packets of unknown types, before and after hello, get no answer; the connection goes on",
        unknown_type,
    ),
    Check::seed(
        "parse.unicode",
        "seed 003: the payload is UTF-8 JSON; the length counts bytes",
        "a message with accents, CJK, an emoji, quotes, a backslash, a newline and U+0001 comes back the same",
        unicode,
    ),
];

fn indented(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    let hello = format!("{{\n    \"type\": \"hello\",\n    \"nick\": \"{nick}\"\n}}");
    alice.send_packet(&hello)?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice.send_packet("\n{\r\n\t\"type\" : \"chat\" ,\r\n\t\"message\" :\"indented\"\r\n}\r\n")?;
    let said = exact::said(&nick, "indented");
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}

fn escapes(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("esc")?;
    // The nick with its first letter escaped: e is \u0065.
    let escaped = format!("\\u0065{}", &nick[1..]);
    alice.send_packet(&exact::hello(&escaped))?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice.send_packet(&exact::chat(r"caf\u00e9 \ud83c\udf89 \u0041\u0042 a\/b"))?;
    let said = exact::said(&nick, "café 🎉 AB a/b");
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}

fn key_order(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send_packet(&format!(r#"{{"nick":"{nick}","type":"hello"}}"#))?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice.send_packet(r#"{"message":"type last","type":"chat"}"#)?;
    let said = exact::said(&nick, "type last");
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}

fn unknown_fields(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    let hello = format!(
        r#"{{"type":"hello","client":"conform","version":[1,2],"nick":"{nick}","x":{{"a":null,"b":true}}}}"#
    );
    alice.send_packet(&hello)?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice
        .send_packet(r#"{"type":"chat","id":7,"message":"with extras","mood":{"x":[1,"two"]}}"#)?;
    let said = exact::said(&nick, "with extras");
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}

fn unknown_type(ctx: &Ctx) -> CheckResult {
    let (mut bob, bob_nick) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send_packet(r#"{"type":"typing"}"#)?;
    alice.send_packet(&exact::hello(&nick))?;
    // Had the unknown packet been answered, that answer would come before the join.
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice.send_packet(r#"{"type":"away","since":3,"message":"brb"}"#)?;
    alice.send_packet(r#"{"type":"x-ping","data":[1,2,3]}"#)?;
    ctx.chat(&mut alice, &nick, "still here", &mut [&mut bob])?;
    ctx.chat(&mut bob, &bob_nick, "hi alice", &mut [&mut alice])?;
    Ok(())
}

fn unicode(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    alice.send_packet(&exact::chat(
        r#"line one\nline two \"quoted\" back\\slash \u0001 h\u00e9llo ✓ 你好 🎉"#,
    ))?;
    let said = exact::said(
        &nick,
        r#"line one\nline two \"quoted\" back\\slash \u0001 héllo ✓ 你好 🎉"#,
    );
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}
