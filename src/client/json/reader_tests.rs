//! What each packet from the server is for the session.

use super::*;

fn event(packet: Packet) -> Option<Event> {
    on_packet(packet, "pat")
}

fn incoming(from: &str, text: &str, to: Option<&str>, emote: bool) -> (String, Vec<u8>, Meta) {
    let kind = if to.is_some() {
        MetaKind::Direct
    } else {
        MetaKind::All
    };
    let meta = Meta {
        kind: Some(kind),
        emote,
        to: to.map(String::from),
        ..Meta::default()
    };
    (from.to_string(), text.as_bytes().to_vec(), meta)
}

#[test]
fn someone_elses_messages_are_shown() {
    let chat = Packet::Chat {
        nick: Some("chris".into()),
        room: None,
        message: "hi".into(),
        id: None,
        time: None,
    };
    let dm = Packet::Dm {
        nick: Some("chris".into()),
        to: "pat".into(),
        message: "psst".into(),
        id: None,
        stored: None,
        time: None,
    };
    let emote = Packet::Emote {
        nick: Some("chris".into()),
        room: None,
        message: "waves".into(),
        id: None,
        time: None,
    };
    let cases = [
        (chat, incoming("chris", "hi", None, false)),
        (dm, incoming("chris", "psst", Some("pat"), false)),
        (emote, incoming("chris", "waves", None, true)),
    ];
    for (packet, (from, body, meta)) in cases {
        match event(packet) {
            Some(Event::Incoming {
                from: f,
                body: b,
                meta: m,
            }) => assert_eq!((f, b, m), (from, body, meta)),
            other => panic!("not a message: {other:?}"),
        }
    }
}

#[test]
fn our_own_echo_answers_the_request_and_is_shown_only_unclaimed() {
    let echo = |packet| match event(packet) {
        Some(Event::Reply {
            reply: Reply::Success { name },
            unclaimed: Some(SessionEvent::Incoming { from, .. }),
        }) => (name, from),
        other => panic!("not an echo: {other:?}"),
    };
    let chat = Packet::Chat {
        nick: Some("pat".into()),
        room: None,
        message: "hi".into(),
        id: None,
        time: None,
    };
    assert_eq!(echo(chat), ("ALL".to_string(), "pat".to_string()));
    let dm = Packet::Dm {
        nick: Some("pat".into()),
        to: "chris".into(),
        message: "hi".into(),
        id: None,
        stored: None,
        time: None,
    };
    assert_eq!(echo(dm), ("chris".to_string(), "pat".to_string()));
    let emote = Packet::Emote {
        nick: Some("pat".into()),
        room: None,
        message: "waves".into(),
        id: None,
        time: None,
    };
    assert_eq!(echo(emote), ("ALL".to_string(), "pat".to_string()));
}

#[test]
fn the_room_lists_and_errors() {
    let push = |packet| match event(packet) {
        Some(Event::Push(push)) => push,
        other => panic!("not a push: {other:?}"),
    };
    assert_eq!(
        push(Packet::Join {
            nick: Some("bob".into()),
            room: None,
        }),
        Push::Joined("bob".into())
    );
    assert_eq!(
        push(Packet::Leave {
            nick: "bob".into(),
            room: None,
            reason: None
        }),
        Push::Left {
            name: "bob".into(),
            reason: None
        }
    );
    assert_eq!(
        push(Packet::Kick {
            nick: "bob".into(),
            room: None,
            by: None,
            reason: Some("spam".into())
        }),
        Push::Kicked {
            name: "bob".into(),
            reason: Some("spam".into())
        }
    );
    let names = vec!["bob".to_string(), "pat".to_string()];
    assert!(matches!(
        event(Packet::Users { nicks: Some(names.clone()) }),
        Some(Event::Reply { reply: Reply::Users { names: n }, unclaimed: None }) if n == names
    ));
    match event(Packet::Error {
        code: "no-such-user".into(),
        message: "nobody".into(),
    }) {
        Some(Event::Reply {
            reply: Reply::Failure(refusal),
            unclaimed: Some(SessionEvent::ServerSaid(text)),
        }) => {
            assert_eq!(refusal, Refusal::from_json("no-such-user", ""));
            assert_eq!(text, "nobody of that name is online (no-such-user)");
        }
        other => panic!("not an error: {other:?}"),
    }
}

#[test]
fn what_the_session_has_no_use_for_is_dropped() {
    for packet in [
        Packet::Unknown {
            kind: "rooms".into(),
        },
        Packet::Malformed {
            kind: "chat".into(),
        },
        Packet::Welcome {
            nick: "pat".into(),
            extensions: vec![],
        },
        Packet::Users { nicks: None },
    ] {
        assert!(event(packet).is_none());
    }
}

