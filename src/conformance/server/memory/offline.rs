//! Part 5, `offline`: a message to a claimed name whose owner is offline is kept (`STORED`
//! with its id) for a sender that asked, and for no one else; the owner, back, gets what waited
//! first, byte-exact with `Id:` and `Stored: yes`; the sender hears `EVENT DELIVERED` once it
//! is acknowledged; what was handed over but not acknowledged comes again, same id; and a full
//! mailbox is `ERROR 110`.

use super::kit::{self, claimed, expect_forward, increasing, join, login, quit, store};
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::server::{Check, CheckResult};
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::time::Duration;

/// How long to look for an `EVENT DELIVERED` that must not have come yet.
const EARLY_EVENT_WINDOW: Duration = Duration::from_millis(50);

pub const CHECKS: &[Check] = &[
    Check::part5(
        "offline.stored",
        "Part 5, offline: a SEND to a claimed name whose owner is offline, from a sender that asked for offline, is kept and answered STORED <name> with Id: <n>",
        "a SEND to a claimed, offline name is answered STORED <name>\\nId: <n>\\n\\n",
        stored,
    ),
    Check::part5(
        "offline.not-asked",
        "Part 5, offline: a sender that did not ask for offline gets ERROR 102, as in Part 1, and nothing is kept",
        "a plain sender's SEND to a claimed, offline name is ERROR 102; the owner, back, gets a later live message first",
        not_asked,
    ),
    Check::part5(
        "offline.unclaimed",
        "Part 5, offline: only a claimed name whose owner is offline has its messages kept; a SEND to a name nobody has is ERROR 102",
        "a SEND with offline to a name nobody has is ERROR 102, not STORED",
        unclaimed,
    ),
    Check::part5(
        "offline.first-on-login",
        "Part 5, offline: when the owner comes back, what waited comes first, oldest first, before anything live, each with Id: and Stored: yes",
        "two kept messages reach the owner, back, oldest first and byte-exact, before a live one sent once it is back; ids grow",
        first_on_login,
    ),
    Check::part5(
        "offline.delivered",
        "Part 5, offline: the sender, online, gets EVENT DELIVERED <name> with Id: <n> on TORECV once the owner acknowledged the kept message",
        "no EVENT DELIVERED before the owner's RECEIVED; EVENT DELIVERED <name>\\nId: <n>\\n\\n after it",
        delivered,
    ),
    Check::part5(
        "offline.redelivered",
        "Part 5, offline: a kept message handed over but not acknowledged comes again at the next login, with the same Id:",
        "the owner leaves without RECEIVED; at its next login the message comes again, same Id:, Stored: yes",
        redelivered,
    ),
    Check::part5(
        "offline.mailbox-full",
        "Part 5, offline: a mailbox holds at most --mailbox-size messages; beyond that a SEND gets ERROR 110 Mailbox full",
        "--mailbox-size SENDs to a claimed, offline name are STORED, the next one is ERROR 110",
        mailbox_full,
    ),
];

fn stored(ctx: &Ctx) -> CheckResult {
    let (bob, _) = claimed(ctx, "bob")?;
    let mut alice = join(ctx, "alice")?;
    store(ctx, &mut alice, &bob, b"while you were out")?;
    Ok(())
}

/// A user with no extensions, both sockets registered as Part 1 says.
fn plain(ctx: &Ctx, base: &str) -> Result<User, Failure> {
    let name = ctx.fresh_name(base);
    let tosend = ctx.register(&name, Role::ToSend)?;
    let torecv = ctx.register(&name, Role::ToRecv)?;
    Ok(User::from_parts(name, tosend, torecv, ctx))
}

fn not_asked(ctx: &Ctx) -> CheckResult {
    let (bob, password) = claimed(ctx, "bob")?;
    let mut dave = plain(ctx, "dave")?;
    dave.send(&bob, b"kept for nobody")?;
    dave.expect_unable()
        .map_err(|f| f.noting("the sender did not ask for offline"))?;
    let mut carol = join(ctx, "carol")?;
    let mut bob = login(ctx, &bob, &password)?;
    // Had dave's message been kept, it would come first.
    kit::deliver(ctx, &mut carol, &mut bob, b"the first thing you get")?;
    Ok(())
}

