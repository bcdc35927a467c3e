//! Both protocols over TLS, in exact bytes: TLS and plain users in one chat, a CA-signed
//! certificate, and what ends only its own connection (a handshake that never finishes,
//! bytes that are not TLS); shutdown closes TLS connections too, and past the connection cap
//! a TLS client is refused in its protocol's words, through TLS.

use crate::support::json::Peer;
use crate::support::tls::{connect, connect_trusting, self_signed, tls_addrs, with_tls};
use crate::support::{config, forward_msg, send_msg, start, Raw, User, PATIENCE};
use chat::front::Config;
use chat::net::tls::{wrap_client, ClientTls, HandshakeError, ServerTls};
use chat::wire::{ErrorCode, Message};
use std::net::TcpStream;
use std::time::Duration;

/// `from` sends `body` to `to`, who acknowledges it, and `from` is told SENT.
fn relays(from: &mut User, to: &mut User, body: &[u8]) {
    from.tosend.send(&send_msg(&to.name, body));
    to.torecv.expect(&forward_msg(&from.name, body));
    to.torecv
        .send(format!("RECEIVED {}\n\n", from.name).as_bytes());
    from.tosend
        .expect(format!("SENT {}\n\n", to.name).as_bytes());
}

#[test]
fn a_tls_user_and_a_plain_user_chat_in_exact_bytes() {
    let cert = self_signed();
    let server = start(with_tls(config(), &cert));
    let (tls, _) = tls_addrs(&server);
    let mut alice = User::register("alice", connect(tls, &cert), connect(tls, &cert));
    let plain = server.local_addr();
    let mut bob = User::register("bob", Raw::connect(plain), Raw::connect(plain));
    relays(&mut alice, &mut bob, b"hello over TLS");
    relays(&mut bob, &mut alice, b"and back in the clear");
    // A message of many TLS records crosses the relay whole.
    let big: Vec<u8> = (0..60_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    bob.tosend.send(&send_msg("alice", &big));
    let want = forward_msg("bob", &big);
    assert!(
        alice.torecv.read_n(want.len(), PATIENCE) == want,
        "the forward differs"
    );
    alice.torecv.send(b"RECEIVED bob\n\n");
    bob.tosend.expect(b"SENT alice\n\n");
    // Shutdown reaches the TLS sockets through their relays.
    server.shutdown(PATIENCE);
    alice.tosend.expect_closed();
    alice.torecv.expect_closed();
}

#[test]
fn the_json_protocol_over_tls() {
    let cert = self_signed();
    let server = start(with_tls(config(), &cert));
    let (_, json_tls) = tls_addrs(&server);
    let mut pat = Peer {
        raw: connect(json_tls, &cert),
    };
    pat.send(r#"{"type":"hello","nick":"pat"}"#);
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    let mut leslie = Peer::join(server.json_addr().unwrap(), "leslie");
    pat.expect(r#"{"type":"join","nick":"leslie"}"#);
    pat.send(r#"{"type":"chat","message":"hi from TLS"}"#);
    for p in [&mut pat, &mut leslie] {
        p.expect(r#"{"type":"chat","nick":"pat","message":"hi from TLS"}"#);
    }
    leslie.send(r#"{"type":"chat","message":"hi in the clear"}"#);
    for p in [&mut leslie, &mut pat] {
        p.expect(r#"{"type":"chat","nick":"leslie","message":"hi in the clear"}"#);
    }
}

/// A CA, and a certificate for 127.0.0.1 and localhost that it signed: (CA PEM, server).
fn ca_signed() -> (String, ServerTls) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "chat test CA");
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let names = vec!["127.0.0.1".to_string(), "localhost".to_string()];
    let leaf = rcgen::CertificateParams::new(names).unwrap();
    let cert = leaf.signed_by(&key, &issuer).unwrap().pem();
    let server = ServerTls::from_pem(cert.as_bytes(), key.serialize_pem().as_bytes()).unwrap();
    (ca_pem, server)
}

#[test]
fn a_ca_signed_certificate_is_trusted_through_its_ca_and_its_names() {
    let (ca_pem, cert) = ca_signed();
    let server = start(with_tls(config(), &std::sync::Arc::new(cert)));
    let (tls, _) = tls_addrs(&server);
    let trust = ClientTls::with_ca_pem(ca_pem.as_bytes(), "the test CA").unwrap();
    let mut tosend = connect_trusting(tls, &trust, "127.0.0.1");
    tosend.send(b"REGISTER TOSEND carol\n\n");
    tosend.expect(b"REGISTERED TOSEND carol\n\n");
    // Another CA's clients do not trust it, and a name it was not made for is refused.
    let (other_ca, _) = ca_signed();
    let other = ClientTls::with_ca_pem(other_ca.as_bytes(), "another CA").unwrap();
    for (trust, name) in [(&other, "127.0.0.1"), (&trust, "example.com")] {
        let outer = TcpStream::connect(tls).unwrap();
        match wrap_client(outer, trust, name, PATIENCE) {
            Err(HandshakeError::Untrusted { .. }) => {}
            other => panic!("{name}: expected untrusted, got {:?}", other.map(|_| ())),
        }
    }
}

fn short_idle(config: Config) -> Config {
    Config {
        idle_timeout: Duration::from_millis(1500),
        ..config
    }
}

#[test]
fn a_handshake_that_never_finishes_is_closed_while_others_chat() {
    let cert = self_signed();
    let server = start(short_idle(with_tls(config(), &cert)));
    let (tls, _) = tls_addrs(&server);
    let plain = server.local_addr();
    // Registered first (the idle timeout is for registering); they chat on past it.
    let mut alice = User::register("alice", connect(tls, &cert), connect(tls, &cert));
    let mut bob = User::register("bob", Raw::connect(plain), Raw::connect(plain));
    // The start of a ClientHello record, then nothing; and nothing at all.
    let mut stalled = Raw::connect(tls);
    stalled.send(&[0x16, 0x03, 0x01, 0x00, 0xc8, 0x01]);
    let mut silent = Raw::connect(tls);
    relays(&mut alice, &mut bob, b"while they stall");
    stalled.expect_closed();
    silent.expect_closed();
    relays(&mut alice, &mut bob, b"still here");
    relays(&mut bob, &mut alice, b"me too");
    crate::support::eventually("four connections", || server.connections() == 4);
}

#[test]
fn garbage_instead_of_a_client_hello_closes_only_that_connection() {
    let cert = self_signed();
    let server = start(with_tls(config(), &cert));
    let (tls, json_tls) = tls_addrs(&server);
    let mut alice = User::register("alice", connect(tls, &cert), connect(tls, &cert));
    let plain = server.local_addr();
    let mut bob = User::register("bob", Raw::connect(plain), Raw::connect(plain));
    for addr in [tls, json_tls] {
        let mut mallory = Raw::connect(addr);
        mallory.send(b"REGISTER TOSEND mallory\n\n");
        // At most a TLS alert comes back, never a reply of the protocol.
        let answer = mallory.read_n(1, PATIENCE);
        assert!(answer.is_empty() || answer == [0x15], "{answer:?}");
        mallory.expect_closed();
    }
    relays(&mut alice, &mut bob, b"undisturbed");
    relays(&mut bob, &mut alice, b"indeed");
}

#[test]
fn past_the_connection_cap_a_tls_client_is_told_so_through_tls() {
    let cert = self_signed();
    let server = start(Config {
        max_connections: 1,
        ..with_tls(config(), &cert)
    });
    let (tls, _) = tls_addrs(&server);
    let mut first = connect(tls, &cert);
    first.send(b"REGISTER TOSEND alice\n\n");
    first.expect(b"REGISTERED TOSEND alice\n\n");
    let mut late = connect(tls, &cert);
    late.expect(&Message::error(ErrorCode::ServerFull).to_bytes());
    late.expect_closed();
    // The refused one no longer counts; the first is still open.
    crate::support::eventually("one connection", || server.connections() == 1);
    first.expect_silence(Duration::from_millis(100));
}
