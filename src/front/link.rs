//! A socket of the two-socket protocol as the registry sees it: a [`Link`].

use crate::delivery::Delivery;
use crate::outbox::{Outbox, PushError};
use crate::registry::{Link, LinkError};
use crate::wire::{Command, Message};
use std::sync::Arc;

/// Which cached encoding of a delivery a plain Part 1 `FORWARD` uses.
const PLAIN: usize = 0;

/// One registered socket; only the TORECV one is ever asked to deliver.
pub struct SocketLink {
    pub outbox: Arc<Outbox>,
}

impl Link for SocketLink {
    fn deliver(&self, d: &Delivery) -> Result<(), LinkError> {
        let frame = d.encoded[PLAIN].get_or_init(|| {
            let msg = Message::with_body(
                Command::Forward {
                    from: d.from.clone(),
                },
                d.body.clone(),
            );
            Arc::new(msg.to_bytes())
        });
        self.outbox.push(frame.clone()).map_err(|e| match e {
            PushError::Closed => LinkError::Closed,
            PushError::Overflow(_) => LinkError::Congested,
        })
    }

    fn close(&self) {
        self.outbox.close();
    }
}
