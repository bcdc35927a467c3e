//! Writes to a socket that never block the writer.
//!
//! Any thread may [`Outbox::push`] a frame for a socket: it is sent at once with a
//! non-blocking `send` (one call for the whole frame, as Part 2 asks) when the socket has room,
//! which is the normal case. Only when the peer stopped reading and the kernel buffer is full
//! does the rest wait in the outbox's queue, flushed by one shared [`Flusher`] thread that
//! polls the congested sockets. So a slow or dead reader costs a queue entry, never a blocked
//! sender, and the queue is capped: past the cap the push fails and the caller drops the peer.

use parking_lot::{Condvar, Mutex};
use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::net::{send, SendFlags};
use std::collections::VecDeque;
use std::io;
use std::io::Read;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

/// How long a closing socket may take to see our last words out.
const LINGER: Duration = Duration::from_secs(1);
/// How much a closing peer may still send us meanwhile.
const LINGER_BYTES: usize = 1 << 20;

/// An encoded message, shared by every socket it goes to.
pub type Frame = Arc<Vec<u8>>;

/// Why a frame was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PushError {
    #[error("socket is closed")]
    Closed,
    #[error("peer is not reading; {0} bytes already queued")]
    Overflow(usize),
}

#[derive(Default)]
struct Queue {
    frames: VecDeque<(Frame, usize)>,
    bytes: usize,
    closed: bool,
    /// A thread is writing the queue out (the one whose `enqueue` found nobody writing).
    writing: bool,
    /// The socket was full: the flusher thread owns the writing until the queue drains.
    congested: bool,
}

/// How far a round of writing got.
#[derive(PartialEq, Eq)]
enum Wrote {
    Drained,
    Blocked,
    Dead,
}

/// The sending side of one socket.
///
/// Frames leave in the order they were enqueued, each with one `send` call when the socket
/// has room. Enqueueing is a short critical section with no system call in it, so callers may
/// enqueue under their own locks (to tie wire order to their bookkeeping) and leave the
/// writing, [`Outbox::write_queued`], for after they release them.
pub struct Outbox {
    stream: Arc<TcpStream>,
    queue: Mutex<Queue>,
    max_queued: usize,
    flusher: Arc<Flusher>,
}

impl Outbox {
    pub fn new(stream: Arc<TcpStream>, max_queued: usize, flusher: Arc<Flusher>) -> Arc<Outbox> {
        Arc::new(Outbox {
            stream,
            queue: Mutex::new(Queue::default()),
            max_queued,
            flusher,
        })
    }

    pub fn stream(&self) -> &Arc<TcpStream> {
        &self.stream
    }

    /// Queues `frame` behind earlier ones. `Ok(true)`: the caller is now the writer and must
    /// call [`Outbox::write_queued`] (once its own locks are released).
    pub fn enqueue(&self, frame: Frame) -> Result<bool, PushError> {
        let mut q = self.queue.lock();
        if q.closed {
            return Err(PushError::Closed);
        }
        if !q.frames.is_empty() && q.bytes + frame.len() > self.max_queued {
            return Err(PushError::Overflow(q.bytes));
        }
        q.bytes += frame.len();
        q.frames.push_back((frame, 0));
        let become_writer = !q.writing && !q.congested;
        q.writing |= become_writer;
        Ok(become_writer)
    }

    /// Writes the queue out until it is empty, or hands it to the flusher thread when the
    /// socket is full. Only for the writer named by [`Outbox::enqueue`].
    pub fn write_queued(self: &Arc<Self>) {
        if self.write_until_blocked(false) == Wrote::Blocked {
            self.flusher.watch(self);
        }
    }

    /// Sends `frame` now if the socket has room, else queues it behind earlier frames.
    pub fn push(self: &Arc<Self>, frame: Frame) -> Result<(), PushError> {
        if self.enqueue(frame)? {
            self.write_queued();
        }
        Ok(())
    }

    /// Convenience for a one-off message.
    pub fn push_bytes(self: &Arc<Self>, bytes: Vec<u8>) -> Result<(), PushError> {
        self.push(Arc::new(bytes))
    }

    /// Bytes still waiting to be sent.
    pub fn queued(&self) -> usize {
        self.queue.lock().bytes
    }

    /// Refuses further frames and shuts the socket down (which wakes its reader). Frames a
    /// writer is sending right now still go out first (say, the notice of a kick); what waits
    /// for a full socket does not.
    pub fn close(&self) {
        let mut q = self.queue.lock();
        q.closed = true;
        if q.writing {
            return; // the writer shuts it down once the queue is out
        }
        self.die(&mut q);
    }

