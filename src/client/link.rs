//! The session's side of the wire, whichever protocol the user chose: what registration hands
//! over ([`Joined`]), the reader threads it starts, and how each request is written
//! ([`Link::send`]). The session loop itself knows neither protocol.
//!
//! - Two-socket: a `SEND` on TOSEND per message (`ALL` for everyone); an action is
//!   `Emote: yes` with `meta` and the body `/me …` without; `USERS` with `users`; leaving says
//!   `QUIT` (with `quit`) and waits briefly for `BYE`. A broadcast may be answered more than
//!   once ([`Link::late_replies`]).
//! - JSON (seed 003, docs/PROTOCOL.md Part 4): a `chat` to everyone, a `dm` to one user, an
//!   `emote` (or, not granted, a `chat` reading `/me …`), `users`; leaving is a plain close.
//!   Each is answered once, in order: its echo or an `error`.
//!
//! Part 5 on both: `PASSWORD` (a `password` packet) claims our name, or with an empty
//! password drops the claim; `HISTORY` (a `history` packet) asks for a page.
//!
//! Part 8 on both: a message to a room is `SEND #room` (a `chat` with its `room`), an action
//! there (`#room /me waves`) an emote to the room when the server has emotes; `JOIN`, `PART`,
//! `ROOMS`, `WHO` and `TOPIC` (the `join`, `part`, `rooms`, `who` and `topic` packets).

use crate::addr::ServerAddr;
use crate::command::Target;
use crate::history::Page;
use crate::json::{self, Granted, JsonConn};
use crate::net::{self, Event, Sink, Writer};
use crate::secret::Secret;
use crate::view::Caps;
use chat::net::conn::Conn;
use chat::wire::ext::{self, Ext, ExtMsg};
use chat::wire::json::Packet;
use chat::wire::{Command, Message, Role};
use parking_lot::Mutex;
use std::io;
use std::sync::mpsc::Sender;
use std::sync::Arc;
use thiserror::Error;

/// A user registered (or joined), ready for a session.
pub struct Joined {
    pub name: String,
    pub addr: ServerAddr,
    pub caps: Caps,
    /// The password registration used (or was given), for a claimed name.
    pub password: Option<Secret>,
    pub wire: Wire,
}

/// The registered sockets, by protocol (read timeouts cleared).
pub enum Wire {
    TwoSocket {
        tosend: Conn,
        torecv: Conn,
        ext: Ext,
    },
    Json {
        conn: JsonConn,
        granted: Granted,
    },
}

