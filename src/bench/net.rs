//! Getting clients onto a server: connecting with retries (a listener's accept backlog
//! overflows when thousands connect at once) and registering both sockets of a user,
//! many users in parallel.

use crate::client::expect_reply;
use crate::error::{BenchError, OpError};
use crate::progress::Progress;
use crate::stats::ErrorCounts;
use chat::net::conn::Conn;
use chat::wire::{Command, Limits, Message, Role};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// First pause after a refused connect; doubled up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(2);
const MAX_BACKOFF: Duration = Duration::from_millis(250);
/// Registrations failing in a row after which the rest are not even tried (counted as
/// `register gave up`): a server that refused 64 users in a row will not take the next.
const GIVE_UP_AFTER: usize = 64;
/// Stack of a registration worker (it only runs the codec and blocking IO).
const WORKER_STACK: usize = 256 * 1024;

/// Limits for what the bench reads: generous, since it is the server under test that
/// enforces the protocol's limits, not us.
pub fn limits() -> Limits {
    Limits {
        max_header: 64 * 1024,
        max_body: 64 * 1024 * 1024,
    }
}

/// Where the users go and how they get there: the settings every scenario shares.
#[derive(Clone, Debug)]
pub struct Dial {
    /// The servers (at least one): user `i` goes to the one [`Dial::server_of`] says.
    pub addrs: Arc<[SocketAddr]>,
    pub workers: usize,
    pub timeout: Duration,
    pub progress: bool,
    /// `--recv-threads`, when given.
    pub recv_threads: Option<usize>,
    /// With several servers: wait after registering users until every server knows them
    /// ([`crate::cluster::settle`]).
    pub settle: bool,
}

impl Dial {
    /// The server of user `i`: round-robin over the servers.
    pub fn server_of(&self, i: usize) -> usize {
        i % self.addrs.len().max(1)
    }

    /// The address of server `server`.
    pub fn addr(&self, server: usize) -> SocketAddr {
        self.addrs[server % self.addrs.len()]
    }

    /// The same settings with every user on server `server` alone.
    pub fn only(&self, server: usize) -> Dial {
        Dial {
            addrs: Arc::from([self.addr(server)]),
            ..self.clone()
        }
    }
}

/// A user with both sockets registered.
pub struct Registered {
    pub name: String,
    /// Its server's index in [`Dial::addrs`].
    pub node: usize,
    /// The TOSEND socket (replies to our SENDs arrive here).
    pub send: Conn,
    /// The TORECV socket (FORWARDs arrive here).
    pub recv: Conn,
}

fn retryable(e: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | TimedOut
            | AddrNotAvailable
            | WouldBlock
            | Interrupted
    )
}

/// Loopback addresses the users of a bench on this machine come from, in turn.
const SOURCES: u32 = 64;

/// Where one user's sockets come from: for a server on the loopback network, one of
/// [`SOURCES`] addresses of 127.0.1.0/24 in turn (both sockets of a user from the same one, as
/// the protocol wants). From one address, the kernel looks for a free local port among those
/// already connected to the same server, one by one: at 19,000 sockets that search was most of
/// a login storm's time (31 s of connects against 2.8 s from 64 addresses, measured).
pub fn source_for(addr: SocketAddr) -> Option<IpAddr> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => {
            let n = NEXT.fetch_add(1, Ordering::Relaxed) % SOURCES;
            Some(Ipv4Addr::new(127, 0, 1, 1 + n as u8).into())
        }
        _ => None,
    }
}

/// A blocking connect from `from` (any free port), giving up after `timeout`.
fn connect_bound(addr: SocketAddr, from: IpAddr, timeout: Duration) -> io::Result<TcpStream> {
    use rustix::net::sockopt::Timeout;
    use rustix::net::SocketType;
    use rustix::net::{bind, connect, socket_with, sockopt, AddressFamily, SocketFlags};
    let fd = socket_with(
        AddressFamily::INET,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )?;
    bind(&fd, &SocketAddr::new(from, 0))?;
    sockopt::set_socket_timeout(&fd, Timeout::Send, Some(timeout))?;
    connect(&fd, &addr)?;
    sockopt::set_socket_timeout(&fd, Timeout::Send, None)?;
    Ok(TcpStream::from(fd))
}

/// Connects with `TCP_NODELAY`, retrying transient failures with a growing pause until
/// `timeout` has passed.
pub fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, OpError> {
    connect_from(addr, source_for(addr), timeout)
}