fn unclaimed(ctx: &Ctx) -> CheckResult {
    let mut alice = join(ctx, "alice")?;
    alice.send(&ctx.fresh_name("nobody"), b"anyone?")?;
    alice
        .expect_unable()
        .map_err(|f| f.noting("nobody has that name, nobody claimed it"))?;
    Ok(())
}

fn first_on_login(ctx: &Ctx) -> CheckResult {
    let (name, password) = claimed(ctx, "bob")?;
    let mut alice = join(ctx, "alice")?;
    let mut carol = join(ctx, "carol")?;
    let first = store(ctx, &mut alice, &name, b"first, while you were out")?;
    let second = store(ctx, &mut alice, &name, b"second")?;
    let mut bob = login(ctx, &name, &password)?;
    carol.send(&name, b"live, now that you are back")?;
    let mut got = Vec::new();
    for body in [&b"first, while you were out"[..], b"second"] {
        got.push(expect_forward(ctx, &mut bob, &alice.name, body, true)?);
        bob.ack(&alice.name)?;
    }
    let live = expect_forward(
        ctx,
        &mut bob,
        &carol.name,
        b"live, now that you are back",
        false,
    )?;
    bob.ack(&carol.name)?;
    carol.expect_sent(ctx, &name)?;
    if got != [first, second] {
        return Err(Failure::new(format!(
            "the kept messages came with ids {got:?}; STORED said {:?}",
            [first, second]
        ))
        .into());
    }
    increasing("kept, kept, live", &[first, second, live])?;
    Ok(())
}

fn delivered(ctx: &Ctx) -> CheckResult {
    let (name, password) = claimed(ctx, "bob")?;
    let mut alice = join(ctx, "alice")?;
    let id = store(ctx, &mut alice, &name, b"tell me when you have it")?;
    let mut bob = login(ctx, &name, &password)?;
    let got = expect_forward(
        ctx,
        &mut bob,
        &alice.name,
        b"tell me when you have it",
        true,
    )?;
    alice.torecv.expect_silence(
        EARLY_EVENT_WINDOW,
        "EVENT DELIVERED came before the recipient acknowledged",
    )?;
    bob.ack(&alice.name)?;
    alice
        .torecv
        .expect(&exact::delivered(&name, id), ctx.reply())?;
    if got != id {
        return Err(Failure::new(format!("STORED said Id: {id}, the forward Id: {got}")).into());
    }
    Ok(())
}

fn redelivered(ctx: &Ctx) -> CheckResult {
    let (name, password) = claimed(ctx, "bob")?;
    let mut alice = join(ctx, "alice")?;
    let body = b"did you get this?";
    let id = store(ctx, &mut alice, &name, body)?;
    let mut bob = login(ctx, &name, &password)?;
    let first = expect_forward(ctx, &mut bob, &alice.name, body, true)?;
    quit(ctx, bob)?; // no RECEIVED
    let mut bob = login(ctx, &name, &password)?;
    let again = exact::forward_with_id(&alice.name, body, first, true);
    bob.torecv
        .expect(&again, ctx.reply())
        .map_err(|f| f.noting("the same message, the same id, at the next login"))?;
    bob.ack(&alice.name)?;
    if first != id {
        return Err(Failure::new(format!("STORED said Id: {id}, the forward Id: {first}")).into());
    }
    Ok(())
}

fn mailbox_full(ctx: &Ctx) -> CheckResult {
    let (bob, _) = claimed(ctx, "bob")?;
    let mut alice = join(ctx, "alice")?;
    let size = ctx.target.mailbox_size;
    for n in 1..=size {
        store(ctx, &mut alice, &bob, format!("message {n}").as_bytes())
            .map_err(|f| f.noting(&format!("message {n} of --mailbox-size {size}")))?;
    }
    alice.send(&bob, b"one too many")?;
    alice
        .expect_error(ErrorCode::MailboxFull, ctx.reply())
        .map_err(|f| {
            f.noting(&format!(
                "{size} messages wait already: is --mailbox-size right?"
            ))
        })?;
    Ok(())
}
