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
//! Everything the user should see goes to a [`View`] as a [`SessionEvent`]; input lines are
//! numbered ([`LineId`]) in the order they arrive, and a delivery outcome names its line.
//!
//! What the server granted decides how the extension commands behave: `/users` needs
//! `users`; `/me` sends `Emote: yes` with `meta` and the body `/me …` without; leaving says
//! `QUIT` and waits (briefly) for `BYE` with `quit`, and just closes without.

use crate::command::{parse_line, Input, Target};
use crate::net::{self, Event, Sink, Writer};
use crate::push::Push;
use crate::register::Registered;
use crate::reply::{judge, Owed, Reply, Request, Verdict};
use crate::roster::Roster;
use crate::view::{LineId, Outcome, SessionEvent, View};
use chat::wire::ext::{self, Ext, ExtMsg};
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
    Line(LineId, String),
    End,
}

/// A sent request waiting for its reply.
struct Pending {
    request: Request,
    /// The input line that asked for it.
    line: LineId,
    deadline: Instant,
}

pub struct Session<'a> {
    view: &'a mut dyn View,
    me: String,
    /// The extensions the server granted.
    ext: Ext,
    rx: &'a Receiver<Event>,
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
    /// Who is online, when known: says why a message to one user was not delivered.
    roster: Roster,
    /// The number the next input line gets.
    next_line: LineId,
}

impl<'a> Session<'a> {
    /// Starts a reader thread per socket on the channel and says the client is ready.
    pub fn start(
        reg: Registered,
        rx: &'a Receiver<Event>,
        tx: Sender<Event>,
        view: &'a mut dyn View,
        reply_timeout: Duration,
    ) -> io::Result<Session<'a>> {
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
        view.show(SessionEvent::Registered {
            name: reg.name.clone(),
            server: reg.addr.to_string(),
            ext: reg.ext,
        });
        Ok(Session {
            view,
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
            roster: Roster::new(reg.ext.has(Ext::EVENTS)),
            next_line: 0,
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
                Some(Queued::Line(id, line)) => {
                    if !self.act(id, &line)? {
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
    fn act(&mut self, id: LineId, line: &str) -> Result<bool, Gone> {
        match parse_line(line) {
            Input::Message { target, text } => {
                let to = target.wire_name().to_string();
                let msg = Message::with_body(Command::Send { to }, text.into_bytes());
                self.request(id, Request::Send(target), &msg)?;
            }
            Input::Emote(action) => self.emote(id, action)?,
            Input::Users if self.ext.has(Ext::USERS) => {
                self.request(id, Request::Users, &ExtMsg::UsersRequest.to_message())?;
            }
            Input::Users => self.view.show(SessionEvent::NoUserList),
            Input::Help => self.view.show(SessionEvent::Help),
            Input::Quit => return Ok(false),
            Input::Blank => {}
            Input::Invalid(hint) => self.view.show(SessionEvent::Hint(hint)),
        }
        Ok(true)
    }

    /// `/me action`, to everyone: marked `Emote: yes` with `meta`, else the body `/me action`
    /// that every client shows as it was typed.
    fn emote(&mut self, id: LineId, action: String) -> Result<(), Gone> {
        let to = || Command::Send { to: "ALL".into() };
        let msg = if self.ext.has(Ext::META) {
            let marked = ext::Meta {
                emote: true,
                ..ext::Meta::default()
            };
            (marked.headers().into_iter()).fold(
                Message::with_body(to(), action.into_bytes()),
                |msg, (name, value)| msg.with_header(name, &value),
            )
        } else {
            Message::with_body(to(), format!("/me {action}").into_bytes())
        };
        self.request(id, Request::Send(Target::All), &msg)
    }

    /// Sends `msg` on TOSEND, once everything waiting has been handled, and waits for its
    /// reply.
    fn request(&mut self, line: LineId, request: Request, msg: &Message) -> Result<(), Gone> {
        self.drain()?;
        if let Err(e) = self.tosend.send(msg) {
            return self.gone(Some(e.to_string()));
        }
        self.pending = Some(Pending {
            request,
            line,
            deadline: Instant::now() + self.reply_timeout,
        });
        Ok(())
    }

    /// Says `QUIT` when the server knows it and waits for its `BYE` (or the close that
    /// follows), at most [`BYE_WAIT`]; what arrives meanwhile is still shown.
    fn say_quit(&mut self) {
        let quit = ExtMsg::Quit.to_message();
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
            Event::Line(line) => {
                self.queue.push_back(Queued::Line(self.next_line, line));
                self.next_line += 1;
            }
            Event::InputEnd => self.queue.push_back(Queued::End),
            Event::Forward { from, body, meta } => {
                self.view.show(SessionEvent::Incoming { from, body, meta })
            }
            Event::Malformed { what } => self.view.show(SessionEvent::Malformed { what }),
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
        let line = pending.line;
        let event = match (verdict, &pending.request) {
            (Verdict::Stale, _) => {
                log::debug!("stale reply: {reply:?}");
                return;
            }
            (Verdict::Listed(names), _) => {
                self.roster.listed(&names);
                SessionEvent::Users(names)
            }
            (Verdict::Failed(why), Request::Users) => SessionEvent::UsersFailed(why.for_users()),
            (Verdict::Delivered, Request::Users) => return, // judge never says so
            (Verdict::Failed(why), Request::Send(to)) => {
                let online = match to {
                    Target::User(name) => self.roster.is_online(name),
                    Target::All => None,
                };
                SessionEvent::Outcome {
                    line,
                    target: to.clone(),
                    outcome: Outcome::Failed(why.for_message(to, online)),
                }
            }
            (Verdict::Delivered, Request::Send(to)) => SessionEvent::Outcome {
                line,
                target: to.clone(),
                outcome: Outcome::Delivered,
            },
        };
        self.view.show(event);
        if pending.request == Request::Send(Target::All) {
            self.broadcast_tail = true;
            self.settle_until = Some(Instant::now() + SETTLE);
        }
        self.pending = None;
    }

    /// Shows a server event; a kick's `LEAVE` (reason `kicked`) is folded into the kick.
    fn on_push(&mut self, push: Push) {
        self.roster.pushed(&push);
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
        if push != Push::Bye {
            self.view.show(SessionEvent::Pushed(push));
        }
    }

    fn time_out(&mut self) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let event = match &pending.request {
            Request::Users => SessionEvent::UsersFailed(format!(
                "no reply to /users from the server within {} s",
                self.reply_timeout.as_secs_f64()
            )),
            Request::Send(target) => {
                self.broadcast_tail |= *target == Target::All;
                SessionEvent::Outcome {
                    line: pending.line,
                    target: target.clone(),
                    outcome: Outcome::NoReply(self.reply_timeout),
                }
            }
        };
        self.view.show(event);
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
        self.view.show(SessionEvent::Gone(error));
        Err(Gone)
    }
}
