//! Part 2, the byte stream: messages split byte by byte or coalesced, pipelining, both
//! registrations at once, the liberal syntax (CRLF, `\n \n`, trimmed lines, stray newlines,
//! header names in any case), replies in one write, and a user visible the moment it is told
//! it is registered.

use super::kit::{Ctx, User};
use super::{Check, CheckResult};
use crate::conformance::peer::Peer;
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::time::Duration;

/// The pause between the bytes of a trickled message, so each is its own segment.
const TRICKLE_GAP: Duration = Duration::from_millis(1);

pub const CHECKS: &[Check] = &[
    Check::part2(
        "stream.byte-at-a-time",
        "Part 2: parse a byte stream, never one read = one message: a message may arrive one byte at a time",
        "REGISTERs, a SEND and a RECEIVED sent one byte per write all work",
        byte_at_a_time,
    ),
    Check::part2(
        "stream.coalesced",
        "Part 2: several messages may come in one segment, pipelined before the previous reply",
        "three SENDs in one write get three replies in order; two acks in one write are both taken",
        coalesced,
    ),
    Check::part2(
        "stream.both-registers-first",
        "Part 2: a client may send both REGISTERs before reading either reply",
        "REGISTER TOSEND and REGISTER TORECV sent before reading; both replies come",
        both_registers_first,
    ),
    Check::part2(
        "stream.register-and-send",
        "Part 2: messages may be pipelined before the previous reply",
        "REGISTER TOSEND and a SEND in one write, once TORECV is registered, both answered",
        register_and_send,
    ),
    Check::part2(
        "syntax.crlf",
        "Part 2: accept \\r\\n as well as \\n; always send \\n line endings",
        "every message with CRLF line endings works, and every reply uses LF",
        crlf,
    ),
    Check::part2(
        "syntax.blank-line",
        "Part 2: a line holding only spaces or tabs ends a header block like an empty line",
        "header blocks ended by \\n \\n and \\n\\t\\n work",
        blank_line,
    ),
    Check::part2(
        "syntax.trim",
        "Part 2: ignore leading and trailing spaces and tabs on every header line",
        "header lines padded with spaces and tabs work",
        trim,
    ),
    Check::part2(
        "syntax.stray-newlines",
        "Part 2: skip whitespace and stray newlines between messages",
        "an uncounted \\n after a body and blank lines before a message are skipped",
        stray_newlines,
    ),
    Check::part2(
        "syntax.header-case",
        "Part 2: header names are case-insensitive",
        "content-length and CONTENT-LENGTH are understood",
        header_case,
    ),
    Check::part2(
        "reply.one-write",
        "Part 2: write every message (header block and body) with a single write call",
        "REGISTERED, ERROR, FORWARD (1000-byte body) and SENT each arrive in one read",
        one_write,
    ),
    Check::part2(
        "register.visible-at-once",
        "Part 2: put a new user into the table before writing REGISTERED",
        "a message sent the instant REGISTERED TORECV arrives is delivered",
        visible_at_once,
    ),
];

/// A user registered with the given raw `REGISTER` messages (name from `ctx.name(base)`).
fn join_raw(ctx: &Ctx, base: &str, tosend: &str, torecv: &str) -> Result<User, Failure> {
    let name = ctx.name(base);
    let mut s = ctx.connect(&format!("{name} TOSEND"))?;
    s.send(tosend.replace("{name}", &name).as_bytes())?;
    ctx.expect_registered(&mut s, Role::ToSend, &name)?;
    let mut r = ctx.connect(&format!("{name} TORECV"))?;
    r.send(torecv.replace("{name}", &name).as_bytes())?;
    ctx.expect_registered(&mut r, Role::ToRecv, &name)?;
    Ok(User::from_parts(name, s, r, ctx))
}

/// `alice` sends `send` (a raw SEND to `{to}` of body `hi`), bob acks with `ack` (raw, for
/// `{from}`); the forward and the reply must be exact.
fn exchange(ctx: &Ctx, alice: &mut User, bob: &mut User, send: &str, ack: &str) -> CheckResult {
    let to = bob.name.clone();
    alice.tosend.send(send.replace("{to}", &to).as_bytes())?;
    bob.expect_forward(&alice.name, b"hi")?;
    bob.torecv
        .send(ack.replace("{from}", &alice.name).as_bytes())?;
    alice.expect_sent(ctx, &to)?;
    Ok(())
}