/// What the session asks the server to do.
#[derive(Clone, Copy, Debug)]
pub enum Out<'a> {
    /// A message to one user or everyone.
    Say { to: &'a Target, text: &'a str },
    /// An action, to everyone.
    Emote(&'a str),
    /// Who is online?
    Users,
    /// Claim our name with this password; `None`: drop the claim.
    Password(Option<&'a Secret>),
    /// A page of history.
    History(Page),
    /// Join (or make) a room.
    Join(&'a str),
    /// Leave a room.
    Part(&'a str),
    /// Which rooms are there?
    Rooms,
    /// Who is in a room?
    Who(&'a str),
    /// Set a room's topic (empty: clear it).
    Topic { room: &'a str, topic: &'a str },
}

/// Why a request could not be written.
#[derive(Debug, Error)]
pub enum SendError {
    /// Over what the protocol can carry (a JSON packet of more than 65,535 bytes): nothing
    /// was sent, and the connection is fine.
    #[error("the message is too long for the protocol")]
    TooLong,
    /// The connection failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// The writing side of a registered connection; its readers feed the session's channel.
pub enum Link {
    TwoSocket {
        tosend: Arc<Writer>,
        torecv: Arc<Writer>,
        ext: Ext,
    },
    Json {
        writer: Arc<json::Writer>,
        granted: Granted,
    },
}

impl Link {
    /// Starts the reader thread(s) of `wire`, which send what they read on `tx`. `me` is our
    /// name (the JSON reader tells our own echoes by it).
    pub fn start(wire: Wire, me: &str, tx: Sender<Event>) -> io::Result<Link> {
        match wire {
            Wire::TwoSocket {
                tosend: send_conn,
                torecv: recv_conn,
                ext,
            } => {
                let tosend = Arc::new(Writer::new(Arc::clone(send_conn.stream())));
                let torecv = Arc::new(Writer::new(Arc::clone(recv_conn.stream())));
                let order = Arc::new(Mutex::new(()));
                let sink = |writer: &Arc<Writer>, tx: Sender<Event>| Sink {
                    writer: Arc::clone(writer),
                    order: Arc::clone(&order),
                    tx,
                };
                net::spawn_reader(Role::ToSend, send_conn, sink(&tosend, tx.clone()))?;
                net::spawn_reader(Role::ToRecv, recv_conn, sink(&torecv, tx))?;
                Ok(Link::TwoSocket {
                    tosend,
                    torecv,
                    ext,
                })
            }
            Wire::Json { conn, granted } => {
                let writer = Arc::new(json::Writer::new(Arc::clone(conn.stream())));
                json::spawn_reader(conn, me.to_string(), tx)?;
                Ok(Link::Json { writer, granted })
            }
        }
    }

    /// Writes the request for `out`, in one write.
    pub fn send(&self, out: Out) -> Result<(), SendError> {
        match self {
            Link::TwoSocket { tosend, ext, .. } => Ok(tosend.send(&two_socket(out, *ext))?),
            Link::Json { writer, granted } => writer.send(&packet(out, *granted)),
        }
    }

    /// Says goodbye when the protocol has a way: true when a `BYE` is then to be awaited.
    pub fn quit(&self) -> bool {
        match self {
            Link::TwoSocket { tosend, ext, .. } => {
                ext.has(Ext::QUIT) && tosend.send(&ExtMsg::Quit.to_message()).is_ok()
            }
            Link::Json { .. } => false,
        }
    }

    /// True when a broadcast may be answered more than once (some two-socket servers send
    /// one reply per recipient), so that replies are collected for a while after it.
    pub fn late_replies(&self) -> bool {
        matches!(self, Link::TwoSocket { .. })
    }

    /// Closes the connection; the reader threads then see its end.
    pub fn close(&self) {
        match self {
            Link::TwoSocket { tosend, torecv, .. } => {
                tosend.close();
                torecv.close();
            }
            Link::Json { writer, .. } => writer.close(),
        }
    }
}

/// The two-socket message for `out`.
fn two_socket(out: Out, ext: Ext) -> Message {
    let send = |to: &str, body: String| {
        Message::with_body(Command::Send { to: to.into() }, body.into_bytes())
    };
    let marked = |msg: Message| {
        let emote = ext::Meta {
            emote: true,
            ..ext::Meta::default()
        };
        (emote.headers().into_iter()).fold(msg, |msg, (name, value)| msg.with_header(name, &value))
    };
    match out {
        Out::Say {
            to: to @ Target::Room(_),
            text,
        } => match text.strip_prefix("/me ") {
            Some(action) if ext.has(Ext::META) => marked(send(to.wire_name(), action.into())),
            _ => send(to.wire_name(), text.to_string()),
        },
        Out::Say { to, text } => send(to.wire_name(), text.to_string()),
        Out::Emote(action) if ext.has(Ext::META) => marked(send("ALL", action.to_string())),
        // Every client shows the body as it was typed: an action.
        Out::Emote(action) => send("ALL", format!("/me {action}")),
        Out::Users => ExtMsg::UsersRequest.to_message(),
        Out::Password(password) => ExtMsg::Password {
            password: password.map(|p| p.expose().to_string()).unwrap_or_default(),
        }
        .to_message(),
        Out::History(page) => ExtMsg::HistoryRequest {
            room: None,
            before: page.before,
            after: page.after,
            limit: Some(page.limit),
        }
        .to_message(),
        Out::Join(room) => ExtMsg::RoomJoin { room: room.into() }.to_message(),
        Out::Part(room) => ExtMsg::Part { room: room.into() }.to_message(),
        Out::Rooms => ExtMsg::RoomsRequest.to_message(),
        Out::Who(room) => ExtMsg::WhoRequest { room: room.into() }.to_message(),
        Out::Topic { room, topic } => ExtMsg::SetTopic {
            room: room.into(),
            topic: topic.into(),
        }
        .to_message(),
    }
}

/// The JSON packet for `out`.
fn packet(out: Out, granted: Granted) -> Packet {
    let chat = |room: Option<&str>, message: String| Packet::Chat {
        nick: None,
        room: room.map(str::to_string),
        message,
        id: None,
        time: None,
    };
    let emote = |room: Option<&str>, action: &str| Packet::Emote {
        nick: None,
        room: room.map(str::to_string),
        message: action.to_string(),
        id: None,
        time: None,
    };
    match out {
        Out::Say {
            to: Target::All,
            text,
        } => chat(None, text.to_string()),
        Out::Say {
            to: Target::Room(room),
            text,
        } => match text.strip_prefix("/me ") {
            Some(action) if granted.emote => emote(Some(room), action),
            _ => chat(Some(room), text.to_string()),
        },
        Out::Say {
            to: Target::User(to),
            text,
        } => Packet::Dm {
            nick: None,
            to: to.clone(),
            message: text.to_string(),
            id: None,
            stored: None,
            time: None,
        },
        Out::Emote(action) if granted.emote => emote(None, action),
        // A seed client shows it as typed: the action reads as one.
        Out::Emote(action) => chat(None, format!("/me {action}")),
        Out::Users => Packet::Users { nicks: None },
        Out::Password(password) => Packet::Password {
            password: Some(password.map(|p| p.expose().to_string()).unwrap_or_default()),
            status: None,
        },
        Out::History(page) => Packet::History {
            room: None,
            before: page.before,
            after: page.after,
            limit: Some(page.limit as u64),
            messages: None,
        },
        Out::Join(room) => Packet::Join {
            nick: None,
            room: Some(room.into()),
        },
        Out::Part(room) => Packet::Part { room: room.into() },
        Out::Rooms => Packet::Rooms { rooms: None },
        Out::Who(room) => Packet::Who {
            room: room.into(),
            operator: None,
            topic: None,
            nicks: None,
        },
        Out::Topic { room, topic } => Packet::Topic {
            room: room.into(),
            nick: None,
            topic: topic.into(),
        },
    }
}
