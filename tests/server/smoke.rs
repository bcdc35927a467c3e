//! The shortest proof that the server relays: two users, one message each way.

use crate::support::*;

#[test]
fn unicast_round_trip() {
    let server = start_default();
    let mut alice = User::join(server.local_addr(), "alice");
    let mut bob = User::join(server.local_addr(), "bob");
    alice.send_to("bob", b"hello");
    bob.receive("alice", b"hello");
    alice.tosend.expect(b"SENT bob\n\n");
    bob.send_to("alice", b"hi\n\nyou");
    alice.receive("bob", b"hi\n\nyou");
    bob.tosend.expect(b"SENT alice\n\n");
}
