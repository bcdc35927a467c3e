//! Part 1, sending and forwarding: the unicast exchange byte for byte, opaque bodies, every
//! way a delivery fails (`ERROR 102`), `ERROR 103` for a header without a usable length, and
//! one reply per `SEND`, in order, also with several senders at once.

use super::kit::{Ctx, User};
use super::{Check, CheckResult};
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::time::Duration;

/// How long to look for a success reply that must not have come yet.
const EARLY_REPLY_WINDOW: Duration = Duration::from_millis(50);

pub const CHECKS: &[Check] = &[
    Check::part1(
        "send.unicast",
        "Sending: SEND <recipient> is forwarded as FORWARD <sender>; SENT <recipient> once the recipient acknowledged",
        "FORWARD arrives byte-exact, no reply before RECEIVED, then SENT <recipient>",
        unicast,
    ),
    Check::part1(
        "send.body-opaque",
        "Forwarding: the body is opaque bytes, forwarded unchanged (newlines, \\n\\n, any byte)",
        "a body holding \\n\\n, CRLF, a SEND header, NUL and 0xFF arrives unchanged",
        body_opaque,
    ),
    Check::part1(
        "send.empty-body",
        "Sending: a body of exactly Content-length bytes (0 is a length)",
        "Content-length: 0 is forwarded as Content-length: 0",
        empty_body,
    ),
    Check::part1(
        "send.length-in-bytes",
        "Forwarding: Content-length counts bytes, not characters",
        "a UTF-8 body is forwarded with its length in bytes",
        length_in_bytes,
    ),
    Check::part1(
        "send.to-self",
        "Sending: a user may send to their own name; it is forwarded to their own TORECV socket",
        "SEND to one's own name arrives on one's own TORECV, then SENT",
        to_self,
    ),
    Check::part1(
        "send.unknown-recipient",
        "Sending: a recipient that is not registered makes the reply ERROR 102",
        "SEND to a name nobody has is ERROR 102, and the socket stays usable",
        unknown_recipient,
    ),
    Check::part1(
        "send.recipient-gone",
        "Sending: a recipient that has gone makes the reply ERROR 102",
        "SEND to a user who closed both sockets is ERROR 102",
        recipient_gone,
    ),
    Check::part1(
        "send.recipient-half-registered",
        "Registration: complete only when both sockets are registered; a recipient that is not registered is ERROR 102",
        "SEND to a name with only its TOSEND registered is ERROR 102",
        recipient_half_registered,
    ),
    Check::part1(
        "send.recipient-error",
        "Sending: a recipient that answers with an error makes the reply ERROR 102",
        "the recipient answers ERROR 103 Header Incomplete; the sender gets ERROR 102",
        recipient_error,
    ),
    Check::part1(
        "send.silent-recipient",
        "Sending: a recipient that does not acknowledge within the acknowledgement timeout makes the reply ERROR 102",
        "the recipient never acknowledges; ERROR 102 by the ack timeout (--ack-timeout)",
        silent_recipient,
    ),
    Check::part1(
        "send.no-content-length",
        "Sending: no Content-length is ERROR 103 Header incomplete, then the server closes that socket",
        "SEND without Content-length is ERROR 103 and the socket is closed",
        no_content_length,
    ),
    Check::part1(
        "send.bad-content-length",
        "Sending: an unparsable Content-length is ERROR 103 Header incomplete, then the server closes that socket",
        "Content-length: abc and Content-length: -1 are ERROR 103 and close the socket",
        bad_content_length,
    ),
    Check::part1(
        "send.one-reply-each",
        "Sending: the server answers each SEND exactly once, in order",
        "three sends in a row get one reply each and nothing more",
        one_reply_each,
    ),
    Check::part1(
        "send.concurrent-senders",
        "Sending: each SEND is answered once; acknowledgements go to the sender of that message",
        "six users send to one recipient at once; each gets the SENT for its own message",
        concurrent_senders,
    ),
];

fn unicast(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = ctx.outstanding(b"hello")?;
    let to = bob.name.clone();
    alice.tosend.expect_silence(
        EARLY_REPLY_WINDOW,
        "a reply came before the recipient acknowledged",
    )?;
    bob.ack(&alice.name)?;
    alice.expect_sent(ctx, &to)?;
    Ok(())
}

fn delivers(ctx: &Ctx, body: &[u8]) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    alice.deliver(ctx, &mut bob, body)?;
    Ok(())
}

fn body_opaque(ctx: &Ctx) -> CheckResult {
    delivers(
        ctx,
        b"line one\n\nSEND x\nContent-length: 3\n\n\r\n\x00\xff\xfe end\n",
    )
}

