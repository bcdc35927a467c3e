//! Receivers without a thread per user: a few threads, each waiting on an epoll set of
//! sockets, acknowledging every FORWARD with `RECEIVED <sender>`. Holds thousands of idle
//! users open at the cost of one thread, and spares the load side a context switch per
//! forward when one broadcast reaches hundreds of users at once.

use crate::client::ReceiverStats;
use crate::error::BenchError;
use crate::net::limits;
use chat::wire::{self, Command, Message};
use rustix::buffer::spare_capacity;
use rustix::event::{epoll, Timespec};
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// How often a pool thread looks at its stop flag while nothing happens.
const TICK: Timespec = Timespec {
    tv_sec: 0,
    tv_nsec: 100_000_000,
};
const POOL_STACK: usize = 256 * 1024;

pub struct Pool {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<ReceiverStats>>,
}

/// Spreads `sockets` over `threads` epoll threads (at least one).
pub fn start(sockets: Vec<Arc<TcpStream>>, threads: usize) -> Result<Pool, BenchError> {
    let threads = threads.clamp(1, sockets.len().max(1));
    let mut shares: Vec<Vec<Arc<TcpStream>>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, s) in sockets.into_iter().enumerate() {
        shares[i % threads].push(s);
    }
    let mut pool = Pool {
        stop: Arc::new(AtomicBool::new(false)),
        handles: Vec::new(),
    };
    for share in shares {
        let ep = match watch(&share) {
            Ok(ep) => ep,
            Err(e) => {
                pool.finish();
                return Err(e.into());
            }
        };
        let stop = pool.stop.clone();
        let spawned = thread::Builder::new()
            .name("recv-pool".into())
            .stack_size(POOL_STACK)
            .spawn(move || serve(&ep, &share, &stop));
        match spawned {
            Ok(h) => pool.handles.push(h),
            Err(e) => {
                pool.finish();
                return Err(BenchError::Thread(e));
            }
        }
    }
    Ok(pool)
}

/// An epoll set with every socket of `share`, each made non-blocking.
fn watch(share: &[Arc<TcpStream>]) -> io::Result<OwnedFd> {
    let ep = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    for (i, s) in share.iter().enumerate() {
        s.set_nonblocking(true)?;
        let flags = epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
        epoll::add(&ep, &**s, epoll::EventData::new_u64(i as u64), flags)?;
    }
    Ok(ep)
}

impl Pool {
    /// Stops the threads (a socket closing after this is teardown, not counted) and adds
    /// up what they saw. The sockets stay open until their owners drop them.
    pub fn finish(self) -> ReceiverStats {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = ReceiverStats::default();
        for h in self.handles {
            match h.join() {
                Ok(st) => total.merge(st),
                Err(_) => total.errors.add("receiver panicked", 1),
            }
        }
        total
    }
}

fn serve(ep: &OwnedFd, sockets: &[Arc<TcpStream>], stop: &AtomicBool) -> ReceiverStats {
    let mut stats = ReceiverStats::default();
    let mut buffers: HashMap<usize, Vec<u8>> = HashMap::new();
    let mut events = Vec::with_capacity(1024);
    while !stop.load(Ordering::Relaxed) {
        events.clear();
        if let Err(e) = epoll::wait(ep, spare_capacity(&mut events), Some(&TICK)) {
            if e != rustix::io::Errno::INTR {
                stats.errors.add(format!("receiver epoll: {e}"), 1);
                break;
            }
            continue;
        }
        for ev in &events {
            let i = ev.data.u64() as usize;
            let Some(sock) = sockets.get(i) else { continue };
            let buf = buffers.entry(i).or_default();
            let open = drain(sock, buf);
            answer(sock, buf, &mut stats);
            if !matches!(open, Ok(true)) {
                let _ = epoll::delete(ep, &**sock);
                buffers.remove(&i);
                if !stop.load(Ordering::Relaxed) {
                    stats.closed += 1;
                }
            }
        }
    }
    stats
}

/// Reads all that is there; false once the peer has closed. A short read means the socket
/// is empty (the epoll set is level-triggered, so anything later is reported again): no
/// second `recv` just to hear `EAGAIN`.
fn drain(sock: &TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 8192];
    loop {
        match (&*sock).read(&mut chunk) {
            Ok(0) => return Ok(false),
            Ok(n) if n < chunk.len() => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(true);
            }
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Decodes the buffered messages and acknowledges every FORWARD.
fn answer(sock: &TcpStream, buf: &mut Vec<u8>, stats: &mut ReceiverStats) {
    let mut used_total = 0;
    loop {
        match wire::decode(&buf[used_total..], &limits()) {
            Ok(Some((msg, used))) => {
                used_total += used;
                if let Command::Forward { from } = msg.command {
                    stats.forwards += 1;
                    let ack = Message::new(Command::Received { from }).to_bytes();
                    if let Err(e) = write_blocking(sock, &ack) {
                        stats.errors.add(format!("receiver io: {:?}", e.kind()), 1);
                    }
                } else {
                    stats.unexpected += 1;
                }
            }
            Ok(None) => break,
            Err(_) => {
                stats.errors.add("receiver bad bytes", 1);
                used_total = buf.len();
                break;
            }
        }
    }
    buf.drain(..used_total);
}

/// Writes all of `bytes`; should the socket's buffer be full (a server not reading its
/// acknowledgements), waits for it in blocking mode rather than drop an ack.
fn write_blocking(sock: &TcpStream, bytes: &[u8]) -> io::Result<()> {
    let mut rest = bytes;
    while !rest.is_empty() {
        match (&*sock).write(rest) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                sock.set_nonblocking(false)?;
                let r = (&*sock).write_all(rest);
                sock.set_nonblocking(true)?;
                return r;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
