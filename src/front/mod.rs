//! The two-socket TCP front end: the listener, one thread per connection, and shutdown.
//!
//! [`Server::bind`] opens the listener; [`Server::spawn`] runs the accept loop on its own
//! thread and returns a [`ServerHandle`] that can stop it. Every accepted socket is tracked so
//! shutdown can wake its thread (a `shutdown(2)` ends any blocked read); past
//! `max_connections` a new socket gets `ERROR 107 Server full` and is closed at once.

mod commands;
mod hub;
mod link;
mod session;

use crate::net::outbox::Flusher;
use crate::registry::Registry;
use crate::wire::{ErrorCode, Limits, Message};
use log::{error, info, warn};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// Stack of a connection thread: enough for the handlers, small enough for 20,000 of them.
const CONN_STACK: usize = 128 * 1024;

/// Which success reply old clients expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuccessReply {
    /// `SENT <recipient>` (the default).
    Sent,
    /// `SEND <recipient>`, as one table of the original text prints it.
    Send,
}

/// Everything a server can be told.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub ack_timeout: Duration,
    pub limits: Limits,
    pub max_connections: usize,
    pub success_reply: SuccessReply,
    /// How long a socket may stay without a complete registration.
    pub idle_timeout: Duration,
    /// How long a message may take to arrive once its first byte has.
    pub message_timeout: Duration,
    /// Unacknowledged forwards one user may have outstanding.
    pub max_pending: usize,
    /// Bytes that may wait for a socket whose reader is slow.
    pub max_queued: usize,
    /// `SEND`s per second per user, bursts of twice that; 0 turns the limit off.
    pub rate_limit: u32,
    /// Quiet time after which a `ping` user is pinged; twice it, the user is dropped.
    pub ping_interval: Duration,
    /// Threads serving registered TORECV sockets; 0: half the cores (at least one).
    pub hubs: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([0, 0, 0, 0], 4334)),
            ack_timeout: Duration::from_secs(10),
            limits: Limits::default(),
            max_connections: 1000,
            success_reply: SuccessReply::Sent,
            idle_timeout: Duration::from_secs(30),
            message_timeout: Duration::from_secs(30),
            max_pending: 256,
            max_queued: 8 << 20,
            rate_limit: 200,
            ping_interval: Duration::from_secs(30),
            hubs: 0,
        }
    }
}

/// Sockets alive now, so shutdown can wake them and the connection cap can be enforced.
#[derive(Default)]
struct Tracker {
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

    fn remove(&self, id: u64) {
        self.open.lock().remove(&id);
    }

