//! What the Part 8 checks stand on: members (users asking for `rooms`, skipped when the
//! server does not grant it), room names unique to the run and the check, and the exchanges
//! every check repeats: a command and its one reply, entering a room with the members told, a
//! room message delivered, and a direct message that must be the next thing a user gets.

use super::exact as room;
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::{exact, Failure, Verdict};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::thread;
use std::time::{Duration, Instant};

/// What every member asks for on both `REGISTER`s, and what a server with Part 8 grants.
pub const ASKED: &str = "rooms";
/// The room everyone is in.
pub const LOBBY: &str = "#lobby";
/// Between two `WHO`s while a server lets go of a user that left.
const POLL: Duration = Duration::from_millis(10);

/// A user asking for `rooms` (a fresh name from `base`); skipped when it is not granted.
pub fn member(ctx: &Ctx, base: &str) -> Result<User, Verdict> {
    ctx.join_asking(base, ASKED)
}

/// A user with no extensions (a fresh name from `base`), both sockets registered as Part 1
/// says.
pub fn plain(ctx: &Ctx, base: &str) -> Result<User, Failure> {
    let name = ctx.fresh_name(base);
    let tosend = ctx.register(&name, Role::ToSend)?;
    let torecv = ctx.register(&name, Role::ToRecv)?;
    Ok(User::from_parts(name, tosend, torecv, ctx))
}

/// A room name no other check or run uses: `#`, `base`, a number, the check's tag.
pub fn fresh_room(ctx: &Ctx, base: &str) -> String {
    format!("#{}", ctx.fresh_name(base))
}

/// Alice and bob (fresh names), in a new room (a fresh name from `base`) that alice made,
/// so she is its operator; she was told of bob's join.
pub fn founded(ctx: &Ctx, base: &str) -> Result<(User, User, String), Verdict> {
    let mut alice = member(ctx, "alice")?;
    let mut bob = member(ctx, "bob")?;
    let room = fresh_room(ctx, base);
    enter(ctx, &mut alice, &room, &mut [])?;
    enter(ctx, &mut bob, &room, &mut [&mut alice])?;
    Ok((alice, bob, room))
}

/// `user` sends `command` on TOSEND and gets exactly `reply` there.
pub fn ask(ctx: &Ctx, user: &mut User, command: &[u8], reply: &[u8]) -> Result<(), Failure> {
    user.tosend.send(command)?;
    user.tosend.expect(reply, ctx.reply())
}

/// `user` sends `command` and gets exactly `ERROR <code>`; `why` says when it is due.
pub fn refused(
    ctx: &Ctx,
    user: &mut User,
    command: &[u8],
    code: ErrorCode,
    why: &str,
) -> Result<(), Failure> {
    ask(ctx, user, command, &exact::error(code)).map_err(|f| f.noting(why))
}

/// `user` joins `room` (`JOINED`), and each of `members` (already in it) is told
/// (`EVENT JOIN` with `Room:`).
pub fn enter(
    ctx: &Ctx,
    user: &mut User,
    room: &str,
    members: &mut [&mut User],
) -> Result<(), Failure> {
    ask(ctx, user, &room::join(room), &room::joined(room))?;
    let told = room::joined_event(&user.name, room);
    for member in members {
        member
            .torecv
            .expect(&told, ctx.reply())
            .map_err(|f| f.noting("a join is told to the room's other members"))?;
    }
    Ok(())
}

/// `from` sends `body` to `room`; each of `members` (the others in it) gets the forward with
/// `Room:` and acknowledges it; then `from` gets its success reply.
pub fn say(
    ctx: &Ctx,
    from: &mut User,
    room: &str,
    body: &[u8],
    members: &mut [&mut User],
) -> Result<(), Failure> {
    from.send(room, body)?;
    let forward = room::forward(&from.name, room, body);
    for member in members.iter_mut() {
        member.torecv.expect(&forward, ctx.reply())?;
        member.ack(&from.name)?;
    }
    from.expect_sent(ctx, room)
}

/// `from` sends `to` a direct message, which must be the next thing on `to`'s TORECV:
/// whatever `why` rules out did not come before it.
pub fn nothing_before(ctx: &Ctx, from: &mut User, to: &mut User, why: &str) -> Result<(), Failure> {
    from.deliver(ctx, to, b"nothing came before this")
        .map_err(|f| f.noting(why))
}

/// `asker` asks `WHO <room>` until the answer is `want`, for at most a reply timeout (a
/// server may take a moment to let go of a user whose sockets closed).
pub fn who_until(
    ctx: &Ctx,
    asker: &mut User,
    room: &str,
    want: &[u8],
    why: &str,
) -> Result<(), Failure> {
    let deadline = Instant::now() + ctx.reply();
    loop {
        asker.tosend.send(&room::who(room))?;
        let (_, got) = asker.tosend.next_message(ctx.reply())?;
        if got == want {
            return Ok(());
        }
        if Instant::now() >= deadline {
            let what = format!("{}: {why}", asker.tosend.label());
            return Err(Failure::bytes(what, want, &got));
        }
        thread::sleep(POLL);
    }
}
