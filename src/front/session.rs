//! One socket of the two-socket protocol, from accept to close, on its own thread.
//!
//! A socket starts unregistered; `REGISTER TOSEND|TORECV <name>` makes it one side of a user.
//! A TOSEND socket then carries `SEND`s (each answered once, in order, after the recipients'
//! acks); a TORECV socket carries the acks of the forwards pushed to it. Acks are accepted on
//! either socket. Read errors become replies in [`Session::fail`], the one place that decides
//! what to tell the peer and whether its stream can still be followed.

use super::hub::Entry;
use super::link::SocketLink;
use super::{Shared, SuccessReply};
use crate::conn::{Conn, ConnError};
use crate::delivery::{self, InFlight, SendError};
use crate::ext::Ext;
use crate::outbox::Outbox;
use crate::registry::{LeaveReason, RegisterError, Side, User};
use crate::wire::{Command, ErrorCode, Message, Role, WireError};
use log::{debug, info, warn};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to do after handling a message.
enum Next {
    Continue,
    Close,
}

struct Session<'a> {
    shared: &'a Shared,
    conn: Conn,
    outbox: Arc<Outbox>,
    peer: SocketAddr,
    opened: Instant,
    /// The user and side this socket is registered as.
    user: Option<(Arc<User>, Role)>,
    /// Registered as TORECV: the hub serves it from now on.
    handoff: bool,
    /// The last `SEND`, while its acknowledgements are still coming in.
    inflight: Option<InFlight>,
}

/// Serves one accepted socket until it closes.
/// Serves one accepted socket until it closes, or until it is registered as a TORECV
/// socket: then it is returned, to be handed to the [`super::hub`].
pub(super) fn run(
    shared: &Shared,
    stream: Arc<TcpStream>,
    peer: SocketAddr,
    id: u64,
) -> Option<Entry> {
    let cfg = &shared.config;
    // Also the ack timeout: a TOSEND thread reads while its last send is in flight and must
    // wake by the deadline to fail it.
    let tick = (cfg.idle_timeout.min(cfg.message_timeout))
        .min(cfg.ping_interval / 2)
        .min(cfg.ack_timeout);
    let _ = stream.set_read_timeout(Some(tick.max(Duration::from_millis(10))));
    let outbox = Outbox::new(stream.clone(), cfg.max_queued, shared.flusher.clone());
    let conn = Conn::new(stream, cfg.limits).with_message_timeout(cfg.message_timeout);
    info!("{peer} connected");
    let mut session = Session {
        shared,
        conn,
        outbox,
        peer,
        opened: Instant::now(),
        user: None,
        inflight: None,
        handoff: false,
    };
    session.serve();
    if session.handoff {
        if let Some((user, _)) = session.user.take() {
            return Some(Entry {
                conn: session.conn,
                outbox: session.outbox,
                user,
                peer,
                id,
                opened: session.opened,
                last_ping: None,
            });
        }
    }
    session.close();
    None
}