#[test]
fn part_5_packets_answer_requests_or_tell_of_deliveries() {
    let reply = |packet| match event(packet) {
        Some(Event::Reply {
            reply,
            unclaimed: None,
        }) => reply,
        other => panic!("not a reply: {other:?}"),
    };
    assert_eq!(
        reply(Packet::Stored {
            to: "bob".into(),
            id: 42
        }),
        Reply::Stored {
            to: "bob".into(),
            id: 42
        }
    );
    let status = |s: &str| Packet::Password {
        password: None,
        status: Some(s.into()),
    };
    assert_eq!(reply(status("set")), Reply::Password { claimed: true });
    assert_eq!(reply(status("dropped")), Reply::Password { claimed: false });
    assert!(event(status("maybe")).is_none());
    let entry = chat::wire::json::Entry {
        id: 41,
        time: "2026-01-15T10:00:00Z".into(),
        nick: "alice".into(),
        to: None,
        room: None,
        message: "hi".into(),
        emote: false,
    };
    match reply(Packet::History {
        room: None,
        before: None,
        after: None,
        limit: None,
        messages: Some(vec![entry]),
    }) {
        Reply::History { entries } => assert_eq!(
            entries
                .iter()
                .map(|e| (e.id, e.text.as_str()))
                .collect::<Vec<_>>(),
            [(41, "hi")]
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        event(Packet::Delivered { to: "bob".into(), id: 42 }),
        Some(Event::Delivered { to, id: 42 }) if to == "bob"
    ));
}

#[test]
fn a_message_that_waited_keeps_its_id_time_and_mark() {
    let dm = Packet::Dm {
        nick: Some("chris".into()),
        to: "pat".into(),
        message: "while you were out".into(),
        id: Some(42),
        time: Some("2026-01-15T10:00:00Z".into()),
        stored: Some(true),
    };
    match event(dm) {
        Some(Event::Incoming { from, meta, .. }) => {
            assert_eq!(from, "chris");
            assert_eq!(meta.id, Some(42));
            assert!(meta.stored);
            assert_eq!(meta.to.as_deref(), Some("pat"));
            assert!(meta.at.is_some() && meta.time.is_some());
        }
        other => panic!("{other:?}"),
    }
    let echo = Packet::Chat {
        nick: Some("pat".into()),
        room: None,
        message: "hi".into(),
        id: Some(43),
        time: None,
    };
    assert!(matches!(
        event(echo),
        Some(Event::Reply { unclaimed: Some(SessionEvent::Incoming { meta, .. }), .. })
            if meta.id == Some(43) && !meta.stored
    ));
}

#[test]
fn a_rooms_packets_answer_our_requests_or_tell_of_the_room() {
    let s = |t: &str| t.to_string();
    let answer = |packet: Packet| match event(packet) {
        Some(Event::Reply {
            reply,
            unclaimed: None,
        }) => reply,
        other => panic!("not an answer: {other:?}"),
    };
    let push = |packet: Packet| match event(packet) {
        Some(Event::Push(push)) => push,
        other => panic!("not a push: {other:?}"),
    };
    let join = |nick: &str| Packet::Join {
        nick: Some(s(nick)),
        room: Some(s("#rust")),
    };
    assert_eq!(answer(join("pat")), Reply::Joined { room: s("#rust") });
    assert_eq!(
        push(join("chris")),
        Push::RoomJoined {
            room: s("#rust"),
            name: s("chris")
        }
    );
    let leave = |nick: &str, reason: &str| Packet::Leave {
        nick: s(nick),
        room: Some(s("#rust")),
        reason: Some(s(reason)),
    };
    assert_eq!(
        answer(leave("pat", "part")),
        Reply::Parted { room: s("#rust") }
    );
    assert_eq!(
        push(leave("pat", "kicked")),
        Push::RoomLeft {
            room: s("#rust"),
            name: s("pat"),
            reason: Some(s("kicked"))
        },
        "a kick's leave answers no /part"
    );
    let topic = |nick: &str, text: &str| Packet::Topic {
        room: s("#rust"),
        nick: Some(s(nick)),
        topic: s(text),
    };
    assert_eq!(
        answer(topic("pat", "fun")),
        Reply::TopicSet { room: s("#rust") }
    );
    assert_eq!(
        push(topic("chris", "")),
        Push::Topic {
            room: s("#rust"),
            by: s("chris"),
            topic: None
        }
    );
    assert_eq!(
        answer(Packet::Rooms {
            rooms: Some(vec![])
        }),
        Reply::Rooms { rooms: vec![] }
    );
    // A room's message names the room; the lobby's is a message to everyone.
    let chat = |room: &str| Packet::Chat {
        nick: Some(s("chris")),
        room: Some(s(room)),
        message: s("hi"),
        id: None,
        time: None,
    };
    let room_and_kind = |room: &str| match event(chat(room)) {
        Some(Event::Incoming { meta, .. }) => (meta.room, meta.kind),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        room_and_kind("#rust"),
        (Some(s("#rust")), Some(MetaKind::Room))
    );
    assert_eq!(room_and_kind("#lobby"), (None, Some(MetaKind::All)));
}
