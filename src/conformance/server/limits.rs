//! Part 2, limits and names: the header and body limits (`ERROR 105`), the idle and message
//! timeouts, one silent user never delaying another, `ERROR 104` for a name in use, and the
//! name free again once both sockets are gone.

use super::kit::{Ctx, User};
use super::{Check, CheckResult};
use crate::conformance::peer::Peer;
use crate::conformance::{exact, Failure, Verdict};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::thread;
use std::time::{Duration, Instant};

pub const CHECKS: &[Check] = &[
    Check::part2(
        "limits.header",
        "Part 2: header block at most 8 KiB (configurable); an oversized message gets ERROR 105 and the socket is closed",
        "a header block over --max-header is ERROR 105 and closes the socket",
        header_limit,
    ),
    Check::part2(
        "limits.body-at-limit",
        "Part 2: body at most 64 KiB by default (configurable)",
        "a body of exactly --max-body bytes is delivered unchanged",
        body_at_limit,
    ),
    Check::part2(
        "limits.body-over",
        "Part 2: an oversized message gets ERROR 105 Message too long and the socket is closed",
        "Content-length of --max-body + 1 is ERROR 105 and closes the socket",
        body_over,
    ),
    Check::part2(
        "limits.idle-unregistered",
        "Part 2: unregistered connections that send nothing useful are closed after a timeout",
        "a connection that never registers is closed by the idle timeout (--idle-timeout)",
        idle_unregistered,
    ),
    Check::part2(
        "limits.half-message",
        "Part 2: a half-sent message is not waited for forever",
        "a SEND stopped halfway is cut off by the message timeout (--message-timeout)",
        half_message,
    ),
    Check::part2(
        "isolation.silent-user",
        "Part 2: one user's slowness, silence or death never delays anyone else's messages",
        "while one send waits on a silent recipient, another pair's message is delivered",
        silent_user,
    ),
    Check::part2(
        "names.taken",
        "Part 2: a second registration of a name in use (either socket) is ERROR 104; the holder is unaffected",
        "REGISTER of a name in use is ERROR 104 on either socket, and its holder still sends",
        names_taken,
    ),
    Check::part2(
        "names.free-after-leaving",
        "Part 2: when both of a user's sockets are gone the name is free again",
        "after a user closes both sockets, the name registers again",
        names_free_after_leaving,
    ),
];

fn header_limit(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let pad = "x".repeat(ctx.target.max_header + 16);
    let msg = format!(
        "SEND {}\nX-Padding: {pad}\nContent-length: 2\n\nhi",
        alice.name
    );
    // The server may close before reading all of it; the write may then fail.
    let _ = alice.tosend.send(msg.as_bytes());
    alice.expect_error(ErrorCode::MessageTooLong, ctx.reply())?;
    alice.tosend.expect_closed(ctx.reply())?;
    Ok(())
}

fn body_at_limit(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let mut bob = ctx.join("bob")?;
    let body: Vec<u8> = (0..ctx.target.max_body).map(|i| (i % 251) as u8).collect();
    alice.deliver(ctx, &mut bob, &body)?;
    Ok(())
}

fn body_over(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let header = format!(
        "SEND {}\nContent-length: {}\n\n",
        alice.name,
        ctx.target.max_body + 1
    );
    alice.tosend.send(header.as_bytes())?;
    let body = vec![b'x'; ctx.target.max_body + 1];
    let _ = alice.tosend.send(&body);
    alice.expect_error(ErrorCode::MessageTooLong, ctx.reply())?;
    alice.tosend.expect_closed(ctx.reply())?;
    Ok(())
}

fn idle_unregistered(ctx: &Ctx) -> CheckResult {
    let mut peer = ctx.connect("idle socket")?;
    let within = ctx.target.after(ctx.target.idle_timeout);
    peer.expect_closed_after_any(within)
        .map_err(|f| f.noting("is --idle-timeout right?"))?;
    Ok(())
}

fn half_message(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let whole = exact::send(&alice.name, b"never finished");
    alice.tosend.send(&whole[..whole.len() / 2])?;
    let within = ctx.target.after(ctx.target.message_timeout);
    alice
        .tosend
        .expect_closed_after_any(within)
        .map_err(|f| f.noting("is --message-timeout right?"))?;
    Ok(())
}

fn silent_user(ctx: &Ctx) -> CheckResult {
    if ctx.target.ack_timeout < Duration::from_millis(200) {
        return Err(Verdict::Skip(
            "--ack-timeout under 200 ms is too short to tell waiting from not".into(),
        ));
    }
    let mut alice = ctx.join("alice")?;
    let mut carol = ctx.join("carol")?;
    let mut bob = ctx.join("bob")?;
    let mut dave = ctx.join("dave")?;
    let silent = carol.name.clone();
    alice.send(&silent, b"are you there?")?;
    carol.expect_forward(&alice.name, b"are you there?")?;
    let started = Instant::now();
    bob.deliver(ctx, &mut dave, b"not held up")?;
    let took = started.elapsed();
    // Alice's send must still be waiting: bob's did not queue behind it.
    alice
        .tosend
        .expect_silence(
            Duration::from_millis(1),
            "alice's send ended before bob's was delivered",
        )
        .map_err(|f| f.noting(&format!("{} ms", took.as_millis())))?;
    if took >= ctx.target.ack_timeout {
        return Err(Failure::new(format!(
            "bob's delivery took {} ms, as long as the ack timeout",
            took.as_millis()
        ))
        .into());
    }
    Ok(())
}

fn names_taken(ctx: &Ctx) -> CheckResult {
    let mut alice = ctx.join("alice")?;
    let taken = exact::error(ErrorCode::UsernameTaken);
    for role in [Role::ToSend, Role::ToRecv] {
        let mut other = ctx.connect(&format!("second {}", role.as_str()))?;
        other.send(&exact::register(role, &alice.name))?;
        other.expect(&taken, ctx.reply())?;
    }
    alice.deliver_to_self(ctx, b"still mine")?;
    Ok(())
}

fn names_free_after_leaving(ctx: &Ctx) -> CheckResult {
    let alice = ctx.join("alice")?;
    let name = alice.name.clone();
    alice.leave();
    // The server learns of each close when it reads it: retry 104 until the reply timeout.
    let deadline = Instant::now() + ctx.reply();
    let tosend = register_when_free(ctx, &name, Role::ToSend, deadline)?;
    let torecv = register_when_free(ctx, &name, Role::ToRecv, deadline)?;
    User::from_parts(name, tosend, torecv, ctx).deliver_to_self(ctx, b"mine again")?;
    Ok(())
}

/// Registers `role` for `name`, retrying while the answer is `ERROR 104`, until `deadline`.
fn register_when_free(
    ctx: &Ctx,
    name: &str,
    role: Role,
    deadline: Instant,
) -> Result<Peer, Failure> {
    let registered = exact::registered(role, name);
    let taken = exact::error(ErrorCode::UsernameTaken);
    loop {
        let mut peer = ctx.connect(&format!("{name} {} again", role.as_str()))?;
        peer.send(&exact::register(role, name))?;
        match peer.expect_any(&[&registered, &taken], ctx.reply())? {
            0 => return Ok(peer),
            _ if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                return Err(Failure::new(format!(
                    "{name} still taken ({}) {} ms after both its sockets closed",
                    role.as_str(),
                    ctx.reply().as_millis()
                )))
            }
        }
    }
}
