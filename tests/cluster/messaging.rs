//! Messages, events and rooms across three nodes, for both protocols, in exact bytes.

use super::*;
use crate::support::cluster::{Nats, Node};
use crate::support::json::Peer;
use crate::support::User;

/// The nodes and their watchers (see [`mesh`]), and the users.
type Chat = ([Node; 3], [Peer; 3], User, Peer, User);

/// alice (two-socket) on n1, bob (JSON) on n2, carol (two-socket) on n3, joining in that
/// order, each told of those who came after.
fn one_chat(nats: &Nats) -> Chat {
    let (nodes, watchers) = mesh(nats, &["--ack-timeout", "3"]);
    let mut alice = User::join_with(nodes[0].addr(), "alice", "events, rooms");
    let mut bob = Peer::connect(nodes[1].json);
    let ext = r#"["dm","emote","users","events","rooms"]"#;
    bob.send(&format!(
        r#"{{"type":"hello","nick":"bob","extensions":{ext}}}"#
    ));
    bob.expect(&format!(
        r#"{{"type":"welcome","nick":"bob","extensions":{ext}}}"#
    ));
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    let carol = User::join_with(nodes[2].addr(), "carol", "events, rooms");
    alice.torecv.expect(b"EVENT JOIN carol\n\n");
    (nodes, watchers, alice, bob, carol)
}

#[test]
fn direct_messages_cross_nodes_and_the_sender_hears_the_remote_ack() {
    let nats = Nats::start("direct");
    let (_nodes, _watchers, mut alice, mut bob, mut carol) = one_chat(&nats);
    // carol (n3) → alice (n1): SENT only once alice has acknowledged, on her node.
    carol.send_to("alice", b"hi from n3");
    alice
        .torecv
        .expect(b"FORWARD carol\nContent-length: 10\n\nhi from n3");
    carol.tosend.expect_silence(Duration::from_millis(200));
    alice.torecv.send(b"RECEIVED carol\n\n");
    carol.tosend.expect(b"SENT alice\n\n");
    // alice (n1) → bob (JSON, n2): delivered when handed to bob's socket.
    alice.send_to("bob", b"hi bob");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"dm","nick":"alice","to":"bob","message":"hi bob"}"#
    );
    alice.tosend.expect(b"SENT bob\n\n");
    // bob (n2) → carol (n3), and bob's echo once carol acknowledged.
    bob.send(r#"{"type":"dm","to":"carol","message":"and you?"}"#);
    carol.receive("bob", b"and you?");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"dm","nick":"bob","to":"carol","message":"and you?"}"#
    );
    // Nobody of that name anywhere: the two-socket error, at once.
    alice.send_to("nobody", b"?");
    alice.tosend.expect(b"ERROR 102 Unable to send\n\n");
}

#[test]
fn a_broadcast_reaches_every_node_and_waits_for_every_ack() {
    let nats = Nats::start("broadcast");
    let (_nodes, _watchers, mut alice, mut bob, mut carol) = one_chat(&nats);
    carol.send_to("ALL", b"hello all");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"chat","nick":"carol","message":"hello all"}"#
    );
    alice
        .torecv
        .expect(b"FORWARD carol\nContent-length: 9\n\nhello all");
    carol.tosend.expect_silence(Duration::from_millis(200));
    alice.torecv.send(b"RECEIVED carol\n\n");
    carol.tosend.expect(b"SENT ALL\n\n");
    // A JSON chat message is everyone's too, its sender's echo included.
    bob.send(r#"{"type":"chat","message":"from json"}"#);
    alice.receive("bob", b"from json");
    carol.receive("bob", b"from json");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"chat","nick":"bob","message":"from json"}"#
    );
}

#[test]
fn a_silent_recipient_on_another_node_fails_the_send_by_the_ack_timeout() {
    let nats = Nats::start("silent");
    let (_nodes, _watchers, mut alice, mut bob, mut carol) = one_chat(&nats);
    carol.send_to("alice", b"ack me");
    alice
        .torecv
        .expect(b"FORWARD carol\nContent-length: 6\n\nack me");
    // alice never acknowledges: carol's send fails when the timeout passes on alice's node,
    // and alice, dropped there for her silence, leaves everyone's chat.
    carol.tosend.expect(b"ERROR 102 Unable to send\n\n");
    carol
        .torecv
        .expect(b"EVENT LEAVE alice\nReason: timeout\n\n");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"leave","nick":"alice","reason":"timeout"}"#
    );
}

