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
//!
//! A claimed name (Part 5, `auth`) registers only with its password, on both sockets, and a
//! server of Part 5 refuses a plain `REGISTER` of one with `104`, as if it were in use. So a
//! name refused `104` on TOSEND is asked again, on the same socket (which has spoken), with
//! `Extensions: auth` and the password when there is one:
//! `REGISTER TOSEND alice\nExtensions: auth\nPassword: <password>\n\n`. `REGISTERED`: the
//! name is ours, and TORECV's `REGISTER` carries the password too. `109`: claimed, and the
//! password is missing or wrong ([`AttemptError::PasswordNeeded`],
//! [`AttemptError::BadPassword`]); the sockets are kept, and the next try on them sends the
//! password at once. Anything else (`104` again, a strict server's `100`): the name is in use.

use crate::addr::ServerAddr;
use crate::link::{Joined, Wire};
use crate::secret::Secret;
use crate::setup::{AttemptError, Options};
use crate::view::Caps;
use crate::words::{Cause, Refusal};
use chat::net::conn::{Conn, ConnError};
use chat::net::tls::wrap_client;
use chat::wire::ext::{self, Ext};
use chat::wire::{Command, ErrorCode, Message, Role};
use std::io;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The longest wait for the reply to the `REGISTER` that asks for extensions, before asking
/// again without (capped by the reply timeout).
pub const ASK_WAIT: Duration = Duration::from_secs(3);

/// The extensions the client asks for: every one (Parts 3 and 5).
pub fn wanted() -> Ext {
    Ext::all()
}

/// Both sockets of one attempt, connected to `addr`.
pub struct Pair {
    addr: ServerAddr,
    tosend: Conn,
    torecv: Conn,
    /// The name the server said is claimed (`109`) on these sockets: the next try of it
    /// sends its password at once.
    claimed: Option<String>,
    /// A `REGISTER` on TOSEND went unanswered: a late reply may still come, so these sockets
    /// are not used again.
    spent: bool,
}

