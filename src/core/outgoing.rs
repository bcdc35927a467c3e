//! A connection's sends, answered in order ([`Outgoing`]).

use super::{Chat, InFlight, SendError, Sent, Target, User};
use std::sync::Arc;
use std::time::Instant;

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
        on_done: impl FnOnce(Result<Sent, SendError>) + Send + 'static,
    ) {
        self.settle();
        self.inflight = self.chat.send(from, to, body, emote, on_done);
    }

    /// The deadline of the send in flight, if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.inflight.as_ref().and_then(InFlight::deadline)
    }

    /// Waits for the send in flight, if any; returns the recipients dropped for silence.
    pub fn settle(&mut self) -> Vec<Arc<User>> {
        match self.inflight.take() {
            Some(inflight) => inflight.settle(self.chat.registry()),
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
