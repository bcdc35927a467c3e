//! The fan-out floor: what one broadcast costs on this machine with no protocol at all.
//!
//! A broadcast of the chat protocol is one frame in, a frame out to each of R recipients,
//! R acknowledgements in, one reply out. The floor does the fan-out part with fixed 64-byte
//! frames and no server: one sender thread writes a frame to each of its R sockets, then
//! reads each one's 64-byte echo; every recipient echoes from a thread of its own:
//! ```text
//! sender --> R sockets --> R recipient threads (each echoes the 64 bytes) --> sender
//! ```
//! A server's broadcast adds two hops (the sender's frame in, the reply out) and everything
//! the protocol and bookkeeping cost; a server below this floor batches system calls.

use crate::error::{BenchError, OpError};
use crate::floor::{Rig, FRAME};
use crate::progress::Progress;
use crate::runner::{Plan, Probe};
use crate::stats::Summary;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

/// One sender and the sockets of its recipients.
struct FanoutSender {
    to: Vec<Arc<TcpStream>>,
    buf: [u8; FRAME],
}

impl Probe for FanoutSender {
    fn once(&mut self) -> Result<(), OpError> {
        for s in &self.to {
            (&**s).write_all(&self.buf)?;
        }
        for s in &self.to {
            match (&**s).read_exact(&mut self.buf) {
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(OpError::Closed),
                other => other?,
            }
        }
        Ok(())
    }
}

/// Sets up `senders` senders with `recipients` echoing recipients each, runs the closed
/// loop over them (one "message" = one frame to every recipient and every echo back) and
/// tears everything down.
pub fn measure(
    senders: usize,
    recipients: usize,
    plan: Plan,
    progress: &Progress,
) -> Result<Summary, BenchError> {
    let mut rig = Rig::new()?;
    let mut build = || -> Result<Vec<FanoutSender>, BenchError> {
        let mut probes = Vec::with_capacity(senders);
        for _ in 0..senders.max(1) {
            let mut to = Vec::with_capacity(recipients);
            for _ in 0..recipients.max(1) {
                let (mine, theirs) = rig.pair()?;
                rig.pump(&theirs, &theirs)?;
                to.push(mine);
            }
            probes.push(FanoutSender {
                to,
                buf: [0x5a; FRAME],
            });
        }
        Ok(probes)
    };
    let probes = build();
    rig.run(probes, plan, progress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_round_reaches_every_recipient_and_comes_back() {
        let plan = Plan {
            warmup: 2,
            messages: 20,
        };
        let s = measure(2, 5, plan, &Progress::new(false, "t", 0)).unwrap();
        assert_eq!(s.messages, 40);
        assert_eq!(s.errors, 0);
        assert!(s.latency_us.p50 > 0.0);
    }
}
