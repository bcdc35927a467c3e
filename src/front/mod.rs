//! The front ends: each turns one wire into the verbs of the chat ([`crate::core::Chat`]) and
//! the chat's messages and events back into that wire's bytes.
//!
//! # Layout
//! - [`two_socket`]: the two-socket protocol (`docs/PROTOCOL.md` Parts 1-3).
//! - [`json`]: the JSON protocol of seed 003 (`docs/PROTOCOL.md` Part 4).
//! - [`web`]: the web page over HTTP and the chat over a WebSocket (`docs/PROTOCOL.md`
//!   Part 6), with the JSON front end's session behind it.
//! - [`console`]: the operator's commands.
//! - [`listener`]: the accept loop the TCP front ends share, with the connection cap and
//!   TLS ([`crate::net::tls`]) on the listeners that serve it; [`workers`] its ready threads.
//! - this file: [`Server`], which puts one chat behind every listener, and its [`Config`].
//!
//! [`Server::bind`] opens the listeners; [`Server::spawn`] runs them on threads of their own
//! and returns a [`ServerHandle`] that can stop them. Every accepted socket is tracked so
//! shutdown can wake its thread (a `shutdown(2)` ends any blocked read).

pub mod console;
pub mod json;
mod listener;
pub mod two_socket;
pub mod web;
mod workers;

use crate::core::{self, Chat, Store};
use crate::net::listen;
use crate::net::outbox::Flusher;
use crate::net::tls::ServerTls;
use crate::wire::Limits;
use listener::{Acceptor, TlsMode, Tracker};
use log::error;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub use two_socket::SuccessReply;

/// Everything a server can be told.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the two-socket protocol listens.
    pub bind: SocketAddr,
    /// Where the JSON protocol listens; `None`: nowhere.
    pub json: Option<SocketAddr>,
    /// Where the web page and its WebSocket listen; `None`: nowhere.
    pub web: Option<SocketAddr>,
    /// The origins besides the page's own whose pages may open the WebSocket.
    pub web_origins: web::origin::Origins,
    /// Frames of any kind a WebSocket may send in a second; 0 turns the limit off.
    pub web_max_frames: u32,
    pub ack_timeout: Duration,
    pub limits: Limits,
    /// Sockets open at once, every protocol together.
    pub max_connections: usize,
    pub success_reply: SuccessReply,
    /// How long a socket may stay without a complete registration (or hello).
    pub idle_timeout: Duration,
    /// How long a message may take to arrive once its first byte has.
    pub message_timeout: Duration,
    /// Unacknowledged forwards one user may have outstanding.
    pub max_pending: usize,
    /// Bytes that may wait for a socket whose reader is slow.
    pub max_queued: usize,
    /// Sends per second per user, bursts of twice that; 0 turns the limit off.
    pub rate_limit: u32,
    /// Quiet time after which a `ping` user is pinged; twice it, the user is dropped.
    pub ping_interval: Duration,
    /// Threads serving registered TORECV sockets; 0: half the cores (at least one).
    pub hubs: usize,
    /// TLS listeners, when the server has a certificate.
    pub tls: Option<TlsConfig>,
    /// The limits rooms live under.
    pub rooms: core::RoomLimits,
}

/// Where the protocols also listen with TLS, and the certificate they show.
#[derive(Clone, Debug)]
pub struct TlsConfig {
    pub cert: Arc<ServerTls>,
    /// Where the two-socket protocol listens with TLS.
    pub bind: SocketAddr,
    /// Where the JSON protocol listens with TLS; `None`: nowhere.
    pub json: Option<SocketAddr>,
}

/// The listeners a server may have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Port {
    TwoSocket,
    Json,
    TwoSocketTls,
    JsonTls,
    /// The page and its WebSocket: http and ws, and https and wss on the same port when the
    /// server has a certificate.
    Web,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([0, 0, 0, 0], 4334)),
            json: None,
            web: None,
            web_origins: web::origin::Origins::default(),
            web_max_frames: 1000,
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
            tls: None,
            rooms: core::RoomLimits::default(),
        }
    }
}

impl Config {
    /// What the chat itself is told.
    fn core(&self) -> core::Config {
        core::Config {
            ack_timeout: self.ack_timeout,
            max_pending: self.max_pending,
            rate_limit: self.rate_limit,
            rooms: self.rooms,
        }
    }
}

/// Every room, as both protocols list them (Part 8): the lobby first, then by name.
pub(crate) fn room_list(chat: &Chat) -> Vec<crate::wire::RoomInfo> {
    chat.rooms()
        .into_iter()
        .map(|r| crate::wire::RoomInfo {
            room: r.name,
            members: r.members as u64,
            topic: Some(r.topic).filter(|t| !t.is_empty()),
        })
        .collect()
}

/// State shared by the listeners and every connection thread.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) chat: Chat,
    pub(crate) flusher: Arc<Flusher>,
    tracker: Tracker,
    workers: Arc<workers::Workers>,
    pub(crate) two_socket: two_socket::Hubs,
    pub(crate) stopping: AtomicBool,
}

impl Shared {
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    /// Forgets a socket that has closed.
    pub(crate) fn closed(&self, id: u64) {
        self.tracker.remove(id);
    }
}

/// A bound, not yet running server.
pub struct Server {
    shared: Arc<Shared>,
    acceptors: Vec<(Port, Acceptor)>,
    hubs: two_socket::HubThreads,
}

impl Server {
    /// Binds a server whose chat forgets everything (no accounts, mailboxes or history).
    pub fn bind(config: Config) -> io::Result<Server> {
        Server::bind_with(config, None)
    }