    fn shutdown_all(&self) {
        let all: Vec<_> = self.open.lock().values().cloned().collect();
        for s in all {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// State shared by the accept loop and every connection thread.
struct Shared {
    config: Config,
    registry: Registry,
    flusher: Arc<Flusher>,
    tracker: Tracker,
    /// Receiving-socket hubs; sockets are spread over them by connection id.
    hubs: Vec<hub::Hub>,
    stopping: AtomicBool,
}

impl Shared {
    /// The hub that serves the receiving socket with connection id `id`.
    fn hub_for(&self, id: u64) -> &hub::Hub {
        &self.hubs[id as usize % self.hubs.len()]
    }
}

/// A bound, not yet running server.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    adopted: Vec<std::sync::mpsc::Receiver<hub::Entry>>,
}

impl Server {
    pub fn bind(config: Config) -> io::Result<Server> {
        let listener = TcpListener::bind(config.bind)?;
        let addr = listener.local_addr()?;
        let hubs = match config.hubs {
            0 => thread::available_parallelism().map_or(1, |n| n.get() / 2),
            n => n,
        };
        let (hubs, adopted): (Vec<_>, Vec<_>) = (0..hubs.clamp(1, 64))
            .map(|_| hub::Hub::new())
            .collect::<io::Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let shared = Arc::new(Shared {
            hubs,
            registry: Registry::new(config.max_pending),
            flusher: Flusher::start()?,
            tracker: Tracker::default(),
            stopping: AtomicBool::new(false),
            config,
        });
        Ok(Server {
            listener,
            addr,
            shared,
            adopted,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn registry(&self) -> Registry {
        self.shared.registry.clone()
    }

    /// Runs the accept loop on a thread of its own.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let shared = self.shared.clone();
        let addr = self.addr;
        let thread = thread::Builder::new()
            .name("accept".into())
            .spawn(move || self.run())?;
        Ok(ServerHandle {
            addr,
            shared,
            thread: Some(thread),
        })
    }

    /// Runs the accept loop on this thread until shutdown.
    pub fn run(self) {
        let Server {
            listener,
            addr,
            shared,
            adopted,
        } = self;
        for (index, adopted) in adopted.into_iter().enumerate() {
            let shared = shared.clone();
            let hub = thread::Builder::new()
                .name(format!("hub-{index}"))
                .spawn(move || hub::run(&shared, index, adopted));
            if let Err(e) = hub {
                error!("cannot start a receiving hub: {e}");
                return;
            }
        }
        Acceptor {
            listener,
            addr,
            shared,
        }
        .run();
    }
}

/// The accept loop.
struct Acceptor {
    listener: TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Acceptor {
    fn run(self) {
        // A descriptor held back so that, out of files, we can still accept one connection
        // to tell it why and close it, rather than leave it pending and spin on EMFILE.
        let mut reserve = std::fs::File::open("/dev/null").ok();
        for incoming in self.listener.incoming() {
            if self.shared.stopping.load(Ordering::SeqCst) {
                break;
            }
            match incoming {
                Ok(stream) => self.admit(stream),
                Err(e) if is_out_of_files(&e) => {
                    warn!("cannot accept: {e}; refusing new connections");
                    drop(reserve.take());
                    if let Ok((stream, _)) = self.listener.accept() {
                        refuse(&stream);
                    }
                    reserve = std::fs::File::open("/dev/null").ok();
                    if reserve.is_none() {
                        thread::sleep(Duration::from_millis(50));
                    }
                }
                Err(e) => warn!("accept failed: {e}"),
            }
        }
        info!("listener on {} closed", self.addr);
    }

    fn admit(&self, stream: TcpStream) {
        let peer = match stream.peer_addr() {
            Ok(p) => p,
            Err(_) => return,
        };
        let _ = stream.set_nodelay(true);
        keepalive(&stream);
        let stream = Arc::new(stream);
        let shared = &self.shared;
        let Some(id) = shared
            .tracker
            .add(stream.clone(), shared.config.max_connections)
        else {
            warn!(
                "{peer}: refused, {} connections open",
                shared.config.max_connections
            );
            refuse(&stream);
            return;
        };
        let worker = {
            let shared = shared.clone();
            let stream = stream.clone();
            move || match session::run(&shared, stream, peer, id) {
                Some(entry) => shared.hub_for(id).adopt(entry),
                None => shared.tracker.remove(id),
            }
        };
        let spawned = thread::Builder::new()
            .name(format!("conn-{peer}"))
            .stack_size(CONN_STACK)
            .spawn(worker);
        if let Err(e) = spawned {
            error!("{peer}: cannot start a thread: {e}");
            shared.tracker.remove(id);
            refuse(&stream);
        }
    }
}

/// TCP keepalive notices a peer that vanished without a word, for clients without `ping`.
fn keepalive(stream: &TcpStream) {
    use rustix::net::sockopt;
    let _ = sockopt::set_socket_keepalive(stream, true);
    let _ = sockopt::set_tcp_keepidle(stream, Duration::from_secs(60));
    let _ = sockopt::set_tcp_keepintvl(stream, Duration::from_secs(10));
    let _ = sockopt::set_tcp_keepcnt(stream, 3);
}

fn is_out_of_files(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(23) | Some(24)) // ENFILE, EMFILE
}

/// Tells a socket we cannot serve it why, without waiting on it, and closes it.
fn refuse(stream: &TcpStream) {
    use rustix::net::{send, SendFlags};
    // A new socket's buffer is empty: one non-blocking send, never a wait on the accept thread.
    let bytes = Message::error(ErrorCode::ServerFull).to_bytes();
    let _ = send(stream, &bytes, SendFlags::DONTWAIT | SendFlags::NOSIGNAL);
    let _ = stream.shutdown(Shutdown::Both);
}

/// A running server.
pub struct ServerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl ServerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn registry(&self) -> Registry {
        self.shared.registry.clone()
    }

    /// Sockets open now.
    pub fn connections(&self) -> usize {
        self.shared.tracker.open.lock().len()
    }

    /// Stops accepting, closes every socket, and waits (at most `grace`) for the
    /// connection threads to finish.
    pub fn shutdown(mut self, grace: Duration) {
        self.stop();
        let deadline = std::time::Instant::now() + grace;
        while self.connections() > 0 && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn stop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop with a connection of our own.
        let mut wake = self.addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(if wake.is_ipv4() {
                [127, 0, 0, 1].into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.shared.tracker.shutdown_all();
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::net::sockopt;

    #[test]
    fn accepted_sockets_get_the_keepalive_docs_promise() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert!(!sockopt::socket_keepalive(&accepted).unwrap());
        keepalive(&accepted);
        // docs/PROTOCOL.md: idle 60 s, then 3 probes 10 s apart.
        assert!(sockopt::socket_keepalive(&accepted).unwrap());
        assert_eq!(
            sockopt::tcp_keepidle(&accepted).unwrap(),
            Duration::from_secs(60)
        );
        assert_eq!(
            sockopt::tcp_keepintvl(&accepted).unwrap(),
            Duration::from_secs(10)
        );
        assert_eq!(sockopt::tcp_keepcnt(&accepted).unwrap(), 3);
    }
}
