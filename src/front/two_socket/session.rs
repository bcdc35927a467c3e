//! One socket of the two-socket protocol, from accept to close, on its own thread.
//!
//! A socket starts unregistered; `REGISTER TOSEND|TORECV <name>` makes it one side of a user.
//! A TOSEND socket then carries `SEND`s (each answered once, in order, after the recipients'
//! acks); a TORECV socket carries the acks of the forwards pushed to it. Acks are accepted on
//! either socket. What a registered socket's messages mean is [`super::commands`], shared
//! with the hub.

use super::super::Shared;
use super::commands::{self, Step};
use super::hub::Entry;
use super::link::SocketLink;
use super::SuccessReply;
use crate::core::{AttachError, LoginError, Outgoing, SendError, Sent, Side, User};
use crate::net::conn::{Conn, ConnError};
use crate::net::outbox::Outbox;
use crate::wire::ext::{self, Ext, ExtMsg};
use crate::wire::{Command, ErrorCode, Message, Role};
use log::{debug, info, warn};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Session<'a> {
    shared: &'a Shared,
    conn: Conn,
    outbox: Arc<Outbox>,
    peer: SocketAddr,
    opened: Instant,
    /// The user and side this socket is registered as.
    user: Option<(Arc<User>, Role)>,
    /// The last `SEND`, while its acknowledgements are still coming in.
    outgoing: Outgoing,
}

/// The registry's side for a socket's role.
fn side_of(role: Role) -> Side {
    match role {
        Role::ToSend => Side::Sender,
        Role::ToRecv => Side::Receiver,
    }
}

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
        outgoing: Outgoing::new(&shared.chat),
    };
    session.serve();
    if let Some((user, Role::ToRecv)) = &session.user {
        return Some(Entry {
            user: user.clone(),
            conn: session.conn,
            outbox: session.outbox,
            peer,
            id,
            opened: session.opened,
            last_ping: None,
        });
    }
    session.close();
    None
}

