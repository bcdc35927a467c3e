//! A node killed with `kill -9`, and NATS restarted: the others go on, names come free,
//! presence comes back without restarting any node, and a name two nodes gave out while NATS
//! was away ends up with one of them.

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
    let ([n1, n2], [mut alice, mut bob]) = two_nodes(&nats, ["alice", "bob"]);
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

#[test]
fn a_name_given_out_on_two_nodes_while_nats_was_away_stays_with_one_of_them() {
    let mut nats = Nats::start("split");
    let ([n1, n2], [mut w1, mut w2]) = two_nodes(&nats, ["w1", "w2"]);
    nats.kill();
    // Each node, alone, gives bob out, and counts the other down (its heartbeats stopped).
    let mut bobs = [&n1, &n2].map(|node| {
        let mut bob = None;
        crate::support::eventually("a node alone gives bob out", || {
            bob = Member::try_join(node.addr(), "bob").ok();
            bob.is_some()
        });
        bob.expect("bob joined")
    });
    wait_for_users(&mut w1, &["bob", "w1"]);
    wait_for_users(&mut w2, &["bob", "w2"]);
    nats.start_again();
    // Back on NATS, exactly one node keeps him: the other's bob is disconnected.
    let mut lost = None;
    crate::support::eventually("one node disconnects its bob", || {
        lost = (0..2).find(|&i| bobs[i].rx.poll_closed());
        lost.is_some()
    });
    let kept = 1 - lost.expect("a bob lost");
    // Both nodes list one bob, the one kept, and his name is taken on either node.
    wait_for_users(&mut w1, &["bob", "w1", "w2"]);
    wait_for_users(&mut w2, &["bob", "w1", "w2"]);
    for node in [&n1, &n2] {
        assert!(Member::try_join(node.addr(), "bob").is_err());
    }
    // Messages reach the bob that was kept, from the other node.
    let (watcher, from) = if kept == 0 {
        (&mut w2, "w2")
    } else {
        (&mut w1, "w1")
    };
    watcher.send(r#"{"type":"dm","to":"bob","message":"which one?"}"#);
    bobs[kept].receive(from, b"which one?");
}

/// Two nodes, a JSON user on each (`names`), each user seeing both.
fn two_nodes(nats: &Nats, names: [&str; 2]) -> ([Node; 2], [Peer; 2]) {
    let nodes = ["n1", "n2"].map(|n| Node::start(nats, n, &[]));
    let mut users = [0, 1].map(|i| Peer::join_extended(nodes[i].json, names[i]));
    for user in &mut users {
        wait_for_users(user, &names);
    }
    (nodes, users)
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
