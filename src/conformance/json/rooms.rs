//! Part 8 on the JSON protocol: the `rooms` extension's packets, one check per rule, byte for
//! byte. Every member asks for `["rooms"]` in its hello; a server whose answer grants less
//! (a `welcome` without it, or no `welcome` at all: a server of the seed) has no Part 8, and
//! the check is skipped, saying what was granted. Room names are unique to the run and the
//! check, so checks run side by side and against a server that keeps its rooms.
//!
//! The limits (`too-many-rooms`, `room-full`, `room-limit`, `topic-too-long`) depend on the
//! server's settings and are left to the two-socket kit (`topic-too-long`) or unchecked.

use super::exact;
use super::kit::Ctx;
use super::room_kit::{
    ask, enter, entry_of, founded, fresh_room, member, nothing_before, refused, LOBBY,
};
use super::{Check, CheckResult};
use serde_json::Value;

pub const CHECKS: &[Check] = &[
    Check::part8(
        "rooms.join",
        "Part 8, JSON rooms: join is answered by {\"type\":\"join\",\"nick\",\"room\"} to every member, the joiner included",
        "the creator gets its own join with room; a second joiner gets its own, and the creator gets it; a user outside gets neither",
        join,
    ),
    Check::part8(
        "rooms.chat",
        "Part 8, JSON rooms: a chat with a room reaches every member as {\"type\":\"chat\",\"nick\",\"room\",\"message\"}, the sender included (its echo)",
        "a room chat comes back to its sender and reaches the other member, room included, byte-exact",
        chat,
    ),
    Check::part8(
        "rooms.chat-members-only",
        "Part 8, JSON rooms: a room's chat reaches its members and no one else (a client without rooms sees none of it)",
        "a user with rooms outside the room and a plain client get nothing before a later lobby chat",
        chat_members_only,
    ),
    Check::part8(
        "rooms.who",
        "Part 8, JSON rooms: who is answered {\"type\":\"who\",\"room\",\"operator\",\"nicks\"}, the operator the creator, the nicks sorted; member or not",
        "a non-member's who of a room joined pat, rita, quinn is operator pat, nicks pat quinn rita",
        who,
    ),
    Check::part8(
        "rooms.list",
        "Part 8, JSON rooms: rooms lists the lobby first, then by name, {\"room\",\"members\",\"topic\"} each (topic only when there is one); an empty room stays, with 0 members",
        "the rooms answer has #lobby first, then every room sorted, the check's as {..,\"members\":2,\"topic\":...} and {..,\"members\":0}",
        list,
    ),
    Check::part8(
        "rooms.topic",
        "Part 8, JSON rooms: topic by the operator reaches every member, the setter included, as {\"type\":\"topic\",\"room\",\"nick\",\"topic\"}; \"\" clears it; who shows it",
        "the operator sets a topic then clears it: both members get each topic packet, who shows the topic then none",
        topic,
    ),
    Check::part8(
        "rooms.topic-not-operator",
        "Part 8, JSON rooms: topic or kick by a member who is not the operator is the error not-operator",
        "a member's topic and kick in a room it did not create are not-operator each",
        topic_not_operator,
    ),
    Check::part8(
        "rooms.kick",
        "Part 8, JSON rooms: kick reaches every member, both included, then (to those left) the leave with reason kicked: the kicker's answer is that pair",
        "the kicker gets kick then leave kicked, the kicked one kick only, a third member kick then leave; who lists the two left",
        kick,
    ),
    Check::part8(
        "rooms.part",
        "Part 8, JSON rooms: part is answered by the leave with reason part, to every member, the one leaving included",
        "both members get {\"type\":\"leave\",..,\"reason\":\"part\"}; the leaver then gets no room chat",
        part,
    ),
    Check::part8(
        "rooms.no-such-room",
        "Part 8, JSON rooms: a packet about a room that does not exist is the error no-such-room",
        "who, part, topic, kick and a chat to a room no one made are no-such-room each",
        no_such_room,
    ),
    Check::part8(
        "rooms.bad-room",
        "Part 8, JSON rooms: a room name that breaks the rule (# and 1 to 32 letters, digits, - or _) is the error bad-room",
        "join of a name without #, with a dot, with 33 characters, and of # alone are bad-room each",
        bad_room,
    ),
    Check::part8(
        "rooms.lobby",
        "Part 8, JSON rooms: part of #lobby is the error lobby; a chat with \"room\":\"#lobby\" is one without a room",
        "part #lobby is lobby; a chat to #lobby reaches a plain client and comes back as a chat without room",
        lobby,
    ),
];

fn join(ctx: &Ctx) -> CheckResult {
    let (mut rita, r) = member(ctx, "rita", &mut [])?;
    let (mut pat, p) = member(ctx, "pat", &mut [&mut rita])?;
    let (mut quinn, q) = member(ctx, "quinn", &mut [&mut rita, &mut pat])?;
    let room = fresh_room(ctx, "join");
    enter(ctx, &mut pat, &p, &room, &mut [])?;
    enter(ctx, &mut quinn, &q, &room, &mut [&mut pat])?;
    let why = "a room's joins go to its members only";
    nothing_before(ctx, &mut rita, &r, &mut [&mut pat, &mut quinn], why)?;
    Ok(())
}

