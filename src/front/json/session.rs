//! One JSON session, from accept to close, on its connection's own thread: the hello, then
//! `chat`, `dm`, `emote` and `users` turned into the chat's verbs, each answered in order.
//! The packets come over a [`Transport`]: the JSON protocol's TCP stream, or a WebSocket.

use super::super::Shared;
use super::link::{rfc3339, with_ids, JsonLink, ASKED};
use super::transport::{Framing, ReadError, Stream, Transport};
use super::{memory, rooms};
use crate::core::{AttachError, LoginError, Outgoing, SendError, Sent, Side, Target, User};
use crate::net::conn::Conn;
use crate::net::outbox::Outbox;
use crate::wire::json::ext::{Code, JsonExt};
use crate::wire::json::{JsonLimits, Packet, MAX_PAYLOAD};
use log::{debug, info, warn};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Room kept under the two length bytes' limit for what our copy of a packet adds to the
/// client's (the sender's nick, a `/me `, a `pat -> chris`), so that its echo always fits.
const ECHO_ROOM: usize = 128;

/// The longest packet a client may send.
pub(crate) fn limits(max_body: usize) -> JsonLimits {
    JsonLimits {
        max_payload: max_body.min(MAX_PAYLOAD - ECHO_ROOM),
    }
}

struct Session<'a, T: Transport> {
    shared: &'a Shared,
    transport: T,
    framing: &'static Framing,
    outbox: Arc<Outbox>,
    peer: SocketAddr,
    opened: Instant,
    user: Option<Arc<User>>,
    /// The last message sent, while its acknowledgements are still coming in.
    outgoing: Outgoing,
    /// The closing error sent, for the transport's last word.
    ending: Option<(Code, String)>,
}

/// Whether the connection goes on.
#[derive(PartialEq, Eq)]
enum Step {
    Continue,
    Close,
}

/// How often a session's thread wakes when nothing arrives, to settle what is due.
pub(crate) fn tick(shared: &Shared) -> Duration {
    let cfg = &shared.config;
    let tick = cfg
        .idle_timeout
        .min(cfg.message_timeout)
        .min(cfg.ack_timeout);
    tick.max(Duration::from_millis(10))
}

/// Serves an accepted JSON connection until it closes.
pub(super) fn run(shared: &Arc<Shared>, stream: Arc<TcpStream>, peer: SocketAddr, id: u64) {
    let cfg = &shared.config;
    let _ = stream.set_read_timeout(Some(tick(shared)));
    let outbox = Outbox::new(stream.clone(), cfg.max_queued, shared.flusher.clone());
    let conn = Conn::with_codec(stream, limits(cfg.limits.max_body))
        .with_message_timeout(cfg.message_timeout);
    info!("{peer} connected (json)");
    serve(shared, Stream { conn }, outbox, peer);
    shared.closed(id);
}

/// Serves the packets `transport` carries, whose replies go to `outbox`, until the
/// connection ends; the user (if it joined) has left and the outbox is closed on return.
pub(crate) fn serve<T: Transport>(
    shared: &Shared,
    transport: T,
    outbox: Arc<Outbox>,
    peer: SocketAddr,
) {
    let mut session = Session {
        shared,
        framing: transport.framing(),
        transport,
        outbox,
        peer,
        opened: Instant::now(),
        user: None,
        outgoing: Outgoing::new(&shared.chat),
        ending: None,
    };
    session.serve();
    session.close();
}

