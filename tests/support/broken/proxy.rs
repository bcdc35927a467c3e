//! The fault-injecting proxy: it listens on `127.0.0.1:0`, opens a connection to the real
//! server for each client, and pumps bytes both ways on two threads, letting its one
//! [`Defect`] act on them.
//!
//! Closes are mirrored half by half: when the client stops sending, so does the proxy's
//! socket to the server, and when the server closes, the client reads the end after every
//! byte the server wrote. Dropping the [`Proxy`] closes every socket, which ends every thread.

use super::defect::{Defect, Place, SLOW_CLOSE};
use super::state::{Link, Shared};
use super::{downstream, raw, upstream};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How long connecting to the real server may take.
const CONNECT_PATIENCE: Duration = Duration::from_secs(5);

/// A running proxy; it stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy in front of the server at `server`, with `defect`.
    pub fn start(server: SocketAddr, defect: Defect) -> io::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(defect));
        let accept = {
            let shared = shared.clone();
            thread::Builder::new()
                .name("proxy-accept".into())
                .spawn(move || accept_loop(&listener, server, &shared))?
        };
        Ok(Proxy {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees the flag; if that cannot be done, the
        // thread is left behind rather than waited for.
        let woken = TcpStream::connect_timeout(&self.addr, CONNECT_PATIENCE).is_ok();
        if let (true, Some(accept)) = (woken, self.accept.take()) {
            let _ = accept.join();
        }
        self.shared.close_all();
    }
}

fn accept_loop(listener: &TcpListener, server: SocketAddr, shared: &Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(client) = incoming else { continue };
        if let Err(e) = open(client, server, shared) {
            eprintln!("proxy: cannot proxy a connection: {e}");
        }
    }
}

/// Connects to the server for `client` and starts both pumps.
fn open(client: TcpStream, server: SocketAddr, shared: &Arc<Shared>) -> io::Result<()> {
    let upstream = TcpStream::connect_timeout(&server, CONNECT_PATIENCE)?;
    client.set_nodelay(true)?;
    upstream.set_nodelay(true)?;
    let link = shared.adopt(client.try_clone()?, upstream.try_clone()?);
    let up = {
        let (link, shared) = (link.clone(), shared.clone());
        move || pump_up(&link, client, &shared)
    };
    let down = {
        let shared = shared.clone();
        move || pump_down(&link, upstream, &shared)
    };
    thread::Builder::new().name("proxy-up".into()).spawn(up)?;
    thread::Builder::new()
        .name("proxy-down".into())
        .spawn(down)?;
    Ok(())
}

/// Client to server, until the client closes.
fn pump_up(link: &Arc<Link>, mut client: TcpStream, shared: &Arc<Shared>) {
    let defect = shared.defect;
    let mut edges = raw::Edges::default();
    let mut framer = upstream::Framer::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match client.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let bytes = &chunk[..n];
        match defect.place() {
            Place::Nowhere | Place::Settings => link.to_server(bytes),
            Place::RawBytes => link.to_server(&edges.apply(defect, bytes)),
            Place::Reads => upstream::one_read(link, bytes),
            Place::Messages => framer.feed(link, shared, bytes),
        }
    }
    // A slow server holds the name until the close reaches it.
    let closing = (defect == Defect::SlowClose).then(|| shared.begin_close(link));
    shared.ended(link);
    if closing.is_some() {
        thread::sleep(SLOW_CLOSE);
    }
    link.end_server();
    if let Some(name) = closing.flatten() {
        shared.end_close(&name);
    }
}

/// Server to client, until the server closes.
fn pump_down(link: &Arc<Link>, mut server: TcpStream, shared: &Arc<Shared>) {
    let defect = shared.defect;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match server.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let bytes = &chunk[..n];
        match defect.place() {
            Place::Messages => downstream::feed(link, shared, &mut buf, bytes),
            _ => link.to_client(bytes),
        }
    }
    if !buf.is_empty() {
        link.to_client(&buf);
    }
    shared.ended(link);
    if defect != Defect::KeepsClosedOpen {
        link.end_client();
    }
}
