//! The chat's verbs that need its memory (the [`Store`]): logging in to a claimed name,
//! claiming and dropping one, keeping a message for a user who is offline and handing it
//! over when they come back, and reading the history.
//!
//! The store works on its own thread; a verb that needs its answer at once (a login, a
//! password, a page of history) waits for it on the caller's thread, which is a connection's
//! own, with no lock held.

use super::ack::{SendError, Waiter};
use super::delivery::InFlight;
use super::event::Event;
use super::link::Memo;
use super::message::{Delivery, Kind};
use super::registry::{Side, Waiting};
use super::room::{RoomError, LOBBY};
use super::store::{Done, HistoryQuery, Record, StoreError};
use super::user::{is_valid_name, User};
use super::{auth, AttachError, Chat, Link, Sent};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime};

/// What a login found.
#[derive(Debug, Default)]
pub struct Login {
    /// The name is claimed, and the password was right.
    pub claimed: bool,
    /// Messages that waited for the user, oldest first.
    waiting: Vec<Record>,
}

/// Why a login failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    #[error("the name is claimed and no password was given")]
    NeedsPassword,
    #[error("wrong password")]
    BadPassword,
    /// Wrong passwords came too fast; this one was not even checked.
    #[error("too many wrong passwords; try again in {} s", .0.as_secs().max(1))]
    Paused(Duration),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a password could not be set.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password is 1 to {} bytes", auth::MAX_PASSWORD)]
    Invalid,
    #[error("this chat keeps no accounts")]
    NoStore,
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a page of a room's history could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HistoryError {
    #[error(transparent)]
    Room(#[from] RoomError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Calls the store and waits for its answer.
fn ask<T: Send + 'static>(call: impl FnOnce(Done<T>)) -> Result<T, StoreError> {
    let (tx, rx) = mpsc::channel();
    call(Box::new(move |result| {
        let _ = tx.send(result);
    }));
    rx.recv()
        .unwrap_or_else(|_| Err(StoreError::Failed("the store has stopped".into())))
}

impl Chat {
    /// Checks that `name` may be taken with `password` from `origin`, and fetches what waited
    /// for it. An unclaimed name needs no password (one given is ignored).
    pub fn login(
        &self,
        name: &str,
        password: Option<&str>,
        origin: &str,
    ) -> Result<Login, LoginError> {
        let (Some(store), Some(hasher)) = (&self.store, &self.hasher) else {
            return Ok(Login::default());
        };
        if !is_valid_name(name) {
            return Ok(Login::default()); // attaching refuses it
        }
        let Some(hash) = self.accounts.read().get(name).cloned() else {
            return Ok(Login::default());
        };
        let password = password.ok_or(LoginError::NeedsPassword)?;
        if let Some(wait) = self.throttle.wait(name, origin, Instant::now()) {
            return Err(LoginError::Paused(wait));
        }
        if !hasher.verify(password, &hash) {
            self.throttle.failed(name, origin, Instant::now());
            return Err(LoginError::BadPassword);
        }
        self.throttle.succeeded(name, origin);
        let waiting = ask(|done| store.mailbox(name, done))?;
        Ok(Login {
            claimed: true,
            waiting,
        })
    }

    /// Attaches `side` of `name` after its [`Chat::login`]: when this completes the user, what
    /// waited for it is handed over first, before anything live.
    pub fn attach_login(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        origin: &str,
        flags: u32,
        login: Login,
    ) -> Result<Arc<User>, AttachError> {
        let waited = login.waiting.into_iter().map(|r| self.waiting(r)).collect();
        let user = self.claimed(name, || {
            self.registry
                .attach_waiting(name, side, link, origin, flags, waited)
        })?;
        if login.claimed && user.is_complete() {
            // A message kept between the login and now would wait till the next login.
            self.recheck_mailbox(&user);
        }
        Ok(user)
    }

    /// Claims `user`'s name with `password`, or changes its password; `None` drops the claim.
    pub fn set_password(&self, user: &User, password: Option<&str>) -> Result<(), PasswordError> {
        let (Some(store), Some(hasher)) = (&self.store, &self.hasher) else {
            return Err(PasswordError::NoStore);
        };
        let hash = match password {
            Some(p) if !auth::is_valid_password(p) => return Err(PasswordError::Invalid),
            Some(p) => Some(hasher.hash(p).map_err(PasswordError::Hash)?),
            None => None,
        };
        ask(|done| store.set_account(user.name(), hash.clone(), done))?;
        if let Some(cluster) = self.cluster() {
            cluster.account(user.name(), hash.as_deref());
        }
        // Committed: from now on logins and mailboxes go by it.
        let mut accounts = self.accounts.write();
        match hash {
            Some(hash) => accounts.insert(user.name().to_string(), hash),
            None => accounts.remove(user.name()),
        };
        Ok(())
    }

    /// A page of the history `user` may see: messages to everyone and its own direct ones.
    pub fn history(
        &self,
        user: &User,
        before: Option<u64>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        self.read_history(user, None, before, after, limit)
    }

