//! The scripted server a client under test connects to (`conform client --listen PORT`).
//!
//! A client cannot be checked rule by rule the way a server can: conform cannot make it
//! connect, register or send; a person (or a script) does that. So the client checks are one
//! scripted session, and each check is a verdict on part of it:
//!
//! 1. Registration ([`register`]): conform accepts the client's connections, answers its two
//!    `REGISTER`s with the byte-exact Part 1 replies (no `Extensions:` header, so a client
//!    that asked for extensions falls back to Part 1), holding the first reply back briefly
//!    to see whether the client waits for it.
//! 2. Receiving ([`receive`]): right after registration conform pushes forwards of several
//!    shapes from a made-up user `conform` and judges each acknowledgement byte for byte.
//! 3. Sending ([`send`]): the client sends [`messages_needed`] messages to any name; conform
//!    judges their bytes and answers each one differently (`ERROR 102`, the `SEND <to> \n \n`
//!    spelling, a reply on TORECV, `SENT`), judging from the next message whether the client
//!    carried on.
//!
//! Throughout, every message is held to "one write" and "only what Part 1 defines", and every
//! `SEND` to "wait for the reply" ([`session`]). The waits are for the client's own actions,
//! with deadlines: [`Settings::wait`] for what a person does, [`Settings::reply_timeout`] for
//! what the client does by itself. The only pauses are the stimuli [`Settings::hold`] (a reply
//! held back) and the gaps of a forward sent in pieces.
//!
//! The order suits both a script that writes every line at once (its `SEND`s wait, queued,
//! until the forwards are acknowledged) and a slow human.
//!
//! # Layout
//! - [`checks`]: the check ids and what each judges.
//! - [`link`]: the listening socket and the connections, read through one `poll`.
//! - [`judge`]: exact-byte judgements of the client's messages.
//! - [`ledger`]: each check's verdict, as the script learns it.
//! - [`session`]: one session's state; files what the client sends by socket.
//! - [`register`], [`receive`], [`send`]: the three parts of the script.

pub mod checks;
pub mod judge;
pub mod ledger;
pub mod link;
pub mod receive;
pub mod register;
pub mod send;
pub mod session;

use super::report::Report;
use super::{exact, CheckInfo, Failure, Selection};
use checks::{CHECKS, KNOWN_MESSAGES, ONE_WRITE};
use ledger::Ledger;
use link::Link;
use session::{Session, Stop};
use std::io;
use std::net::TcpListener;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

/// The longest conform waits, once the script is done, for the client to close its sockets.
const LINGER: Duration = Duration::from_secs(1);

/// How long conform waits for things, and how long it holds replies back.
#[derive(Clone, Debug)]
pub struct Settings {
    /// For what a person does: connecting and registering, and each message.
    pub wait: Duration,
    /// For what the client does by itself: its second `REGISTER`, an acknowledgement, the
    /// rest of a message it began.
    pub reply_timeout: Duration,
    /// How long a reply is held back to see whether the client waits for it.
    pub hold: Duration,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            wait: Duration::from_secs(60),
            reply_timeout: Duration::from_secs(5),
            hold: Duration::from_millis(300),
        }
    }
}

/// Every client check, in report order.
pub fn checks() -> &'static [CheckInfo] {
    CHECKS
}

/// How many messages the client must send for the selected checks.
pub fn messages_needed(selection: &Selection) -> usize {
    send::plan(selection).len()
}

/// What to tell the person before they connect.
pub fn instructions(addr: &str, selection: &Selection) -> String {
    let n = messages_needed(selection);
    let mut text = format!(
        "connect your client to {addr} and register any name; conform then sends it a few \
         messages from \"conform\""
    );
    if n > 0 {
        text.push_str(&format!(
            ". Then send {n} message{} to any name, each once the one before is answered. \
             conform answers them differently (some as not delivered): that is expected",
            if n == 1 { "" } else { "s" }
        ));
    }
    text.push_str(". Keep the client running until the report");
    text
}

/// Runs one session on `listener`: waits for a client, runs the script, and reports. What
/// the person should do next goes to `notes`, starting with [`instructions`].
pub fn run(
    listener: TcpListener,
    settings: &Settings,
    selection: &Selection,
    notes: &mut dyn FnMut(&str),
) -> io::Result<Report> {
    let started = Instant::now();
    let addr = listener.local_addr()?;
    let link = Link::new(listener)?;
    notes(&instructions(&addr.to_string(), selection));
    let plan = send::plan(selection);
    let mut s = Session::new(link, Ledger::new(selection), settings, notes);
    let result = panic::catch_unwind(AssertUnwindSafe(|| script(&mut s, &plan)));
    let why = match result {
        Ok(Ok(())) => "not reached".to_string(),
        Ok(Err(stop)) => stop.to_string(),
        Err(_) => {
            for info in CHECKS {
                if s.ledger.open(info.id) {
                    let failure = Failure::new("conform itself panicked (a bug in conform)");
                    s.ledger.fail(info.id, failure);
                }
            }
            "conform panicked".to_string()
        }
    };
    linger(&mut s);
    s.link.close_all();
    if s.writes_judged > 0 {
        s.ledger.pass(ONE_WRITE);
    }
    if s.user.is_some() {
        s.ledger.pass(KNOWN_MESSAGES);
    }
    let target = match &s.user {
        Some(user) => format!("client {} on {addr}", user.name),
        None => format!("client on {addr}"),
    };
    Ok(Report {
        target,
        entries: s.ledger.entries(&why),
        elapsed: started.elapsed(),
    })
}

fn script(s: &mut Session, plan: &[send::Reply]) -> Result<(), Stop> {
    register::register(s)?;
    let name = s.user.as_ref().map(|u| u.name.clone()).unwrap_or_default();
    s.note(&format!("{name} registered; sending it forwards"));
    receive::receive(s)?;
    if !plan.is_empty() {
        s.note(&format!(
            "forwards done; now send {} message{} to any name",
            plan.len(),
            if plan.len() == 1 { "" } else { "s" }
        ));
    }
    send::send(s, plan)
}

/// Once the script is done: answers any further `SEND` with `SENT`, until the client closes
/// both sockets or [`LINGER`] passes, so that a scripted client can finish in order.
fn linger(s: &mut Session) {
    let until = Instant::now() + LINGER.min(s.settings.reply_timeout);
    loop {
        while let Some(frame) = s.sends.pop_front() {
            let to = match frame.msg.map(|m| m.command) {
                Some(crate::wire::Command::Send { to }) => to,
                _ => String::new(),
            };
            if let Some(tosend) = s.user.as_ref().map(|u| u.tosend) {
                let _ = s.write(tosend, &exact::success("SENT", &to));
            }
        }
        let open = s.link.conns.iter().any(|c| c.is_open());
        if !open || !s.pump(until) {
            return;
        }
    }
}
