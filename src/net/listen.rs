//! Listening sockets with room for a burst of connections.
//!
//! `std`'s `TcpListener::bind` listens with a backlog of 128. When thousands of clients
//! connect at once (a server restart, a bench), the connections past it are dropped by the
//! kernel and their clients wait out a one-second SYN retransmit, then another: a login
//! storm then takes seconds for no work at all. [`bind`] listens with [`BACKLOG`] (the kernel
//! caps it at `net.core.somaxconn`, 4096 on current Linux).

use rustix::net::{
    bind as bind_fd, listen, socket_with, sockopt, AddressFamily, SocketFlags, SocketType,
};
use std::io;
use std::net::{SocketAddr, TcpListener};

/// Connections the kernel may hold for us before we accept them.
pub const BACKLOG: i32 = 4096;

/// Binds a listening TCP socket on `addr` (port 0: a free one) with [`BACKLOG`]; like
/// `TcpListener::bind`, with `SO_REUSEADDR` so a restarted server gets its port back.
pub fn bind(addr: SocketAddr) -> io::Result<TcpListener> {
    let family = match addr {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let fd = socket_with(family, SocketType::STREAM, SocketFlags::CLOEXEC, None)?;
    sockopt::set_socket_reuseaddr(&fd, true)?;
    bind_fd(&fd, &addr)?;
    listen(&fd, BACKLOG)?;
    Ok(TcpListener::from(fd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpStream;
    use std::time::Duration;

    #[test]
    fn listens_where_asked_and_accepts() {
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        assert_ne!(addr.port(), 0);
        let _c = TcpStream::connect(addr).unwrap();
        let (_s, peer) = listener.accept().unwrap();
        assert!(peer.ip().is_loopback());
    }

    #[test]
    fn a_burst_past_std_backlog_waits_in_the_queue() {
        // 500 connections, none accepted yet: with std's backlog of 128 the kernel would
        // drop SYNs past it (the clients would retry after a second); here all complete.
        let listener = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let clients: Vec<_> = (0..500)
            .map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap())
            .collect();
        listener.set_nonblocking(true).unwrap();
        let mut accepted = 0;
        while listener.accept().is_ok() {
            accepted += 1;
        }
        assert_eq!(accepted, clients.len());
    }

    #[test]
    fn ipv6_too_when_the_machine_has_it() {
        // Wherever std can listen on ::1, so must we.
        let at = "[::1]:0".parse().unwrap();
        if std::net::TcpListener::bind(at).is_ok() {
            let l = bind(at).unwrap();
            assert!(l.local_addr().unwrap().is_ipv6());
        }
    }

    #[test]
    fn a_taken_port_is_an_error() {
        let first = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let err = bind(first.local_addr().unwrap()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    }
}
