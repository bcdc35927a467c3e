//! Rooms (PROTOCOL.md Part 8) over real sockets, in exact bytes: the two-socket `rooms`
//! extension, the JSON packets, both in one room, every error, each limit, and a client of
//! the original protocol that sees exactly Part 1 meanwhile.

use crate::support::json::Peer;
use crate::support::protocol::config_with;
use crate::support::*;
use std::time::Duration;

const ROOMS: &str = "events, rooms";

/// Sends `command` on `user`'s TOSEND and expects `reply` there.
fn ask(user: &mut User, command: &str, reply: &str) {
    user.tosend.send(command.as_bytes());
    user.tosend.expect(reply.as_bytes());
}

#[test]
fn two_socket_users_make_a_room_talk_in_it_and_a_plain_client_sees_only_part_1() {
    let server = start_default();
    let addr = server.local_addr();
    let mut plain = User::join(addr, "plain");
    let mut alice = User::join_with(addr, "alice", ROOMS);
    let mut bob = User::join_with(addr, "bob", ROOMS);
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    ask(&mut alice, "JOIN #rust\n\n", "JOINED #rust\n\n");
    ask(&mut alice, "JOIN #rust\n\n", "JOINED #rust\n\n");
    ask(&mut bob, "join  #rust \n\n", "JOINED #rust\n\n");
    alice.torecv.expect(b"EVENT JOIN bob\nRoom: #rust\n\n");
    // A room message reaches the members, and its sender's reply waits for their acks.
    alice.send_to("#rust", b"hi");
    bob.torecv
        .expect(b"FORWARD alice\nContent-length: 2\nRoom: #rust\n\nhi");
    alice.tosend.expect_silence(Duration::from_millis(100));
    bob.torecv.send(b"RECEIVED alice\n\n");
    alice.tosend.expect(b"SENT #rust\n\n");
    // The lobby is everyone: SEND #lobby is SEND ALL.
    alice.send_to("#lobby", b"all");
    plain.receive("alice", b"all");
    bob.receive("alice", b"all");
    alice.tosend.expect(b"SENT #lobby\n\n");
    ask(
        &mut alice,
        "ROOMS\n\n",
        "ROOMS 2\nContent-length: 17\n\n#lobby 3\n#rust 2\n",
    );
    ask(
        &mut bob,
        "WHO #rust\n\n",
        "WHO #rust 2\nContent-length: 10\nOperator: alice\n\nalice\nbob\n",
    );
    ask(
        &mut bob,
        "TOPIC #rust\nTopic: mine\n\n",
        "ERROR 114 Not room operator\n\n",
    );
    ask(
        &mut alice,
        "TOPIC #rust\nTopic:  Rust, mostly \n\n",
        "TOPIC SET #rust\n\n",
    );
    bob.torecv
        .expect(b"EVENT TOPIC #rust\nBy: alice\nTopic: Rust, mostly\n\n");
    ask(
        &mut bob,
        "WHO #rust\n\n",
        "WHO #rust 2\nContent-length: 10\nOperator: alice\nTopic: Rust, mostly\n\nalice\nbob\n",
    );
    ask(&mut bob, "PART #rust\n\n", "PARTED #rust\n\n");
    alice
        .torecv
        .expect(b"EVENT LEAVE bob\nRoom: #rust\nReason: part\n\n");
    ask(&mut bob, "JOIN #rust\n\n", "JOINED #rust\n\n");
    alice.torecv.expect(b"EVENT JOIN bob\nRoom: #rust\n\n");
    ask(
        &mut alice,
        "KICK bob #rust\nReason: spam\n\n",
        "KICKED bob #rust\n\n",
    );
    bob.torecv
        .expect(b"EVENT KICK bob\nRoom: #rust\nBy: alice\nReason: spam\n\n");
    ask(
        &mut bob,
        "SEND #rust\nContent-length: 1\n\nx",
        "ERROR 113 Not in room\n\n",
    );
    // The plain client heard nothing but Part 1 (its forwards above), and the extension's
    // commands are unknown to it.
    plain.torecv.expect_silence(Duration::from_millis(100));
    ask(
        &mut plain,
        "JOIN #rust\n\n",
        "ERROR 106 Unknown command\n\n",
    );
    ask(
        &mut plain,
        "SEND #rust\nContent-length: 1\n\nx",
        "ERROR 102 Unable to send\n\n",
    );
}

