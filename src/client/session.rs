//! The registered client: one loop over the shared event channel that sends one request at
//! a time, matches replies to it, prints what arrives, and ends on `/quit`, end of input, or a
//! server that goes away.
//!
//! Lines typed while a reply is awaited are queued, so nothing is ever sent before the
//! previous request is answered or has timed out. Before each send the channel is drained
//! (replies nobody waits for are dropped), and after a broadcast is answered there is a short
//! settling pause for the extra per-recipient replies some servers send. A request that timed
//! out is still owed a reply by an in-order server; that reply is dropped when it comes.
//!
//! What the server granted decides how the extension commands behave: `/users` needs
//! `users`; `/me` sends `Emote: yes` with `meta` and the body `/me …` without; leaving says
//! `QUIT` and waits (briefly) for `BYE` with `quit`, and just closes without.

use crate::command::{parse_line, Input, Target, HELP, USAGE};
use crate::net::{self, Event, Sink, Writer};
use crate::output::{self, Out};
use crate::push::Push;
use crate::reply::{judge, Owed, Reply, Request, Verdict};
use crate::setup::Registered;
use chat::ext::Ext;
use chat::wire::{Command, Message, Role};
use parking_lot::Mutex;
use std::collections::{HashSet, VecDeque};
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long to keep collecting extra replies after a broadcast is answered.
const SETTLE: Duration = Duration::from_millis(250);
/// How long to wait for the second socket to close once the first has.
const LINGER: Duration = Duration::from_millis(250);
/// The longest wait for `BYE` after `QUIT` (capped by the reply timeout).
const BYE_WAIT: Duration = Duration::from_secs(2);

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

/// A sent request waiting for its reply.
struct Pending {
    request: Request,
    deadline: Instant,
}

