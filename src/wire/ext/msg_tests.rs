//! Exact bytes of every extension message, and how liberally they are read (the rooms' in
//! `room_msg_tests.rs`).

use super::*;
use crate::wire::{decode, Limits};
use chrono::{DateTime, Utc};

fn decoded(bytes: &[u8]) -> Message {
    match decode(bytes, &Limits::default()) {
        Ok(Some((msg, used))) if used == bytes.len() => msg,
        other => panic!("{bytes:?} did not decode whole: {other:?}"),
    }
}

/// The message `bytes` read as an extension message.
fn read(bytes: &[u8]) -> Option<ExtMsg> {
    ExtMsg::from_message(&decoded(bytes))
}

/// Each message is written as its bytes, and its bytes read back as it.
fn writes_and_reads<'a>(table: impl IntoIterator<Item = (ExtMsg, &'a [u8])>) {
    for (msg, bytes) in table {
        assert_eq!(
            String::from_utf8_lossy(&msg.to_bytes()),
            String::from_utf8_lossy(bytes)
        );
        assert_eq!(read(bytes), Some(msg));
    }
}

/// None of these reads as an extension message.
fn not_read(all: &[&[u8]]) {
    for bytes in all {
        assert_eq!(read(bytes), None, "{}", String::from_utf8_lossy(bytes));
    }
}

#[test]
fn every_extension_message_has_exact_bytes_and_reads_back() {
    let table: &[(ExtMsg, &[u8])] = &[
        (
            ExtMsg::Join {
                name: "bob".into(),
                room: None,
            },
            b"EVENT JOIN bob\n\n",
        ),
        (
            ExtMsg::Leave {
                name: "bob".into(),
                room: None,
                reason: Some("timeout".into()),
            },
            b"EVENT LEAVE bob\nReason: timeout\n\n",
        ),
        (
            ExtMsg::Kick {
                name: "bob".into(),
                room: None,
                by: None,
                reason: Some("be nice".into()),
            },
            b"EVENT KICK bob\nReason: be nice\n\n",
        ),
        (ExtMsg::UsersRequest, b"USERS\n\n"),
        (
            ExtMsg::Users {
                names: vec!["alice".into(), "bob".into()],
            },
            b"USERS 2\nContent-length: 10\n\nalice\nbob\n",
        ),
        (
            ExtMsg::Users { names: vec![] },
            b"USERS 0\nContent-length: 0\n\n",
        ),
        (
            ExtMsg::Ping {
                token: "t0k".into(),
            },
            b"PING t0k\n\n",
        ),
        (
            ExtMsg::Pong {
                token: "t0k".into(),
            },
            b"PONG t0k\n\n",
        ),
        (ExtMsg::Quit, b"QUIT\n\n"),
        (ExtMsg::Bye, b"BYE\n\n"),
    ];
    writes_and_reads(table.iter().cloned());
}

#[test]
fn reading_is_liberal_and_ignores_what_is_not_an_extension_message() {
    assert_eq!(
        read(b"event leave  bob \nreason:  quit \n\n"),
        Some(ExtMsg::Leave {
            name: "bob".into(),
            room: None,
            reason: Some("quit".into())
        })
    );
    assert_eq!(
        read(b"EVENT KICK bob\nReason: \n\n"),
        Some(ExtMsg::Kick {
            name: "bob".into(),
            room: None,
            by: None,
            reason: None
        })
    );
    assert_eq!(read(b"USERS 0\n\n"), Some(ExtMsg::Users { names: vec![] }));
    not_read(&[
        &b"EVENT JOIN\n\n"[..],
        b"EVENT DANCE bob\n\n",
        b"FORWARD bob\nContent-length: 0\n\n",
        b"SENT bob\n\n",
        b"HELLO\n\n",
    ]);
}

#[test]
fn the_memory_extensions_messages_have_exact_bytes_and_read_back() {
    let time = DateTime::parse_from_rfc3339("2026-11-30T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let entries = vec![
        Entry {
            id: 41,
            from: "alice".into(),
            to: None,
            time,
            emote: false,
            body: b"hi all".to_vec(),
        },
        Entry {
            id: 42,
            from: "alice".into(),
            to: Some("bob".into()),
            time,
            emote: true,
            body: b"waves\n\n".to_vec(),
        },
    ];
    let page = concat!(
        "HISTORY 2\nContent-length: 154\n\n",
        "ENTRY 41 alice ALL\nContent-length: 6\nTime: 2026-11-30T10:00:00Z\n\nhi all",
        "ENTRY 42 alice bob\nContent-length: 7\nTime: 2026-11-30T10:00:00Z\nEmote: yes\n\nwaves\n\n",
    );
    let table: Vec<(ExtMsg, &[u8])> = vec![
        (
            ExtMsg::Password {
                password: "s3cret".into(),
            },
            b"PASSWORD\nContent-length: 6\n\ns3cret",
        ),
        (
            ExtMsg::Password {
                password: String::new(),
            },
            b"PASSWORD\nContent-length: 0\n\n",
        ),
        (ExtMsg::PasswordSet, b"PASSWORD SET\n\n"),
        (ExtMsg::PasswordDropped, b"PASSWORD DROPPED\n\n"),
        (
            ExtMsg::Stored {
                to: "bob".into(),
                id: 42,
            },
            b"STORED bob\nId: 42\n\n",
        ),
        (
            ExtMsg::Delivered {
                to: "bob".into(),
                id: 42,
            },
            b"EVENT DELIVERED bob\nId: 42\n\n",
        ),
        (
            ExtMsg::HistoryRequest {
                room: None,
                before: Some(42),
                after: None,
                limit: Some(50),
            },
            b"HISTORY\nBefore: 42\nLimit: 50\n\n",
        ),
        (
            ExtMsg::HistoryRequest {
                room: None,
                before: None,
                after: None,
                limit: None,
            },
            b"HISTORY\n\n",
        ),
        (
            ExtMsg::History {
                room: None,
                entries,
            },
            page.as_bytes(),
        ),
        (
            ExtMsg::History {
                room: None,
                entries: vec![],
            },
            b"HISTORY 0\nContent-length: 0\n\n",
        ),
    ];
    writes_and_reads(table);
}

#[test]
fn memory_messages_that_do_not_fit_are_not_read() {
    assert_eq!(
        read(b"PASSWORD\nContent-length: 9\n\n  s3cret "),
        Some(ExtMsg::Password {
            password: "s3cret".into()
        }),
        "blanks around a password are not part of it"
    );
    assert_eq!(
        read(b"HISTORY\nAfter: 7\nLimit: 5000\n\n"),
        Some(ExtMsg::HistoryRequest {
            room: None,
            before: None,
            after: Some(7),
            limit: Some(MAX_HISTORY)
        })
    );
    not_read(&[
        &b"STORED bob\n\n"[..],
        b"STORED\nId: 4\n\n",
        b"EVENT DELIVERED bob\nId: x\n\n",
        b"PASSWORD MAYBE\n\n",
        b"HISTORY 1\nContent-length: 5\n\nhello",
        b"HISTORY 1\nContent-length: 24\n\nENTRY 1 a ALL\nTime: x\n\n\n",
    ]);
}

#[path = "room_msg_tests.rs"]
mod rooms;
