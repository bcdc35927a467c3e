//! Part 5, `history`: what a user may read back (every message to everyone, and its own direct
//! messages both ways, never others'), oldest first, in the protocol's framing byte for byte,
//! and paged with `Before:`, `After:` and `Limit:`.
//!
//! Each check learns the ids of its messages from the forwards (with `offline`, every forward
//! carries `Id:`) and asks for the page after the first of them, so no earlier message is on
//! it; only `history.visible` sends to everyone, and it runs alone, so no other check's
//! message to everyone can be on another check's page.

use super::kit::{self, join, page_entries};
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::server::{Check, CheckResult};
use crate::conformance::{exact, Failure, Verdict};

pub const CHECKS: &[Check] = &[
    Check::part5(
        "history.visible",
        "Part 5, history: a user sees every message to everyone and the direct messages it sent or received, and no one else's",
        "HISTORY holds a message to everyone and the reader's direct messages both ways, not one between two others",
        visible,
    )
    // It sends to everyone: no other check's users may be online.
    .alone(),
    Check::part5(
        "history.oldest-first",
        "Part 5, history: the entries of a page are oldest first",
        "after three direct messages, HISTORY After: lists them in the order they were sent",
        oldest_first,
    ),
    Check::part5(
        "history.entry-framing",
        "Part 5, history: HISTORY <count>\\nContent-length: <n>\\n\\n<entries>, each ENTRY <id> <from> <to>\\nContent-length: <n>\\nTime: <RFC 3339>\\n\\n<body>",
        "a page with a UTF-8 body and an empty one is byte-exact: lengths in bytes, Time: RFC 3339",
        entry_framing,
    ),
    Check::part5(
        "history.paging",
        "Part 5, history: Limit: caps a page; After: pages forward from the oldest after an id, Before: back from the newest before one, neither: the newest",
        "After: with Limit: 2, Before: with Limit: 1, and Limit: 2 alone each get exactly their entries",
        paging,
    ),
];

/// An entry the kit expects: its id, sender, recipient (`ALL` for everyone) and body.
struct Want<'a> {
    id: u64,
    from: &'a str,
    to: &'a str,
    body: &'a [u8],
}