/// Registers alice and bob with the raw forms, then runs the raw exchange.
fn liberal(ctx: &Ctx, tosend: &str, torecv: &str, send: &str, ack: &str) -> CheckResult {
    let mut alice = join_raw(ctx, "alice", tosend, torecv)?;
    let mut bob = join_raw(ctx, "bob", tosend, torecv)?;
    exchange(ctx, &mut alice, &mut bob, send, ack)
}

fn byte_at_a_time(ctx: &Ctx) -> CheckResult {
    let mut bob = ctx.join("bob")?;
    let name = ctx.name("alice");
    let mut s = ctx.connect(&format!("{name} TOSEND"))?;
    s.trickle(&exact::register(Role::ToSend, &name), TRICKLE_GAP)?;
    ctx.expect_registered(&mut s, Role::ToSend, &name)?;
    let mut r = ctx.connect(&format!("{name} TORECV"))?;
    r.trickle(&exact::register(Role::ToRecv, &name), TRICKLE_GAP)?;
    ctx.expect_registered(&mut r, Role::ToRecv, &name)?;
    let mut alice = User::from_parts(name, s, r, ctx);
    let to = bob.name.clone();
    alice
        .tosend
        .trickle(&exact::send(&to, b"hello"), TRICKLE_GAP)?;
    bob.expect_forward(&alice.name, b"hello")?;
    bob.torecv
        .trickle(&exact::received(&alice.name), TRICKLE_GAP)?;
    alice.expect_sent(ctx, &to)?;
    Ok(())
}

fn coalesced(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut carol = ctx.join("carol")?;
    let mut bob = ctx.join("bob")?;
    let to = bob.name.clone();
    let bodies: [&[u8]; 3] = [b"one", b"two", b"three"];
    let burst: Vec<u8> = bodies.iter().flat_map(|b| exact::send(&to, b)).collect();
    alice.tosend.send(&burst)?;
    // A server answers one SEND before it takes up the next from the same sender.
    for body in bodies {
        bob.expect_forward(&alice.name, body)?;
        bob.ack(&alice.name)?;
        alice.expect_sent(ctx, &to)?;
    }
    // Two senders' forwards outstanding, both acknowledged in one write.
    alice.send(&to, b"four")?;
    bob.expect_forward(&alice.name, b"four")?;
    carol.send(&to, b"five")?;
    bob.expect_forward(&carol.name, b"five")?;
    let acks = [exact::received(&alice.name), exact::received(&carol.name)].concat();
    bob.torecv.send(&acks)?;
    alice.expect_sent(ctx, &to)?;
    carol.expect_sent(ctx, &to)?;
    Ok(())
}

fn both_registers_first(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let mut s = ctx.connect(&format!("{name} TOSEND"))?;
    let mut r = ctx.connect(&format!("{name} TORECV"))?;
    s.send(&exact::register(Role::ToSend, &name))?;
    r.send(&exact::register(Role::ToRecv, &name))?;
    ctx.expect_registered(&mut s, Role::ToSend, &name)?;
    ctx.expect_registered(&mut r, Role::ToRecv, &name)?;
    User::from_parts(name, s, r, ctx).deliver_to_self(ctx, b"both at once")?;
    Ok(())
}

fn register_and_send(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let r = ctx.register(&name, Role::ToRecv)?;
    let mut s = ctx.connect(&format!("{name} TOSEND"))?;
    let burst = [
        exact::register(Role::ToSend, &name),
        exact::send(&name, b"pipelined"),
    ];
    s.send(&burst.concat())?;
    ctx.expect_registered(&mut s, Role::ToSend, &name)?;
    let mut alice = User::from_parts(name.clone(), s, r, ctx);
    alice.expect_forward(&name, b"pipelined")?;
    alice.ack(&name)?;
    alice.expect_sent(ctx, &name)?;
    Ok(())
}

