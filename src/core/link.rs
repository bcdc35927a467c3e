//! The outbound port: one side of a user as the front end that owns it sees it.
//!
//! The core hands a [`Link`] messages and events; the front end encodes them for its own wire.
//! Whether a message is delivered when it is handed over or only when the user acknowledges
//! it is the link's to say ([`Handed::awaits_ack`]): the two-socket protocol has `RECEIVED`,
//! the JSON protocol has no acknowledgement.

use super::event::Event;
use super::message::Delivery;
use std::sync::Arc;

/// Why a link could not take a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LinkError {
    #[error("link is closed")]
    Closed,
    /// The user stopped reading and its queue is full: it is dropped.
    #[error("user is not reading")]
    Congested,
    /// This link's wire cannot carry the message (say, too long for its framing); the user
    /// stays.
    #[error("message cannot be carried to this user")]
    Unfit,
}

/// What became of a message a link took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handed {
    /// The user's acknowledgement will complete it; otherwise it counts as delivered now.
    pub awaits_ack: bool,
    /// The caller must call [`Link::flush`] once it has released its locks.
    pub flush: bool,
}

/// Encodings a front end made of one message during one fan-out, so that a broadcast is
/// encoded once per form rather than once per recipient. The core only carries it from one
/// recipient to the next; keys are the front ends' own (a name and a form number).
#[derive(Default)]
pub struct Memo {
    made: Vec<(MemoKey, Arc<Vec<u8>>)>,
}

/// A front end's name for one form of a message: its own name and a form number.
pub type MemoKey = (&'static str, u8);

impl Memo {
    /// The bytes kept under `key`, made by `make` the first time.
    pub fn get_or_make(&mut self, key: MemoKey, make: impl FnOnce() -> Vec<u8>) -> Arc<Vec<u8>> {
        if let Some((_, bytes)) = self.made.iter().find(|(k, _)| *k == key) {
            return bytes.clone();
        }
        let bytes = Arc::new(make());
        self.made.push((key, bytes.clone()));
        bytes
    }
}

/// One side of a user (or both, for a front end with one connection per user).
///
/// `flags` are the user's front-end flags ([`super::User::flags`]): bits the front end chose
/// when it attached the user (say, the extensions its client asked for); the core only keeps
/// them. Nothing here may block: these are called with the user's lock held, so that the
/// order of acknowledgements matches the order on the wire.
pub trait Link: Send + Sync {
    /// Called once, with the user's lock held, as soon as the link is attached and before
    /// anything can be handed to it (say, to queue the answer to the registration first).
    /// True when [`Link::flush`] must follow.
    fn attached(&self) -> bool {
        false
    }
    /// Queues a message for the user without any system call.
    fn deliver(
        &self,
        flags: u32,
        delivery: &Delivery,
        memo: &mut Memo,
    ) -> Result<Handed, LinkError>;
    /// Queues an event for the user, best effort, without any system call; true when
    /// [`Link::flush`] must follow.
    fn event(&self, flags: u32, event: &Event) -> bool;
    /// Whether this link, with these flags, is told when others join, leave or are kicked
    /// from the chat; fixed once the user is complete. Only such users are told (see
    /// `listeners.rs`).
    fn hears_presence(&self, _flags: u32) -> bool {
        true
    }
    /// Sends what was queued; called with no lock held.
    fn flush(&self) {}
    /// Closes the link and wakes whatever thread serves it.
    fn close(&self);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memo_makes_each_form_once() {
        let mut memo = Memo::default();
        let mut made = 0;
        for key in [("a", 0), ("a", 1), ("a", 0), ("b", 0), ("a", 1)] {
            memo.get_or_make(key, || {
                made += 1;
                vec![key.1]
            });
        }
        assert_eq!(made, 3);
        assert_eq!(*memo.get_or_make(("a", 1), Vec::new), vec![1]);
        assert_eq!(*memo.get_or_make(("b", 0), Vec::new), vec![0]);
    }
}