/// `user` asks for a page with `before`, `after` and `limit`, and gets exactly `wants`, in
/// order. An entry's `Time:` cannot be known in advance: the kit takes each from the page,
/// after checking that it is RFC 3339.
fn expect_page(
    ctx: &Ctx,
    user: &mut User,
    query: (Option<u64>, Option<u64>, Option<usize>),
    wants: &[Want],
) -> Result<(), Failure> {
    let (before, after, limit) = query;
    let request = exact::history(before, after, limit);
    user.tosend.send(&request)?;
    let (_, got) = user.tosend.next_message(ctx.reply())?;
    let body_at = got
        .windows(2)
        .position(|w| w == b"\n\n")
        .map_or(0, |at| at + 2);
    let mut entries = Vec::new();
    for want in wants {
        let head = format!(
            "ENTRY {} {} {}\nContent-length: {}\nTime: ",
            want.id,
            want.from,
            want.to,
            want.body.len()
        );
        let at = body_at + entries.len() + head.len();
        let time = got
            .get(at..)
            .and_then(|rest| rest.split(|&b| b == b'\n').next())
            .and_then(|t| std::str::from_utf8(t).ok())
            .filter(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
            .unwrap_or("<RFC 3339 time>");
        entries.extend(exact::entry(want.id, want.from, want.to, time, want.body));
    }
    let page = exact::history_page(wants.len(), &entries);
    if got != page {
        let what = format!(
            "{}: not the page asked for ({})",
            user.tosend.label(),
            String::from_utf8_lossy(&request).trim().replace('\n', ", ")
        );
        return Err(Failure::bytes(what, &page, &got));
    }
    Ok(())
}

fn visible(ctx: &Ctx) -> CheckResult {
    let (mut alice, mut bob) = (join(ctx, "alice")?, join(ctx, "bob")?);
    let mut carol = join(ctx, "carol")?;
    for user in [&alice, &bob, &carol] {
        ctx.joined(&user.name);
    }
    let one = kit::deliver(ctx, &mut bob, &mut alice, b"to alice")?;
    let secret = kit::deliver(ctx, &mut bob, &mut carol, b"not for alice")?;
    let three = kit::deliver(ctx, &mut alice, &mut bob, b"from alice")?;
    carol.send("ALL", b"to everyone")?;
    let four = kit::expect_forward(ctx, &mut alice, &carol.name, b"to everyone", false)?;
    kit::expect_forward(ctx, &mut bob, &carol.name, b"to everyone", false)?;
    alice.ack(&carol.name)?;
    bob.ack(&carol.name)?;
    carol.expect_sent(ctx, "ALL")?;
    let request = exact::history(None, Some(one.saturating_sub(1)), None);
    alice.tosend.send(&request)?;
    let (_, page) = alice.tosend.next_message(ctx.reply())?;
    let ids: Option<Vec<u64>> = page_entries(&page).map(|e| e.iter().map(|e| e.0).collect());
    let mut sorted = ids.clone().unwrap_or_default();
    sorted.sort_unstable();
    let want = [one, three, four];
    if ids.is_none() || sorted != want {
        let leaked = if sorted.contains(&secret) {
            format!(" (id {secret} is bob's message to carol)")
        } else {
            String::new()
        };
        let what = format!("alice's page holds the ids {ids:?}, not {want:?}{leaked}");
        let mut failure = Failure::new(what);
        failure.received = Some(page);
        return Err(failure.into());
    }
    for user in [alice, bob, carol] {
        kit::quit(ctx, user)?;
    }
    Ok(())
}

/// The reader alice and bob, and three direct messages between them (bob's, alice's, bob's):
/// their ids.
fn three_direct(ctx: &Ctx, bodies: [&[u8]; 3]) -> Result<([u64; 3], User, User), Verdict> {
    let (mut alice, mut bob) = (join(ctx, "alice")?, join(ctx, "bob")?);
    let first = kit::deliver(ctx, &mut bob, &mut alice, bodies[0])?;
    let second = kit::deliver(ctx, &mut alice, &mut bob, bodies[1])?;
    let third = kit::deliver(ctx, &mut bob, &mut alice, bodies[2])?;
    Ok(([first, second, third], alice, bob))
}

fn oldest_first(ctx: &Ctx) -> CheckResult {
    let bodies: [&[u8]; 3] = [b"first", b"second", b"third"];
    let (ids, mut alice, bob) = three_direct(ctx, bodies)?;
    let (a, b) = (alice.name.clone(), bob.name.clone());
    let wants = [
        Want {
            id: ids[0],
            from: &b,
            to: &a,
            body: bodies[0],
        },
        Want {
            id: ids[1],
            from: &a,
            to: &b,
            body: bodies[1],
        },
        Want {
            id: ids[2],
            from: &b,
            to: &a,
            body: bodies[2],
        },
    ];
    expect_page(
        ctx,
        &mut alice,
        (None, Some(ids[0].saturating_sub(1)), None),
        &wants,
    )?;
    Ok(())
}

fn entry_framing(ctx: &Ctx) -> CheckResult {
    let utf8 = "h\u{e9}llo \u{2713} \u{4f60}\u{597d}\n\nENTRY 1 x ALL".as_bytes();
    let bodies: [&[u8]; 3] = [utf8, b"", b"x"];
    let (ids, mut alice, bob) = three_direct(ctx, bodies)?;
    let (a, b) = (alice.name.clone(), bob.name.clone());
    let wants = [
        Want {
            id: ids[0],
            from: &b,
            to: &a,
            body: bodies[0],
        },
        Want {
            id: ids[1],
            from: &a,
            to: &b,
            body: bodies[1],
        },
    ];
    expect_page(
        ctx,
        &mut alice,
        (None, Some(ids[0].saturating_sub(1)), Some(2)),
        &wants,
    )?;
    Ok(())
}

fn paging(ctx: &Ctx) -> CheckResult {
    let bodies: [&[u8]; 3] = [b"page one", b"page two", b"page three"];
    let (ids, mut alice, bob) = three_direct(ctx, bodies)?;
    let (a, b) = (alice.name.clone(), bob.name.clone());
    let want = |i: usize| {
        let (from, to) = if i == 1 { (&a, &b) } else { (&b, &a) };
        Want {
            id: ids[i],
            from,
            to,
            body: bodies[i],
        }
    };
    expect_page(
        ctx,
        &mut alice,
        (None, Some(ids[0].saturating_sub(1)), Some(2)),
        &[want(0), want(1)],
    )?;
    expect_page(ctx, &mut alice, (Some(ids[2]), None, Some(1)), &[want(1)])?;
    expect_page(ctx, &mut alice, (None, None, Some(2)), &[want(1), want(2)])?;
    Ok(())
}
