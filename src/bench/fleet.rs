//! A fleet of registered bench users (spread round-robin over the servers), each with a
//! receiver acknowledging its forwards; the senders are handed out to the scenario, and the
//! fleet tears everything down (shutting sockets to wake blocked readers) when asked for its
//! statistics.

use crate::client::{spawn_receiver, ReceiverStats};
use crate::error::BenchError;
pub use crate::net::Dial;
use crate::net::{register_many, Registered};
use crate::pool::{self, Pool};
use crate::progress::Progress;
use crate::stats::ErrorCounts;
use chat::net::conn::Conn;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// How users are named: unique per process and run, so runs never collide on a server.
pub fn user_name(prefix: &str, i: usize) -> String {
    format!("{prefix}p{}n{i}", std::process::id())
}

/// Who answers the forwards of a fleet.
enum Receivers {
    /// A thread per user, blocked in `read` (what the floor's recipients do).
    Threads(Vec<JoinHandle<ReceiverStats>>),
    /// A few epoll threads for everyone.
    Pool(Pool),
}

pub struct Fleet {
    /// Names of the users that registered, in order.
    pub names: Vec<String>,
    /// The server of each (its index in [`Dial::addrs`]).
    pub nodes: Vec<usize>,
    /// How many servers the users were spread over.
    pub servers: usize,
    senders: Vec<Conn>,
    receivers: Receivers,
    sockets: Vec<Arc<TcpStream>>,
    stop: Arc<AtomicBool>,
    /// Failed registrations by kind.
    pub errors: ErrorCounts,
    pub register_seconds: f64,
}

/// Registers `count` users named from `prefix` and starts their receivers: a thread per
/// user when `pool_threads` is 0, else that many epoll threads shared by all.
pub fn register(
    dial: &Dial,
    prefix: &str,
    count: usize,
    pool_threads: usize,
) -> Result<Fleet, BenchError> {
    register_asking(dial, prefix, count, pool_threads, None)
}

/// [`register`], every user asking for `extensions` when given.
pub fn register_asking(
    dial: &Dial,
    prefix: &str,
    count: usize,
    pool_threads: usize,
    extensions: Option<&str>,
) -> Result<Fleet, BenchError> {
    let names = (0..count).map(|i| user_name(prefix, i)).collect();
    let progress = Progress::new(dial.progress && count >= 200, "register", count as u64);
    let reg = register_many(dial, 0, names, &progress, extensions)?;
    progress.finish();
    if dial.settle && dial.addrs.len() > 1 && !reg.users.is_empty() {
        crate::cluster::settle(dial, prefix)?;
    }
    if reg.users.is_empty() && count > 0 {
        let why = reg.errors.0.keys().cloned().collect::<Vec<_>>().join(", ");
        return Err(BenchError::NobodyRegistered(why));
    }
    let mut fleet = Fleet {
        names: Vec::with_capacity(reg.users.len()),
        nodes: Vec::with_capacity(reg.users.len()),
        servers: dial.addrs.len(),
        senders: Vec::with_capacity(reg.users.len()),
        receivers: Receivers::Threads(Vec::new()),
        sockets: Vec::with_capacity(2 * reg.users.len()),
        stop: Arc::new(AtomicBool::new(false)),
        errors: reg.errors,
        register_seconds: reg.seconds,
    };
    let mut recvs = Vec::with_capacity(reg.users.len());
    for Registered {
        name,
        node,
        send,
        recv,
    } in reg.users
    {
        fleet
            .sockets
            .extend([send.stream().clone(), recv.stream().clone()]);
        fleet.names.push(name);
        fleet.nodes.push(node);
        fleet.senders.push(send);
        recvs.push(recv);
    }
    if let Err(e) = fleet.start_receivers(recvs, pool_threads) {
        fleet.finish();
        return Err(e);
    }
    Ok(fleet)
}

impl Fleet {
    /// How many servers hold at least one of the fleet's users.
    pub fn servers_used(&self) -> usize {
        let mut used = self.nodes.clone();
        used.sort_unstable();
        used.dedup();
        used.len()
    }

    /// The TOSEND connections, for the scenario to build its senders from.
    pub fn take_senders(&mut self) -> Vec<Conn> {
        std::mem::take(&mut self.senders)
    }

    /// Hands `recvs` to `pool_threads` epoll threads, or to a thread each when that is 0.
    /// On failure, those started are in `self.receivers` for [`Fleet::finish`] to stop.
    fn start_receivers(&mut self, recvs: Vec<Conn>, pool_threads: usize) -> Result<(), BenchError> {
        if pool_threads > 0 {
            self.receivers = Receivers::Pool(pool::start(recvs, pool_threads)?);
        } else if let Receivers::Threads(handles) = &mut self.receivers {
            for recv in recvs {
                handles.push(spawn_receiver(recv, self.stop.clone())?);
            }
        }
        Ok(())
    }

    /// Stops the receivers, shuts every socket down and adds up what the receivers saw.
    pub fn finish(self) -> ReceiverStats {
        self.stop.store(true, Ordering::Relaxed);
        let mut total = ReceiverStats::default();
        let handles = match self.receivers {
            Receivers::Pool(p) => {
                total.merge(p.finish());
                Vec::new()
            }
            Receivers::Threads(handles) => handles,
        };
        for s in &self.sockets {
            let _ = s.shutdown(Shutdown::Both);
        }
        for h in handles {
            match h.join() {
                Ok(st) => total.merge(st),
                Err(_) => total.errors.add("receiver panicked", 1),
            }
        }
        total
    }
}
