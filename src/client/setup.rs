//! Getting registered: ask for what the flags did not give, connect both sockets, register
//! TOSEND then TORECV, and on failure say why and ask again.
//!
//! The `REGISTER TOSEND` asks for every extension we know (`Extensions: events, users, …`);
//! the `Extensions:` header of its `REGISTERED` is what we got, and a reply without one (a
//! server of the original protocol) means none. Servers of the original protocol ignore
//! header lines they do not know, but in case one chokes on it, an `ERROR 100`, any refusal
//! other than a taken name, a close or silence for [`ASK_WAIT`] makes us register again
//! without the header, on fresh sockets.
//!
//! A refused name (malformed, taken) closes both sockets and asks for another name. A server
//! that cannot be reached asks for another address when the address was typed at the prompt
//! (or [`Options::keep_asking`] is set, as the full-screen client does), and ends the program
//! when it came from `--server`. Every question and failure goes to a [`View`]; a question
//! carries the value tried last, which the full-screen client offers for editing.

use crate::addr::ServerAddr;
use crate::net::Event;
use crate::view::{Ask, SessionEvent, View};
use chat::net::conn::{Conn, ConnError};
use chat::wire::ext::Ext;
use chat::wire::{is_valid_username, Command, ErrorCode, Limits, Message, Role};
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc::Receiver;
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// The longest wait for the reply to a `REGISTER` that asks for extensions, before trying
/// again without (capped by the reply timeout).
const ASK_WAIT: Duration = Duration::from_secs(3);

/// The extensions the client asks for.
pub fn wanted() -> Ext {
    Ext::all()
}

/// What registration needs to know.
pub struct Options {
    pub server: Option<String>,
    pub user: Option<String>,
    pub reply_timeout: Duration,
    pub limits: Limits,
    /// Offered for editing when the address is asked for (the full-screen client's
    /// reconnect offers the server it lost).
    pub server_hint: Option<String>,
    /// Ask for another address when the server cannot be reached, even one from `--server`.
    pub keep_asking: bool,
}

/// A user registered on both sockets, read timeouts cleared.
pub struct Registered {
    pub name: String,
    pub addr: ServerAddr,
    pub tosend: Conn,
    pub torecv: Conn,
    /// The extensions the server granted.
    pub ext: Ext,
}

/// Why the client gives up before registering.
#[derive(Debug, Error)]
pub enum SetupError {
    #[error("input ended before registration")]
    InputEnded,
    #[error("bad --server address \"{text}\": {reason}")]
    BadFlag { text: String, reason: String },
    #[error(transparent)]
    Attempt(#[from] AttemptError),
}

/// Why one attempt to register failed.
#[derive(Debug, Error)]
pub enum AttemptError {
    #[error("cannot find {addr}: {source}")]
    Resolve { addr: ServerAddr, source: io::Error },
    #[error("cannot connect to {addr}: {reason}")]
    Connect { addr: ServerAddr, reason: String },
    #[error("the server says \"{0}\" is not a valid username; use 1 to 32 letters and digits")]
    NameMalformed(String),
    #[error("the name \"{0}\" is taken; choose another")]
    NameTaken(String),
    #[error("the server refused to register \"{name}\": ERROR {code} {text}")]
    Refused {
        name: String,
        code: u16,
        text: String,
    },
    #[error("the server closed the connection while registering")]
    Closed,
    #[error("no reply from the server within {} s while registering", .0.as_secs_f64())]
    NoReply(Duration),
    #[error("lost the connection while registering: {0}")]
    Conn(#[from] ConnError),
}

impl AttemptError {
    /// True when another name may work where this one did not.
    fn is_about_the_name(&self) -> bool {
        matches!(
            self,
            AttemptError::NameMalformed(_) | AttemptError::NameTaken(_)
        )
    }

