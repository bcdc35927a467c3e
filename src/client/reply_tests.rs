//! Replies as servers write them, and which request each answers.

use super::*;
use chat::wire::{decode, Limits};

fn reply(bytes: &[u8]) -> Option<Reply> {
    match decode(bytes, &Limits::default()) {
        Ok(Some((msg, _))) => Reply::from_message(&msg),
        other => panic!("{bytes:?} did not decode: {other:?}"),
    }
}

fn ok(name: &str) -> Reply {
    Reply::Success { name: name.into() }
}

fn bob() -> Request {
    Request::Send(Target::User("bob".into()))
}

fn all() -> Request {
    Request::Send(Target::All)
}

#[test]
fn success_in_every_spelling() {
    assert_eq!(reply(b"SENT bob\n\n"), Some(ok("bob")));
    assert_eq!(reply(b"SEND bob\n\n"), Some(ok("bob")));
    assert_eq!(reply(b"SENT bob  \n \n"), Some(ok("bob")));
    assert_eq!(reply(b"sent ALL\r\n\r\n"), Some(ok("ALL")));
    assert_eq!(reply(b"SEND bob\nContent-length: 1\n\nx"), None);
    assert_eq!(reply(b"FORWARD bob\nContent-length: 1\n\nx"), None);
}

#[test]
fn errors_keyed_on_the_number() {
    let r = reply(b"ERROR 102 whatever\n\n");
    let unable = Refusal::from_error(102, "");
    assert_eq!(
        r.as_ref().map(|r| judge(r, &bob(), "me", false)),
        Some(Verdict::Failed(unable.clone()))
    );
    assert_eq!(
        judge(&Reply::Failure(unable.clone()), &all(), "me", false),
        Verdict::Failed(unable)
    );
}

#[test]
fn unicast_success_names() {
    for name in ["bob", "BOB", "", "alice"] {
        assert_eq!(judge(&ok(name), &bob(), "alice", true), Verdict::Delivered);
    }
    assert_eq!(
        judge(&ok("carol"), &bob(), "alice", false),
        Verdict::Delivered
    );
}

#[test]
fn late_broadcast_replies_are_stale_for_a_unicast() {
    assert_eq!(judge(&ok("ALL"), &bob(), "alice", false), Verdict::Stale);
    assert_eq!(judge(&ok("all"), &bob(), "alice", true), Verdict::Stale);
    assert_eq!(judge(&ok("carol"), &bob(), "alice", true), Verdict::Stale);
}

#[test]
fn any_success_answers_a_broadcast() {
    for name in ["ALL", "carol", "alice", ""] {
        assert_eq!(judge(&ok(name), &all(), "alice", true), Verdict::Delivered);
    }
}

#[test]
fn a_user_list_answers_users_only() {
    let listed = reply(b"USERS 2\nContent-length: 10\n\nalice\nbob\n");
    let names = vec!["alice".to_string(), "bob".to_string()];
    assert_eq!(
        listed,
        Some(Reply::Users {
            names: names.clone()
        })
    );
    let listed = listed.unwrap_or(ok(""));
    assert_eq!(
        judge(&listed, &Request::Users, "me", false),
        Verdict::Listed(names)
    );
    assert_eq!(judge(&listed, &bob(), "me", false), Verdict::Stale);
    assert_eq!(judge(&listed, &all(), "me", true), Verdict::Stale);
    assert_eq!(
        judge(&ok("ALL"), &Request::Users, "me", true),
        Verdict::Stale
    );
    let refused = reply(b"ERROR 106 Unknown command\n\n").unwrap_or(ok(""));
    assert_eq!(
        judge(&refused, &Request::Users, "me", false),
        Verdict::Failed(Refusal::from_error(106, ""))
    );
    assert_eq!(reply(b"USERS 0\n\n"), Some(Reply::Users { names: vec![] }));
}

