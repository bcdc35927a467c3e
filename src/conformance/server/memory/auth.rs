//! Part 5, `auth`: claiming a name with `PASSWORD`, what a `REGISTER` of a claimed name gets
//! without the right password (`ERROR 104` for a client that knows nothing of passwords,
//! `ERROR 109` for one that does), logging in with it, and dropping the claim.

use super::kit::{
    self, attempt, claimed, join, login_fresh, login_on, quit, secret, Attempt, LONGEST_PAUSE,
};
use crate::conformance::peer::Peer;
use crate::conformance::server::kit::{Ctx, User};
use crate::conformance::server::{Check, CheckResult};
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::Role;
use std::thread;
use std::time::{Duration, Instant};

/// Between two `REGISTER`s of a name that has left but is still held.
const RETRY_PAUSE: Duration = Duration::from_millis(10);

pub const CHECKS: &[Check] = &[
    Check::part5(
        "auth.claim",
        "Part 5, auth: PASSWORD claims the name (PASSWORD SET); a REGISTER of a claimed name without a password, from a client that did not ask for auth, gets ERROR 104 and the socket stays open; with the right Password: it registers, on both sockets",
        "PASSWORD is PASSWORD SET; after QUIT, plain REGISTERs of the name are ERROR 104 on either socket, and those sockets then register with the password",
        claim,
    ),
    Check::part5(
        "auth.wrong-password",
        "Part 5, auth: a REGISTER of a claimed name without the right password gets ERROR 109 when it carries Password: or asks for auth; the socket stays open (and after a wrong password, a pause: 1 s, doubling)",
        "asking for auth without a password, and a wrong Password:, are ERROR 109 on one socket; the right one is taken there, or on new sockets once the pause is over",
        wrong_password,
    )
    // A wrong password pauses every login from this address: no other check may log in then.
    .alone(),
    Check::part5(
        "auth.drop",
        "Part 5, auth: PASSWORD with an empty body drops the claim (PASSWORD DROPPED); the name is anyone's again",
        "an empty PASSWORD is PASSWORD DROPPED; after QUIT, a plain REGISTER of the name registers on both sockets",
        drop_claim,
    ),
];

fn claim(ctx: &Ctx) -> CheckResult {
    let (name, password) = claimed(ctx, "bob")?;
    let taken = exact::error(ErrorCode::UsernameTaken);
    let deadline = Instant::now() + ctx.reply();
    let held = [ErrorCode::UsernameTaken];
    let mut sockets = Vec::new();
    // One socket at a time: an unregistered socket must not wait on another's password.
    for role in [Role::ToSend, Role::ToRecv] {
        let mut peer = ctx.connect(&format!("plain {}", role.as_str()))?;
        peer.send(&exact::register(role, &name))?;
        peer.expect(&taken, ctx.reply())
            .map_err(|f| f.noting("a claimed name, and no password"))?;
        sockets.push(login_on(
            ctx, peer, role, &name, &password, &held, deadline,
        )?);
    }
    Ok(())
}

fn wrong_password(ctx: &Ctx) -> CheckResult {
    let (name, password) = claimed(ctx, "bob")?;
    let mut peer = ctx.connect(&format!("{name} TOSEND"))?;
    let no_password = exact::register_with(Role::ToSend, &name, Some(kit::ASKED), None);
    refused_once_free(ctx, &mut peer, &no_password)
        .map_err(|f| f.noting("asked for auth, gave no password"))?;
    let wrong = format!("wrong-{name}");
    peer.send(&exact::register_with(
        Role::ToSend,
        &name,
        None,
        Some(&wrong),
    ))?;
    peer.expect(&exact::error(ErrorCode::BadPassword), ctx.reply())
        .map_err(|f| f.noting("a wrong Password:"))?;
    // The same socket, still open: the right password now is taken, or refused (unchecked)
    // while the pause after the wrong one lasts; then new sockets try it until it is over.
    let deadline = Instant::now() + LONGEST_PAUSE + ctx.reply();
    let refused = [ErrorCode::BadPassword, ErrorCode::UsernameTaken];
    let tosend = match attempt(ctx, peer, Role::ToSend, &name, &password, &refused)? {
        Attempt::Registered(peer) => peer,
        Attempt::Refused(..) => {
            login_fresh(ctx, Role::ToSend, &name, &password, &refused, deadline)?
        }
    };
    let held = [ErrorCode::UsernameTaken];
    let torecv = login_fresh(ctx, Role::ToRecv, &name, &password, &held, deadline)?;
    quit(ctx, User::from_parts(name, tosend, torecv, ctx))?;
    Ok(())
}

/// `register` (of a claimed name that just left) is `ERROR 109`, sent again while the answer
/// is `ERROR 104` (the name still held), until a reply timeout has passed.
fn refused_once_free(ctx: &Ctx, peer: &mut Peer, register: &[u8]) -> Result<(), Failure> {
    let bad = exact::error(ErrorCode::BadPassword);
    let taken = exact::error(ErrorCode::UsernameTaken);
    let deadline = Instant::now() + ctx.reply();
    loop {
        peer.send(register)?;
        match peer.expect_any(&[&bad, &taken], ctx.reply())? {
            0 => return Ok(()),
            _ if Instant::now() < deadline => thread::sleep(RETRY_PAUSE),
            _ => {
                let what = format!("{}: ERROR 104 where ERROR 109 is due", peer.label());
                return Err(Failure::bytes(what, &bad, &taken));
            }
        }
    }
}

fn drop_claim(ctx: &Ctx) -> CheckResult {
    let mut bob = join(ctx, "bob")?;
    let password = secret(&bob.name);
    kit::claim(ctx, &mut bob, &password)?;
    bob.tosend.send(&exact::password(""))?;
    bob.tosend.expect(exact::PASSWORD_DROPPED, ctx.reply())?;
    let name = bob.name.clone();
    quit(ctx, bob)?;
    let deadline = Instant::now() + ctx.reply();
    let _tosend = plain_register(ctx, &name, Role::ToSend, deadline)?;
    let _torecv = plain_register(ctx, &name, Role::ToRecv, deadline)?;
    Ok(())
}

/// A plain `REGISTER <role> <name>` registers, once the name is let go of (`ERROR 104` is
/// retried until `deadline`).
fn plain_register(ctx: &Ctx, name: &str, role: Role, deadline: Instant) -> Result<Peer, Failure> {
    let registered = exact::registered(role, name);
    let taken = exact::error(ErrorCode::UsernameTaken);
    let mut peer = ctx.connect(&format!("plain {}", role.as_str()))?;
    loop {
        peer.send(&exact::register(role, name))?;
        match peer.expect_any(&[&registered, &taken], ctx.reply())? {
            0 => return Ok(peer),
            _ if Instant::now() < deadline => thread::sleep(RETRY_PAUSE),
            _ => {
                let what = format!(
                    "{}: the name is still refused after its claim was dropped and it left",
                    peer.label()
                );
                return Err(Failure::bytes(what, &registered, &taken));
            }
        }
    }
}
