//! Every code the client can get, in every place it can get it, in words.

use super::*;

fn bob() -> Target {
    Target::User("bob".into())
}

fn error(code: u16) -> Refusal {
    Refusal::from_error(code, "whatever the server says")
}

#[test]
fn every_two_socket_code_for_a_message_to_one_user_and_to_all() {
    let table: [(u16, &str, &str); 9] = [
        (
            100,
            "the server does not take \"bob\" for a name (ERROR 100)",
            "this server does not send to ALL (ERROR 100)",
        ),
        (
            101,
            "the server says you are not registered (ERROR 101)",
            "the server says you are not registered (ERROR 101)",
        ),
        (
            102,
            "bob is not online or did not receive it (ERROR 102)",
            "not everyone received it (ERROR 102)",
        ),
        (
            103,
            "the server could not read the message (ERROR 103)",
            "the server could not read the message (ERROR 103)",
        ),
        (
            104,
            "the server says the name is taken (ERROR 104)",
            "the server says the name is taken (ERROR 104)",
        ),
        (
            105,
            "the message is too long for the server (ERROR 105)",
            "the message is too long for the server (ERROR 105)",
        ),
        (
            106,
            "the server does not understand it (ERROR 106)",
            "the server does not understand it (ERROR 106)",
        ),
        (
            107,
            "the server is full; try again later (ERROR 107)",
            "the server is full; try again later (ERROR 107)",
        ),
        (
            108,
            "you are sending too fast; wait a moment and try again (ERROR 108)",
            "you are sending too fast; wait a moment and try again (ERROR 108)",
        ),
    ];
    for (code, to_bob, to_all) in table {
        assert_eq!(error(code).for_message(&bob(), None), to_bob, "{code}");
        assert_eq!(
            error(code).for_message(&Target::All, None),
            to_all,
            "{code}"
        );
    }
}

#[test]
fn error_102_says_which_when_the_session_knows_who_is_online() {
    let e = error(102);
    assert_eq!(
        e.for_message(&bob(), Some(false)),
        "bob is not online (ERROR 102)"
    );
    assert_eq!(
        e.for_message(&bob(), Some(true)),
        "bob did not receive it (ERROR 102)"
    );
    assert_eq!(
        e.for_message(&Target::All, Some(true)),
        "not everyone received it (ERROR 102)"
    );
}

#[test]
fn an_unknown_code_shows_the_servers_text() {
    assert_eq!(
        Refusal::from_error(150, " Slow down ").for_message(&bob(), None),
        "the server says \"Slow down\" (ERROR 150)"
    );
    assert_eq!(
        Refusal::from_error(199, "").for_message(&bob(), None),
        "the server refused it (ERROR 199)"
    );
}

#[test]
fn every_json_code_for_a_message() {
    let table = [
        ("no-such-user", "bob is not online (no-such-user)"),
        ("not-delivered", "bob did not receive it (not-delivered)"),
        (
            "rate-limited",
            "you are sending too fast; wait a moment and try again (rate-limited)",
        ),
        (
            "bad-packet",
            "the server could not read the message (bad-packet)",
        ),
        (
            "malformed",
            "the server could not read the message (malformed)",
        ),
        (
            "too-long",
            "the message is too long for the server (too-long)",
        ),
        (
            "no-hello",
            "the server says you are not registered (no-hello)",
        ),
        (
            "already-joined",
            "the server says you have already joined (already-joined)",
        ),
        ("timeout", "the server stopped waiting for us (timeout)"),
        (
            "server-full",
            "the server is full; try again later (server-full)",
        ),
        ("odd-code", "the server says \"be nice\" (odd-code)"),
    ];
    for (code, words) in table {
        let refusal = Refusal::from_json(code, "be nice");
        assert_eq!(refusal.for_message(&bob(), None), words, "{code}");
    }
}

#[test]
fn user_lists_and_registrations() {
    assert_eq!(
        error(106).for_users(),
        "this server does not support /users (ERROR 106)"
    );
    assert_eq!(
        error(101).for_users(),
        "could not list users: the server says you are not registered (ERROR 101)"
    );
    assert_eq!(
        error(107).for_registering("alice"),
        "the server refused to register \"alice\": the server is full; try again later (ERROR 107)"
    );
    assert_eq!(
        Refusal::from_json("nick-taken", "").for_registering("alice"),
        "the name \"alice\" is taken (nick-taken)"
    );
    assert_eq!(
        Refusal::from_json("bad-nick", "").for_registering("al"),
        "the server does not take \"al\" for a name (bad-nick)"
    );
}

