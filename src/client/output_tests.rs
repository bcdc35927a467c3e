//! The line view's shapes, byte for byte.

use super::*;

fn plain(from: &str, body: &[u8]) -> String {
    incoming(from, body, &Meta::default())
}

fn at(kind: Option<MetaKind>, emote: bool) -> Meta {
    Meta {
        time: Some("14:02".into()),
        kind,
        emote,
        ..Meta::default()
    }
}

#[test]
fn one_line_body() {
    assert_eq!(plain("alice", b"hello bob"), "alice: hello bob");
    assert_eq!(plain("alice", b"hello\n"), "alice: hello");
    assert_eq!(plain("alice", b""), "alice:");
}

#[test]
fn multi_line_body_is_indented() {
    assert_eq!(
        plain("al", b"one\r\ntwo\n\nthree"),
        "al: one\n    two\n\n    three"
    );
    assert_eq!(
        incoming("al", b"one\ntwo", &at(Some(MetaKind::All), false)),
        "[14:02] al: one\n            two"
    );
}

#[test]
fn meta_shapes() {
    let all = at(Some(MetaKind::All), false);
    assert_eq!(incoming("alice", b"hi", &all), "[14:02] alice: hi");
    let direct = at(Some(MetaKind::Direct), false);
    assert_eq!(
        incoming("alice", b"psst", &direct),
        "[14:02] alice (to you): psst"
    );
    let emote = at(Some(MetaKind::All), true);
    assert_eq!(incoming("alice", b"waves", &emote), "[14:02] * alice waves");
    let server = at(Some(MetaKind::Server), false);
    assert_eq!(
        incoming(SERVER_NAME, b"hello", &server),
        "[14:02] *** server: hello"
    );
}

#[test]
fn actions_and_the_server_without_meta() {
    assert_eq!(plain("alice", b"/me waves"), "* alice waves");
    assert_eq!(plain("alice", b"/met you"), "alice: /met you");
    assert_eq!(plain(SERVER_NAME, b"hello"), "*** server: hello");
    // An action sent with meta whose text starts like one stays as typed.
    assert_eq!(
        incoming("a", b"/me x", &at(None, true)),
        "[14:02] * a /me x"
    );
}

#[test]
fn events() {
    let line = |p: Push| push_line(&p, "bob", false);
    assert_eq!(
        line(Push::Joined("carol".into())).as_deref(),
        Some("*** carol joined")
    );
    let left = Push::Left {
        name: "carol".into(),
        reason: Some("quit".into()),
    };
    assert_eq!(line(left).as_deref(), Some("*** carol left (quit)"));
    let kick = |name: &str| Push::Kicked {
        name: name.into(),
        reason: Some("spam".into()),
    };
    assert_eq!(
        line(kick("carol")).as_deref(),
        Some("*** carol was kicked (spam)")
    );
    assert_eq!(
        line(kick("bob")).as_deref(),
        Some("*** you were kicked (spam)")
    );
    let quiet = Push::Left {
        name: "x".into(),
        reason: None,
    };
    assert_eq!(line(quiet).as_deref(), Some("*** x left"));
    assert_eq!(line(Push::Bye), None);
}

#[test]
fn the_seeds_shapes() {
    let meta = |to: Option<&str>, emote| Meta {
        to: to.map(String::from),
        emote,
        ..Meta::default()
    };
    assert_eq!(seed_incoming("pat", b"hi", &meta(None, false)), "pat: hi");
    assert_eq!(
        seed_incoming("pat", b"hi", &meta(Some("chris"), false)),
        "pat -> chris: hi"
    );
    assert_eq!(
        seed_incoming("pat", b"waves", &meta(None, true)),
        "[pat waves]"
    );
    assert_eq!(
        seed_incoming("pat", b"/me waves", &meta(None, false)),
        "[pat waves]"
    );
    assert_eq!(
        seed_incoming(SERVER_NAME, b"hello", &meta(None, false)),
        "*** server: hello"
    );
    let line = |p: Push| push_line(&p, "pat", true);
    assert_eq!(
        line(Push::Joined("leslie".into())).as_deref(),
        Some("*** leslie has joined the chat")
    );
    let left = |reason: Option<&str>| Push::Left {
        name: "chris".into(),
        reason: reason.map(String::from),
    };
    assert_eq!(
        line(left(None)).as_deref(),
        Some("*** chris has left the chat")
    );
    assert_eq!(
        line(left(Some("quit"))).as_deref(),
        Some("*** chris has left the chat (quit)")
    );
}

