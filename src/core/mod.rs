//! The chat itself, as a service every front end calls: the two-socket protocol, the JSON
//! protocol and the operator's console turn their input into the verbs of [`Chat`] (attach a
//! user, send, acknowledge, quit, list, kick, say) and turn what the chat hands their
//! [`Link`]s into bytes for their own wire. Nothing here knows a wire format, a socket or an
//! address.
//!
//! # Layout (each module uses only those above it)
//! - [`event`]: joins, leaves and kicks, of the chat and of rooms; topics.
//! - [`room`]: the rules of rooms (names, topics, limits) and their errors.
//! - [`message`]: one message on its way ([`Delivery`]) and how it was addressed.
//! - [`ack`]: waiting for a send's acknowledgements, slot by slot.
//! - [`ratelimit`]: the token bucket behind the send rate limit.
//! - [`auth`]: password hashes, and the pause after wrong ones.
//! - [`link`]: the outbound port a front end implements.
//! - [`user`]: one user, its links and what it owes; the name rule.
//! - [`registry`]: the user table (`src/registry.rs`); `listeners.rs` who hears of its joins.
//! - [`rooms`]: who is in which room, and what joining, parting and kicking tell whom.
//! - [`store`]: the port the chat's memory implements (accounts, history, mailboxes).
//! - [`cluster`]: the port the other nodes of a cluster are reached through.
//! - [`delivery`]: fanning a message out and settling the send.
//! - this file: the service ([`Chat`]); `memory.rs` its verbs that need the store (logins,
//!   passwords, mailboxes, history); `room_verbs.rs` its room verbs; `cluster_verbs.rs` what
//!   crosses to and from other nodes; `outgoing.rs` a
//!   connection's sends in order ([`Outgoing`]).

pub mod ack;
pub mod auth;
pub mod cluster;
mod cluster_verbs;
pub mod delivery;
pub mod event;
pub mod link;
mod listeners;
mod memory;
pub mod message;
mod outgoing;
pub mod ratelimit;
#[path = "../registry.rs"]
pub mod registry;
pub mod room;
mod room_verbs;
pub mod rooms;
pub mod store;
pub mod user;

