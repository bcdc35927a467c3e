//! Broadcasts: `SEND ALL` reaches every other complete user, `SENT ALL` waits for every
//! acknowledgement, and one failure makes it `ERROR 102`. These run alone (a broadcast
//! reaches every user online), so the server must have no other users during the run.

use super::kit::{Ctx, User};
use super::{Check, CheckResult};
use crate::conformance::Failure;
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::time::Duration;

/// How long to look for a `SENT ALL` that must not have come yet.
const EARLY_REPLY_WINDOW: Duration = Duration::from_millis(50);

pub const CHECKS: &[Check] = &[
    Check::part1(
        "broadcast.reaches-all",
        "Sending: ALL broadcasts to every registered user except the sender; SENT ALL when every recipient acknowledged",
        "three others get the FORWARD, SENT ALL only after the last RECEIVED, the sender gets no copy",
        reaches_all,
    )
    .alone(),
    Check::part1(
        "broadcast.nobody-else",
        "Sending: SENT ALL also when there was nobody else",
        "SEND ALL with no other user online is SENT ALL",
        nobody_else,
    )
    .alone(),
    Check::part1(
        "broadcast.skips-incomplete",
        "Registration: complete when both sockets are registered; ALL goes to registered users",
        "a user with only TOSEND registered does not hold up SENT ALL",
        skips_incomplete,
    )
    .alone(),
    Check::part1(
        "broadcast.one-fails",
        "Sending: SENT ALL when every recipient acknowledged, otherwise ERROR 102",
        "one of three recipients answers ERROR 103; the sender gets ERROR 102",
        one_fails,
    )
    .alone(),
    Check::part2(
        "broadcast.any-case",
        "Part 2: the broadcast keyword ALL is matched in any letter case",
        "SEND all and SEND All broadcast; the reply is SENT all or SENT ALL",
        any_case,
    )
    .alone(),
];

fn others(ctx: &Ctx, n: usize) -> Result<Vec<User>, Failure> {
    (0..n).map(|i| ctx.join(&format!("r{i}"))).collect()
}

/// After a broadcast: `to` sends `from` a message, which must be `from`'s next forward (had
/// `from` been sent a copy of its own broadcast, that would come first).
fn no_copy_to_sender(ctx: &Ctx, from: &mut User, to: &mut User) -> Result<(), Failure> {
    to.deliver(ctx, from, b"after the broadcast")
}

fn reaches_all(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut rest = others(ctx, 3)?;
    alice.send("ALL", b"hello all")?;
    for user in &mut rest {
        user.expect_forward(&alice.name, b"hello all")?;
    }
    let (last, first) = rest
        .split_last_mut()
        .ok_or_else(|| Failure::new("no users"))?;
    for user in first {
        user.ack(&alice.name)?;
    }
    alice.tosend.expect_silence(
        EARLY_REPLY_WINDOW,
        "a reply came before every recipient acknowledged",
    )?;
    last.ack(&alice.name)?;
    alice.expect_sent(ctx, "ALL")?;
    no_copy_to_sender(ctx, &mut alice, &mut rest[0])?;
    Ok(())
}

fn nobody_else(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    alice.send("ALL", b"anyone?")?;
    alice.expect_sent(ctx, "ALL")?;
    alice.deliver_to_self(ctx, b"no copy came first")?;
    Ok(())
}

fn skips_incomplete(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    let _carol_tosend = ctx.register(&ctx.name("carol"), Role::ToSend)?;
    alice.send("ALL", b"hi")?;
    bob.expect_forward(&alice.name, b"hi")?;
    bob.ack(&alice.name)?;
    alice.expect_sent(ctx, "ALL")?;
    Ok(())
}

fn one_fails(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut rest = others(ctx, 3)?;
    alice.send("ALL", b"hello all")?;
    for user in &mut rest {
        user.expect_forward(&alice.name, b"hello all")?;
    }
    rest[0].ack(&alice.name)?;
    rest[1].torecv.send(b"ERROR 103 Header Incomplete\n\n")?;
    rest[2].ack(&alice.name)?;
    alice.expect_error(ErrorCode::UnableToSend, ctx.reply())?;
    no_copy_to_sender(ctx, &mut alice, &mut rest[1])?;
    Ok(())
}

fn any_case(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    for keyword in ["all", "All"] {
        alice.send(keyword, keyword.as_bytes())?;
        bob.expect_forward(&alice.name, keyword.as_bytes())?;
        bob.ack(&alice.name)?;
        let as_written = ctx.sent(keyword);
        let upper = ctx.sent("ALL");
        alice
            .tosend
            .expect_any(&[&as_written, &upper], ctx.reply())?;
    }
    Ok(())
}
