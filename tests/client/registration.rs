//! How the client registers with the servers in the wild (PROTOCOL.md Part 2, rules for our
//! client): TOSEND first and plain, then TORECV asking for the extensions, with the fallbacks
//! that never cost a strict server anything (a connected socket is never closed or left
//! before it has spoken), against scripted fakes checking exact bytes and a strict server.
//! Also: addresses that cannot be reached.

use crate::support::client::*;
use std::io::{ErrorKind, Read};
use std::net::TcpStream;
use std::time::{Duration, Instant};

#[test]
fn tosend_is_registered_and_answered_before_torecv() {
    let (port, fake) = fake(|l| {
        let mut send = accept(&l);
        let mut recv = accept(&l);
        expect_bytes(&mut send, &register_tosend("alice"));
        // A server that needs TOSEND first: TORECV must not come before its reply.
        expect_silence(&mut recv, Duration::from_millis(500));
        put(&mut send, b"REGISTERED TOSEND alice\n\n");
        expect_bytes(&mut recv, &register_torecv_asking("alice"));
        put(&mut recv, b"REGISTERED TORECV alice\n\n");
        let mut p = Pair { send, recv };
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn a_taken_name_is_asked_again_and_registered_on_the_same_sockets() {
    let (port, fake) = fake(|l| {
        // TORECV has not spoken yet: closing it could stop a strict server, so it is kept.
        let p = refuse_name(&l, "alice", b"ERROR 104 Username taken\n\n");
        let mut p = register_again(p, "alice2");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::start(port, "alice", &[]);
    assert_eq!(
        c.expect("taken"),
        "the name \"alice\" is taken; choose another"
    );
    c.expect("Username:");
    c.send("alice2");
    c.expect("registered as alice2");
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn malformed_names_are_refused_locally_or_by_the_server_and_asked_again() {
    let (port, fake) = fake(|l| {
        // The plain REGISTER is refused: it is the name, asked again on the same sockets.
        let p = refuse_name(&l, "bob", b"ERROR 100 Malformed username\n\n");
        register_again(p, "carol").hold();
    });
    let mut c = Client::start(port, "bad_name", &[]);
    assert!(c.expect("valid username").contains("bad_name"));
    c.expect("Username:");
    c.send("bob");
    assert!(c.expect("valid username").contains("server says"));
    c.expect("Username:");
    c.send("carol");
    c.expect("registered as carol");
    finish(c, fake);
}

#[test]
fn an_extended_torecv_register_answered_error_100_is_tried_again_plain_on_the_same_socket() {
    let (port, fake) = fake(|l| {
        // A server that takes everything after TORECV as the name, header included.
        let malformed = b"ERROR 100 Malformed username\n\n";
        let mut p = register_after_asking_fails(&l, "alice", malformed);
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn an_extended_torecv_register_without_reply_is_tried_again_plain_on_the_same_socket() {
    let (port, fake) = fake(|l| {
        // A server that waits for something the header made it miss.
        register_after_asking_fails(&l, "alice", b"").hold();
    });
    let c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    finish(c, fake);
}

#[test]
fn a_server_that_closes_on_the_extensions_header_is_registered_again_plainly() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        registered_tosend(&mut p, "alice", "\n\n");
        expect_bytes(&mut p.recv, &register_torecv_asking("alice"));
        drop(p);
        // Both sockets had spoken; the client starts over on fresh ones, asking nothing.
        let mut p = accept_pair(&l);
        registered_tosend(&mut p, "alice", "\n\n");
        expect_bytes(&mut p.recv, &plain_register_torecv("alice"));
        put(&mut p.recv, b"REGISTERED TORECV alice\n\n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn a_server_trickling_blank_lines_instead_of_a_reply_is_given_up_on_in_time() {
    let (port, fake) = fake(|l| {
        let mut p = accept_pair(&l);
        registered_tosend(&mut p, "alice", "\n\n");
        expect_bytes(&mut p.recv, &register_torecv_asking("alice"));
        // Bytes keep coming, never a message: only a deadline on the whole wait ends this,
        // and then the client registers TORECV plainly.
        let plain = plain_register_torecv("alice");
        let got = trickle_until(&mut p.recv, plain.len());
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&plain)
        );
        put(&mut p.recv, b"REGISTERED TORECV alice\n\n");
        p.hold();
    });
    let c = Client::registered(port, "alice", &["--reply-timeout", "1"]);
    finish(c, fake);
}

/// Writes a blank line every 50 ms until `n` bytes have come back; panics after [`WAIT`].
fn trickle_until(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .expect("timeout");
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    while got.len() < n {
        assert!(
            Instant::now() < deadline,
            "the client never gave up waiting"
        );
        put(stream, b"\n");
        let mut chunk = [0u8; 256];
        match stream.read(&mut chunk) {
            Ok(0) => panic!("closed instead of registering plainly"),
            Ok(k) => got.extend_from_slice(&chunk[..k]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("{e}"),
        }
    }
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    got
}

#[test]
fn a_strict_server_is_registered_plainly_and_never_sees_a_silent_close() {
    let server = Strict::start();
    let mut alice = Client::registered(server.port, "alice", &[]);
    let mut bob = Client::registered(server.port, "bob", &[]);
    // A name refused on TOSEND: the next one is registered on the same sockets.
    let mut carol = Client::start(server.port, "alice", &[]);
    carol.expect("is taken");
    carol.expect("Username:");
    carol.send("carol");
    carol.expect("registered as carol");

    alice.send("@bob hello bob");
    assert_eq!(bob.expect("hello"), "alice: hello bob");
    assert_eq!(alice.expect("deliver"), "delivered to bob");
    bob.send("@ALL hi all");
    assert_eq!(alice.expect("hi all"), "bob: hi all");
    assert_eq!(carol.expect("hi all"), "bob: hi all");
    assert_eq!(bob.expect("deliver"), "delivered to ALL");
    for mut client in [alice, bob, carol] {
        client.send("/quit");
        client.exits_ok();
    }
    assert!(!server.died(), "the server was stopped by a silent close");
    let asked =
        |name: &str| format!("REGISTER TORECV {name} + header -> ERROR 100 Malformed username");
    let plain =
        |role: &str, name: &str| format!("REGISTER {role} {name} -> REGISTERED {role} {name}");
    let expected = [
        plain("TOSEND", "alice"),
        asked("alice"),
        plain("TORECV", "alice"),
        plain("TOSEND", "bob"),
        asked("bob"),
        plain("TORECV", "bob"),
        "REGISTER TOSEND alice -> ERROR 104 Username taken".to_string(),
        // Asked again with `auth`, to tell a claimed name from one in use: a strict server
        // refuses the header, and the name reads as taken.
        "REGISTER TOSEND alice + header -> ERROR 100 Malformed username".to_string(),
        plain("TOSEND", "carol"),
        asked("carol"),
        plain("TORECV", "carol"),
    ];
    assert_eq!(server.transcript(), expected);
}

fn dead_port() -> u16 {
    listener().1 // the listener is dropped: nothing listens there any more
}

#[test]
fn unreachable_typed_address_is_explained_and_asked_again() {
    let dead = dead_port();
    let (port, fake) = fake(|l| {
        let mut p = register(&l, "alice", "\n\n");
        p.reply(&send_bytes("bob", "hi"), b"SENT bob\n\n");
        p.hold();
    });
    let mut c = Client::spawn(&[]);
    c.expect("Server address:");
    c.send("127.0.0.1:notaport");
    c.expect("not a port number");
    c.expect("Server address:");
    c.send(&format!("127.0.0.1:{dead}"));
    c.expect("Username:");
    c.send("alice");
    let line = c.expect("cannot connect");
    assert!(line.contains("connection refused"), "{line}");
    c.expect("Server address:");
    c.send(&format!("127.0.0.1:{port}"));
    c.expect("registered as alice");
    c.send("@bob hi");
    assert_eq!(c.expect("deliver"), "delivered to bob");
    finish(c, fake);
}

#[test]
fn unreachable_flag_address_exits_nonzero() {
    let dead = dead_port();
    let mut c = Client::start(dead, "alice", &[]);
    let line = c.expect("cannot connect");
    assert!(
        line.starts_with(&format!("cannot connect to 127.0.0.1:{dead}")),
        "{line}"
    );
    assert!(!c.wait().success());
}