    /// A page of the history of `room`, for a member of it (the lobby: messages to everyone);
    /// no room: what [`Chat::history`] shows.
    pub fn room_history(
        &self,
        user: &User,
        room: Option<&str>,
        before: Option<u64>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Record>, HistoryError> {
        let Some(room) = room else {
            return Ok(self.history(user, before, after, limit)?);
        };
        if room != LOBBY {
            self.rooms.who(room)?;
            if !self.is_member(user, room) {
                return Err(HistoryError::Room(RoomError::NotInRoom));
            }
        }
        Ok(self.read_history(user, Some(room), before, after, limit)?)
    }

    fn read_history(
        &self,
        user: &User,
        room: Option<&str>,
        before: Option<u64>,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Record>, StoreError> {
        let Some(store) = &self.store else {
            return Ok(Vec::new());
        };
        let query = HistoryQuery {
            user: user.name().to_string(),
            room: room.map(str::to_string),
            before,
            after,
            limit: limit.min(1000),
        };
        ask(|done| store.history(query, done))
    }

    /// Keeps a message for `name`, offline, when its name is claimed; `on_done` hears
    /// [`Sent::Stored`] once it is committed.
    pub(super) fn to_mailbox(
        &self,
        from: &User,
        name: &str,
        body: Vec<u8>,
        emote: bool,
        on_done: impl FnOnce(Result<Sent, SendError>) + Send + 'static,
    ) -> Option<InFlight> {
        let Some(store) = &self.store else {
            on_done(Err(SendError::NoSuchUser));
            return None;
        };
        if !self.accounts.read().contains_key(name) {
            on_done(Err(SendError::NoSuchUser));
            return None;
        }
        let id = self.next_id();
        let record = Record {
            id,
            time: SystemTime::now(),
            from: from.name().to_string(),
            to: Some(name.to_string()),
            emote,
            body,
        };
        let waiter = Waiter::new(1, Box::new(move |r| on_done(r.map(|()| Sent::Stored(id)))));
        let (chat, kept, settle) = (self.clone(), record.clone(), waiter.clone());
        store.store_offline(
            record,
            Box::new(move |result| {
                let result = result.map_err(|e| match e {
                    StoreError::MailboxFull(_) => SendError::MailboxFull,
                    StoreError::Failed(why) => {
                        log::error!(
                            "cannot keep a message for {}: {why}",
                            kept.to.as_deref().unwrap_or("")
                        );
                        SendError::StoreFailed
                    }
                });
                let ok = result.is_ok();
                settle.settle(0, result);
                // Its recipient may have come back meanwhile: then it has it now.
                let online = kept.to.as_deref().and_then(|to| chat.registry.get(to));
                if let (true, Some(user)) = (ok, online) {
                    chat.hand_stored(&user, kept);
                }
            }),
        );
        Some(InFlight::unbounded(waiter))
    }

    /// Keeps `delivery` in the history (`to`: its recipient, for a direct message).
    pub(super) fn remember(&self, delivery: &Delivery, to: Option<&str>) {
        if let Some(store) = self.store.as_ref().filter(|s| s.keeps_history()) {
            store.record(Record {
                id: delivery.id,
                time: delivery.time,
                from: delivery.from.clone(),
                to: to.map(str::to_string),
                emote: delivery.emote,
                body: delivery.body.clone(),
            });
        }
    }

    /// A message that waited, as it is handed over: once its recipient has it, it leaves the
    /// mailbox and its sender, if online, hears so.
    pub(super) fn waiting(&self, record: Record) -> Waiting {
        let to = record.to.clone().unwrap_or_default();
        let (id, from) = (record.id, record.from.clone());
        let delivery = Delivery {
            id,
            from: record.from,
            body: record.body,
            kind: Kind::Direct,
            emote: record.emote,
            time: record.time,
            stored: true,
            room: None,
        };
        let chat = self.clone();
        let on_done = Box::new(move |result: Result<(), SendError>| {
            if result.is_err() {
                return; // it waits for the next login
            }
            if let Some(store) = &chat.store {
                store.delivered(&to, id);
            }
            if let Some(sender) = chat.registry.get(&from) {
                sender.notify(&Event::Delivered { to, id });
            }
        });
        Waiting { delivery, on_done }
    }

    /// Hands `user` a message that waited for it, unless it has had it this session.
    fn hand_stored(&self, user: &Arc<User>, record: Record) {
        if !user.first_replay(record.id) {
            return;
        }
        let Waiting { delivery, on_done } = self.waiting(record);
        let waiter = Waiter::new(1, on_done);
        let max = self.registry.max_pending();
        match user.enqueue(waiter.ticket(0), &delivery, &mut Memo::default(), max) {
            Ok(Some(_)) => waiter.fill(0, true),
            Ok(None) => {}
            Err(_) => waiter.fill(0, false),
        }
    }

    /// Hands `user` whatever is in its mailbox that it has not had yet.
    fn recheck_mailbox(&self, user: &Arc<User>) {
        let Some(store) = &self.store else { return };
        let (chat, user2) = (self.clone(), user.clone());
        store.mailbox(
            user.name(),
            Box::new(move |result| {
                for record in result.unwrap_or_default() {
                    chat.hand_stored(&user2, record);
                }
            }),
        );
    }
}

#[cfg(test)]
#[path = "memory_tests.rs"]
mod tests;