/// [`connect`] from `from`, when given.
pub fn connect_from(
    addr: SocketAddr,
    from: Option<IpAddr>,
    timeout: Duration,
) -> Result<TcpStream, OpError> {
    let deadline = Instant::now() + timeout;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let attempt = match from {
            Some(ip) => connect_bound(addr, ip, timeout),
            None => TcpStream::connect_timeout(&addr, timeout),
        };
        match attempt {
            Ok(s) => {
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) if retryable(&e) && Instant::now() + backoff < deadline => {
                thread::sleep(backoff);
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Registers `name` the way PROTOCOL.md asks a client to: both sockets connected first,
/// then TOSEND registered and answered, then TORECV; the TOSEND `REGISTER` asks for
/// `extensions` (an `Extensions:` header, Part 3) when given, which applies to both sockets.
/// Both sockets keep a read timeout.
pub fn register_asking(
    addr: SocketAddr,
    name: &str,
    extensions: Option<&str>,
    timeout: Duration,
) -> Result<Registered, OpError> {
    let from = source_for(addr);
    let send = connect_from(addr, from, timeout)?;
    let recv = connect_from(addr, from, timeout)?;
    send.set_read_timeout(Some(timeout))?;
    recv.set_read_timeout(Some(timeout))?;
    let mut send = Conn::new(Arc::new(send), limits());
    let mut recv = Conn::new(Arc::new(recv), limits());
    for (conn, role) in [(&mut send, Role::ToSend), (&mut recv, Role::ToRecv)] {
        let mut msg = Message::new(Command::Register {
            role,
            name: name.to_string(),
        });
        if let (Some(ext), Role::ToSend) = (extensions, role) {
            msg = msg.with_header("Extensions", ext);
        }
        conn.write_msg(&msg)?;
        expect_reply(
            conn,
            |m| matches!(m.command, Command::Registered { role: r, .. } if r == role),
        )?;
    }
    Ok(Registered {
        name: name.to_string(),
        node: 0,
        send,
        recv,
    })
}

/// The users that registered, in the order of `names`, and the failures by kind.
pub struct Registration {
    pub users: Vec<Registered>,
    pub errors: ErrorCounts,
    pub seconds: f64,
}

/// Registers every name with `dial.workers` threads working in parallel, name `i` on the
/// server of user `first + i`. Failures are counted (`register ERROR 107`, `register io:
/// ConnectionReset`...) and the rest goes on.
pub fn register_many(
    dial: &Dial,
    first: usize,
    names: Vec<String>,
    progress: &Progress,
    extensions: Option<&str>,
) -> Result<Registration, BenchError> {
    let done = for_each_name(&names, dial.workers, progress, "register", |i, name| {
        let node = dial.server_of(first + i);
        let user = register_asking(dial.addr(node), name, extensions, dial.timeout)?;
        Ok(Registered { node, ..user })
    })?;
    Ok(Registration {
        users: done.ok,
        errors: done.errors,
        seconds: done.seconds,
    })
}

/// What [`for_each_name`] got: the results that succeeded, in the order of the names, and
/// the failures by kind.
pub struct Done<T> {
    pub ok: Vec<T>,
    pub errors: ErrorCounts,
    pub seconds: f64,
}

/// Runs `op` for every name (with its index), `workers` threads at a time. Failures are counted as
/// `<what> <kind>` and the rest goes on, unless `op` failed [`GIVE_UP_AFTER`] times in a row
/// or nothing listens any more: then the rest are not even tried (`<what> gave up`).
pub fn for_each_name<T: Send>(
    names: &[String],
    workers: usize,
    progress: &Progress,
    what: &str,
    op: impl Fn(usize, &str) -> Result<T, OpError> + Sync,
) -> Result<Done<T>, BenchError> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let failing = AtomicUsize::new(0);
    let worker = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = names.get(i) else { break };
            if failing.load(Ordering::Relaxed) >= GIVE_UP_AFTER {
                done.push((i, Err(OpError::GaveUp)));
                continue;
            }
            let r = op(i, name);
            match &r {
                Ok(_) => failing.store(0, Ordering::Relaxed),
                // Nothing listens any more: the server is gone, stop at once.
                Err(OpError::Io(e)) if e.kind() == io::ErrorKind::ConnectionRefused => {
                    failing.store(GIVE_UP_AFTER, Ordering::Relaxed)
                }
                Err(_) => {
                    failing.fetch_add(1, Ordering::Relaxed);
                }
            }
            done.push((i, r));
            progress.inc(1);
        }
        done
    };
    let mut results = Vec::with_capacity(names.len());
    thread::scope(|scope| {
        let mut handles = Vec::new();
        for _ in 0..workers.clamp(1, names.len().max(1)) {
            let spawned = thread::Builder::new()
                .name(what.into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, worker);
            match spawned {
                Ok(h) => handles.push(h),
                // Fewer workers still do everyone; none at all cannot.
                Err(e) if handles.is_empty() => return Err(BenchError::Thread(e)),
                Err(_) => break,
            }
        }
        for h in handles {
            results.extend(h.join().map_err(|_| BenchError::Panicked)?);
        }
        Ok(())
    })?;
    results.sort_by_key(|(i, _)| *i);
    let mut errors = ErrorCounts::default();
    let mut ok = Vec::with_capacity(results.len());
    for (_, r) in results {
        match r {
            Ok(t) => ok.push(t),
            Err(e) => errors.add(format!("{what} {}", e.kind()), 1),
        }
    }
    Ok(Done {
        ok,
        errors,
        seconds: started.elapsed().as_secs_f64(),
    })
}
