//! The receiving sockets of registered users, served together by one epoll thread.
//!
//! A TORECV socket carries forwards out (written by the senders' threads through its
//! [`Outbox`]) and acknowledgements in. A thread per such socket would be woken once per
//! acknowledgement: a broadcast to a thousand users meant a thousand context switches. So
//! once a TORECV socket is registered, its connection thread hands it here and ends; the hub
//! reads every socket that has input in one pass per wake-up. Everything done here is
//! non-blocking (acks, replies through outboxes, registry updates).

use super::super::Shared;
use super::commands::{self, Step};
use crate::core::{LeaveReason, Side, User};
use crate::net::conn::{Conn, ConnError};
use crate::net::outbox::Outbox;
use crate::wire::ext::{Ext, ExtMsg};
use crate::wire::{Message, Role};
use log::{debug, info, warn};
use rustix::buffer::spare_capacity;
use rustix::event::{epoll, eventfd, EventfdFlags};
use rustix::fd::OwnedFd;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// A registered TORECV socket.
pub(super) struct Entry {
    pub conn: Conn,
    pub outbox: Arc<Outbox>,
    pub user: Arc<User>,
    pub peer: SocketAddr,
    /// Its place in the server's [`super::Tracker`].
    pub id: u64,
    pub opened: Instant,
    pub last_ping: Option<Instant>,
}

/// The handle connection threads use to hand over their socket.
pub(super) struct Hub {
    epoll: OwnedFd,
    /// Poked on every adoption, so a new socket is served at once, not at the next event.
    wake: OwnedFd,
    adopt: parking_lot::Mutex<mpsc::Sender<Entry>>,
}

/// The epoll key of [`Hub::wake`] (connection ids count up from 0 and never reach it).
const WAKE: u64 = u64::MAX;

impl Hub {
    /// Creates the hub; `run` it on a thread with the receiver returned.
    pub fn new() -> std::io::Result<(Hub, mpsc::Receiver<Entry>)> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        let data = epoll::EventData::new_u64(WAKE);
        epoll::add(&epoll, &wake, data, epoll::EventFlags::IN)?;
        let (tx, rx) = mpsc::channel();
        let hub = Hub {
            epoll,
            wake,
            adopt: parking_lot::Mutex::new(tx),
        };
        Ok((hub, rx))
    }

    /// Takes over a registered socket. The entry is queued before the socket is watched, so
    /// the hub knows every key an event can carry.
    pub fn adopt(&self, entry: Entry) {
        let stream = entry.conn.stream().clone();
        let key = entry.id;
        if self.adopt.lock().send(entry).is_err() {
            return; // hub gone: shutting down
        }
        let flags = epoll::EventFlags::IN | epoll::EventFlags::RDHUP;
        if let Err(e) = epoll::add(&self.epoll, &*stream, epoll::EventData::new_u64(key), flags) {
            warn!("cannot watch a receiving socket: {e}");
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        let _ = rustix::io::write(&self.wake, &1u64.to_ne_bytes());
    }
}

/// Serves adopted sockets until the server stops.
pub(super) fn run(shared: &Shared, index: usize, adopted: mpsc::Receiver<Entry>) {
    let hub = &shared.two_socket.hubs[index];
    let mut entries: HashMap<u64, Entry> = HashMap::new();
    let mut events: Vec<epoll::Event> = Vec::with_capacity(1024);
    let mut scratch = vec![0u8; 64 * 1024];
    let tick = tick_of(shared);
    let mut next_sweep = Instant::now() + tick;
    loop {
        events.clear();
        let wait = next_sweep.saturating_duration_since(Instant::now());
        let timeout = rustix::event::Timespec::try_from(wait).ok();
        let _ = epoll::wait(&hub.epoll, spare_capacity(&mut events), timeout.as_ref());
        for mut e in adopted.try_iter() {
            // Bytes pipelined behind the registration are already buffered: no event will
            // announce them, so serve them now.
            match serve(shared, &mut e, &mut scratch) {
                Step::Close => close(shared, e),
                _ => drop(entries.insert(e.id, e)),
            }
        }
        if shared.stopping.load(Ordering::SeqCst) {
            for (_, e) in entries.drain() {
                close(shared, e);
            }
            return;
        }
        for event in &events {
            let key = { event.data }.u64();
            if key == WAKE {
                let _ = rustix::io::read(&hub.wake, &mut [0u8; 8]);
                continue;
            }
            let Some(entry) = entries.get_mut(&key) else {
                continue;
            };
            if let Step::Close = serve(shared, entry, &mut scratch) {
                if let Some(e) = entries.remove(&key) {
                    close(shared, e);
                }
            }
        }
        if Instant::now() >= next_sweep {
            next_sweep = Instant::now() + tick;
            let due: Vec<u64> = entries
                .iter_mut()
                .filter_map(|(k, e)| matches!(sweep(shared, e), Step::Close).then_some(*k))
                .collect();
            for key in due {
                if let Some(e) = entries.remove(&key) {
                    close(shared, e);
                }
            }
        }
    }
}

