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
//! The loop speaks no protocol: requests go out through a [`Link`] and what the server says
//! comes in as [`Event`]s. What the server lets it do ([`Caps`]) decides the commands:
//! `/users` needs a user list, `@name` direct messages (a server of seed 003 has neither);
//! leaving waits (briefly) for `BYE` when the link said goodbye.
//!
//! What outlives one connection (the full screen reconnects with a new session) is in a
//! [`Memory`] the caller keeps: the ids of the messages shown, so that each message is shown
//! once (one that waited for us may come again; a page of history holds what was shown
//! live), and the password our name needs.
//!
//! The answers to requests (replies, timeouts) and the server's pushes are handled in the
//! child module `answers`; accounts, history and stored messages (Part 5) in `memory`; the
//! rooms (Part 8) in `rooms`; what a session that lost its server leaves to the next one in
//! `handover`.

use crate::command::{parse_line, Input, Target};
use crate::history::{Page, Shown};
use crate::link::{Joined, Link, Out, SendError};
use crate::net::Event;
use crate::push::Push;
use crate::reply::{Owed, Request};
use crate::roster::Roster;
use crate::secret::Secret;
use crate::view::{Caps, LineId, Outcome, SessionEvent, View};
use crate::words::Feature;
use chat::wire::Role;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

mod answers;
mod handover;
mod memory;
mod rooms;

use memory::NewPassword;

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
    /// The server's operator kicked us out of the chat, and the server closed (reported).
    Kicked,
}

/// Returned by the steps of the loop once the server is gone, to unwind to [`Session::run`].
struct Gone;

/// What outlives a session: kept by the caller across the full screen's reconnects.
#[derive(Debug, Default)]
pub struct Memory {
    /// The ids of the messages shown.
    pub shown: Shown,
    /// The password our name needs: the one registration used, or set since.
    pub password: Option<Secret>,
    /// The rooms we are in (not the lobby), oldest joined first: joined again after a
    /// reconnect, and the last one is what `/part` alone leaves.
    pub rooms: Vec<String>,
    /// Lines typed and not sent yet when the server went away (or since): the next session
    /// sends them first, in order.
    pub unsent: Vec<String>,
    /// Input ended before the server went away (or since): the next session leaves once it
    /// has sent what was typed.
    pub input_ended: bool,
    /// Line mode's `/register` was asking for the new password: the next line answers it.
    asking: Option<NewPassword>,
}

impl Memory {
    /// True when the next line typed is a password (line mode's `/register`), not a command.
    pub fn asking_password(&self) -> bool {
        self.asking.is_some()
    }
}

/// Something waiting its turn in the input queue.
enum Queued {
    Line(LineId, String),
    /// The full screen's `/register` box: claim our name with this password.
    SetPassword(Secret),
    /// The full screen's pane wants this page of history.
    History(Page),
    /// Join this room again (we were in it before a reconnect).
    Rejoin(String),
    End,
}

/// A sent request waiting for its reply.
struct Pending {
    request: Request,
    /// The input line that asked for it.
    line: LineId,
    /// The message's text, for a `SEND` (a stored one is named by it when delivered).
    text: String,
    deadline: Instant,
}

pub struct Session<'a> {
    view: &'a mut dyn View,
    me: String,
    /// What the server lets the session do.
    caps: Caps,
    rx: &'a Receiver<Event>,
    link: Link,
    reply_timeout: Duration,
    queue: VecDeque<Queued>,
    pending: Option<Pending>,
    /// Replies still owed for requests that timed out.
    owed: Owed,
    /// A broadcast has been answered or given up on; its extra replies may still come.
    broadcast_tail: bool,
    settle_until: Option<Instant>,
    /// Users whose kick was shown: their `LEAVE` with reason `kicked` would say it twice.
    kicked: HashSet<String>,
    /// The same for a room's kicks: (room, user).
    kicked_from: HashSet<(String, String)>,
    /// Who is online, when known: says why a message to one user was not delivered.
    roster: Roster,
    /// The number the next input line gets.
    next_line: LineId,
    /// What outlives the session.
    memory: &'a mut Memory,
    /// Line mode's `/register` asks for the new password, twice.
    asking: Option<NewPassword>,
    /// The password a `PASSWORD` awaiting its reply sets.
    claiming: Option<Secret>,
    /// Our messages stored for an offline user, by id: to whom, and their text.
    stored: HashMap<u64, (String, String)>,
    /// Ids said delivered before their `STORED` came (the two sockets race).
    delivered_early: HashSet<u64>,
    /// The operator kicked us out of the chat: the close that follows is no failure of the
    /// server, to be got round by another.
    kicked_out: bool,
}

