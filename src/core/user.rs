//! One user of the chat: its links, the messages it still owes acknowledgements for, its
//! front-end flags, its send allowance and when it was last heard from.

use super::ack::{Ticket, Waiter};
use super::event::Event;
use super::link::{Link, LinkError, Memo};
use super::message::{Delivery, Waiting};
use super::ratelimit::Bucket;
use parking_lot::Mutex;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// Longest name.
pub const MAX_NAME: usize = 32;

/// The chat's rule for names, on every front end (Part 1's): 1 to 32 ASCII letters and
/// digits, and not `ALL` in any case (the two-socket protocol's word for everyone), so that
/// any user can be addressed from any protocol.
pub fn is_valid_name(name: &str) -> bool {
    (1..=MAX_NAME).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric())
        && !name.eq_ignore_ascii_case("ALL")
}

#[derive(Default)]
pub(crate) struct UserState {
    pub(crate) sender: Option<Arc<dyn Link>>,
    pub(crate) receiver: Option<Arc<dyn Link>>,
    /// Messages handed to this user and not yet acknowledged, oldest first.
    pub(crate) pending: VecDeque<Ticket>,
    /// Messages that waited for the user and are not handed to it yet: they go as it makes
    /// room (acknowledges), so that a large mailbox never overflows what it may owe.
    pub(crate) backlog: VecDeque<Waiting>,
    /// Has been complete (it was told, and others were told, that it joined).
    pub(crate) joined: bool,
    pub(crate) gone: bool,
}

/// What a user removed at once held: whether others were told it joined, its links, and the
/// messages it still owed acknowledgements for.
pub(crate) struct Taken {
    pub(crate) joined: bool,
    pub(crate) links: Vec<Arc<dyn Link>>,
    pub(crate) owed: VecDeque<Ticket>,
}

/// What handing a message over leaves to do once the user's lock is released: the ticket to
/// complete when the link counts it delivered at once, and the link to flush.
pub(crate) type Handover = (Option<Ticket>, Option<Arc<dyn Link>>);

/// What feeding a user what waited for it leaves to do once its lock is released: the waits
/// to settle (delivered or not) and the link to flush.
pub(crate) type Fed = (Vec<(Arc<Waiter>, bool)>, Option<Arc<dyn Link>>);

