//! Part 8, who is in a room: the grant, `JOIN` (twice, and the lobby), names matched exactly,
//! the join told to the others and no list to the joiner, `PART`, `KICK`, leaving the chat,
//! and a client without `rooms`, which sees none of it.

use super::exact as room;
use super::kit::{
    ask, enter, founded, fresh_room, member, nothing_before, plain, refused, say, who_until, ASKED,
    LOBBY,
};
use crate::conformance::exact;
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::server::{Check, CheckResult};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;

pub const CHECKS: &[Check] = &[
    Check::part8(
        "rooms.grant",
        "Part 8, rooms: asked for as any extension (Part 3): REGISTERED names it among those granted, in our order, and it applies to the user, both sockets",
        "REGISTER TOSEND with Extensions: rooms, bogus is REGISTERED ... Extensions: rooms; a plain TORECV gets the Part 1 reply; JOIN works and a room message reaches that TORECV",
        grant,
    ),
    Check::part8(
        "rooms.join",
        "Part 8, rooms: JOIN #room is JOINED #room, also when the user already was a member, and JOIN #lobby too; joining a room that does not exist creates it, its creator the operator",
        "JOIN of a new room, the same JOIN again and JOIN #lobby are JOINED each; WHO lists the creator once, as operator",
        join,
    ),
    Check::part8(
        "rooms.case-sensitive",
        "Part 8, rooms: room names are matched exactly (#Rust and #rust are two rooms)",
        "#Room<tag> and #room<tag> are JOINED as spelled by two users, and WHO lists one member in each",
        case_sensitive,
    ),
    Check::part8(
        "rooms.join-event",
        "Part 8, rooms: a join is told to the room's members (EVENT JOIN <name> with Room:), and the member who joins is sent no list",
        "the creator gets EVENT JOIN <joiner>\\nRoom: <room>\\n\\n; the joiner's next message is a later direct one",
        join_event,
    ),
    Check::part8(
        "rooms.part",
        "Part 8, rooms: PART is PARTED; the others get EVENT LEAVE <name> with Room: and Reason: part; the user is no longer a member",
        "PART is PARTED, the creator gets EVENT LEAVE ... Reason: part, WHO lists the creator alone, and the leaver's SEND to the room is ERROR 113",
        part,
    ),
    Check::part8(
        "rooms.kick",
        "Part 8, rooms: KICK by the operator is KICKED; EVENT KICK (Room:, By:, Reason:) to every member but the kicker, the kicked one included; then the others but the kicker get EVENT LEAVE with Reason: kicked",
        "the kicker gets KICKED and no event, the kicked one EVENT KICK, a third member EVENT KICK then EVENT LEAVE ... kicked; WHO lists the two left",
        kick,
    ),
    Check::part8(
        "rooms.leave-chat",
        "Part 8, rooms: a user who leaves the chat leaves all its rooms; that is not told per room",
        "a member closes both sockets: WHO stops listing it within a reply timeout, and the other member (without events) is told nothing",
        leave_chat,
    ),
    Check::part8(
        "rooms.not-asked",
        "Part 8, rooms: without rooms, JOIN, PART, ROOMS, WHO, TOPIC and KICK are ERROR 106 Unknown command, and the client sees nothing of rooms",
        "a plain client's room commands are ERROR 106 each (SEND #room ERROR 102); it gets no event or room message, only a later direct one",
        not_asked,
    ),
];

fn grant(ctx: &Ctx) -> CheckResult {
    let name = ctx.fresh_name("alice");
    let asked = "rooms, bogus";
    let mut tosend = ctx.connect(&format!("{name} TOSEND"))?;
    tosend.send(&exact::register_with(
        Role::ToSend,
        &name,
        Some(asked),
        None,
    ))?;
    ctx.expect_granted(&mut tosend, Role::ToSend, &name, asked, ASKED)?;
    let torecv = ctx.register(&name, Role::ToRecv)?;
    let mut alice = User::from_parts(name, tosend, torecv, ctx);
    let mut bob = member(ctx, "bob")?;
    let room = fresh_room(ctx, "grant");
    enter(ctx, &mut bob, &room, &mut [])?;
    enter(ctx, &mut alice, &room, &mut [&mut bob])?;
    say(
        ctx,
        &mut bob,
        &room,
        b"to your TORECV too",
        &mut [&mut alice],
    )
    .map_err(|f| f.noting("rooms was asked for on TOSEND only: it applies to both"))?;
    Ok(())
}

