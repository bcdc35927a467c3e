//! Accounts and mailboxes across nodes: a name claimed on one node needs its password on the
//! others, and a message kept for it on one node reaches it on whichever node it comes back.

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
