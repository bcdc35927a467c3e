//! Part 8, what is known of rooms and the refusals with a code of their own: `ROOMS` (the
//! lobby first, then by name, empty rooms too), `WHO` (the operator, members sorted), `TOPIC`
//! by the operator and by anyone else, the topic's 300 bytes, and errors 112, 117 and 120.

use super::exact as room;
use super::kit::{ask, enter, founded, fresh_room, member, refused, say, LOBBY};
use crate::conformance::server::kit::Ctx;
use crate::conformance::server::{Check, CheckResult};
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;

pub const CHECKS: &[Check] = &[
    Check::part8(
        "rooms.list",
        "Part 8, rooms: ROOMS <count> lists one line per room, the lobby first, then by name: name, members, and the topic when there is one; an empty room stays, with 0 members",
        "ROOMS holds #lobby first, then every room sorted, the check's rooms as <room> 2 <topic> and <room> 0, count and Content-length exact",
        list,
    ),
    Check::part8(
        "rooms.who",
        "Part 8, rooms: WHO #room (member or not) is WHO <room> <count> with Operator: (the creator) and the members sorted, one per line",
        "a non-member's WHO of a room joined in the order alice, carol, bob is WHO <room> 3, Operator: alice, alice bob carol",
        who,
    ),
    Check::part8(
        "rooms.topic",
        "Part 8, rooms: TOPIC by the operator is TOPIC SET; the other members get EVENT TOPIC <room> with By: and Topic: (none: cleared); WHO shows Topic:",
        "the operator sets a topic then clears it: TOPIC SET each, the member gets EVENT TOPIC with Topic: then without, WHO follows, the operator gets no event",
        topic,
    ),
    Check::part8(
        "rooms.topic-not-operator",
        "Part 8, rooms: TOPIC or KICK by a member who is not the operator is ERROR 114 Not room operator (the lobby has none)",
        "a member's TOPIC and KICK in a room it did not create, and TOPIC #lobby, are ERROR 114 each",
        topic_not_operator,
    ),
    Check::part8(
        "rooms.topic-too-long",
        "Part 8, rooms: a topic is at most 300 bytes of UTF-8; a longer one is ERROR 118 Topic too long",
        "a 301-byte topic (150 two-byte letters and one more byte) is ERROR 118; the 300-byte one is TOPIC SET and WHO shows it",
        topic_too_long,
    ),
    Check::part8(
        "rooms.no-such-room",
        "Part 8, rooms: PART, WHO, TOPIC, KICK or SEND of a room that does not exist is ERROR 112 No such room",
        "each of them, for a room name no one used, is ERROR 112",
        no_such_room,
    ),
    Check::part8(
        "rooms.bad-name",
        "Part 8, rooms: a room's name is # and 1 to 32 ASCII letters, digits, - or _; one that breaks the rule is ERROR 117 Malformed room name",
        "JOIN of a name without #, with a dot, with 33 characters, with a blank, and of # alone are ERROR 117 each",
        bad_name,
    ),
    Check::part8(
        "rooms.lobby-part",
        "Part 8, rooms: PART #lobby is ERROR 120 Cannot leave the lobby",
        "PART #lobby is ERROR 120, and the user is still in the lobby: JOIN #lobby is JOINED #lobby",
        lobby_part,
    ),
];

/// The room names of a `ROOMS` answer's body lines (the first word of each).
fn name_of(line: &str) -> &str {
    line.split(' ').next().unwrap_or_default()
}

fn list(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    let (busy, empty) = (fresh_room(ctx, "busy"), fresh_room(ctx, "empty"));
    enter(ctx, &mut alice, &busy, &mut [])?;
    enter(ctx, &mut bob, &busy, &mut [&mut alice])?;
    ask(
        ctx,
        &mut alice,
        &room::topic(&busy, Some("Rust, mostly")),
        &room::topic_set(&busy),
    )?;
    bob.torecv.expect(
        &room::topic_event(&busy, &alice.name, Some("Rust, mostly")),
        ctx.reply(),
    )?;
    enter(ctx, &mut bob, &empty, &mut [])?;
    ask(ctx, &mut bob, &room::part(&empty), &room::parted(&empty))?;

    alice.tosend.send(room::ROOMS)?;
    let (_, got) = alice.tosend.next_message(ctx.reply())?;
    // Other rooms (other checks', earlier runs') may be listed: the expected answer keeps
    // them, in order, with the lobby and the check's own rooms as Part 8 writes them.
    let body = got
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(&[][..], |at| &got[at + 2..]);
    let text = String::from_utf8_lossy(body);
    let received: Vec<&str> = text.lines().collect();
    let lobby = received
        .first()
        .filter(|l| {
            let count = l
                .strip_prefix("#lobby ")
                .and_then(|n| n.parse::<usize>().ok());
            count.is_some_and(|n| n >= 2)
        })
        .map_or_else(|| room::room_line(LOBBY, 2, None), |l| format!("{l}\n"));
    let mut lines: Vec<String> = received
        .iter()
        .filter(|l| ![LOBBY, busy.as_str(), empty.as_str()].contains(&name_of(l)))
        .map(|l| format!("{l}\n"))
        .collect();
    lines.push(room::room_line(&busy, 2, Some("Rust, mostly")));
    lines.push(room::room_line(&empty, 0, None));
    lines.sort_by(|a, b| name_of(a).cmp(name_of(b)));
    lines.insert(0, lobby);
    let want = room::rooms(&lines);
    if got != want {
        let what = format!(
            "{}: not the lobby first, with everyone online (at least 2 here), then every room by name with its members and topic",
            alice.tosend.label()
        );
        return Err(Failure::bytes(what, &want, &got).into());
    }
    Ok(())
}

