//! A session that loses its server: what the server still said is shown, then the loss, and
//! what the next session (a reconnect, or the move to the next server of the chat) is to
//! carry on with goes to the [`Memory`](super::Memory): the lines not sent yet, an end of
//! input, the rooms not joined again yet, a `/register` half asked. The request awaiting its
//! reply is said to be lost: it may or may not have reached the server, so it is not sent
//! again.

use super::{Gone, Queued, Session, LINGER};
use crate::net::Event;
use crate::reply::Request;
use crate::view::{LineId, Outcome, SessionEvent};
use std::time::Instant;

/// The line of a join made again after a reconnect (no line typed it).
pub(super) const REJOIN: LineId = LineId::MAX;

impl Session<'_> {
    /// Reports the loss of the server, once: the loop ends right after.
    ///
    /// The other socket usually closes at the same moment; what the server sent on it before
    /// closing (a last reply, a last forward) is still shown, for up to [`LINGER`].
    pub(super) fn gone(&mut self, error: Option<String>) -> Result<(), Gone> {
        let until = Instant::now() + LINGER;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            match self.rx.recv_timeout(left) {
                Ok(Event::Closed { .. }) | Err(_) => break,
                Ok(event) => {
                    let _ = self.handle(event);
                }
            }
        }
        self.hand_over();
        self.view.show(SessionEvent::Gone(error));
        Err(Gone)
    }

    /// Leaves to the memory what the next session carries on with.
    fn hand_over(&mut self) {
        if let Some(pending) = self.pending.take() {
            match pending.request {
                Request::Send(target) => self.view.show(SessionEvent::Outcome {
                    line: pending.line,
                    target,
                    outcome: Outcome::Lost,
                }),
                Request::Join(room) if pending.line == REJOIN => self.memory.rooms.push(room),
                _ => {}
            }
        }
        for queued in self.queue.drain(..) {
            match queued {
                Queued::Line(_, line) => self.memory.unsent.push(line),
                Queued::End => self.memory.input_ended = true,
                Queued::Rejoin(room) => self.memory.rooms.push(room),
                // The full screen's: it asks again itself once connected.
                Queued::SetPassword(_) | Queued::History(_) => {}
            }
        }
        self.memory.asking = self.asking.take();
    }
}