fn join(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let room = fresh_room(ctx, "join");
    enter(ctx, &mut alice, &room, &mut [])?;
    ask(ctx, &mut alice, &room::join(&room), &room::joined(&room))
        .map_err(|f| f.noting("JOINED also when the user already was a member"))?;
    ask(ctx, &mut alice, &room::join(LOBBY), &room::joined(LOBBY))
        .map_err(|f| f.noting("everyone is in the lobby"))?;
    let me = alice.name.clone();
    let once = room::who_reply(&room, Some(&me), None, &[&me]);
    ask(ctx, &mut alice, &room::who(&room), &once)
        .map_err(|f| f.noting("a member once however often it joined, the creator its operator"))?;
    Ok(())
}

fn case_sensitive(ctx: &Ctx) -> CheckResult {
    let upper = fresh_room(ctx, "Room");
    let lower = upper.to_ascii_lowercase();
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    enter(ctx, &mut alice, &upper, &mut [])?;
    enter(ctx, &mut bob, &lower, &mut [])?;
    for (room, user) in [(&upper, alice.name.clone()), (&lower, bob.name.clone())] {
        let alone = room::who_reply(room, Some(&user), None, &[&user]);
        ask(ctx, &mut alice, &room::who(room), &alone)
            .map_err(|f| f.noting("two names differing in case are two rooms"))?;
    }
    Ok(())
}

fn join_event(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, _) = founded(ctx, "hello")?;
    nothing_before(
        ctx,
        &mut alice,
        &mut bob,
        "the one who joins is sent no list",
    )?;
    Ok(())
}

fn part(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "part")?;
    ask(ctx, &mut bob, &room::part(&room), &room::parted(&room))?;
    alice
        .torecv
        .expect(&room::left_event(&bob.name, &room, "part"), ctx.reply())?;
    let op = alice.name.clone();
    let alone = room::who_reply(&room, Some(&op), None, &[&op]);
    ask(ctx, &mut alice, &room::who(&room), &alone)?;
    let send = exact::send(&room, b"still here?");
    refused(ctx, &mut bob, &send, ErrorCode::NotInRoom, "it left")?;
    Ok(())
}

fn kick(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "kick")?;
    let mut carol = member(ctx, "carol")?;
    enter(ctx, &mut carol, &room, &mut [&mut alice, &mut bob])?;
    let (op, out) = (alice.name.clone(), bob.name.clone());
    let command = room::kick(&out, &room, Some("spam"));
    ask(ctx, &mut alice, &command, &room::kicked(&out, &room))?;
    let told = room::kick_event(&out, &room, &op, "spam");
    bob.torecv
        .expect(&told, ctx.reply())
        .map_err(|f| f.noting("the kicked one is told"))?;
    carol.torecv.expect(&told, ctx.reply())?;
    carol
        .torecv
        .expect(&room::left_event(&out, &room, "kicked"), ctx.reply())?;
    let left = room::who_reply(&room, Some(&op), None, &[&op, &carol.name]);
    ask(ctx, &mut alice, &room::who(&room), &left)?;
    say(
        ctx,
        &mut carol,
        &room,
        b"nothing came before this",
        &mut [&mut alice],
    )
    .map_err(|f| f.noting("the kicker has its KICKED, and no event"))?;
    refused(
        ctx,
        &mut bob,
        &exact::send(&room, b"let me in"),
        ErrorCode::NotInRoom,
        "it was kicked",
    )?;
    Ok(())
}

fn leave_chat(ctx: &Ctx) -> CheckResult {
    let (mut alice, bob, room) = founded(ctx, "bye")?;
    bob.leave();
    let op = alice.name.clone();
    let alone = room::who_reply(&room, Some(&op), None, &[&op]);
    let why = "WHO still lists a member that left the chat";
    who_until(ctx, &mut alice, &room, &alone, why)?;
    let mut carol = member(ctx, "carol")?;
    nothing_before(
        ctx,
        &mut carol,
        &mut alice,
        "a leave is the chat's own (events, not asked for here), not told per room",
    )?;
    Ok(())
}

fn not_asked(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    let mut dave = plain(ctx, "dave")?;
    let room = fresh_room(ctx, "hidden");
    enter(ctx, &mut alice, &room, &mut [])?;
    let why = "dave did not ask for rooms";
    for command in [
        room::join(&room),
        room::part(&room),
        room::ROOMS.to_vec(),
        room::who(&room),
        room::topic(&room, Some("mine")),
        room::kick(&alice.name, &room, None),
    ] {
        refused(ctx, &mut dave, &command, ErrorCode::UnknownCommand, why)?;
    }
    let send = exact::send(&room, b"hello?");
    refused(
        ctx,
        &mut dave,
        &send,
        ErrorCode::UnableToSend,
        "no user has that name",
    )?;
    enter(ctx, &mut bob, &room, &mut [&mut alice])?;
    say(ctx, &mut alice, &room, b"members only", &mut [&mut bob])?;
    nothing_before(
        ctx,
        &mut alice,
        &mut dave,
        "a plain client sees nothing of rooms",
    )?;
    Ok(())
}
