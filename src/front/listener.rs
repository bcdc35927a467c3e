//! The accept loop both TCP front ends share: one thread per listener, a thread per accepted
//! socket, and the cap on sockets open at once (both protocols together). Past the cap, or
//! out of file descriptors, a new socket is told so in its protocol's words and closed at
//! once.

use super::{keepalive, Shared};
use log::{error, info, warn};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Stack of a connection thread: enough for the handlers, small enough for 20,000 of them.
const CONN_STACK: usize = 128 * 1024;

/// What the accept loop needs to know of a protocol.
pub(crate) struct Protocol {
    pub name: &'static str,
    /// What a socket we cannot serve is told before the close (one non-blocking send).
    pub refusal: fn() -> Vec<u8>,
    /// Serves one accepted socket, on a thread of its own, until it closes (then it calls
    /// [`Shared::closed`]) or is handed on to whatever serves it next.
    pub serve: fn(&Arc<Shared>, Arc<TcpStream>, SocketAddr, u64),
}

/// Sockets alive now, so shutdown can wake them and the connection cap can be enforced.
#[derive(Default)]
pub(super) struct Tracker {
    next: AtomicU64,
    open: Mutex<HashMap<u64, Arc<TcpStream>>>,
}

impl Tracker {
    fn add(&self, stream: Arc<TcpStream>, cap: usize) -> Option<u64> {
        let mut open = self.open.lock();
        if open.len() >= cap {
            return None;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        open.insert(id, stream);
        Some(id)
    }

    pub(super) fn remove(&self, id: u64) {
        self.open.lock().remove(&id);
    }

    pub(super) fn len(&self) -> usize {
        self.open.lock().len()
    }

    pub(super) fn shutdown_all(&self) {
        let all: Vec<_> = self.open.lock().values().cloned().collect();
        for s in all {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// One listener and the protocol it serves.
pub(super) struct Acceptor {
    listener: TcpListener,
    addr: SocketAddr,
    protocol: &'static Protocol,
}

impl Acceptor {
    pub(super) fn new(listener: TcpListener, protocol: &'static Protocol) -> io::Result<Acceptor> {
        Ok(Acceptor {
            addr: listener.local_addr()?,
            listener,
            protocol,
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub(super) fn protocol_name(&self) -> &'static str {
        self.protocol.name
    }

    /// Accepts until the server stops.
    pub(super) fn run(self, shared: &Arc<Shared>) {
        // A descriptor held back so that, out of files, we can still accept one connection
        // to tell it why and close it, rather than leave it pending and spin on EMFILE.
        let mut reserve = std::fs::File::open("/dev/null").ok();
        for incoming in self.listener.incoming() {
            if shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            match incoming {
                Ok(stream) => self.admit(shared, stream),
                Err(e) if is_out_of_files(&e) => {
                    warn!("cannot accept: {e}; refusing new connections");
                    drop(reserve.take());
                    if let Ok((stream, _)) = self.listener.accept() {
                        self.refuse(&stream);
                    }
                    reserve = std::fs::File::open("/dev/null").ok();
                    if reserve.is_none() {
                        thread::sleep(Duration::from_millis(50));
                    }
                }
                Err(e) => warn!("accept failed: {e}"),
            }
        }
        info!("{} listener on {} closed", self.protocol.name, self.addr);
    }

    fn admit(&self, shared: &Arc<Shared>, stream: TcpStream) {
        let Ok(peer) = stream.peer_addr() else {
            return;
        };
        let _ = stream.set_nodelay(true);
        keepalive(&stream);
        let stream = Arc::new(stream);
        let cap = shared.config.max_connections;
        let Some(id) = shared.tracker.add(stream.clone(), cap) else {
            warn!("{peer}: refused, {cap} connections open");
            self.refuse(&stream);
            return;
        };
        let worker = {
            let (shared, stream, serve) = (shared.clone(), stream.clone(), self.protocol.serve);
            move || serve(&shared, stream, peer, id)
        };
        let spawned = thread::Builder::new()
            .name(format!("conn-{peer}"))
            .stack_size(CONN_STACK)
            .spawn(worker);
        if let Err(e) = spawned {
            error!("{peer}: cannot start a thread: {e}");
            shared.tracker.remove(id);
            self.refuse(&stream);
        }
    }

    /// Tells a socket we cannot serve it why, without waiting on it, and closes it.
    fn refuse(&self, stream: &TcpStream) {
        use rustix::net::{send, SendFlags};
        // A new socket's buffer is empty: one non-blocking send, never a wait on this thread.
        let bytes = (self.protocol.refusal)();
        let _ = send(stream, &bytes, SendFlags::DONTWAIT | SendFlags::NOSIGNAL);
        let _ = stream.shutdown(Shutdown::Both);
    }
}

fn is_out_of_files(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23) | Some(24)) // ENFILE, EMFILE
}

/// Wakes the accept loop listening on `addr` with a connection of our own.
pub(super) fn wake(mut addr: SocketAddr) {
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            [127, 0, 0, 1].into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
}
