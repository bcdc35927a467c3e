//! The relay: one thread per TLS connection moving bytes between the TLS connection on the
//! real (outer) socket and the plain (inner) end of a loopback pair, both non-blocking, with
//! one `poll` for both directions.
//!
//! Buffers are bounded: decrypted bytes wait for the inner socket up to [`CAP`] (past it the
//! outer socket is not read), and the inner socket is read only once every encrypted byte
//! has gone out. Either side's close closes the other: the outer peer's end (close_notify or
//! a bare TCP close) is passed on as an end of stream (`shutdown(Write)`) once what it sent is
//! delivered, and relaying the other way goes on until the inner side ends too; the inner
//! side's end (the front end closed, or the server's shutdown shut it) sends close_notify and
//! closes the outer socket. A handshake not done by its deadline, or bytes that are not TLS,
//! end only this connection.

use log::debug;
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustls::Connection;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

/// Decrypted bytes that may wait for a slow inner reader.
pub(super) const CAP: usize = 64 * 1024;
/// Bytes read from the inner socket at a time (one TLS record's worth).
const CHUNK: usize = 16 * 1024;
/// How long the last bytes (close_notify, an alert) may take to leave.
const FLUSH_WAIT: Duration = Duration::from_secs(2);
/// Stack of a relay thread: its buffers are on the heap, but a handshake's signature (an RSA
/// key of the operator's) wants room; only the pages touched are resident.
const STACK: usize = 256 * 1024;

/// Why a relay ended.
#[derive(Debug, thiserror::Error)]
enum End {
    #[error("the plain side closed")]
    InnerClosed,
    #[error("both sides closed")]
    BothClosed,
    #[error("no TLS handshake in time")]
    HandshakeTimeout,
    #[error("the peer closed during the TLS handshake")]
    HandshakeAbandoned,
    /// Not TLS, or TLS we could not agree on.
    #[error("TLS: {0}")]
    Tls(rustls::Error),
    #[error("the TLS socket failed: {0}")]
    Outer(io::Error),
    #[error("the plain side failed: {0}")]
    Inner(io::Error),
}

/// Starts the relay for `conn` between `outer` and `inner` on a thread of its own.
/// `deadline`: when the handshake must be done by (the connection is closed otherwise).
pub(super) fn spawn(
    conn: Connection,
    outer: TcpStream,
    inner: TcpStream,
    deadline: Option<Instant>,
    name: String,
) -> io::Result<()> {
    outer.set_nonblocking(true)?;
    inner.set_nonblocking(true)?;
    let relay = Relay {
        conn,
        outer,
        inner,
        to_inner: Vec::new(),
        outer_eof: false,
        inner_eof: false,
        inner_shut: false,
        said_bye: false,
        deadline,
    };
    thread::Builder::new()
        .name(format!("tls-{name}"))
        .stack_size(STACK)
        .spawn(move || relay.run(&name))?;
    Ok(())
}

struct Relay {
    conn: Connection,
    outer: TcpStream,
    inner: TcpStream,
    /// Decrypted bytes not yet written to the inner socket.
    to_inner: Vec<u8>,
    /// The outer peer has ended its stream (close_notify or TCP FIN).
    outer_eof: bool,
    /// The inner side has ended its stream.
    inner_eof: bool,
    /// The outer peer's end has been passed on to the inner side.
    inner_shut: bool,
    /// close_notify or an alert has been queued for the outer peer.
    said_bye: bool,
    deadline: Option<Instant>,
}

impl Relay {
    fn run(mut self, name: &str) {
        let end = self.pump();
        match &end {
            End::InnerClosed | End::BothClosed => debug!("{name}: TLS relay done ({end})"),
            _ => log::info!("{name}: TLS connection closed: {end}"),
        }
        self.finish();
    }

