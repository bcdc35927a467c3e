//! The two-socket registration exchange: both sockets connected, `REGISTER TOSEND` and its
//! reply, then `REGISTER TORECV` and its reply (PROTOCOL.md Part 2, rules for our client).
//!
//! Asking for extensions must not cost a strict server anything (the last of those rules):
//! some servers answer a header line they do not know with `ERROR 100`, and some die when a
//! connection closes without having sent a byte. So no socket of ours is ever closed or left
//! before it has spoken:
//! 1. `REGISTER TOSEND <name>` goes out plain. A refused name (`100`, `104`) keeps both
//!    sockets open, and the next name is registered on them (the protocol lets a connection
//!    register again after an error); they are connected again only when the server has
//!    closed them meanwhile.
//! 2. `REGISTER TORECV <name>` asks for the extensions (`Extensions: events, users, …`): our
//!    server applies what either `REGISTER` asked for to the whole user and answers the one
//!    that asked with what it granted. A reply without the header (a server of the original
//!    protocol) grants nothing.
//! 3. Refused with anything but `104` (taken), or unanswered for [`ASK_WAIT`], the TORECV
//!    socket registers again plainly, on the same socket; a late `REGISTERED` naming
//!    extensions still counts. Closed instead, both sockets (each has spoken by then) are
//!    dropped and the whole registration is done again plainly, on fresh sockets.

use crate::addr::ServerAddr;
use crate::link::{Joined, Wire};
use crate::setup::{AttemptError, Options};
use crate::view::Caps;
use crate::words::Refusal;
use chat::net::conn::{Conn, ConnError};
use chat::wire::ext::{self, Ext};
use chat::wire::{Command, ErrorCode, Message, Role};
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest wait for the reply to the `REGISTER` that asks for extensions, before asking
/// again without (capped by the reply timeout).
pub const ASK_WAIT: Duration = Duration::from_secs(3);

/// The extensions the client asks for.
pub fn wanted() -> Ext {
    [Ext::EVENTS, Ext::USERS, Ext::QUIT, Ext::PING, Ext::META]
        .into_iter()
        .fold(Ext::NONE, Ext::with)
}

/// Both sockets of one attempt, connected to `addr`.
pub struct Pair {
    addr: ServerAddr,
    tosend: Conn,
    torecv: Conn,
}

impl Pair {
    /// Connects TOSEND, then TORECV to the same address.
    fn connect(addr: &ServerAddr, opts: &Options) -> Result<Pair, AttemptError> {
        let timeout = opts.reply_timeout;
        let (tosend, at) = connect(addr, &resolve(addr)?, timeout)?;
        let (torecv, _) = connect(addr, &[at], timeout)?;
        Ok(Pair {
            addr: addr.clone(),
            tosend: Conn::new(Arc::new(tosend), opts.limits),
            torecv: Conn::new(Arc::new(torecv), opts.limits),
        })
    }

    /// True when neither socket has been closed by the server, nor has anything unread.
    fn alive(&self) -> bool {
        [&self.tosend, &self.torecv]
            .into_iter()
            .all(|conn| quiet_and_open(conn.stream()))
    }
}