impl Session<'_> {
    /// Reads and handles messages until the socket closes or is registered as TORECV.
    fn serve(&mut self) {
        while !self.shared.stopping() {
            // Time counts whether or not the socket talks: junk does not keep it open.
            let deadline = self.opened + self.shared.config.idle_timeout;
            self.conn
                .set_deadline((!self.is_complete()).then_some(deadline));
            let step = match self.conn.read_msg() {
                Ok(Some(msg)) => self.handle(msg),
                Ok(None) => return,
                // Completeness again: the twin socket may have registered meanwhile.
                Err(ConnError::TimedOut) if !self.is_complete() && Instant::now() >= deadline => {
                    info!(
                        "{}: registration not completed in time; closing",
                        self.who()
                    );
                    return;
                }
                Err(ConnError::TimedOut) => {
                    self.settle_if_due();
                    Step::Continue
                }
                Err(e) => {
                    self.settle();
                    commands::fail(&self.who(), &self.outbox, e)
                }
            };
            match step {
                Step::Close => return,
                Step::Send { to, body, emote } => self.send(&to, body, emote),
                Step::Continue => {}
            }
            if matches!(self.user, Some((_, Role::ToRecv))) {
                return; // the hub serves it from now on
            }
        }
    }

    fn is_complete(&self) -> bool {
        self.user.as_ref().is_some_and(|(u, _)| u.is_complete())
    }

    fn handle(&mut self, msg: Message) -> Step {
        debug!("{} sent {:?}", self.who(), msg.command);
        if !matches!(
            msg.command,
            Command::Received { .. } | Command::Error { .. }
        ) {
            // This gets a reply, which must follow the one still in flight.
            self.settle();
        }
        if let Some((user, role)) = self.user.clone() {
            return commands::registered(self.shared, &user, role, &self.outbox, msg);
        }
        if let Some(step) = commands::malformed(self.peer, &self.outbox, &msg) {
            return step;
        }
        let asked = ext::asked(&msg).map(|e| super::granted(self.shared, e));
        let password = msg.header("Password").map(|p| p.trim().to_string());
        match msg.command {
            Command::Register { role, name } => {
                self.register(role, &name, asked, password.as_deref())
            }
            _ => commands::reply(&self.outbox, Message::error(ErrorCode::NoUserRegistered)),
        }
    }

    fn register(
        &mut self,
        role: Role,
        name: &str,
        asked: Option<Ext>,
        password: Option<&str>,
    ) -> Step {
        let origin = self.peer.ip().to_string();
        let chat = &self.shared.chat;
        let login = match chat.login(name, password, &origin) {
            Ok(login) => login,
            Err(e) => {
                info!("{}: cannot register {name}: {e}", self.peer);
                let knows = password.is_some() || asked.is_some_and(|a| a.has(Ext::AUTH));
                let code = match e {
                    LoginError::Store(_) => ErrorCode::StoreFailed,
                    // A client that knows nothing of passwords sees a name in use.
                    _ if !knows => ErrorCode::UsernameTaken,
                    _ => ErrorCode::BadPassword,
                };
                return commands::reply(&self.outbox, Message::error(code));
            }
        };
        // The user is in the table before it is told so (Part 2), and told so before it is
        // handed anything: the link queues the reply as it is attached.
        let link = Arc::new(SocketLink {
            outbox: self.outbox.clone(),
            name: name.to_string(),
            registered: commands::registered_reply(role, name, asked).to_bytes(),
        });
        let granted = asked.unwrap_or(Ext::NONE).bits();
        let side = side_of(role);
        let code = match chat.attach_login(name, side, link, &origin, granted, login) {
            Ok(user) => {
                info!("{} registered {} {name}", self.peer, role.as_str());
                self.user = Some((user, role));
                return Step::Continue;
            }
            Err(AttachError::Malformed) => ErrorCode::MalformedUsername,
            Err(AttachError::Taken) => {
                info!("{}: {name} is taken", self.peer);
                ErrorCode::UsernameTaken
            }
        };
        commands::reply(&self.outbox, Message::error(code))
    }

    /// Starts a send; its reply is written by whichever thread settles it (usually the last
    /// recipient's, the moment it acknowledges), so this thread goes straight back to reading.
    fn send(&mut self, to: &str, body: Vec<u8>, emote: bool) {
        let Some((user, _)) = self.user.clone() else {
            return;
        };
        let success = match self.shared.config.success_reply {
            SuccessReply::Sent => Command::Sent { to: to.into() },
            SuccessReply::Send => Command::Send { to: to.into() },
        };
        let outbox = self.outbox.clone();
        let recipient = to.to_string();
        let on_done = move |result: Result<Sent, SendError>| {
            let reply = match result {
                Ok(Sent::Delivered { .. }) => Message::new(success),
                Ok(Sent::Stored(id)) => ExtMsg::Stored { to: recipient, id }.to_message(),
                Err(SendError::RateLimited) => Message::error(ErrorCode::RateLimited),
                Err(SendError::NoSuchUser | SendError::NotDelivered) => {
                    Message::error(ErrorCode::UnableToSend)
                }
                Err(SendError::MailboxFull) => Message::error(ErrorCode::MailboxFull),
                Err(SendError::StoreFailed) => Message::error(ErrorCode::StoreFailed),
                Err(SendError::Room(e)) => Message::error(super::rooms::code(e)),
            };
            // A sender that went away or stopped reading is closed by its own thread.
            let _ = outbox.push_bytes(reply.to_bytes());
        };
        let target = commands::target(to, Ext::from_bits(user.flags()));
        self.outgoing.send(&user, target, body, emote, on_done);
    }

    /// Waits for the send in flight, if any, so that replies leave in order.
    fn settle(&mut self) {
        log_silent(self.outgoing.settle());
    }

    /// Settles the send in flight once its deadline has passed.
    fn settle_if_due(&mut self) {
        log_silent(self.outgoing.settle_if_due());
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
            if self.shared.chat.detach(&user, side_of(role)) {
                info!("{} left", user.name());
            }
        }
        info!("{} disconnected", self.peer);
        self.outbox.close_gracefully();
    }
}

fn log_silent(dropped: Vec<Arc<User>>) {
    for silent in dropped {
        warn!(
            "{} did not acknowledge in time; disconnected",
            silent.name()
        );
    }
}