#[test]
fn the_memory_extensions_replies_answer_their_own_requests() {
    let stored = reply(b"STORED bob\nId: 42\n\n");
    assert_eq!(
        stored,
        Some(Reply::Stored {
            to: "bob".into(),
            id: 42
        })
    );
    let stored = stored.unwrap_or(ok(""));
    assert_eq!(judge(&stored, &bob(), "me", false), Verdict::Stored(42));
    assert_eq!(judge(&stored, &all(), "me", false), Verdict::Stale);
    let other = Request::Send(Target::User("carol".into()));
    assert_eq!(judge(&stored, &other, "me", false), Verdict::Stale);

    let set = reply(b"PASSWORD SET\n\n").unwrap_or(ok(""));
    let dropped = reply(b"PASSWORD DROPPED\n\n").unwrap_or(ok(""));
    let claim = Request::Password { drop: false };
    assert_eq!(judge(&set, &claim, "me", false), Verdict::Claimed(true));
    assert_eq!(
        judge(&dropped, &claim, "me", false),
        Verdict::Claimed(false)
    );
    assert_eq!(judge(&set, &bob(), "me", false), Verdict::Stale);
    assert_eq!(judge(&ok("bob"), &claim, "me", false), Verdict::Stale);

    let page = reply(
        b"HISTORY 1\nContent-length: 64\n\nENTRY 7 bob ALL\nContent-length: 2\nTime: 2026-01-15T10:00:00Z\n\nhi",
    )
    .unwrap_or(ok(""));
    let history = Request::History(Page::typed(20));
    match judge(&page, &history, "me", false) {
        Verdict::Page(entries) => {
            assert_eq!(entries.len(), 1);
            assert_eq!((entries[0].id, entries[0].text.as_str()), (7, "hi"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(judge(&page, &Request::Users, "me", false), Verdict::Stale);
    let refused = Reply::Failure(Refusal::from_error(106, ""));
    assert!(matches!(
        judge(&refused, &history, "me", false),
        Verdict::Failed(_)
    ));
}

#[test]
fn owed_replies_are_dropped_in_order_until_they_expire() {
    let now = Instant::now();
    let later = now + std::time::Duration::from_secs(1);
    let mut owed = Owed::default();
    assert!(!owed.settles(&ok("bob"), now));
    owed.push(bob(), later);
    owed.push(Request::Users, later);
    let list = Reply::Users { names: vec![] };
    assert!(
        !owed.settles(&list, now),
        "a list is not the answer to a SEND"
    );
    assert!(owed.settles(&ok("bob"), now));
    assert!(owed.settles(&list, now));
    assert!(!owed.settles(&ok("bob"), now));
    owed.push(bob(), later);
    assert!(!owed.settles(&ok("bob"), later), "expired");
}

#[test]
fn the_rooms_replies_answer_their_own_requests_for_the_same_room() {
    let joined = reply(b"JOINED #rust\n\n").unwrap_or(ok(""));
    assert_eq!(
        joined,
        Reply::Joined {
            room: "#rust".into()
        }
    );
    let join = |r: &str| Request::Join(r.into());
    assert_eq!(
        judge(&joined, &join("#rust"), "me", false),
        Verdict::Answered
    );
    assert_eq!(judge(&joined, &join("#go"), "me", false), Verdict::Stale);
    assert_eq!(judge(&joined, &bob(), "me", false), Verdict::Stale);
    let parted = reply(b"PARTED #rust\n\n").unwrap_or(ok(""));
    let part = Request::Part("#rust".into());
    assert_eq!(judge(&parted, &part, "me", false), Verdict::Answered);
    assert_eq!(judge(&joined, &part, "me", false), Verdict::Stale);
    let rooms = reply(b"ROOMS 1\nContent-length: 10\n\n#lobby 12\n").unwrap_or(ok(""));
    assert_eq!(
        judge(&rooms, &Request::Rooms, "me", false),
        Verdict::Answered
    );
    assert_eq!(judge(&rooms, &Request::Users, "me", false), Verdict::Stale);
    let who =
        reply(b"WHO #rust 1\nContent-length: 6\nOperator: alice\n\nalice\n").unwrap_or(ok(""));
    assert_eq!(
        who,
        Reply::Who {
            room: "#rust".into(),
            operator: Some("alice".into()),
            topic: None,
            names: vec!["alice".into()]
        }
    );
    assert_eq!(
        judge(&who, &Request::Who("#rust".into()), "me", false),
        Verdict::Answered
    );
    let set = reply(b"TOPIC SET #rust\n\n").unwrap_or(ok(""));
    let topic = Request::Topic {
        room: "#rust".into(),
        topic: "hi".into(),
    };
    assert_eq!(judge(&set, &topic, "me", false), Verdict::Answered);
    let refused = Reply::Failure(Refusal::from_error(116, ""));
    assert!(matches!(
        judge(&refused, &join("#rust"), "me", false),
        Verdict::Failed(_)
    ));

    let room = Request::Send(Target::Room("#rust".into()));
    assert_eq!(
        judge(&ok("#rust"), &room, "alice", true),
        Verdict::Delivered
    );
    assert_eq!(judge(&ok("ALL"), &room, "alice", false), Verdict::Stale);
    assert_eq!(judge(&joined, &room, "alice", false), Verdict::Stale);

    let now = Instant::now();
    let later = now + std::time::Duration::from_secs(1);
    let mut owed = Owed::default();
    owed.push(join("#rust"), later);
    assert!(
        !owed.settles(&parted, now),
        "a PARTED does not answer a JOIN"
    );
    assert!(owed.settles(&joined, now));
}
