//! The client's connections as conform sees them: the listening socket, every accepted
//! connection, and one wait that wakes on whichever has something (a new connection, bytes,
//! a close) or at a deadline.
//!
//! One thread serves them all through `poll`, so the order in which things happen across the
//! two sockets is the order the script sees them in, and nothing needs a sleep to be seen.
//! Each connection remembers where every read ended, so a message that arrived over several
//! reads (written in several pieces) can be told from one that came whole.

use crate::conformance::peer::{Peer, READ_LIMITS};
use crate::wire::{self, Message};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use std::io::{ErrorKind, Read};
use std::net::TcpListener;
use std::time::{Duration, Instant};

/// One message (or unparsable bytes) read from a connection.
#[derive(Clone, Debug)]
pub struct Frame {
    /// The message, or `None` when the bytes cannot be followed (a bad Content-length).
    pub msg: Option<Message>,
    /// Every byte it took on the wire, whitespace before it included.
    pub raw: Vec<u8>,
    /// The bytes of the first read that held it; shorter than `raw` when it came in pieces.
    pub first_read: Vec<u8>,
    /// Bytes right after it that came in the same read and are not a whole message.
    pub tail: Vec<u8>,
    pub at: Instant,
}

impl Frame {
    /// True when the message arrived over more than one read.
    pub fn split(&self) -> bool {
        self.first_read.len() < self.raw.len()
    }
}

/// One accepted connection.
pub struct Conn {
    pub peer: Peer,
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    base: usize,
    /// Stream offsets at which reads ended, ascending, all beyond `base`.
    breaks: Vec<usize>,
    /// When the oldest unparsed byte arrived.
    since: Option<Instant>,
    /// Why the connection is gone, once it is.
    pub closed: Option<String>,
}

impl Conn {
    fn new(peer: Peer) -> Conn {
        Conn {
            peer,
            buf: Vec::new(),
            base: 0,
            breaks: Vec::new(),
            since: None,
            closed: None,
        }
    }

    /// Reads once (the socket is readable, so this does not block).
    fn read_once(&mut self) {
        let mut chunk = [0u8; 16 * 1024];
        let mut stream = self.peer.stream();
        match stream.read(&mut chunk) {
            Ok(0) => self.closed = Some("closed by the client".into()),
            Ok(n) => {
                if self.buf.is_empty() {
                    self.since = Some(Instant::now());
                }
                self.buf.extend_from_slice(&chunk[..n]);
                self.breaks.push(self.base + self.buf.len());
            }
            Err(e) if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) => {}
            Err(e) => self.closed = Some(format!("connection failed ({e})")),
        }
    }

    /// The next whole message from the buffer, if one is there.
    pub fn next_frame(&mut self) -> Option<Frame> {
        let (msg, used) = match wire::decode(&self.buf, &READ_LIMITS) {
            Ok(Some((msg, used))) => (Some(msg), used),
            Ok(None) => return None,
            Err(_) => (None, self.buf.len()),
        };
        let start = self.base + wire::junk_prefix(&self.buf[..used]);
        let first_end = self
            .breaks
            .iter()
            .copied()
            .find(|&b| b > start)
            .map_or(used, |b| (b - self.base).min(used));
        let raw: Vec<u8> = self.buf.drain(..used).collect();
        self.base += used;
        let ended_a_read = self.breaks.contains(&self.base);
        self.breaks.retain(|&b| b > self.base);
        let tail = if ended_a_read {
            Vec::new()
        } else {
            self.same_read_tail()
        };
        let at = self.since.unwrap_or_else(Instant::now);
        self.since = (!self.buf.is_empty()).then(Instant::now);
        Some(Frame {
            msg,
            first_read: raw[..first_end].to_vec(),
            raw,
            tail,
            at,
        })
    }

    /// The buffered bytes that arrived in the same read as the end of the last message (which
    /// did not end that read), when they are not a whole message written with it.
    fn same_read_tail(&mut self) -> Vec<u8> {
        let Some(&end) = self.breaks.first() else {
            return Vec::new();
        };
        let len = end - self.base;
        if len == 0 || self.buf.is_empty() {
            return Vec::new();
        }
        if matches!(wire::decode(&self.buf[..len], &READ_LIMITS), Ok(Some(_))) {
            return Vec::new();
        }
        let tail: Vec<u8> = self.buf.drain(..len).collect();
        self.base += len;
        self.breaks.retain(|&b| b > self.base);
        tail
    }

    /// True when part of a message (not just whitespace) is waiting for the rest.
    pub fn has_partial(&self) -> bool {
        wire::junk_prefix(&self.buf) < self.buf.len()
    }

    /// When the waiting part began to arrive.
    pub fn partial_since(&self) -> Option<Instant> {
        self.has_partial().then_some(self.since).flatten()
    }

    /// The bytes read but not yet taken as a message.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }
}