    /// True when a server may have failed only because of the `Extensions:` header, so that
    /// a plain `REGISTER` is worth a try.
    fn may_be_the_header(&self) -> bool {
        match self {
            AttemptError::NameMalformed(_) | AttemptError::Closed | AttemptError::NoReply(_) => {
                true
            }
            AttemptError::Refused { code, .. } => *code != ErrorCode::ServerFull as u16,
            AttemptError::Conn(e) => !e.is_timeout(),
            _ => false,
        }
    }
}

/// Asks, connects and registers until it works or cannot work.
pub fn register(
    opts: &Options,
    view: &mut dyn View,
    rx: &Receiver<Event>,
) -> Result<Registered, SetupError> {
    let prompted = opts.server.is_none() || opts.keep_asking;
    let mut addr = match &opts.server {
        Some(text) => match ServerAddr::parse(text) {
            Ok(addr) => addr,
            Err(e) if opts.keep_asking => {
                view.show(SessionEvent::SetupFailed(format!(
                    "{e}; type host or host:port"
                )));
                ask_addr(view, rx, Some(text.clone()))?
            }
            Err(e) => {
                return Err(SetupError::BadFlag {
                    text: text.clone(),
                    reason: e.to_string(),
                })
            }
        },
        None => ask_addr(view, rx, opts.server_hint.clone())?,
    };
    let mut name = opts.user.clone();
    let mut tried = None;
    loop {
        let wanted = match name.take() {
            Some(n) => n,
            None => ask(view, rx, Ask::Name, tried.take())?.trim().to_string(),
        };
        if !is_valid_username(&wanted) {
            view.show(SessionEvent::SetupFailed(format!(
                "\"{wanted}\" is not a valid username: use 1 to 32 letters and digits (not ALL)"
            )));
            tried = Some(wanted);
            continue;
        }
        match attempt_both_ways(&addr, &wanted, opts) {
            Ok(registered) => return Ok(registered),
            Err(e) if e.is_about_the_name() => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                tried = Some(wanted);
            }
            Err(e) if prompted => {
                view.show(SessionEvent::SetupFailed(e.to_string()));
                addr = ask_addr(view, rx, Some(addr.to_string()))?;
                name = Some(wanted);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The next line of input, after asking for `what` (offering `default`).
fn ask(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    what: Ask,
    default: Option<String>,
) -> Result<String, SetupError> {
    view.show(SessionEvent::Ask { what, default });
    loop {
        match rx.recv() {
            Ok(Event::Line(line)) => return Ok(line),
            Ok(Event::InputEnd) | Err(_) => return Err(SetupError::InputEnded),
            Ok(other) => log::debug!("ignored before registration: {other:?}"),
        }
    }
}

/// Asks for a server address until one parses and resolves.
fn ask_addr(
    view: &mut dyn View,
    rx: &Receiver<Event>,
    mut default: Option<String>,
) -> Result<ServerAddr, SetupError> {
    loop {
        let text = ask(view, rx, Ask::Server, default.take())?;
        let failure = match ServerAddr::parse(&text) {
            Ok(addr) => match resolve(&addr) {
                Ok(_) => return Ok(addr),
                Err(e) => e.to_string(),
            },
            Err(e) => format!("{e}; type host or host:port"),
        };
        view.show(SessionEvent::SetupFailed(failure));
        default = Some(text.trim().to_string());
    }
}

fn resolve(addr: &ServerAddr) -> Result<Vec<SocketAddr>, AttemptError> {
    let found = addr.as_pair().to_socket_addrs();
    match found.map(Iterator::collect::<Vec<_>>) {
        Ok(list) if !list.is_empty() => Ok(list),
        Ok(_) => Err(AttemptError::Resolve {
            addr: addr.clone(),
            source: io::Error::new(io::ErrorKind::NotFound, "no such host"),
        }),
        Err(source) => Err(AttemptError::Resolve {
            addr: addr.clone(),
            source,
        }),
    }
}

/// Registers asking for extensions, and once more without when the server may have failed
/// only because of the header.
fn attempt_both_ways(
    addr: &ServerAddr,
    name: &str,
    opts: &Options,
) -> Result<Registered, AttemptError> {
    match attempt(addr, name, opts, wanted()) {
        Err(e) if e.may_be_the_header() => {
            log::info!("registering with extensions failed ({e}); trying without");
            attempt(addr, name, opts, Ext::NONE)
        }
        done => done,
    }
}

/// One try: both sockets connected first, then TOSEND registered (asking for `ask` unless
/// empty), then TORECV. On error both sockets are dropped, which closes them.
fn attempt(
    addr: &ServerAddr,
    name: &str,
    opts: &Options,
    ask: Ext,
) -> Result<Registered, AttemptError> {
    let timeout = opts.reply_timeout;
    let (tosend, at) = connect(addr, &resolve(addr)?, timeout)?;
    let (torecv, _) = connect(addr, &[at], timeout)?;
    let mut tosend = Conn::new(Arc::new(tosend), opts.limits);
    let mut torecv = Conn::new(Arc::new(torecv), opts.limits);
    let first_wait = match ask {
        Ext::NONE => timeout,
        _ => timeout.min(ASK_WAIT),
    };
    let ext = register_one(&mut tosend, Role::ToSend, name, ask, first_wait)?;
    register_one(&mut torecv, Role::ToRecv, name, Ext::NONE, timeout)?;
    for conn in [&tosend, &torecv] {
        conn.stream().set_read_timeout(None)?;
        conn.stream().set_write_timeout(Some(timeout))?;
    }
    Ok(Registered {
        name: name.to_string(),
        addr: addr.clone(),
        tosend,
        torecv,
        ext,
    })
}

fn connect(
    addr: &ServerAddr,
    candidates: &[SocketAddr],
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), AttemptError> {
    let mut last = None;
    for &at in candidates {
        match TcpStream::connect_timeout(&at, timeout) {
            Ok(stream) => return Ok((stream, at)),
            Err(e) => last = Some(e),
        }
    }
    let reason = match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            "connection refused (is the server running?)".to_string()
        }
        Some(e) if e.kind() == io::ErrorKind::TimedOut => "timed out".to_string(),
        Some(e) => e.to_string(),
        None => "no address to try".to_string(),
    };
    Err(AttemptError::Connect {
        addr: addr.clone(),
        reason,
    })
}

/// Sends `REGISTER <role> <name>` (with `Extensions:` naming `ask` unless it is empty) and
/// waits for `REGISTERED` (in any form) or an error. Returns the extensions the reply grants.
fn register_one(
    conn: &mut Conn,
    role: Role,
    name: &str,
    ask: Ext,
    timeout: Duration,
) -> Result<Ext, AttemptError> {
    let mut request = Message::new(Command::Register {
        role,
        name: name.to_string(),
    });
    if ask != Ext::NONE {
        request = request.with_header("Extensions", &ask.to_header());
    }
    conn.write_msg(&request).map_err(ConnError::Io)?;
    let deadline = Instant::now() + timeout;
    // A deadline on the reader too: a server trickling blank lines must not hold us forever.
    conn.set_deadline(Some(deadline));
    let granted = await_registered(conn, role, name, ask, deadline, timeout);
    conn.set_deadline(None);
    granted
}

/// Reads until `REGISTERED` (returning what it grants of `ask`) or an error, by `deadline`.
fn await_registered(
    conn: &mut Conn,
    role: Role,
    name: &str,
    ask: Ext,
    deadline: Instant,
    timeout: Duration,
) -> Result<Ext, AttemptError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(AttemptError::NoReply(timeout));
        }
        conn.stream().set_read_timeout(Some(left))?;
        let msg = match conn.read_msg() {
            Ok(Some(msg)) => msg,
            Ok(None) | Err(ConnError::ClosedMidMessage) => return Err(AttemptError::Closed),
            Err(ConnError::TimedOut) => continue,
            Err(e) => return Err(e.into()),
        };
        match msg.command {
            Command::Registered { .. } => {
                let named = msg.header("Extensions").map_or(Ext::NONE, Ext::parse);
                let granted = Ext::from_bits(named.bits() & ask.bits());
                log::info!(
                    "{} registered; extensions: [{}]",
                    role.as_str(),
                    granted.to_header()
                );
                return Ok(granted);
            }
            Command::Error { code, text } => return Err(refusal(name, code, text)),
            other => log::debug!("ignored while registering {}: {other:?}", role.as_str()),
        }
    }
}

fn refusal(name: &str, code: u16, text: String) -> AttemptError {
    match ErrorCode::from_number(code) {
        Some(ErrorCode::MalformedUsername) => AttemptError::NameMalformed(name.to_string()),
        Some(ErrorCode::UsernameTaken) => AttemptError::NameTaken(name.to_string()),
        _ => AttemptError::Refused {
            name: name.to_string(),
            code,
            text,
        },
    }
}

impl From<io::Error> for AttemptError {
    fn from(e: io::Error) -> AttemptError {
        AttemptError::Conn(ConnError::Io(e))
    }
}
