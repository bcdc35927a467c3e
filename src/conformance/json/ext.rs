//! Our Part 4's extensions: `welcome` granting what was asked for (before the joiner's own
//! `join`), direct messages, emotes, the user list, leaves with a reason, and what a client
//! that asked for nothing gets instead: exactly the seed's packets.

use super::conn::Packet;
use super::exact;
use super::kit::Ctx;
use super::{Check, CheckResult};
use crate::conformance::Failure;
use serde_json::Value;

/// Every extension, in our order: what a client asking for all of them is granted.
const ALL: &str = r#"["dm","emote","users","events"]"#;

pub const CHECKS: &[Check] = &[
    Check::ours(
        "ext.welcome",
        "Part 4, extensions: the server answers a hello with extensions with welcome, before the joiner's own join, naming the ones asked for that it knows, in its order",
        "asking for events, bogus, users, dm, emote gets welcome with dm, emote, users, events, then join; asking for users gets users",
        welcome,
    ),
    Check::ours(
        "ext.seed-packets-only",
        "Part 4, extensions: a client that asked for nothing gets no welcome and exactly the seed's packets (plus error)",
        "a plain client sees only join, chat and leave while a client with every extension emotes, sends it a dm and leaves",
        seed_packets_only,
    ),
    Check::ours(
        "ext.dm",
        "Part 4, dm: a message to one user, sent to the recipient and echoed to the sender",
        "a dm reaches its recipient and comes back to its sender as {\"type\":\"dm\",...}; a third user gets nothing",
        dm,
    ),
    Check::ours(
        "ext.dm-no-such-user",
        "Part 4, errors: no-such-user for a dm to nobody online; the connection stays open",
        "a dm to a nick nobody has is no-such-user, and the sender chats on",
        dm_no_such_user,
    ),
    Check::ours(
        "ext.dm-fallback",
        "Part 4, extensions: a dm to a client without dm arrives as a chat whose nick reads \"pat -> chris\"",
        "a dm to a plain client arrives as {\"type\":\"chat\",\"nick\":\"<from> -> <to>\",...}",
        dm_fallback,
    ),
    Check::ours(
        "ext.emote",
        "Part 4, emote: an action, sent to everyone, the sender included",
        "an emote reaches another emote client and comes back to its sender as {\"type\":\"emote\",...}",
        emote,
    ),
    Check::ours(
        "ext.emote-fallback",
        "Part 4, extensions: an emote to a client without emote arrives as a chat \"/me ...\"",
        "an emote reaches a plain client as {\"type\":\"chat\",\"nick\":...,\"message\":\"/me waves\"}",
        emote_fallback,
    ),
    Check::ours(
        "ext.users",
        "Part 4, users: {\"type\":\"users\"} is answered with everyone online, sorted",
        "the users answer holds the check's three nicks, and the whole list is sorted",
        users,
    ),
    Check::ours(
        "ext.leave-reason",
        "Part 4, events: a leave with its reason (disconnected for a close); clients without events get the seed's leave",
        "a close reaches an events client as leave with reason disconnected, a plain one as the seed's leave",
        leave_reason,
    ),
];

fn welcome(ctx: &Ctx) -> CheckResult {
    let (mut bob, _) = ctx.join("bob", &mut [])?;
    let asked = r#"["events","bogus","users","dm","emote"]"#;
    let (mut pat, _) = ctx.join_asking("pat", asked, ALL, &mut [&mut bob])?;
    let users = r#"["users"]"#;
    ctx.join_asking("quinn", users, users, &mut [&mut bob, &mut pat])?;
    Ok(())
}

fn seed_packets_only(ctx: &Ctx) -> CheckResult {
    let (mut chris, chris_nick) = ctx.join("chris", &mut [])?;
    let (mut pat, nick) = ctx.join_asking("pat", ALL, ALL, &mut [&mut chris])?;
    pat.send_packet(&exact::emote("waves"))?;
    pat.expect(&exact::emote_from(&nick, "waves"), ctx.reply())?;
    chris.expect(&exact::said(&nick, "/me waves"), ctx.reply())?;
    pat.send_packet(&exact::dm(&chris_nick, "hi"))?;
    pat.expect(&exact::dm_from(&nick, &chris_nick, "hi"), ctx.reply())?;
    let shown = format!("{nick} -> {chris_nick}");
    chris.expect(&exact::said(&shown, "hi"), ctx.reply())?;
    pat.send_packet(exact::USERS)?;
    is_users(&pat.packet(ctx.reply())?, pat.label())?;
    pat.close();
    chris.expect(&exact::leave(&nick), ctx.reply())?;
    Ok(())
}

fn dm(ctx: &Ctx) -> CheckResult {
    let (mut dave, dave_nick) = ctx.join("dave", &mut [])?;
    let dm_only = r#"["dm"]"#;
    let (mut chris, to) = ctx.join_asking("chris", dm_only, dm_only, &mut [&mut dave])?;
    let (mut pat, nick) = ctx.join_asking("pat", dm_only, dm_only, &mut [&mut dave, &mut chris])?;
    pat.send_packet(&exact::dm(&to, "psst"))?;
    let sent = exact::dm_from(&nick, &to, "psst");
    chris.expect(&sent, ctx.reply())?;
    pat.expect(&sent, ctx.reply())?;
    // Had dave been sent the dm too, it would come before his own chat.
    ctx.chat(&mut dave, &dave_nick, "marker", &mut [&mut chris, &mut pat])?;
    Ok(())
}

