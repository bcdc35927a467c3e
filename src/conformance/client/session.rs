//! One session with the client under test: its connections, the verdicts so far, and what
//! the client has sent, sorted by socket as it arrives.
//!
//! Every wait of the script goes through [`Session::pump`], which reads whatever the client
//! sent and files each message: before registration in [`Session::loose`], then SENDs on
//! TOSEND in [`Session::sends`], acknowledgements and errors on TORECV in
//! [`Session::torecv_in`]. Filing is also where the rules that hold for every message are
//! judged as the messages pass: one write per message, no SEND before the previous reply,
//! nothing Part 1 does not define.

use super::checks::{KNOWN_MESSAGES, ONE_WRITE, REGISTER_FRAMING, SEND_FRAMING, WAITS_FOR_REPLY};
use super::judge;
use super::ledger::Ledger;
use super::link::{Frame, Link};
use super::Settings;
use crate::conformance::{exact, Failure};
use crate::wire::codes::ErrorCode;
use crate::wire::{Command, Role};
use std::collections::VecDeque;
use std::time::Instant;
use thiserror::Error;

/// Why the script cannot go on; every check without a verdict is then skipped with it.
#[derive(Debug, Error)]
pub enum Stop {
    #[error("registration did not complete: {0}")]
    Registration(String),
    #[error("the client closed its {0} socket")]
    Closed(&'static str),
}

/// The registered user: its name and which connections are its sockets.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub tosend: usize,
    pub torecv: usize,
}

pub struct Session<'a> {
    pub link: Link,
    pub ledger: Ledger,
    pub settings: &'a Settings,
    notes: &'a mut dyn FnMut(&str),
    /// The role each connection registered, by index.
    roles: Vec<(usize, Role)>,
    pub user: Option<User>,
    /// Messages on connections not registered yet, with the connection, in arrival order.
    pub loose: VecDeque<(usize, Frame)>,
    /// Whole SENDs not answered yet, oldest first.
    pub sends: VecDeque<Frame>,
    /// Acknowledgements and errors from TORECV not looked at yet.
    pub torecv_in: VecDeque<Frame>,
    /// Acknowledgements that came on TOSEND instead.
    pub misplaced: VecDeque<Frame>,
    /// SENDs received and not answered yet.
    pub unanswered: usize,
    /// Messages held to the one-write rule so far.
    pub writes_judged: usize,
}

