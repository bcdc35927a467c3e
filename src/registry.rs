//! The user table: who is online, through which links, and what is owed to whom.
//!
//! [`Registry`] is a cheap-to-clone handle; its methods hide the locks. Nothing here knows
//! about sockets or wire formats: a front end attaches a [`Link`] for each side of a user
//! (the sending side and the receiving side; the two-socket protocol has one socket for each,
//! a front end with one connection attaches both at once). A user is *complete*, and can send
//! and be sent to, once both sides are attached; the name is free again when both are gone.
//!
//! Locks: the table lock is taken before a user's own lock, never the other way round, and
//! neither is held across anything that blocks. Links are told to deliver under the user's
//! lock (so ack order matches wire order) but [`Link::deliver`] must not block.

use crate::delivery::{Delivery, Ticket};
use crate::ratelimit::Bucket;
use crate::wire::is_valid_username;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// One side of a user, as the front end that owns it sees it.
pub trait Link: Send + Sync {
    /// Hands a message to the user without blocking; an error means it will not arrive.
    fn deliver(&self, delivery: &Delivery) -> Result<(), LinkError>;
    /// Closes the link and wakes whatever thread serves it.
    fn close(&self);
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("link is closed")]
    Closed,
    #[error("user is not reading")]
    Congested,
}

/// The two sides of a user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RegisterError {
    #[error("malformed username")]
    Malformed,
    #[error("username taken")]
    Taken,
}

/// Why a user left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveReason {
    Quit,
    Timeout,
    Kicked,
    Disconnected,
}

impl LeaveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveReason::Quit => "quit",
            LeaveReason::Timeout => "timeout",
            LeaveReason::Kicked => "kicked",
            LeaveReason::Disconnected => "disconnected",
        }
    }
}

#[derive(Default)]
struct UserState {
    sender: Option<Arc<dyn Link>>,
    receiver: Option<Arc<dyn Link>>,
    /// Forwards sent to this user and not yet acknowledged, oldest first.
    pending: VecDeque<Ticket>,
    gone: bool,
}

/// One online user.
pub struct User {
    name: String,
    id: u64,
    peer: IpAddr,
    since: SystemTime,
    sent: AtomicU64,
    bucket: Mutex<Bucket>,
    state: Mutex<UserState>,
}

impl User {
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
        let st = self.state.lock();
        !st.gone && st.sender.is_some() && st.receiver.is_some()
    }

    /// Queues `ticket` and hands `delivery` to the receiving link, atomically with respect to
    /// other senders so that acks complete tickets in wire order. False: not delivered.
    pub(crate) fn enqueue(&self, ticket: Ticket, delivery: &Delivery, max_pending: usize) -> bool {
        let mut st = self.state.lock();
        let Some(rx) = st.receiver.clone() else {
            return false;
        };
        if st.gone || st.pending.len() >= max_pending {
            return false;
        }
        if rx.deliver(delivery).is_err() {
            return false;
        }
        st.pending.push_back(ticket);
        true
    }

    /// Completes the oldest outstanding forward to this user (FIFO).
    pub fn acknowledge(&self, ok: bool) {
        let ticket = self.state.lock().pending.pop_front();
        if let Some(t) = ticket {
            t.complete(ok);
        }
    }

    /// Marks the user gone; returns its links and the tickets it still owed.
    fn take_all(&self) -> (Vec<Arc<dyn Link>>, VecDeque<Ticket>) {
        let mut st = self.state.lock();
        st.gone = true;
        let links = [st.sender.take(), st.receiver.take()];
        let links = links.into_iter().flatten().collect();
        (links, std::mem::take(&mut st.pending))
    }
}

struct Inner {
    users: Mutex<HashMap<String, Arc<User>>>,
    next_id: AtomicU64,
    max_pending: usize,
}

/// The shared user table.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

