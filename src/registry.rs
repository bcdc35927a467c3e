//! The user table: who is online, through which links, and what is owed to whom. Part of the
//! core (`crate::core::registry`), kept at the path the design card names.
//!
//! [`Registry`] is a cheap-to-clone handle; its methods hide the locks. Nothing here knows
//! about sockets or wire formats: a front end attaches a [`Link`] for each side of a user
//! (the sending side and the receiving side; the two-socket protocol has one socket for each,
//! a front end with one connection attaches both at once). A user is *complete*, and can send
//! and be sent to, once both sides are attached; the name is free again when both are gone.
//!
//! Locks: the table lock is taken before a user's own lock, never the other way round, and
//! neither is held across anything that blocks. Links queue under the user's lock (so acks
//! match wire order) and are flushed after it is released.

use super::ack::{Ticket, Waiter};
use super::event::{Event, LeaveReason};
use super::link::Link;
use super::listeners::Listeners;
pub use super::message::Waiting;
use super::user::{is_valid_name, Taken, User, UserState};
use parking_lot::RwLock;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Which sides of a user a link serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Sender,
    Receiver,
    /// One connection that both sends and receives.
    Both,
}

/// Why a user could not be attached.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AttachError {
    #[error("malformed name")]
    Malformed,
    #[error("name taken")]
    Taken,
}

struct Inner {
    users: RwLock<HashMap<String, Arc<User>>>,
    next_id: AtomicU64,
    /// Counts joins and removals, so that an event reaches only the users who were there
    /// when it happened (not one who joined a moment later, before it was announced).
    clock: AtomicU64,
    max_pending: usize,
    /// The complete users who hear of joins, leaves and kicks.
    listeners: Listeners,
    /// Called with each user as it is removed, before the others hear it left.
    on_leave: std::sync::OnceLock<LeaveHook>,
    /// Called with each join, leave and kick as it is announced here.
    on_announce: std::sync::OnceLock<AnnounceHook>,
}

/// What the chat does with each join, leave and kick announced (say, tell other nodes).
pub type AnnounceHook = Box<dyn Fn(&Event) + Send + Sync>;

/// What the chat does when a user is removed (say, take it out of its rooms).
pub type LeaveHook = Box<dyn Fn(&Arc<User>) + Send + Sync>;

/// The shared user table.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

impl Registry {
    /// `max_pending` bounds the unacknowledged messages one user may have outstanding.
    pub fn new(max_pending: usize) -> Registry {
        Registry {
            inner: Arc::new(Inner {
                users: RwLock::new(HashMap::new()),
                next_id: AtomicU64::new(1),
                clock: AtomicU64::new(0),
                max_pending,
                listeners: Listeners::default(),
                on_leave: std::sync::OnceLock::new(),
                on_announce: std::sync::OnceLock::new(),
            }),
        }
    }

    pub fn max_pending(&self) -> usize {
        self.inner.max_pending
    }

    /// Sets what is done with each user as it is removed (once; later calls are ignored).
    pub fn on_leave(&self, hook: LeaveHook) {
        let _ = self.inner.on_leave.set(hook);
    }

    /// Sets what is done with each join, leave and kick announced (once; later calls are
    /// ignored).
    pub fn on_announce(&self, hook: AnnounceHook) {
        let _ = self.inner.on_announce.set(hook);
    }

    /// Attaches `side` of `name`. The other side of an existing name may be attached only
    /// from the same `origin`, and only while that side is free. `flags` are the front end's
    /// own bits for this side, merged into the user's.
    ///
    /// When this completes the user, its own link hears its [`Event::Join`] before anyone can
    /// send to it, and then everyone else does.
    pub fn attach(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        origin: &str,
        flags: u32,
    ) -> Result<Arc<User>, AttachError> {
        self.attach_waiting(name, side, link, origin, flags, Vec::new())
    }

    /// [`Registry::attach`], and when this completes the user, the messages that `waited`
    /// for it are handed to it right after its own join, before anyone can send to it.
    pub fn attach_waiting(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        origin: &str,
        flags: u32,
        waited: Vec<Waiting>,
    ) -> Result<Arc<User>, AttachError> {
        if !is_valid_name(name) {
            return Err(AttachError::Malformed);
        }
        let mut users = self.inner.users.write();
        let user = match users.get(name) {
            Some(user) if user.origin != origin || side == Side::Both => {
                return Err(AttachError::Taken)
            }
            Some(user) => user.clone(),
            None => {
                let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
                let user = Arc::new(User::new(name, id, origin, 0, UserState::default()));
                users.insert(name.to_string(), user.clone());
                user
            }
        };
        let mut st = user.state.lock();
        let free = match side {
            Side::Sender => st.sender.is_none(),
            Side::Receiver => st.receiver.is_none(),
            Side::Both => st.sender.is_none() && st.receiver.is_none(),
        };
        if st.gone || !free {
            return Err(AttachError::Taken);
        }
        let flush = link.attached().then(|| link.clone());
        if matches!(side, Side::Sender | Side::Both) {
            st.sender = Some(link.clone());
        }
        if matches!(side, Side::Receiver | Side::Both) {
            st.receiver = Some(link);
        }
        user.add_flags(flags);
        let joined = st.sender.is_some() && st.receiver.is_some() && !st.joined;
        let mut flush_rx = None;
        let mut handed = Vec::new();
        if joined {
            st.joined = true;
            user.joined_at.store(self.tick(), Ordering::Release);
            // Queued while nobody else can reach the user: its own join comes first, then
            // what waited for it.
            if let Some(rx) = st.receiver.clone() {
                if rx.hears_presence(user.flags()) {
                    // Under the table lock, like the tick: no one who joined before misses it.
                    self.inner.listeners.admit(&user);
                }
                if rx.event(user.flags(), &Event::Join(user.name.clone())) {
                    flush_rx = Some(rx);
                }
            }
            handed = self.hand_waited(&user, &mut st, waited, &mut flush_rx);
        }
        user.refresh(&st);
        drop(st);
        drop(users);
        for link in [flush, flush_rx].into_iter().flatten() {
            link.flush();
        }
        for (waiter, ok) in handed {
            waiter.fill(0, ok);
        }
        if joined {
            let at = user.joined_at.load(Ordering::Acquire);
            self.announce(&Event::Join(user.name.clone()), &user, at);
        }
        Ok(user)
    }