/// One user.
pub struct User {
    pub(crate) name: String,
    pub(crate) id: u64,
    /// Where the user came from, as its front end tells it (shown to the operator; the other
    /// side of a user may only attach from the same origin).
    pub(crate) origin: String,
    since: SystemTime,
    sent: AtomicU64,
    flags: AtomicU32,
    /// Milliseconds since [`epoch`] when anything last arrived from the user.
    last_seen: AtomicU64,
    bucket: Mutex<Bucket>,
    /// Mirrors "both sides attached and not gone", so the hot path reads it without the lock.
    complete: AtomicBool,
    /// The registry's clock when the user joined; `u64::MAX` until then.
    pub(crate) joined_at: AtomicU64,
    /// Ids of the messages that waited for the user and were handed to it, so none is
    /// handed twice in one session.
    replayed: Mutex<HashSet<u64>>,
    /// The rooms the user is in, in the order it joined them (see `super::rooms`).
    pub(crate) rooms: Mutex<Vec<String>>,
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
    pub(crate) fn new(name: &str, id: u64, origin: &str, flags: u32, state: UserState) -> User {
        User {
            name: name.to_string(),
            id,
            origin: origin.to_string(),
            since: SystemTime::now(),
            sent: AtomicU64::new(0),
            flags: AtomicU32::new(flags),
            last_seen: AtomicU64::new(now_ms()),
            bucket: Mutex::new(Bucket::full()),
            complete: AtomicBool::new(false),
            joined_at: AtomicU64::new(u64::MAX),
            replayed: Mutex::new(HashSet::new()),
            rooms: Mutex::new(Vec::new()),
            state: Mutex::new(state),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn since(&self) -> SystemTime {
        self.since
    }
    pub fn messages_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
    pub(crate) fn count_sent(&self) {
        self.sent.fetch_add(1, Ordering::Relaxed);
    }

    /// The front-end flags given when the user's sides attached, merged.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Relaxed)
    }
    pub(crate) fn add_flags(&self, flags: u32) {
        self.flags.fetch_or(flags, Ordering::Relaxed);
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
    pub(crate) fn allow_send(&self, rate: u32) -> bool {
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

    /// Hands `delivery` to the receiving link and keeps `ticket` until the user acknowledges,
    /// atomically with respect to other senders so that acks complete tickets in wire order.
    /// `Ok(Some(ticket))`: the link counts it delivered at once; the caller completes it (no
    /// completion ever runs under the user's lock).
    pub(crate) fn enqueue(
        &self,
        ticket: Ticket,
        delivery: &Delivery,
        memo: &mut Memo,
        max_pending: usize,
    ) -> Result<Option<Ticket>, LinkError> {
        let mut st = self.state.lock();
        let (done_now, flush) = self.hand(&mut st, ticket, delivery, memo, max_pending)?;
        drop(st);
        if let Some(rx) = flush {
            rx.flush();
        }
        Ok(done_now)
    }

    /// What [`User::enqueue`] does, with the state lock already held: returns the ticket when
    /// it is delivered at once, and the link to flush once the lock is released.
    pub(crate) fn hand(
        &self,
        st: &mut UserState,
        ticket: Ticket,
        delivery: &Delivery,
        memo: &mut Memo,
        max_pending: usize,
    ) -> Result<Handover, LinkError> {
        let Some(rx) = st.receiver.clone() else {
            return Err(LinkError::Closed);
        };
        if st.gone || st.pending.len() >= max_pending {
            return Err(LinkError::Closed);
        }
        let handed = rx.deliver(self.flags(), delivery, memo)?;
        let done_now = if handed.awaits_ack {
            st.pending.push_back(ticket);
            None
        } else {
            Some(ticket)
        };
        Ok((done_now, handed.flush.then_some(rx)))
    }

    /// True the first time the message `id` that waited for the user is handed to it.
    pub(crate) fn first_replay(&self, id: u64) -> bool {
        self.replayed.lock().insert(id)
    }

    /// Hands an event to the user's receiving link.
    pub(crate) fn notify(&self, event: &Event) {
        let rx = self.state.lock().receiver.clone();
        if let Some(rx) = rx {
            if rx.event(self.flags(), event) {
                rx.flush();
            }
        }
    }

    /// Completes the oldest outstanding message to this user (FIFO), and hands it the next
    /// of what waited for it, if any, now that there is room.
    pub(crate) fn acknowledge(&self, ok: bool, max_pending: usize) {
        let mut st = self.state.lock();
        let ticket = st.pending.pop_front();
        let (settled, flush) = if st.backlog.is_empty() {
            (Vec::new(), None)
        } else {
            self.feed(&mut st, max_pending)
        };
        drop(st);
        if let Some(rx) = flush {
            rx.flush();
        }
        if let Some(t) = ticket {
            t.complete(ok);
        }
        for (waiter, ok) in settled {
            waiter.fill(0, ok);
        }
    }

    /// Hands the link what waited for the user, oldest first, while it may owe more (state
    /// lock held). Returns the waits to settle once the lock is released (those delivered at
    /// once, those that failed) and the link to flush.
    pub(crate) fn feed(&self, st: &mut UserState, max_pending: usize) -> Fed {
        let mut settled = Vec::new();
        let mut flush = None;
        while st.pending.len() < max_pending {
            let Some(Waiting { delivery, on_done }) = st.backlog.pop_front() else {
                break;
            };
            let waiter = Waiter::new(1, on_done);
            // A memo holds the forms of one message: a fresh one for each.
            let mut memo = Memo::default();
            match self.hand(st, waiter.ticket(0), &delivery, &mut memo, max_pending) {
                Ok((done, rx)) => {
                    if done.is_some() {
                        settled.push((waiter, true));
                    }
                    flush = flush.or(rx);
                }
                // Its queue is full: the rest waits for the next login, still in the mailbox.
                Err(_) => {
                    settled.push((waiter, false));
                    for rest in st.backlog.drain(..) {
                        settled.push((Waiter::new(1, rest.on_done), false));
                    }
                }
            }
        }
        (settled, flush)
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
        let mut links: Vec<Arc<dyn Link>> = st.sender.take().into_iter().collect();
        match st.receiver.take() {
            // One link serving both sides is closed once.
            Some(rx) if links.iter().any(|l| Arc::ptr_eq(l, &rx)) => {}
            Some(rx) => links.push(rx),
            None => {}
        }
        // What waited and was not handed stays in the mailbox for the next login.
        st.backlog.clear();
        Some(Taken {
            joined: st.joined,
            links,
            owed: std::mem::take(&mut st.pending),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_one_rule() {
        for good in ["a", "Bob", "x9", &"z".repeat(MAX_NAME)] {
            assert!(is_valid_name(good), "{good}");
        }
        for bad in [
            "",
            "al ice",
            "al-ice",
            "é",
            "ALL",
            "all",
            "aLl",
            &"z".repeat(33),
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
