//! Robustness: a connection that ends in the middle of a packet, sends a raw JSON object, or
//! sends bytes that are not a packet ends only itself (the others get its `leave` and chat
//! on), and a client that stops reading holds up nobody else.

use super::conn::Conn;
use super::exact;
use super::kit::Ctx;
use super::{Check, CheckResult};
use crate::conformance::{Failure, Verdict};
use std::thread;
use std::time::{Duration, Instant};

/// How much the flood check sends through a client that does not read: far more than the
/// kernel buffers between a server and that client hold.
const FLOOD_BYTES: usize = 16 << 20;
/// The longest message the flood check sends.
const FLOOD_MESSAGE: usize = 60_000;
/// Below this many bytes per message, the flood would take too many packets.
const FLOOD_MIN_MESSAGE: usize = 4_000;
/// How long a flooding sender waits before saying again what the server refused as over its
/// rate limit (Part 4's `rate-limited`).
const RATE_LIMITED_PAUSE: Duration = Duration::from_millis(20);

pub const CHECKS: &[Check] = &[
    Check::seed(
        "robust.silent-reader",
        "PROTOCOL.md: one user's slowness, silence or death never delays anyone else's messages (seed 003: one server, many clients at once)",
        "while one client reads nothing, three others say 16 MiB of chats, each echoed and sent on within the reply timeout",
        silent_reader,
    )
    .alone(),
    Check::seed(
        "robust.cut-packet",
        "Part 4: a frame that cannot be read is the end of that connection: announce leave, keep everyone else",
        "a client that closes in the middle of a packet is announced as leave; the others chat on",
        cut_packet,
    ),
    Check::seed(
        "robust.unframed-json",
        "Part 4: a client may close the connection after a packet that is not framed (a raw JSON object): leave, keep everyone else",
        "a raw, unframed JSON chat then a close: a leave, no chat, and the others chat on",
        unframed_json,
    ),
    Check::seed(
        "robust.garbage",
        "Part 4: a frame that cannot be read ends that connection (and only it); seed 003: the payload is UTF-8 JSON",
        "a packet of plain text, and one that is not UTF-8: the server closes each sender, the others get leave and chat on",
        garbage,
    ),
];

fn silent_reader(ctx: &Ctx) -> CheckResult {
    let (_silent, silent_nick) = ctx.join("silent", &mut [])?;
    let mut senders: Vec<(Conn, String)> = Vec::new();
    for base in ["alice", "bob", "carol"] {
        let mut others: Vec<&mut Conn> = senders.iter_mut().map(|(c, _)| c).collect();
        let mut joined = ctx.join(base, &mut others)?;
        drop(others);
        // A server may drop a client that stops reading; the others then hear it leave.
        joined.0.tolerate(&exact::leave(&silent_nick));
        senders.push(joined);
    }
    let longest_nick = senders.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
    let room = ctx
        .target
        .max_payload()
        .saturating_sub(exact::chat("").len());
    let echo_room = usize::from(u16::MAX) - exact::said("", "").len() - longest_nick;
    let size = room.min(echo_room).min(FLOOD_MESSAGE);
    if size < FLOOD_MIN_MESSAGE {
        return Err(Verdict::Skip(format!(
            "--max-body {} leaves {size} bytes a message: too little to flood with",
            ctx.target.max_body
        )));
    }
    let count = FLOOD_BYTES.div_ceil(size);
    for i in 0..count {
        let message = format!("{i:08}{}", "x".repeat(size - 8));
        flood_one(ctx, &mut senders, i % 3, &message).map_err(|f| {
            f.noting(&format!(
                "chat {} of {count}, {size} bytes each, with {silent_nick} not reading",
                i + 1
            ))
        })?;
    }
    Ok(())
}

/// `users[from]` says `message` (again, a little later, while the server answers that it is
/// over its rate limit); its echo and everyone else's copy must come within a reply timeout.
fn flood_one(
    ctx: &Ctx,
    users: &mut [(Conn, String)],
    from: usize,
    message: &str,
) -> Result<(), Failure> {
    let said = exact::said(&users[from].1, message);
    let deadline = Instant::now() + ctx.reply();
    let sender = &mut users[from].0;
    loop {
        sender.send_packet(&exact::chat(message))?;
        let answer = sender.packet(ctx.reply())?;
        let limited = answer.kind() == Some("error")
            && answer.value.as_ref().and_then(|v| v.get("code")) == Some(&"rate-limited".into());
        if !limited || Instant::now() >= deadline {
            sender.judge(&answer, &said)?;
            break;
        }
        thread::sleep(RATE_LIMITED_PAUSE);
    }
    for (i, (other, _)) in users.iter_mut().enumerate() {
        if i != from {
            other.expect(&said, ctx.reply())?;
        }
    }
    Ok(())
}

/// Bob and carol online, and alice, all joined.
fn three(ctx: &Ctx) -> Result<[(Conn, String); 3], Failure> {
    let (mut bob, bob_nick) = ctx.join("bob", &mut [])?;
    let (mut carol, carol_nick) = ctx.join("carol", &mut [&mut bob])?;
    let alice = ctx.join("alice", &mut [&mut bob, &mut carol])?;
    Ok([(bob, bob_nick), (carol, carol_nick), alice])
}

fn cut_packet(ctx: &Ctx) -> CheckResult {
    let [(mut bob, bob_nick), (mut carol, _), (mut alice, nick)] = three(ctx)?;
    let whole = exact::frame(exact::chat("never finished").as_bytes());
    alice.send(&whole[..whole.len() / 2])?;
    alice.close();
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    carol.expect(&exact::leave(&nick), ctx.reply())?;
    ctx.chat(&mut bob, &bob_nick, "still here", &mut [&mut carol])?;
    Ok(())
}

fn unframed_json(ctx: &Ctx) -> CheckResult {
    let [(mut bob, bob_nick), (mut carol, _), (mut alice, nick)] = three(ctx)?;
    alice.send(exact::chat("raw").as_bytes())?;
    alice.close();
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    carol.expect(&exact::leave(&nick), ctx.reply())?;
    ctx.chat(&mut bob, &bob_nick, "still here", &mut [&mut carol])?;
    Ok(())
}

fn garbage(ctx: &Ctx) -> CheckResult {
    let [(mut bob, bob_nick), (mut carol, _), (mut alice, nick)] = three(ctx)?;
    alice.send(&exact::frame(b"this is not json"))?;
    alice
        .expect_closed(true, ctx.reply())
        .map_err(|f| f.noting("after a packet of plain text"))?;
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    carol.expect(&exact::leave(&nick), ctx.reply())?;
    let (mut dave, dave_nick) = ctx.join("dave", &mut [&mut bob, &mut carol])?;
    dave.send(&exact::frame(
        b"{\"type\":\"chat\",\"message\":\"\xff\xfe\"}",
    ))?;
    dave.expect_closed(true, ctx.reply())
        .map_err(|f| f.noting("after a packet that is not UTF-8"))?;
    bob.expect(&exact::leave(&dave_nick), ctx.reply())?;
    carol.expect(&exact::leave(&dave_nick), ctx.reply())?;
    ctx.chat(&mut bob, &bob_nick, "still here", &mut [&mut carol])?;
    Ok(())
}
