//! Delivering one message to one user or to everyone, and collecting the acknowledgements.
//!
//! A send creates one [`Waiter`] with a slot per recipient and puts a [`Ticket`] for its slot
//! in each recipient's FIFO of outstanding forwards (see [`crate::registry::User`]). Acks arrive
//! on the recipients' own threads and fill the slots; the sender's thread sleeps on the waiter
//! until every slot is filled or the ack timeout passes. A broadcast to a thousand users is
//! therefore a thousand non-blocking pushes and one wait, not a thousand round trips.
//! Recipients still silent at the deadline are dropped: their acks can no longer be trusted.

use crate::registry::{LeaveReason, LinkError, Registry, User};
use crate::wire::is_all;
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime};

/// How many wire encodings a delivery can cache: one per kind of receiving link there is
/// (a plain Part 1 `FORWARD`, and one with `meta` headers).
pub const ENCODINGS: usize = 2;

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

/// Called once with the result of a send, by whichever thread settles it.
type OnDone = Box<dyn FnOnce(Result<(), SendError>) + Send>;

struct Progress {
    left: usize,
    failed: bool,
    slots: Vec<Slot>,
    on_done: Option<OnDone>,
    /// `on_done` has returned.
    reported: bool,
}

/// What one send is waiting for.
pub struct Waiter {
    progress: Mutex<Progress>,
    reported: Condvar,
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
    fn new(n: usize, on_done: OnDone) -> Arc<Waiter> {
        Arc::new(Waiter {
            progress: Mutex::new(Progress {
                left: n,
                failed: false,
                slots: vec![Slot::Waiting; n],
                on_done: Some(on_done),
                reported: false,
            }),
            reported: Condvar::new(),
        })
    }

    /// Fills a slot; the filler of the last one reports the result, on its own thread.
    fn fill(&self, slot: usize, ok: bool) {
        let mut p = self.progress.lock();
        if p.slots.get(slot) != Some(&Slot::Waiting) {
            return;
        }
        p.slots[slot] = if ok { Slot::Acked } else { Slot::Failed };
        p.failed |= !ok;
        p.left -= 1;
        if p.left == 0 {
            let report = p.on_done.take();
            let failed = p.failed;
            drop(p);
            self.report(report, failed);
        }
    }

    fn report(&self, on_done: Option<OnDone>, failed: bool) {
        if let Some(f) = on_done {
            f(if failed {
                Err(SendError::NotDelivered)
            } else {
                Ok(())
            });
        }
        self.progress.lock().reported = true;
        self.reported.notify_all();
    }