#[test]
fn the_codes_of_part_5_in_words_on_both_protocols() {
    let table = [
        (
            error(109),
            "wrong password (ERROR 109)",
            "wrong password (ERROR 109)",
        ),
        (
            error(110),
            "bob's mailbox is full; try again once bob is back (ERROR 110)",
            "the recipient's mailbox is full; try again later (ERROR 110)",
        ),
        (
            error(111),
            "the server could not keep it for bob; try again later (ERROR 111)",
            "the server could not keep the message; try again later (ERROR 111)",
        ),
        (
            Refusal::from_json("mailbox-full", "full"),
            "bob's mailbox is full; try again once bob is back (mailbox-full)",
            "the recipient's mailbox is full; try again later (mailbox-full)",
        ),
        (
            Refusal::from_json("store-failed", "disk"),
            "the server could not keep it for bob; try again later (store-failed)",
            "the server could not keep the message; try again later (store-failed)",
        ),
        (
            Refusal::from_json("bad-password", "no"),
            "wrong password (bad-password)",
            "wrong password (bad-password)",
        ),
    ];
    for (refusal, to_bob, to_all) in table {
        assert_eq!(refusal.for_message(&bob(), None), to_bob);
        assert_eq!(refusal.for_message(&Target::All, None), to_all);
    }
}

#[test]
fn claims_and_history_pages_in_words() {
    assert_eq!(
        error(106).for_password(false),
        "this server does not support accounts (/register, /unregister) (ERROR 106)"
    );
    assert_eq!(
        error(111).for_password(false),
        "could not set the password: the server could not keep the message; try again later \
         (ERROR 111)"
    );
    assert_eq!(
        error(101).for_password(true),
        "could not drop the claim: the server says you are not registered (ERROR 101)"
    );
    assert_eq!(
        error(106).for_history(),
        "this server does not support /history (ERROR 106)"
    );
    assert_eq!(
        Refusal::from_json("rate-limited", "").for_history(),
        "could not get the history: you are sending too fast; wait a moment and try again \
         (rate-limited)"
    );
    assert_eq!(
        unsupported(Feature::Accounts),
        "this server does not support accounts (/register, /unregister)"
    );
}

#[test]
fn the_rooms_codes_in_words_on_both_protocols() {
    let rust = Target::Room("#rust".into());
    let table = [
        (
            112,
            "no-such-room",
            "could not join #rust: there is no such room",
        ),
        (113, "not-in-room", "could not join #rust: not in that room"),
        (
            114,
            "not-operator",
            "could not join #rust: only the room's operator may do that",
        ),
        (
            115,
            "too-many-rooms",
            "could not join #rust: you are in as many rooms as the server allows; leave one first",
        ),
        (116, "room-full", "could not join #rust: the room is full"),
        (
            117,
            "bad-room",
            "could not join #rust: the server does not take that for a room name",
        ),
        (
            118,
            "topic-too-long",
            "could not join #rust: the topic is too long (at most 300 bytes)",
        ),
        (
            119,
            "room-limit",
            "could not join #rust: the server holds all the rooms it can; join one that exists",
        ),
        (
            120,
            "lobby",
            "could not join #rust: nobody leaves the lobby",
        ),
    ];
    for (code, json, words) in table {
        assert_eq!(
            error(code).for_room("join #rust"),
            format!("{words} (ERROR {code})")
        );
        assert_eq!(
            Refusal::from_json(json, "x").for_room("join #rust"),
            format!("{words} ({json})")
        );
    }
    assert_eq!(
        error(106).for_room("list the rooms"),
        "this server has no rooms (/join, /part, /rooms, /who, /topic, #room) (ERROR 106)"
    );
    assert_eq!(
        error(112).for_message(&rust, None),
        "there is no room #rust (ERROR 112)"
    );
    assert_eq!(
        Refusal::from_json("not-in-room", "").for_message(&rust, None),
        "you are not in #rust; type /join #rust first (not-in-room)"
    );
    assert_eq!(
        error(102).for_message(&rust, None),
        "not everyone in #rust received it (ERROR 102)"
    );
}