    /// Queues the messages that waited for `user` (state lock held) and hands its link as
    /// many as it can take now; returns the waits to settle once the locks are released.
    fn hand_waited(
        &self,
        user: &User,
        st: &mut UserState,
        waited: Vec<Waiting>,
        flush: &mut Option<Arc<dyn Link>>,
    ) -> Vec<(Arc<Waiter>, bool)> {
        let fresh = waited
            .into_iter()
            .filter(|w| user.first_replay(w.delivery.id));
        st.backlog.extend(fresh);
        let (settled, rx) = user.feed(st, self.inner.max_pending);
        *flush = flush.take().or(rx);
        settled
    }

    /// The next tick of the clock of joins and removals.
    fn tick(&self) -> u64 {
        self.inner.clock.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Tells every complete user that joined before tick `at` and hears of presence, except
    /// `about`, what happened.
    fn announce(&self, event: &Event, about: &Arc<User>, at: u64) {
        if let Some(hook) = self.inner.on_announce.get() {
            hook(event);
        }
        for user in self.inner.listeners.all() {
            let there = user.joined_at.load(Ordering::Acquire) < at;
            if user.id == about.id || !there || !user.is_complete() {
                continue;
            }
            user.notify(event);
        }
    }

    /// Tells every complete user who hears of joins, leaves and kicks what happened
    /// elsewhere (on another node).
    pub fn tell_all(&self, event: &Event) {
        for user in self.inner.listeners.all() {
            if user.is_complete() {
                user.notify(event);
            }
        }
    }

    /// Detaches one side; when both are gone the user is removed and what it owed fails.
    /// Returns true when this removed the user.
    pub fn detach(&self, user: &Arc<User>, side: Side) -> bool {
        let owed = {
            let mut st = user.state.lock();
            if matches!(side, Side::Sender | Side::Both) {
                st.sender = None;
            }
            if matches!(side, Side::Receiver | Side::Both) {
                st.receiver = None;
            }
            user.refresh(&st);
            if st.gone || st.sender.is_some() || st.receiver.is_some() {
                if side == Side::Sender {
                    VecDeque::new()
                } else {
                    // Nothing can acknowledge without the receiving side; what waited and was
                    // not handed stays in the mailbox.
                    st.backlog.clear();
                    std::mem::take(&mut st.pending)
                }
            } else {
                st.gone = true;
                st.backlog.clear();
                user.refresh(&st);
                let joined = st.joined;
                let owed = std::mem::take(&mut st.pending);
                drop(st);
                let at = self.remove(user);
                fail_all(owed);
                if joined {
                    let leave = Event::Leave(user.name.clone(), LeaveReason::Disconnected);
                    self.announce(&leave, user, at);
                }
                return true;
            }
        };
        fail_all(owed);
        false
    }

    /// Removes a user at once and closes its links (kick, silence, quit), telling the others
    /// why. Returns false when the user was already gone.
    pub fn drop_user(&self, user: &Arc<User>, reason: LeaveReason) -> bool {
        let Some(Taken {
            joined,
            links,
            owed,
        }) = user.take_all()
        else {
            return false;
        };
        let at = self.remove(user);
        for link in links {
            link.close();
        }
        fail_all(owed);
        if joined {
            self.announce(&Event::Leave(user.name.clone(), reason), user, at);
        }
        true
    }

    /// Removes the user called `name` on the operator's word; everyone (the kicked user too)
    /// hears why first. False: no such user.
    pub fn kick(&self, name: &str, reason: &str) -> bool {
        let Some(user) = self.inner.users.read().get(name).cloned() else {
            return false;
        };
        let kick = Event::Kick(user.name.clone(), reason.to_string());
        user.notify(&kick);
        self.announce(&kick, &user, self.tick());
        self.drop_user(&user, LeaveReason::Kicked)
    }

    /// Takes the user out of the table, and runs the leave hook; returns the tick of its
    /// removal.
    fn remove(&self, user: &Arc<User>) -> u64 {
        {
            let mut users = self.inner.users.write();
            if users.get(&user.name).is_some_and(|u| u.id == user.id) {
                users.remove(&user.name);
            }
        }
        self.inner.listeners.dismiss(user);
        if let Some(hook) = self.inner.on_leave.get() {
            hook(user);
        }
        self.tick()
    }

    /// The complete user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        let users = self.inner.users.read();
        users.get(name).filter(|u| u.is_complete()).cloned()
    }

    /// Whether anyone holds `name` here, complete or not.
    pub fn holds(&self, name: &str) -> bool {
        self.inner.users.read().contains_key(name)
    }

    /// Every complete user except `except`.
    pub fn others(&self, except: &Arc<User>) -> Vec<Arc<User>> {
        let users = self.inner.users.read();
        users
            .values()
            .filter(|u| u.id != except.id && u.is_complete())
            .cloned()
            .collect()
    }

    /// Every complete user, sorted by name.
    pub fn list(&self) -> Vec<Arc<User>> {
        let mut all: Vec<_> = {
            let users = self.inner.users.read();
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
        self.inner.users.read().len()
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