impl<'a> Session<'a> {
    /// Starts the connection's reader threads on the channel and says the client is ready.
    pub fn start(
        joined: Joined,
        rx: &'a Receiver<Event>,
        tx: Sender<Event>,
        view: &'a mut dyn View,
        reply_timeout: Duration,
        memory: &'a mut Memory,
    ) -> io::Result<Session<'a>> {
        let link = Link::start(joined.wire, &joined.name, tx)?;
        let caps = joined.caps;
        memory.password = joined.password;
        view.show(SessionEvent::Registered {
            name: joined.name.clone(),
            server: joined.addr.to_string(),
            caps,
        });
        let mut queue = VecDeque::new();
        if caps.rooms {
            queue.extend(memory.rooms.drain(..).map(Queued::Rejoin));
        } else {
            memory.rooms.clear();
        }
        // What the lost session left unsent, after the rooms it may be for.
        let unsent = std::mem::take(&mut memory.unsent);
        let next_line = unsent.len() as LineId;
        queue.extend((0..).zip(unsent).map(|(id, line)| Queued::Line(id, line)));
        if std::mem::take(&mut memory.input_ended) {
            queue.push_back(Queued::End);
        }
        Ok(Session {
            view,
            me: joined.name,
            caps,
            rx,
            link,
            reply_timeout,
            queue,
            pending: None,
            owed: Owed::default(),
            broadcast_tail: false,
            settle_until: None,
            kicked: HashSet::new(),
            kicked_from: HashSet::new(),
            roster: Roster::new(caps.events),
            next_line,
            asking: memory.asking.take(),
            memory,
            claiming: None,
            stored: HashMap::new(),
            delivered_early: HashSet::new(),
            kicked_out: false,
        })
    }

    /// Runs until the user leaves or the server goes, then closes the connection.
    pub fn run(mut self) -> End {
        let end = match self.main_loop() {
            Ok(()) => {
                self.say_quit();
                End::Quit
            }
            Err(Gone) if self.kicked_out => End::Kicked,
            Err(Gone) => End::ServerGone,
        };
        self.link.close();
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
                Some(Queued::SetPassword(secret)) => self.claim(secret)?,
                Some(Queued::History(page)) => self.page(page)?,
                Some(Queued::Rejoin(room)) => self.rejoin(room)?,
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
        if let Some(step) = self.asking.take() {
            return self.password_typed(step, line).map(|()| true);
        }
        match parse_line(line, self.caps.seed) {
            Input::Message {
                target: Target::User(_),
                ..
            } if !self.caps.direct => self.view.show(SessionEvent::Unsupported(Feature::Direct)),
            Input::Message {
                target: Target::Room(_),
                ..
            } if !self.caps.rooms => self.view.show(SessionEvent::Unsupported(Feature::Rooms)),
            Input::Message { target, text } => {
                let out = Out::Say {
                    to: &target,
                    text: &text,
                };
                self.request(id, Request::Send(target.clone()), out, &text)?;
            }
            Input::Emote(action) => {
                let out = Out::Emote(&action);
                self.request(id, Request::Send(Target::All), out, &action)?
            }
            Input::Users if self.caps.users => self.request(id, Request::Users, Out::Users, "")?,
            Input::Users => self.view.show(SessionEvent::Unsupported(Feature::Users)),
            Input::Register | Input::Unregister if !self.caps.accounts => {
                self.view.show(SessionEvent::Unsupported(Feature::Accounts))
            }
            Input::Register => self.ask_new_password(),
            Input::Unregister => self.unclaim(id)?,
            Input::History(_) if !self.caps.history => {
                self.view.show(SessionEvent::Unsupported(Feature::History))
            }
            Input::History(limit) => self.history(id, Page::typed(limit))?,
            room @ (Input::Join(_)
            | Input::Part(_)
            | Input::Rooms
            | Input::Who(_)
            | Input::Topic { .. }) => self.room_command(id, room)?,
            Input::Help => self.view.show(SessionEvent::Help),
            Input::Quit => return Ok(false),
            Input::Blank => {}
            Input::Invalid(hint) => self.view.show(SessionEvent::Hint(hint)),
        }
        Ok(true)
    }

    /// Sends the request for `out`, once everything waiting has been handled, and waits for
    /// its reply.
    fn request(
        &mut self,
        line: LineId,
        request: Request,
        out: Out,
        text: &str,
    ) -> Result<(), Gone> {
        self.drain()?;
        match self.link.send(out) {
            Ok(()) => {}
            Err(SendError::TooLong) => {
                if let Request::Send(target) = request {
                    let why = SendError::TooLong.to_string();
                    self.view.show(SessionEvent::Outcome {
                        line,
                        target,
                        outcome: Outcome::Failed(why),
                    });
                }
                return Ok(());
            }
            Err(SendError::Io(e)) => return self.gone(Some(e.to_string())),
        }
        self.pending = Some(Pending {
            request,
            line,
            text: text.to_string(),
            deadline: Instant::now() + self.reply_timeout,
        });
        Ok(())
    }

    /// Says goodbye when the protocol has a way, and waits for the server's `BYE` (or the
    /// close that follows), at most [`BYE_WAIT`]; what arrives meanwhile is still shown.
    fn say_quit(&mut self) {
        if !self.link.quit() {
            return;
        }
        let until = Instant::now() + self.reply_timeout.min(BYE_WAIT);
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(Event::Push(Push::Bye))
                | Ok(Event::Closed {
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
            Event::SetPassword(secret) => self.queue.push_back(Queued::SetPassword(secret)),
            Event::History(page) => self.queue.push_back(Queued::History(page)),
            Event::Secret(_) => log::debug!("a password from the connect box, after it; dropped"),
            Event::Incoming { from, body, meta } => {
                self.show_incoming(SessionEvent::Incoming { from, body, meta })
            }
            Event::Delivered { to, id } => self.on_delivered(to, id),
            Event::Malformed { what } => self.view.show(SessionEvent::Malformed { what }),
            Event::Push(push) => self.on_push(push),
            Event::Reply { reply, unclaimed } => self.on_reply(reply, unclaimed),
            Event::Closed { error, .. } => return self.gone(error),
        }
        Ok(())
    }
}