impl<'a> Session<'a> {
    pub fn new(
        link: Link,
        ledger: Ledger,
        settings: &'a Settings,
        notes: &'a mut dyn FnMut(&str),
    ) -> Session<'a> {
        Session {
            link,
            ledger,
            settings,
            notes,
            roles: Vec::new(),
            user: None,
            loose: VecDeque::new(),
            sends: VecDeque::new(),
            torecv_in: VecDeque::new(),
            misplaced: VecDeque::new(),
            unanswered: 0,
            writes_judged: 0,
        }
    }

    /// Tells the person running conform what is happening or what to do.
    pub fn note(&mut self, text: &str) {
        (self.notes)(text);
    }

    /// Waits until the client does something or `deadline` passes, and files what it sent;
    /// false when nothing happened.
    pub fn pump(&mut self, deadline: Instant) -> bool {
        let woke = self.link.wait(deadline);
        self.sort();
        woke
    }

    /// Waits until `until` whatever happens (a hold), then takes in everything that has
    /// arrived by then, so that what the client did during the hold is all seen.
    pub fn hold_until(&mut self, until: Instant) {
        while Instant::now() < until {
            self.pump(until);
        }
        self.link.drain_now();
        self.sort();
    }

    /// Takes in what has already arrived, without waiting.
    pub fn drain_now(&mut self) {
        self.link.drain_now();
        self.sort();
    }

    /// Writes `bytes` to connection `conn` in one write.
    pub fn write(&mut self, conn: usize, bytes: &[u8]) -> Result<(), Failure> {
        match self.link.conns.get_mut(conn) {
            Some(c) => c.peer.send(bytes),
            None => Err(Failure::new("no such connection (a bug in conform)")),
        }
    }

    fn role_of(&self, conn: usize) -> Option<Role> {
        self.roles.iter().find(|(c, _)| *c == conn).map(|(_, r)| *r)
    }

    /// Records that `conn` registered as `role` (`name`), and labels it so in reports.
    pub fn set_role(&mut self, conn: usize, role: Role, name: &str) {
        self.roles.push((conn, role));
        if let Some(c) = self.link.conns.get_mut(conn) {
            c.peer.set_label(format!("{name} {}", role.as_str()));
        }
    }

    /// The label of connection `conn`: `alice TOSEND`.
    pub fn label(&self, conn: usize) -> String {
        self.link
            .conns
            .get(conn)
            .map_or_else(String::new, |c| c.peer.label().to_string())
    }

    /// The connection of the user's socket in `role`. The script asks only once registration
    /// is complete; before that it is 0.
    pub fn conn(&self, role: Role) -> usize {
        self.user.as_ref().map_or(0, |user| match role {
            Role::ToSend => user.tosend,
            Role::ToRecv => user.torecv,
        })
    }

    /// True while the user's socket in `role` is open.
    pub fn open(&self, role: Role) -> bool {
        let conn = self.link.conns.get(self.conn(role));
        self.user.is_some() && conn.is_some_and(|c| c.is_open())
    }

    fn sort(&mut self) {
        for conn in 0..self.link.conns.len() {
            while let Some(frame) = self.link.conns[conn].next_frame() {
                self.judge_write(conn, &frame);
                match self.role_of(conn) {
                    // Once the user is registered nothing reads `loose` again: a stray third
                    // connection's messages are dropped rather than kept for the whole run.
                    None if self.user.is_some() => {}
                    None => self.loose.push_back((conn, frame)),
                    Some(Role::ToSend) => self.on_tosend(conn, frame),
                    Some(Role::ToRecv) => self.on_torecv(conn, frame),
                }
            }
        }
    }

    fn judge_write(&mut self, conn: usize, frame: &Frame) {
        if frame.msg.is_none() {
            return;
        }
        self.writes_judged += 1;
        if frame.split() {
            let what = format!(
                "{}: `{}` arrived in pieces; the first read held {} of its {} bytes",
                self.label(conn),
                judge::first_line(&frame.raw),
                frame.first_read.len(),
                frame.raw.len()
            );
            self.ledger.fail(
                ONE_WRITE,
                Failure::bytes(what, &frame.raw, &frame.first_read),
            );
        }
    }

    fn on_tosend(&mut self, conn: usize, frame: Frame) {
        let label = self.label(conn);
        let command = frame.msg.as_ref().map(|m| (&m.command, m.body.is_some()));
        match command {
            Some((Command::Send { .. }, true)) => {
                if self.unanswered > 0 {
                    let what = format!("{label}: a SEND before the reply to the one before it");
                    let failure = Failure::bytes(what, b"", &frame.raw);
                    self.ledger.fail(WAITS_FOR_REPLY, failure);
                }
                self.unanswered += 1;
                self.sends.push_back(frame);
            }
            Some((Command::Send { .. }, false)) | None => {
                if let Some(msg) = &frame.msg {
                    if let Err(f) = judge::send(&frame.raw, msg, &frame.tail) {
                        self.ledger.fail(SEND_FRAMING, f.labelled(&label));
                    }
                } else {
                    let what = format!("{label}: not a message (Content-length is not a number)");
                    let expected = b"SEND <recipient>\nContent-length: <n>\n\n<n bytes>";
                    let failure = Failure::bytes(what, expected, &frame.raw);
                    self.ledger.fail(SEND_FRAMING, failure);
                }
                let _ = self.write(conn, &exact::error(ErrorCode::HeaderIncomplete));
            }
            Some((Command::Received { .. }, _)) => {
                let what = format!("{label}: RECEIVED on TOSEND; acknowledgements go on TORECV");
                let failure = Failure::bytes(what, b"SEND ", &frame.raw);
                self.ledger.fail(KNOWN_MESSAGES, failure);
                self.misplaced.push_back(frame);
            }
            Some((Command::Register { role, .. }, _)) => {
                let what = format!(
                    "{label}: REGISTER {} on a socket already registered; Part 1 registers each \
                     socket once, on two connections",
                    role.as_str()
                );
                let failure = Failure::bytes(what, b"", &frame.raw);
                self.ledger.fail(REGISTER_FRAMING, failure);
                let _ = self.write(conn, &exact::error(ErrorCode::UsernameTaken));
            }
            Some(_) => {
                self.unknown(conn, &frame, "SEND");
                let _ = self.write(conn, &exact::error(ErrorCode::UnknownCommand));
            }
        }
    }

    fn on_torecv(&mut self, conn: usize, frame: Frame) {
        match frame.msg.as_ref().map(|m| &m.command) {
            Some(Command::Received { .. } | Command::Error { .. }) => {
                self.torecv_in.push_back(frame)
            }
            _ => self.unknown(conn, &frame, "RECEIVED "),
        }
    }

    fn unknown(&mut self, conn: usize, frame: &Frame, expected: &str) {
        let what = format!(
            "{}: `{}` is not a message Part 1 defines on this socket (and no extension was \
             granted)",
            self.label(conn),
            judge::first_line(&frame.raw)
        );
        let failure = Failure::bytes(what, expected.as_bytes(), &frame.raw);
        self.ledger.fail(KNOWN_MESSAGES, failure);
    }
}
