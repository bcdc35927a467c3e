//! The web front end (`docs/PROTOCOL.md` Part 6): the chat's page over HTTP, and the chat
//! itself over a WebSocket at `/ws`, whose text frames carry exactly the JSON packets of
//! Part 4, served by the JSON front end's own session.
//!
//! One thread per connection, as everywhere: it reads one request head ([`http`]), then
//! either answers it and closes, or (for `/ws`, once [`origin`] allows it) completes the
//! WebSocket handshake with `tungstenite` and serves the chat over it ([`ws`]). The page's
//! files are built in ([`page`]).
//!
//! # Layout
//! - [`http`]: request heads (httparse), routes, responses and their headers; no IO.
//! - [`origin`]: which pages may open the WebSocket.
//! - [`ws`]: the upgraded connection as a transport of JSON packets, and our frames.
//! - [`page`]: `index.html`, `style.css` and the scripts, embedded.

mod http;
pub mod origin;
mod page;
mod ws;

use super::json::session::{self, limits};
use super::listener::Protocol;
use super::Shared;
use crate::net::conn::is_timeout;
use crate::net::outbox::Outbox;
use http::{HttpError, Request, Route};
use log::{info, warn};
use std::io::{self, Read};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tungstenite::handshake::server::{create_response, write_response};

/// The web front end, for the accept loop.
pub(crate) static PROTOCOL: Protocol = Protocol {
    name: "web",
    refusal: || HttpError::Full.response(),
    serve: run,
};

/// Serves one accepted connection: one request, or the chat's WebSocket.
fn run(shared: &Arc<Shared>, stream: Arc<TcpStream>, peer: SocketAddr, id: u64) {
    let cfg = &shared.config;
    let outbox = Outbox::new(stream.clone(), cfg.max_queued, shared.flusher.clone());
    let deadline = Instant::now() + cfg.idle_timeout;
    let outcome = read_head(&stream, deadline, cfg.idle_timeout).and_then(|(req, early)| {
        match http::route(&req) {
            Ok(route) => Ok((req, route, early)),
            Err(e) => Err(Some(e)),
        }
    });
    match outcome {
        Ok((req, Route::WebSocket, early)) => match handshake(shared, &req) {
            Ok(accept) => {
                if outbox.push_bytes(accept).is_ok() {
                    chat(shared, stream, outbox, peer, early);
                }
            }
            Err(e) => refuse(&outbox, peer, &req, &e),
        },
        Ok((req, route, _)) => {
            info!("{peer}: {} {}", req.method, req.target);
            let _ = outbox.push_bytes(http::answer(&route));
            outbox.close_gracefully();
        }
        Err(None) => outbox.close(),
        Err(Some(e)) => {
            info!("{peer}: {e}");
            let _ = outbox.push_bytes(e.response());
            outbox.close_gracefully();
        }
    }
    shared.closed(id);
}

/// Answers a refused upgrade with its error.
fn refuse(outbox: &Arc<Outbox>, peer: SocketAddr, req: &Request, e: &HttpError) {
    warn!("{peer}: {} {}: {e}", req.method, req.target);
    let _ = outbox.push_bytes(e.response());
    outbox.close_gracefully();
}

/// Reads one request head; the bytes read past it come back too. `Err(None)`: the peer
/// closed (or broke) before a request, with no answer due.
fn read_head(
    stream: &TcpStream,
    deadline: Instant,
    timeout: Duration,
) -> Result<(Request, Vec<u8>), Option<HttpError>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some((req, used)) = http::parse(&buf)? {
            return Ok((req, buf.split_off(used)));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(Some(HttpError::TimedOut(timeout)));
        }
        match (&*stream).read(&mut chunk) {
            Ok(0) => return Err(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Some(HttpError::TimedOut(timeout))),
            Err(_) => return Err(None),
        }
    }
}

/// Checks the Origin and returns the bytes of tungstenite's `101` answer to the handshake.
fn handshake(shared: &Shared, req: &Request) -> Result<Vec<u8>, HttpError> {
    shared
        .config
        .web_origins
        .check(req.header("Origin"), req.header("Host"))
        .map_err(HttpError::Forbidden)?;
    let mut builder = tungstenite::http::Request::builder()
        .method(req.method.as_str())
        .uri(req.target.as_str());
    for (name, value) in &req.headers {
        builder = builder.header(name.as_str(), value.as_slice());
    }
    let bad = |e: &dyn std::fmt::Display| HttpError::BadHandshake(e.to_string());
    let request = builder.body(()).map_err(|e| bad(&e))?;
    let response = create_response(&request).map_err(|e| bad(&e))?;
    let mut out = Vec::new();
    write_response(&mut out, &response).map_err(|e| bad(&e))?;
    Ok(out)
}

/// Serves the chat over an upgraded connection until it closes.
fn chat(
    shared: &Arc<Shared>,
    stream: Arc<TcpStream>,
    outbox: Arc<Outbox>,
    peer: SocketAddr,
    early: Vec<u8>,
) {
    let cfg = &shared.config;
    // Woken often enough to ping on time.
    let tick = session::tick(shared).min(cfg.ping_interval / 4);
    let _ = stream.set_read_timeout(Some(tick.max(Duration::from_millis(10))));
    let limits = ws::Limits {
        max_message: limits(cfg.limits.max_body).max(),
        max_frames: cfg.web_max_frames,
        ping_interval: cfg.ping_interval,
    };
    info!("{peer} connected (web)");
    let transport = ws::Ws::new(stream, outbox.clone(), early, limits);
    session::serve(shared, transport, outbox, peer);
}
