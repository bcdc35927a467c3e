//! The operator console of one node sees and kicks the users of the others.

use crate::support::cluster::{Nats, Node};
use crate::support::console::Proc;
use crate::support::User;

#[test]
fn a_console_lists_and_kicks_the_users_of_another_node() {
    let nats = Nats::start("console");
    let n1 = Node::start(&nats, "n1", &[]);
    let url = nats.url();
    let mut n2 = Proc::start_with(&["--nats", &url, "--node", "n2"]);
    let mut alice = User::join_with(n1.addr(), "alice", "events");
    let mut bob = User::join(n1.addr(), "bob");
    alice.torecv.expect(b"EVENT JOIN bob\n\n");
    let mut listed = String::new();
    crate::support::eventually("n2's console lists n1's users", || {
        n2.type_line("users");
        let mut lines = vec![n2.next_line()];
        while !lines
            .last()
            .is_some_and(|l| l.ends_with("online") || l.contains("online ("))
        {
            lines.push(n2.next_line());
        }
        listed = lines.join("\n");
        listed.ends_with("2 online (0 here)")
    });
    assert_eq!(
        listed,
        "NAME   ADDRESS          CONNECTED SINCE      SENT\n\
         alice  on node n1\n\
         bob    on node n1\n\
         2 online (0 here)"
    );
    n2.type_line("kick bob spamming");
    n2.expect_line("kicked bob (spamming)");
    alice
        .torecv
        .expect(b"EVENT KICK bob\nReason: spamming\n\nEVENT LEAVE bob\nReason: kicked\n\n");
    bob.torecv.expect_closed();
    n2.type_line("kick nobody");
    n2.expect_line("no user called nobody");
}