    /// Fails every slot still waiting and reports; returns the silent slots.
    fn expire(&self) -> Vec<usize> {
        let mut p = self.progress.lock();
        if p.left == 0 {
            return Vec::new(); // settled, or being reported by the last filler
        }
        let silent: Vec<usize> = (0..p.slots.len())
            .filter(|&i| p.slots[i] == Slot::Waiting)
            .collect();
        for &i in &silent {
            p.slots[i] = Slot::Failed;
        }
        p.left = 0;
        let report = p.on_done.take();
        drop(p);
        self.report(report, true);
        silent
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

/// A send whose acknowledgements are still coming in.
pub struct InFlight {
    waiter: Arc<Waiter>,
    targets: Vec<Arc<User>>,
    deadline: Instant,
}

impl InFlight {
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Waits until the result has been reported or the deadline passes; true if reported.
    pub fn wait(&self) -> bool {
        let mut p = self.waiter.progress.lock();
        while !p.reported {
            if self
                .waiter
                .reported
                .wait_until(&mut p, self.deadline)
                .timed_out()
            {
                return p.reported;
            }
        }
        true
    }

    /// Waits for the result; at the deadline fails the send and drops the recipients that
    /// stayed silent (their acks can no longer be matched). Returns those dropped.
    pub fn settle(self, registry: &Registry) -> Vec<Arc<User>> {
        if self.wait() {
            return Vec::new();
        }
        let silent: Vec<Arc<User>> = self
            .waiter
            .expire()
            .into_iter()
            .map(|i| self.targets[i].clone())
            .collect();
        for user in &silent {
            registry.drop_user(user, LeaveReason::Timeout);
        }
        // A last filler may still be reporting; the result must be out before we go on.
        self.wait_reported();
        silent
    }

    fn wait_reported(&self) {
        let mut p = self.waiter.progress.lock();
        while !p.reported {
            self.waiter.reported.wait(&mut p);
        }
    }
}

/// Starts sending `body` from `from` to `to` (a name, or `ALL` in any case).
///
/// `on_done` gets the result exactly once, on whichever thread settles the send: at once
/// when there is nobody to wait for (then `None` is returned), else on the thread of the last
/// recipient to answer, or in [`InFlight::settle`] at the deadline.
pub fn start(
    registry: &Registry,
    from: &Arc<User>,
    to: &str,
    body: Vec<u8>,
    emote: bool,
    ack_timeout: Duration,
    on_done: impl FnOnce(Result<(), SendError>) + Send + 'static,
) -> Option<InFlight> {
    from.count_sent();
    let (targets, kind) = if is_all(to) {
        (registry.others(from), Kind::All)
    } else {
        (registry.get(to).into_iter().collect(), Kind::Direct)
    };
    let delivery = Delivery::new(from.name(), body, kind, emote);
    launch(registry, targets, &delivery, ack_timeout, Box::new(on_done))
}

/// The outcome of a blocking send, with the users dropped for silence.
pub struct Outcome {
    pub result: Result<(), SendError>,
    pub silent: Vec<Arc<User>>,
}

/// Sends the operator's `text` to every user, from [`SERVER_NAME`], and waits for the acks.
pub fn say(registry: &Registry, text: &str, ack_timeout: Duration) -> Outcome {
    let delivery = Delivery::new(SERVER_NAME, text.as_bytes().to_vec(), Kind::Server, false);
    let (on_done, rx) = reported();
    let inflight = launch(
        registry,
        registry.list(),
        &delivery,
        ack_timeout,
        Box::new(on_done),
    );
    finish(registry, inflight, rx)
}

type Reported = std::sync::mpsc::Receiver<Result<(), SendError>>;

/// A result callback for a caller that waits: what it reports arrives on the receiver.
fn reported() -> (
    impl FnOnce(Result<(), SendError>) + Send + 'static,
    Reported,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let on_done = move |r| {
        let _ = tx.send(r);
    };
    (on_done, rx)
}

fn finish(registry: &Registry, inflight: Option<InFlight>, rx: Reported) -> Outcome {
    let silent = inflight.map(|f| f.settle(registry)).unwrap_or_default();
    Outcome {
        result: rx.recv().unwrap_or(Err(SendError::NotDelivered)),
        silent,
    }
}

/// Hands `delivery` to every target, or reports at once when there are none: a message to
/// a name nobody has fails, one to everyone else succeeds.
fn launch(
    registry: &Registry,
    targets: Vec<Arc<User>>,
    delivery: &Delivery,
    ack_timeout: Duration,
    on_done: OnDone,
) -> Option<InFlight> {
    if targets.is_empty() {
        on_done(match delivery.kind {
            Kind::Direct => Err(SendError::NoSuchUser),
            Kind::All | Kind::Server => Ok(()),
        });
        return None;
    }
    let deadline = Instant::now() + ack_timeout;
    let waiter = Waiter::new(targets.len(), on_done);
    let mut congested = Vec::new();
    for (slot, user) in targets.iter().enumerate() {
        let ticket = Ticket {
            waiter: waiter.clone(),
            slot,
        };
        if let Err(e) = user.enqueue(ticket, delivery, registry.max_pending()) {
            if e == LinkError::Congested {
                congested.push(user.clone());
            }
            waiter.fill(slot, false);
        }
    }
    // A user whose outbox is full has stopped reading: like a silent one, it is dropped.
    for user in congested {
        log::warn!("{} is not reading its messages; disconnected", user.name());
        registry.drop_user(&user, LeaveReason::Timeout);
    }
    Some(InFlight {
        waiter,
        targets,
        deadline,
    })
}
