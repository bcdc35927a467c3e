//! Part 1, registration: both orders, the byte-exact replies, what a well-formed name is, and
//! `ERROR 101` before registration is complete.

use super::kit::{error, send_bytes, Ctx, User};
use super::{Check, CheckResult};
use crate::codes::ErrorCode;

pub const CHECKS: &[Check] = &[
    Check::part1(
        "register.tosend-first",
        "Registration: REGISTER TOSEND, then REGISTER TORECV, each answered REGISTERED <role> <name>",
        "TOSEND then TORECV get byte-exact REGISTERED replies, and the user can then send",
        tosend_first,
    ),
    Check::part1(
        "register.torecv-first",
        "Registration: either order must work",
        "TORECV then TOSEND get byte-exact REGISTERED replies, and the user can then send",
        torecv_first,
    ),
    Check::part1(
        "register.name-missing",
        "Registration: a REGISTER with an empty or missing name gets ERROR 100; the connection stays open",
        "REGISTER with no name is ERROR 100, then the same socket registers",
        name_missing,
    ),
    Check::part1(
        "register.name-extra-words",
        "Registration: a REGISTER with anything else after the name gets ERROR 100",
        "REGISTER TOSEND <name> <more> is ERROR 100, then the same socket registers",
        name_extra_words,
    ),
    Check::part1(
        "register.name-charset",
        "Registration: a well-formed username is ASCII letters and digits",
        "names with '-', '_', '.', or a non-ASCII letter are ERROR 100",
        name_charset,
    ),
    Check::part1(
        "register.name-length",
        "Registration: a well-formed username is 1 to 32 characters",
        "a 33-character name is ERROR 100 and a 32-character name registers",
        name_length,
    ),
    Check::part1(
        "register.name-all-reserved",
        "Registration: ALL, in any letter case, is reserved",
        "REGISTER as ALL, all and aLl is ERROR 100 on either socket",
        name_all_reserved,
    ),
    Check::part1(
        "register.case-sensitive",
        "Registration: names are compared exactly (case-sensitive)",
        "Bob and bob are two users, and each gets only their own messages",
        case_sensitive,
    ),
    Check::part1(
        "register.error-101-before",
        "Registration: any other command before registration is ERROR 101; the connection stays open",
        "SEND and an unknown command on a fresh socket are ERROR 101, then it registers",
        error_101_before,
    ),
    Check::part1(
        "register.error-101-no-twin",
        "Registration: a SEND whose TORECV twin is not registered yet gets ERROR 101",
        "SEND on TOSEND alone is ERROR 101 and its body is not read as a command",
        error_101_no_twin,
    ),
];

fn tosend_first(ctx: &Ctx) -> CheckResult {
    let mut user = ctx.join("alice")?;
    user.deliver_to_self(ctx, b"registered")?;
    Ok(())
}

fn torecv_first(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let torecv = ctx.register(&name, "TORECV")?;
    let tosend = ctx.register(&name, "TOSEND")?;
    let mut user = User::from_parts(name, tosend, torecv, ctx);
    user.deliver_to_self(ctx, b"registered")?;
    Ok(())
}

/// Each attempt on one socket gets `ERROR 100`; then that socket registers properly.
fn all_malformed(ctx: &Ctx, role: &str, attempts: &[String]) -> CheckResult {
    let name = ctx.name("ok");
    let mut peer = ctx.connect(&format!("{role} socket"))?;
    for attempt in attempts {
        peer.send(attempt.as_bytes())?;
        peer.expect(&error(ErrorCode::MalformedUsername), ctx.reply())?;
    }
    peer.send(format!("REGISTER {role} {name}\n\n").as_bytes())?;
    peer.expect(
        format!("REGISTERED {role} {name}\n\n").as_bytes(),
        ctx.reply(),
    )?;
    ctx.joined(&name);
    Ok(())
}

fn registers(role: &str, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|n| format!("REGISTER {role} {n}\n\n"))
        .collect()
}

fn name_missing(ctx: &Ctx) -> CheckResult {
    all_malformed(ctx, "TOSEND", &["REGISTER TOSEND\n\n".into()])?;
    all_malformed(ctx, "TORECV", &["REGISTER TORECV\n\n".into()])
}

fn name_extra_words(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    all_malformed(
        ctx,
        "TOSEND",
        &registers("TOSEND", &[&format!("{name} bob")]),
    )?;
    all_malformed(ctx, "TORECV", &registers("TORECV", &[&format!("{name} x")]))
}

fn name_charset(ctx: &Ctx) -> CheckResult {
    let bad = ["al-ice", "al_ice", "al.ice", "\u{e5}lice"];
    all_malformed(ctx, "TOSEND", &registers("TOSEND", &bad))?;
    all_malformed(ctx, "TORECV", &registers("TORECV", &bad))
}

fn name_length(ctx: &Ctx) -> CheckResult {
    let mut name = ctx.name("long");
    while name.len() < 32 {
        name.push('x');
    }
    all_malformed(ctx, "TOSEND", &registers("TOSEND", &[&format!("{name}y")]))?;
    let mut user = User::from_parts(
        name.clone(),
        ctx.register(&name, "TOSEND")?,
        ctx.register(&name, "TORECV")?,
        ctx,
    );
    user.deliver_to_self(ctx, b"32")?;
    Ok(())
}

fn name_all_reserved(ctx: &Ctx) -> CheckResult {
    let names = ["ALL", "all", "aLl"];
    all_malformed(ctx, "TOSEND", &registers("TOSEND", &names))?;
    all_malformed(ctx, "TORECV", &registers("TORECV", &names))
}

fn case_sensitive(ctx: &Ctx) -> CheckResult {
    let mut upper = ctx.join("Bob")?;
    let mut lower = ctx.join("bob")?;
    let mut alice = ctx.join("alice")?;
    alice.deliver(ctx, &mut upper, b"to Bob")?;
    alice.deliver(ctx, &mut lower, b"to bob")?;
    // Had the first gone to bob, his next forward would be it rather than this.
    upper.deliver_to_self(ctx, b"Bob's own")?;
    lower.deliver_to_self(ctx, b"bob's own")?;
    Ok(())
}

fn error_101_before(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let mut peer = ctx.connect("fresh socket")?;
    peer.send(&send_bytes(&name, b"hi"))?;
    peer.expect(&error(ErrorCode::NoUserRegistered), ctx.reply())?;
    peer.send(b"HELLO\n\n")?;
    peer.expect(&error(ErrorCode::NoUserRegistered), ctx.reply())?;
    peer.send(format!("REGISTER TOSEND {name}\n\n").as_bytes())?;
    peer.expect(
        format!("REGISTERED TOSEND {name}\n\n").as_bytes(),
        ctx.reply(),
    )?;
    ctx.joined(&name);
    Ok(())
}

fn error_101_no_twin(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let mut tosend = ctx.register(&name, "TOSEND")?;
    // A server that does not read the body would take it for a second command.
    let body = format!("REGISTER TOSEND {name}\n\n");
    tosend.send(&send_bytes(&name, body.as_bytes()))?;
    tosend.expect(&error(ErrorCode::NoUserRegistered), ctx.reply())?;
    let torecv = ctx.register(&name, "TORECV")?;
    let mut user = User::from_parts(name, tosend, torecv, ctx);
    user.deliver_to_self(ctx, b"now complete")?;
    Ok(())
}
