//! TLS (rustls, on the ring provider) for sockets the rest of the code reads and writes as
//! plain `TcpStream`s.
//!
//! The server and the client share each socket between a reader thread and a non-blocking
//! outbox, which a rustls stream cannot be. So a TLS connection is terminated by a relay
//! ([`relay`]): an in-process loopback TCP pair (a private `127.0.0.1:0` listener, connected
//! and accepted, then dropped) whose one end is handed to the plain code exactly like an
//! accepted (or connected) socket, while a relay thread moves bytes between the TLS
//! connection on the real socket and the pair's other end. Closing either side closes the
//! other, so a `shutdown` of the plain end (the server's shutdown path) ends the relay.
//!
//! The cost, per TLS connection: two more file descriptors (the pair), a relay thread, the
//! buffers (at most 64 KiB of decrypted bytes waiting for the plain side, one 16 KiB record
//! the other way), and two copies through the loopback of every byte. The loopback pair's
//! ports are ephemeral ones, as for any outgoing connection.
//!
//! - [`ServerTls`] ([`certs`]): a server's certificate and key, from PEM files or self-signed.
//! - [`ClientTls`] ([`verify`]): which servers a client trusts.
//! - [`Fingerprint`]: a certificate's SHA-256, as shown and as typed.
//! - [`wrap_server`], [`wrap_client`]: a TLS socket in, its plain end out.

mod certs;
mod fingerprint;
mod relay;
#[cfg(test)]
mod tests;
mod verify;

pub use certs::{self_signed_names, CertError, ServerTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY};
pub use fingerprint::{Fingerprint, FingerprintError};
pub use verify::ClientTls;

use crate::net::conn::is_timeout;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use std::io;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thiserror::Error;

/// The first byte of a TLS record carrying a handshake message (a ClientHello, first).
pub const HANDSHAKE_RECORD: u8 = 0x16;

/// The one crypto provider: ring.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Why a client's TLS handshake failed.
#[derive(Debug, Error)]
pub enum HandshakeError {
    #[error(
        "the server's certificate is not trusted ({reason}). Its SHA-256 fingerprint is \
         {fingerprint}; if you trust it (check with the server's operator), connect with \
         --fingerprint {fingerprint}"
    )]
    Untrusted {
        reason: String,
        fingerprint: Fingerprint,
    },
    #[error(
        "the server's certificate is not the one given with --fingerprint: its SHA-256 \
         fingerprint is {seen}, not {wanted} (if the server's certificate was changed on \
         purpose, connect with --fingerprint {seen})"
    )]
    WrongFingerprint {
        seen: Fingerprint,
        wanted: Fingerprint,
    },
    #[error("the TLS handshake failed: {0}")]
    Tls(rustls::Error),
    #[error("`{0}` is not a name or address a TLS certificate can be checked against")]
    BadName(String),
    #[error("no TLS handshake within {} s (is this a TLS port?)", .0.as_secs_f64())]
    Timeout(Duration),
    #[error("the connection closed during the TLS handshake (is this a TLS port?)")]
    Closed,
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Serves TLS on `outer` (a socket just accepted) and returns the plain end that carries
/// what the client says and takes what it is told. The handshake runs on the relay's thread
/// and must be done within `handshake_timeout`, else the connection is closed (the plain end
/// then reads the end of the stream).
pub fn wrap_server(
    outer: TcpStream,
    tls: &ServerTls,
    handshake_timeout: Duration,
) -> io::Result<TcpStream> {
    let conn = rustls::ServerConnection::new(tls.config.clone()).map_err(io::Error::other)?;
    let name = outer.peer_addr().map(|a| a.to_string()).unwrap_or_default();
    let (near, far) = pair()?;
    let deadline = Instant::now() + handshake_timeout;
    relay::spawn(conn.into(), outer, near, Some(deadline), name)?;
    Ok(far)
}

/// Speaks TLS to a server on `outer` (a socket just connected), checking its certificate
/// as `tls` says against `server_name`, and returns the plain end once the handshake is done
/// (within `timeout`), so an untrusted server is an error here, naming its fingerprint.
pub fn wrap_client(
    mut outer: TcpStream,
    tls: &ClientTls,
    server_name: &str,
    timeout: Duration,
) -> Result<TcpStream, HandshakeError> {
    let name = ServerName::try_from(server_name.to_string())
        .map_err(|_| HandshakeError::BadName(server_name.to_string()))?;
    let (config, checker) = tls.config().map_err(HandshakeError::Tls)?;
    let mut conn = rustls::ClientConnection::new(config, name).map_err(HandshakeError::Tls)?;
    outer.set_read_timeout(Some(timeout))?;
    outer.set_write_timeout(Some(timeout))?;
    let deadline = Instant::now() + timeout;
    while conn.is_handshaking() {
        let failed = match conn.complete_io(&mut outer) {
            Ok((0, 0)) => Some(HandshakeError::Closed),
            Ok(_) => None,
            Err(e) => Some(handshake_failure(e, tls, checker.seen(), timeout)),
        };
        if let Some(e) = failed {
            return Err(e);
        }
        if Instant::now() >= deadline {
            return Err(HandshakeError::Timeout(timeout));
        }
    }
    outer.set_read_timeout(None)?;
    outer.set_write_timeout(None)?;
    let _ = outer.set_nodelay(true);
    let label = format!("to-{server_name}");
    let (near, far) = pair()?;
    relay::spawn(conn.into(), outer, near, None, label)?;
    Ok(far)
}

/// What a failed client handshake means, in words.
fn handshake_failure(
    e: io::Error,
    tls: &ClientTls,
    seen: Option<Fingerprint>,
    timeout: Duration,
) -> HandshakeError {
    let tls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .cloned();
    match (tls_error, seen) {
        (Some(rustls::Error::InvalidCertificate(why)), Some(fingerprint)) => match tls.pin() {
            Some(wanted) => HandshakeError::WrongFingerprint {
                seen: fingerprint,
                wanted,
            },
            None => HandshakeError::Untrusted {
                reason: rustls::Error::InvalidCertificate(why).to_string(),
                fingerprint,
            },
        },
        (Some(other), _) => HandshakeError::Tls(other),
        (None, _) if is_timeout(&e) => HandshakeError::Timeout(timeout),
        (None, _) if e.kind() == io::ErrorKind::UnexpectedEof => HandshakeError::Closed,
        (None, _) => HandshakeError::Io(e),
    }
}

/// A connected loopback TCP pair: (the relay's end, the plain end).
fn pair() -> io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let near = TcpStream::connect(listener.local_addr()?)?;
    let ours = near.local_addr()?;
    loop {
        let (far, from) = listener.accept()?;
        // Anyone else who connected meanwhile is turned away.
        if from == ours {
            let _ = near.set_nodelay(true);
            let _ = far.set_nodelay(true);
            return Ok((near, far));
        }
    }
}
