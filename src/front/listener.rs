//! The accept loop both TCP front ends share: one thread per listener, a thread per accepted
//! socket (a ready one, [`super::workers`]), and the cap on sockets open at once (both protocols together). Past the cap, or
//! out of file descriptors, a new socket is told so in its protocol's words and closed at
//! once.
//!
//! A listener may serve TLS ([`TlsMode`]): every connection, or those that open with a TLS
//! handshake record (sniffed from the first byte). A TLS connection is handed to its
//! protocol as the plain end of a [`crate::net::tls`] relay, with the real peer's address;
//! from then on the Tracker holds that plain end, so shutdown still wakes everything.

use super::{keepalive, Shared};
use crate::net::tls::{self, ServerTls};
use log::{debug, error, info, warn};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

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

    /// Tracks `stream` instead of what `id` was (a TLS connection's plain end, for its socket).
    fn replace(&self, id: u64, stream: Arc<TcpStream>) {
        if let Some(tracked) = self.open.lock().get_mut(&id) {
            *tracked = stream;
        }
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

/// Whether a listener's connections speak TLS.
#[derive(Clone, Debug)]
pub(crate) enum TlsMode {
    /// None does.
    Plain,
    /// Every one does.
    Tls(Arc<ServerTls>),
    /// Those whose first byte opens a TLS handshake record do; the others are plain (one
    /// port for `http://` and `https://`: the web port's mode).
    #[cfg_attr(not(test), allow(dead_code))]
    Sniff(Arc<ServerTls>),
}

/// One listener and the protocol it serves.
pub(super) struct Acceptor {
    listener: TcpListener,
    addr: SocketAddr,
    protocol: &'static Protocol,
    pub(super) tls: TlsMode,
}

impl Acceptor {
    pub(super) fn new(
        listener: TcpListener,
        protocol: &'static Protocol,
        tls: TlsMode,
    ) -> io::Result<Acceptor> {
        Ok(Acceptor {
            addr: listener.local_addr()?,
            listener,
            protocol,
            tls,
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
            self.refuse_in_kind(shared, &stream);
            return;
        };
        let worker = {
            let (shared, serve, mode) = (shared.clone(), self.protocol.serve, self.tls.clone());
            let stream = stream.clone();
            move || match secure(&shared, &mode, stream, peer, id) {
                Some(stream) => serve(&shared, stream, peer, id),
                None => shared.closed(id),
            }
        };
        if let Err(e) = shared.workers.run(Box::new(worker)) {
            error!("{peer}: cannot start a thread: {e}");
            shared.tracker.remove(id);
            self.refuse(&stream);
        }
    }

    /// [`Acceptor::refuse`], through TLS on a TLS port (the relay says it once the
    /// handshake is done; its thread lives at most until the handshake's deadline).
    fn refuse_in_kind(&self, shared: &Shared, stream: &TcpStream) {
        let TlsMode::Tls(tls) = &self.tls else {
            return self.refuse(stream);
        };
        let wrapped = stream
            .try_clone()
            .and_then(|outer| tls::wrap_server(outer, tls, shared.config.idle_timeout));
        match wrapped {
            Ok(inner) => self.refuse(&inner),
            Err(_) => {
                let _ = stream.shutdown(Shutdown::Both);
            }
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

/// The stream a connection's protocol is served on: `stream` itself, or for TLS the plain end
/// of its relay (then tracked instead of it); `None` when the connection is already over.
/// Runs on the connection's thread: sniffing may wait for the first byte.
fn secure(
    shared: &Shared,
    mode: &TlsMode,
    stream: Arc<TcpStream>,
    peer: SocketAddr,
    id: u64,
) -> Option<Arc<TcpStream>> {
    let timeout = shared.config.idle_timeout;
    let tls = match mode {
        TlsMode::Plain => return Some(stream),
        TlsMode::Tls(tls) => tls,
        TlsMode::Sniff(tls) => match opens_tls(&stream, timeout) {
            Ok(true) => tls,
            Ok(false) => return Some(stream),
            Err(e) => {
                debug!("{peer}: closed before its first byte: {e}");
                let _ = stream.shutdown(Shutdown::Both);
                return None;
            }
        },
    };
    let wrapped = stream
        .try_clone()
        .and_then(|outer| tls::wrap_server(outer, tls, timeout));
    let inner = match wrapped {
        Ok(inner) => Arc::new(inner),
        Err(e) => {
            warn!("{peer}: cannot serve TLS: {e}");
            let _ = stream.shutdown(Shutdown::Both);
            return None;
        }
    };
    shared.tracker.replace(id, inner.clone());
    if shared.stopping() {
        // Shutdown may have passed over the socket just before it was replaced.
        let _ = inner.shutdown(Shutdown::Both);
    }
    Some(inner)
}

/// True when the first byte `stream` sends (within `timeout`) opens a TLS handshake record.
fn opens_tls(stream: &TcpStream, timeout: Duration) -> io::Result<bool> {
    stream.set_read_timeout(Some(timeout))?;
    let mut first = [0u8; 1];
    let n = loop {
        match stream.peek(&mut first) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            done => break done?,
        }
    };
    stream.set_read_timeout(None)?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(first[0] == tls::HANDSHAKE_RECORD)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::front::{Config, Server};
    use crate::net::tls::{self_signed_names, wrap_client, ClientTls};
    use std::io::{Read, Write};

    fn exchange(mut stream: &TcpStream, name: &str) -> String {
        stream
            .write_all(format!("REGISTER TOSEND {name}\n\n").as_bytes())
            .unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let want = format!("REGISTERED TOSEND {name}\n\n").len();
        let mut got = vec![0u8; want];
        stream.read_exact(&mut got).unwrap();
        String::from_utf8(got).unwrap()
    }

    #[test]
    fn a_sniffing_port_serves_plain_and_tls_clients_alike() {
        let names = self_signed_names("127.0.0.1".parse().unwrap());
        let tls = Arc::new(ServerTls::self_signed(&names, None).unwrap());
        let config = Config {
            bind: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        let mut server = Server::bind(config).unwrap();
        server.acceptors[0].1.tls = TlsMode::Sniff(tls.clone());
        let server = server.spawn().unwrap();
        let addr = server.local_addr();

        let plain = TcpStream::connect(addr).unwrap();
        assert_eq!(exchange(&plain, "alice"), "REGISTERED TOSEND alice\n\n");
        let trust = ClientTls::pinned(tls.fingerprint());
        let outer = TcpStream::connect(addr).unwrap();
        let secure = wrap_client(outer, &trust, "localhost", Duration::from_secs(10)).unwrap();
        assert_eq!(exchange(&secure, "bob"), "REGISTERED TOSEND bob\n\n");
        assert_eq!(server.connections(), 2);

        // Shutdown wakes both, the TLS one through its relay.
        server.shutdown(Duration::from_secs(10));
        for mut stream in [&plain, &secure] {
            let mut rest = Vec::new();
            assert_eq!(stream.read_to_end(&mut rest).unwrap(), 0);
        }
    }

    #[test]
    fn sniffing_reads_the_first_byte_without_taking_it() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        for (first, tls) in [(&b"\x16\x03\x01"[..], true), (&b"REGISTER"[..], false)] {
            let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (accepted, _) = listener.accept().unwrap();
            client.write_all(first).unwrap();
            assert_eq!(opens_tls(&accepted, Duration::from_secs(10)).unwrap(), tls);
            let mut got = vec![0u8; first.len()];
            (&accepted).read_exact(&mut got).unwrap();
            assert_eq!(got, first);
        }
        // Silence until the timeout is an error (the connection is closed), not a guess.
        let _client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert!(opens_tls(&accepted, Duration::from_millis(50)).is_err());
    }
}
