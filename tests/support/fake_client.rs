//! A small configurable client for the `conform client` tests: correct by default, and with
//! exactly one [`Defect`] it breaks one rule of PROTOCOL.md, so that a test can show that
//! each client check fails for the client that breaks its rule.
//!
//! It behaves like a careful client: both sockets connected first, TOSEND registered and
//! answered before TORECV, forwards acknowledged on TORECV by a reader thread as they arrive,
//! replies taken from either socket, one message at a time. Every read has a deadline (or ends
//! when conform closes the socket), so it cannot hang a test.

use chat::wire::{decode, Command, Limits, Message};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::{Duration, Instant};

/// The longest the fake waits for anything from conform.
const PATIENCE: Duration = Duration::from_secs(10);
/// The pause inside a message written in two pieces: the defect itself, long enough that
/// conform reads the pieces apart even on a loaded machine.
const PIECE_GAP: Duration = Duration::from_millis(300);

/// The one rule the fake breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    None,
    /// `REGISTER TOSEND name\r\n\r\n`.
    CrlfRegister,
    /// TORECV registers another name than TOSEND.
    OtherNameOnTorecv,
    /// Connects the second socket only once TOSEND is answered.
    ConnectsAfterReply,
    /// Registers TORECV first.
    TorecvFirst,
    /// Writes both REGISTERs at once, without waiting for the first reply.
    RegistersAtOnce,
    /// Acknowledges with its own name instead of the sender's.
    AcksOwnName,
    /// Does not acknowledge a body that is not UTF-8.
    TextBodiesOnly,
    /// Does not acknowledge an empty body.
    IgnoresEmptyBodies,
    /// Acknowledges a forward without Content-length instead of answering ERROR 103.
    AcksWithoutLength,
    /// Drops whatever a read leaves incomplete (one read = whole messages).
    DropsPartialReads,
    /// Takes only the first message of each read (one read = one message).
    FirstMessagePerRead,
    /// Spells the header `Content-Length`.
    CapitalLength,
    /// Writes each SEND's header and body separately.
    SendInTwoWrites,
    /// Writes all its SENDs at once.
    Pipelines,
    /// Stops sending after an error reply.
    StopsOnError,
    /// Takes only `SENT` for success.
    OnlySentIsSuccess,
    /// Acknowledges every message on TORECV, replies included.
    AcksEverything,
    /// Says `HELLO` on TORECV once registered.
    SaysHello,
}

/// Runs the fake client against `addr` as `name`, sending `messages` messages; returns when
/// it is done or conform has closed its sockets.
pub fn run(addr: SocketAddr, name: &str, messages: usize, defect: Defect) {
    let Ok(tosend) = TcpStream::connect(addr) else {
        return;
    };
    let mut torecv = match defect {
        Defect::ConnectsAfterReply => None,
        _ => TcpStream::connect(addr).ok(),
    };
    let Some((tosend_buf, torecv_buf, torecv)) = register(&tosend, &mut torecv, addr, name, defect)
    else {
        return;
    };
    let (tx, rx) = mpsc::channel();
    let readers = [
        spawn_reader(
            tosend.try_clone().ok(),
            tosend_buf,
            tx.clone(),
            name,
            Defect::None,
        ),
        spawn_reader(torecv.try_clone().ok(), torecv_buf, tx, name, defect),
    ];
    if defect == Defect::SaysHello {
        let _ = (&torecv).write_all(b"HELLO\n\n");
    }
    send_all(&tosend, &rx, messages, defect);
    let _ = tosend.shutdown(Shutdown::Both);
    let _ = torecv.shutdown(Shutdown::Both);
    for reader in readers.into_iter().flatten() {
        let _ = reader.join();
    }
}

/// Registers both sockets as the defect says; returns what each socket read past its reply.
fn register(
    tosend: &TcpStream,
    torecv: &mut Option<TcpStream>,
    addr: SocketAddr,
    name: &str,
    defect: Defect,
) -> Option<(Vec<u8>, Vec<u8>, TcpStream)> {
    let send_reg = match defect {
        Defect::CrlfRegister => format!("REGISTER TOSEND {name}\r\n\r\n"),
        _ => format!("REGISTER TOSEND {name}\n\n"),
    };
    let recv_name = match defect {
        Defect::OtherNameOnTorecv => format!("{name}x"),
        _ => name.to_string(),
    };
    let recv_reg = format!("REGISTER TORECV {recv_name}\n\n");
    let mut send_buf = Vec::new();
    let mut recv_buf = Vec::new();
    match defect {
        Defect::TorecvFirst => {
            let r = torecv.as_ref()?;
            exchange(r, &recv_reg, &mut recv_buf)?;
            exchange(tosend, &send_reg, &mut send_buf)?;
        }
        Defect::RegistersAtOnce => {
            let r = torecv.as_ref()?;
            (&*tosend).write_all(send_reg.as_bytes()).ok()?;
            (&*r).write_all(recv_reg.as_bytes()).ok()?;
            next_message(tosend, &mut send_buf)?;
            next_message(r, &mut recv_buf)?;
        }
        _ => {
            exchange(tosend, &send_reg, &mut send_buf)?;
            if torecv.is_none() {
                *torecv = TcpStream::connect(addr).ok();
            }
            exchange(torecv.as_ref()?, &recv_reg, &mut recv_buf)?;
        }
    }
    Some((send_buf, recv_buf, torecv.take()?))
}

