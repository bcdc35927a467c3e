//! Waiting for one send's acknowledgements: a [`Waiter`] with a slot per recipient, and the
//! [`Ticket`] each recipient holds for its slot.
//!
//! Slots are filled on whichever threads the answers arrive; the filler of the last one
//! reports the result through the send's callback, on its own thread. A waiter can also be
//! expired at its deadline, which fails every slot still open and names them.

use parking_lot::{Condvar, Mutex};
use std::sync::Arc;
use std::time::Instant;

/// Why a send was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("no such user")]
    NoSuchUser,
    #[error("not every recipient acknowledged")]
    NotDelivered,
    #[error("over the rate limit")]
    RateLimited,
    /// The recipient's mailbox holds the most it may.
    #[error("the recipient's mailbox is full")]
    MailboxFull,
    /// The store could not keep the message.
    #[error("the message could not be kept")]
    StoreFailed,
    /// A message to a room that is not there, or whose sender is not in it.
    #[error(transparent)]
    Room(#[from] super::room::RoomError),
}

/// Called once with the result of a send, by whichever thread settles it.
pub type OnDone = Box<dyn FnOnce(Result<(), SendError>) + Send>;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Slot {
    Waiting,
    Acked,
    Failed,
}

struct Progress {
    left: usize,
    /// The first failure, if any.
    failed: Option<SendError>,
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
    /// Fills the slot (once; later calls are ignored): delivered, or not.
    pub fn complete(&self, ok: bool) {
        let result = if ok {
            Ok(())
        } else {
            Err(SendError::NotDelivered)
        };
        self.waiter.settle(self.slot, result);
    }

    /// Fills the slot with a failure, saying why.
    pub fn fail(&self, why: SendError) {
        self.waiter.settle(self.slot, Err(why));
    }
}

impl Waiter {
    pub fn new(n: usize, on_done: OnDone) -> Arc<Waiter> {
        Arc::new(Waiter {
            progress: Mutex::new(Progress {
                left: n,
                failed: None,
                slots: vec![Slot::Waiting; n],
                on_done: Some(on_done),
                reported: false,
            }),
            reported: Condvar::new(),
        })
    }

    /// The ticket for `slot`.
    pub fn ticket(self: &Arc<Self>, slot: usize) -> Ticket {
        Ticket {
            waiter: self.clone(),
            slot,
        }
    }

    /// Fills a slot, delivered or not; the filler of the last one reports the result (the
    /// first failure, if any), on its own thread.
    pub fn fill(&self, slot: usize, ok: bool) {
        self.settle(
            slot,
            if ok {
                Ok(())
            } else {
                Err(SendError::NotDelivered)
            },
        );
    }

    /// Fills a slot with its outcome (see [`Waiter::fill`]).
    pub fn settle(&self, slot: usize, result: Result<(), SendError>) {
        let mut p = self.progress.lock();
        if p.slots.get(slot) != Some(&Slot::Waiting) {
            return;
        }
        p.slots[slot] = if result.is_ok() {
            Slot::Acked
        } else {
            Slot::Failed
        };
        p.failed = p.failed.or(result.err());
        p.left -= 1;
        if p.left == 0 {
            let report = p.on_done.take();
            let failed = p.failed;
            drop(p);
            self.report(report, failed);
        }
    }

    fn report(&self, on_done: Option<OnDone>, failed: Option<SendError>) {
        if let Some(f) = on_done {
            f(failed.map_or(Ok(()), Err));
        }
        self.progress.lock().reported = true;
        self.reported.notify_all();
    }

    /// Fails every slot still waiting and reports; returns the silent slots.
    pub fn expire(&self) -> Vec<usize> {
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
        let failed = p.failed.unwrap_or(SendError::NotDelivered);
        drop(p);
        self.report(report, Some(failed));
        silent
    }

    /// Whether the result has been reported.
    pub fn is_reported(&self) -> bool {
        self.progress.lock().reported
    }

    /// Waits until the result has been reported or `deadline` passes; true if reported.
    pub fn wait_until(&self, deadline: Instant) -> bool {
        let mut p = self.progress.lock();
        while !p.reported {
            if self.reported.wait_until(&mut p, deadline).timed_out() {
                return p.reported;
            }
        }
        true
    }

    /// Waits until the result has been reported, however long that takes (after
    /// [`Waiter::expire`], only as long as a last filler takes to finish reporting).
    pub fn wait_reported(&self) {
        let mut p = self.progress.lock();
        while !p.reported {
            self.reported.wait(&mut p);
        }
    }
}

#[cfg(test)]
#[path = "ack_tests.rs"]
mod tests;
