//! Unit tests of rooms through the chat's verbs, with in-memory links that record what they
//! were told.

use crate::core::{
    Chat, Config, Delivery, Event, Handed, Kind, LeaveReason, Link, LinkError, Memo, PartReason,
    RoomError, RoomLimits, SendError, Sent, Side, Target, User, LOBBY,
};
use parking_lot::Mutex;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// A link that counts messages delivered at once and keeps what it was told.
#[derive(Default)]
struct Log {
    events: Mutex<Vec<Event>>,
    got: Mutex<Vec<(String, Option<String>, Kind)>>,
}

impl Link for Log {
    fn deliver(&self, _: u32, d: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
        let body = String::from_utf8_lossy(&d.body).into_owned();
        self.got.lock().push((body, d.room.clone(), d.kind));
        Ok(Handed {
            awaits_ack: false,
            flush: false,
        })
    }
    fn event(&self, _: u32, event: &Event) -> bool {
        self.events.lock().push(event.clone());
        false
    }
    fn close(&self) {}
}

impl Log {
    fn room_events(&self) -> Vec<Event> {
        let events = self.events.lock();
        events
            .iter()
            .filter(|e| e.room().is_some())
            .cloned()
            .collect()
    }
}

fn chat_with(rooms: RoomLimits) -> Chat {
    Chat::new(Config {
        ack_timeout: Duration::from_secs(10),
        max_pending: 16,
        rate_limit: 0,
        rooms,
    })
}

fn chat() -> Chat {
    chat_with(RoomLimits::default())
}

fn user(chat: &Chat, name: &str) -> (Arc<User>, Arc<Log>) {
    let log = Arc::new(Log::default());
    let user = chat.attach(name, Side::Both, log.clone(), "o", 0).unwrap();
    (user, log)
}

fn send(chat: &Chat, from: &Arc<User>, room: &str, echo: bool) -> Result<Sent, SendError> {
    let (tx, rx) = mpsc::channel();
    let to = Target::Room { room, echo };
    chat.send(from, to, b"hi".to_vec(), false, move |r| {
        let _ = tx.send(r);
    });
    rx.recv_timeout(Duration::from_secs(20)).unwrap()
}

fn join_event(room: &str, name: &str) -> Event {
    Event::RoomJoin {
        room: room.into(),
        name: name.into(),
    }
}

#[test]
fn joining_makes_a_room_whose_members_hear_each_other_and_nobody_else_does() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (bob, b) = user(&chat, "bob");
    let (_carol, c) = user(&chat, "carol");
    chat.join_room(&alice, "#rust").unwrap();
    chat.join_room(&bob, "#rust").unwrap();
    assert_eq!(a.room_events(), [join_event("#rust", "bob")]);
    assert!(b.room_events().is_empty(), "the joiner is told nothing");
    assert!(c.room_events().is_empty(), "nor is a non-member");
    assert!(matches!(
        send(&chat, &alice, "#rust", false),
        Ok(Sent::Delivered { .. })
    ));
    let said = ("hi".to_string(), Some("#rust".to_string()), Kind::Room);
    assert_eq!(*b.got.lock(), [said]);
    assert!(a.got.lock().is_empty(), "no echo asked for");
    assert!(c.got.lock().is_empty());
    send(&chat, &bob, "#rust", true).unwrap();
    assert_eq!(a.got.lock().len(), 1);
    assert_eq!(b.got.lock().len(), 2, "bob's echo");
    let who = chat.who("#rust").unwrap();
    assert_eq!(who.members, ["alice", "bob"]);
    assert_eq!(who.operator.as_deref(), Some("alice"));
}

#[test]
fn only_members_send_and_a_missing_room_or_bad_name_says_so() {
    let chat = chat();
    let (alice, _) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    chat.join_room(&alice, "#rust").unwrap();
    let refused = |r: Result<Sent, SendError>| r.err();
    assert_eq!(
        refused(send(&chat, &bob, "#rust", false)),
        Some(SendError::Room(RoomError::NotInRoom))
    );
    assert_eq!(
        refused(send(&chat, &bob, "#go", false)),
        Some(SendError::Room(RoomError::NoSuchRoom))
    );
    assert_eq!(
        refused(send(&chat, &bob, "#a b", false)),
        Some(SendError::Room(RoomError::BadName))
    );
    assert_eq!(chat.join_room(&bob, "rust"), Err(RoomError::BadName));
    assert_eq!(chat.part_room(&bob, "#rust"), Err(RoomError::NotInRoom));
    assert_eq!(chat.part_room(&bob, "#go"), Err(RoomError::NoSuchRoom));
    assert_eq!(chat.part_room(&bob, LOBBY), Err(RoomError::Lobby));
}

