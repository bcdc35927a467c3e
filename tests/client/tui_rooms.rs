//! Rooms (docs/PROTOCOL.md Part 8) in the full-screen client: real `client` processes in
//! tmux (100 × 30) through the real `server`: the room list with its unread counts, the
//! pane and the users panel following the room in view (Alt-N, Ctrl-N), text alone going
//! to that room, the topic in the status line, and the rooms joined again after a reconnect.
//! Screen lines are compared exactly: the message pane without its `HH:MM` column (the local
//! time), the side panel as drawn.

use crate::support::client::*;

/// The side panel's rows (from column 83, after its border), trailing blanks trimmed.
fn panel(screen: &str) -> Vec<String> {
    (screen.lines())
        .map(|l| {
            l.chars()
                .skip(83)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .take_while(|l| !l.is_empty())
        .collect()
}

/// The message pane's rows that have a time, without it.
fn pane(screen: &str) -> Vec<String> {
    (screen.lines())
        .map(|l| l.chars().take(82).collect::<String>())
        .filter(|l| l.as_bytes().get(2) == Some(&b':') && l.as_bytes().get(5) == Some(&b' '))
        .map(|l| l[6..].trim_end().to_string())
        .collect()
}

/// The status line (the row above the input line).
fn status(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().collect();
    let at = rows.iter().rposition(|r| !r.trim().is_empty()).unwrap_or(0);
    rows[at.saturating_sub(1)].trim_end().to_string()
}

/// The side panel in `#rust`, with alice (its operator) and bob in it.
const IN_RUST: [&str; 6] = [
    " Rooms",
    " 1 #lobby",
    " 2 #rust",
    " #rust (2)",
    "@alice",
    " bob",
];

/// The side panel in the lobby, alice and bob online, `rust` the row of `#rust`.
fn in_lobby(rust: &str) -> [&str; 6] {
    [" Rooms", " 1 #lobby", rust, " Users (2)", " alice", " bob"]
}

/// Polls `who`'s screen until its side panel is exactly `rows`; returns the screen.
#[track_caller]
fn expect_panel(who: &Pane, rows: &[&str]) -> String {
    who.poll_screen(|s| panel(s) == rows, |s| format!("panel {:#?}", panel(s)))
}

/// Polls `who`'s screen until its pane ends with exactly `rows`; returns the screen.
#[track_caller]
fn expect_pane_ends(who: &Pane, rows: &[&str]) -> String {
    who.poll_screen(
        |s| pane(s).ends_with(&rows.iter().map(|r| r.to_string()).collect::<Vec<_>>()),
        |s| format!("pane {:#?}", pane(s)),
    )
}

#[test]
fn rooms_in_the_full_screen_list_unread_switch_and_rejoin() {
    let mut server = Server::start();
    let addr = format!("127.0.0.1:{}", server.port);
    let tmux = Tmux::start();
    let alice = tmux.signed_in(&addr, "alice");
    let bob = tmux.signed_in(&addr, "bob");
    expect_panel(
        &alice,
        &[" Rooms", " 1 #lobby", " Users (2)", " alice", " bob"],
    );

    // A typed /join lists the room and shows it: its members, the operator marked.
    alice.line("/join #rust");
    expect_panel(
        &alice,
        &[" Rooms", " 1 #lobby", " 2 #rust", " #rust (1)", "@alice"],
    );
    let screen = alice.expect(&["joined #rust"]);
    assert!(status(&screen).starts_with(&format!(" alice on {addr} · connected · #rust ")));
    bob.line("/join #rust");
    expect_panel(&bob, &IN_RUST);
    expect_pane_ends(&alice, &["joined #rust", "→ bob joined"]);
    expect_panel(&alice, &IN_RUST);

    // Text alone goes to the room in view.
    bob.line("hello rust");
    expect_pane_ends(&bob, &["joined #rust", "bob: hello rust ✓"]);
    expect_pane_ends(&alice, &["→ bob joined", "bob: hello rust"]);

    // Away in the lobby, alice sees the room's messages counted, not shown.
    alice.press("M-1");
    expect_panel(&alice, &in_lobby(" 2 #rust"));
    bob.line("more rust");
    bob.line("@ALL hi lobby");
    expect_pane_ends(&alice, &["bob: hi lobby"]);
    expect_panel(&alice, &in_lobby(" 2 #rust       1"));
    let screen = alice.screen();
    assert!(!screen.contains("more rust"), "{screen}");

    // Ctrl-N shows the room again: its unread count goes, its messages are there.
    alice.press("C-n");
    expect_pane_ends(&alice, &["bob: hello rust", "bob: more rust"]);
    expect_panel(&alice, &IN_RUST);

    // The operator sets the topic: both status lines say it.
    alice.line("/topic #rust Rust, mostly");
    expect_pane_ends(&alice, &["topic of #rust set: Rust, mostly"]);
    let screen = bob.expect(&["alice set the topic: Rust, mostly"]);
    assert!(status(&screen).starts_with(&format!(
        " bob on {addr} · connected · #rust: Rust, mostly "
    )));

    // The server goes; alice reconnects to another, and is in #rust again, shown.
    server.kill();
    alice.expect(&["! server closed the connection", "Reconnect"]);
    let other = Server::start();
    let addr = format!("127.0.0.1:{}", other.port);
    alice.press("C-u");
    alice.line(&addr);
    alice.expect(&[&format!("alice on {addr} · connected · #rust")]);
    expect_panel(
        &alice,
        &[" Rooms", " 1 #lobby", " 2 #rust", " #rust (1)", "@alice"],
    );
    alice.line("back again");
    expect_pane_ends(&alice, &["alice: back again ✓"]);
    alice.press("C-c");
    alice.expect(&["client exited 0", "terminal cooked"]);
}