pub use ack::SendError;
pub use cluster::{Audience, Cluster};
pub use delivery::InFlight;
pub use event::{Event, LeaveReason, PartReason};
pub use link::{Handed, Link, LinkError, Memo};
pub use memory::{HistoryError, Login, LoginError, PasswordError};
pub use message::{Delivery, Kind, SERVER_NAME};
pub use outgoing::Outgoing;
pub use registry::{AttachError, Registry, Side};
pub use room::{is_valid_room, RoomError, RoomInfo, RoomLimits, Who, LOBBY};
pub use rooms::Rooms;
pub use store::{Record, RoomRecord, Store, StoreError};
pub use user::{is_valid_name, User};

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What the chat is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a recipient whose link awaits acknowledgements has to acknowledge.
    pub ack_timeout: Duration,
    /// Unacknowledged messages one user may have outstanding.
    pub max_pending: usize,
    /// Sends per second per user, bursts of twice that; 0 turns the limit off.
    pub rate_limit: u32,
    pub rooms: RoomLimits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ack_timeout: Duration::from_secs(10),
            max_pending: 256,
            rate_limit: 200,
            rooms: RoomLimits::default(),
        }
    }
}

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// One user, by name.
    User(&'a str),
    /// One user, by name; kept in its mailbox when it is offline and its name claimed (for a
    /// sender that asked for that).
    UserOrMailbox(&'a str),
    /// Everyone but the sender.
    Others,
    /// Everyone, the sender included (for protocols whose clients show their own message only
    /// when the chat echoes it).
    Everyone,
    /// The members of a room but the sender (`echo`: the sender too); the lobby is everyone.
    Room { room: &'a str, echo: bool },
}

/// What became of a message that was not refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// Every recipient has it; the message's id and when the chat accepted it.
    Delivered {
        id: u64,
        time: std::time::SystemTime,
    },
    /// Its recipient is offline: it waits in its mailbox, committed, under this id.
    Stored(u64),
}

/// The outcome of a blocking send, with the users dropped for silence.
pub struct Outcome {
    pub result: Result<(), SendError>,
    pub silent: Vec<Arc<User>>,
}

/// The chat: a cheap-to-clone handle on the user table, the memory and the rules.
#[derive(Clone)]
pub struct Chat {
    registry: Registry,
    rooms: Arc<Rooms>,
    config: Config,
    /// Accounts, mailboxes and history; `None`: the chat forgets (and claims nothing).
    store: Option<Arc<dyn Store>>,
    /// The id of the last message accepted.
    last_id: Arc<AtomicU64>,
    throttle: Arc<auth::Throttle>,
    /// Every claimed name and its password hash (the store has them too).
    accounts: Arc<parking_lot::RwLock<std::collections::HashMap<String, String>>>,
    /// Hashes and checks passwords; present with a store.
    hasher: Option<Arc<auth::Hasher>>,
    /// The other nodes, in a cluster (set once, at start).
    cluster: Arc<std::sync::OnceLock<Arc<dyn Cluster>>>,
}

impl Chat {
    /// A chat with no memory.
    pub fn new(config: Config) -> Chat {
        Chat::make(config, false)
    }

    /// A chat whose rooms stay when they empty (`keep_rooms`) or go.
    fn make(config: Config, keep_rooms: bool) -> Chat {
        let registry = Registry::new(config.max_pending);
        let rooms = Arc::new(Rooms::new(config.rooms, keep_rooms));
        let cluster: Arc<std::sync::OnceLock<Arc<dyn Cluster>>> = Arc::default();
        let (leaving, table, nodes) = (rooms.clone(), registry.clone(), cluster.clone());
        registry.on_leave(Box::new(move |user| {
            leaving.leave_all(user);
            if let Some(c) = nodes.get() {
                if !table.holds(user.name()) {
                    c.release(user.name());
                }
            }
        }));
        let nodes = cluster.clone();
        registry.on_announce(Box::new(move |event| {
            if let Some(c) = nodes.get() {
                c.publish(event);
            }
        }));
        Chat {
            registry,
            rooms,
            config,
            store: None,
            last_id: Arc::new(AtomicU64::new(0)),
            throttle: Arc::default(),
            accounts: Arc::default(),
            hasher: None,
            cluster,
        }
    }

    /// A chat that remembers in `store`.
    pub fn with_store(config: Config, store: Arc<dyn Store>) -> std::io::Result<Chat> {
        let last = store.last_id();
        let accounts = store.accounts().into_iter().collect();
        let chat = Chat {
            last_id: Arc::new(AtomicU64::new(last)),
            accounts: Arc::new(parking_lot::RwLock::new(accounts)),
            hasher: Some(Arc::new(auth::Hasher::start()?)),
            ..Chat::make(config, true)
        };
        for kept in store.rooms() {
            chat.rooms.restore(&kept.name, kept.topic, kept.operator);
        }
        Ok(Chat {
            store: Some(store),
            ..chat
        })
    }

    /// Whether the chat remembers (accounts, mailboxes, history).
    pub fn has_store(&self) -> bool {
        self.store.is_some()
    }

    /// A new message id.
    fn next_id(&self) -> u64 {
        self.last_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The user table, for what the verbs do not cover (tests, leak checks).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Attaches `side` of the user `name` (see [`Registry::attach`]).
    pub fn attach(
        &self,
        name: &str,
        side: Side,
        link: Arc<dyn Link>,
        origin: &str,
        flags: u32,
    ) -> Result<Arc<User>, AttachError> {
        self.claimed(name, || {
            self.registry.attach(name, side, link, origin, flags)
        })
    }

    /// Detaches `side` of `user`; true when that was its last and the user left.
    pub fn detach(&self, user: &Arc<User>, side: Side) -> bool {
        self.registry.detach(user, side)
    }

    /// Starts sending `body` from `from` to `to`. `on_done` gets the result exactly once (see
    /// [`delivery::launch`]); over the rate limit it gets [`SendError::RateLimited`] at once
    /// and nothing is sent. A message that reaches anyone is kept in the history.
    pub fn send(
        &self,
        from: &Arc<User>,
        to: Target,
        body: Vec<u8>,
        emote: bool,
        on_done: impl FnOnce(Result<Sent, SendError>) + Send + 'static,
    ) -> Option<InFlight> {
        if !from.allow_send(self.config.rate_limit) {
            on_done(Err(SendError::RateLimited));
            return None;
        }
        from.count_sent();
        let remote = self.remote_for(from, to);
        let (targets, kind, none) = match to {
            Target::User(name) | Target::UserOrMailbox(name) => match self.registry.get(name) {
                Some(user) => (vec![user], Kind::Direct, Err(SendError::NoSuchUser)),
                None if remote.is_some() => (Vec::new(), Kind::Direct, Err(SendError::NoSuchUser)),
                None if matches!(to, Target::UserOrMailbox(_)) => {
                    return self.to_mailbox(from, name, body, emote, on_done)
                }
                None => (Vec::new(), Kind::Direct, Err(SendError::NoSuchUser)),
            },
            Target::Others => (self.registry.others(from), Kind::All, Ok(())),
            Target::Everyone
            | Target::Room {
                room: LOBBY,
                echo: true,
            } => {
                let mut all = self.registry.others(from);
                all.push(from.clone());
                (all, Kind::All, Ok(()))
            }
            Target::Room { room: LOBBY, .. } => (self.registry.others(from), Kind::All, Ok(())),
            Target::Room { room, echo } => match self.rooms.audience(Some(from), room, echo) {
                Ok(members) => (members, Kind::Room, Ok(())),
                Err(e) => {
                    on_done(Err(e.into()));
                    return None;
                }
            },
        };
        let mut delivery = Delivery::new(self.next_id(), from.name(), body, kind, emote);
        if !targets.is_empty() || remote.is_some() || kind != Kind::Direct {
            let to = match to {
                Target::User(name) | Target::UserOrMailbox(name) => Some(name),
                Target::Room { room, .. } if kind == Kind::Room => Some(room),
                _ => None,
            };
            if kind == Kind::Room {
                delivery = delivery.in_room(to.unwrap_or_default());
            }
            self.remember(&delivery, to);
        }
        let (id, time) = (delivery.id, delivery.time);
        let on_done = Box::new(move |r: Result<(), SendError>| {
            on_done(r.map(|()| Sent::Delivered { id, time }))
        });
        let timeout = self.config.ack_timeout;
        delivery::launch(
            &self.registry,
            targets,
            remote,
            &delivery,
            none,
            timeout,
            on_done,
        )
    }

    /// The user acknowledged (or, `ok` false, refused) the oldest message handed to it.
    pub fn ack(&self, user: &User, ok: bool) {
        user.acknowledge(ok, self.registry.max_pending());
    }

    /// The user leaves in order; false when it was gone already.
    pub fn quit(&self, user: &Arc<User>) -> bool {
        self.registry.drop_user(user, LeaveReason::Quit)
    }

    /// Removes a user at once, telling the others why; false when it was gone already.
    pub fn drop_user(&self, user: &Arc<User>, reason: LeaveReason) -> bool {
        self.registry.drop_user(user, reason)
    }

    /// Removes the user called `name` on the operator's word; false: no such user.
    pub fn kick(&self, name: &str, reason: &str) -> bool {
        self.registry.kick(name, reason)
            || self
                .cluster()
                .is_some_and(|c| c.locate(name).is_some() && c.kick(name, reason))
    }

    /// The complete user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        self.registry.get(name)
    }

    /// Everyone online, sorted by name.
    pub fn users(&self) -> Vec<Arc<User>> {
        self.registry.list()
    }

    /// The users of the other nodes of a cluster, sorted, each with its node.
    pub fn remote_users(&self) -> Vec<(String, String)> {
        let mut users = self.cluster().map(|c| c.remote_users()).unwrap_or_default();
        users.sort();
        users
    }

    /// The names of everyone online, on every node, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.users().iter().map(|u| u.name().to_string()).collect();
        if let Some(c) = self.cluster() {
            names.extend(c.remote_users().into_iter().map(|(name, _)| name));
            names.sort();
            names.dedup();
        }
        names
    }

    /// Sends the operator's `text` to everyone, from [`SERVER_NAME`], and waits for the acks.
    pub fn say(&self, text: &str) -> Outcome {
        let body = text.as_bytes().to_vec();
        let delivery = Delivery::new(self.next_id(), SERVER_NAME, body, Kind::Server, false);
        self.remember(&delivery, None);
        let except = SERVER_NAME.to_string();
        self.hand_and_wait(self.users(), Audience::All { except }, &delivery)
    }

    /// Hands `delivery` to `targets` here and to `audience` on every other node, and waits
    /// for their acks.
    fn hand_and_wait(
        &self,
        targets: Vec<Arc<User>>,
        audience: Audience,
        delivery: &Delivery,
    ) -> Outcome {
        let (tx, rx) = std::sync::mpsc::channel();
        let on_done = Box::new(move |r| {
            let _ = tx.send(r);
        });
        let timeout = self.config.ack_timeout;
        let remote = self.every_node(audience);
        let inflight = delivery::launch(
            &self.registry,
            targets,
            remote,
            delivery,
            Ok(()),
            timeout,
            on_done,
        );
        let silent = inflight
            .map(|f| f.settle(&self.registry))
            .unwrap_or_default();
        Outcome {
            result: rx.recv().unwrap_or(Err(SendError::NotDelivered)),
            silent,
        }
    }
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
