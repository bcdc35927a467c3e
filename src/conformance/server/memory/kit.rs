//! What the Part 5 checks stand on: users that ask for the chat's memory (and are skipped
//! when the server does not grant it), claiming a name and leaving in order, logging back in
//! with a password, and expectations for the messages that carry an id the server chose
//! (`STORED`, forwards with `Id:`, `EVENT DELIVERED`) or a time (history entries).
//!
//! A name a check claims is never expected to be free at once: every login retries while the
//! answer is `ERROR 104` (a correct server may hold a name until it has read a close), until a
//! reply timeout has passed.

use crate::conformance::peer::{Peer, READ_LIMITS};
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::{exact, show, Failure, Verdict};
use crate::wire::codes::ErrorCode;
use crate::wire::{self, Command, Role};
use std::thread;
use std::time::{Duration, Instant};

/// The extensions every user of these checks asks for, in the order of PROTOCOL.md Part 3:
/// what a server granting them all names in its `REGISTERED`. `quit` is how a user leaves in
/// order, so that the server has let go of it the moment its sockets close.
pub const ASKED: &str = "quit, auth, offline, history";
/// Between two `REGISTER`s of a name still held.
const RETRY_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause a server makes after wrong passwords (PROTOCOL.md Part 5).
pub const LONGEST_PAUSE: Duration = Duration::from_secs(60);
/// Between two attempts with the right password during that pause.
const PAUSE_POLL: Duration = Duration::from_millis(50);

/// A user asking for [`ASKED`] on both `REGISTER`s, a fresh name each call; skipped when
/// the server does not grant it all.
pub fn join(ctx: &Ctx, base: &str) -> Result<User, Verdict> {
    ctx.join_asking(base, ASKED)
}

/// The password a check gives `name`.
pub fn secret(name: &str) -> String {
    format!("s3cret-{name}")
}

/// `user` claims its name with `password`: `PASSWORD SET`.
pub fn claim(ctx: &Ctx, user: &mut User, password: &str) -> Result<(), Failure> {
    user.tosend.send(&exact::password(password))?;
    user.tosend.expect(exact::PASSWORD_SET, ctx.reply())
}

/// `user` leaves in order: `QUIT`, `BYE`, and the server closes TORECV once it has let go of
/// the user (whatever it still had for it is not judged here).
pub fn quit(ctx: &Ctx, mut user: User) -> Result<(), Failure> {
    user.tosend.send(exact::QUIT)?;
    user.tosend.expect(exact::BYE, ctx.reply())?;
    user.torecv.expect_closed_after_any(ctx.reply())?;
    Ok(())
}

/// A user called `base` (fresh), who claimed its name and left: the name and its password.
pub fn claimed(ctx: &Ctx, base: &str) -> Result<(String, String), Verdict> {
    let mut user = join(ctx, base)?;
    let password = secret(&user.name);
    claim(ctx, &mut user, &password)?;
    let name = user.name.clone();
    quit(ctx, user)?;
    Ok((name, password))
}

/// `name` logs back in with `password` on two new sockets (TOSEND first), retrying while the
/// name is still held.
pub fn login(ctx: &Ctx, name: &str, password: &str) -> Result<User, Failure> {
    let deadline = Instant::now() + ctx.reply();
    let mut sockets = Vec::new();
    for role in [Role::ToSend, Role::ToRecv] {
        let peer = ctx.connect(&format!("{name} {} again", role.as_str()))?;
        let held = [ErrorCode::UsernameTaken];
        sockets.push(login_on(ctx, peer, role, name, password, &held, deadline)?);
    }
    let torecv = sockets.pop().ok_or_else(|| Failure::new("no TORECV"))?;
    let tosend = sockets.pop().ok_or_else(|| Failure::new("no TOSEND"))?;
    Ok(User::from_parts(name.to_string(), tosend, torecv, ctx))
}

/// What one `REGISTER` with a password got.
pub enum Attempt {
    /// `REGISTERED`, granting [`ASKED`]: the socket is `role` of the name now.
    Registered(Peer),
    /// One of the refusals that may be tried again (the exact bytes of which), the socket
    /// still open.
    Refused(Peer, Vec<u8>),
}

/// Sends `REGISTER <role> <name>` with `password` (asking for [`ASKED`]) on `peer` and
/// expects `REGISTERED` or one of the `retry` errors.
pub fn attempt(
    ctx: &Ctx,
    mut peer: Peer,
    role: Role,
    name: &str,
    password: &str,
    retry: &[ErrorCode],
) -> Result<Attempt, Failure> {
    let registered = exact::registered_with(role, name, ASKED);
    let refusals: Vec<Vec<u8>> = retry.iter().map(|c| exact::error(*c)).collect();
    let mut wants: Vec<&[u8]> = vec![&registered];
    wants.extend(refusals.iter().map(Vec::as_slice));
    peer.send(&exact::register_with(
        role,
        name,
        Some(ASKED),
        Some(password),
    ))?;
    match peer.expect_any(&wants, ctx.reply())? {
        0 => Ok(Attempt::Registered(peer)),
        which => Ok(Attempt::Refused(peer, wants[which].to_vec())),
    }
}

