//! One chat, two protocols: two-socket users and JSON users see each other join and leave,
//! list each other, and message each other both ways, each in its own wire's exact bytes.

use crate::support::json::Peer;
use crate::support::{forward_msg, json_config, start, User};
use chat::front::ServerHandle;
use std::net::SocketAddr;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(200);
const EXT: &str = "events, users, quit, ping, meta";

fn server() -> (ServerHandle, SocketAddr, SocketAddr) {
    let server = start(json_config());
    let (tcp, json) = (server.local_addr(), server.json_addr().unwrap());
    (server, tcp, json)
}

/// Reads a forward with `meta` headers, checks everything but the time, and acknowledges.
fn receive_meta(user: &mut User, from: &str, kind: &str, emote: bool, body: &str) {
    let head = format!("FORWARD {from}\nContent-length: {}\nTime: ", body.len());
    user.torecv.expect(head.as_bytes());
    let time = user
        .torecv
        .read_n("2026-11-21T14:02:03Z\n".len(), crate::support::PATIENCE);
    assert!(time.ends_with(b"Z\n"), "{}", String::from_utf8_lossy(&time));
    let emote = if emote { "Emote: yes\n" } else { "" };
    let rest = format!("Kind: {kind}\n{emote}\n{body}");
    user.torecv.expect(rest.as_bytes());
    user.torecv.send(format!("RECEIVED {from}\n\n").as_bytes());
}

#[test]
fn joins_leaves_and_lists_cross_the_protocols() {
    let (_server, tcp, json) = server();
    let mut alice = User::join_with(tcp, "alice", EXT);
    let mut pat = Peer::join_extended(json, "pat");
    alice.torecv.expect(b"EVENT JOIN pat\n\n");
    let bob = User::join(tcp, "bob");
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    pat.expect(r#"{"type":"join","nick":"bob"}"#);
    alice.tosend.send(b"USERS\n\n");
    alice
        .tosend
        .expect(b"USERS 3\nContent-length: 14\n\nalice\nbob\npat\n");
    pat.send(r#"{"type":"users"}"#);
    pat.expect(r#"{"type":"users","nicks":["alice","bob","pat"]}"#);
    drop(bob);
    alice
        .torecv
        .expect(b"EVENT LEAVE bob\nReason: disconnected\n\n");
    pat.expect(r#"{"type":"leave","nick":"bob","reason":"disconnected"}"#);
    drop(pat);
    alice
        .torecv
        .expect(b"EVENT LEAVE pat\nReason: disconnected\n\n");
}

#[test]
fn a_name_is_one_name_across_the_protocols() {
    let (_server, tcp, json) = server();
    let _alice = User::join(tcp, "alice");
    let mut p = Peer::connect(json);
    p.send(r#"{"type":"hello","nick":"alice"}"#);
    p.expect_error("nick-taken", "alice is taken");
    p.expect_closed();
    let _pat = Peer::join(json, "pat");
    let mut raw = crate::support::Raw::connect(tcp);
    raw.send(b"REGISTER TOSEND pat\n\n");
    raw.expect(b"ERROR 104 Username taken\n\n");
}

#[test]
fn a_broadcast_from_either_side_reaches_everyone_in_its_own_wire() {
    let (_server, tcp, json) = server();
    let mut alice = User::join(tcp, "alice");
    let mut carol = User::join_with(tcp, "carol", EXT);
    let mut pat = Peer::join(json, "pat");
    carol.torecv.expect(b"EVENT JOIN pat\n\n");
    // Two-socket to all: a chat for pat, SENT once the two-socket recipient acknowledged.
    alice.send_to("ALL", b"hello all");
    pat.expect(r#"{"type":"chat","nick":"alice","message":"hello all"}"#);
    receive_meta(&mut carol, "alice", "all", false, "hello all");
    alice.tosend.expect(b"SENT ALL\n\n");
    // JSON chat: a FORWARD to every two-socket user, the echo to pat.
    pat.send(r#"{"type":"chat","message":"hi from json"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"hi from json"}"#);
    alice.receive("pat", b"hi from json");
    receive_meta(&mut carol, "pat", "all", false, "hi from json");
    // Emotes both ways.
    pat.send(r#"{"type":"emote","message":"waves"}"#);
    pat.expect(r#"{"type":"chat","nick":"pat","message":"/me waves"}"#);
    alice.receive("pat", b"/me waves");
    receive_meta(&mut carol, "pat", "all", true, "waves");
    carol
        .tosend
        .send(b"SEND ALL\nContent-length: 4\nEmote: yes\n\nbows");
    pat.expect(r#"{"type":"chat","nick":"carol","message":"/me bows"}"#);
    alice.receive("carol", b"/me bows");
    carol.tosend.expect(b"SENT ALL\n\n");
    pat.expect_silence(QUIET);
}

#[test]
fn direct_messages_go_both_ways_and_delivered_means_acknowledged() {
    let (_server, tcp, json) = server();
    let mut alice = User::join(tcp, "alice");
    let mut pat = Peer::join_extended(json, "pat");
    let mut seed = Peer::join(json, "seed");
    pat.expect(r#"{"type":"join","nick":"seed"}"#);
    // Two-socket to JSON: SENT once the packet is on pat's connection.
    alice.send_to("pat", b"psst");
    pat.expect(r#"{"type":"dm","nick":"alice","to":"pat","message":"psst"}"#);
    alice.tosend.expect(b"SENT pat\n\n");
    alice.send_to("seed", b"hi seed");
    seed.expect(r#"{"type":"chat","nick":"alice -> seed","message":"hi seed"}"#);
    alice.tosend.expect(b"SENT seed\n\n");
    // JSON to two-socket: the echo only after alice's RECEIVED.
    pat.send(r#"{"type":"dm","to":"alice","message":"back at you"}"#);
    alice.torecv.expect(&forward_msg("pat", b"back at you"));
    pat.expect_silence(QUIET);
    alice.torecv.send(b"RECEIVED pat\n\n");
    pat.expect(r#"{"type":"dm","nick":"pat","to":"alice","message":"back at you"}"#);
    // A refusal from the recipient is an error for the JSON sender.
    pat.send(r#"{"type":"dm","to":"alice","message":"again"}"#);
    alice.torecv.expect(&forward_msg("pat", b"again"));
    alice.torecv.send(b"ERROR 103 Header Incomplete\n\n");
    pat.expect_error("not-delivered", "alice did not receive it");
}

#[test]
fn a_body_that_is_not_text_reaches_json_users_readable() {
    let (_server, tcp, json) = server();
    let mut alice = User::join(tcp, "alice");
    let mut pat = Peer::join(json, "pat");
    alice.send_to("pat", b"caf\xe9\x00!");
    pat.expect("{\"type\":\"chat\",\"nick\":\"alice -> pat\",\"message\":\"caf\u{fffd}\\u0000!\"}");
    alice.tosend.expect(b"SENT pat\n\n");
}

#[test]
fn a_message_too_long_for_the_json_framing_fails_only_that_recipient() {
    let (_server, tcp, json) = server();
    let mut alice = User::join(tcp, "alice");
    let mut pat = Peer::join(json, "pat");
    let body = vec![b'x'; 65_500];
    alice.send_to("pat", &body);
    alice.tosend.expect(b"ERROR 102 Unable to send\n\n");
    pat.expect_silence(QUIET);
    alice.send_to("pat", b"short");
    pat.expect(r#"{"type":"chat","nick":"alice -> pat","message":"short"}"#);
    alice.tosend.expect(b"SENT pat\n\n");
}
