//! The client's use of the extensions (docs/PROTOCOL.md Part 3): real `client` processes
//! through the real `server` binary, driven by pipes as a person would, plus scripted fake
//! servers that check the exact bytes the client sends for each extension.

use crate::support::client::*;
use std::time::{Duration, Instant};

/// Starts `name` against `server` and reads up to its `registered as` line.
fn sign_in(server: &Server, name: &str) -> Client {
    Client::registered(server.port, name, &[])
}

#[test]
fn join_and_leave_lines_name_the_reason() {
    let server = Server::start();
    let mut alice = sign_in(&server, "alice");
    let mut bob = sign_in(&server, "bob");
    assert_eq!(alice.expect("bob"), "*** bob joined");
    bob.send("/quit");
    bob.exits_ok();
    assert_eq!(alice.expect("bob"), "*** bob left (quit)");

    let mut carol = sign_in(&server, "carol");
    assert_eq!(alice.expect("carol"), "*** carol joined");
    carol.kill();
    assert_eq!(alice.expect("carol"), "*** carol left (disconnected)");

    // /q is /quit, and the end of input leaves the same way.
    let mut dave = sign_in(&server, "dave");
    assert_eq!(alice.expect("dave"), "*** dave joined");
    dave.send("/q");
    dave.exits_ok();
    assert_eq!(alice.expect("dave"), "*** dave left (quit)");
    let mut erin = sign_in(&server, "erin");
    assert_eq!(alice.expect("erin"), "*** erin joined");
    erin.close_stdin();
    erin.exits_ok();
    assert_eq!(alice.expect("erin"), "*** erin left (quit)");
}

#[test]
fn users_lists_who_is_online_on_one_line() {
    let server = Server::start();
    let mut carol = sign_in(&server, "carol");
    let _alice = sign_in(&server, "alice");
    let _bob = sign_in(&server, "bob");
    carol.expect("*** bob joined");
    carol.send("/users");
    assert_eq!(carol.expect("online"), "online (3): alice, bob, carol");
}

#[test]
fn me_is_an_action_shown_with_the_time() {
    let server = Server::start();
    let mut alice = sign_in(&server, "alice");
    let mut bob = sign_in(&server, "bob");
    alice.expect("*** bob joined");
    alice.send("/me waves");
    assert_eq!(untimed(&bob.expect("waves")), "* alice waves");
    assert_eq!(alice.expect("deliver"), "delivered to ALL");
}

#[test]
fn msg_and_at_send_direct_messages_and_broadcasts_read_plainly() {
    let server = Server::start();
    let mut alice = sign_in(&server, "alice");
    let mut bob = sign_in(&server, "bob");
    alice.expect("*** bob joined");
    alice.send("/msg bob psst");
    assert_eq!(untimed(&bob.expect("psst")), "alice (to you): psst");
    assert_eq!(alice.expect("deliver"), "delivered to bob");
    alice.send("@bob again");
    assert_eq!(untimed(&bob.expect("again")), "alice (to you): again");
    assert_eq!(alice.expect("deliver"), "delivered to bob");
    bob.send("@ALL hi all");
    assert_eq!(untimed(&alice.expect("hi all")), "bob: hi all");
    assert_eq!(bob.expect("deliver"), "delivered to ALL");
    bob.send("/msg nobody x");
    let line = bob.expect("deliver");
    assert!(line.starts_with("could not deliver to nobody"), "{line}");
}

#[test]
fn help_and_unknown_commands_send_nothing() {
    let server = Server::start();
    let mut alice = sign_in(&server, "alice");
    alice.send("/help");
    assert_eq!(alice.expect("commands"), "commands:");
    let text = (0..15)
        .filter_map(|_| alice.next_line(WAIT))
        .collect::<Vec<_>>()
        .join("\n");
    for word in [
        "@name",
        "@ALL",
        "/msg",
        "/me",
        "/users",
        "/history",
        "/register",
        "/unregister",
        "/quit",
        "/q",
        "/help",
        "#room",
        "/join",
        "/part",
        "/rooms",
        "/who",
        "/topic",
    ] {
        assert!(text.contains(word), "{word} not in /help: {text}");
    }
    // Nothing but the hint and the list may come: a line sent by mistake would get an outcome.
    alice.send("/frobnicate");
    assert_eq!(
        alice.next_line(WAIT).as_deref(),
        Some("unknown command /frobnicate; type /help for the list")
    );
    alice.send("/users");
    assert_eq!(alice.next_line(WAIT).as_deref(), Some("online (1): alice"));
}

