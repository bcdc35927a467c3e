//! Framing and the seed's packets: the joiner's own `join`, a `chat` echoed to its sender and
//! sent to everyone, `join` and `leave` to the others, and packets split byte by byte or
//! several in one write.

use super::exact;
use super::kit::Ctx;
use super::{Check, CheckResult};
use std::time::Duration;

/// The pause between the bytes of a trickled packet, so each is its own segment.
const TRICKLE_GAP: Duration = Duration::from_millis(1);

pub const CHECKS: &[Check] = &[
    Check::seed(
        "framing.join-self",
        "seed 003, Join: sent to all the clients when someone joins (Part 4: the joiner included); a packet is a 2-byte big-endian length, then the JSON payload",
        "hello is answered by the joiner's own join, length and payload exact",
        join_self,
    ),
    Check::seed(
        "framing.join-others",
        "seed 003, Join: the server sends this to all the clients when someone joins",
        "a user already online gets the newcomer's join",
        join_others,
    ),
    Check::seed(
        "framing.chat-echo",
        "seed 003, Chat: the server rebroadcasts a chat to every connected client (Part 4: its sender included; clients do not echo locally)",
        "a chat comes back to its sender with the sender's nick",
        chat_echo,
    ),
    Check::seed(
        "framing.chat-others",
        "seed 003, Chat: the server rebroadcasts a chat to every connected client, with the sender's nick",
        "a chat reaches each other user with the sender's nick",
        chat_others,
    ),
    Check::seed(
        "framing.leave-others",
        "seed 003, Leave: sent to the clients when someone leaves (Part 4: a plain close is a leave; /q sends nothing)",
        "a user who closes the connection is announced to the others as leave",
        leave_others,
    ),
    Check::seed(
        "framing.byte-at-a-time",
        "seed 003, Packet Structure: a packet buffer per client; a packet is whole once its length + 2 bytes are in it (Part 4: never one read = one packet)",
        "hello and chat sent one byte per write are both understood",
        byte_at_a_time,
    ),
    Check::seed(
        "framing.coalesced",
        "seed 003, Packet Structure: extract every whole packet from the buffer, not one per read",
        "three chats in one write are echoed and sent on, all three, in order",
        coalesced,
    ),
    Check::seed(
        "framing.hello-and-chats",
        "seed 003: the hello is the first packet, and what follows it in the same segment is packets too",
        "hello and two chats in one write on a new connection: the join and both echoes, each a whole packet",
        hello_and_chats,
    ),
    Check::ours(
        "framing.one-write",
        "Part 4: send each packet with its own write (clients read the 2-byte length, then expect the payload in one read)",
        "the joiner's own join arrives whole: no read ends inside it",
        one_write,
    ),
];

fn join_self(ctx: &Ctx) -> CheckResult {
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send_packet(&exact::hello(&nick))?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    Ok(())
}

fn join_others(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut carol, _) = ctx.join("carol", &mut [&mut bob])?;
    ctx.join("alice", &mut [&mut bob, &mut carol])?;
    Ok(())
}

fn chat_echo(ctx: &Ctx) -> CheckResult {
    let (mut alice, nick) = ctx.join("alice", &mut [])?;
    alice.send_packet(&exact::chat("hello"))?;
    alice.expect(&exact::said(&nick, "hello"), ctx.reply())?;
    Ok(())
}

fn chat_others(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut carol, _) = ctx.join("carol", &mut [&mut bob])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob, &mut carol])?;
    alice.send_packet(&exact::chat("hello all"))?;
    let said = exact::said(&nick, "hello all");
    bob.expect(&said, ctx.reply())?;
    carol.expect(&said, ctx.reply())?;
    alice.expect(&said, ctx.reply())?;
    Ok(())
}

fn leave_others(ctx: &Ctx) -> CheckResult {
    let (mut bob, bob_nick) = ctx.join("bob", &mut [])?;
    let (mut carol, _) = ctx.join("carol", &mut [&mut bob])?;
    let (alice, nick) = ctx.join("alice", &mut [&mut bob, &mut carol])?;
    alice.close();
    bob.expect(&exact::leave(&nick), ctx.reply())?;
    carol.expect(&exact::leave(&nick), ctx.reply())?;
    // The chat goes on without alice.
    ctx.chat(&mut bob, &bob_nick, "still here", &mut [&mut carol])?;
    Ok(())
}

fn byte_at_a_time(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.trickle(&exact::frame(exact::hello(&nick).as_bytes()), TRICKLE_GAP)?;
    alice.expect(&exact::join(&nick), ctx.reply())?;
    bob.expect(&exact::join(&nick), ctx.reply())?;
    alice.trickle(&exact::frame(exact::chat("slowly").as_bytes()), TRICKLE_GAP)?;
    let said = exact::said(&nick, "slowly");
    alice.expect(&said, ctx.reply())?;
    bob.expect(&said, ctx.reply())?;
    Ok(())
}

fn coalesced(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.join("alice", &mut [&mut bob])?;
    let messages = ["one", "two", "three"];
    let burst: Vec<u8> = messages
        .iter()
        .flat_map(|m| exact::frame(exact::chat(m).as_bytes()))
        .collect();
    alice.send(&burst)?;
    for message in messages {
        let said = exact::said(&nick, message);
        alice.expect(&said, ctx.reply())?;
        bob.expect(&said, ctx.reply())?;
    }
    Ok(())
}

fn hello_and_chats(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let (mut alice, nick) = ctx.conn_for("alice")?;
    let packets = [
        exact::hello(&nick),
        exact::chat("first"),
        exact::chat("second"),
    ];
    let burst: Vec<u8> = packets
        .iter()
        .flat_map(|p| exact::frame(p.as_bytes()))
        .collect();
    alice.send(&burst)?;
    for conn in [&mut alice, &mut bob] {
        conn.expect(&exact::join(&nick), ctx.reply())?;
        for message in ["first", "second"] {
            conn.expect(&exact::said(&nick, message), ctx.reply())?;
        }
    }
    Ok(())
}

fn one_write(ctx: &Ctx) -> CheckResult {
    let (mut alice, nick) = ctx.conn_for("alice")?;
    alice.send_packet(&exact::hello(&nick))?;
    alice.expect_in_one_read(&exact::join(&nick), ctx.reply())?;
    Ok(())
}
