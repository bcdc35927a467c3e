//! The sending part of the script: the person (or the script driving the client) sends a few
//! messages, and conform answers each one differently, judging what the client does next.
//!
//! The plan is one reply per selected "carries on" check, in the order `ERROR 102` (Part 1),
//! `SEND <to> \n \n` (Part 2), `SENT <to>` on TORECV between two forwards (Part 2), and last a
//! plain `SENT <to>`. Whether the client took a reply in its stride shows in its next message:
//! a client that went quiet (or closed) right after a reply fails that reply's check. A
//! client that sent no message at all skips the sending checks: sending is the person's
//! doing, and a quiet person is not a broken client.
//!
//! Every reply is held back for [`Settings::hold`](super::Settings) after its `SEND` arrived:
//! anything the client sends on TOSEND meanwhile fails `client.waits-for-reply`.

use super::checks::{
    ACCEPTS_SEND_SPELLING, CHECKS, ERROR_REPLY, ONE_WRITE, REPLY_ON_TORECV, SEND_FRAMING,
    WAITS_FOR_REPLY,
};
use super::judge;
use super::link::Frame;
use super::receive::{expect_answers, SECOND_SENDER, SENDER};
use super::session::{Session, Stop};
use crate::conformance::peer::secs;
use crate::conformance::{exact, show, Failure, Selection};
use crate::wire::codes::ErrorCode;
use crate::wire::{Command, Role};
use std::time::Instant;

/// The checks the sending part judges.
const SENDING: [&str; 6] = [
    SEND_FRAMING,
    ONE_WRITE,
    WAITS_FOR_REPLY,
    ERROR_REPLY,
    ACCEPTS_SEND_SPELLING,
    REPLY_ON_TORECV,
];

/// How conform answers one of the client's messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `ERROR 102 Unable to send\n\n`.
    Error,
    /// `SEND <to> \n \n`: the table's spelling, a trailing space, a blank line of a space.
    Spelling,
    /// `SENT <to>\n\n` on TORECV, between two forwards.
    OnTorecv,
    /// `SENT <to>\n\n`.
    Plain,
}

impl Reply {
    /// The check that the client's next message judges.
    fn check(self) -> Option<&'static str> {
        match self {
            Reply::Error => Some(ERROR_REPLY),
            Reply::Spelling => Some(ACCEPTS_SEND_SPELLING),
            Reply::OnTorecv => Some(REPLY_ON_TORECV),
            Reply::Plain => None,
        }
    }

    /// The bytes of the reply to a `SEND` to `to`.
    fn bytes(self, to: &str) -> Vec<u8> {
        match self {
            Reply::Error => exact::error(ErrorCode::UnableToSend),
            Reply::Spelling => format!("SEND {to} \n \n").into_bytes(),
            Reply::OnTorecv | Reply::Plain => exact::success("SENT", to),
        }
    }

    fn socket(self) -> &'static str {
        match self {
            Reply::OnTorecv => " on TORECV, between two forwards",
            _ => "",
        }
    }
}

fn selected(selection: &Selection, id: &str) -> bool {
    CHECKS
        .iter()
        .any(|info| info.id == id && selection.includes(info))
}

/// The replies to the client's messages, one per message it is asked to send.
pub fn plan(selection: &Selection) -> Vec<Reply> {
    if !SENDING.iter().any(|id| selected(selection, id)) {
        return Vec::new();
    }
    let mut plan: Vec<Reply> = [Reply::Error, Reply::Spelling, Reply::OnTorecv]
        .into_iter()
        .filter(|r| r.check().is_some_and(|id| selected(selection, id)))
        .collect();
    plan.push(Reply::Plain);
    plan
}

/// Runs the sending part: waits for each message and answers it as `plan` says.
pub fn send(s: &mut Session, plan: &[Reply]) -> Result<(), Stop> {
    for id in SENDING {
        s.ledger.begin(id);
    }
    let mut prev: Option<(Reply, Vec<u8>)> = None;
    for (k, &reply) in plan.iter().enumerate() {
        let Some(frame) = next_send(s, prev.as_ref(), k, plan) else {
            return Ok(());
        };
        if let Some(id) = prev.as_ref().and_then(|(r, _)| r.check()) {
            s.ledger.pass(id);
        }
        let tosend = s.conn(Role::ToSend);
        if let Some(msg) = &frame.msg {
            if let Err(f) = judge::send(&frame.raw, msg, &frame.tail) {
                s.ledger.fail(SEND_FRAMING, f.labelled(&s.label(tosend)));
            }
        }
        if s.ledger.wants(WAITS_FOR_REPLY) {
            hold(s, &frame, tosend);
        }
        let bytes = answer(s, &frame, reply)?;
        let next = match plan.get(k + 1) {
            Some(_) => "; send the next message",
            None => "; that was the last one needed",
        };
        s.note(&format!(
            "message {} of {} (`{}`) answered {}{}{next}",
            k + 1,
            plan.len(),
            judge::first_line(&frame.raw),
            show(&bytes),
            reply.socket()
        ));
        prev = Some((reply, bytes));
    }
    s.ledger.pass(SEND_FRAMING);
    s.ledger.pass(WAITS_FOR_REPLY);
    Ok(())
}

