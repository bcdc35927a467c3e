//! Part 2, acknowledgements and commands: FIFO matching per recipient, the `RECIEVED`
//! spelling, acks on the TOSEND socket, any `ERROR` as a failed delivery, and `ERROR 106` for
//! an unknown command on a registered socket.

use super::kit::Ctx;
use super::{Check, CheckResult};
use crate::conformance::exact;
use crate::wire::codes::ErrorCode;

pub const CHECKS: &[Check] = &[
    Check::part2(
        "ack.fifo",
        "Part 2: a RECEIVED completes the oldest outstanding forward to that recipient (FIFO per recipient)",
        "two forwards outstanding; RECEIVED then ERROR: the first sender gets SENT, the second ERROR 102",
        fifo,
    ),
    Check::part2(
        "ack.recieved-spelling",
        "Part 2: the misspelling RECIEVED is accepted",
        "RECIEVED <sender> completes the delivery",
        recieved_spelling,
    ),
    Check::part2(
        "ack.on-tosend",
        "Part 2: an acknowledgement on the recipient's TOSEND socket is accepted",
        "RECEIVED sent on the recipient's TOSEND completes the delivery",
        on_tosend,
    ),
    Check::part2(
        "ack.any-error",
        "Part 2: any ERROR <code> ... from the recipient, whatever its text, is a failed delivery",
        "the recipient answers ERROR 999 with odd text; the sender gets ERROR 102",
        any_error,
    ),
    Check::part2(
        "command.unknown",
        "Part 2: unknown commands on a registered socket get ERROR 106 and the socket stays usable",
        "HELLO on a registered TOSEND and TORECV is ERROR 106 there, and both keep working",
        unknown_command,
    ),
];

fn fifo(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut carol = ctx.join("carol")?;
    let mut bob = ctx.join("bob")?;
    let to = bob.name.clone();
    alice.send(&to, b"first")?;
    bob.expect_forward(&alice.name, b"first")?;
    carol.send(&to, b"second")?;
    // A server may hold the second forward until the first is answered.
    bob.ack(&alice.name)?;
    alice.expect_sent(ctx, &to)?;
    bob.expect_forward(&carol.name, b"second")?;
    bob.torecv.send(b"ERROR 103 Header Incomplete\n\n")?;
    carol.expect_unable()?;
    // Both outstanding at once: the ack names neither, FIFO decides.
    alice.send(&to, b"third")?;
    bob.expect_forward(&alice.name, b"third")?;
    carol.send(&to, b"fourth")?;
    bob.torecv.send(&exact::received(&carol.name))?;
    alice.expect_sent(ctx, &to)?;
    bob.expect_forward(&carol.name, b"fourth")?;
    bob.ack(&carol.name)?;
    carol.expect_sent(ctx, &to)?;
    Ok(())
}

fn recieved_spelling(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = ctx.outstanding(b"hi")?;
    bob.torecv
        .send(format!("RECIEVED {}\n\n", alice.name).as_bytes())?;
    alice.expect_sent(ctx, &bob.name)?;
    Ok(())
}

fn on_tosend(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = ctx.outstanding(b"hi")?;
    let to = bob.name.clone();
    bob.tosend.send(&exact::received(&alice.name))?;
    alice.expect_sent(ctx, &to)?;
    // Bob's TOSEND still sends.
    bob.deliver(ctx, &mut alice, b"and back")?;
    Ok(())
}

fn any_error(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = ctx.outstanding(b"hi")?;
    bob.torecv
        .send(b"ERROR 999 that did not go well, sorry\n\n")?;
    alice.expect_unable()?;
    Ok(())
}

fn unknown_command(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let unknown = exact::error(ErrorCode::UnknownCommand);
    alice.tosend.send(b"HELLO\n\n")?;
    alice.tosend.expect(&unknown, ctx.reply())?;
    alice.torecv.send(b"HELLO\n\n")?;
    alice.torecv.expect(&unknown, ctx.reply())?;
    alice.deliver_to_self(ctx, b"still usable")?;
    Ok(())
}