impl Registry {
    /// `max_pending` bounds the unacknowledged forwards one user may have outstanding.
    pub fn new(max_pending: usize) -> Registry {
        Registry {
            inner: Arc::new(Inner {
                users: Mutex::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                max_pending,
            }),
        }
    }

    pub fn max_pending(&self) -> usize {
        self.inner.max_pending
    }

    /// Attaches one side of `name`. The other side of an existing name may be attached only
    /// from the same peer address, and only while that side is free.
    pub fn attach(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        peer: IpAddr,
    ) -> Result<Arc<User>, RegisterError> {
        if !is_valid_username(name) {
            return Err(RegisterError::Malformed);
        }
        let mut users = self.inner.users.lock();
        if let Some(user) = users.get(name) {
            let mut st = user.state.lock();
            let slot = match side {
                Side::Sender => &mut st.sender,
                Side::Receiver => &mut st.receiver,
            };
            if slot.is_some() || user.peer != peer {
                return Err(RegisterError::Taken);
            }
            *slot = Some(link);
            drop(st);
            return Ok(user.clone());
        }
        let mut state = UserState::default();
        match side {
            Side::Sender => state.sender = Some(link),
            Side::Receiver => state.receiver = Some(link),
        }
        let user = Arc::new(User {
            name: name.to_string(),
            id: self.inner.next_id.fetch_add(1, Ordering::Relaxed),
            peer,
            since: SystemTime::now(),
            sent: AtomicU64::new(0),
            bucket: Mutex::new(Bucket::new(u32::MAX)),
            state: Mutex::new(state),
        });
        users.insert(name.to_string(), user.clone());
        Ok(user)
    }

    /// Detaches one side; when both are gone the user is removed and what it owed fails.
    /// Returns true when this removed the user.
    pub fn detach(&self, user: &Arc<User>, side: Side) -> bool {
        let owed = {
            let mut st = user.state.lock();
            match side {
                Side::Sender => st.sender = None,
                Side::Receiver => st.receiver = None,
            }
            if st.gone || st.sender.is_some() || st.receiver.is_some() {
                if side == Side::Receiver {
                    // Nothing can acknowledge without the receiving side.
                    std::mem::take(&mut st.pending)
                } else {
                    VecDeque::new()
                }
            } else {
                st.gone = true;
                let owed = std::mem::take(&mut st.pending);
                drop(st);
                self.remove(user);
                fail_all(owed);
                return true;
            }
        };
        fail_all(owed);
        false
    }

    /// Removes a user at once and closes both its links (kick, silence, quit).
    /// Returns false when the user was already gone.
    pub fn drop_user(&self, user: &Arc<User>) -> bool {
        let already = user.state.lock().gone;
        let (links, owed) = user.take_all();
        self.remove(user);
        for link in links {
            link.close();
        }
        fail_all(owed);
        !already
    }

    fn remove(&self, user: &Arc<User>) {
        let mut users = self.inner.users.lock();
        if users.get(&user.name).is_some_and(|u| u.id == user.id) {
            users.remove(&user.name);
        }
    }

    /// The complete user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        let users = self.inner.users.lock();
        users.get(name).filter(|u| u.is_complete()).cloned()
    }

    /// Every complete user except `except`.
    pub fn others(&self, except: &Arc<User>) -> Vec<Arc<User>> {
        let users = self.inner.users.lock();
        users
            .values()
            .filter(|u| u.id != except.id && u.is_complete())
            .cloned()
            .collect()
    }

    /// Every complete user, sorted by name.
    pub fn list(&self) -> Vec<Arc<User>> {
        let mut all: Vec<_> = {
            let users = self.inner.users.lock();
            users
                .values()
                .filter(|u| u.is_complete())
                .cloned()
                .collect()
        };
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Names held, complete or not (for tests and leak checks).
    pub fn len(&self) -> usize {
        self.inner.users.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn fail_all(owed: VecDeque<Ticket>) {
    for t in owed {
        t.complete(false);
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