impl<T: Transport> Session<'_, T> {
    fn serve(&mut self) {
        let cfg = &self.shared.config;
        while !self.shared.stopping() {
            let hello_by = self.opened + cfg.idle_timeout;
            let deadline = self.user.is_none().then_some(hello_by);
            let step = match self.transport.read(deadline) {
                Ok(Some(packet)) => self.handle(packet),
                Ok(None) => return,
                Err(ReadError::TimedOut) if self.user.is_none() && Instant::now() >= hello_by => {
                    let secs = cfg.idle_timeout.as_secs_f64();
                    self.error(Code::Timeout, &format!("no hello within {secs} s"))
                }
                Err(ReadError::TimedOut) => {
                    self.settle_if_due();
                    Step::Continue
                }
                Err(ReadError::Stalled(limit)) => {
                    let secs = limit.as_secs_f64();
                    let why = format!("a packet took longer than {secs} s to arrive");
                    self.error(Code::Timeout, &why)
                }
                Err(ReadError::Wire(e)) => {
                    let code = Code::parse(e.code()).unwrap_or(Code::Malformed);
                    self.error(code, &e.to_string())
                }
                Err(ReadError::Ended(why)) => {
                    info!("{}: {why}; closing", self.who());
                    Step::Close
                }
            };
            if step == Step::Close {
                return;
            }
        }
    }

    fn handle(&mut self, packet: Packet) -> Step {
        debug!("{} sent {}", self.who(), packet.kind());
        let Some(user) = self.user.clone() else {
            return self.before_hello(packet);
        };
        user.touch();
        let ext = JsonExt::from_bits(user.flags());
        let is_message = matches!(
            packet,
            Packet::Chat { .. } | Packet::Emote { .. } | Packet::Dm { .. }
        );
        let packet = if ext.has(JsonExt::ROOMS) && !is_message {
            self.settle();
            match rooms::handle(&self.shared.chat, &user, packet) {
                Ok(answer) => return self.answer_all(answer),
                Err(packet) => packet,
            }
        } else {
            packet
        };
        match packet {
            Packet::Chat {
                message,
                room: Some(room),
                ..
            } if ext.has(JsonExt::ROOMS) => self.send(&user, to_room(&room), message, false),
            Packet::Emote {
                message,
                room: Some(room),
                ..
            } if ext.has(JsonExt::ROOMS) => self.send(&user, to_room(&room), message, true),
            Packet::Chat { message, .. } => self.send(&user, Target::Everyone, message, false),
            Packet::Emote { message, .. } => self.send(&user, Target::Everyone, message, true),
            Packet::Dm { to, message, .. } if ext.has(JsonExt::OFFLINE) => {
                self.send(&user, Target::UserOrMailbox(&to), message, false)
            }
            Packet::Dm { to, message, .. } => self.send(&user, Target::User(&to), message, false),
            Packet::Password {
                password: Some(password),
                ..
            } if ext.has(JsonExt::AUTH) => {
                self.settle();
                self.answer(memory::password(&self.shared.chat, &user, &password))
            }
            Packet::History {
                room,
                before,
                after,
                limit,
                ..
            } if ext.has(JsonExt::HISTORY) => {
                self.settle();
                let chat = &self.shared.chat;
                let page = memory::Page {
                    before,
                    after,
                    limit,
                };
                self.answer(memory::history(chat, &user, room, page))
            }
            Packet::Users { .. } => {
                self.settle();
                let nicks = Some(self.shared.chat.names());
                self.reply(&Packet::Users { nicks })
            }
            Packet::Hello { .. } => {
                let why = format!("you already joined as {}", user.name());
                self.error(Code::AlreadyJoined, &why)
            }
            Packet::Malformed { kind } => self.error(Code::BadPacket, &bad_packet(&kind)),
            // Types we do not know, and those only a server sends, are ignored.
            _ => Step::Continue,
        }
    }

    fn before_hello(&mut self, packet: Packet) -> Step {
        match packet {
            Packet::Hello {
                nick,
                extensions,
                password,
            } => self.hello(&nick, extensions, password),
            Packet::Malformed { kind } if kind == "hello" => {
                self.error(Code::BadNick, "a hello needs a nick that is a string")
            }
            Packet::Malformed { kind } => self.error(Code::BadPacket, &bad_packet(&kind)),
            Packet::Chat { .. }
            | Packet::Dm { .. }
            | Packet::Emote { .. }
            | Packet::Users { .. } => self.error(Code::NoHello, "send hello first"),
            _ => Step::Continue,
        }
    }

    fn hello(
        &mut self,
        nick: &str,
        extensions: Option<Vec<String>>,
        password: Option<String>,
    ) -> Step {
        let mut flags = 0;
        if let Some(names) = &extensions {
            flags = memory::granted(&self.shared.chat, JsonExt::from_names(names)).bits() | ASKED;
        }
        let origin = self.peer.ip().to_string();
        let chat = &self.shared.chat;
        let login = match chat.login(nick, password.as_deref(), &origin) {
            Ok(login) => login,
            Err(e) => {
                let knows = password.is_some() || JsonExt::from_bits(flags).has(JsonExt::AUTH);
                return match e {
                    LoginError::Store(e) => self.error(Code::StoreFailed, &e.to_string()),
                    // A client that knows nothing of passwords sees a nick in use.
                    _ if !knows => self.error(Code::NickTaken, &format!("{nick} is taken")),
                    e => self.error(Code::BadPassword, &e.to_string()),
                };
            }
        };
        let link = Arc::new(JsonLink {
            outbox: self.outbox.clone(),
            nick: nick.to_string(),
            framing: self.framing,
        });
        match chat.attach_login(nick, Side::Both, link, &origin, flags, login) {
            Ok(user) => {
                info!("{} joined as {nick} ({})", self.peer, self.transport.name());
                self.user = Some(user);
                Step::Continue
            }
            Err(AttachError::Malformed) => self.error(
                Code::BadNick,
                "a nick is 1 to 32 letters and digits, and not ALL",
            ),
            Err(AttachError::Taken) => self.error(Code::NickTaken, &format!("{nick} is taken")),
        }
    }

    /// Sends a message after the previous one has settled; its answer (the echo, or an
    /// error) leaves in order.
    fn send(&mut self, user: &Arc<User>, to: Target, message: String, emote: bool) -> Step {
        let outbox = self.outbox.clone();
        let (me, direct_to) = match to {
            Target::User(name) | Target::UserOrMailbox(name) => {
                (user.name().to_string(), Some(name.to_string()))
            }
            _ => (String::new(), None),
        };
        let room = match to {
            Target::Room { room, .. } => room.to_string(),
            _ => String::new(),
        };
        let body = message.clone().into_bytes();
        let ids = with_ids(JsonExt::from_bits(user.flags()));
        let framing = self.framing;
        let error_bytes = move |code: Code, message: &str| framing.error(code, message);
        let packet_bytes = move |packet: &Packet| framing.packet(packet);
        let on_done = move |result: Result<Sent, SendError>| {
            let answer = match (result, direct_to) {
                (Err(SendError::RateLimited), _) => {
                    error_bytes(Code::RateLimited, "too many messages; slow down")
                }
                (Err(SendError::NoSuchUser), Some(to)) => {
                    error_bytes(Code::NoSuchUser, &format!("{to} is not online"))
                }
                (Err(SendError::MailboxFull), Some(to)) => {
                    error_bytes(Code::MailboxFull, &format!("{to}'s mailbox is full"))
                }
                (Err(SendError::StoreFailed), _) => {
                    error_bytes(Code::StoreFailed, "the message could not be kept")
                }
                (Err(SendError::Room(e)), _) => {
                    let (code, words) = rooms::error(&room, e);
                    error_bytes(code, &words)
                }
                (Ok(Sent::Stored(id)), Some(to)) => packet_bytes(&Packet::Stored { to, id }),
                (Err(_), Some(to)) => {
                    error_bytes(Code::NotDelivered, &format!("{to} did not receive it"))
                }
                // A message to oneself arrived as the recipient's copy: no echo on top.
                (Ok(Sent::Delivered { id, time }), Some(to)) if to != me => {
                    packet_bytes(&Packet::Dm {
                        nick: Some(me),
                        to,
                        message,
                        id: ids.then_some(id),
                        time: ids.then(|| rfc3339(time)),
                        stored: None,
                    })
                }
                // A broadcast's echo is the sender's own copy of it.
                _ => return,
            };
            // A sender that went away or stopped reading is closed by its own thread.
            let _ = outbox.push_bytes(answer);
        };
        self.outgoing.send(user, to, body, emote, on_done);
        Step::Continue
    }

    /// Replies with the packets of `answer`, in order, or its error.
    fn answer_all(&mut self, answer: rooms::Answer) -> Step {
        match answer {
            Ok(packets) => {
                let mut step = Step::Continue;
                for packet in &packets {
                    if self.reply(packet) == Step::Close {
                        step = Step::Close;
                    }
                }
                step
            }
            Err((code, message)) => self.error(code, &message),
        }
    }

    /// Replies with `answer`, a packet or an error.
    fn answer(&mut self, answer: Result<Packet, (Code, String)>) -> Step {
        match answer {
            Ok(packet) => self.reply(&packet),
            Err((code, message)) => self.error(code, &message),
        }
    }

    fn reply(&self, packet: &Packet) -> Step {
        match self.outbox.push_bytes(self.framing.packet(packet)) {
            Ok(()) => Step::Continue,
            Err(e) => {
                warn!("{}: cannot reply: {e}", self.who());
                Step::Close
            }
        }
    }

    /// Sends an `error` (after what is in flight) and closes if the code says so.
    fn error(&mut self, code: Code, message: &str) -> Step {
        self.settle();
        if code.closes() {
            warn!("{}: {message}; closing", self.who());
            self.ending = Some((code, message.to_string()));
        } else {
            debug!("{}: {message}", self.who());
        }
        let step = match self.outbox.push_bytes(self.framing.error(code, message)) {
            Ok(()) => Step::Continue,
            Err(_) => Step::Close,
        };
        if code.closes() {
            Step::Close
        } else {
            step
        }
    }

    fn settle(&mut self) {
        log_silent(self.outgoing.settle());
    }

    fn settle_if_due(&mut self) {
        log_silent(self.outgoing.settle_if_due());
    }

    fn who(&self) -> String {
        let name = self.transport.name();
        match &self.user {
            Some(u) => format!("{} ({name} {})", self.peer, u.name()),
            None => format!("{} ({name})", self.peer),
        }
    }

    fn close(&mut self) {
        self.settle();
        let why = self.ending.as_ref().map(|(code, m)| (*code, m.as_str()));
        let reason = self.transport.leave_reason();
        if reason.is_some() {
            // Dropping the user closes its link, so the transport's last word goes first,
            // and the outbox closes after it: the link has nothing more to add.
            self.transport.finish(why);
            self.outbox.close();
        }
        if let Some(user) = self.user.take() {
            let chat = &self.shared.chat;
            let left = match reason {
                Some(reason) => chat.drop_user(&user, reason),
                None => chat.detach(&user, Side::Both),
            };
            if left {
                info!("{} left", user.name());
            }
        }
        if reason.is_none() {
            self.transport.finish(why);
        }
        info!("{} disconnected ({})", self.peer, self.transport.name());
        self.outbox.close_gracefully();
    }
}

/// Who a message to `room` is for: its members, the sender's own copy (its echo) included.
fn to_room(room: &str) -> Target<'_> {
    Target::Room { room, echo: true }
}

/// What a `bad-packet` error says.
fn bad_packet(kind: &str) -> String {
    format!("a {kind} packet is missing a field or has one of the wrong type")
}

fn log_silent(dropped: Vec<Arc<User>>) {
    for silent in dropped {
        warn!(
            "{} did not acknowledge in time; disconnected",
            silent.name()
        );
    }
}