#[test]
fn user_list() {
    let names = ["alice", "bob", "carol"].map(String::from);
    assert_eq!(users_line(&names), "online (3): alice, bob, carol");
    assert_eq!(users_line(&[]), "online (0)");
}

#[test]
fn bad_utf8_and_control_bytes_are_replaced() {
    assert_eq!(plain("a", b"x\xffy"), "a: x\u{fffd}y");
    assert_eq!(plain("a", b"\x1b[31mred"), "a: \u{fffd}[31mred");
    assert_eq!(printable("tab\there"), "tab\there");
}

#[test]
fn the_lines_of_part_5() {
    assert_eq!(
        outcome_line(&Target::User("bob".into()), &Outcome::Stored(42)),
        "stored for bob"
    );
    assert_eq!(
        delivered_line("bob", Some("see you at 5")),
        "delivered to bob (stored): \"see you at 5\""
    );
    let long = "a message much longer than forty characters, cut\nand more";
    assert_eq!(
        delivered_line("bob", Some(long)),
        "delivered to bob (stored): \"a message much longer than forty charact…\""
    );
    assert_eq!(
        delivered_line("bob", None),
        "delivered to bob (a message stored earlier)"
    );
    assert_eq!(
        claimed_line("alice", true),
        "password set: the name alice is yours, and logging in as alice needs it"
    );
    assert_eq!(
        claimed_line("alice", false),
        "claim dropped: the name alice is anyone's again"
    );
    assert_eq!(history_block(&[]), "history: no messages");
}

#[test]
fn a_history_entry_without_a_readable_time_still_reads() {
    let entry = Entry {
        id: 1,
        from: "bob".into(),
        to: None,
        at: None,
        emote: false,
        text: "hi\u{1b}[2J".into(),
    };
    assert_eq!(
        history_block(&[entry]),
        "history (1 message, oldest first):\n  [?] bob: hi\u{fffd}[2J"
    );
}

#[test]
fn a_rooms_messages_name_the_room() {
    let room = |emote: bool| Meta {
        room: Some("#rust".into()),
        ..at(Some(MetaKind::Room), emote)
    };
    assert_eq!(
        incoming("alice", b"hi", &room(false)),
        "[14:02] #rust alice: hi"
    );
    assert_eq!(
        incoming("alice", b"waves", &room(true)),
        "[14:02] #rust * alice waves"
    );
    assert_eq!(
        incoming("alice", b"one\ntwo", &room(false)),
        "[14:02] #rust alice: one\n                     two"
    );
    let untimed = Meta {
        room: Some("#rust".into()),
        ..Meta::default()
    };
    assert_eq!(incoming("al", b"/me bows", &untimed), "#rust * al bows");
    assert_eq!(seed_incoming("pat", b"hi", &untimed), "#rust pat: hi");
    assert_eq!(
        seed_incoming("pat", b"/me waves", &untimed),
        "#rust [pat waves]"
    );
}

#[test]
fn a_message_lost_with_the_server_and_the_wait_for_the_next_round() {
    assert_eq!(
        outcome_line(&Target::User("bob".into()), &Outcome::Lost),
        "no reply for bob: the connection was lost; it may or may not have been delivered"
    );
    assert_eq!(
        retry_line(Duration::from_secs(4)),
        "could not reconnect to any server; trying again in 4 s"
    );
}