/// The next whole `SEND`, or `None` when none comes (the verdicts then recorded).
fn next_send(
    s: &mut Session,
    prev: Option<&(Reply, Vec<u8>)>,
    k: usize,
    plan: &[Reply],
) -> Option<Frame> {
    let deadline = Instant::now() + s.settings.wait;
    let tosend = s.conn(Role::ToSend);
    let why = loop {
        if let Some(frame) = s.sends.pop_front() {
            return Some(frame);
        }
        if !s.open(Role::ToSend) {
            break "closed its TOSEND socket".to_string();
        }
        let partial = s.link.conns[tosend]
            .partial_since()
            .map(|t| t + s.settings.reply_timeout);
        let until = partial.map_or(deadline, |p| p.min(deadline));
        if !s.pump(until) && Instant::now() >= until {
            if partial.is_some_and(|p| p <= until) {
                incomplete(s, tosend);
                break "began a SEND and did not finish it".to_string();
            }
            break format!("sent no message within {}", secs(s.settings.wait));
        }
    };
    let label = s.label(tosend);
    match prev {
        None => {
            let reason = format!(
                "the client {why} (send {} messages to any name to run these checks)",
                plan.len()
            );
            for id in SENDING.into_iter().filter(|&id| id != ONE_WRITE) {
                s.ledger.skip(id, reason.clone());
            }
        }
        Some((reply, bytes)) => {
            // At least one SEND was judged and answered: those verdicts stand on it.
            s.ledger.pass(SEND_FRAMING);
            s.ledger.pass(WAITS_FOR_REPLY);
            if let Some(id) = reply.check() {
                let what = format!(
                    "{label}: the client {why} after the reply {}{} to message {k} of {}; a \
                     client that takes it in its stride sends its next message",
                    show(bytes),
                    reply.socket(),
                    plan.len()
                );
                let pending = s.link.conns[tosend].pending().to_vec();
                s.ledger
                    .fail(id, Failure::bytes(what, b"SEND <recipient>\n", &pending));
            }
            let reason = format!("not reached: the client {why} after message {k}");
            for later in &plan[k..] {
                if let Some(id) = later.check() {
                    s.ledger.skip(id, reason.clone());
                }
            }
        }
    }
    None
}

/// A `SEND` begun and never finished: most likely a Content-length larger than the body.
fn incomplete(s: &mut Session, tosend: usize) {
    let what = format!(
        "{}: an incomplete SEND, nothing more within {} (is Content-length larger than the \
         body?)",
        s.label(tosend),
        secs(s.settings.reply_timeout)
    );
    let expected = b"SEND <recipient>\nContent-length: <n>\n\n<n bytes>";
    let pending = s.link.conns[tosend].pending().to_vec();
    s.ledger
        .fail(SEND_FRAMING, Failure::bytes(what, expected, &pending));
}

/// Holds the reply back; a message begun on TOSEND meanwhile fails `waits-for-reply` (a
/// whole one already failed it when it was filed).
fn hold(s: &mut Session, frame: &Frame, tosend: usize) {
    s.hold_until(frame.at + s.settings.hold);
    if s.sends.is_empty() && s.link.conns[tosend].has_partial() {
        let what = format!(
            "{}: the next message began before the reply to `{}`",
            s.label(tosend),
            judge::first_line(&frame.raw)
        );
        let pending = s.link.conns[tosend].pending().to_vec();
        s.ledger
            .fail(WAITS_FOR_REPLY, Failure::bytes(what, b"", &pending));
    }
}

/// Writes `reply` to the `SEND` in `frame`; returns the reply's bytes.
fn answer(s: &mut Session, frame: &Frame, reply: Reply) -> Result<Vec<u8>, Stop> {
    let to = match frame.msg.as_ref().map(|m| &m.command) {
        Some(Command::Send { to }) => to.clone(),
        _ => String::new(),
    };
    let Some((tosend, torecv)) = s.user.as_ref().map(|u| (u.tosend, u.torecv)) else {
        return Err(Stop::Registration("no user (a bug in conform)".into()));
    };
    let bytes = reply.bytes(&to);
    if reply != Reply::OnTorecv {
        s.write(tosend, &bytes)
            .map_err(|_| Stop::Closed("TOSEND"))?;
        s.unanswered = s.unanswered.saturating_sub(1);
        return Ok(bytes);
    }
    let writes = [
        exact::forward(SENDER, b"before the reply"),
        bytes.clone(),
        exact::forward(SECOND_SENDER, b"after the reply"),
    ];
    for piece in &writes {
        s.write(torecv, piece).map_err(|_| Stop::Closed("TORECV"))?;
    }
    // Answered: the client may send its next message while its acknowledgements are awaited.
    s.unanswered = s.unanswered.saturating_sub(1);
    let acks = [
        vec![exact::received(SENDER)],
        vec![exact::received(SECOND_SENDER)],
    ];
    if let Err(failure) = expect_answers(s, &acks) {
        s.ledger.fail(REPLY_ON_TORECV, failure);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::Profile;

    /// docs/CONFORM_CLIENT.md: 4 messages with every check, 2 with `--profile original`,
    /// answered in this order.
    #[test]
    fn the_plan_is_one_reply_per_carries_on_check_then_sent() {
        let full = plan(&Selection::default());
        let all = [Reply::Error, Reply::Spelling, Reply::OnTorecv, Reply::Plain];
        assert_eq!(full, all);
        let original = Selection {
            profile: Profile::Original,
            ..Selection::default()
        };
        assert_eq!(plan(&original), [Reply::Error, Reply::Plain]);
        let no_sending = Selection {
            only: vec!["client.ack-*".into()],
            ..Selection::default()
        };
        assert_eq!(plan(&no_sending), []);
    }
}
