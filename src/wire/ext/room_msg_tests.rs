//! Exact bytes of every rooms message (PROTOCOL.md Part 8), both directions, and how
//! liberally they are read.

use super::*;
use crate::wire::RoomInfo;
use proptest::prelude::*;
use proptest::sample::Index;

fn s(text: &str) -> String {
    text.to_string()
}

fn room() -> String {
    s("#rust")
}

/// Every Part 8 message beside its bytes; public to the stream tests.
pub(crate) fn room_table() -> Vec<(ExtMsg, &'static [u8])> {
    let time = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    vec![
        (ExtMsg::RoomJoin { room: room() }, b"JOIN #rust\n\n"),
        (ExtMsg::Joined { room: room() }, b"JOINED #rust\n\n"),
        (ExtMsg::Part { room: room() }, b"PART #rust\n\n"),
        (ExtMsg::Parted { room: room() }, b"PARTED #rust\n\n"),
        (ExtMsg::RoomsRequest, b"ROOMS\n\n"),
        (
            ExtMsg::Rooms {
                rooms: vec![
                    RoomInfo {
                        room: s("#lobby"),
                        members: 12,
                        topic: None,
                    },
                    RoomInfo {
                        room: room(),
                        members: 3,
                        topic: Some(s("Rust, mostly")),
                    },
                ],
            },
            b"ROOMS 2\nContent-length: 31\n\n#lobby 12\n#rust 3 Rust, mostly\n",
        ),
        (
            ExtMsg::Rooms { rooms: vec![] },
            b"ROOMS 0\nContent-length: 0\n\n",
        ),
        (ExtMsg::WhoRequest { room: room() }, b"WHO #rust\n\n"),
        (
            ExtMsg::Who {
                room: room(),
                operator: Some(s("alice")),
                topic: Some(s("Rust, mostly")),
                names: vec![s("alice"), s("bob")],
            },
            b"WHO #rust 2\nContent-length: 10\nOperator: alice\nTopic: Rust, mostly\n\nalice\nbob\n",
        ),
        (
            ExtMsg::Who {
                room: room(),
                operator: None,
                topic: None,
                names: vec![],
            },
            b"WHO #rust 0\nContent-length: 0\n\n",
        ),
        (
            ExtMsg::SetTopic {
                room: room(),
                topic: s("Rust, mostly"),
            },
            b"TOPIC #rust\nTopic: Rust, mostly\n\n",
        ),
        (
            ExtMsg::SetTopic {
                room: room(),
                topic: String::new(),
            },
            b"TOPIC #rust\n\n",
        ),
        (ExtMsg::TopicSet { room: room() }, b"TOPIC SET #rust\n\n"),
        (
            ExtMsg::RoomKick {
                name: s("bob"),
                room: room(),
                reason: Some(s("spam")),
            },
            b"KICK bob #rust\nReason: spam\n\n",
        ),
        (
            ExtMsg::RoomKick {
                name: s("bob"),
                room: room(),
                reason: None,
            },
            b"KICK bob #rust\n\n",
        ),
        (
            ExtMsg::Kicked {
                name: s("bob"),
                room: room(),
            },
            b"KICKED bob #rust\n\n",
        ),
        (
            ExtMsg::Join {
                name: s("bob"),
                room: Some(room()),
            },
            b"EVENT JOIN bob\nRoom: #rust\n\n",
        ),
        (
            ExtMsg::Leave {
                name: s("bob"),
                room: Some(room()),
                reason: Some(s("part")),
            },
            b"EVENT LEAVE bob\nRoom: #rust\nReason: part\n\n",
        ),
        (
            ExtMsg::Kick {
                name: s("bob"),
                room: Some(room()),
                by: Some(s("alice")),
                reason: Some(s("spam")),
            },
            b"EVENT KICK bob\nRoom: #rust\nBy: alice\nReason: spam\n\n",
        ),
        (
            ExtMsg::Kick {
                name: s("bob"),
                room: Some(room()),
                by: Some(s("*server*")),
                reason: None,
            },
            b"EVENT KICK bob\nRoom: #rust\nBy: *server*\n\n",
        ),
        (
            ExtMsg::TopicChanged {
                room: room(),
                by: s("alice"),
                topic: Some(s("Rust, mostly")),
            },
            b"EVENT TOPIC #rust\nBy: alice\nTopic: Rust, mostly\n\n",
        ),
        (
            ExtMsg::TopicChanged {
                room: room(),
                by: s("alice"),
                topic: None,
            },
            b"EVENT TOPIC #rust\nBy: alice\n\n",
        ),
        (
            ExtMsg::HistoryRequest {
                room: Some(room()),
                before: Some(42),
                after: None,
                limit: None,
            },
            b"HISTORY\nRoom: #rust\nBefore: 42\n\n",
        ),
        (
            ExtMsg::History {
                room: Some(room()),
                entries: vec![Entry {
                    id: 41,
                    from: s("alice"),
                    to: Some(room()),
                    time,
                    emote: false,
                    body: b"hi".to_vec(),
                }],
            },
            concat!(
                "HISTORY 1\nContent-length: 69\nRoom: #rust\n\n",
                "ENTRY 41 alice #rust\nContent-length: 2\nTime: 2026-11-30T10:00:00Z\n\nhi"
            )
            .as_bytes(),
        ),
    ]
}