    /// Binds a server whose chat remembers in `store`, when there is one.
    pub fn bind_with(config: Config, store: Option<Arc<dyn Store>>) -> io::Result<Server> {
        let mut wanted = vec![(Port::TwoSocket, config.bind, TlsMode::Plain)];
        wanted.extend(config.json.map(|at| (Port::Json, at, TlsMode::Plain)));
        // The web port serves http:// and https:// (sniffed) when there is a certificate.
        let web_mode = match &config.tls {
            Some(tls) => TlsMode::Sniff(tls.cert.clone()),
            None => TlsMode::Plain,
        };
        wanted.extend(config.web.map(|at| (Port::Web, at, web_mode)));
        if let Some(tls) = &config.tls {
            let mode = TlsMode::Tls(tls.cert.clone());
            wanted.push((Port::TwoSocketTls, tls.bind, mode.clone()));
            wanted.extend(tls.json.map(|at| (Port::JsonTls, at, mode)));
        }
        let mut acceptors = Vec::new();
        for (port, at, mode) in wanted {
            let protocol = match port {
                Port::TwoSocket | Port::TwoSocketTls => &two_socket::PROTOCOL,
                Port::Json | Port::JsonTls => &json::PROTOCOL,
                Port::Web => &web::PROTOCOL,
            };
            // The error names the address, so an operator knows which port is taken.
            let listener =
                listen::bind(at).map_err(|e| io::Error::new(e.kind(), format!("{at}: {e}")))?;
            acceptors.push((port, Acceptor::new(listener, protocol, mode)?));
        }
        let (two_socket, hubs) = two_socket::Hubs::new(config.hubs)?;
        let chat = match store {
            Some(store) => Chat::with_store(config.core(), store)?,
            None => Chat::new(config.core()),
        };
        let shared = Arc::new(Shared {
            chat,
            flusher: Flusher::start()?,
            tracker: Tracker::default(),
            workers: Arc::default(),
            two_socket,
            stopping: AtomicBool::new(false),
            config,
        });
        Ok(Server {
            shared,
            acceptors,
            hubs,
        })
    }

    /// Where the two-socket protocol listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.acceptors[0].1.addr()
    }

    /// Where the JSON protocol listens, if it does.
    pub fn json_addr(&self) -> Option<SocketAddr> {
        self.addr(Port::Json)
    }

    /// Where the web page and its WebSocket listen, if they do.
    pub fn web_addr(&self) -> Option<SocketAddr> {
        self.addr(Port::Web)
    }

    /// Where `port` listens, if it does.
    pub fn addr(&self, port: Port) -> Option<SocketAddr> {
        self.acceptors
            .iter()
            .find(|(p, _)| *p == port)
            .map(|(_, a)| a.addr())
    }

    pub fn chat(&self) -> Chat {
        self.shared.chat.clone()
    }

    /// Runs the listeners on threads of their own.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let addrs: Vec<_> = self.acceptors.iter().map(|(p, a)| (*p, a.addr())).collect();
        self.hubs.start(&self.shared)?;
        let mut threads = Vec::new();
        for (_, acceptor) in self.acceptors {
            let shared = self.shared.clone();
            let name = format!("accept-{}", acceptor.protocol_name());
            threads.push(
                thread::Builder::new()
                    .name(name)
                    .spawn(move || acceptor.run(&shared))?,
            );
        }
        Ok(ServerHandle {
            addrs,
            shared: self.shared,
            threads,
        })
    }
}

/// A running server.
pub struct ServerHandle {
    /// Each listener's, the two-socket one's first.
    addrs: Vec<(Port, SocketAddr)>,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// Where the two-socket protocol listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.addrs[0].1
    }

    /// Where the JSON protocol listens, if it does.
    pub fn json_addr(&self) -> Option<SocketAddr> {
        self.addr(Port::Json)
    }

    /// Where the web page and its WebSocket listen, if they do.
    pub fn web_addr(&self) -> Option<SocketAddr> {
        self.addr(Port::Web)
    }

    /// Where `port` listens, if it does.
    pub fn addr(&self, port: Port) -> Option<SocketAddr> {
        self.addrs.iter().find(|(p, _)| *p == port).map(|(_, a)| *a)
    }

    pub fn chat(&self) -> Chat {
        self.shared.chat.clone()
    }

    /// Sockets open now.
    pub fn connections(&self) -> usize {
        self.shared.tracker.len()
    }

    /// Stops accepting, closes every socket, and waits (at most `grace`) for the
    /// connection threads to finish.
    pub fn shutdown(mut self, grace: Duration) {
        self.stop();
        let deadline = Instant::now() + grace;
        while self.connections() > 0 && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn stop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake each accept loop with a connection of our own.
        for (_, addr) in &self.addrs {
            listener::wake(*addr);
        }
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                error!("an accept loop panicked");
            }
        }
        self.shared.tracker.shutdown_all();
        self.shared.workers.stop();
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop();
        }
    }
}

/// TCP keepalive notices a peer that vanished without a word, for clients without `ping`.
pub(crate) fn keepalive(stream: &TcpStream) {
    use rustix::net::sockopt;
    let _ = sockopt::set_socket_keepalive(stream, true);
    let _ = sockopt::set_tcp_keepidle(stream, Duration::from_secs(60));
    let _ = sockopt::set_tcp_keepintvl(stream, Duration::from_secs(10));
    let _ = sockopt::set_tcp_keepcnt(stream, 3);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::net::sockopt;
    use std::net::TcpListener;

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
