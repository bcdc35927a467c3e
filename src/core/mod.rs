//! The chat itself, as a service every front end calls: the two-socket protocol, the JSON
//! protocol and the operator's console turn their input into the verbs of [`Chat`] (attach a
//! user, send, acknowledge, quit, list, kick, say) and turn what the chat hands their
//! [`Link`]s into bytes for their own wire. Nothing here knows a wire format, a socket or an
//! address.
//!
//! # Layout (each module uses only those above it)
//! - [`event`]: joins, leaves and kicks.
//! - [`message`]: one message on its way ([`Delivery`]) and how it was addressed.
//! - [`ack`]: waiting for a send's acknowledgements, slot by slot.
//! - [`ratelimit`]: the token bucket behind the send rate limit.
//! - [`link`]: the outbound port a front end implements.
//! - [`user`]: one user, its links and what it owes; the name rule.
//! - [`registry`]: the user table (`src/registry.rs`).
//! - [`store`]: the port the chat's memory implements (accounts, history, mailboxes).
//! - [`delivery`]: fanning a message out and settling the send.
//! - this file: the service ([`Chat`]) and a connection's sends in order ([`Outgoing`]).

pub mod ack;
pub mod delivery;
pub mod event;
pub mod link;
pub mod message;
pub mod ratelimit;
#[path = "../registry.rs"]
pub mod registry;
pub mod store;
pub mod user;

pub use ack::SendError;
pub use delivery::InFlight;
pub use event::{Event, LeaveReason};
pub use link::{Handed, Link, LinkError, Memo};
pub use message::{Delivery, Kind, SERVER_NAME};
pub use registry::{AttachError, Registry, Side};
pub use user::{is_valid_name, User};

use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the chat is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How long a recipient whose link awaits acknowledgements has to acknowledge.
    pub ack_timeout: Duration,
    /// Unacknowledged messages one user may have outstanding.
    pub max_pending: usize,
    /// Sends per second per user, bursts of twice that; 0 turns the limit off.
    pub rate_limit: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            ack_timeout: Duration::from_secs(10),
            max_pending: 256,
            rate_limit: 200,
        }
    }
}

/// Who a message is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// One user, by name.
    User(&'a str),
    /// Everyone but the sender.
    Others,
    /// Everyone, the sender included (for protocols whose clients show their own message only
    /// when the chat echoes it).
    Everyone,
}

/// The outcome of a blocking send, with the users dropped for silence.
pub struct Outcome {
    pub result: Result<(), SendError>,
    pub silent: Vec<Arc<User>>,
}

/// The chat: a cheap-to-clone handle on the user table and the rules.
#[derive(Clone)]
pub struct Chat {
    registry: Registry,
    config: Config,
}

impl Chat {
    pub fn new(config: Config) -> Chat {
        Chat {
            registry: Registry::new(config.max_pending),
            config,
        }
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
        self.registry.attach(name, side, link, origin, flags)
    }

    /// Detaches `side` of `user`; true when that was its last and the user left.
    pub fn detach(&self, user: &Arc<User>, side: Side) -> bool {
        self.registry.detach(user, side)
    }

    /// Starts sending `body` from `from` to `to`. `on_done` gets the result exactly once (see
    /// [`delivery::launch`]); over the rate limit it gets [`SendError::RateLimited`] at once
    /// and nothing is sent.
    pub fn send(
        &self,
        from: &Arc<User>,
        to: Target,
        body: Vec<u8>,
        emote: bool,
        on_done: impl FnOnce(Result<(), SendError>) + Send + 'static,
    ) -> Option<InFlight> {
        if !from.allow_send(self.config.rate_limit) {
            on_done(Err(SendError::RateLimited));
            return None;
        }
        from.count_sent();
        let (targets, kind, none) = match to {
            Target::User(name) => (
                self.registry.get(name).into_iter().collect(),
                Kind::Direct,
                Err(SendError::NoSuchUser),
            ),
            Target::Others => (self.registry.others(from), Kind::All, Ok(())),
            Target::Everyone => {
                let mut all = self.registry.others(from);
                all.push(from.clone());
                (all, Kind::All, Ok(()))
            }
        };
        let delivery = Delivery::new(from.name(), body, kind, emote);
        let timeout = self.config.ack_timeout;
        delivery::launch(
            &self.registry,
            targets,
            &delivery,
            none,
            timeout,
            Box::new(on_done),
        )
    }

    /// The user acknowledged (or, `ok` false, refused) the oldest message handed to it.
    pub fn ack(&self, user: &User, ok: bool) {
        user.acknowledge(ok);
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
    }

    /// The complete user called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<User>> {
        self.registry.get(name)
    }

    /// Everyone online, sorted by name.
    pub fn users(&self) -> Vec<Arc<User>> {
        self.registry.list()
    }

    /// The names of everyone online, sorted.
    pub fn names(&self) -> Vec<String> {
        self.users().iter().map(|u| u.name().to_string()).collect()
    }

    /// Sends the operator's `text` to everyone, from [`SERVER_NAME`], and waits for the acks.
    pub fn say(&self, text: &str) -> Outcome {
        let delivery = Delivery::new(SERVER_NAME, text.as_bytes().to_vec(), Kind::Server, false);
        let (tx, rx) = std::sync::mpsc::channel();
        let on_done = Box::new(move |r| {
            let _ = tx.send(r);
        });
        let timeout = self.config.ack_timeout;
        let inflight = delivery::launch(
            &self.registry,
            self.users(),
            &delivery,
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

/// A connection's sends, answered in order: the next send, or any other request that gets
/// an answer, waits for the send in flight to settle first ([`Outgoing::settle`]).
pub struct Outgoing {
    chat: Chat,
    inflight: Option<InFlight>,
}

impl Outgoing {
    pub fn new(chat: &Chat) -> Outgoing {
        Outgoing {
            chat: chat.clone(),
            inflight: None,
        }
    }

    /// Settles the send in flight, then starts this one (see [`Chat::send`]).
    pub fn send(
        &mut self,
        from: &Arc<User>,
        to: Target,
        body: Vec<u8>,
        emote: bool,
        on_done: impl FnOnce(Result<(), SendError>) + Send + 'static,
    ) {
        self.settle();
        self.inflight = self.chat.send(from, to, body, emote, on_done);
    }

    /// The deadline of the send in flight, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.inflight.as_ref().map(InFlight::deadline)
    }

    /// Waits for the send in flight, if any; returns the recipients dropped for silence.
    pub fn settle(&mut self) -> Vec<Arc<User>> {
        match self.inflight.take() {
            Some(inflight) => inflight.settle(&self.chat.registry),
            None => Vec::new(),
        }
    }

    /// Settles the send in flight once its deadline has passed.
    pub fn settle_if_due(&mut self) -> Vec<Arc<User>> {
        if self.deadline().is_some_and(|d| Instant::now() >= d) {
            self.settle()
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
#[path = "chat_tests.rs"]
mod tests;