#[test]
fn every_rooms_message_has_exact_bytes_and_reads_back() {
    writes_and_reads(room_table());
}

#[test]
fn rooms_messages_are_read_liberally() {
    let table: Vec<(&[u8], ExtMsg)> = vec![
        (b"join   #rust \n\n", ExtMsg::RoomJoin { room: room() }),
        (b"Parted\t#rust\r\n\r\n", ExtMsg::Parted { room: room() }),
        (b"topic set  #rust\n\n", ExtMsg::TopicSet { room: room() }),
        (
            b"TOPIC #rust\ntopic:   \n\n",
            ExtMsg::SetTopic {
                room: room(),
                topic: String::new(),
            },
        ),
        (
            b"kick  bob   #rust\nREASON:  spam \n\n",
            ExtMsg::RoomKick {
                name: s("bob"),
                room: room(),
                reason: Some(s("spam")),
            },
        ),
        (
            b"who #rust 2\ntopic: \nOPERATOR: alice\ncontent-length: 12\n\n alice\n\nbob\n",
            ExtMsg::Who {
                room: room(),
                operator: Some(s("alice")),
                topic: None,
                names: vec![s("alice"), s("bob")],
            },
        ),
        (
            b"rooms 1\ncontent-length: 13\n\n\n #lobby  12\n",
            ExtMsg::Rooms {
                rooms: vec![RoomInfo {
                    room: s("#lobby"),
                    members: 12,
                    topic: None,
                }],
            },
        ),
        (
            b"event topic #rust\nby: alice\ntopic:  Rust \n\n",
            ExtMsg::TopicChanged {
                room: room(),
                by: s("alice"),
                topic: Some(s("Rust")),
            },
        ),
        (
            b"EVENT LEAVE bob\nReason: kicked\nroom: #rust\n\n",
            ExtMsg::Leave {
                name: s("bob"),
                room: Some(room()),
                reason: Some(s("kicked")),
            },
        ),
        (
            b"HISTORY\nLimit: 5\nroom:  #rust \n\n",
            ExtMsg::HistoryRequest {
                room: Some(room()),
                before: None,
                after: None,
                limit: Some(5),
            },
        ),
        (
            // A room name is the rest of the line: extra words make it malformed, not lost.
            b"JOIN #a b\n\n",
            ExtMsg::RoomJoin { room: s("#a b") },
        ),
    ];
    for (bytes, msg) in table {
        assert_eq!(read(bytes), Some(msg), "{}", String::from_utf8_lossy(bytes));
    }
    not_read(&[
        &b"JOIN\n\n"[..],
        b"PART  \n\n",
        b"JOINED\n\n",
        b"WHO\n\n",
        b"WHO\nContent-length: 0\n\n",
        b"TOPIC SET\n\n",
        b"TOPIC\n\n",
        b"KICK bob\n\n",
        b"KICKED #rust\n\n",
        b"EVENT TOPIC #rust\nTopic: x\n\n",
        b"ROOMS 1\nContent-length: 6\n\n#rust\n",
        b"ROOMS 1\nContent-length: 9\n\n#rust x\n\n",
    ]);
}

#[test]
fn every_strict_prefix_of_a_rooms_message_is_incomplete() {
    for (_, bytes) in room_table() {
        for cut in 0..bytes.len() {
            let prefix = &bytes[..cut];
            assert_eq!(
                decode(prefix, &Limits::default()),
                Ok(None),
                "{}",
                String::from_utf8_lossy(prefix)
            );
        }
    }
}

/// Reads every whole message of `bytes` as an extension message, as a connection would.
fn read_all(mut bytes: &[u8]) {
    while let Ok(Some((msg, used))) = decode(bytes, &Limits::default()) {
        if let Some(ext) = ExtMsg::from_message(&msg) {
            // Whatever was understood can be written again and reads back the same.
            let again = ExtMsg::from_message(&decoded(&ext.to_bytes()));
            assert_eq!(again.as_ref(), Some(&ext), "{msg:?}");
        }
        bytes = &bytes[used..];
    }
}

proptest! {
    #[test]
    fn mutated_rooms_messages_never_panic(
        picks in proptest::collection::vec(any::<Index>(), 1..6),
        flips in proptest::collection::vec(
            (any::<Index>(), any::<u8>()),
            0..6,
        ),
    ) {
        let table = room_table();
        let mut bytes = Vec::new();
        for pick in picks {
            bytes.extend_from_slice(table[pick.index(table.len())].1);
        }
        for (at, b) in flips {
            let at = at.index(bytes.len());
            bytes[at] = b;
        }
        read_all(&bytes);
    }

    #[test]
    fn random_bytes_after_a_room_verb_never_panic(
        verb in proptest::sample::select(
            &["JOIN ", "PART ", "ROOMS", "WHO ", "TOPIC ", "KICK ", "KICKED ", "EVENT TOPIC "][..],
        ),
        rest in proptest::collection::vec(any::<u8>(), 0..80),
    ) {
        read_all(&[verb.as_bytes(), &rest, b"\n\n"].concat());
    }
}