impl Pair {
    /// Connects TOSEND, then TORECV to the same address.
    fn connect(addr: &ServerAddr, opts: &Options) -> Result<Pair, AttemptError> {
        let (tosend, at) = connect(addr, &resolve(addr)?, opts)?;
        let (torecv, _) = connect(addr, &[at], opts)?;
        Ok(Pair {
            addr: addr.clone(),
            tosend: Conn::new(Arc::new(tosend), opts.limits),
            torecv: Conn::new(Arc::new(torecv), opts.limits),
            claimed: None,
            spent: false,
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

/// Registers `name` (with `password`, for a claimed name) on `addr`, on the sockets in
/// `held` when they are still good for it.
///
/// When the server refuses the name, or its password, on TOSEND, the sockets (TORECV has not
/// spoken yet) are put in `held` for the next try; whatever else happens, `held` is left
/// empty.
pub fn attempt(
    addr: &ServerAddr,
    name: &str,
    password: Option<&Secret>,
    opts: &Options,
    held: &mut Option<Pair>,
) -> Result<Joined, AttemptError> {
    let login = Login { name, password };
    attempt_asking(addr, login, opts, held, wanted())
}

/// Who registers.
#[derive(Clone, Copy)]
struct Login<'a> {
    name: &'a str,
    password: Option<&'a Secret>,
}

/// One socket connected to `addr` (the JSON protocol's).
pub fn connect_one(addr: &ServerAddr, opts: &Options) -> Result<TcpStream, AttemptError> {
    connect(addr, &resolve(addr)?, opts).map(|(stream, _)| stream)
}

fn attempt_asking(
    addr: &ServerAddr,
    login: Login,
    opts: &Options,
    held: &mut Option<Pair>,
    ask: Ext,
) -> Result<Joined, AttemptError> {
    let name = login.name;
    let kept = held.take().filter(|p| p.addr == *addr && p.alive());
    let reused = kept.is_some();
    let mut pair = match kept {
        Some(pair) => pair,
        None => Pair::connect(addr, opts)?,
    };
    let timeout = opts.reply_timeout;
    let claimed = match register_tosend(&mut pair, login, timeout) {
        Ok(claimed) => claimed,
        Err(e) if (e.is_about_the_name() || e.is_about_the_password()) && !pair.spent => {
            *held = Some(pair);
            return Err(e);
        }
        Err(e) if reused && e.is_lost() => {
            log::info!("the sockets kept from the last try are gone ({e}); connecting again");
            return attempt_asking(addr, login, opts, held, ask);
        }
        Err(e) => return Err(e),
    };
    // Every `REGISTER` of a claimed name carries its password.
    let password = login.password.filter(|_| claimed);
    let granted = match register_torecv(&mut pair.torecv, name, ask, password, timeout) {
        Ok(granted) => granted,
        Err(e) if ask != Ext::NONE && e.is_lost() => {
            log::info!("the server closed while asked for extensions ({e}); again, plainly");
            drop(pair);
            return attempt_asking(addr, login, opts, held, Ext::NONE);
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
        password: login.password.cloned(),
        wire: Wire::TwoSocket {
            tosend: pair.tosend,
            torecv: pair.torecv,
            ext: granted,
        },
    })
}

/// Registers TOSEND: plainly, and when the name is refused as taken, once more asking for
/// `auth` (with the password, if any) to tell a claimed name from one in use; straight with
/// the password when these sockets already heard that the name is claimed. Returns whether
/// the name is claimed (registered with its password).
fn register_tosend(pair: &mut Pair, login: Login, timeout: Duration) -> Result<bool, AttemptError> {
    let Login { name, password } = login;
    let known = pair.claimed.as_deref() == Some(name) && password.is_some();
    if !known {
        match register_one(
            &mut pair.tosend,
            Role::ToSend,
            name,
            Ext::NONE,
            None,
            timeout,
        ) {
            Ok(_) => return Ok(false),
            Err(AttemptError::NameTaken(_)) => {}
            Err(e) => return Err(e),
        }
    }
    match register_one(
        &mut pair.tosend,
        Role::ToSend,
        name,
        Ext::AUTH,
        password,
        timeout,
    ) {
        Ok(_) => Ok(true),
        Err(AttemptError::Refused { refusal, .. }) if refusal.cause == Cause::BadPassword => {
            pair.claimed = Some(name.to_string());
            Err(AttemptError::password(
                name,
                refusal.code,
                password.is_some(),
            ))
        }
        Err(e) if e.is_lost() => Err(e),
        Err(e) => {
            // In use (`104` again), or a server without accounts (a strict one's `100`).
            log::info!("asking for {name} with auth: {e}; the name is in use");
            pair.spent |= matches!(e, AttemptError::NoReply(_));
            Err(AttemptError::NameTaken(name.to_string()))
        }
    }
}

/// Registers TORECV asking for `ask` (unless empty), and once more without on the same
/// socket when that is refused with anything but `104` or `109`, or not answered in time.
/// `password` goes on both: the name is claimed.
fn register_torecv(
    torecv: &mut Conn,
    name: &str,
    ask: Ext,
    password: Option<&Secret>,
    timeout: Duration,
) -> Result<Ext, AttemptError> {
    let registered = if ask == Ext::NONE {
        register_one(torecv, Role::ToRecv, name, Ext::NONE, password, timeout)
    } else {
        match register_one(
            torecv,
            Role::ToRecv,
            name,
            ask,
            password,
            timeout.min(ASK_WAIT),
        ) {
            Err(AttemptError::Refused { refusal, .. }) if refusal.cause != Cause::BadPassword => {
                log::info!(
                    "asking for extensions refused ({}); registering TORECV plainly",
                    refusal.code
                );
                register_one(torecv, Role::ToRecv, name, Ext::NONE, password, timeout)
            }
            Err(e @ (AttemptError::NameMalformed(_) | AttemptError::NoReply(_))) => {
                log::info!("asking for extensions failed ({e}); registering TORECV plainly");
                register_one(torecv, Role::ToRecv, name, Ext::NONE, password, timeout)
            }
            done => done,
        }
    };
    match registered {
        Err(AttemptError::Refused { refusal, .. }) if refusal.cause == Cause::BadPassword => Err(
            AttemptError::password(name, refusal.code, password.is_some()),
        ),
        done => done,
    }
}

/// Connects to the first of `candidates` that answers; with TLS (`opts.tls`), the plain end
/// of a TLS connection whose handshake is done, the certificate checked against `addr`'s host.
fn connect(
    addr: &ServerAddr,
    candidates: &[SocketAddr],
    opts: &Options,
) -> Result<(TcpStream, SocketAddr), AttemptError> {
    let timeout = opts.reply_timeout;
    let mut last = None;
    for &at in candidates {
        match TcpStream::connect_timeout(&at, timeout) {
            Ok(stream) => {
                let Some(tls) = &opts.tls else {
                    return Ok((stream, at));
                };
                return match wrap_client(stream, tls, &addr.host, timeout) {
                    Ok(plain) => Ok((plain, at)),
                    Err(source) => Err(AttemptError::Tls {
                        addr: addr.clone(),
                        source,
                    }),
                };
            }
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

/// Sends `REGISTER <role> <name>` (with `Extensions:` naming `ask` unless it is empty, and
/// `Password:` when there is one) and waits for `REGISTERED` (in any form) or an error.
/// Returns the extensions the reply grants: those it names that we want, whichever of our
/// `REGISTER`s it answers.
fn register_one(
    conn: &mut Conn,
    role: Role,
    name: &str,
    ask: Ext,
    password: Option<&Secret>,
    timeout: Duration,
) -> Result<Ext, AttemptError> {
    let mut request = Message::new(Command::Register {
        role,
        name: name.to_string(),
    });
    if ask != Ext::NONE {
        request = request.with_header(ext::HEADER, &ask.to_header());
    }
    if let Some(password) = password {
        request = request.with_header("Password", password.expose());
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