/// Writes `request` and reads the one reply.
fn exchange(stream: &TcpStream, request: &str, buf: &mut Vec<u8>) -> Option<Message> {
    (&*stream).write_all(request.as_bytes()).ok()?;
    next_message(stream, buf)
}

/// The next whole message on `stream`, within [`PATIENCE`].
fn next_message(stream: &TcpStream, buf: &mut Vec<u8>) -> Option<Message> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Ok(Some((msg, used))) = decode(buf, &Limits::default()) {
            buf.drain(..used);
            return Some(msg);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        stream.set_read_timeout(Some(left)).ok()?;
        let mut chunk = [0u8; 4096];
        match (&*stream).read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// A thread that reads one socket until it closes: acknowledges forwards (on this socket)
/// and passes every other message on as a possible reply.
fn spawn_reader(
    stream: Option<TcpStream>,
    mut buf: Vec<u8>,
    tx: Sender<Message>,
    name: &str,
    defect: Defect,
) -> Option<thread::JoinHandle<()>> {
    let stream = stream?;
    let name = name.to_string();
    let handle = thread::spawn(move || {
        let _ = stream.set_read_timeout(Some(PATIENCE));
        let mut chunk = [0u8; 16 * 1024];
        loop {
            for msg in take_messages(&mut buf, defect) {
                if let Some(answer) = answer(&msg, &name, defect) {
                    if (&stream).write_all(&answer).is_err() {
                        return;
                    }
                }
                if !matches!(msg.command, Command::Forward { .. }) {
                    let _ = tx.send(msg);
                }
            }
            match (&stream).read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    });
    Some(handle)
}

/// The whole messages in `buf`, taken out of it as the defect reads them.
fn take_messages(buf: &mut Vec<u8>, defect: Defect) -> Vec<Message> {
    let mut out = Vec::new();
    while let Ok(Some((msg, used))) = decode(buf, &Limits::default()) {
        buf.drain(..used);
        out.push(msg);
        if defect == Defect::FirstMessagePerRead {
            buf.clear();
        }
    }
    if defect == Defect::DropsPartialReads {
        buf.clear();
    }
    out
}

/// What the fake answers on the socket a message came on.
fn answer(msg: &Message, name: &str, defect: Defect) -> Option<Vec<u8>> {
    let received = |who: &str| Some(format!("RECEIVED {who}\n\n").into_bytes());
    match (&msg.command, &msg.body) {
        (Command::Forward { from }, Some(body)) => match defect {
            Defect::AcksOwnName => received(name),
            Defect::TextBodiesOnly if std::str::from_utf8(body).is_err() => None,
            Defect::IgnoresEmptyBodies if body.is_empty() => None,
            _ => received(from),
        },
        (Command::Forward { from }, None) => match defect {
            Defect::AcksWithoutLength => received(from),
            _ => Some(b"ERROR 103 Header Incomplete\n\n".to_vec()),
        },
        _ if defect == Defect::AcksEverything => received(name),
        _ => None,
    }
}

/// Sends `messages` messages to `bob`, one at a time (unless the defect says otherwise).
fn send_all(tosend: &TcpStream, rx: &Receiver<Message>, messages: usize, defect: Defect) {
    let length = match defect {
        Defect::CapitalLength => "Content-Length",
        _ => "Content-length",
    };
    let sends: Vec<(Vec<u8>, Vec<u8>)> = (0..messages)
        .map(|i| {
            let body = format!("message {i}").into_bytes();
            let head = format!("SEND bob\n{length}: {}\n\n", body.len()).into_bytes();
            (head, body)
        })
        .collect();
    if defect == Defect::Pipelines {
        for (head, body) in &sends {
            let _ = (&*tosend).write_all(&[head.as_slice(), body].concat());
        }
    }
    for (head, body) in &sends {
        match defect {
            Defect::Pipelines => {}
            Defect::SendInTwoWrites => {
                let _ = (&*tosend).write_all(head);
                thread::sleep(PIECE_GAP);
                let _ = (&*tosend).write_all(body);
            }
            _ => {
                let _ = (&*tosend).write_all(&[head.as_slice(), body].concat());
            }
        }
        if !await_reply(rx, defect) {
            return;
        }
    }
}

/// Waits for the reply to a message; false when the fake stops sending.
fn await_reply(rx: &Receiver<Message>, defect: Defect) -> bool {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let msg = match rx.recv_timeout(left) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
        };
        match (&msg.command, &msg.body) {
            (Command::Sent { .. }, _) => return true,
            (Command::Send { .. }, None) if defect != Defect::OnlySentIsSuccess => return true,
            (Command::Error { .. }, _) => return defect != Defect::StopsOnError,
            _ => {}
        }
    }
}
