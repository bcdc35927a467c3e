//! Delivering one message to one user or to everyone, and collecting the acknowledgements.
//!
//! A send creates one [`Waiter`] with a slot per recipient and puts a [`Ticket`] for its slot
//! in each recipient's FIFO of outstanding forwards (see [`crate::registry::User`]). Acks arrive
//! on the recipients' own threads and fill the slots; the sender's thread sleeps on the waiter
//! until every slot is filled or the ack timeout passes. A broadcast to a thousand users is
//! therefore a thousand non-blocking pushes and one wait, not a thousand round trips.
//! Recipients still silent at the deadline are dropped: their acks can no longer be trusted.

use crate::registry::{LeaveReason, Registry, User};
use crate::wire::is_all;
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// How many wire encodings a delivery can cache (one per kind of receiving link).
pub const ENCODINGS: usize = 4;

/// The name the server's own messages come from: no user can have it.
pub const SERVER_NAME: &str = "*server*";

/// How a message was addressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// To the recipient's name.
    Direct,
    /// To `ALL`.
    All,
    /// From the server's operator.
    Server,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Direct => "direct",
            Kind::All => "all",
            Kind::Server => "server",
        }
    }
}

/// One message on its way, shared by all its recipients.
pub struct Delivery {
    pub from: String,
    pub body: Vec<u8>,
    pub kind: Kind,
    /// An action (`/me waves`) rather than speech.
    pub emote: bool,
    /// When the server accepted it.
    pub time: SystemTime,
    /// Encodings made by front ends, so a broadcast is encoded once per kind, not per user.
    pub encoded: [OnceLock<Arc<Vec<u8>>>; ENCODINGS],
}

impl Delivery {
    pub fn new(from: &str, body: Vec<u8>, kind: Kind, emote: bool) -> Delivery {
        Delivery {
            from: from.to_string(),
            body,
            kind,
            emote,
            time: SystemTime::now(),
            encoded: Default::default(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Waiting,
    Acked,
    Failed,
}

struct Progress {
    left: usize,
    slots: Vec<Slot>,
}

/// What one send is waiting for.
pub struct Waiter {
    progress: Mutex<Progress>,
    done: Condvar,
}

/// A recipient's promise to fill one slot of a waiter.
pub struct Ticket {
    waiter: Arc<Waiter>,
    slot: usize,
}

impl Ticket {
    /// Fills the slot (once; later calls are ignored).
    pub fn complete(&self, ok: bool) {
        self.waiter.fill(self.slot, ok);
    }
}

impl Waiter {
    fn new(n: usize) -> Arc<Waiter> {
        Arc::new(Waiter {
            progress: Mutex::new(Progress {
                left: n,
                slots: vec![Slot::Waiting; n],
            }),
            done: Condvar::new(),
        })
    }

    fn fill(&self, slot: usize, ok: bool) {
        let mut p = self.progress.lock();
        if p.slots.get(slot) == Some(&Slot::Waiting) {
            p.slots[slot] = if ok { Slot::Acked } else { Slot::Failed };
            p.left -= 1;
            if p.left == 0 {
                self.done.notify_all();
            }
        }
    }

    /// Waits until every slot is filled or `deadline`; then fails the slots still waiting and
    /// returns (all acked, the indexes that were silent).
    fn wait(&self, deadline: Instant) -> (bool, Vec<usize>) {
        let mut p = self.progress.lock();
        while p.left > 0 {
            if self.done.wait_until(&mut p, deadline).timed_out() {
                break;
            }
        }
        let silent: Vec<usize> = (0..p.slots.len())
            .filter(|&i| p.slots[i] == Slot::Waiting)
            .collect();
        for &i in &silent {
            p.slots[i] = Slot::Failed;
        }
        p.left = 0;
        (p.slots.iter().all(|s| *s == Slot::Acked), silent)
    }
}

/// Why a send was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("no such user")]
    NoSuchUser,
    #[error("not every recipient acknowledged")]
    NotDelivered,
}

/// The outcome of one send, with the users dropped for silence (for logging and events).
pub struct Outcome {
    pub result: Result<(), SendError>,
    pub silent: Vec<Arc<User>>,
}

/// Sends `body` from `from` to `to` (a name, or `ALL` in any case) and waits for the acks.
pub fn send(
    registry: &Registry,
    from: &Arc<User>,
    to: &str,
    body: Vec<u8>,
    emote: bool,
    ack_timeout: Duration,
) -> Outcome {
    from.count_sent();
    let (targets, kind) = if is_all(to) {
        (registry.others(from), Kind::All)
    } else {
        (registry.get(to).into_iter().collect(), Kind::Direct)
    };
    if targets.is_empty() {
        let result = match kind {
            Kind::Direct => Err(SendError::NoSuchUser),
            _ => Ok(()),
        };
        return Outcome {
            result,
            silent: Vec::new(),
        };
    }
    let delivery = Delivery::new(from.name(), body, kind, emote);
    deliver(registry, &targets, &delivery, ack_timeout)
}

/// Sends the operator's `text` to every user, from [`SERVER_NAME`], and waits for the acks.
pub fn say(registry: &Registry, text: &str, ack_timeout: Duration) -> Outcome {
    let targets = registry.list();
    let delivery = Delivery::new(SERVER_NAME, text.as_bytes().to_vec(), Kind::Server, false);
    deliver(registry, &targets, &delivery, ack_timeout)
}

fn deliver(
    registry: &Registry,
    targets: &[Arc<User>],
    delivery: &Delivery,
    ack_timeout: Duration,
) -> Outcome {
    let deadline = Instant::now() + ack_timeout;
    let waiter = Waiter::new(targets.len());
    for (slot, user) in targets.iter().enumerate() {
        let ticket = Ticket {
            waiter: waiter.clone(),
            slot,
        };
        if !user.enqueue(ticket, delivery, registry.max_pending()) {
            waiter.fill(slot, false);
        }
    }
    let (all_acked, silent) = waiter.wait(deadline);
    let silent: Vec<Arc<User>> = silent.into_iter().map(|i| targets[i].clone()).collect();
    for user in &silent {
        registry.drop_user(user, LeaveReason::Timeout);
    }
    Outcome {
        result: if all_acked {
            Ok(())
        } else {
            Err(SendError::NotDelivered)
        },
        silent,
    }
}
