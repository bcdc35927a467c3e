//! A node killed with `kill -9`, and NATS restarted: the others go on, names come free,
//! presence comes back without restarting any node.

use super::*;
use crate::support::cluster::{Nats, Node};
use crate::support::json::Peer;
use crate::support::reliability::Member;
use crate::support::User;

#[test]
fn a_killed_node_leaves_the_others_chatting_and_its_names_free() {
    let nats = Nats::start("kill");
    let ([n1, n2, mut n3], _watchers) = mesh(&nats, &["--ack-timeout", "3"]);
    let mut alice = User::join_with(n1.addr(), "alice", "events");
    let mut bob = Peer::join_extended(n2.json, "bob");
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    let _carol = User::join(n3.addr(), "carol");
    alice.torecv.expect(b"EVENT JOIN carol\n\n");
    n3.server.child.kill().expect("kill -9 n3");
    let _ = n3.server.child.wait();
    // A send to the dead node's user fails (at once, or by the ack timeout).
    alice.send_to("carol", b"still there?");
    alice.tosend.expect(b"ERROR 102 Unable to send\n\n");
    // The others hear that its users left, and go on chatting meanwhile.
    alice
        .torecv
        .expect(b"EVENT LEAVE carol\nReason: disconnected\n\n");
    alice.send_to("bob", b"just us");
    expect_json_any_order(
        &mut bob,
        &[
            r#"{"type":"leave","nick":"carol","reason":"disconnected"}"#,
            r#"{"type":"dm","nick":"alice","to":"bob","message":"just us"}"#,
        ],
    );
    alice.tosend.expect(b"SENT bob\n\n");
    // carol can come back on another node under her name.
    crate::support::eventually("carol's name free on n2", || {
        Member::try_join(n2.addr(), "carol").is_ok()
    });
}

#[test]
fn nodes_find_each_other_again_after_nats_restarts() {
    let mut nats = Nats::start("restart");
    let n1 = Node::start(&nats, "n1", &[]);
    let n2 = Node::start(&nats, "n2", &[]);
    let mut alice = Peer::join_extended(n1.json, "alice");
    let mut bob = Peer::join_extended(n2.json, "bob");
    wait_for_users(&mut alice, &["alice", "bob"]);
    nats.restart();
    // Once both nodes are back on NATS, each sees the other's users again, and messages
    // cross as before, with no node restarted.
    let _dave = User::join(n2.addr(), "dave");
    wait_for_users(&mut alice, &["alice", "bob", "dave"]);
    wait_for_users(&mut bob, &["alice", "bob", "dave"]);
    alice.send(r#"{"type":"dm","to":"bob","message":"back?"}"#);
    assert_eq!(
        next_not_leave_or_join(&mut bob),
        r#"{"type":"dm","nick":"alice","to":"bob","message":"back?"}"#
    );
    // A name held before the restart is still held cluster-wide.
    let mut tosend = Raw::connect(n1.addr());
    tosend.send(b"REGISTER TOSEND bob\n\n");
    tosend.expect(b"ERROR 104 Username taken\n\n");
}

/// The next packet that is not a join or a leave (the restart may show both).
fn next_not_leave_or_join(peer: &mut Peer) -> String {
    loop {
        let got = next_not_join(peer);
        if !got.starts_with(r#"{"type":"leave""#) {
            return got;
        }
    }
}
