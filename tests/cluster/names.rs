//! A name is held once in the whole cluster: taken on one node, refused on the others;
//! raced for on two nodes at once, exactly one wins; free again when its user leaves.

use super::*;
use crate::support::cluster::{Nats, Node};
use crate::support::reliability::Member;
use crate::support::User;

/// Registers `name` on `addr`, or `None` when it is refused.
fn try_take(addr: std::net::SocketAddr, name: &str) -> Option<Member> {
    Member::try_join(addr, name).ok()
}

#[test]
fn a_name_taken_on_one_node_is_refused_on_the_others_till_it_is_left() {
    let nats = Nats::start("names");
    let n1 = Node::start(&nats, "n1", &[]);
    let n2 = Node::start(&nats, "n2", &[]);
    let alice = User::join(n1.addr(), "alice");
    let mut tosend = Raw::connect(n2.addr());
    tosend.send(b"REGISTER TOSEND alice\n\n");
    tosend.expect(b"ERROR 104 Username taken\n\n");
    let mut pat = json::Peer::connect(n2.json);
    pat.send(r#"{"type":"hello","nick":"alice"}"#);
    pat.expect(r#"{"type":"error","code":"nick-taken","message":"alice is taken"}"#);
    drop(alice);
    let mut taken = None;
    crate::support::eventually("alice free on n2 after she left n1", || {
        taken = try_take(n2.addr(), "alice");
        taken.is_some()
    });
}

#[test]
fn of_two_users_racing_for_a_name_on_two_nodes_exactly_one_wins() {
    let nats = Nats::start("race");
    let n1 = Node::start(&nats, "n1", &[]);
    let n2 = Node::start(&nats, "n2", &[]);
    let (a1, a2) = (n1.addr(), n2.addr());
    for round in 0..20 {
        let name = format!("racer{round}");
        let (name1, name2) = (name.clone(), name.clone());
        let one = std::thread::spawn(move || try_take(a1, &name1));
        let two = std::thread::spawn(move || try_take(a2, &name2));
        let (one, two) = (one.join().unwrap(), two.join().unwrap());
        assert!(
            one.is_some() != two.is_some(),
            "{name}: n1 {}, n2 {}",
            one.is_some(),
            two.is_some()
        );
    }
}
