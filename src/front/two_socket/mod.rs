//! The two-socket protocol's front end (`docs/PROTOCOL.md` Parts 1-3).
//!
//! A connection's thread reads it until it is registered ([`session`]); a TOSEND socket keeps
//! its thread and carries `SEND`s, a registered TORECV socket is handed to a [`hub`] that
//! serves many at once. What a registered socket's messages mean is [`commands`]; how the
//! chat's messages and events become bytes is [`link`].

mod commands;
mod hub;
mod link;
mod memory;
pub(crate) mod rooms;
mod session;

use super::listener::Protocol;
use super::Shared;
use crate::wire::ext::Ext;
use crate::wire::{ErrorCode, Message};
use log::error;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::{mpsc, Arc};
use std::thread;

/// Which success reply old clients expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuccessReply {
    /// `SENT <recipient>` (the default).
    Sent,
    /// `SEND <recipient>`, as one table of the original text prints it.
    Send,
}

/// The extensions this front end grants, of those a client asks for: all of them, but those
/// of the chat's memory only when it has one.
pub(crate) fn granted(shared: &Shared, asked: Ext) -> Ext {
    let memory = [Ext::AUTH, Ext::OFFLINE, Ext::HISTORY];
    let memory = memory.into_iter().fold(Ext::NONE, Ext::with);
    if shared.chat.has_store() {
        asked
    } else {
        Ext::from_bits(asked.bits() & !memory.bits())
    }
}

/// The two-socket protocol, for the accept loop.
pub(crate) static PROTOCOL: Protocol = Protocol {
    name: "two-socket",
    refusal: || Message::error(ErrorCode::ServerFull).to_bytes(),
    serve,
};

/// Serves an accepted socket until it closes or is registered as TORECV (then a hub has it).
fn serve(shared: &Arc<Shared>, stream: Arc<TcpStream>, peer: SocketAddr, id: u64) {
    match session::run(shared, stream, peer, id) {
        Some(entry) => shared.two_socket.hub_for(id).adopt(entry),
        None => shared.closed(id),
    }
}

/// The receiving-socket hubs; sockets are spread over them by connection id.
pub(crate) struct Hubs {
    hubs: Vec<hub::Hub>,
}

/// The hubs' threads, not yet started.
pub(crate) struct HubThreads {
    adopted: Vec<mpsc::Receiver<hub::Entry>>,
}

impl Hubs {
    /// `n` hubs; 0: half the cores (at least one).
    pub(crate) fn new(n: usize) -> io::Result<(Hubs, HubThreads)> {
        let n = match n {
            0 => thread::available_parallelism().map_or(1, |n| n.get() / 2),
            n => n,
        };
        let (hubs, adopted) = (0..n.clamp(1, 64))
            .map(|_| hub::Hub::new())
            .collect::<io::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        Ok((Hubs { hubs }, HubThreads { adopted }))
    }

    /// The hub that serves the receiving socket with connection id `id`.
    fn hub_for(&self, id: u64) -> &hub::Hub {
        &self.hubs[id as usize % self.hubs.len()]
    }
}

impl HubThreads {
    pub(crate) fn start(self, shared: &Arc<Shared>) -> io::Result<()> {
        for (index, adopted) in self.adopted.into_iter().enumerate() {
            let shared = shared.clone();
            thread::Builder::new()
                .name(format!("hub-{index}"))
                .spawn(move || hub::run(&shared, index, adopted))
                .inspect_err(|e| error!("cannot start a receiving hub: {e}"))?;
        }
        Ok(())
    }
}