#[test]
fn the_lobby_is_everyone() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (_bob, b) = user(&chat, "bob");
    chat.join_room(&alice, LOBBY).unwrap();
    assert!(
        chat.rooms_of(&alice).is_empty(),
        "joining the lobby changes nothing"
    );
    send(&chat, &alice, LOBBY, false).unwrap();
    assert_eq!(*b.got.lock(), [("hi".to_string(), None, Kind::All)]);
    assert!(a.got.lock().is_empty());
    let rooms = chat.rooms();
    assert_eq!((rooms[0].name.as_str(), rooms[0].members), (LOBBY, 2));
    assert_eq!(chat.who(LOBBY).unwrap().members, ["alice", "bob"]);
    assert_eq!(
        chat.set_topic(None, LOBBY, "x"),
        Err(RoomError::NotOperator)
    );
}

#[test]
fn parting_tells_the_rest_and_the_last_one_out_closes_the_room() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    chat.join_room(&alice, "#rust").unwrap();
    chat.join_room(&bob, "#rust").unwrap();
    chat.part_room(&bob, "#rust").unwrap();
    let leave = Event::RoomLeave {
        room: "#rust".into(),
        name: "bob".into(),
        reason: PartReason::Part,
    };
    assert_eq!(a.room_events(), [join_event("#rust", "bob"), leave]);
    assert_eq!(chat.room_table().len(), 1);
    chat.part_room(&alice, "#rust").unwrap();
    assert!(chat.room_table().is_empty(), "no store: an empty room goes");
    assert_eq!(chat.who("#rust"), Err(RoomError::NoSuchRoom));
}

#[test]
fn leaving_the_chat_leaves_every_room_without_a_word_per_room() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    for room in ["#a", "#b"] {
        chat.join_room(&alice, room).unwrap();
        chat.join_room(&bob, room).unwrap();
    }
    assert_eq!(chat.rooms_of(&bob), ["#a", "#b"]);
    chat.drop_user(&bob, LeaveReason::Quit);
    assert_eq!(chat.who("#a").unwrap().members, ["alice"]);
    assert_eq!(chat.who("#b").unwrap().members, ["alice"]);
    assert_eq!(a.room_events().len(), 2, "only the two joins");
    assert!(a
        .events
        .lock()
        .contains(&Event::Leave("bob".into(), LeaveReason::Quit)));
    // A user that has gone cannot join anything.
    assert_eq!(chat.join_room(&bob, "#a"), Err(RoomError::NotInRoom));
    // The same name, a new session: a new member.
    let (bob2, _) = user(&chat, "bob");
    chat.join_room(&bob2, "#a").unwrap();
    assert_eq!(chat.who("#a").unwrap().members, ["alice", "bob"]);
}