#[test]
fn every_refusal_has_its_own_error() {
    let config = config_with(|c| {
        c.rooms.per_user = 2;
        c.rooms.members = 2;
        c.rooms.rooms = 3;
    });
    let server = start(config);
    let addr = server.local_addr();
    let mut alice = User::join_with(addr, "alice", ROOMS);
    let mut bob = User::join_with(addr, "bob", ROOMS);
    let mut carol = User::join_with(addr, "carol", ROOMS);
    for (command, reply) in [
        ("PART #nope\n\n", "ERROR 112 No such room\n\n"),
        ("WHO #nope\n\n", "ERROR 112 No such room\n\n"),
        (
            "SEND #nope\nContent-length: 1\n\nx",
            "ERROR 112 No such room\n\n",
        ),
        ("JOIN rust\n\n", "ERROR 117 Malformed room name\n\n"),
        ("JOIN #a.b\n\n", "ERROR 117 Malformed room name\n\n"),
        ("PART #lobby\n\n", "ERROR 120 Cannot leave the lobby\n\n"),
        ("JOIN #a\n\n", "JOINED #a\n\n"),
        ("JOIN #b\n\n", "JOINED #b\n\n"),
        ("JOIN #c\n\n", "ERROR 115 Too many rooms\n\n"),
        ("KICK bob #a\n\n", "ERROR 113 Not in room\n\n"),
        (
            "TOPIC #lobby\nTopic: x\n\n",
            "ERROR 114 Not room operator\n\n",
        ),
    ] {
        ask(&mut alice, command, reply);
    }
    let long = "x".repeat(301);
    ask(
        &mut alice,
        &format!("TOPIC #a\nTopic: {long}\n\n"),
        "ERROR 118 Topic too long\n\n",
    );
    ask(&mut bob, "JOIN #a\n\n", "JOINED #a\n\n");
    ask(&mut carol, "JOIN #a\n\n", "ERROR 116 Room full\n\n");
    ask(&mut carol, "PART #a\n\n", "ERROR 113 Not in room\n\n");
    ask(&mut carol, "JOIN #c\n\n", "JOINED #c\n\n");
    ask(
        &mut carol,
        "JOIN #d\n\n",
        "ERROR 119 Room limit reached\n\n",
    );
}

