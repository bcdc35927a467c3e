//! Fanning one message out to its recipients, and settling the send.
//!
//! A send creates one [`Waiter`] with a slot per recipient and hands each recipient's link
//! the message with a [`super::ack::Ticket`] for its slot: kept in the recipient's FIFO of
//! outstanding messages when its link awaits an acknowledgement, completed at once when the
//! link counts it delivered on handing over. Acks arrive on the recipients' own threads and
//! fill the slots; the sender's thread goes on, and checks back by the deadline. A broadcast
//! to a thousand users is therefore a thousand non-blocking hand-overs and one wait, not a
//! thousand round trips. Recipients still silent at the deadline are dropped: their acks can
//! no longer be trusted.

use super::ack::{OnDone, SendError, Waiter};
use super::cluster::{Audience, Cluster};
use super::event::LeaveReason;
use super::link::{LinkError, Memo};
use super::message::Delivery;
use super::registry::Registry;
use super::user::User;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The other nodes a message goes to, and what carries it there: each node's answer fills
/// one slot of the send, after those of the local recipients.
pub(crate) struct Remote<'a> {
    pub cluster: &'a dyn Cluster,
    pub to: Vec<(String, Audience)>,
}

/// A send whose acknowledgements are still coming in (or, for a message kept for an
/// offline user, whose commit is).
pub struct InFlight {
    waiter: Arc<Waiter>,
    targets: Vec<Arc<User>>,
    /// `None`: no deadline; the result comes when the store has committed.
    deadline: Option<Instant>,
}

impl InFlight {
    /// A send waited on without a deadline (the store answers every request).
    pub(crate) fn unbounded(waiter: Arc<Waiter>) -> InFlight {
        InFlight {
            waiter,
            targets: Vec::new(),
            deadline: None,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Whether the result has been reported (then [`InFlight::settle`] has nothing to do).
    pub fn is_reported(&self) -> bool {
        self.waiter.is_reported()
    }

    /// Waits until the result has been reported or the deadline passes; true if reported.
    pub fn wait(&self) -> bool {
        match self.deadline {
            Some(deadline) => self.waiter.wait_until(deadline),
            None => {
                self.waiter.wait_reported();
                true
            }
        }
    }

    /// Waits for the result; at the deadline fails the send and drops the recipients that
    /// stayed silent (their acks can no longer be matched). Returns those dropped. A node
    /// that stayed silent is not dropped: its own recipients are its to time out.
    pub fn settle(self, registry: &Registry) -> Vec<Arc<User>> {
        if self.wait() {
            return Vec::new();
        }
        let silent: Vec<Arc<User>> = self
            .waiter
            .expire()
            .into_iter()
            .filter_map(|i| self.targets.get(i).cloned())
            .collect();
        for user in &silent {
            registry.drop_user(user, LeaveReason::Timeout);
        }
        // A last filler may still be reporting; the result must be out before we go on.
        self.waiter.wait_reported();
        silent
    }
}

/// Hands `delivery` to every target, or reports at once when there are none: `none` is the
/// result for an empty list (a name nobody has fails, everyone-else-when-alone succeeds).
///
/// `on_done` gets the result exactly once, on whichever thread settles the send: at once when
/// there is nobody to wait for (then `None` is returned), else on the thread of the last
/// recipient to answer, or in [`InFlight::settle`] at the deadline.
pub(crate) fn launch(
    registry: &Registry,
    targets: Vec<Arc<User>>,
    remote: Option<Remote>,
    delivery: &Delivery,
    none: Result<(), SendError>,
    ack_timeout: Duration,
    on_done: OnDone,
) -> Option<InFlight> {
    let nodes = remote.as_ref().map_or(0, |r| r.to.len());
    if targets.is_empty() && nodes == 0 {
        on_done(none);
        return None;
    }
    let deadline = Instant::now() + ack_timeout;
    let waiter = Waiter::new(targets.len() + nodes, on_done);
    let mut congested = Vec::new();
    let mut memo = Memo::default();
    for (slot, user) in targets.iter().enumerate() {
        let ticket = waiter.ticket(slot);
        match user.enqueue(ticket, delivery, &mut memo, registry.max_pending()) {
            Ok(Some(done)) => done.complete(true),
            Ok(None) => {}
            Err(e) => {
                if e == LinkError::Congested {
                    congested.push(user.clone());
                }
                waiter.fill(slot, false);
            }
        }
    }
    if let Some(Remote { cluster, to }) = remote {
        for (i, (node, audience)) in to.into_iter().enumerate() {
            cluster.forward(&node, audience, delivery, waiter.ticket(targets.len() + i));
        }
    }
    // A user whose queue is full has stopped reading: like a silent one, it is dropped.
    for user in congested {
        log::warn!("{} is not reading its messages; disconnected", user.name());
        registry.drop_user(&user, LeaveReason::Timeout);
    }
    Some(InFlight {
        waiter,
        targets,
        deadline: Some(deadline),
    })
}
