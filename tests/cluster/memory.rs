//! Accounts, mailboxes and history across nodes: a name claimed on one node needs its
//! password on the others, a message kept for it on one node reaches it on whichever node it
//! comes back, and each user's node keeps in its history what was said on the others.

use super::*;
use crate::support::cluster::{Nats, Node};
use crate::support::{eventually, User};

const BAD_PASSWORD: &str = "ERROR 109 Bad password\n\n";

/// Registers one socket of `name` on `addr` with `headers`; the socket and the answer.
fn register(addr: std::net::SocketAddr, role: &str, name: &str, headers: &str) -> (Raw, String) {
    let mut raw = Raw::connect(addr);
    raw.send(format!("REGISTER {role} {name}\n{headers}\n").as_bytes());
    let answer = next_message(&mut raw);
    (raw, answer)
}

#[test]
fn a_claimed_name_and_its_mailbox_follow_the_user_to_any_node() {
    let nats = Nats::start("accounts");
    let n1 = Node::start_with_data(&nats, "n1", &[]);
    let n2 = Node::start_with_data(&nats, "n2", &[]);
    let mut w2 = json::Peer::join_extended(n2.json, "w2");
    let mut w1 = json::Peer::join_extended(n1.json, "w1");
    wait_for_users(&mut w2, &["w1", "w2"]);
    wait_for_users(&mut w1, &["w1", "w2"]);
    // bob claims his name on n1.
    let mut bob = User::join_with(n1.addr(), "bob", "quit, auth");
    bob.tosend.send(b"PASSWORD\nContent-length: 2\n\npw");
    bob.tosend.expect(b"PASSWORD SET\n\n");
    bob.tosend.send(b"QUIT\n\n");
    bob.tosend.expect(b"BYE\n\n");
    // n2 learns the claim: a wrong password is refused there too.
    eventually("n2 knows bob's password", || {
        let (_raw, answer) = register(n2.addr(), "TOSEND", "bob", "Password: nope\n");
        answer == BAD_PASSWORD
    });
    // A message for bob, offline everywhere, is kept on n1...
    let mut alice = User::join_with(n1.addr(), "alice", "offline");
    alice.send_to("bob", b"while you were out");
    alice.tosend.expect(b"STORED bob\nId: 1\n\n");
    // ...and reaches him when he logs in on n2, with his password.
    let headers = "Extensions: offline\nPassword: pw\n";
    let mut tosend = None;
    eventually("the pause after the wrong password ends", || {
        let (raw, answer) = register(n2.addr(), "TOSEND", "bob", headers);
        let ok = answer == "REGISTERED TOSEND bob\nExtensions: offline\n\n";
        tosend = ok.then_some(raw);
        ok
    });
    let (mut torecv, answer) = register(n2.addr(), "TORECV", "bob", headers);
    assert_eq!(answer, "REGISTERED TORECV bob\nExtensions: offline\n\n");
    torecv.expect(b"FORWARD alice\nContent-length: 18\nId: 1\nStored: yes\n\nwhile you were out");
    torecv.send(b"RECEIVED alice\n\n");
    // alice, on n1, hears it arrived; it left n1's mailbox.
    alice.torecv.expect(b"EVENT DELIVERED bob\nId: 1\n\n");
    drop(tosend);
}

/// `packet` with each `"time":"…"` as `"time":"T"`.
fn untimed(packet: &str) -> String {
    let mut out = String::new();
    let mut rest = packet;
    while let Some(at) = rest.find(r#""time":""#) {
        let (head, tail) = rest.split_at(at + 8);
        out.push_str(head);
        out.push('T');
        rest = &tail[tail.find('"').expect("the time's closing quote")..];
    }
    out + rest
}

