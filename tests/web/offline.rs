//! A direct message to a claimed name whose owner is away waits for them (Part 5, `offline`):
//! the sender's mark says so, and turns ✓ when they come back and have it.

use crate::browser::Chromium;

#[test]
fn a_message_for_someone_away_waits_and_its_mark_turns_when_they_have_it() {
    let server = crate::start();
    crate::claim(&server, "erin", "s3cret pw");
    let chromium = Chromium::start();
    let url = crate::url(&server);
    let alice = chromium.page(&url);
    alice.connect("alice", "");
    alice.wait_users(&["alice"]);
    alice.send("@erin can you review my patch after lunch?");
    let mark = alice.wait_mark("review my patch", "stored");
    assert_eq!(mark, "⧗ stored for erin");

    let erin = chromium.page(&url);
    erin.connect("erin", "s3cret pw");
    let line = erin.wait_line("review my patch");
    assert!(
        line.ends_with("alice → you: can you review my patch after lunch? (while you were away)"),
        "{line}"
    );
    alice.wait_mark("review my patch", "delivered");
    // It is in erin's history too, and shown once.
    erin.wait_text("#history-note", "the beginning of the history");
    assert_eq!(erin.line("review my patch")["count"], 1, "{}", erin.dump());
    alice.wait_users(&["alice", "erin"]);
}
