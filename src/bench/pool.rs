//! Receivers without a thread per user: a few threads, each waiting on an epoll set of
//! sockets, acknowledging every FORWARD with `RECEIVED <sender>`. Holds thousands of idle
//! users open at the cost of one thread, and spares the load side a context switch per
//! forward when one broadcast reaches hundreds of users at once.

use crate::client::ReceiverStats;
use crate::error::BenchError;
use chat::net::conn::Conn;
use rustix::buffer::spare_capacity;
use rustix::event::{epoll, Timespec};
use std::io;
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
/// Bytes one `recv` may bring in, in a buffer each pool thread reuses.
const SCRATCH: usize = 8192;

pub struct Pool {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<ReceiverStats>>,
}

/// Spreads `conns` over `threads` epoll threads (at least one), which own them from now on.
pub fn start(conns: Vec<Conn>, threads: usize) -> Result<Pool, BenchError> {
    let threads = threads.clamp(1, conns.len().max(1));
    let mut shares: Vec<Vec<Conn>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, c) in conns.into_iter().enumerate() {
        shares[i % threads].push(c);
    }
    let mut pool = Pool {
        stop: Arc::new(AtomicBool::new(false)),
        handles: Vec::new(),
    };
    for mut share in shares {
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
            .spawn(move || serve(&ep, &mut share, &stop));
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

/// An epoll set with every socket of `share`. The sockets stay blocking: reads do not wait
/// ([`Conn::read_available`]), and an ack waits for room rather than be dropped.
fn watch(share: &[Conn]) -> io::Result<OwnedFd> {
    let ep = epoll::create(epoll::CreateFlags::CLOEXEC)?;
    for (i, c) in share.iter().enumerate() {
        let flags = epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
        epoll::add(
            &ep,
            &**c.stream(),
            epoll::EventData::new_u64(i as u64),
            flags,
        )?;
    }
    Ok(ep)
}

impl Pool {
    /// Stops the threads (a socket closing after this is teardown, not counted) and adds
    /// up what they saw. Each thread drops its connections as it ends, which closes the
    /// sockets nobody else holds.
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

fn serve(ep: &OwnedFd, conns: &mut [Conn], stop: &AtomicBool) -> ReceiverStats {
    let mut stats = ReceiverStats::default();
    let mut events = Vec::with_capacity(1024);
    let mut scratch = vec![0u8; SCRATCH];
    let mut out = Vec::new();
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
            let Some(conn) = conns.get_mut(ev.data.u64() as usize) else {
                continue;
            };
            // A short read means the socket is empty (the set is level-triggered, so
            // anything later is reported again): no second `recv` just to hear `EAGAIN`.
            let open = conn.read_available(&mut scratch);
            answer_buffered(conn, &mut out, &mut stats);
            if !matches!(open, Ok(true)) {
                let _ = epoll::delete(ep, &**conn.stream());
                conn.discard_buffered();
                if !stop.load(Ordering::Relaxed) {
                    stats.closed += 1;
                }
            }
        }
    }
    stats
}

/// Decodes the buffered messages and acknowledges every FORWARD (encoded into `out`).
fn answer_buffered(conn: &mut Conn, out: &mut Vec<u8>, stats: &mut ReceiverStats) {
    loop {
        match conn.try_decode() {
            Ok(Some(msg)) => {
                if let Err(e) = stats.answer(conn, msg, out) {
                    stats.errors.add(format!("receiver io: {:?}", e.kind()), 1);
                }
            }
            Ok(None) => return,
            Err(_) => {
                stats.errors.add("receiver bad bytes", 1);
                conn.discard_buffered();
                return;
            }
        }
    }
}