#[test]
fn leaves_and_quits_are_told_on_every_node() {
    let nats = Nats::start("leaves");
    let (_nodes, _watchers, mut alice, mut bob, carol) = one_chat(&nats);
    drop(carol);
    alice
        .torecv
        .expect(b"EVENT LEAVE carol\nReason: disconnected\n\n");
    assert_eq!(
        next_not_join(&mut bob),
        r#"{"type":"leave","nick":"carol","reason":"disconnected"}"#
    );
    drop(bob);
    alice
        .torecv
        .expect(b"EVENT LEAVE bob\nReason: disconnected\n\n");
}

#[test]
fn a_room_spans_nodes_its_messages_and_members_too() {
    let nats = Nats::start("rooms");
    let (_nodes, _watchers, mut alice, mut bob, mut carol) = one_chat(&nats);
    let ask = |user: &mut User, command: &str, reply: &str| {
        user.tosend.send(command.as_bytes());
        user.tosend.expect(reply.as_bytes());
    };
    ask(&mut alice, "JOIN #rust\n\n", "JOINED #rust\n\n");
    // Events cross nodes on their own time: carol joins once her node knows alice's join.
    crate::support::eventually("n3 knows alice is in #rust", || {
        carol.tosend.send(b"WHO #rust\n\n");
        let who = next_message(&mut carol.tosend);
        let known = who == "WHO #rust 1\nContent-length: 6\n\n";
        known && carol.tosend.read_n(6, PATIENCE) == b"alice\n"
    });
    ask(&mut carol, "JOIN #rust\n\n", "JOINED #rust\n\n");
    alice.torecv.expect(b"EVENT JOIN carol\nRoom: #rust\n\n");
    // ... and bob joins once his node knows carol's (else he may hear it after joining).
    crate::support::eventually("n2 knows alice and carol are in #rust", || {
        bob.send(r##"{"type":"who","room":"#rust"}"##);
        next_not_join(&mut bob).contains(r#""nicks":["alice","carol"]"#)
    });
    bob.send(r##"{"type":"join","room":"#rust"}"##);
    assert_eq!(
        next_not_join(&mut bob),
        r##"{"type":"join","nick":"bob","room":"#rust"}"##
    );
    alice.torecv.expect(b"EVENT JOIN bob\nRoom: #rust\n\n");
    carol.torecv.expect(b"EVENT JOIN bob\nRoom: #rust\n\n");
    // A message to the room reaches its members on every node; SENT after every ack.
    alice.send_to("#rust", b"rusty");
    carol
        .torecv
        .expect(b"FORWARD alice\nContent-length: 5\nRoom: #rust\n\nrusty");
    assert_eq!(
        next_not_join(&mut bob),
        r##"{"type":"chat","nick":"alice","room":"#rust","message":"rusty"}"##
    );
    alice.tosend.expect_silence(Duration::from_millis(200));
    carol.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT #rust\n\n");
    // WHO lists the members of every node.
    carol.tosend.send(b"WHO #rust\n\n");
    let who = next_message(&mut carol.tosend);
    assert!(
        who.starts_with("WHO #rust 3\nContent-length: 16\n"),
        "{who}"
    );
    let members = carol.tosend.read_n(16, PATIENCE);
    assert_eq!(members, b"alice\nbob\ncarol\n");
    // A topic set on one node is the room's on every node: told, and shown by WHO there.
    ask(
        &mut alice,
        "TOPIC #rust\nTopic: Rust, mostly\n\n",
        "TOPIC SET #rust\n\n",
    );
    carol
        .torecv
        .expect(b"EVENT TOPIC #rust\nBy: alice\nTopic: Rust, mostly\n\n");
    assert_eq!(
        next_not_join(&mut bob),
        r##"{"type":"topic","room":"#rust","nick":"alice","topic":"Rust, mostly"}"##
    );
    carol.tosend.send(b"WHO #rust\n\n");
    let who = next_message(&mut carol.tosend);
    assert!(who.ends_with("\nTopic: Rust, mostly\n\n"), "{who}");
    bob.send(r##"{"type":"who","room":"#rust"}"##);
    let who = next_not_join(&mut bob);
    assert!(who.contains(r#""topic":"Rust, mostly""#), "{who}");
}