impl Session<'_> {
    fn serve(&mut self) {
        loop {
            if self
                .shared
                .stopping
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                return;
            }
            let complete = self.user.as_ref().is_some_and(|(u, _)| u.is_complete());
            let deadline = self.opened + self.shared.config.idle_timeout;
            self.conn.set_deadline((!complete).then_some(deadline));
            let next = match self.conn.read_msg() {
                Ok(Some(msg)) => self.handle(msg),
                Ok(None) => return,
                Err(ConnError::TimedOut) if !self.registration_expired() => {
                    self.settle_if_due();
                    Next::Continue
                }
                Err(e) => self.fail(e),
            };
            if let Next::Close = next {
                return;
            }
            if self.handoff {
                return;
            }
            // Time counts whether or not the socket talks: junk does not keep it open.
            if self.registration_expired() {
                info!(
                    "{}: registration not completed in time; closing",
                    self.who()
                );
                return;
            }
        }
    }

    /// True when the socket has had its time to become part of a complete user.
    fn registration_expired(&self) -> bool {
        let complete = self.user.as_ref().is_some_and(|(u, _)| u.is_complete());
        !complete && self.opened.elapsed() >= self.shared.config.idle_timeout
    }

    /// The one place where a failed read becomes a reply (or silence) and a close.
    fn fail(&mut self, e: ConnError) -> Next {
        self.settle();
        let reply = match e {
            // We no longer know where the next message would start: say why and close.
            ConnError::Wire(WireError::BadContentLength) => Some(ErrorCode::HeaderIncomplete),
            ConnError::Wire(_) => Some(ErrorCode::MessageTooLong),
            _ => None,
        };
        match reply {
            Some(code) => {
                warn!("{}: {e}; closing", self.who());
                self.reply(Message::error(code));
            }
            None => info!("{}: {e}; closing", self.who()),
        }
        Next::Close
    }

    fn handle(&mut self, msg: Message) -> Next {
        debug!("{} sent {:?}", self.who(), msg.command);
        if !matches!(
            msg.command,
            Command::Received { .. } | Command::Error { .. }
        ) {
            // This gets a reply, which must follow the one still in flight.
            self.settle();
        }
        let asked = msg.header("Extensions").map(Ext::parse);
        let emote = msg
            .header("Emote")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
        let Message { command, body, .. } = msg;
        match (command, body) {
            (Command::Send { .. }, None) => {
                warn!("{}: SEND without Content-length; closing", self.who());
                self.reply(Message::error(ErrorCode::HeaderIncomplete));
                Next::Close
            }
            (Command::Register { role, name }, _) => self.register(role, &name, asked),
            (Command::Other { verb, .. }, _) if verb.eq_ignore_ascii_case("REGISTER") => {
                self.reply(Message::error(ErrorCode::MalformedUsername))
            }
            (command, body) => match self.user.clone() {
                None => self.reply(Message::error(ErrorCode::NoUserRegistered)),
                Some((user, role)) => {
                    user.touch();
                    self.registered(&user, role, command, body, emote)
                }
            },
        }
    }

    fn registered(
        &mut self,
        user: &Arc<User>,
        role: Role,
        command: Command,
        body: Option<Vec<u8>>,
        emote: bool,
    ) -> Next {
        match (command, body) {
            (Command::Received { .. }, _) => {
                user.acknowledge(true);
                Next::Continue
            }
            (Command::Error { code, .. }, _) => {
                debug!("{}: recipient answered ERROR {code}", user.name());
                user.acknowledge(false);
                Next::Continue
            }
            // Part 1: until both sockets are registered, anything else is ERROR 101.
            _ if !user.is_complete() => self.reply(Message::error(ErrorCode::NoUserRegistered)),
            (command, body) => self.reply_to(user, role, command, body, emote),
        }
    }

    fn reply_to(
        &mut self,
        user: &Arc<User>,
        role: Role,
        command: Command,
        body: Option<Vec<u8>>,
        emote: bool,
    ) -> Next {
        let ext = user.extensions();
        match (command, body) {
            (Command::Send { to }, Some(body)) if role == Role::ToSend => {
                self.send(user, &to, body, emote && ext.has(Ext::META))
            }
            (Command::Other { verb, args }, _) => match verb.to_ascii_uppercase().as_str() {
                "USERS" if ext.has(Ext::USERS) && role == Role::ToSend => self.users(),
                "QUIT" if ext.has(Ext::QUIT) => {
                    self.reply(Message::new(Command::other("BYE", "")));
                    info!("{} quit", user.name());
                    self.shared.registry.drop_user(user, LeaveReason::Quit);
                    Next::Close
                }
                "PING" if ext.has(Ext::PING) => {
                    self.reply(Message::new(Command::other("PONG", &args)))
                }
                "PONG" if ext.has(Ext::PING) => Next::Continue,
                _ => self.reply(Message::error(ErrorCode::UnknownCommand)),
            },
            _ => self.reply(Message::error(ErrorCode::UnknownCommand)),
        }
    }

    /// `USERS <count>` with the names, one per line, as the body.
    fn users(&self) -> Next {
        let users = self.shared.registry.list();
        let mut body = Vec::new();
        for u in &users {
            body.extend_from_slice(u.name().as_bytes());
            body.push(b'\n');
        }
        let count = users.len().to_string();
        self.reply(Message::with_body(Command::other("USERS", &count), body))
    }

    fn register(&mut self, role: Role, name: &str, asked: Option<Ext>) -> Next {
        // Granted: what was asked and we support; the reply names it only if it was asked.
        let granted = asked.unwrap_or(Ext::NONE);
        let registered = || {
            let msg = Message::new(Command::Registered {
                role,
                name: name.into(),
            });
            match asked {
                Some(ext) => msg.with_header("Extensions", &ext.to_header()),
                None => msg,
            }
        };
        if let Some((user, had)) = &self.user {
            // Saying it again on the same socket is harmless; anything else is a takeover.
            return if *had == role && user.name() == name {
                self.reply(registered())
            } else {
                self.reply(Message::error(ErrorCode::UsernameTaken))
            };
        }
        let side = match role {
            Role::ToSend => Side::Sender,
            Role::ToRecv => Side::Receiver,
        };
        let link = Arc::new(SocketLink {
            outbox: self.outbox.clone(),
        });
        let registry = &self.shared.registry;
        match registry.attach(name, side, link, self.peer.ip(), granted) {
            Ok(user) => {
                info!("{} registered {} {name}", self.peer, role.as_str());
                self.user = Some((user, role));
                self.handoff = role == Role::ToRecv;
                // The user is in the table before it is told so (Part 2).
                self.reply(registered())
            }
            Err(RegisterError::Malformed) => {
                self.reply(Message::error(ErrorCode::MalformedUsername))
            }
            Err(RegisterError::Taken) => {
                info!("{}: {name} is taken", self.peer);
                self.reply(Message::error(ErrorCode::UsernameTaken))
            }
        }
    }

    /// Starts a send; its reply is written by whichever thread settles it (usually the last
    /// recipient's, the moment it acknowledges), so this thread goes straight back to reading.
    fn send(&mut self, user: &Arc<User>, to: &str, body: Vec<u8>, emote: bool) -> Next {
        if !user.is_complete() {
            return self.reply(Message::error(ErrorCode::NoUserRegistered));
        }
        let cfg = &self.shared.config;
        if !user.allow_send(cfg.rate_limit) {
            debug!("{}: over the rate limit", user.name());
            return self.reply(Message::error(ErrorCode::RateLimited));
        }
        let success = match cfg.success_reply {
            SuccessReply::Sent => Command::Sent { to: to.into() },
            SuccessReply::Send => Command::Send { to: to.into() },
        };
        let outbox = self.outbox.clone();
        let on_done = move |result: Result<(), SendError>| {
            let reply = match result {
                Ok(()) => Message::new(success),
                Err(_) => Message::error(ErrorCode::UnableToSend),
            };
            // A sender that went away or stopped reading is closed by its own thread.
            let _ = outbox.push_bytes(reply.to_bytes());
        };
        let registry = &self.shared.registry;
        self.inflight = delivery::start(registry, user, to, body, emote, cfg.ack_timeout, on_done);
        Next::Continue
    }

    /// Waits for the send in flight, if any, so that replies leave in order.
    fn settle(&mut self) {
        if let Some(inflight) = self.inflight.take() {
            for silent in inflight.settle(&self.shared.registry) {
                warn!(
                    "{} did not acknowledge in time; disconnected",
                    silent.name()
                );
            }
        }
    }

    /// Settles the send in flight once its deadline has passed.
    fn settle_if_due(&mut self) {
        if self
            .inflight
            .as_ref()
            .is_some_and(|f| Instant::now() >= f.deadline())
        {
            self.settle();
        }
    }

    /// Queues a reply; a peer that stopped reading its replies is closed.
    fn reply(&self, msg: Message) -> Next {
        match self.outbox.push_bytes(msg.to_bytes()) {
            Ok(()) => Next::Continue,
            Err(e) => {
                warn!("{}: cannot reply: {e}", self.who());
                Next::Close
            }
        }
    }

    fn who(&self) -> String {
        match &self.user {
            Some((u, role)) => format!("{} ({} {})", self.peer, role.as_str(), u.name()),
            None => self.peer.to_string(),
        }
    }

    fn close(&mut self) {
        self.settle();
        if let Some((user, role)) = self.user.take() {
            let side = match role {
                Role::ToSend => Side::Sender,
                Role::ToRecv => Side::Receiver,
            };
            if self.shared.registry.detach(&user, side) {
                info!("{} left", user.name());
            }
        }
        info!("{} disconnected", self.peer);
        self.outbox.close_gracefully();
    }
}