#[test]
fn json_and_two_socket_users_share_a_room() {
    let server = start(json_config());
    let json = server.json_addr().unwrap();
    let mut alice = User::join_with(server.local_addr(), "alice", ROOMS);
    let mut pat = Peer::connect(json);
    pat.send(r#"{"type":"hello","nick":"pat","extensions":["rooms"]}"#);
    pat.expect(r#"{"type":"welcome","nick":"pat","extensions":["rooms"]}"#);
    pat.expect(r#"{"type":"join","nick":"pat"}"#);
    alice.torecv.expect(b"EVENT JOIN pat\n\n");
    // A seed client in the lobby sees none of it.
    let mut seed = Peer::join(json, "seed");
    pat.expect(r#"{"type":"join","nick":"seed"}"#);
    alice.torecv.expect(b"EVENT JOIN seed\n\n");
    ask(&mut alice, "JOIN #rust\n\n", "JOINED #rust\n\n");
    // A nick in what a client sends is the server's to say: ignored.
    pat.send(r##"{"type":"join","nick":"someone","room":"#rust"}"##);
    pat.expect(r##"{"type":"join","nick":"pat","room":"#rust"}"##);
    alice.torecv.expect(b"EVENT JOIN pat\nRoom: #rust\n\n");
    pat.send(r##"{"type":"chat","room":"#rust","message":"hi all"}"##);
    alice
        .torecv
        .expect(b"FORWARD pat\nContent-length: 6\nRoom: #rust\n\nhi all");
    alice.torecv.send(b"RECEIVED pat\n\n");
    pat.expect(r##"{"type":"chat","nick":"pat","room":"#rust","message":"hi all"}"##);
    alice.send_to("#rust", b"hello pat");
    pat.expect(r##"{"type":"chat","nick":"alice","room":"#rust","message":"hello pat"}"##);
    alice.tosend.expect(b"SENT #rust\n\n");
    pat.send(r##"{"type":"who","room":"#rust"}"##);
    pat.expect(r##"{"type":"who","room":"#rust","operator":"alice","nicks":["alice","pat"]}"##);
    pat.send(r#"{"type":"rooms"}"#);
    pat.expect(
        r##"{"type":"rooms","rooms":[{"room":"#lobby","members":3},{"room":"#rust","members":2}]}"##,
    );
    ask(
        &mut alice,
        "TOPIC #rust\nTopic: Rust\n\n",
        "TOPIC SET #rust\n\n",
    );
    pat.expect(r##"{"type":"topic","room":"#rust","nick":"alice","topic":"Rust"}"##);
    pat.send(r##"{"type":"topic","room":"#rust","topic":"mine"}"##);
    pat.expect_error("not-operator", "only the operator of #rust may do that");
    pat.send(r##"{"type":"chat","room":"#go","message":"x"}"##);
    pat.expect_error("no-such-room", "there is no room #go");
    pat.send(r##"{"type":"part","room":"#lobby"}"##);
    pat.expect_error("lobby", "nobody can leave the lobby");
    pat.send(r##"{"type":"part","room":"#rust"}"##);
    pat.expect(r##"{"type":"leave","nick":"pat","room":"#rust","reason":"part"}"##);
    alice
        .torecv
        .expect(b"EVENT LEAVE pat\nRoom: #rust\nReason: part\n\n");
    pat.send(r##"{"type":"join","room":"#rust"}"##);
    pat.expect(r##"{"type":"join","nick":"pat","room":"#rust"}"##);
    alice.torecv.expect(b"EVENT JOIN pat\nRoom: #rust\n\n");
    ask(&mut alice, "KICK pat #rust\n\n", "KICKED pat #rust\n\n");
    pat.expect(r##"{"type":"kick","nick":"pat","room":"#rust","by":"alice"}"##);
    // A chat with the lobby's name is a chat to everyone.
    pat.send(r##"{"type":"chat","room":"#lobby","message":"lobby"}"##);
    seed.expect(r#"{"type":"chat","nick":"pat","message":"lobby"}"#);
    alice.receive("pat", b"lobby");
    pat.expect(r#"{"type":"chat","nick":"pat","message":"lobby"}"#);
    seed.expect_silence(Duration::from_millis(100));
}

#[test]
fn a_json_operator_hears_its_kick_and_then_the_leave() {
    let server = start(json_config());
    let json = server.json_addr().unwrap();
    let hello = |nick: &str| {
        let mut p = Peer::connect(json);
        p.send(&format!(
            r#"{{"type":"hello","nick":"{nick}","extensions":["rooms"]}}"#
        ));
        p.expect(&format!(
            r#"{{"type":"welcome","nick":"{nick}","extensions":["rooms"]}}"#
        ));
        p.expect(&format!(r#"{{"type":"join","nick":"{nick}"}}"#));
        p
    };
    let mut op = hello("op");
    let mut bob = hello("bob");
    op.expect(r#"{"type":"join","nick":"bob"}"#);
    let mut cy = hello("cy");
    op.expect(r#"{"type":"join","nick":"cy"}"#);
    bob.expect(r#"{"type":"join","nick":"cy"}"#);
    let join = r##"{"type":"join","room":"#r"}"##;
    op.send(join);
    op.expect(r##"{"type":"join","nick":"op","room":"#r"}"##);
    bob.send(join);
    bob.expect(r##"{"type":"join","nick":"bob","room":"#r"}"##);
    op.expect(r##"{"type":"join","nick":"bob","room":"#r"}"##);
    cy.send(join);
    cy.expect(r##"{"type":"join","nick":"cy","room":"#r"}"##);
    op.expect(r##"{"type":"join","nick":"cy","room":"#r"}"##);
    bob.expect(r##"{"type":"join","nick":"cy","room":"#r"}"##);
    op.send(r##"{"type":"kick","room":"#r","nick":"bob","reason":"spam"}"##);
    let kick = r##"{"type":"kick","nick":"bob","room":"#r","by":"op","reason":"spam"}"##;
    let leave = r##"{"type":"leave","nick":"bob","room":"#r","reason":"kicked"}"##;
    op.expect(kick);
    op.expect(leave);
    bob.expect(kick);
    cy.expect(kick);
    cy.expect(leave);
    bob.expect_silence(Duration::from_millis(100));
}