/// A JSON user of `addr` asking for direct messages and history.
fn remembering(addr: std::net::SocketAddr, nick: &str) -> json::Peer {
    let mut peer = json::Peer::connect(addr);
    peer.send(&format!(
        r#"{{"type":"hello","nick":"{nick}","extensions":["dm","history"]}}"#
    ));
    peer.expect(&format!(
        r#"{{"type":"welcome","nick":"{nick}","extensions":["dm","history"]}}"#
    ));
    peer
}

/// The next packet of `peer` that is not a join or a leave, its times as `T`.
fn next_said(peer: &mut json::Peer) -> String {
    loop {
        let got = peer.next_payload();
        if !got.starts_with(r#"{"type":"join""#) && !got.starts_with(r#"{"type":"leave""#) {
            return untimed(&got);
        }
    }
}

#[test]
fn each_users_history_on_its_own_node_has_what_was_said_on_the_others() {
    let nats = Nats::start("history");
    let h1 = Node::start_with_data(&nats, "h1", &[]);
    let h2 = Node::start_with_data(&nats, "h2", &[]);
    let h3 = Node::start_with_data(&nats, "h3", &[]);
    let mut w1 = json::Peer::join_extended(h1.json, "w1");
    // bob (h2) speaks first: h2's ids run ahead of h1's.
    let mut bob = remembering(h2.json, "bob");
    bob.send(r#"{"type":"dm","to":"bob","message":"note to self"}"#);
    let note =
        r#"{"type":"dm","nick":"bob","to":"bob","message":"note to self","id":1,"time":"T"}"#;
    assert_eq!(next_said(&mut bob), note);
    // carol on h3 comes and goes: h3 stays in the cluster with nobody on it.
    let carol = remembering(h3.json, "carol");
    wait_for_users(&mut w1, &["bob", "carol", "w1"]);
    drop(carol);
    wait_for_users(&mut w1, &["bob", "w1"]);
    let mut alice = remembering(h1.json, "alice");
    alice.send(r#"{"type":"chat","message":"hello all"}"#);
    assert_eq!(
        next_said(&mut alice),
        r#"{"type":"chat","nick":"alice","message":"hello all","id":1,"time":"T"}"#
    );
    // bob has it under h2's next id.
    assert_eq!(
        next_said(&mut bob),
        r#"{"type":"chat","nick":"alice","message":"hello all","id":2,"time":"T"}"#
    );
    alice.send(r#"{"type":"dm","to":"bob","message":"psst"}"#);
    assert_eq!(
        next_said(&mut bob),
        r#"{"type":"dm","nick":"alice","to":"bob","message":"psst","id":3,"time":"T"}"#
    );
    assert_eq!(
        next_said(&mut alice),
        r#"{"type":"dm","nick":"alice","to":"bob","message":"psst","id":2,"time":"T"}"#
    );
    // Each asks its own node: the same messages, under the ids each was given.
    bob.send(r#"{"type":"history"}"#);
    assert_eq!(
        next_said(&mut bob),
        concat!(
            r#"{"type":"history","messages":["#,
            r#"{"id":1,"time":"T","nick":"bob","to":"bob","message":"note to self"},"#,
            r#"{"id":2,"time":"T","nick":"alice","message":"hello all"},"#,
            r#"{"id":3,"time":"T","nick":"alice","to":"bob","message":"psst"}]}"#
        )
    );
    alice.send(r#"{"type":"history"}"#);
    assert_eq!(
        next_said(&mut alice),
        concat!(
            r#"{"type":"history","messages":["#,
            r#"{"id":1,"time":"T","nick":"alice","message":"hello all"},"#,
            r#"{"id":2,"time":"T","nick":"alice","to":"bob","message":"psst"}]}"#
        )
    );
    // h3 had nobody on it, and kept what was said to everyone (not the direct message).
    let mut carol = remembering(h3.json, "carol");
    carol.send(r#"{"type":"history"}"#);
    assert_eq!(
        next_said(&mut carol),
        r#"{"type":"history","messages":[{"id":1,"time":"T","nick":"alice","message":"hello all"}]}"#
    );
}
