//! Part 1, registration: both orders, the byte-exact replies, what a well-formed name is, and
//! `ERROR 101` before registration is complete.

use super::kit::{Ctx, User};
use super::{Check, CheckResult};
use crate::conformance::exact;
use crate::wire::codes::ErrorCode;
use crate::wire::Role;

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
    let torecv = ctx.register(&name, Role::ToRecv)?;
    let tosend = ctx.register(&name, Role::ToSend)?;
    let mut user = User::from_parts(name, tosend, torecv, ctx);
    user.deliver_to_self(ctx, b"registered")?;
    Ok(())
}

/// Each attempt on one socket gets `ERROR 100`; then that socket registers properly, under a
/// name of its own (a name another socket held may not be free yet once that one closed).
fn all_malformed(ctx: &Ctx, role: Role, attempts: &[Vec<u8>]) -> CheckResult {
    let name = ctx.fresh_name("ok");
    let mut peer = ctx.connect(&format!("{} socket", role.as_str()))?;
    for attempt in attempts {
        peer.send(attempt)?;
        peer.expect(&exact::error(ErrorCode::MalformedUsername), ctx.reply())?;
    }
    peer.send(&exact::register(role, &name))?;
    ctx.expect_registered(&mut peer, role, &name)?;
    Ok(())
}

/// On each socket in turn, a `REGISTER` of each of `names` is `ERROR 100`.
fn all_malformed_names(ctx: &Ctx, names: &[&str]) -> CheckResult {
    for role in [Role::ToSend, Role::ToRecv] {
        let attempts: Vec<Vec<u8>> = names.iter().map(|n| exact::register(role, n)).collect();
        all_malformed(ctx, role, &attempts)?;
    }
    Ok(())
}

fn name_missing(ctx: &Ctx) -> CheckResult {
    all_malformed(ctx, Role::ToSend, &[b"REGISTER TOSEND\n\n".to_vec()])?;
    all_malformed(ctx, Role::ToRecv, &[b"REGISTER TORECV\n\n".to_vec()])
}

fn name_extra_words(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let tosend = exact::register(Role::ToSend, &format!("{name} bob"));
    all_malformed(ctx, Role::ToSend, &[tosend])?;
    let torecv = exact::register(Role::ToRecv, &format!("{name} x"));
    all_malformed(ctx, Role::ToRecv, &[torecv])
}

fn name_charset(ctx: &Ctx) -> CheckResult {
    all_malformed_names(ctx, &["al-ice", "al_ice", "al.ice", "\u{e5}lice"])
}

fn name_length(ctx: &Ctx) -> CheckResult {
    let mut name = ctx.name("long");
    while name.len() < 32 {
        name.push('x');
    }
    let too_long = exact::register(Role::ToSend, &format!("{name}y"));
    all_malformed(ctx, Role::ToSend, &[too_long])?;
    let mut user = User::from_parts(
        name.clone(),
        ctx.register(&name, Role::ToSend)?,
        ctx.register(&name, Role::ToRecv)?,
        ctx,
    );
    user.deliver_to_self(ctx, b"32")?;
    Ok(())
}

fn name_all_reserved(ctx: &Ctx) -> CheckResult {
    all_malformed_names(ctx, &["ALL", "all", "aLl"])
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
    let no_user = exact::error(ErrorCode::NoUserRegistered);
    peer.send(&exact::send(&name, b"hi"))?;
    peer.expect(&no_user, ctx.reply())?;
    peer.send(b"HELLO\n\n")?;
    peer.expect(&no_user, ctx.reply())?;
    peer.send(&exact::register(Role::ToSend, &name))?;
    ctx.expect_registered(&mut peer, Role::ToSend, &name)?;
    Ok(())
}

fn error_101_no_twin(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let mut tosend = ctx.register(&name, Role::ToSend)?;
    // A server that does not read the body would take it for a second command.
    let body = exact::register(Role::ToSend, &name);
    tosend.send(&exact::send(&name, &body))?;
    tosend.expect(&exact::error(ErrorCode::NoUserRegistered), ctx.reply())?;
    let torecv = ctx.register(&name, Role::ToRecv)?;
    let mut user = User::from_parts(name, tosend, torecv, ctx);
    user.deliver_to_self(ctx, b"now complete")?;
    Ok(())
}
