//! `client --protocol json` end to end through the real `server` binary's JSON front end
//! (`--json-port`, docs/PROTOCOL.md Part 4), driven by pipes: JSON users among themselves,
//! and JSON and two-socket users in one chat.

use crate::support::client::{untimed, Client, Server};

/// A `client --protocol json` joined as `nick` to `server`'s JSON port.
pub(crate) fn json_user(server: &Server, nick: &str) -> Client {
    Client::registered(json_port(server), nick, &["--protocol", "json"])
}

fn json_port(server: &Server) -> u16 {
    server.json_port.expect("the JSON front end is on")
}

pub(crate) fn leave(mut client: Client) {
    client.send("/quit");
    client.exits_ok();
}

#[test]
fn json_users_chat_with_every_extension() {
    let server = Server::start_json();
    let mut pat = json_user(&server, "pat");
    let mut chris = json_user(&server, "chris");
    assert_eq!(pat.expect("chris"), "*** chris has joined the chat");

    chris.send("hi pat");
    assert_eq!(chris.expect("deliver"), "delivered to ALL");
    assert_eq!(pat.expect("hi pat"), "chris: hi pat");
    pat.send("@chris psst");
    assert_eq!(pat.expect("deliver"), "delivered to chris");
    assert_eq!(chris.expect("psst"), "pat -> chris: psst");
    pat.send("/me waves");
    assert_eq!(pat.expect("deliver"), "delivered to ALL");
    assert_eq!(chris.expect("waves"), "[pat waves]");
    pat.send("/users");
    assert_eq!(pat.expect("online"), "online (2): chris, pat");
    pat.send("@nobody x");
    assert_eq!(
        pat.expect("deliver"),
        "could not deliver to nobody: nobody is not online (no-such-user)"
    );

    // A taken nick is asked again.
    let mut other = Client::start(json_port(&server), "chris", &["--protocol", "json"]);
    assert_eq!(
        other.expect("taken"),
        "the name \"chris\" is taken; choose another"
    );
    other.expect("Username:");
    other.send("chris2");
    other.expect("registered as chris2");
    assert_eq!(pat.expect("chris2"), "*** chris2 has joined the chat");
    leave(other);
    let left = pat.expect("chris2");
    assert!(left.starts_with("*** chris2 has left the chat"), "{left}");
    leave(chris);
    leave(pat);
}

#[test]
fn json_and_two_socket_users_share_one_chat() {
    let server = Server::start_json();
    let mut alice = Client::registered(server.port, "alice", &[]);
    let mut pat = json_user(&server, "pat");
    assert_eq!(alice.expect("pat"), "*** pat joined");

    pat.send("@alice hi alice");
    assert_eq!(pat.expect("deliver"), "delivered to alice");
    assert_eq!(untimed(&alice.expect("hi alice")), "pat (to you): hi alice");
    alice.send("@pat hey pat");
    assert_eq!(alice.expect("deliver"), "delivered to pat");
    assert_eq!(pat.expect("hey pat"), "alice -> pat: hey pat");
    alice.send("@ALL to everyone");
    assert_eq!(alice.expect("deliver"), "delivered to ALL");
    assert_eq!(pat.expect("everyone"), "alice: to everyone");
    pat.send("hello all");
    assert_eq!(pat.expect("deliver"), "delivered to ALL");
    assert_eq!(untimed(&alice.expect("hello all")), "pat: hello all");
    leave(pat);
    let left = alice.expect("pat");
    assert!(left.starts_with("*** pat left"), "{left}");
    leave(alice);
}
