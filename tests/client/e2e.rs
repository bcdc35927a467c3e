//! Real `client` processes talking through the real `server` binary, all driven by pipes,
//! the way a person or a script would use them.

use crate::support::client::{untimed, Client, Server};

fn leave(mut client: Client) {
    client.close_stdin();
    client.exits_ok();
}

#[test]
fn two_clients_chat_through_the_server() {
    let server = Server::start();
    let mut bob = Client::registered(server.port, "bob", &[]);
    let mut alice = Client::registered(server.port, "alice", &[]);

    alice.send("@bob hello bob");
    assert_eq!(
        untimed(&bob.expect("hello bob")),
        "alice (to you): hello bob"
    );
    assert_eq!(alice.expect("deliver"), "delivered to bob");

    alice.send("@ALL hi all");
    assert_eq!(untimed(&bob.expect("hi all")), "alice: hi all");
    assert_eq!(alice.expect("deliver"), "delivered to ALL");

    alice.send("@nobody x");
    let line = alice.expect("deliver");
    assert!(line.starts_with("could not deliver to nobody"), "{line}");

    alice.send("hello?");
    assert!(alice.expect("not sent").contains("@name message"));

    bob.send("@alice hi alice");
    assert_eq!(untimed(&alice.expect("hi alice")), "bob (to you): hi alice");
    assert_eq!(bob.expect("deliver"), "delivered to alice");

    leave(alice);
    leave(bob);
}

#[test]
fn a_taken_name_is_refused_and_another_is_asked_for() {
    let server = Server::start();
    let mut first = Client::registered(server.port, "carol", &[]);
    let mut second = Client::start(server.port, "carol", &[]);
    assert_eq!(
        second.expect("taken"),
        "the name \"carol\" is taken; choose another"
    );
    second.expect("Username:");
    second.send("carol2");
    second.expect("registered as carol2");
    second.send("@carol hi");
    assert_eq!(untimed(&first.expect("carol2 (")), "carol2 (to you): hi");
    assert_eq!(second.expect("deliver"), "delivered to carol");
    leave(second);
    leave(first);
}

#[test]
fn prompts_for_server_and_name_when_no_flags_are_given() {
    let server = Server::start();
    let mut dave = Client::spawn(&[]);
    dave.expect("Server address:");
    dave.send(&format!("127.0.0.1:{}", server.port));
    dave.expect("Username:");
    dave.send("dave");
    dave.expect("registered as dave");
    dave.send("@dave note to self");
    assert_eq!(untimed(&dave.expect("note")), "dave (to you): note to self");
    assert_eq!(dave.expect("deliver"), "delivered to dave");
    dave.send("/quit");
    dave.exits_ok();
}

#[test]
fn a_server_that_goes_away_is_reported_once_and_exit_is_nonzero() {
    let mut server = Server::start();
    let mut erin = Client::registered(server.port, "erin", &[]);
    server.kill();
    let line = erin.expect("connection");
    let ok = line == "server closed the connection" || line.starts_with("lost the connection");
    assert!(ok, "{line}");
    let rest = erin.rest();
    assert!(rest.is_empty(), "more output after the close: {rest:?}");
    assert!(!erin.wait().success());
}