fn empty_body(ctx: &Ctx) -> CheckResult {
    delivers(ctx, b"")
}

fn length_in_bytes(ctx: &Ctx) -> CheckResult {
    delivers(
        ctx,
        "h\u{e9}llo w\u{f6}rld \u{2713} \u{4f60}\u{597d}".as_bytes(),
    )
}

fn to_self(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    alice.deliver_to_self(ctx, b"note to self")?;
    Ok(())
}

fn unknown_recipient(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    alice.send(&ctx.name("nobody"), b"anyone?")?;
    alice.expect_unable()?;
    alice.deliver_to_self(ctx, b"still usable")?;
    Ok(())
}

fn recipient_gone(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let bob = ctx.join("bob")?;
    let to = bob.name.clone();
    bob.leave();
    alice.send(&to, b"are you there?")?;
    // The server may learn that bob has gone only when the forward fails or times out.
    alice.expect_error(
        ErrorCode::UnableToSend,
        ctx.target.after(ctx.target.ack_timeout),
    )?;
    Ok(())
}

fn recipient_half_registered(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let name = ctx.name("bob");
    let _tosend = ctx.register(&name, Role::ToSend)?;
    alice.send(&name, b"half there")?;
    alice.expect_error(
        ErrorCode::UnableToSend,
        ctx.target.after(ctx.target.ack_timeout),
    )?;
    Ok(())
}

fn recipient_error(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = ctx.outstanding(b"hi")?;
    bob.torecv.send(b"ERROR 103 Header Incomplete\n\n")?;
    alice.expect_unable()?;
    Ok(())
}

fn silent_recipient(ctx: &Ctx) -> CheckResult {
    // Bob never answers.
    let (mut alice, _bob) = ctx.outstanding(b"hello?")?;
    let within = ctx.target.after(ctx.target.ack_timeout);
    alice
        .expect_error(ErrorCode::UnableToSend, within)
        .map_err(|f| f.noting("is --ack-timeout right?"))?;
    Ok(())
}

/// `bytes` on a registered user's TOSEND get `ERROR 103` and the socket is closed.
fn header_incomplete(ctx: &Ctx, user: &str, bytes: &[u8]) -> CheckResult {
    let mut alice = ctx.join(user)?;
    alice.tosend.send(bytes)?;
    alice.expect_error(ErrorCode::HeaderIncomplete, ctx.reply())?;
    alice.tosend.expect_closed(ctx.reply())?;
    Ok(())
}

fn no_content_length(ctx: &Ctx) -> CheckResult {
    let to = ctx.name("bob");
    header_incomplete(ctx, "alice", format!("SEND {to}\n\n").as_bytes())
}

fn bad_content_length(ctx: &Ctx) -> CheckResult {
    let to = ctx.name("bob");
    let abc = format!("SEND {to}\nContent-length: abc\n\n");
    header_incomplete(ctx, "alice", abc.as_bytes())?;
    let negative = format!("SEND {to}\nContent-length: -1\n\n");
    header_incomplete(ctx, "carol", negative.as_bytes())
}

fn one_reply_each(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    for body in [&b"one"[..], b"two", b"three"] {
        alice.deliver(ctx, &mut bob, body)?;
    }
    // Anything extra would arrive before this reply.
    alice.deliver_to_self(ctx, b"marker")?;
    Ok(())
}

fn concurrent_senders(ctx: &Ctx) -> CheckResult {
    let mut bob = ctx.join("bob")?;
    let mut senders: Vec<User> = (0..6)
        .map(|i| ctx.join(&format!("s{i}")))
        .collect::<Result<_, _>>()?;
    let to = bob.name.clone();
    for sender in &mut senders {
        let body = format!("from {}", sender.name);
        sender.send(&to, body.as_bytes())?;
    }
    let mut pending: Vec<String> = senders.iter().map(|s| s.name.clone()).collect();
    while !pending.is_empty() {
        let (msg, bytes) = bob
            .torecv
            .next_message(ctx.reply())
            .map_err(|f| f.noting(&format!("{} forwards still due", pending.len())))?;
        let from = pending
            .iter()
            .position(|name| bytes == exact::forward(name, format!("from {name}").as_bytes()))
            .ok_or_else(|| {
                let want = exact::forward(&pending[0], format!("from {}", pending[0]).as_bytes());
                Failure::bytes(
                    format!("bob TORECV: not the forward of a send still due ({msg:?})"),
                    &want,
                    &bytes,
                )
            })?;
        let name = pending.remove(from);
        bob.ack(&name)?;
    }
    for sender in &mut senders {
        sender.expect_sent(ctx, &to)?;
    }
    Ok(())
}