/// True when `stream` would block on a read: open, and nothing waiting.
fn quiet_and_open(stream: &TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut byte = [0u8; 1];
    let blocked = matches!(stream.peek(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
    stream.set_nonblocking(false).is_ok() && blocked
}

/// Resolves `addr` to the socket addresses to try, in order.
pub fn resolve(addr: &ServerAddr) -> Result<Vec<SocketAddr>, AttemptError> {
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

/// Registers `name` on `addr`, on the sockets in `held` when they are still good for it.
///
/// When the server refuses the name on TOSEND, the sockets (TORECV has not spoken yet) are
/// put in `held` for the next try; whatever else happens, `held` is left empty.
pub fn attempt(
    addr: &ServerAddr,
    name: &str,
    opts: &Options,
    held: &mut Option<Pair>,
) -> Result<Joined, AttemptError> {
    attempt_asking(addr, name, opts, held, wanted())
}

/// One socket connected to `addr` (the JSON protocol's).
pub fn connect_one(addr: &ServerAddr, timeout: Duration) -> Result<TcpStream, AttemptError> {
    connect(addr, &resolve(addr)?, timeout).map(|(stream, _)| stream)
}

fn attempt_asking(
    addr: &ServerAddr,
    name: &str,
    opts: &Options,
    held: &mut Option<Pair>,
    ask: Ext,
) -> Result<Joined, AttemptError> {
    let kept = held.take().filter(|p| p.addr == *addr && p.alive());
    let reused = kept.is_some();
    let mut pair = match kept {
        Some(pair) => pair,
        None => Pair::connect(addr, opts)?,
    };
    let timeout = opts.reply_timeout;
    match register_one(&mut pair.tosend, Role::ToSend, name, Ext::NONE, timeout) {
        Ok(_) => {}
        Err(e) if e.is_about_the_name() => {
            *held = Some(pair);
            return Err(e);
        }
        Err(e) if reused && e.is_lost() => {
            log::info!("the sockets kept from the last try are gone ({e}); connecting again");
            return attempt_asking(addr, name, opts, held, ask);
        }
        Err(e) => return Err(e),
    }
    let granted = match register_torecv(&mut pair.torecv, name, ask, timeout) {
        Ok(granted) => granted,
        Err(e) if ask != Ext::NONE && e.is_lost() => {
            log::info!("the server closed while asked for extensions ({e}); again, plainly");
            drop(pair);
            return attempt_asking(addr, name, opts, held, Ext::NONE);
        }
        Err(e) => return Err(e),
    };
    for conn in [&pair.tosend, &pair.torecv] {
        conn.stream().set_read_timeout(None)?;
        conn.stream().set_write_timeout(Some(timeout))?;
    }
    Ok(Joined {
        name: name.to_string(),
        addr: pair.addr,
        caps: Caps::two_socket(granted),
        wire: Wire::TwoSocket {
            tosend: pair.tosend,
            torecv: pair.torecv,
            ext: granted,
        },
    })
}

/// Registers TORECV asking for `ask` (unless empty), and once more plainly on the same
/// socket when that is refused with anything but `104` or not answered in time.
fn register_torecv(
    torecv: &mut Conn,
    name: &str,
    ask: Ext,
    timeout: Duration,
) -> Result<Ext, AttemptError> {
    if ask == Ext::NONE {
        return register_one(torecv, Role::ToRecv, name, Ext::NONE, timeout);
    }
    match register_one(torecv, Role::ToRecv, name, ask, timeout.min(ASK_WAIT)) {
        Err(e) if !e.is_lost() && !matches!(e, AttemptError::NameTaken(_)) => {
            log::info!("asking for extensions failed ({e}); registering TORECV plainly");
            register_one(torecv, Role::ToRecv, name, Ext::NONE, timeout)
        }
        done => done,
    }
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
/// waits for `REGISTERED` (in any form) or an error. Returns the extensions the reply
/// grants: those it names that we want, whichever of our `REGISTER`s it answers.
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
        request = request.with_header(ext::HEADER, &ask.to_header());
    }
    conn.write_msg(&request).map_err(ConnError::Io)?;
    let deadline = Instant::now() + timeout;
    // A deadline on the reader too: a server trickling blank lines must not hold us forever.
    conn.set_deadline(Some(deadline));
    let granted = await_registered(conn, role, name, deadline, timeout);
    conn.set_deadline(None);
    granted
}

/// Reads until `REGISTERED` (returning what it grants) or an error, by `deadline`.
fn await_registered(
    conn: &mut Conn,
    role: Role,
    name: &str,
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
                let named = ext::asked(&msg).unwrap_or(Ext::NONE);
                let granted = Ext::from_bits(named.bits() & wanted().bits());
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
            refusal: Refusal::from_error(code, &text),
        },
    }
}