#[test]
fn the_operator_says_and_kicks() {
    let mut server = Server::start();
    let mut alice = sign_in(&server, "alice");
    let mut bob = sign_in(&server, "bob");
    alice.expect("*** bob joined");

    server.console("say hello");
    assert_eq!(untimed(&alice.expect("server")), "*** server: hello");
    assert_eq!(untimed(&bob.expect("server")), "*** server: hello");

    server.console("kick bob spam");
    assert_eq!(alice.expect("kicked"), "*** bob was kicked (spam)");
    assert_eq!(bob.expect("kicked"), "*** you were kicked (spam)");
    assert_eq!(bob.expect("connection"), "server closed the connection");
    assert!(!bob.wait().success());
    // The kick's own LEAVE is not shown a second time.
    alice.send("/users");
    assert_eq!(alice.next_line(WAIT).as_deref(), Some("online (1): alice"));
}

/// A fake server that grants every extension, checking the client's exact bytes.
#[test]
fn every_extension_in_exact_bytes() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", ASKED);
        // ping: answered on the same socket; events: shown, never acknowledged.
        put(&mut p.recv, b"PING t0k3n\n\nEVENT JOIN bob\n\n");
        expect_bytes(&mut p.recv, b"PONG t0k3n\n\n");
        expect_silence(&mut p.recv, Duration::from_millis(200));
        // users: a request on TOSEND answered in order.
        p.reply(b"USERS\n\n", b"USERS 2\nContent-length: 10\n\nalice\nbob\n");
        // meta: an emote is a header, and forwards carry time, kind and emote.
        expect_bytes(
            &mut p.send,
            b"SEND ALL\nContent-length: 5\nEmote: yes\n\nwaves",
        );
        put(&mut p.send, b"SENT ALL\n\n");
        put(
            &mut p.recv,
            b"FORWARD bob\nContent-length: 5\nTime: 2026-11-21T14:02:03Z\nKind: all\nEmote: yes\n\nbows.",
        );
        expect_bytes(&mut p.recv, b"RECEIVED bob\n\n");
        put(
            &mut p.recv,
            b"EVENT KICK carol\nReason: spam\n\nEVENT LEAVE carol\nReason: kicked\n\n\
              EVENT LEAVE bob\nReason: timeout\n\n",
        );
        // quit: QUIT, then BYE and the close.
        p.reply(b"QUIT\n\n", b"BYE\n\n");
        drop(p);
    });
    let mut c = Client::registered(port, "alice", &[]);
    assert_eq!(c.expect("bob"), "*** bob joined");
    c.send("/users");
    assert_eq!(c.expect("online"), "online (2): alice, bob");
    c.send("/me waves");
    // The reply (on TOSEND) and what follows on TORECV come on two sockets: either may be
    // shown first; each socket's own lines keep their order.
    let mut torecv = Vec::new();
    let mut delivered = 0;
    while torecv.len() < 3 || delivered == 0 {
        let line = c
            .next_line(WAIT)
            .unwrap_or_else(|| panic!("saw {:#?}", c.seen));
        if line == "delivered to ALL" {
            delivered += 1;
        } else {
            // Only the forward carries a time.
            torecv.push(if line.starts_with('[') {
                untimed(&line)
            } else {
                line
            });
        }
    }
    assert_eq!(
        torecv,
        [
            "* bob bows.",
            "*** carol was kicked (spam)",
            "*** bob left (timeout)"
        ]
    );
    c.send("/quit");
    let rest = c.rest();
    assert!(rest.is_empty(), "after /quit: {rest:?}");
    c.exits_ok();
    join(fake);
}

#[test]
fn a_quit_without_bye_still_leaves_soon() {
    let (port, fake) = fake(|l| {
        let mut p = register_granting(&l, "alice", "quit");
        expect_bytes(&mut p.send, b"QUIT\n\n");
        // No BYE, no close: the client gives up waiting by itself.
        let asked = Instant::now();
        p.hold();
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{:?}",
            asked.elapsed()
        );
    });
    quit(Client::registered(port, "alice", &[]), fake);
}

#[test]
fn only_granted_extensions_are_used() {
    let (port, fake) = fake(|l| {
        // A server of ours granting only events: /users, /me and /quit fall back.
        let mut p = register_granting(&l, "alice", "events");
        p.reply(&send_bytes("ALL", "/me waves"), b"SENT ALL\n\n");
        p.hold();
    });
    let mut c = Client::registered(port, "alice", &[]);
    c.send("/users");
    assert_eq!(c.expect("users"), "this server does not support /users");
    c.send("/me waves");
    assert_eq!(c.expect("deliver"), "delivered to ALL");
    quit(c, fake);
}