    fn pump(&mut self) -> End {
        // A client's handshake may have brought application data already.
        if let Err(end) = self.drain_plaintext() {
            return end;
        }
        let mut buf = vec![0u8; CHUNK];
        loop {
            if let Err(end) = self.flush_outer().and_then(|()| self.flush_inner()) {
                return end;
            }
            if self.outer_eof && self.to_inner.is_empty() && !self.inner_shut {
                let _ = self.inner.shutdown(Shutdown::Write);
                self.inner_shut = true;
            }
            if self.inner_eof && !self.conn.wants_write() {
                return if self.outer_eof {
                    End::BothClosed
                } else {
                    End::InnerClosed
                };
            }
            let handshaking = self.conn.is_handshaking();
            if handshaking && self.outer_eof {
                return End::HandshakeAbandoned;
            }
            let timeout = match (handshaking, self.deadline) {
                (true, Some(deadline)) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return End::HandshakeTimeout,
                },
                _ => None,
            };
            let (outer_ready, inner_ready) = match self.wait(handshaking, timeout) {
                Ok(ready) => ready,
                Err(e) => return End::Outer(e),
            };
            if outer_ready {
                if let Err(end) = self.read_outer() {
                    return end;
                }
            }
            if inner_ready && !self.inner_eof {
                self.read_inner(&mut buf);
            }
        }
    }

    /// Waits until a socket can move what we want it to, or `timeout`; which one is ready
    /// to be read (or has failed or hung up).
    fn wait(&self, handshaking: bool, timeout: Option<Duration>) -> io::Result<(bool, bool)> {
        let mut outer = PollFlags::empty();
        if !self.outer_eof && self.to_inner.len() < CAP {
            outer |= PollFlags::IN;
        }
        if self.conn.wants_write() {
            outer |= PollFlags::OUT;
        }
        let mut inner = PollFlags::empty();
        if !self.inner_eof && !handshaking && !self.conn.wants_write() {
            inner |= PollFlags::IN;
        }
        if !self.to_inner.is_empty() {
            inner |= PollFlags::OUT;
        }
        // A socket we want nothing of is left out: one at its end of stream would be
        // reported readable again and again.
        let mut fds = Vec::with_capacity(2);
        if !outer.is_empty() {
            fds.push(PollFd::new(&self.outer, outer));
        }
        if !inner.is_empty() {
            fds.push(PollFd::new(&self.inner, inner));
        }
        let timeout = timeout.map(|t| Timespec::try_from(t).unwrap_or_default());
        match poll(&mut fds, timeout.as_ref()) {
            Ok(_) => {}
            Err(rustix::io::Errno::INTR) => return Ok((false, false)),
            Err(e) => return Err(e.into()),
        }
        let ready = |i: usize| {
            fds.get(i).is_some_and(|fd: &PollFd| {
                fd.revents()
                    .intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR)
            })
        };
        let outer_ready = !outer.is_empty() && ready(0);
        let inner_ready = !inner.is_empty() && ready(usize::from(!outer.is_empty()));
        Ok((outer_ready, inner_ready))
    }

    /// Reads and decrypts what the outer socket has, while there is room for it.
    fn read_outer(&mut self) -> Result<(), End> {
        while !self.outer_eof && self.to_inner.len() < CAP {
            match self.conn.read_tls(&mut self.outer) {
                Ok(0) => self.outer_eof = true,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(End::Outer(e)),
            }
            if let Err(e) = self.conn.process_new_packets() {
                // Tell the peer why (an alert is queued), if it listens.
                self.said_bye = true;
                let _ = self.conn.write_tls(&mut self.outer);
                return Err(End::Tls(e));
            }
            self.drain_plaintext()?;
        }
        Ok(())
    }

    /// Moves what rustls has decrypted to `to_inner`.
    fn drain_plaintext(&mut self) -> Result<(), End> {
        let mut chunk = [0u8; 4096];
        loop {
            match self.conn.reader().read(&mut chunk) {
                Ok(0) => {
                    self.outer_eof = true; // close_notify
                    return Ok(());
                }
                Ok(n) => self.to_inner.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.outer_eof = true; // closed without close_notify
                    return Ok(());
                }
                Err(e) => return Err(End::Outer(e)),
            }
        }
    }

    /// Reads one chunk from the inner socket and encrypts it; its end queues close_notify.
    fn read_inner(&mut self, buf: &mut [u8]) {
        loop {
            match self.inner.read(buf) {
                Ok(0) => break,
                Ok(n) => {
                    // With nothing queued, one chunk fits rustls's buffer whole.
                    if self.conn.writer().write_all(&buf[..n]).is_err() {
                        break;
                    }
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    debug!("TLS relay: the inner socket failed: {e}");
                    break;
                }
            }
        }
        self.inner_eof = true;
        self.say_bye();
    }

    fn say_bye(&mut self) {
        if !self.said_bye && !self.conn.is_handshaking() {
            self.said_bye = true;
            self.conn.send_close_notify();
        }
    }

    /// Sends what rustls has encrypted, as far as the outer socket takes it.
    fn flush_outer(&mut self) -> Result<(), End> {
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.outer) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(End::Outer(e)),
            }
        }
        Ok(())
    }

    /// Writes decrypted bytes to the inner socket, as far as it takes them.
    fn flush_inner(&mut self) -> Result<(), End> {
        while !self.to_inner.is_empty() {
            match self.inner.write(&self.to_inner) {
                Ok(0) => return Err(End::Inner(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.to_inner.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(End::Inner(e)),
            }
        }
        Ok(())
    }

    /// Says goodbye on the outer socket (close_notify, or the alert already queued) for at
    /// most [`FLUSH_WAIT`], then closes both sockets.
    fn finish(mut self) {
        let _ = self.inner.shutdown(Shutdown::Both);
        self.say_bye();
        let by = Instant::now() + FLUSH_WAIT;
        while self.conn.wants_write() {
            match self.conn.write_tls(&mut self.outer) {
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => break,
            }
            let Some(left) = by.checked_duration_since(Instant::now()) else {
                break;
            };
            let mut fds = [PollFd::new(&self.outer, PollFlags::OUT)];
            let left = Timespec::try_from(left).unwrap_or_default();
            if !matches!(poll(&mut fds, Some(&left)), Ok(n) if n > 0) {
                break;
            }
        }
        let _ = self.outer.shutdown(Shutdown::Both);
    }
}