fn chat(ctx: &Ctx) -> CheckResult {
    let ((mut pat, p), (mut quinn, _), room) = founded(ctx, "chat")?;
    pat.send_packet(&exact::chat_in(&room, "hi"))?;
    let said = exact::said_in(&p, &room, "hi");
    pat.expect(&said, ctx.reply())
        .map_err(|f| f.noting("the sender's echo"))?;
    quinn.expect(&said, ctx.reply())?;
    Ok(())
}

fn chat_members_only(ctx: &Ctx) -> CheckResult {
    let (mut sam, _) = ctx.join("sam", &mut [])?;
    let (mut rita, r) = member(ctx, "rita", &mut [&mut sam])?;
    let (mut pat, p) = member(ctx, "pat", &mut [&mut sam, &mut rita])?;
    let (mut quinn, q) = member(ctx, "quinn", &mut [&mut sam, &mut rita, &mut pat])?;
    let room = fresh_room(ctx, "club");
    enter(ctx, &mut pat, &p, &room, &mut [])?;
    enter(ctx, &mut quinn, &q, &room, &mut [&mut pat])?;
    pat.send_packet(&exact::chat_in(&room, "members only"))?;
    let said = exact::said_in(&p, &room, "members only");
    pat.expect(&said, ctx.reply())?;
    quinn.expect(&said, ctx.reply())?;
    let why = "a room's chat reaches its members only";
    nothing_before(
        ctx,
        &mut rita,
        &r,
        &mut [&mut sam, &mut pat, &mut quinn],
        why,
    )?;
    Ok(())
}

fn who(ctx: &Ctx) -> CheckResult {
    let (mut sam, _) = member(ctx, "sam", &mut [])?;
    let (mut pat, p) = member(ctx, "pat", &mut [&mut sam])?;
    let (mut rita, r) = member(ctx, "rita", &mut [&mut sam, &mut pat])?;
    let (mut quinn, q) = member(ctx, "quinn", &mut [&mut sam, &mut pat, &mut rita])?;
    let room = fresh_room(ctx, "who");
    enter(ctx, &mut pat, &p, &room, &mut [])?;
    enter(ctx, &mut rita, &r, &room, &mut [&mut pat])?;
    enter(ctx, &mut quinn, &q, &room, &mut [&mut pat, &mut rita])?;
    let want = exact::who_reply(&room, Some(&p), None, &[&p, &q, &r]);
    ask(ctx, &mut sam, &exact::who(&room), &want)
        .map_err(|f| f.noting("asked by a non-member: nicks sorted, the creator operator"))?;
    Ok(())
}