/// The listening socket and the connections accepted on it, in accept order.
pub struct Link {
    listener: TcpListener,
    /// False once accepting failed (out of file descriptors, say): the listener would
    /// otherwise wake every wait at once.
    accepting: bool,
    pub conns: Vec<Conn>,
}

impl Link {
    pub fn new(listener: TcpListener) -> std::io::Result<Link> {
        listener.set_nonblocking(true)?;
        Ok(Link {
            listener,
            accepting: true,
            conns: Vec::new(),
        })
    }

    /// Waits until something happens or `deadline` passes; false when nothing happened.
    /// A deadline already past looks once without waiting.
    pub fn wait(&mut self, deadline: Instant) -> bool {
        let left = deadline.saturating_duration_since(Instant::now());
        let open: Vec<usize> = (0..self.conns.len())
            .filter(|&i| self.conns[i].is_open())
            .collect();
        let ready: Vec<bool> = {
            let mut fds = Vec::with_capacity(open.len() + 1);
            let listen = if self.accepting {
                PollFlags::IN
            } else {
                PollFlags::empty()
            };
            fds.push(PollFd::new(&self.listener, listen));
            for &i in &open {
                fds.push(PollFd::new(self.conns[i].peer.stream(), PollFlags::IN));
            }
            let timeout = Timespec::try_from(left.max(Duration::ZERO)).unwrap_or_default();
            match poll(&mut fds, Some(&timeout)) {
                Ok(0) => return false,
                Ok(_) => fds.iter().map(|p| !p.revents().is_empty()).collect(),
                Err(rustix::io::Errno::INTR) => return true,
                Err(_) => return false,
            }
        };
        if ready[0] {
            self.accept_all();
        }
        for (k, &i) in open.iter().enumerate() {
            if ready[k + 1] {
                self.conns[i].read_once();
            }
        }
        true
    }

    /// Takes in, without waiting, everything that has already arrived.
    pub fn drain_now(&mut self) {
        for _ in 0..64 {
            if !self.wait(Instant::now()) {
                return;
            }
        }
    }

    fn accept_all(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, addr)) => {
                    // Accepted sockets block; they are read only when poll says they are ready.
                    let _ = stream.set_nonblocking(false);
                    let label = format!("connection {} from {addr}", self.conns.len() + 1);
                    self.conns.push(Conn::new(Peer::from_stream(stream, label)));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::Interrupted | ErrorKind::ConnectionAborted
                    ) => {}
                Err(e) => {
                    log::warn!("conform client: cannot accept any more connections: {e}");
                    self.accepting = false;
                    return;
                }
            }
        }
    }

    /// Closes every connection.
    pub fn close_all(&self) {
        for conn in &self.conns {
            conn.peer.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpStream;

    fn link_and_client() -> (Link, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let mut link = Link::new(listener).unwrap();
        let client = TcpStream::connect(addr).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while link.conns.is_empty() && link.wait(deadline) {}
        (link, client)
    }

    fn frame(link: &mut Link) -> Frame {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(f) = link.conns[0].next_frame() {
                return f;
            }
            assert!(link.wait(deadline), "no frame");
        }
    }

    #[test]
    fn a_message_in_two_writes_is_split_and_one_write_is_not() {
        let (mut link, mut client) = link_and_client();
        client
            .write_all(b"SEND bob\nContent-length: 2\n\n")
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !link.conns[0].has_partial() && link.wait(deadline) {}
        client.write_all(b"hi").unwrap();
        let f = frame(&mut link);
        assert!(f.split());
        assert_eq!(f.first_read, b"SEND bob\nContent-length: 2\n\n");
        client.write_all(b"RECEIVED a\n\nRECEIVED b\n\n").unwrap();
        let (a, b) = (frame(&mut link), frame(&mut link));
        assert!(!a.split() && !b.split(), "{a:?} {b:?}");
        assert_eq!(b.raw, b"RECEIVED b\n\n");
    }

    #[test]
    fn bytes_after_a_body_in_the_same_write_are_its_tail() {
        let (mut link, mut client) = link_and_client();
        client
            .write_all(b"SEND bob\nContent-length: 2\n\nhi!\n")
            .unwrap();
        let f = frame(&mut link);
        assert_eq!(f.tail, b"!\n");
        assert!(!link.conns[0].has_partial());
        drop(client);
        let deadline = Instant::now() + Duration::from_secs(5);
        while link.conns[0].is_open() && link.wait(deadline) {}
        assert!(!link.conns[0].is_open());
    }
}