fn who(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    let mut carol = member(ctx, "carol")?;
    let mut dave = member(ctx, "dave")?;
    let room = fresh_room(ctx, "who");
    enter(ctx, &mut alice, &room, &mut [])?;
    enter(ctx, &mut carol, &room, &mut [&mut alice])?;
    enter(ctx, &mut bob, &room, &mut [&mut alice, &mut carol])?;
    let (a, b, c) = (&alice.name, &bob.name, &carol.name);
    let want = room::who_reply(&room, Some(a), None, &[a, b, c]);
    ask(ctx, &mut dave, &room::who(&room), &want)
        .map_err(|f| f.noting("asked by a non-member: members sorted, the creator operator"))?;
    Ok(())
}

fn topic(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob, room) = founded(ctx, "topic")?;
    let op = alice.name.clone();
    for topic in [Some("Rust, mostly"), None] {
        ask(
            ctx,
            &mut alice,
            &room::topic(&room, topic),
            &room::topic_set(&room),
        )?;
        bob.torecv
            .expect(&room::topic_event(&room, &op, topic), ctx.reply())?;
        let want = room::who_reply(&room, Some(&op), topic, &[&op, &bob.name]);
        ask(ctx, &mut bob, &room::who(&room), &want)?;
    }
    say(
        ctx,
        &mut bob,
        &room,
        b"nothing came before this",
        &mut [&mut alice],
    )
    .map_err(|f| f.noting("EVENT TOPIC goes to the other members, not the one who set it"))?;
    Ok(())
}

fn topic_not_operator(ctx: &Ctx) -> CheckResult {
    let (alice, mut bob, room) = founded(ctx, "mine")?;
    let why = "bob is a member, alice the operator";
    let op = alice.name.clone();
    for command in [
        room::topic(&room, Some("bob's now")),
        room::kick(&op, &room, None),
    ] {
        refused(ctx, &mut bob, &command, ErrorCode::NotRoomOperator, why)?;
    }
    let lobby = room::topic(LOBBY, Some("everyone's"));
    refused(
        ctx,
        &mut bob,
        &lobby,
        ErrorCode::NotRoomOperator,
        "the lobby has no operator",
    )?;
    Ok(())
}

fn topic_too_long(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let room = fresh_room(ctx, "long");
    enter(ctx, &mut alice, &room, &mut [])?;
    let at_limit = "\u{e9}".repeat(150);
    let over = format!("{at_limit}x");
    let command = room::topic(&room, Some(&over));
    refused(
        ctx,
        &mut alice,
        &command,
        ErrorCode::TopicTooLong,
        "a topic of 301 bytes, 151 characters",
    )?;
    ask(
        ctx,
        &mut alice,
        &room::topic(&room, Some(&at_limit)),
        &room::topic_set(&room),
    )
    .map_err(|f| f.noting("300 bytes is the limit, and within it"))?;
    let op = alice.name.clone();
    let want = room::who_reply(&room, Some(&op), Some(&at_limit), &[&op]);
    ask(ctx, &mut alice, &room::who(&room), &want)?;
    Ok(())
}

fn no_such_room(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let room = fresh_room(ctx, "nowhere");
    let me = alice.name.clone();
    for command in [
        room::part(&room),
        room::who(&room),
        room::topic(&room, Some("anyone?")),
        room::kick(&me, &room, None),
        exact::send(&room, b"anyone?"),
    ] {
        refused(
            ctx,
            &mut alice,
            &command,
            ErrorCode::NoSuchRoom,
            "no one made that room",
        )?;
    }
    Ok(())
}

fn bad_name(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let base = ctx.fresh_name("bad");
    let long = format!("#{base}{}", "x".repeat(33usize.saturating_sub(base.len())));
    for name in [
        base.clone(),
        format!("#{base}.x"),
        long,
        format!("#{base} x"),
        "#".to_string(),
    ] {
        let why = format!("{name:?} is not a room name");
        refused(
            ctx,
            &mut alice,
            &room::join(&name),
            ErrorCode::MalformedRoomName,
            &why,
        )?;
    }
    Ok(())
}

fn lobby_part(ctx: &Ctx) -> CheckResult {
    let mut alice = member(ctx, "alice")?;
    let part = room::part(LOBBY);
    refused(
        ctx,
        &mut alice,
        &part,
        ErrorCode::CannotLeaveLobby,
        "nobody leaves the lobby",
    )?;
    ask(ctx, &mut alice, &room::join(LOBBY), &room::joined(LOBBY))?;
    Ok(())
}
