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
    pub fn new(n: usize, on_done: OnDone) -> Arc<Waiter> {
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

    /// The ticket for `slot`.
    pub fn ticket(self: &Arc<Self>, slot: usize) -> Ticket {
        Ticket {
            waiter: self.clone(),
            slot,
        }
    }

    /// Fills a slot; the filler of the last one reports the result, on its own thread.
    pub fn fill(&self, slot: usize, ok: bool) {
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
        drop(p);
        self.report(report, true);
        silent
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
