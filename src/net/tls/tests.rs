//! The relay end to end, over real loopback sockets: both directions, a large transfer
//! through the bounded buffers, closes each way, and what ends only the one connection.

use super::*;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::thread;

fn server_tls() -> ServerTls {
    ServerTls::self_signed(&self_signed_names("127.0.0.1".parse().unwrap()), None).unwrap()
}

/// A TLS-wrapped server socket's plain end, and the raw client socket connected to it.
fn accepted(tls: &ServerTls, timeout: Duration) -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (outer, _) = listener.accept().unwrap();
    (wrap_server(outer, tls, timeout).unwrap(), client)
}

/// Both plain ends of a TLS connection through two relays.
fn connected(tls: &ServerTls, trust: &ClientTls) -> Result<(TcpStream, TcpStream), HandshakeError> {
    let (server, raw) = accepted(tls, Duration::from_secs(10));
    let client = wrap_client(raw, trust, "localhost", Duration::from_secs(10))?;
    Ok((server, client))
}

fn read_until_end(mut stream: &TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    all
}

#[test]
fn bytes_cross_both_ways_and_a_close_reaches_the_other_side() {
    let tls = server_tls();
    let (server, client) = connected(&tls, &ClientTls::pinned(tls.fingerprint())).unwrap();
    (&client).write_all(b"REGISTER TOSEND alice\n\n").unwrap();
    let mut got = [0u8; 23];
    (&server).read_exact(&mut got).unwrap();
    assert_eq!(&got, b"REGISTER TOSEND alice\n\n");
    (&server).write_all(b"REGISTERED alice\n\n").unwrap();
    server.shutdown(Shutdown::Both).unwrap();
    assert_eq!(read_until_end(&client), b"REGISTERED alice\n\n");
}

#[test]
fn a_large_transfer_passes_the_bounded_buffers_whole() {
    let tls = server_tls();
    let (server, client) = connected(&tls, &ClientTls::pinned(tls.fingerprint())).unwrap();
    let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
    let sent = data.clone();
    // The reader starts late, so the relays' buffers and the sockets' fill up first.
    let writer = thread::spawn(move || {
        (&client).write_all(&sent).unwrap();
        client.shutdown(Shutdown::Write).unwrap();
        client
    });
    thread::sleep(Duration::from_millis(200));
    assert!(read_until_end(&server) == data, "the bytes arrived changed");
    let client = writer.join().unwrap();
    // The client's side sees the end too once the server's plain end closes.
    drop(server);
    assert_eq!(read_until_end(&client), b"");
}

#[test]
fn a_client_refuses_a_wrong_fingerprint_and_names_the_right_one() {
    let tls = server_tls();
    let wrong = Fingerprint::of(b"some other certificate");
    match connected(&tls, &ClientTls::pinned(wrong)) {
        Err(HandshakeError::WrongFingerprint { seen, wanted }) => {
            assert_eq!(seen, tls.fingerprint());
            assert_eq!(wanted, wrong);
        }
        other => panic!("expected a wrong fingerprint, got {other:?}"),
    }
}

#[test]
fn a_self_signed_server_is_untrusted_by_the_web_roots_and_its_fingerprint_told() {
    let tls = server_tls();
    match connected(&tls, &ClientTls::web_roots().unwrap()) {
        Err(e @ HandshakeError::Untrusted { fingerprint, .. }) => {
            assert_eq!(fingerprint, tls.fingerprint());
            let words = e.to_string();
            assert!(
                words.contains(&format!("--fingerprint {}", tls.fingerprint())),
                "{words}"
            );
        }
        other => panic!("expected untrusted, got {other:?}"),
    }
}

#[test]
fn a_handshake_that_never_comes_is_closed_at_its_deadline() {
    let tls = server_tls();
    let (server, client) = accepted(&tls, Duration::from_millis(300));
    // Nothing is sent: both the plain end and the client see the end.
    assert_eq!(read_until_end(&server), b"");
    assert_eq!(read_until_end(&client), b"");
}

#[test]
fn garbage_instead_of_a_client_hello_closes_the_connection() {
    let tls = server_tls();
    let (server, mut client) = accepted(&tls, Duration::from_secs(30));
    client.write_all(b"REGISTER TOSEND alice\n\n").unwrap();
    assert_eq!(read_until_end(&server), b"");
    // The client may get an alert before the close; never any plain bytes of ours.
    let answer = read_until_end(&client);
    assert!(answer.is_empty() || answer[0] == 0x15, "{answer:?}");
}

#[test]
fn a_client_that_is_not_tls_gets_a_clear_error() {
    // A plain server: it answers the ClientHello with a line of its own protocol.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let raw = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (mut plain, _) = listener.accept().unwrap();
    plain.write_all(b"ERROR 100\n\n").unwrap();
    drop(plain);
    let tls = ClientTls::web_roots().unwrap();
    let e = wrap_client(raw, &tls, "localhost", Duration::from_secs(10)).unwrap_err();
    assert!(
        matches!(e, HandshakeError::Tls(_) | HandshakeError::Closed),
        "{e:?}"
    );
}
