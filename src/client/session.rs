//! The registered client: one loop over the shared event channel that sends one message at a
//! time, matches replies to it, prints what arrives, and ends on `/quit`, end of input, or a
//! server that goes away.
//!
//! Lines typed while a reply is awaited are queued, so nothing is ever sent before the
//! previous message is answered or has timed out. Before each send the channel is drained
//! (replies nobody waits for are dropped), and after a broadcast is answered there is a short
//! settling pause for the extra per-recipient replies some servers send. A unicast that timed
//! out is still owed a reply by an in-order server; that reply is dropped when it comes.

use crate::command::{parse_line, Input, Target, USAGE};
use crate::net::{self, Event, Sink, Writer};
use crate::output::{self, Out};
use crate::reply::{judge, Reply, Verdict};
use crate::setup::Registered;
use chat::wire::{Command, Message, Role};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to keep collecting extra replies after a broadcast is answered.
const SETTLE: Duration = Duration::from_millis(250);
/// How long to wait for the second socket to close once the first has.
const LINGER: Duration = Duration::from_millis(250);

/// How a session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `/quit` or end of input, after the last reply.
    Quit,
    /// The server closed a socket or a socket failed (already reported).
    ServerGone,
}

/// Returned by the steps of the loop once the server is gone, to unwind to [`Session::run`].
struct Gone;

/// Something waiting its turn in the input queue.
enum Queued {
    Line(String),
    End,
}

/// A sent message waiting for its reply.
struct Pending {
    target: Target,
    deadline: Instant,
}

pub struct Session {
    out: Out,
    me: String,
    rx: Receiver<Event>,
    tosend: Arc<Writer>,
    torecv: Arc<Writer>,
    reply_timeout: Duration,
    queue: VecDeque<Queued>,
    pending: Option<Pending>,
    /// Expiry times of replies still owed for unicasts that timed out, oldest first.
    owed: VecDeque<Instant>,
    /// A broadcast has been answered or given up on; its extra replies may still come.
    broadcast_tail: bool,
    settle_until: Option<Instant>,
}

impl Session {
    /// Starts a reader thread per socket on the channel and says the client is ready.
    pub fn start(
        reg: Registered,
        rx: Receiver<Event>,
        tx: Sender<Event>,
        out: Out,
        reply_timeout: Duration,
    ) -> io::Result<Session> {
        let tosend = Arc::new(Writer::new(Arc::clone(reg.tosend.stream())));
        let torecv = Arc::new(Writer::new(Arc::clone(reg.torecv.stream())));
        let order = Arc::new(Mutex::new(()));
        let sink = |writer: &Arc<Writer>, tx: Sender<Event>| Sink {
            writer: Arc::clone(writer),
            order: Arc::clone(&order),
            tx,
        };
        net::spawn_reader(Role::ToSend, reg.tosend, sink(&tosend, tx.clone()))?;
        net::spawn_reader(Role::ToRecv, reg.torecv, sink(&torecv, tx))?;
        out.line(&format!(
            "registered as {} on {}; {USAGE}",
            reg.name, reg.addr
        ));
        Ok(Session {
            out,
            me: reg.name,
            rx,
            tosend,
            torecv,
            reply_timeout,
            queue: VecDeque::new(),
            pending: None,
            owed: VecDeque::new(),
            broadcast_tail: false,
            settle_until: None,
        })
    }

    /// Runs until the user leaves or the server goes, then closes both sockets.
    pub fn run(mut self) -> End {
        let end = match self.main_loop() {
            Ok(()) => End::Quit,
            Err(Gone) => End::ServerGone,
        };
        self.tosend.close();
        self.torecv.close();
        end
    }

    fn main_loop(&mut self) -> Result<(), Gone> {
        loop {
            if let Some(deadline) = self.pending.as_ref().map(|p| p.deadline) {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.rx.recv_timeout(left) {
                    Ok(event) => self.handle(event)?,
                    Err(RecvTimeoutError::Timeout) => self.time_out(),
                    Err(RecvTimeoutError::Disconnected) => return Ok(()),
                }
                continue;
            }
            match self.queue.pop_front() {
                Some(Queued::Line(line)) => {
                    if !self.act(&line)? {
                        return Ok(());
                    }
                }
                Some(Queued::End) => return Ok(()),
                None => match self.rx.recv() {
                    Ok(event) => self.handle(event)?,
                    Err(_) => return Ok(()),
                },
            }
        }
    }

