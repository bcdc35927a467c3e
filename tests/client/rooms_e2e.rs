//! Rooms (docs/PROTOCOL.md Part 8) end to end: real `client` processes in line mode,
//! through the real `server` binary, on both protocols in one chat: joining, a room's
//! messages and actions reaching its members only, topics, `/who`, `/rooms`, parting, a kick
//! from the server's console, and the refusals in words.

use crate::json_e2e::{json_user, leave};
use crate::support::client::{untimed, Client, Server, WAIT};

#[test]
fn a_room_on_both_protocols_through_the_real_server() {
    let mut server = Server::start_json();
    let mut alice = Client::registered(server.port, "alice", &[]);
    let mut bob = Client::registered(server.port, "bob", &[]);
    let mut pat = json_user(&server, "pat");
    assert_eq!(bob.expect("pat"), "*** pat joined");
    assert_eq!(alice.expect("pat"), "*** pat joined");

    alice.send("/join #rust");
    alice.next_is("joined #rust");
    bob.send("/join #rust");
    bob.next_is("joined #rust");
    alice.next_is("*** bob joined #rust");
    pat.send("/join #rust");
    pat.next_is("joined #rust");
    assert_eq!(
        alice.next_line(WAIT).as_deref(),
        Some("*** pat joined #rust")
    );
    assert_eq!(bob.next_line(WAIT).as_deref(), Some("*** pat joined #rust"));

    // A room's message reaches its members, in the room's shape on each protocol.
    alice.send("#rust hello rust");
    alice.next_is("delivered to #rust");
    assert_eq!(
        untimed(&bob.expect("hello rust")),
        "#rust alice: hello rust"
    );
    assert_eq!(pat.expect("hello rust"), "#rust alice: hello rust");
    pat.send("#rust /me waves");
    pat.next_is("delivered to #rust");
    assert_eq!(untimed(&alice.expect("waves")), "#rust * pat waves");
    assert_eq!(untimed(&bob.expect("waves")), "#rust * pat waves");

    // The creator is the operator: the topic is hers to set.
    alice.send("/topic #rust Rust, mostly");
    alice.next_is("topic of #rust set: Rust, mostly");
    bob.next_is("*** alice set the topic of #rust: Rust, mostly");
    pat.next_is("*** alice set the topic of #rust: Rust, mostly");
    bob.send("/topic #rust mine now");
    bob.next_is(
        "could not set the topic of #rust: only the room's operator may do that (ERROR 114)",
    );
    pat.send("/who #rust");
    pat.next_is("in #rust (3): alice (operator), bob, pat; topic: Rust, mostly");
    bob.send("/rooms");
    bob.next_is("rooms (2):");
    bob.next_is("  #lobby (3)");
    bob.next_is("  #rust (3): Rust, mostly");

    // Who parts is told so, the others see it; a room message then is refused in words.
    bob.send("/part");
    bob.next_is("left #rust");
    alice.next_is("*** bob left #rust");
    pat.next_is("*** bob left #rust");
    bob.send("#rust still here?");
    bob.next_is(
        "could not deliver to #rust: you are not in #rust; type /join #rust first (ERROR 113)",
    );
    bob.send("/part #lobby");
    bob.next_is("could not leave #lobby: nobody leaves the lobby (ERROR 120)");
    pat.send("/who #nowhere");
    pat.next_is("could not list who is in #nowhere: there is no such room (no-such-room)");

    // The console kicks pat from the room: everyone in it is told, the kick's leave is not
    // said twice, and pat's next room message is refused.
    server.console("kick pat #rust spam");
    pat.next_is("*** you were kicked from #rust by *server* (spam)");
    alice.next_is("*** pat was kicked from #rust by *server* (spam)");
    pat.send("#rust hello?");
    pat.next_is(
        "could not deliver to #rust: you are not in #rust; type /join #rust first (not-in-room)",
    );
    alice.send("#rust anyone?");
    alice.next_is("delivered to #rust");

    // Nothing of the room reached bob once he left.
    bob.send("/users");
    bob.next_is("online (3): alice, bob, pat");
    leave(pat);
    leave(bob);
    leave(alice);
}
