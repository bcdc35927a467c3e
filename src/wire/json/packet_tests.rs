//! Exact bytes of the packets of Parts 5 and 8, and the ones whose members do not fit.

use super::super::{from_json, to_json};
use super::*;
use crate::wire::RoomInfo;

fn s(text: &str) -> String {
    text.to_string()
}

#[test]
fn part_5_packets_have_exact_bytes_and_read_back() {
    let entry = |id, to: Option<&str>, emote| Entry {
        id,
        time: s("2026-11-30T10:00:00Z"),
        nick: s("alice"),
        to: to.map(s),
        room: None,
        message: s("hi"),
        emote,
    };
    let table = [
        (
            Packet::Hello {
                nick: s("pat"),
                extensions: None,
                password: Some(s("s3cret")),
            },
            r#"{"type":"hello","nick":"pat","password":"s3cret"}"#,
        ),
        (
            Packet::Password {
                password: Some(s("new")),
                status: None,
            },
            r#"{"type":"password","password":"new"}"#,
        ),
        (
            Packet::Password {
                password: None,
                status: Some(s("set")),
            },
            r#"{"type":"password","status":"set"}"#,
        ),
        (
            Packet::Stored {
                to: s("bob"),
                id: 42,
            },
            r#"{"type":"stored","to":"bob","id":42}"#,
        ),
        (
            Packet::Delivered {
                to: s("bob"),
                id: 42,
            },
            r#"{"type":"delivered","to":"bob","id":42}"#,
        ),
        (
            Packet::Dm {
                nick: Some(s("alice")),
                to: s("bob"),
                message: s("hi"),
                id: Some(42),
                time: Some(s("2026-11-30T10:00:00Z")),
                stored: Some(true),
            },
            r#"{"type":"dm","nick":"alice","to":"bob","message":"hi","id":42,"time":"2026-11-30T10:00:00Z","stored":true}"#,
        ),
        (
            Packet::History {
                room: None,
                before: Some(42),
                after: None,
                limit: Some(50),
                messages: None,
            },
            r#"{"type":"history","before":42,"limit":50}"#,
        ),
        (
            Packet::History {
                room: None,
                before: None,
                after: None,
                limit: None,
                messages: Some(vec![entry(41, None, false), entry(42, Some("bob"), true)]),
            },
            concat!(
                r#"{"type":"history","messages":[{"id":41,"time":"2026-11-30T10:00:00Z","nick":"alice","message":"hi"},"#,
                r#"{"id":42,"time":"2026-11-30T10:00:00Z","nick":"alice","to":"bob","message":"hi","emote":true}]}"#
            ),
        ),
    ];
    for (packet, payload) in table {
        assert_eq!(to_json(&packet), payload);
        assert_eq!(from_json(payload.as_bytes()), Ok(packet));
    }
}

#[test]
fn part_5_packets_with_wrong_members_are_malformed() {
    for payload in [
        r#"{"type":"stored","to":"bob","id":"42"}"#,
        r#"{"type":"delivered","id":42}"#,
        r#"{"type":"history","before":-1}"#,
        r#"{"type":"history","messages":[{"id":1}]}"#,
        r#"{"type":"chat","message":"x","id":1.5}"#,
        r#"{"type":"hello","nick":"pat","password":7}"#,
    ] {
        let got = from_json(payload.as_bytes());
        assert!(
            matches!(got, Ok(Packet::Malformed { .. })),
            "{payload}: {got:?}"
        );
    }
}