/// Registers `peer` as `role` of `name` with `password`, sending it again on the same socket
/// while the answer is one of `retry`, until `deadline`.
pub fn login_on(
    ctx: &Ctx,
    mut peer: Peer,
    role: Role,
    name: &str,
    password: &str,
    retry: &[ErrorCode],
    deadline: Instant,
) -> Result<Peer, Failure> {
    loop {
        match attempt(ctx, peer, role, name, password, retry)? {
            Attempt::Registered(peer) => return Ok(peer),
            Attempt::Refused(again, _) if Instant::now() < deadline => {
                peer = again;
                thread::sleep(RETRY_PAUSE);
            }
            Attempt::Refused(peer, refusal) => {
                return Err(still_refused(&peer, role, name, &refusal))
            }
        }
    }
}

/// [`login_on`] with a new socket for each attempt (an unregistered socket must not outlive
/// the server's idle timeout while a pause lasts), 50 ms apart.
pub fn login_fresh(
    ctx: &Ctx,
    role: Role,
    name: &str,
    password: &str,
    retry: &[ErrorCode],
    deadline: Instant,
) -> Result<Peer, Failure> {
    loop {
        let peer = ctx.connect(&format!("{name} {}", role.as_str()))?;
        match attempt(ctx, peer, role, name, password, retry)? {
            Attempt::Registered(peer) => return Ok(peer),
            Attempt::Refused(_, _) if Instant::now() < deadline => thread::sleep(PAUSE_POLL),
            Attempt::Refused(peer, refusal) => {
                return Err(still_refused(&peer, role, name, &refusal))
            }
        }
    }
}

fn still_refused(peer: &Peer, role: Role, name: &str, refusal: &[u8]) -> Failure {
    let what = format!(
        "{}: still refused when the time to wait was up",
        peer.label()
    );
    Failure::bytes(what, &exact::registered_with(role, name, ASKED), refusal)
}

/// Expects on `peer` the next message to be `shape(id)` for some number `id`, and returns
/// it. `shape` writes the message with the id it is given (the kit's exact bytes).
pub fn expect_id(
    ctx: &Ctx,
    peer: &mut Peer,
    shape: impl Fn(&str) -> Vec<u8>,
) -> Result<u64, Failure> {
    let template = shape("\u{1}");
    let shown = shape("<n>");
    let (prefix, suffix) = match template.iter().position(|&b| b == 1) {
        Some(at) => (&template[..at], &template[at + 1..]),
        None => (&template[..], &[][..]),
    };
    let (_, bytes) = peer
        .next_message(ctx.reply())
        .map_err(|f| f.noting(&format!("expected {}", show(&shown))))?;
    let id = bytes
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(suffix))
        .filter(|digits| !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
        .and_then(|digits| std::str::from_utf8(digits).ok()?.parse::<u64>().ok());
    id.ok_or_else(|| {
        Failure::bytes(
            format!("{}: unexpected bytes", peer.label()),
            &shown,
            &bytes,
        )
    })
}

/// Expects the forward of `body` from `from` with an `Id:` (and `Stored: yes` when `stored`)
/// on `user`'s TORECV; returns the id.
pub fn expect_forward(
    ctx: &Ctx,
    user: &mut User,
    from: &str,
    body: &[u8],
    stored: bool,
) -> Result<u64, Failure> {
    expect_id(ctx, &mut user.torecv, |id| {
        exact::forward_with_id(from, body, id, stored)
    })
}

/// `from` sends `body` to `to`, who gets it (with its id) and acknowledges it; `from` gets
/// its success reply. Returns the message's id.
pub fn deliver(ctx: &Ctx, from: &mut User, to: &mut User, body: &[u8]) -> Result<u64, Failure> {
    let name = to.name.clone();
    from.send(&name, body)?;
    let id = expect_forward(ctx, to, &from.name, body, false)?;
    to.ack(&from.name)?;
    from.expect_sent(ctx, &name)?;
    Ok(id)
}

/// `from` sends `body` to `to`, offline: `STORED <to>` with the message's id.
pub fn store(ctx: &Ctx, from: &mut User, to: &str, body: &[u8]) -> Result<u64, Failure> {
    from.send(to, body)?;
    expect_id(ctx, &mut from.tosend, |id| exact::stored(to, id))
}

/// Ids must grow with each later message (PROTOCOL.md Part 5).
pub fn increasing(what: &str, ids: &[u64]) -> Result<(), Failure> {
    if ids.windows(2).all(|w| w[0] < w[1]) {
        return Ok(());
    }
    Err(Failure::new(format!(
        "{what}: ids {ids:?} do not grow with each later message"
    )))
}

/// The id, sender and recipient of each entry of a `HISTORY` page (`bytes`, the whole
/// message); `None` when it is not a page of entries.
pub fn page_entries(bytes: &[u8]) -> Option<Vec<(u64, String, String)>> {
    let (msg, _) = wire::decode(bytes, &READ_LIMITS).ok()??;
    let body = msg.body?;
    let mut rest = &body[..];
    let mut entries = Vec::new();
    while !rest.is_empty() {
        let (entry, used) = wire::decode(rest, &READ_LIMITS).ok()??;
        rest = &rest[used..];
        let Command::Other { verb, args } = entry.command else {
            return None;
        };
        let mut words = args.split_whitespace();
        let (id, from, to) = (words.next()?, words.next()?, words.next()?);
        if verb != "ENTRY" {
            return None;
        }
        entries.push((id.parse().ok()?, from.to_string(), to.to_string()));
    }
    Some(entries)
}