/// How often the hub checks for stalled messages and silent `ping` users.
fn tick_of(shared: &Shared) -> Duration {
    let cfg = &shared.config;
    (cfg.ping_interval / 4)
        .min(cfg.message_timeout / 4)
        .min(cfg.idle_timeout / 4)
        .clamp(Duration::from_millis(10), Duration::from_secs(1))
}

/// Reads what a socket has and handles every whole message in it.
fn serve(shared: &Shared, e: &mut Entry, scratch: &mut [u8]) -> Step {
    let open = match e.conn.read_available(scratch) {
        Ok(open) => open,
        Err(err) => return fail(e, err),
    };
    loop {
        match e.conn.try_decode() {
            Ok(Some(msg)) => {
                if let Step::Close = handle(shared, e, msg) {
                    return Step::Close;
                }
            }
            Ok(None) => break,
            Err(err) => return fail(e, err),
        }
    }
    if open {
        Step::Continue
    } else {
        info!("{}: closed by the peer", who(e));
        Step::Close
    }
}

fn fail(e: &Entry, err: ConnError) -> Step {
    commands::fail(&who(e), &e.outbox, err)
}

/// A receiving socket never starts a send: `commands` only offers one to a TOSEND socket.
fn handle(shared: &Shared, e: &mut Entry, msg: Message) -> Step {
    debug!("{} sent {:?}", who(e), msg.command);
    commands::registered(shared, &e.user, Role::ToRecv, &e.outbox, msg)
}

/// Periodic checks: a message stalled half-way, or a `ping` user gone silent.
fn sweep(shared: &Shared, e: &mut Entry) -> Step {
    if let Err(err) = e.conn.check_stalled() {
        return fail(e, err);
    }
    if !e.user.is_complete() && e.opened.elapsed() >= shared.config.idle_timeout {
        info!("{}: registration not completed in time; closing", who(e));
        return Step::Close;
    }
    if !Ext::from_bits(e.user.flags()).has(Ext::PING) {
        return Step::Continue;
    }
    let interval = shared.config.ping_interval;
    let silent = e.user.silent_for();
    if silent >= interval * 2 {
        warn!("{}: silent for {silent:?}; dropped", e.user.name());
        shared.chat.drop_user(&e.user, LeaveReason::Timeout);
        return Step::Close;
    }
    let due = e.last_ping.is_none_or(|t| t.elapsed() >= interval);
    if silent >= interval && due {
        e.last_ping = Some(Instant::now());
        let token = e.id.to_string();
        if e.outbox
            .push_bytes(ExtMsg::Ping { token }.to_bytes())
            .is_err()
        {
            return Step::Close;
        }
    }
    Step::Continue
}

/// Detaches the socket from its user and closes it.
fn close(shared: &Shared, e: Entry) {
    let _ = epoll::delete(&shared.two_socket.hub_for(e.id).epoll, &**e.conn.stream());
    if shared.chat.detach(&e.user, Side::Receiver) {
        info!("{} left", e.user.name());
    }
    info!("{} disconnected", e.peer);
    shared.closed(e.id);
    if e.outbox.queued() == 0 && !e.conn.has_partial() {
        e.outbox.close();
        return;
    }
    // Our last words (an ERROR) are still on their way or the peer is mid-message: let a
    // short-lived thread see them out rather than reset the connection under them.
    let outbox = e.outbox.clone();
    let spawned = std::thread::Builder::new()
        .name("linger".into())
        .stack_size(64 * 1024)
        .spawn(move || outbox.close_gracefully());
    if spawned.is_err() {
        e.outbox.close();
    }
}

fn who(e: &Entry) -> String {
    format!("{} (TORECV {})", e.peer, e.user.name())
}
