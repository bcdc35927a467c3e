//! The floor: what one delivered message costs on this machine with no protocol at all.
//!
//! A message of the chat protocol crosses four socket hops: sender → server → recipient
//! → server (the acknowledgement) → sender (the reply). The floor does the same four hops
//! with fixed 64-byte frames and a relay thread per relay-side connection:
//! ```text
//! sender --A--> relay(A→B) --B--> recipient
//! sender <--A-- relay(B→A) <--B-- recipient (echoes the 64 bytes)
//! ```
//! Anything a server adds on top of this is protocol, bookkeeping and locking.

use crate::client::CLIENT_STACK;
use crate::error::{BenchError, OpError};
use crate::progress::Progress;
use crate::runner::{closed_loop, Plan, Probe};
use crate::stats::Summary;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// The frame every hop carries.
pub const FRAME: usize = 64;

/// The sending end of one pair: writes a frame on A, reads the echo from A.
struct FloorSender {
    a: Arc<TcpStream>,
    buf: [u8; FRAME],
}

impl Probe for FloorSender {
    fn once(&mut self) -> Result<(), OpError> {
        (&*self.a).write_all(&self.buf)?;
        match (&*self.a).read_exact(&mut self.buf) {
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(OpError::Closed),
            other => Ok(other?),
        }
    }
}

/// Copies frames from `from` to `to` until `from` ends; then shuts `to` so the far side
/// ends too. Also used (with `from == to`) as the echoing recipient.
fn pump(from: Arc<TcpStream>, to: Arc<TcpStream>) {
    let mut buf = [0u8; FRAME];
    while (&*from).read_exact(&mut buf).is_ok() {
        if (&*to).write_all(&buf).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn spawn_pump(from: &Arc<TcpStream>, to: &Arc<TcpStream>) -> Result<JoinHandle<()>, BenchError> {
    let (from, to) = (from.clone(), to.clone());
    thread::Builder::new()
        .name("floor".into())
        .stack_size(CLIENT_STACK)
        .spawn(move || pump(from, to))
        .map_err(BenchError::Thread)
}

/// The sockets and pump threads of a floor, torn down together after its closed loop.
pub struct Rig {
    listener: TcpListener,
    /// The client-side ends: shutting them down stops every pump.
    ends: Vec<Arc<TcpStream>>,
    threads: Vec<JoinHandle<()>>,
}

impl Rig {
    pub fn new() -> Result<Rig, BenchError> {
        Ok(Rig {
            listener: TcpListener::bind("127.0.0.1:0")?,
            ends: Vec::new(),
            threads: Vec::new(),
        })
    }

    /// A connected pair of loopback sockets: (the client end, the accepted end).
    pub fn pair(&mut self) -> Result<(Arc<TcpStream>, Arc<TcpStream>), BenchError> {
        let client = TcpStream::connect(self.listener.local_addr()?)?;
        let (server, _) = self.listener.accept()?;
        client.set_nodelay(true)?;
        server.set_nodelay(true)?;
        let client = Arc::new(client);
        self.ends.push(client.clone());
        Ok((client, Arc::new(server)))
    }

    /// A thread copying frames from `from` to `to` (an echo when they are the same).
    pub fn pump(&mut self, from: &Arc<TcpStream>, to: &Arc<TcpStream>) -> Result<(), BenchError> {
        self.threads.push(spawn_pump(from, to)?);
        Ok(())
    }

    /// Runs the closed loop over `probes` (when they could all be built), then tears the
    /// rig down and summarizes.
    pub fn run<P: Probe>(
        self,
        probes: Result<Vec<P>, BenchError>,
        plan: Plan,
        progress: &Progress,
    ) -> Result<Summary, BenchError> {
        let outcome = probes.and_then(|p| closed_loop(p, plan, progress));
        for end in &self.ends {
            let _ = end.shutdown(Shutdown::Both);
        }
        for t in self.threads {
            let _ = t.join();
        }
        let out = outcome?;
        Ok(Summary::new(&out.rec, out.planned, out.errors, out.elapsed))
    }
}

/// Sets up `clients` pairs, runs the closed loop over them and tears everything down.
pub fn measure(clients: usize, plan: Plan, progress: &Progress) -> Result<Summary, BenchError> {
    let mut rig = Rig::new()?;
    let mut build = || -> Result<Vec<FloorSender>, BenchError> {
        let mut senders = Vec::with_capacity(clients);
        for _ in 0..clients.max(1) {
            let (a, a_relay) = rig.pair()?;
            let (b, b_relay) = rig.pair()?;
            rig.pump(&a_relay, &b_relay)?;
            rig.pump(&b_relay, &a_relay)?;
            rig.pump(&b, &b)?;
            senders.push(FloorSender {
                a,
                buf: [0x5a; FRAME],
            });
        }
        Ok(senders)
    };
    let senders = build();
    rig.run(senders, plan, progress)
}
