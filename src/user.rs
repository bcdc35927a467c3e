//! One online user: its links, the forwards it still owes acknowledgements for, its
//! extensions, its send allowance and when it was last heard from.

use crate::delivery::{Delivery, Ticket};
use crate::ratelimit::Bucket;
use crate::registry::{Event, Link, LinkError};
use crate::wire::ext::Ext;
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

#[derive(Default)]
pub(crate) struct UserState {
    pub(crate) sender: Option<Arc<dyn Link>>,
    pub(crate) receiver: Option<Arc<dyn Link>>,
    /// Forwards sent to this user and not yet acknowledged, oldest first.
    pub(crate) pending: VecDeque<Ticket>,
    /// Has been complete (others were told it joined).
    pub(crate) joined: bool,
    pub(crate) gone: bool,
}

/// What a user removed at once held: whether others were told it joined, its links, and the
/// forwards it still owed acknowledgements for.
pub(crate) struct Taken {
    pub(crate) joined: bool,
    pub(crate) links: Vec<Arc<dyn Link>>,
    pub(crate) owed: VecDeque<Ticket>,
}

/// One online user.
pub struct User {
    pub(crate) name: String,
    pub(crate) id: u64,
    pub(crate) peer: IpAddr,
    since: SystemTime,
    sent: AtomicU64,
    ext: AtomicU32,
    /// Milliseconds since [`epoch`] when anything last arrived from the user.
    last_seen: AtomicU64,
    bucket: Mutex<Bucket>,
    /// Mirrors "both sides attached and not gone", so the hot path reads it without the lock.
    complete: AtomicBool,
    pub(crate) state: Mutex<UserState>,
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn now_ms() -> u64 {
    epoch().elapsed().as_millis() as u64
}

impl User {
    pub(crate) fn new(name: &str, id: u64, peer: IpAddr, ext: Ext, state: UserState) -> User {
        User {
            name: name.to_string(),
            id,
            peer,
            since: SystemTime::now(),
            sent: AtomicU64::new(0),
            ext: AtomicU32::new(ext.bits()),
            last_seen: AtomicU64::new(now_ms()),
            bucket: Mutex::new(Bucket::full()),
            complete: AtomicBool::new(false),
            state: Mutex::new(state),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn peer(&self) -> IpAddr {
        self.peer
    }
    pub fn since(&self) -> SystemTime {
        self.since
    }
    pub fn messages_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
    pub fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// The extensions the user's client asked for (on either socket) and was granted.
    pub fn extensions(&self) -> Ext {
        Ext::from_bits(self.ext.load(Ordering::Relaxed))
    }
    pub(crate) fn add_extensions(&self, ext: Ext) {
        self.ext.fetch_or(ext.bits(), Ordering::Relaxed);
    }

    /// Notes that something arrived from the user.
    pub fn touch(&self) {
        self.last_seen.store(now_ms(), Ordering::Relaxed);
    }
    /// How long since anything arrived from the user.
    pub fn silent_for(&self) -> Duration {
        Duration::from_millis(now_ms().saturating_sub(self.last_seen.load(Ordering::Relaxed)))
    }

    /// Takes one send from the user's allowance of `rate` per second (bursts of `2 * rate`);
    /// a rate of 0 means no limit.
    pub fn allow_send(&self, rate: u32) -> bool {
        rate == 0
            || self
                .bucket
                .lock()
                .take(rate, rate.saturating_mul(2), Instant::now())
    }

    /// Both sides attached and not removed.
    pub fn is_complete(&self) -> bool {
        self.complete.load(Ordering::Acquire)
    }

    /// Recomputes [`User::is_complete`]; called with the state lock held after any change.
    pub(crate) fn refresh(&self, st: &UserState) {
        let complete = !st.gone && st.sender.is_some() && st.receiver.is_some();
        self.complete.store(complete, Ordering::Release);
    }

    /// Queues `ticket` and hands `delivery` to the receiving link, atomically with respect to
    /// other senders so that acks complete tickets in wire order.
    pub(crate) fn enqueue(
        &self,
        ticket: Ticket,
        delivery: &Delivery,
        max_pending: usize,
    ) -> Result<(), LinkError> {
        let mut st = self.state.lock();
        let Some(rx) = st.receiver.clone() else {
            return Err(LinkError::Closed);
        };
        if st.gone || st.pending.len() >= max_pending {
            return Err(LinkError::Closed);
        }
        let must_flush = rx.deliver(self, delivery)?;
        st.pending.push_back(ticket);
        drop(st);
        if must_flush {
            rx.flush();
        }
        Ok(())
    }

    /// Pushes an event to the user's receiving link, if it asked for events.
    pub(crate) fn notify(&self, event: &Event) {
        if !self.extensions().has(Ext::EVENTS) {
            return;
        }
        let rx = self.state.lock().receiver.clone();
        if let Some(rx) = rx {
            rx.event(self, event);
        }
    }

    /// Completes the oldest outstanding forward to this user (FIFO).
    pub fn acknowledge(&self, ok: bool) {
        let ticket = self.state.lock().pending.pop_front();
        if let Some(t) = ticket {
            t.complete(ok);
        }
    }

    /// Marks the user gone and hands over what it held; `None` when it was gone already
    /// (and so holds no links and owes nothing).
    pub(crate) fn take_all(&self) -> Option<Taken> {
        let mut st = self.state.lock();
        if st.gone {
            return None;
        }
        st.gone = true;
        self.refresh(&st);
        let links = [st.sender.take(), st.receiver.take()];
        Some(Taken {
            joined: st.joined,
            links: links.into_iter().flatten().collect(),
            owed: std::mem::take(&mut st.pending),
        })
    }
}
