//! The registration part of the script: accept the client's connections, answer its two
//! `REGISTER`s byte-exact as Part 1 does (never an `Extensions:` header, so the client falls
//! back to Part 1), and judge the order it does things in.
//!
//! The reply to the first `REGISTER` is held back for [`Settings::hold`](super::Settings):
//! that pause is the stimulus of two Part 2 checks. A client that waits for the reply before
//! connecting its second socket shows only one connection when it ends; a client that does
//! not wait for the reply before registering TORECV shows its `REGISTER TORECV` during it.
//! Anything the client wrote during the hold is taken in before the reply goes out, so the
//! verdict does not depend on timing.

use super::checks::{
    CONNECT_BOTH_FIRST, KNOWN_MESSAGES, REGISTER_FRAMING, SAME_NAME, TORECV_AFTER_REPLY,
    TOSEND_FIRST,
};
use super::judge;
use super::link::Frame;
use super::session::{Session, Stop, User};
use crate::conformance::peer::secs;
use crate::conformance::{exact, show, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::{is_valid_username, Command, Role};
use std::time::Instant;

/// A `REGISTER` with a well-formed name.
struct Reg {
    conn: usize,
    role: Role,
    name: String,
    frame: Frame,
}

const REGISTRATION: [&str; 5] = [
    REGISTER_FRAMING,
    SAME_NAME,
    CONNECT_BOTH_FIRST,
    TOSEND_FIRST,
    TORECV_AFTER_REPLY,
];

/// Runs registration to completion, or says why it cannot complete.
pub fn register(s: &mut Session) -> Result<(), Stop> {
    for id in REGISTRATION {
        s.ledger.begin(id);
    }
    let wait = s.settings.wait;
    let first = next_register(s, Instant::now() + wait, None)?;
    hold(s, &first);
    judge_order(s, &first);
    reply(s, &first)?;
    s.set_role(first.conn, first.role, &first.name);
    let other = other_role(first.role);
    let deadline = Instant::now() + s.settings.reply_timeout;
    let second = next_register(s, deadline, Some(&first))?;
    if second.conn == first.conn {
        let what = format!(
            "{}: REGISTER {} on the connection that registered {}; Part 1 needs two",
            s.label(second.conn),
            second.role.as_str(),
            first.role.as_str()
        );
        let failure = Failure::bytes(what, b"", &second.frame.raw);
        s.ledger.fail(REGISTER_FRAMING, failure);
        return Err(Stop::Registration(
            "both REGISTERs on one connection".into(),
        ));
    }
    if second.role != other {
        let what = format!(
            "{}: a second REGISTER {} where REGISTER {} was expected",
            s.label(second.conn),
            second.role.as_str(),
            other.as_str()
        );
        let want = exact::register(other, &first.name);
        s.ledger.fail(
            REGISTER_FRAMING,
            Failure::bytes(what, &want, &second.frame.raw),
        );
        return Err(Stop::Registration(format!(
            "{} registered twice",
            second.role.as_str()
        )));
    }
    if second.name == first.name {
        s.ledger.pass(SAME_NAME);
    } else {
        let what = format!(
            "{}: registered \"{}\", the other socket \"{}\"",
            s.label(second.conn),
            second.name,
            first.name
        );
        let want = exact::register(second.role, &first.name);
        s.ledger
            .fail(SAME_NAME, Failure::bytes(what, &want, &second.frame.raw));
    }
    reply(s, &second)?;
    s.set_role(second.conn, second.role, &second.name);
    s.ledger.pass(REGISTER_FRAMING);
    let (tosend, torecv) = match first.role {
        Role::ToSend => (&first, &second),
        Role::ToRecv => (&second, &first),
    };
    s.user = Some(User {
        name: tosend.name.clone(),
        tosend: tosend.conn,
        torecv: torecv.conn,
    });
    Ok(())
}

fn other_role(role: Role) -> Role {
    match role {
        Role::ToSend => Role::ToRecv,
        Role::ToRecv => Role::ToSend,
    }
}

/// Waits for a well-formed `REGISTER` on a connection not registered yet (on another one
/// than `first`'s), judging its bytes and answering what is not one as a server would.
fn next_register(s: &mut Session, deadline: Instant, first: Option<&Reg>) -> Result<Reg, Stop> {
    loop {
        while let Some((conn, frame)) = s.loose.pop_front() {
            if let Some(reg) = take_register(s, conn, frame) {
                return Ok(reg);
            }
        }
        if !s.pump(deadline) {
            return Err(timed_out(s, first));
        }
    }
}

/// The registration in `frame`, judged; `None` (answered with an error) when it is not one.
fn take_register(s: &mut Session, conn: usize, frame: Frame) -> Option<Reg> {
    let label = s.label(conn);
    let Some(msg) = &frame.msg else {
        let failure = Failure::bytes(format!("{label}: not a message"), b"REGISTER ", &frame.raw);
        s.ledger.fail(REGISTER_FRAMING, failure);
        return None;
    };
    let Command::Register { role, name } = &msg.command else {
        let what = format!(
            "{label}: `{}` before registering (a server answers ERROR 101)",
            judge::first_line(&frame.raw)
        );
        let failure = Failure::bytes(what, b"REGISTER ", &frame.raw);
        s.ledger.fail(KNOWN_MESSAGES, failure);
        let _ = s.write(conn, &exact::error(ErrorCode::NoUserRegistered));
        return None;
    };
    if let Err(failure) = judge::register(&frame.raw, msg) {
        s.ledger.fail(REGISTER_FRAMING, failure.labelled(&label));
    }
    if !is_valid_username(name) {
        let _ = s.write(conn, &exact::error(ErrorCode::MalformedUsername));
        return None;
    }
    Some(Reg {
        conn,
        role: *role,
        name: name.clone(),
        frame,
    })
}

fn timed_out(s: &mut Session, first: Option<&Reg>) -> Stop {
    let (what, why) = match first {
        None if s.link.conns.is_empty() => (
            format!("no client connected within {}", secs(s.settings.wait)),
            "no client connected".to_string(),
        ),
        None => (
            format!(
                "the client connected but sent no whole REGISTER within {}",
                secs(s.settings.wait)
            ),
            "no REGISTER".to_string(),
        ),
        Some(first) => (
            format!(
                "{} registered, but no REGISTER {} came within {}",
                first.role.as_str(),
                other_role(first.role).as_str(),
                secs(s.settings.reply_timeout)
            ),
            format!("only {} registered", first.role.as_str()),
        ),
    };
    let mut failure = Failure::new(what);
    let pending: Vec<u8> = s
        .link
        .conns
        .iter()
        .filter(|c| !c.pending().is_empty())
        .flat_map(|c| c.pending().to_vec())
        .collect();
    if !pending.is_empty() {
        failure.received = Some(pending);
    }
    s.ledger.fail(REGISTER_FRAMING, failure);
    Stop::Registration(why)
}

/// Holds the reply to the first `REGISTER` and judges whether both sockets are connected.
fn hold(s: &mut Session, first: &Reg) {
    if !s.ledger.wants(CONNECT_BOTH_FIRST) && !s.ledger.wants(TORECV_AFTER_REPLY) {
        return;
    }
    s.hold_until(first.frame.at + s.settings.hold);
    if s.link.conns.len() >= 2 {
        s.ledger.pass(CONNECT_BOTH_FIRST);
    } else {
        let what = format!(
            "{}: one connection only, {} after REGISTER {}: the client waits for the reply \
             before it connects its second socket (a server that pairs connections first \
             never answers)",
            s.label(first.conn),
            secs(s.settings.hold),
            first.role.as_str()
        );
        s.ledger.fail(CONNECT_BOTH_FIRST, Failure::new(what));
    }
}

/// TOSEND first, and nothing on the other socket until its reply.
fn judge_order(s: &mut Session, first: &Reg) {
    if first.role == Role::ToRecv {
        let what = format!("{}: the first REGISTER is for TORECV", s.label(first.conn));
        let want = exact::register(Role::ToSend, &first.name);
        s.ledger
            .fail(TOSEND_FIRST, Failure::bytes(what, &want, &first.frame.raw));
        s.ledger.skip(
            TORECV_AFTER_REPLY,
            format!("TORECV registered first (see {TOSEND_FIRST})"),
        );
        return;
    }
    s.ledger.pass(TOSEND_FIRST);
    let early = s.loose.iter().find(|(_, f)| {
        f.msg
            .as_ref()
            .is_some_and(|m| matches!(m.command, Command::Register { .. }))
    });
    match early {
        Some((conn, frame)) => {
            let what = format!(
                "{}: REGISTER before conform answered REGISTER TOSEND (held back {}); \
                 expected nothing until {}",
                s.label(*conn),
                secs(s.settings.hold),
                show(&exact::registered(Role::ToSend, &first.name))
            );
            let failure = Failure::bytes(what, b"", &frame.raw);
            s.ledger.fail(TORECV_AFTER_REPLY, failure);
        }
        None => s.ledger.pass(TORECV_AFTER_REPLY),
    }
}

/// `REGISTERED <role> <name>\n\n`, exactly.
fn reply(s: &mut Session, reg: &Reg) -> Result<(), Stop> {
    let bytes = exact::registered(reg.role, &reg.name);
    if s.write(reg.conn, &bytes).is_err() {
        return Err(Stop::Registration(format!(
            "the client closed its {} socket",
            reg.role.as_str()
        )));
    }
    Ok(())
}