fn dm_no_such_user(ctx: &Ctx) -> CheckResult {
    let dm_only = r#"["dm"]"#;
    let (mut pat, nick) = ctx.join_asking("pat", dm_only, dm_only, &mut [])?;
    pat.send_packet(&exact::dm(&ctx.nick("nobody"), "anyone?"))?;
    pat.expect_error("no-such-user", ctx.reply())?;
    ctx.chat(&mut pat, &nick, "still here", &mut [])?;
    Ok(())
}

fn dm_fallback(ctx: &Ctx) -> CheckResult {
    let (mut chris, to) = ctx.join("chris", &mut [])?;
    let dm_only = r#"["dm"]"#;
    let (mut pat, nick) = ctx.join_asking("pat", dm_only, dm_only, &mut [&mut chris])?;
    pat.send_packet(&exact::dm(&to, "hi"))?;
    chris.expect(&exact::said(&format!("{nick} -> {to}"), "hi"), ctx.reply())?;
    pat.expect(&exact::dm_from(&nick, &to, "hi"), ctx.reply())?;
    Ok(())
}

fn emote(ctx: &Ctx) -> CheckResult {
    let only = r#"["emote"]"#;
    let (mut erin, _) = ctx.join_asking("erin", only, only, &mut [])?;
    let (mut pat, nick) = ctx.join_asking("pat", only, only, &mut [&mut erin])?;
    pat.send_packet(&exact::emote("waves"))?;
    let emoted = exact::emote_from(&nick, "waves");
    erin.expect(&emoted, ctx.reply())?;
    pat.expect(&emoted, ctx.reply())?;
    Ok(())
}

fn emote_fallback(ctx: &Ctx) -> CheckResult {
    let (mut chris, _) = ctx.join("chris", &mut [])?;
    let only = r#"["emote"]"#;
    let (mut pat, nick) = ctx.join_asking("pat", only, only, &mut [&mut chris])?;
    pat.send_packet(&exact::emote("waves"))?;
    chris.expect(&exact::said(&nick, "/me waves"), ctx.reply())?;
    pat.expect(&exact::emote_from(&nick, "waves"), ctx.reply())?;
    Ok(())
}

/// The nicks of a `users` answer, failing unless it is one (its bytes exact by the kit's
/// template for the nicks it lists).
fn is_users(packet: &Packet, label: &str) -> Result<Vec<String>, Failure> {
    let nicks: Option<Vec<String>> = packet
        .value
        .as_ref()
        .filter(|_| packet.kind() == Some("users"))
        .and_then(|v| v.get("nicks"))
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(|n| n.as_str().map(str::to_string)).collect());
    let listed: Vec<&str> = nicks.iter().flatten().map(String::as_str).collect();
    let want = exact::users(&listed);
    match nicks {
        Some(nicks) if packet.payload() == want.as_bytes() => Ok(nicks),
        _ => Err(Failure::bytes(
            format!("{label}: not a users answer"),
            &exact::frame(want.as_bytes()),
            &packet.frame,
        )),
    }
}

fn users(ctx: &Ctx) -> CheckResult {
    let (mut carol, carol_nick) = ctx.join("carol", &mut [])?;
    let (mut alice, alice_nick) = ctx.join("alice", &mut [&mut carol])?;
    let only = r#"["users"]"#;
    let (mut ursula, nick) =
        ctx.join_asking("ursula", only, only, &mut [&mut carol, &mut alice])?;
    ursula.send_packet(exact::USERS)?;
    let packet = ursula.packet(ctx.reply())?;
    let listed = is_users(&packet, &nick)?;
    let mine: Vec<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|n| n.ends_with(ctx.tag()))
        .collect();
    let want = [alice_nick.as_str(), carol_nick.as_str(), nick.as_str()];
    let mut sorted = listed.clone();
    sorted.sort();
    if mine != want || sorted != listed {
        let expected = exact::users(&want);
        return Err(Failure::bytes(
            format!("{nick}: the users answer lacks the check's nicks, or is not sorted (other nicks online are allowed)"),
            &exact::frame(expected.as_bytes()),
            &packet.frame,
        )
        .into());
    }
    Ok(())
}

fn leave_reason(ctx: &Ctx) -> CheckResult {
    let events = r#"["events"]"#;
    let (mut erin, _) = ctx.join_asking("erin", events, events, &mut [])?;
    let (mut chris, _) = ctx.join("chris", &mut [&mut erin])?;
    let (lou, nick) = ctx.join("lou", &mut [&mut erin, &mut chris])?;
    lou.close();
    erin.expect(&exact::leave_because(&nick, "disconnected"), ctx.reply())?;
    chris.expect(&exact::leave(&nick), ctx.reply())?;
    Ok(())
}