fn crlf(ctx: &Ctx) -> CheckResult {
    liberal(
        ctx,
        "REGISTER TOSEND {name}\r\n\r\n",
        "REGISTER TORECV {name}\r\n\r\n",
        "SEND {to}\r\nContent-length: 2\r\n\r\nhi",
        "RECEIVED {from}\r\n\r\n",
    )
}

fn blank_line(ctx: &Ctx) -> CheckResult {
    liberal(
        ctx,
        "REGISTER TOSEND {name}\n \n",
        "REGISTER TORECV {name}\n\t\n",
        "SEND {to}\nContent-length: 2\n \t \nhi",
        "RECEIVED {from}\n \n",
    )
}

fn trim(ctx: &Ctx) -> CheckResult {
    liberal(
        ctx,
        "  REGISTER TOSEND {name} \t\n\n",
        "\tREGISTER TORECV {name}  \n\n",
        "SEND {to}  \n  Content-length: 2 \t\n\nhi",
        " RECEIVED {from} \n\n",
    )
}

fn stray_newlines(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    let send = "SEND {to}\nContent-length: 2\n\nhi\n";
    exchange(ctx, &mut alice, &mut bob, send, "\nRECEIVED {from}\n\n")?;
    exchange(
        ctx,
        &mut alice,
        &mut bob,
        &format!("\r\n \n{send}"),
        "RECEIVED {from}\n\n\n",
    )?;
    exchange(ctx, &mut alice, &mut bob, send, "RECEIVED {from}\n\n")
}

fn header_case(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    for header in ["content-length", "CONTENT-LENGTH", "Content-Length"] {
        let send = format!("SEND {{to}}\n{header}: 2\n\nhi");
        exchange(ctx, &mut alice, &mut bob, &send, "RECEIVED {from}\n\n")?;
    }
    Ok(())
}

/// The next read on `peer` must be exactly `want`, whole.
fn one_read(ctx: &Ctx, peer: &mut Peer, want: &[u8]) -> CheckResult {
    let got = peer.first_read(ctx.reply())?;
    if got != want {
        return Err(Failure::bytes(
            format!("{}: the first read was not the whole message", peer.label()),
            want,
            &got,
        )
        .into());
    }
    Ok(())
}

fn one_write(ctx: &Ctx) -> CheckResult {
    let name = ctx.name("alice");
    let mut s = ctx.connect(&format!("{name} TOSEND"))?;
    s.send(b"HELLO\n\n")?;
    one_read(ctx, &mut s, &exact::error(ErrorCode::NoUserRegistered))?;
    s.send(&exact::register(Role::ToSend, &name))?;
    one_read(ctx, &mut s, &exact::registered(Role::ToSend, &name))?;
    let mut r = ctx.connect(&format!("{name} TORECV"))?;
    r.send(&exact::register(Role::ToRecv, &name))?;
    one_read(ctx, &mut r, &exact::registered(Role::ToRecv, &name))?;
    ctx.joined(&name);
    let mut alice = User::from_parts(name.clone(), s, r, ctx);
    let body: Vec<u8> = (0..1000).map(|i| b'a' + (i % 26) as u8).collect();
    alice.send(&name, &body)?;
    one_read(ctx, &mut alice.torecv, &exact::forward(&name, &body))?;
    alice.ack(&name)?;
    let sent = ctx.sent(&name);
    one_read(ctx, &mut alice.tosend, &sent)?;
    Ok(())
}

fn visible_at_once(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let name = ctx.name("bob");
    let s = ctx.register(&name, Role::ToSend)?;
    let mut r = ctx.connect(&format!("{name} TORECV"))?;
    r.send(&exact::register(Role::ToRecv, &name))?;
    ctx.expect_registered(&mut r, Role::ToRecv, &name)?;
    alice.send(&name, b"welcome")?;
    let mut bob = User::from_parts(name.clone(), s, r, ctx);
    bob.expect_forward(&alice.name, b"welcome")?;
    bob.ack(&alice.name)?;
    alice.expect_sent(ctx, &name)?;
    Ok(())
}
