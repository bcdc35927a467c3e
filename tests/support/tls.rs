//! TLS for tests: a server's certificate, configs whose TLS listeners are on `127.0.0.1:0`,
//! and raw sockets that speak TLS (the plain end of a client relay, so every [`Raw`] helper
//! works on them).

use super::{Raw, PATIENCE};
use chat::front::{Config, Port, ServerHandle, TlsConfig};
use chat::net::tls::{self_signed_names, wrap_client, ClientTls, ServerTls};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

/// A fresh self-signed certificate for localhost and the loopback addresses.
pub fn self_signed() -> Arc<ServerTls> {
    let names = self_signed_names("127.0.0.1".parse().unwrap());
    Arc::new(ServerTls::self_signed(&names, None).unwrap())
}

/// `config` with both protocols also listening with TLS (loopback, port 0), showing `cert`.
pub fn with_tls(config: Config, cert: &Arc<ServerTls>) -> Config {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    Config {
        json: Some(config.json.unwrap_or(any)),
        tls: Some(TlsConfig {
            cert: cert.clone(),
            bind: any,
            json: Some(any),
        }),
        ..config
    }
}

/// Where the TLS listeners are: (two-socket, JSON).
pub fn tls_addrs(server: &ServerHandle) -> (SocketAddr, SocketAddr) {
    let two = server.addr(Port::TwoSocketTls).expect("two-socket TLS on");
    let json = server.addr(Port::JsonTls).expect("JSON TLS on");
    (two, json)
}

/// A socket to `addr` speaking TLS, trusting exactly `cert`.
pub fn connect(addr: SocketAddr, cert: &ServerTls) -> Raw {
    connect_trusting(addr, &ClientTls::pinned(cert.fingerprint()), "localhost")
}

/// A socket to `addr` speaking TLS, trusting what `trust` says, checking `name`.
pub fn connect_trusting(addr: SocketAddr, trust: &ClientTls, name: &str) -> Raw {
    let outer = TcpStream::connect(addr).unwrap();
    let stream = wrap_client(outer, trust, name, PATIENCE).unwrap();
    Raw { stream }
}