    /// Carries out one input line; false when it asks to leave.
    fn act(&mut self, line: &str) -> Result<bool, Gone> {
        match parse_line(line) {
            Input::Message { target, text } => self.send(target, text)?,
            Input::Quit => return Ok(false),
            Input::Blank => {}
            Input::Invalid(hint) => self.out.line(&hint),
        }
        Ok(true)
    }

    fn send(&mut self, target: Target, text: String) -> Result<(), Gone> {
        self.drain()?;
        let to = target.wire_name().to_string();
        let msg = Message::with_body(Command::Send { to }, text.into_bytes());
        if let Err(e) = self.tosend.send(&msg) {
            return self.gone(Some(e.to_string()));
        }
        self.pending = Some(Pending {
            target,
            deadline: Instant::now() + self.reply_timeout,
        });
        Ok(())
    }

    /// Handles everything already waiting, after a settling pause if a broadcast just ended.
    fn drain(&mut self) -> Result<(), Gone> {
        if let Some(until) = self.settle_until.take() {
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                match self.rx.recv_timeout(left) {
                    Ok(event) => self.handle(event)?,
                    Err(_) => break,
                }
            }
        }
        while let Ok(event) = self.rx.try_recv() {
            self.handle(event)?;
        }
        Ok(())
    }

    fn handle(&mut self, event: Event) -> Result<(), Gone> {
        match event {
            Event::Line(line) => self.queue.push_back(Queued::Line(line)),
            Event::InputEnd => self.queue.push_back(Queued::End),
            Event::Forward { from, body } => self.out.line(&output::incoming(&from, &body)),
            Event::Malformed { what } => self.out.line(&format!(
                "received a malformed message {what}; answered ERROR 103"
            )),
            Event::Msg { role, msg } => self.on_message(role, &msg),
            Event::Closed { error } => return self.gone(error),
        }
        Ok(())
    }

    fn on_message(&mut self, role: Role, msg: &Message) {
        let Some(reply) = Reply::from_message(msg) else {
            log::info!("ignored from the server on {}: {msg:?}", role.as_str());
            return;
        };
        let now = Instant::now();
        while self.owed.front().is_some_and(|&expiry| expiry <= now) {
            self.owed.pop_front();
        }
        if self.owed.pop_front().is_some() {
            log::debug!("late reply to a message that timed out: {reply:?}");
            return;
        }
        let Some(pending) = &self.pending else {
            log::debug!("reply nobody waits for: {reply:?}");
            return;
        };
        let verdict = judge(&reply, &pending.target, &self.me, self.broadcast_tail);
        let to = pending.target.wire_name().to_string();
        match verdict {
            Verdict::Stale => {
                log::debug!("stale reply while waiting for {to}: {reply:?}");
                return;
            }
            Verdict::Delivered => self.out.line(&format!("delivered to {to}")),
            Verdict::Failed(why) => self.out.line(&format!("could not deliver to {to}: {why}")),
        }
        if pending.target == Target::All {
            self.broadcast_tail = true;
            self.settle_until = Some(now + SETTLE);
        }
        self.pending = None;
    }

    fn time_out(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let secs = self.reply_timeout.as_secs_f64();
        match pending.target {
            Target::All => {
                self.broadcast_tail = true;
                self.out.line(&format!(
                    "no reply for ALL within {secs} s; it may or may not have been delivered"
                ));
            }
            Target::User(to) => {
                // An in-order server still owes this reply; drop it when it comes, but do
                // not wait for it forever in case the server never sends it.
                self.owed.push_back(Instant::now() + self.reply_timeout);
                self.out.line(&format!(
                    "could not deliver to {to}: no reply from the server within {secs} s"
                ));
            }
        }
    }

    /// Reports the loss of the server, once: the loop ends right after.
    ///
    /// The other socket usually closes at the same moment; what the server sent on it before
    /// closing (a last reply, a last forward) is still shown, for up to [`LINGER`].
    fn gone(&mut self, error: Option<String>) -> Result<(), Gone> {
        let until = Instant::now() + LINGER;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(Event::Closed { .. }) | Err(_) => break,
                Ok(event) => {
                    let _ = self.handle(event);
                }
            }
        }
        match error {
            None => self.out.line("server closed the connection"),
            Some(e) => self
                .out
                .line(&format!("lost the connection to the server: {e}")),
        }
        Err(Gone)
    }
}