#[test]
fn the_operator_sets_the_topic_and_kicks_and_nobody_else_can() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (bob, b) = user(&chat, "bob");
    let (carol, c) = user(&chat, "carol");
    for u in [&alice, &bob, &carol] {
        chat.join_room(u, "#rust").unwrap();
    }
    assert_eq!(
        chat.set_topic(Some(&bob), "#rust", "mine"),
        Err(RoomError::NotOperator)
    );
    assert_eq!(
        chat.kick_from_room(Some(&bob), "carol", "#rust", "x"),
        Err(RoomError::NotOperator)
    );
    assert_eq!(
        chat.set_topic(Some(&alice), "#rust", " Rust,\nmostly ")
            .unwrap(),
        "Rust, mostly"
    );
    let topic = Event::Topic {
        room: "#rust".into(),
        by: "alice".into(),
        topic: "Rust, mostly".into(),
    };
    assert!(b.room_events().contains(&topic));
    assert!(
        !a.room_events().contains(&topic),
        "the setter has its answer"
    );
    chat.kick_from_room(Some(&alice), "carol", "#rust", "spam")
        .unwrap();
    let kick = Event::RoomKick {
        room: "#rust".into(),
        name: "carol".into(),
        by: "alice".into(),
        reason: "spam".into(),
    };
    let left = Event::RoomLeave {
        room: "#rust".into(),
        name: "carol".into(),
        reason: PartReason::Kicked,
    };
    assert_eq!(
        c.room_events().last(),
        Some(&kick),
        "the kicked one hears it"
    );
    assert_eq!(
        b.room_events()[b.room_events().len() - 2..],
        [kick.clone(), left.clone()]
    );
    assert!(
        !a.room_events().contains(&kick),
        "the kicker has its answer"
    );
    assert!(!a.room_events().contains(&left));
    assert!(chat.rooms_of(&carol).is_empty());
    assert_eq!(
        chat.kick_from_room(Some(&alice), "carol", "#rust", ""),
        Err(RoomError::NotInRoom)
    );
    // The server's operator can do anything.
    chat.kick_from_room(None, "bob", "#rust", "").unwrap();
    chat.set_topic(None, "#rust", "").unwrap();
    assert_eq!(chat.who("#rust").unwrap().topic, "");
    assert_eq!(
        chat.set_topic(Some(&alice), "#rust", &"x".repeat(301)),
        Err(RoomError::TopicTooLong)
    );
}

#[test]
fn an_unclaimed_operator_is_operator_only_in_its_own_session() {
    let chat = chat();
    let (alice, _) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    chat.join_room(&alice, "#rust").unwrap();
    chat.join_room(&bob, "#rust").unwrap();
    chat.drop_user(&alice, LeaveReason::Quit);
    let (alice2, _) = user(&chat, "alice");
    chat.join_room(&alice2, "#rust").unwrap();
    assert_eq!(
        chat.set_topic(Some(&alice2), "#rust", "t"),
        Err(RoomError::NotOperator)
    );
}

#[test]
fn each_limit_has_its_own_error() {
    let limits = RoomLimits {
        per_user: 2,
        members: 2,
        rooms: 3,
        announce: 200,
    };
    let chat = chat_with(limits);
    let (alice, _) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    let (carol, _) = user(&chat, "carol");
    chat.join_room(&alice, "#a").unwrap();
    chat.join_room(&alice, "#b").unwrap();
    assert_eq!(chat.join_room(&alice, "#c"), Err(RoomError::TooManyRooms));
    chat.join_room(&alice, "#a").unwrap(); // already in: not one more
    chat.join_room(&bob, "#a").unwrap();
    assert_eq!(chat.join_room(&carol, "#a"), Err(RoomError::RoomFull));
    chat.join_room(&carol, "#c").unwrap();
    assert_eq!(chat.join_room(&carol, "#d"), Err(RoomError::RoomLimit));
}

#[test]
fn big_rooms_stop_announcing_joins_and_parts() {
    let limits = RoomLimits {
        announce: 2,
        ..RoomLimits::default()
    };
    let chat = chat_with(limits);
    let (alice, a) = user(&chat, "alice");
    let (bob, _) = user(&chat, "bob");
    let (carol, _) = user(&chat, "carol");
    for u in [&alice, &bob, &carol] {
        chat.join_room(u, "#big").unwrap();
    }
    assert_eq!(
        a.room_events(),
        [join_event("#big", "bob")],
        "carol made it 3"
    );
    chat.part_room(&carol, "#big").unwrap();
    assert_eq!(a.room_events().len(), 1, "a part from 3 is not told");
    chat.part_room(&bob, "#big").unwrap();
    assert_eq!(a.room_events().len(), 2, "a part from 2 is");
}

#[test]
fn the_operator_speaks_in_a_room_to_its_members_only() {
    let chat = chat();
    let (alice, a) = user(&chat, "alice");
    let (_bob, b) = user(&chat, "bob");
    chat.join_room(&alice, "#rust").unwrap();
    let outcome = chat.say_in("#rust", "hello").unwrap();
    assert_eq!(outcome.result, Ok(()));
    assert_eq!(
        *a.got.lock(),
        [("hello".to_string(), Some("#rust".to_string()), Kind::Server)]
    );
    assert!(b.got.lock().is_empty());
    assert!(chat.say_in("#nope", "x").is_err());
    assert!(chat.is_member(&alice, "#rust") && chat.is_member(&alice, LOBBY));
}
