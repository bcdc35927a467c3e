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
pub use crate::user::User;
use crate::user::{Taken, UserState};
use crate::wire::ext::Ext;
use crate::wire::is_valid_username;
use parking_lot::RwLock;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// One side of a user, as the front end that owns it sees it.
pub trait Link: Send + Sync {
    /// Queues a message for `user`, without blocking or any system call (it is called under
    /// the user's lock, so that acks match wire order); an error means it will not arrive.
    /// `Ok(true)`: the caller must call [`Link::flush`] once it has released its locks.
    fn deliver(&self, user: &User, delivery: &Delivery) -> Result<bool, LinkError>;
    /// Sends what [`Link::deliver`] queued.
    fn flush(&self) {}
    /// Hands an event to `user` (who asked for events) without blocking; best effort.
    fn event(&self, user: &User, event: &Event);
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

/// Something that happened in the chat, for users who asked for events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Join(String),
    Leave(String, LeaveReason),
    /// The operator removed a user, with the reason given.
    Kick(String, String),
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

struct Inner {
    users: RwLock<HashMap<String, Arc<User>>>,
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
                users: RwLock::new(HashMap::new()),
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
    /// `ext` is what this side's client asked for; it applies to the whole user.
    pub fn attach(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        peer: IpAddr,
        ext: Ext,
    ) -> Result<Arc<User>, RegisterError> {
        if !is_valid_username(name) {
            return Err(RegisterError::Malformed);
        }
        let mut users = self.inner.users.write();
        if let Some(user) = users.get(name).cloned() {
            let mut st = user.state.lock();
            if st.gone || user.peer != peer {
                return Err(RegisterError::Taken);
            }
            let slot = match side {
                Side::Sender => &mut st.sender,
                Side::Receiver => &mut st.receiver,
            };
            if slot.is_some() {
                return Err(RegisterError::Taken);
            }
            *slot = Some(link);
            user.refresh(&st);
            user.add_extensions(ext);
            let joined = st.sender.is_some() && st.receiver.is_some() && !st.joined;
            st.joined |= joined;
            drop(st);
            drop(users);
            if joined {
                self.announce(&Event::Join(user.name.clone()), Some(&user));
            }
            return Ok(user);
        }
        let mut state = UserState::default();
        match side {
            Side::Sender => state.sender = Some(link),
            Side::Receiver => state.receiver = Some(link),
        }
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let user = Arc::new(User::new(name, id, peer, ext, state));
        users.insert(name.to_string(), user.clone());
        Ok(user)
    }

    /// Tells every complete user who asked for events, except `about`, what happened.
    pub fn announce(&self, event: &Event, about: Option<&Arc<User>>) {
        let everyone: Vec<Arc<User>> = {
            let users = self.inner.users.read();
            users.values().cloned().collect()
        };
        for user in everyone {
            if about.is_some_and(|a| a.id == user.id) || !user.is_complete() {
                continue;
            }
            user.notify(event);
        }
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
            user.refresh(&st);
            if st.gone || st.sender.is_some() || st.receiver.is_some() {
                if side == Side::Receiver {
                    // Nothing can acknowledge without the receiving side.
                    std::mem::take(&mut st.pending)
                } else {
                    VecDeque::new()
                }
            } else {
                st.gone = true;
                user.refresh(&st);
                let joined = st.joined;
                let owed = std::mem::take(&mut st.pending);
                drop(st);
                self.remove(user);
                fail_all(owed);
                if joined {
                    let leave = Event::Leave(user.name.clone(), LeaveReason::Disconnected);
                    self.announce(&leave, Some(user));
                }
                return true;
            }
        };
        fail_all(owed);
        false
    }

    /// Removes a user at once and closes both its links (kick, silence, quit), telling the
    /// others why. Returns false when the user was already gone.
    pub fn drop_user(&self, user: &Arc<User>, reason: LeaveReason) -> bool {
        let Some(Taken {
            joined,
            links,
            owed,
        }) = user.take_all()
        else {
            return false;
        };
        self.remove(user);
        for link in links {
            link.close();
        }
        fail_all(owed);
        if joined {
            self.announce(&Event::Leave(user.name.clone(), reason), Some(user));
        }
        true
    }

    /// Removes the user called `name` on the operator's word; everyone who asked for events
    /// (the kicked user too) hears why first. False: no such user.
    pub fn kick(&self, name: &str, reason: &str) -> bool {
        let Some(user) = self.inner.users.read().get(name).cloned() else {
            return false;
        };
        let kick = Event::Kick(user.name.clone(), reason.to_string());
        user.notify(&kick);
        self.announce(&kick, Some(&user));
        self.drop_user(&user, LeaveReason::Kicked)
    }

    fn remove(&self, user: &Arc<User>) {
        let mut users = self.inner.users.write();
        if users.get(&user.name).is_some_and(|u| u.id == user.id) {
            users.remove(&user.name);
        }
    }

    /// The complete user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        let users = self.inner.users.read();
        users.get(name).filter(|u| u.is_complete()).cloned()
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
