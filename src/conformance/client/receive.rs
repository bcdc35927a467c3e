//! The receiving part of the script: as soon as the client is registered, conform pushes
//! forwards from made-up users (`conform`, `conform2`) on TORECV, one shape per check, and
//! judges the client's answers byte for byte.
//!
//! Each step writes its forward and waits for the answers it expects, at most
//! [`Settings::reply_timeout`](super::Settings); anything more on TORECV right after them
//! fails the step (an extra acknowledgement, an acknowledgement of something that was no
//! forward). A client that sends a message meanwhile is not kept waiting long: the steps take
//! a few round trips, and its `SEND` is answered in the sending part that follows.

use super::checks::{
    ACK_BODY_OPAQUE, ACK_COALESCED, ACK_EMPTY_BODY, ACK_FORWARD, ACK_SPLIT_FORWARD,
    FORWARD_NO_LENGTH,
};
use super::link::Frame;
use super::session::{Session, Stop};
use crate::conformance::exact::{forward, received};
use crate::conformance::peer::secs;
use crate::conformance::Failure;
use crate::wire::Role;
use std::thread;
use std::time::{Duration, Instant};

/// The made-up user whose messages conform forwards.
pub const SENDER: &str = "conform";
/// A second one, so that the order of two acknowledgements shows.
pub const SECOND_SENDER: &str = "conform2";
/// A body a text-minded client would cut short: `\n\n`, a whole fake forward, NUL, bytes
/// that are not UTF-8, a two-byte character, CR LF.
const OPAQUE: &[u8] =
    b"two\n\nlines, then FORWARD conform\nContent-length: 2\n\nhi \x00\xff\xfe caf\xc3\xa9\r\n";
/// The pause between the pieces of a split forward: the stimulus, long enough for the
/// client to read each piece on its own.
const PIECE_GAP: Duration = Duration::from_millis(20);

/// Acceptable answers for one expected message: the first is the one shown on failure.
pub type Answer = Vec<Vec<u8>>;

/// One receiving check: what conform writes (one write per element) and what it expects.
struct Step {
    id: &'static str,
    writes: Vec<Vec<u8>>,
    expect: Vec<Answer>,
}

fn ack(from: &str) -> Answer {
    vec![received(from)]
}

fn steps() -> Vec<Step> {
    let split = forward(SENDER, b"split body\nover pieces");
    let header = split.len() - 22;
    let cuts = [0, 4, header - 1, header, header + 5, split.len()];
    let mut coalesced = forward(SENDER, b"first of two");
    coalesced.extend(forward(SECOND_SENDER, b"second of two"));
    vec![
        Step {
            id: ACK_FORWARD,
            writes: vec![forward(SENDER, b"hello from conform")],
            expect: vec![ack(SENDER)],
        },
        Step {
            id: ACK_BODY_OPAQUE,
            writes: vec![forward(SENDER, OPAQUE)],
            expect: vec![ack(SENDER)],
        },
        Step {
            id: ACK_EMPTY_BODY,
            writes: vec![forward(SENDER, b"")],
            expect: vec![ack(SENDER)],
        },
        Step {
            id: ACK_SPLIT_FORWARD,
            writes: cuts
                .windows(2)
                .map(|w| split[w[0]..w[1]].to_vec())
                .collect(),
            expect: vec![ack(SENDER)],
        },
        Step {
            id: ACK_COALESCED,
            writes: vec![coalesced],
            expect: vec![ack(SENDER), ack(SECOND_SENDER)],
        },
        Step {
            id: FORWARD_NO_LENGTH,
            writes: vec![format!("FORWARD {SENDER}\n\n").into_bytes()],
            expect: vec![vec![
                b"ERROR 103 Header Incomplete\n\n".to_vec(),
                b"ERROR 103 Header incomplete\n\n".to_vec(),
            ]],
        },
    ]
}

/// Runs the selected receiving steps.
pub fn receive(s: &mut Session) -> Result<(), Stop> {
    let mut last: Option<&'static str> = None;
    for step in steps() {
        if !s.ledger.wants(step.id) {
            continue;
        }
        if !s.open(Role::ToRecv) {
            return Err(Stop::Closed("TORECV"));
        }
        s.drain_now();
        leftovers(s, last);
        s.ledger.begin(step.id);
        match run(s, &step) {
            Ok(()) => s.ledger.pass(step.id),
            Err(failure) => s.ledger.fail(step.id, failure),
        }
        last = Some(step.id);
    }
    s.drain_now();
    leftovers(s, last);
    Ok(())
}

fn run(s: &mut Session, step: &Step) -> Result<(), Failure> {
    let torecv = s.conn(Role::ToRecv);
    for (i, piece) in step.writes.iter().enumerate() {
        if i > 0 {
            thread::sleep(PIECE_GAP);
        }
        s.write(torecv, piece)?;
    }
    expect_answers(s, &step.expect)
}

/// What came on TORECV after a step's answers: it fails that step, unless it failed already
/// (then it is the rest of that failure).
fn leftovers(s: &mut Session, last: Option<&'static str>) {
    let extra: Vec<u8> = s.torecv_in.drain(..).flat_map(|f| f.raw).collect();
    let Some(id) = last else {
        return;
    };
    if !extra.is_empty() && !s.ledger.failed(id) {
        let what = format!(
            "{}: more after the expected answer",
            s.label(s.conn(Role::ToRecv))
        );
        s.ledger.fail(id, Failure::bytes(what, b"", &extra));
    }
}

/// Waits for `expect`, in order, on TORECV, at most a reply timeout; then nothing more may
/// already be there. After a wrong answer the rest are still awaited (and dropped), so that
/// they are not taken for the answers to whatever conform does next.
pub fn expect_answers(s: &mut Session, expect: &[Answer]) -> Result<(), Failure> {
    let deadline = Instant::now() + s.settings.reply_timeout;
    let (tosend, torecv) = (s.conn(Role::ToSend), s.conn(Role::ToRecv));
    let mut failure = None;
    for want in expect {
        match next_answer(s, deadline) {
            Ok((frame, false)) if want.contains(&frame.raw) => {}
            Ok((frame, on_tosend)) => {
                let what = match on_tosend {
                    true => format!("{}: the answer came on TOSEND", s.label(tosend)),
                    false => format!("{}: not the expected answer", s.label(torecv)),
                };
                failure.get_or_insert(Failure::bytes(what, &want[0], &frame.raw));
            }
            Err(why) => {
                let pending = s.link.conns[torecv].pending().to_vec();
                let what = format!("{}: {why}", s.label(torecv));
                return Err(failure.unwrap_or(Failure::bytes(what, &want[0], &pending)));
            }
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    s.drain_now();
    if let Some(frame) = s.torecv_in.pop_front() {
        let what = format!("{}: more after the expected answer", s.label(torecv));
        return Err(Failure::bytes(what, b"", &frame.raw));
    }
    Ok(())
}

/// The next answer on TORECV, or one misplaced on TOSEND (`true`), or why none came by
/// `deadline`.
fn next_answer(s: &mut Session, deadline: Instant) -> Result<(Frame, bool), String> {
    loop {
        if let Some(frame) = s.torecv_in.pop_front() {
            return Ok((frame, false));
        }
        if let Some(frame) = s.misplaced.pop_front() {
            return Ok((frame, true));
        }
        if !s.open(Role::ToRecv) {
            return Err(
                "closed by the client before answering (did it quit, or did this \
                        break it?)"
                    .into(),
            );
        }
        if !s.pump(deadline) {
            let within = s.settings.reply_timeout;
            return Err(format!("no whole answer within {}", secs(within)));
        }
    }
}
