//! Part 8, room messages: `SEND #room` reaches the other members with `Room:` on the forward
//! and is answered like `SEND ALL` (once every member acknowledged; a member that fails fails
//! it), reaches nobody else, is refused to a non-member, and `SEND #lobby` is `SEND ALL`.

use super::exact as room;
use super::kit::{
    ask, enter, founded, fresh_room, member, nothing_before, plain, refused, say, LOBBY,
};
use crate::conformance::exact;
use crate::conformance::server::kit::Ctx;
use crate::conformance::server::{Check, CheckResult};
use crate::wire::codes::ErrorCode;
use std::time::Duration;

/// How long to look for a `SENT` that must not have come yet.
const EARLY_REPLY_WINDOW: Duration = Duration::from_millis(50);

pub const CHECKS: &[Check] = &[
    Check::part8(
        "rooms.send",
        "Part 8, rooms: SEND #room reaches the room's other members as FORWARD <from> with Room: <room> (after Content-length:); SENT #room once they acknowledged",
        "a member gets FORWARD <from>\\nContent-length: 2\\nRoom: <room>\\n\\nhi, acknowledges, the sender gets SENT <room>; the sender gets no copy",
        send,
    ),
    Check::part8(
        "rooms.send-waits",
        "Part 8, rooms: the sender's reply comes when every member has acknowledged",
        "with two other members, no SENT <room> while one of them has not acknowledged; SENT once both have",
        send_waits,
    ),
    Check::part8(
        "rooms.send-member-fails",
        "Part 8, rooms: a member that fails (or stays silent) fails the send",
        "a member answers the forward with ERROR 103: the sender gets ERROR 102",
        send_member_fails,
    ),
    Check::part8(
        "rooms.members-only",
        "Part 8, rooms: a message to a room reaches its members, and no one else",
        "a room message reaches the member; a user with rooms outside the room and a plain client get nothing before a later direct message",
        members_only,
    ),
    Check::part8(
        "rooms.not-member",
        "Part 8, rooms: only a member may send to a room; SEND, PART, TOPIC and KICK of a room one is not in, and KICK of a user not in it, are ERROR 113 Not in room",
        "a non-member's SEND, PART, TOPIC and KICK are ERROR 113 each, and so is the operator's KICK of the non-member",
        not_member,
    ),
    Check::part8(
        "rooms.lobby",
        "Part 8, rooms: everyone is in #lobby; SEND #lobby is SEND ALL",
        "SEND #lobby reaches a user with rooms and a plain one as a plain FORWARD (no Room:); SENT #lobby once both acknowledged",
        lobby,
    )
    // It sends to everyone: no other check's users may be online.
    .alone(),
];

fn send(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "talk")?;
    say(ctx, &mut alice, &room, b"hi", &mut [&mut bob])?;
    // Had alice been sent her own message, it would come before bob's.
    say(ctx, &mut bob, &room, b"hi alice", &mut [&mut alice])
        .map_err(|f| f.noting("the sender gets no copy of its own"))?;
    Ok(())
}

fn send_waits(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "wait")?;
    let mut carol = member(ctx, "carol")?;
    enter(ctx, &mut carol, &room, &mut [&mut alice, &mut bob])?;
    let body = b"wait for both";
    alice.send(&room, body)?;
    let forward = room::forward(&alice.name, &room, body);
    bob.torecv.expect(&forward, ctx.reply())?;
    carol.torecv.expect(&forward, ctx.reply())?;
    bob.ack(&alice.name)?;
    alice.tosend.expect_silence(
        EARLY_REPLY_WINDOW,
        "a reply came before every member acknowledged",
    )?;
    carol.ack(&alice.name)?;
    alice.expect_sent(ctx, &room)?;
    Ok(())
}

fn send_member_fails(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "fail")?;
    let body = b"can you read this?";
    alice.send(&room, body)?;
    bob.torecv
        .expect(&room::forward(&alice.name, &room, body), ctx.reply())?;
    bob.torecv.send(b"ERROR 103 Header Incomplete\n\n")?;
    alice
        .expect_unable()
        .map_err(|f| f.noting("the member answered the forward with an ERROR"))?;
    Ok(())
}

fn members_only(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "club")?;
    let mut carol = member(ctx, "carol")?;
    let mut dave = plain(ctx, "dave")?;
    say(ctx, &mut alice, &room, b"members only", &mut [&mut bob])?;
    let why = "a room message reaches its members only";
    nothing_before(ctx, &mut alice, &mut carol, why)?;
    nothing_before(ctx, &mut alice, &mut dave, why)?;
    Ok(())
}

fn not_member(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let mut carol = member(ctx, "carol")?;
    let room = fresh_room(ctx, "closed");
    enter(ctx, &mut alice, &room, &mut [])?;
    let why = "carol is not in the room";
    let op = alice.name.clone();
    for command in [
        exact::send(&room, b"let me in"),
        room::part(&room),
        room::topic(&room, Some("mine")),
        room::kick(&op, &room, None),
    ] {
        refused(ctx, &mut carol, &command, ErrorCode::NotInRoom, why)?;
    }
    let kick = room::kick(&carol.name, &room, None);
    refused(
        ctx,
        &mut alice,
        &kick,
        ErrorCode::NotInRoom,
        "KICK of a user not in it",
    )?;
    // The refused SEND reached nobody: alice's next forward is a later direct one.
    nothing_before(
        ctx,
        &mut carol,
        &mut alice,
        "a refused SEND is delivered to no one",
    )?;
    Ok(())
}

fn lobby(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    let mut dave = plain(ctx, "dave")?;
    for user in [&alice, &bob] {
        ctx.joined(&user.name);
    }
    ask(ctx, &mut alice, &room::join(LOBBY), &room::joined(LOBBY))?;
    let body = b"to everyone";
    alice.send(LOBBY, body)?;
    for user in [&mut bob, &mut dave] {
        user.expect_forward(&alice.name, body)
            .map_err(|f| f.noting("SEND #lobby is SEND ALL: a plain forward to everyone"))?;
        user.ack(&alice.name)?;
    }
    alice.expect_sent(ctx, LOBBY)?;
    Ok(())
}