    /// Closes so that what we wrote last (say, the `ERROR` that explains the close) reaches
    /// the peer: closing with unread input would reset the connection and could destroy it
    /// in flight. So: let queued bytes go, send FIN, read and discard for a moment, close.
    /// Blocks for up to a second; for the socket's own thread.
    #[cold]
    #[inline(never)] // keeps its buffer off the stack of every idle connection thread
    pub fn close_gracefully(&self) {
        let deadline = Instant::now() + LINGER;
        while self.queued() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        let _ = self.stream.shutdown(Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(LINGER));
        let mut sink = [0u8; 512];
        let mut drained = 0;
        while Instant::now() < deadline && drained < LINGER_BYTES {
            match (&*self.stream).read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
        self.close();
    }

    /// Non-blocking send of `frame[from..]`; returns how far it got (`from`: no room).
    fn send_some(&self, frame: &[u8], from: usize) -> io::Result<usize> {
        let flags = SendFlags::DONTWAIT | SendFlags::NOSIGNAL;
        let mut at = from;
        while at < frame.len() {
            match send(&*self.stream, &frame[at..], flags) {
                Ok(n) => at += n,
                Err(rustix::io::Errno::AGAIN) => break,
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(at)
    }

    /// Sends queued frames, front first, with no lock held during a `send`. The caller is the
    /// only writer (a thread marked `writing`, or the flusher while `congested`).
    fn write_until_blocked(&self, flusher: bool) -> Wrote {
        let mut q = self.queue.lock();
        loop {
            if q.closed && flusher {
                return self.die(&mut q);
            }
            let (frame, at) = match q.frames.front() {
                Some(front) => front.clone(),
                None if q.closed => return self.die(&mut q),
                None => {
                    if flusher {
                        q.congested = false;
                    } else {
                        q.writing = false;
                    }
                    return Wrote::Drained;
                }
            };
            drop(q);
            let sent = self.send_some(&frame, at);
            q = self.queue.lock();
            match sent {
                Ok(n) if n == frame.len() => {
                    q.bytes -= frame.len() - at;
                    q.frames.pop_front();
                }
                Ok(_) if q.closed => return self.die(&mut q),
                Ok(n) => {
                    q.bytes -= n - at;
                    if let Some(front) = q.frames.front_mut() {
                        front.1 = n;
                    }
                    if !flusher {
                        q.writing = false;
                        q.congested = true;
                    }
                    return Wrote::Blocked;
                }
                Err(_) => return self.die(&mut q),
            }
        }
    }

    fn die(&self, q: &mut Queue) -> Wrote {
        q.closed = true;
        q.frames.clear();
        q.bytes = 0;
        q.writing = false;
        q.congested = false;
        let _ = self.stream.shutdown(Shutdown::Both);
        Wrote::Dead
    }

    /// The flusher's turn: true when the socket needs no more watching.
    fn flush(&self) -> bool {
        if !self.queue.lock().congested {
            return true;
        }
        self.write_until_blocked(true) != Wrote::Blocked
    }
}

/// The one thread that finishes sending to congested sockets.
pub struct Flusher {
    watched: Mutex<Vec<Weak<Outbox>>>,
    wake: Condvar,
}

/// How long a newly congested socket may wait before the flusher notices it.
const POLL_SLICE: Duration = Duration::from_millis(5);

impl Flusher {
    /// Starts the flusher thread; it ends when the returned handle's last clone is gone.
    pub fn start() -> io::Result<Arc<Flusher>> {
        let flusher = Arc::new(Flusher {
            watched: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        });
        let weak = Arc::downgrade(&flusher);
        thread::Builder::new()
            .name("flusher".into())
            .stack_size(256 * 1024)
            .spawn(move || run_flusher(weak))?;
        Ok(flusher)
    }

    fn watch(&self, outbox: &Arc<Outbox>) {
        let mut watched = self.watched.lock();
        if !watched.iter().any(|w| w.as_ptr() == Arc::as_ptr(outbox)) {
            watched.push(Arc::downgrade(outbox));
        }
        self.wake.notify_one();
    }
}

fn run_flusher(flusher: Weak<Flusher>) {
    loop {
        let Some(f) = flusher.upgrade() else { return };
        let congested: Vec<Arc<Outbox>> = {
            let mut watched = f.watched.lock();
            watched.retain(|w| w.strong_count() > 0);
            if watched.is_empty() {
                // Wake now and then to notice that the server is gone.
                f.wake.wait_for(&mut watched, Duration::from_secs(1));
                continue;
            }
            watched.iter().filter_map(Weak::upgrade).collect()
        };
        drop(f);
        let mut fds: Vec<PollFd> = congested
            .iter()
            .map(|o| PollFd::new(&*o.stream, PollFlags::OUT))
            .collect();
        let slice = Timespec::try_from(POLL_SLICE).unwrap_or_default();
        let ready = poll(&mut fds, Some(&slice)).unwrap_or(0);
        let writable: Vec<bool> = fds.iter().map(|p| !p.revents().is_empty()).collect();
        drop(fds);
        let mut done = Vec::new();
        if ready > 0 {
            for (o, w) in congested.iter().zip(writable) {
                if w && o.flush() {
                    done.push(Arc::as_ptr(o));
                }
            }
        }
        if let Some(f) = flusher.upgrade() {
            // Re-check under the queue lock: the socket may be congested again since.
            f.watched.lock().retain(|w| match w.upgrade() {
                Some(o) => !done.contains(&w.as_ptr()) || o.queue.lock().congested,
                None => false,
            });
        }
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
