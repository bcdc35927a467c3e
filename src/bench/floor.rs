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

pub fn spawn_pump(
    from: &Arc<TcpStream>,
    to: &Arc<TcpStream>,
) -> Result<JoinHandle<()>, BenchError> {
    let (from, to) = (from.clone(), to.clone());
    thread::Builder::new()
        .name("floor".into())
        .stack_size(CLIENT_STACK)
        .spawn(move || pump(from, to))
        .map_err(BenchError::Thread)
}

pub fn connected(listener: &TcpListener) -> Result<(Arc<TcpStream>, Arc<TcpStream>), BenchError> {
    let client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    Ok((Arc::new(client), Arc::new(server)))
}

/// Sets up `clients` pairs, runs the closed loop over them and tears everything down.
pub fn measure(clients: usize, plan: Plan, progress: &Progress) -> Result<Summary, BenchError> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut senders = Vec::with_capacity(clients);
    let mut ends = Vec::new();
    let mut threads = Vec::new();
    let built = (|| -> Result<(), BenchError> {
        for _ in 0..clients.max(1) {
            let (a, a_relay) = connected(&listener)?;
            let (b, b_relay) = connected(&listener)?;
            threads.push(spawn_pump(&a_relay, &b_relay)?);
            threads.push(spawn_pump(&b_relay, &a_relay)?);
            threads.push(spawn_pump(&b, &b)?);
            ends.extend([a.clone(), b]);
            senders.push(FloorSender {
                a,
                buf: [0x5a; FRAME],
            });
        }
        Ok(())
    })();
    let outcome = built.and_then(|()| closed_loop(senders, plan, progress));
    // The senders are gone with the loop; shutting both client ends down stops all pumps.
    for end in &ends {
        let _ = end.shutdown(Shutdown::Both);
    }
    for t in threads {
        let _ = t.join();
    }
    let out = outcome?;
    Ok(Summary::new(&out.rec, out.planned, out.errors, out.elapsed))
}
