//! The client's threads and the one channel they share.
//!
//! Three threads feed [`Event`]s to the session loop: one reads stdin, and after
//! registration one reads each socket. Every socket event goes through the same channel, so a
//! reply is handled whichever socket it arrives on (some servers put `SENT` on the TORECV
//! socket). A forward is acknowledged by its reader thread at once, on the socket it arrived
//! on, without waiting for the session: a slow terminal never delays an acknowledgement. A
//! server's `PING <token>` (the `ping` extension) is answered the same way, with
//! `PONG <token>` on its socket.
//! The two reader threads answer and queue under one shared lock, so the channel keeps the
//! order in which the server meant things to happen across both sockets.

use crate::history::Page;
use crate::meta::Meta;
use crate::push::Push;
use crate::reply::Reply;
use crate::secret::Secret;
use crate::view::SessionEvent;
use chat::net::conn::{Conn, ConnError};
use chat::wire::ext::ExtMsg;
use chat::wire::{Command, ErrorCode, Message, Role};
use parking_lot::Mutex;
use std::io::{self, BufRead, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::mpsc::Sender;
use std::sync::Arc;
use std::thread;

/// Something the session loop must look at.
#[derive(Debug)]
pub enum Event {
    /// A line typed by the user, with its newline.
    Line(String),
    /// Standard input ended (or cannot be read any more).
    InputEnd,
    /// A password typed in the full screen's connect box (never a line: it is not input
    /// for the chat, whatever arrives out of turn).
    Secret(Secret),
    /// The full screen's `/register` box: claim our name with this password.
    SetPassword(Secret),
    /// The full screen wants a page of history for its pane.
    History(Page),
    /// A stored message of ours, `id`, reached `to` (`offline`).
    Delivered { to: String, id: u64 },
    /// A message from someone (a two-socket forward is already acknowledged).
    Incoming {
        from: String,
        body: Vec<u8>,
        meta: Meta,
    },
    /// Someone joined, left or was kicked; or `BYE`.
    Push(Push),
    /// What may answer the request awaiting a reply; `unclaimed` is what to show instead
    /// when no request claims it (a JSON echo of our own message, a JSON error).
    Reply {
        reply: Reply,
        unclaimed: Option<SessionEvent>,
    },
    /// A malformed message, already answered with `ERROR 103`; `what` says from whom (when
    /// known) and what was wrong, e.g. `from bob (no Content-length)`.
    Malformed { what: String },
    /// The socket is gone; `error` is `None` for an orderly close by the server. The JSON
    /// protocol's one socket reports as TOSEND (it carries our requests).
    Closed { role: Role, error: Option<String> },
}

/// The writing half of one socket, shared by the session (requests) and the socket's reader
/// thread (acknowledgements). The lock keeps each message's bytes together even when the
/// kernel takes a large one in several pieces.
#[derive(Debug)]
pub struct Writer {
    stream: Arc<TcpStream>,
    lock: Mutex<()>,
}

impl Writer {
    pub fn new(stream: Arc<TcpStream>) -> Writer {
        Writer {
            stream,
            lock: Mutex::new(()),
        }
    }

    /// Writes the whole encoding of `msg` in one `write_all`.
    pub fn send(&self, msg: &Message) -> io::Result<()> {
        let bytes = msg.to_bytes();
        let _guard = self.lock.lock();
        (&*self.stream).write_all(&bytes)
    }

    /// Shuts the socket down both ways; its reader thread then sees the end of the stream.
    pub fn close(&self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

/// Starts the thread that turns stdin into [`Event::Line`]s and a final [`Event::InputEnd`].
///
/// Lines are read as bytes and decoded lossily, so stray non-UTF-8 input cannot end a session.
pub fn spawn_stdin(tx: Sender<Event>) -> io::Result<()> {
    thread::Builder::new()
        .name("stdin".into())
        .spawn(move || {
            let mut stdin = io::stdin().lock();
            loop {
                let mut line = Vec::new();
                let event = match stdin.read_until(b'\n', &mut line) {
                    Ok(0) => Event::InputEnd,
                    Ok(_) => Event::Line(String::from_utf8_lossy(&line).into_owned()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        log::warn!("cannot read stdin: {e}");
                        Event::InputEnd
                    }
                };
                let last = matches!(event, Event::InputEnd);
                crate::echo::line_read();
                if tx.send(event).is_err() || last {
                    return;
                }
            }
        })
        .map(drop)
}

/// Where a socket reader thread puts what it reads.
pub struct Sink {
    /// The same socket's writing half, for acknowledgements.
    pub writer: Arc<Writer>,
    /// Shared by the reader threads of both sockets; see [`read_loop`].
    pub order: Arc<Mutex<()>>,
    pub tx: Sender<Event>,
}

/// Starts the thread that reads `conn` until it closes, answering forwards at once.
pub fn spawn_reader(role: Role, conn: Conn, sink: Sink) -> io::Result<()> {
    thread::Builder::new()
        .name(format!("{}-reader", role.as_str().to_ascii_lowercase()))
        .spawn(move || read_loop(role, conn, sink))
        .map(drop)
}

fn read_loop(role: Role, mut conn: Conn, sink: Sink) {
    let Sink { writer, order, tx } = sink;
    loop {
        let (event, answer) = match conn.read_msg() {
            Ok(Some(msg)) => on_message(role, msg),
            Ok(None) => (Some(Event::Closed { role, error: None }), None),
            Err(ConnError::Wire(e)) => {
                let dropped = conn.discard_buffered();
                log::debug!("{}: {e}; dropped {dropped} buffered bytes", role.as_str());
                let what = format!("({e})");
                (Some(Event::Malformed { what }), Some(header_incomplete()))
            }
            Err(ConnError::TimedOut) => continue,
            Err(e) => {
                let error = Some(e.to_string());
                (Some(Event::Closed { role, error }), None)
            }
        };
        let last = matches!(event, Some(Event::Closed { .. }));
        // Answer, then queue, both under the order lock: whatever the answer makes the server
        // send next on the other socket is queued behind this event, and an event the
        // session has seen (and may quit after) has always been answered already.
        let _order = order.lock();
        if let Some(answer) = answer {
            if let Err(e) = writer.send(&answer) {
                log::warn!("cannot answer on {}: {e}", role.as_str());
            }
        }
        if let Some(event) = event {
            if tx.send(event).is_err() || last {
                return;
            }
        }
    }
}

/// Sorts out what the session must see, and what to answer at once: `RECEIVED` for a
/// forward, `ERROR 103` for a forward without a length, `PONG` for a `PING` (which the
/// session never sees). Messages that are neither forwards, pushes nor replies are dropped.
fn on_message(role: Role, msg: Message) -> (Option<Event>, Option<Message>) {
    log::debug!("{} <- {:?}", role.as_str(), msg.command);
    match &msg.command {
        Command::Forward { from } => {
            let from = from.clone();
            let meta = Meta::from_message(&msg);
            let Some(body) = msg.body else {
                let what = format!("from {from} (no Content-length)");
                return (Some(Event::Malformed { what }), Some(header_incomplete()));
            };
            let ack = Message::new(Command::Received { from: from.clone() });
            (Some(Event::Incoming { from, body, meta }), Some(ack))
        }
        _ => match ExtMsg::from_message(&msg) {
            Some(ExtMsg::Ping { token }) => (None, Some(ExtMsg::Pong { token }.to_message())),
            Some(ExtMsg::Delivered { to, id }) => (Some(Event::Delivered { to, id }), None),
            Some(ext) => match Push::from_ext(ext.clone()) {
                Some(push) => (Some(Event::Push(push)), None),
                None => (reply_event(&msg), None),
            },
            None => (reply_event(&msg), None),
        },
    }
}

/// The reply `msg` is, as an event, if it is one.
fn reply_event(msg: &Message) -> Option<Event> {
    let reply = Reply::from_message(msg);
    if reply.is_none() {
        log::info!("ignored from the server: {:?}", msg.command);
    }
    reply.map(|reply| Event::Reply {
        reply,
        unclaimed: None,
    })
}

/// `ERROR 103 Header Incomplete`, spelled exactly as the forwarding table of the protocol.
fn header_incomplete() -> Message {
    Message::new(Command::Error {
        code: ErrorCode::HeaderIncomplete as u16,
        text: "Header Incomplete".into(),
    })
}