pub struct Session {
    out: Out,
    me: String,
    /// The extensions the server granted.
    ext: Ext,
    rx: Receiver<Event>,
    tosend: Arc<Writer>,
    torecv: Arc<Writer>,
    reply_timeout: Duration,
    queue: VecDeque<Queued>,
    pending: Option<Pending>,
    /// Replies still owed for unicasts and user lists that timed out.
    owed: Owed,
    /// A broadcast has been answered or given up on; its extra replies may still come.
    broadcast_tail: bool,
    settle_until: Option<Instant>,
    /// Users whose kick was shown: their `LEAVE` with reason `kicked` would say it twice.
    kicked: HashSet<String>,
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
            ext: reg.ext,
            rx,
            tosend,
            torecv,
            reply_timeout,
            queue: VecDeque::new(),
            pending: None,
            owed: Owed::default(),
            broadcast_tail: false,
            settle_until: None,
            kicked: HashSet::new(),
        })
    }

    /// Runs until the user leaves or the server goes, then closes both sockets.
    pub fn run(mut self) -> End {
        let end = match self.main_loop() {
            Ok(()) => {
                self.say_quit();
                End::Quit
            }
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
            Input::Message { target, text } => {
                let to = target.wire_name().to_string();
                let msg = Message::with_body(Command::Send { to }, text.into_bytes());
                self.request(Request::Send(target), &msg)?;
            }
            Input::Emote(action) => self.emote(action)?,
            Input::Users if self.ext.has(Ext::USERS) => {
                self.request(Request::Users, &Message::new(Command::other("USERS", "")))?;
            }
            Input::Users => self.out.line("this server does not support /users"),
            Input::Help => self.out.line(HELP),
            Input::Quit => return Ok(false),
            Input::Blank => {}
            Input::Invalid(hint) => self.out.line(&hint),
        }
        Ok(true)
    }

    /// `/me action`, to everyone: marked `Emote: yes` with `meta`, else the body `/me action`
    /// that every client shows as it was typed.
    fn emote(&mut self, action: String) -> Result<(), Gone> {
        let to = || Command::Send { to: "ALL".into() };
        let msg = if self.ext.has(Ext::META) {
            Message::with_body(to(), action.into_bytes()).with_header("Emote", "yes")
        } else {
            Message::with_body(to(), format!("/me {action}").into_bytes())
        };
        self.request(Request::Send(Target::All), &msg)
    }

    /// Sends `msg` on TOSEND, once everything waiting has been handled, and waits for its
    /// reply.
    fn request(&mut self, request: Request, msg: &Message) -> Result<(), Gone> {
        self.drain()?;
        if let Err(e) = self.tosend.send(msg) {
            return self.gone(Some(e.to_string()));
        }
        self.pending = Some(Pending {
            request,
            deadline: Instant::now() + self.reply_timeout,
        });
        Ok(())
    }

    /// Says `QUIT` when the server knows it and waits for its `BYE` (or the close that
    /// follows), at most [`BYE_WAIT`]; what arrives meanwhile is still shown.
    fn say_quit(&mut self) {
        let quit = Message::new(Command::other("QUIT", ""));
        if !self.ext.has(Ext::QUIT) || self.tosend.send(&quit).is_err() {
            return;
        }
        let until = Instant::now() + self.reply_timeout.min(BYE_WAIT);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(Event::Msg { msg, .. }) if Push::from_message(&msg) == Some(Push::Bye) => return,
                Ok(Event::Closed {
                    role: Role::ToSend, ..
                })
                | Err(_) => return,
                Ok(Event::Closed { .. } | Event::Line(_) | Event::InputEnd) => {}
                Ok(event) => {
                    let _ = self.handle(event);
                }
            }
        }
        log::info!("no BYE within the wait; closing anyway");
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
            Event::Forward { from, body, meta } => {
                self.out.line(&output::incoming(&from, &body, &meta))
            }
            Event::Malformed { what } => self.out.line(&format!(
                "received a malformed message {what}; answered ERROR 103"
            )),
            Event::Msg { role, msg } => self.on_message(role, &msg),
            Event::Closed { error, .. } => return self.gone(error),
        }
        Ok(())
    }

    fn on_message(&mut self, role: Role, msg: &Message) {
        if let Some(push) = Push::from_message(msg) {
            return self.on_push(push);
        }
        let Some(reply) = Reply::from_message(msg) else {
            log::info!("ignored from the server on {}: {msg:?}", role.as_str());
            return;
        };
        if self.owed.settles(&reply, Instant::now()) {
            log::debug!("late reply to a request that timed out: {reply:?}");
            return;
        }
        let Some(pending) = &self.pending else {
            log::debug!("reply nobody waits for: {reply:?}");
            return;
        };
        let verdict = judge(&reply, &pending.request, &self.me, self.broadcast_tail);
        let line = match (verdict, &pending.request) {
            (Verdict::Stale, _) => {
                log::debug!("stale reply: {reply:?}");
                return;
            }
            (Verdict::Listed(names), _) => output::users_line(&names),
            (Verdict::Failed(why), Request::Users) => format!("could not list users: {why}"),
            (Verdict::Failed(why), Request::Send(to)) => {
                format!("could not deliver to {}: {why}", to.wire_name())
            }
            (Verdict::Delivered, Request::Users) => return, // judge never says so
            (Verdict::Delivered, Request::Send(to)) => format!("delivered to {}", to.wire_name()),
        };
        self.out.line(&line);
        if pending.request == Request::Send(Target::All) {
            self.broadcast_tail = true;
            self.settle_until = Some(Instant::now() + SETTLE);
        }
        self.pending = None;
    }

    /// Shows a server event; a kick's `LEAVE` (reason `kicked`) is folded into the kick.
    fn on_push(&mut self, push: Push) {
        match &push {
            Push::Kicked { name, .. } => {
                self.kicked.insert(name.clone());
            }
            Push::Left { name, reason }
                if reason.as_deref() == Some("kicked") && self.kicked.remove(name) =>
            {
                return;
            }
            Push::Bye => log::info!("BYE without a QUIT"),
            _ => {}
        }
        if let Some(line) = output::push_line(&push, &self.me) {
            self.out.line(&line);
        }
    }

    fn time_out(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let secs = self.reply_timeout.as_secs_f64();
        let line = match &pending.request {
            Request::Users => format!("no reply to /users from the server within {secs} s"),
            Request::Send(Target::All) => {
                self.broadcast_tail = true;
                format!("no reply for ALL within {secs} s; it may or may not have been delivered")
            }
            Request::Send(Target::User(to)) => {
                format!("could not deliver to {to}: no reply from the server within {secs} s")
            }
        };
        self.out.line(&line);
        if pending.request != Request::Send(Target::All) {
            // An in-order server still owes this reply; drop it when it comes, but do not
            // wait for it forever in case the server never sends it.
            let expiry = Instant::now() + self.reply_timeout;
            self.owed.push(pending.request, expiry);
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