/// Every Part 8 packet beside its payload, in both directions (for the stream tests too).
pub(crate) fn part_8_table() -> Vec<(Packet, &'static str)> {
    let rust = || Some(s("#rust"));
    vec![
        (
            Packet::Join {
                nick: None,
                room: rust(),
            },
            r##"{"type":"join","room":"#rust"}"##,
        ),
        (
            Packet::Join {
                nick: Some(s("pat")),
                room: rust(),
            },
            r##"{"type":"join","nick":"pat","room":"#rust"}"##,
        ),
        (
            Packet::Part { room: s("#rust") },
            r##"{"type":"part","room":"#rust"}"##,
        ),
        (
            Packet::Leave {
                nick: s("pat"),
                room: rust(),
                reason: Some(s("part")),
            },
            r##"{"type":"leave","nick":"pat","room":"#rust","reason":"part"}"##,
        ),
        (Packet::Rooms { rooms: None }, r#"{"type":"rooms"}"#),
        (
            Packet::Rooms {
                rooms: Some(vec![
                    RoomInfo {
                        room: s("#lobby"),
                        members: 12,
                        topic: None,
                    },
                    RoomInfo {
                        room: s("#rust"),
                        members: 3,
                        topic: Some(s("Rust, mostly")),
                    },
                ]),
            },
            r##"{"type":"rooms","rooms":[{"room":"#lobby","members":12},{"room":"#rust","members":3,"topic":"Rust, mostly"}]}"##,
        ),
        (
            Packet::Who {
                room: s("#rust"),
                operator: None,
                topic: None,
                nicks: None,
            },
            r##"{"type":"who","room":"#rust"}"##,
        ),
        (
            Packet::Who {
                room: s("#rust"),
                operator: Some(s("alice")),
                topic: Some(s("Rust, mostly")),
                nicks: Some(vec![s("alice"), s("bob")]),
            },
            r##"{"type":"who","room":"#rust","operator":"alice","topic":"Rust, mostly","nicks":["alice","bob"]}"##,
        ),
        (
            Packet::Topic {
                room: s("#rust"),
                nick: None,
                topic: s("Rust, mostly"),
            },
            r##"{"type":"topic","room":"#rust","topic":"Rust, mostly"}"##,
        ),
        (
            Packet::Topic {
                room: s("#rust"),
                nick: Some(s("pat")),
                topic: s(""),
            },
            r##"{"type":"topic","room":"#rust","nick":"pat","topic":""}"##,
        ),
        (
            Packet::Kick {
                nick: s("bob"),
                room: rust(),
                by: None,
                reason: Some(s("spam")),
            },
            r##"{"type":"kick","nick":"bob","room":"#rust","reason":"spam"}"##,
        ),
        (
            Packet::Kick {
                nick: s("bob"),
                room: rust(),
                by: None,
                reason: None,
            },
            r##"{"type":"kick","nick":"bob","room":"#rust"}"##,
        ),
        (
            Packet::Kick {
                nick: s("bob"),
                room: rust(),
                by: Some(s("pat")),
                reason: Some(s("spam")),
            },
            r##"{"type":"kick","nick":"bob","room":"#rust","by":"pat","reason":"spam"}"##,
        ),
        (
            Packet::Chat {
                nick: None,
                room: rust(),
                message: s("hi"),
                id: None,
                time: None,
            },
            r##"{"type":"chat","room":"#rust","message":"hi"}"##,
        ),
        (
            Packet::Chat {
                nick: Some(s("pat")),
                room: rust(),
                message: s("hi"),
                id: Some(42),
                time: Some(s("2026-11-30T10:00:00Z")),
            },
            r##"{"type":"chat","nick":"pat","room":"#rust","message":"hi","id":42,"time":"2026-11-30T10:00:00Z"}"##,
        ),
        (
            Packet::Emote {
                nick: Some(s("pat")),
                room: rust(),
                message: s("waves"),
                id: None,
                time: None,
            },
            r##"{"type":"emote","nick":"pat","room":"#rust","message":"waves"}"##,
        ),
        (
            Packet::History {
                room: rust(),
                before: Some(42),
                after: None,
                limit: None,
                messages: None,
            },
            r##"{"type":"history","room":"#rust","before":42}"##,
        ),
        (
            Packet::History {
                room: rust(),
                before: None,
                after: None,
                limit: None,
                messages: Some(vec![Entry {
                    id: 41,
                    time: s("2026-11-30T10:00:00Z"),
                    nick: s("alice"),
                    to: None,
                    room: rust(),
                    message: s("hi"),
                    emote: false,
                }]),
            },
            r##"{"type":"history","room":"#rust","messages":[{"id":41,"time":"2026-11-30T10:00:00Z","nick":"alice","room":"#rust","message":"hi"}]}"##,
        ),
    ]
}

#[test]
fn part_8_packets_have_exact_bytes_and_read_back() {
    for (packet, payload) in part_8_table() {
        assert_eq!(to_json(&packet), payload);
        assert_eq!(from_json(payload.as_bytes()), Ok(packet));
    }
}

#[test]
fn part_8_packets_are_read_in_any_order_and_wrong_members_are_malformed() {
    assert_eq!(
        from_json(br##"{"room":"#rust","reason":"spam","type":"kick","nick":"bob"}"##),
        Ok(Packet::Kick {
            nick: s("bob"),
            room: Some(s("#rust")),
            by: None,
            reason: Some(s("spam")),
        })
    );
    for payload in [
        r#"{"type":"part"}"#,
        r#"{"type":"part","room":7}"#,
        r#"{"type":"who"}"#,
        r##"{"type":"who","room":"#rust","nicks":"alice"}"##,
        r##"{"type":"topic","room":"#rust"}"##,
        r#"{"type":"topic","topic":"x"}"#,
        r##"{"type":"rooms","rooms":[{"room":"#a"}]}"##,
        r##"{"type":"rooms","rooms":[{"room":"#a","members":-1}]}"##,
        r##"{"type":"kick","room":"#rust"}"##,
        r#"{"type":"join","room":1}"#,
        r##"{"type":"chat","room":["#rust"],"message":"hi"}"##,
    ] {
        let got = from_json(payload.as_bytes());
        assert!(
            matches!(got, Ok(Packet::Malformed { .. })),
            "{payload}: {got:?}"
        );
    }
}