fn list(ctx: &Ctx) -> CheckResult {
    let (mut pat, p) = member(ctx, "pat", &mut [])?;
    let (mut quinn, q) = member(ctx, "quinn", &mut [&mut pat])?;
    let (busy, empty) = (fresh_room(ctx, "busy"), fresh_room(ctx, "empty"));
    enter(ctx, &mut pat, &p, &busy, &mut [])?;
    enter(ctx, &mut quinn, &q, &busy, &mut [&mut pat])?;
    let set = exact::topic_from(&busy, &p, "Rust, mostly");
    ask(ctx, &mut pat, &exact::topic(&busy, "Rust, mostly"), &set)?;
    quinn.expect(&set, ctx.reply())?;
    enter(ctx, &mut quinn, &q, &empty, &mut [])?;
    let parted = exact::left_room(&q, &empty, "part");
    ask(ctx, &mut quinn, &exact::part(&empty), &parted)?;

    pat.send_packet(exact::ROOMS)?;
    let got = pat.packet(ctx.reply())?;
    // Other rooms may be listed (other checks', earlier runs'): the expected answer keeps
    // them, with the lobby and the check's own rooms as Part 8 writes them.
    let listed = got
        .value
        .as_ref()
        .and_then(|v| v.get("rooms"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let lobby = listed
        .first()
        .and_then(entry_of)
        .filter(|(name, members, _)| name == LOBBY && *members >= 2)
        .map_or_else(|| exact::room_entry(LOBBY, 2, None), |(_, _, e)| e);
    let mut entries: Vec<(String, String)> = listed
        .iter()
        .filter_map(entry_of)
        .filter(|(n, _, _)| ![LOBBY, busy.as_str(), empty.as_str()].contains(&n.as_str()))
        .map(|(n, _, e)| (n, e))
        .collect();
    entries.push((
        busy.clone(),
        exact::room_entry(&busy, 2, Some("Rust, mostly")),
    ));
    entries.push((empty.clone(), exact::room_entry(&empty, 0, None)));
    entries.sort();
    let mut all = vec![lobby];
    all.extend(entries.into_iter().map(|(_, e)| e));
    pat.judge(&got, &exact::rooms(&all)).map_err(|f| {
        f.noting("the lobby first, with everyone online (at least 2 here), then every room by name")
    })?;
    Ok(())
}

fn topic(ctx: &Ctx) -> CheckResult {
    let ((mut pat, p), (mut quinn, q), room) = founded(ctx, "topic")?;
    for topic in ["Rust, mostly", ""] {
        let set = exact::topic_from(&room, &p, topic);
        pat.send_packet(&exact::topic(&room, topic))?;
        pat.expect(&set, ctx.reply())
            .map_err(|f| f.noting("the setter is told too"))?;
        quinn.expect(&set, ctx.reply())?;
        let shown = Some(topic).filter(|t| !t.is_empty());
        let want = exact::who_reply(&room, Some(&p), shown, &[&p, &q]);
        ask(ctx, &mut quinn, &exact::who(&room), &want)?;
    }
    Ok(())
}

fn topic_not_operator(ctx: &Ctx) -> CheckResult {
    let ((_pat, p), (mut quinn, _), room) = founded(ctx, "mine")?;
    refused(
        ctx,
        &mut quinn,
        &exact::topic(&room, "quinn's now"),
        "not-operator",
    )?;
    refused(
        ctx,
        &mut quinn,
        &exact::kick(&p, &room, "mine"),
        "not-operator",
    )?;
    Ok(())
}

fn kick(ctx: &Ctx) -> CheckResult {
    let ((mut pat, p), (mut quinn, q), room) = founded(ctx, "kick")?;
    let (mut rita, r) = member(ctx, "rita", &mut [&mut pat, &mut quinn])?;
    enter(ctx, &mut rita, &r, &room, &mut [&mut pat, &mut quinn])?;
    pat.send_packet(&exact::kick(&q, &room, "spam"))?;
    let kicked = exact::kicked(&q, &room, &p, "spam");
    let left = exact::left_room(&q, &room, "kicked");
    for conn in [&mut pat, &mut rita] {
        conn.expect(&kicked, ctx.reply())?;
        conn.expect(&left, ctx.reply())
            .map_err(|f| f.noting("the kick, then the leave it made"))?;
    }
    quinn
        .expect(&kicked, ctx.reply())
        .map_err(|f| f.noting("the kicked one is told"))?;
    let want = exact::who_reply(&room, Some(&p), None, &[&p, &r]);
    ask(ctx, &mut pat, &exact::who(&room), &want)?;
    let why = "the kicked one is out before the leave";
    nothing_before(ctx, &mut rita, &r, &mut [&mut quinn, &mut pat], why)?;
    Ok(())
}

fn part(ctx: &Ctx) -> CheckResult {
    let ((mut pat, p), (mut quinn, q), room) = founded(ctx, "part")?;
    let left = exact::left_room(&q, &room, "part");
    quinn.send_packet(&exact::part(&room))?;
    quinn
        .expect(&left, ctx.reply())
        .map_err(|f| f.noting("the one leaving is answered with its leave"))?;
    pat.expect(&left, ctx.reply())?;
    ask(
        ctx,
        &mut pat,
        &exact::chat_in(&room, "alone"),
        &exact::said_in(&p, &room, "alone"),
    )?;
    nothing_before(ctx, &mut pat, &p, &mut [&mut quinn], "quinn left the room")?;
    Ok(())
}

fn no_such_room(ctx: &Ctx) -> CheckResult {
    let (mut pat, p) = member(ctx, "pat", &mut [])?;
    let room = fresh_room(ctx, "nowhere");
    for packet in [
        exact::who(&room),
        exact::part(&room),
        exact::topic(&room, "anyone?"),
        exact::kick(&p, &room, "anyone?"),
        exact::chat_in(&room, "anyone?"),
    ] {
        refused(ctx, &mut pat, &packet, "no-such-room")?;
    }
    Ok(())
}

fn bad_room(ctx: &Ctx) -> CheckResult {
    let (mut pat, _) = member(ctx, "pat", &mut [])?;
    let base = ctx.nick("bad");
    let long = format!("#{base}{}", "x".repeat(33usize.saturating_sub(base.len())));
    for name in [base.clone(), format!("#{base}.x"), long, "#".to_string()] {
        refused(ctx, &mut pat, &exact::join_room(&name), "bad-room")?;
    }
    Ok(())
}

fn lobby(ctx: &Ctx) -> CheckResult {
    let (mut sam, _) = ctx.join("sam", &mut [])?;
    let (mut pat, p) = member(ctx, "pat", &mut [&mut sam])?;
    refused(ctx, &mut pat, &exact::part(LOBBY), "lobby")?;
    pat.send_packet(&exact::chat_in(LOBBY, "everyone"))?;
    let said = exact::said(&p, "everyone");
    pat.expect(&said, ctx.reply())
        .map_err(|f| f.noting("a chat to #lobby is one without a room"))?;
    sam.expect(&said, ctx.reply())?;
    Ok(())
}
