//! Unit tests of the verbs that need the chat's memory, on an in-memory store that answers
//! at once on the caller's thread.

use super::super::event::Event;
use super::super::link::{Handed, Link, LinkError, Memo};
use super::super::message::Delivery;
use super::super::store::{Done, HistoryQuery, Record, RoomRecord, Store, StoreError};
use super::super::{Chat, Config, SendError, Sent, Side, Target};
use super::*;
use parking_lot::Mutex;
use std::collections::HashMap;

/// A store in memory.
#[derive(Default)]
struct MemStore {
    accounts: Mutex<HashMap<String, String>>,
    messages: Mutex<Vec<Record>>,
    mailbox: Mutex<Vec<(String, u64)>>,
    /// Refuse to keep more than this many per mailbox.
    mailbox_max: usize,
    /// How many times a mailbox was read.
    mailbox_reads: std::sync::atomic::AtomicUsize,
    /// Keeps no history.
    no_history: bool,
    rooms: Mutex<Vec<RoomRecord>>,
}

impl Store for MemStore {
    fn last_id(&self) -> u64 {
        100
    }
    fn accounts(&self) -> Vec<(String, String)> {
        let accounts = self.accounts.lock();
        accounts
            .iter()
            .map(|(n, h)| (n.clone(), h.clone()))
            .collect()
    }
    fn account(&self, name: &str, done: Done<Option<String>>) {
        done(Ok(self.accounts.lock().get(name).cloned()))
    }
    fn set_account(&self, name: &str, hash: Option<String>, done: Done<()>) {
        let mut accounts = self.accounts.lock();
        match hash {
            Some(h) => accounts.insert(name.to_string(), h),
            None => accounts.remove(name),
        };
        done(Ok(()))
    }
    fn keeps_history(&self) -> bool {
        !self.no_history
    }
    fn record(&self, record: Record) {
        self.messages.lock().push(record);
    }
    fn store_offline(&self, record: Record, done: Done<()>) {
        let to = record.to.clone().unwrap_or_default();
        let mut mailbox = self.mailbox.lock();
        if mailbox.iter().filter(|(n, _)| *n == to).count() >= self.mailbox_max {
            return done(Err(StoreError::MailboxFull(to)));
        }
        mailbox.push((to, record.id));
        self.messages.lock().push(record);
        drop(mailbox);
        done(Ok(()))
    }
    fn mailbox(&self, name: &str, done: Done<Vec<Record>>) {
        self.mailbox_reads
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let ids: Vec<u64> = self
            .mailbox
            .lock()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, id)| *id)
            .collect();
        let messages = self.messages.lock();
        done(Ok(ids
            .iter()
            .filter_map(|id| messages.iter().find(|m| m.id == *id).cloned())
            .collect()))
    }
    fn delivered(&self, name: &str, id: u64) {
        self.mailbox
            .lock()
            .retain(|(n, i)| !(n == name && *i == id));
    }
    fn history(&self, query: HistoryQuery, done: Done<Vec<Record>>) {
        let messages = self.messages.lock();
        let in_room = |m: &Record| m.to.as_ref().is_some_and(|to| to.starts_with('#'));
        let seen = |m: &&Record| match &query.room {
            Some(room) if room == LOBBY => m.to.is_none(),
            Some(room) => m.to.as_ref() == Some(room),
            None => {
                m.to.is_none()
                    || m.to.as_deref() == Some(&query.user)
                    || (m.from == query.user && !in_room(m))
            }
        };
        let mut page: Vec<Record> = messages.iter().filter(seen).cloned().collect();
        page.sort_by_key(|m| m.id);
        let keep = page.len().saturating_sub(query.limit);
        done(Ok(page.split_off(keep)))
    }
    fn rooms(&self) -> Vec<RoomRecord> {
        self.rooms.lock().clone()
    }
    fn save_room(&self, room: RoomRecord) {
        let mut rooms = self.rooms.lock();
        rooms.retain(|r| r.name != room.name);
        rooms.push(room);
    }
    fn drop_room(&self, name: &str) {
        self.rooms.lock().retain(|r| r.name != name);
    }
}

/// A link that takes messages at once and remembers them, and the events.
#[derive(Default)]
struct Taker {
    got: Mutex<Vec<(u64, bool, String)>>,
    events: Mutex<Vec<Event>>,
}

impl Link for Taker {
    fn deliver(&self, _: u32, d: &Delivery, memo: &mut Memo) -> Result<Handed, LinkError> {
        // As a front end does: the bytes come from the memo, made once per message.
        let bytes = memo.get_or_make(("taker", 0), || d.body.clone());
        let body = String::from_utf8_lossy(&bytes).into_owned();
        self.got.lock().push((d.id, d.stored, body));
        Ok(Handed {
            awaits_ack: false,
            flush: false,
        })
    }
    fn event(&self, _: u32, e: &Event) -> bool {
        self.events.lock().push(e.clone());
        false
    }
    fn close(&self) {}
}

fn chat(store: MemStore) -> (Chat, Arc<MemStore>) {
    let store = Arc::new(store);
    let config = Config {
        rate_limit: 0,
        ..Config::default()
    };
    (Chat::with_store(config, store.clone()).unwrap(), store)
}

fn join(chat: &Chat, name: &str, password: Option<&str>) -> (Arc<User>, Arc<Taker>) {
    let link = Arc::new(Taker::default());
    let login = chat.login(name, password, "here").unwrap();
    let user = chat
        .attach_login(name, Side::Both, link.clone(), "here", 0, login)
        .unwrap();
    (user, link)
}

fn send(chat: &Chat, from: &Arc<User>, to: Target) -> Result<Sent, SendError> {
    say(chat, from, to, "psst")
}

fn say(chat: &Chat, from: &Arc<User>, to: Target, body: &str) -> Result<Sent, SendError> {
    let (tx, rx) = mpsc::channel();
    let inflight = chat.send(from, to, body.as_bytes().to_vec(), false, move |r| {
        tx.send(r).unwrap()
    });
    if let Some(f) = inflight {
        f.settle(chat.registry());
    }
    rx.recv().unwrap()
}

#[test]
fn a_claimed_name_logs_in_only_with_its_password_and_wrong_ones_pause_it() {
    let (chat, _) = chat(MemStore::default());
    let (alice, _) = join(&chat, "alice", None);
    chat.set_password(&alice, Some("s3cret")).unwrap();
    assert_eq!(
        chat.set_password(&alice, Some("")),
        Err(PasswordError::Invalid)
    );
    chat.quit(&alice);
    assert_eq!(
        chat.login("alice", None, "here").unwrap_err(),
        LoginError::NeedsPassword
    );
    assert_eq!(
        chat.login("alice", Some("guess"), "here").unwrap_err(),
        LoginError::BadPassword
    );
    assert!(
        matches!(
            chat.login("alice", Some("s3cret"), "here"),
            Err(LoginError::Paused(_))
        ),
        "the right password is not even checked during the pause"
    );
    assert!(matches!(
        chat.login("alice", Some("s3cret"), "elsewhere"),
        Err(LoginError::Paused(_))
    ));
    chat.throttle.succeeded("alice", "here");
    let login = chat.login("alice", Some("s3cret"), "here").unwrap();
    assert!(login.claimed);
    // Unclaimed names need nothing, whatever is given.
    assert!(!chat.login("bob", Some("anything"), "here").unwrap().claimed);
    let (alice, _) = join(&chat, "alice", Some("s3cret"));
    chat.set_password(&alice, None).unwrap();
    assert!(
        !chat.login("alice", None, "here").unwrap().claimed,
        "dropped"
    );
}

#[test]
fn a_message_to_an_offline_claimed_name_waits_and_comes_first_on_return() {
    let (chat, store) = chat(MemStore {
        mailbox_max: 2,
        ..MemStore::default()
    });
    let (alice, alice_link) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    chat.set_password(&bob, Some("pw")).unwrap();
    chat.quit(&bob);
    // Without asking for it, nothing waits; an unclaimed name has no mailbox.
    assert_eq!(
        send(&chat, &alice, Target::User("bob")),
        Err(SendError::NoSuchUser)
    );
    assert_eq!(
        send(&chat, &alice, Target::UserOrMailbox("carol")),
        Err(SendError::NoSuchUser)
    );
    let first = say(&chat, &alice, Target::UserOrMailbox("bob"), "first");
    let second = say(&chat, &alice, Target::UserOrMailbox("bob"), "second");
    assert!(matches!((first, second), (Ok(Sent::Stored(a)), Ok(Sent::Stored(b))) if a < b));
    assert_eq!(
        send(&chat, &alice, Target::UserOrMailbox("bob")),
        Err(SendError::MailboxFull)
    );
    // bob comes back: his own join, then what waited, oldest first, marked stored.
    let (bob, bob_link) = join(&chat, "bob", Some("pw"));
    assert_eq!(bob_link.events.lock()[0], Event::Join("bob".into()));
    let got = bob_link.got.lock().clone();
    assert_eq!(got.len(), 2, "each once: {got:?}");
    assert!(got.iter().all(|(_, stored, _)| *stored));
    let bodies: Vec<&str> = got.iter().map(|(_, _, body)| body.as_str()).collect();
    assert_eq!(bodies, ["first", "second"], "each its own bytes");
    assert!(got[0].0 < got[1].0);
    // Delivered: out of the mailbox, and alice hears of each.
    assert!(store.mailbox.lock().is_empty());
    let told: Vec<u64> = alice_link
        .events
        .lock()
        .iter()
        .filter_map(|e| match e {
            Event::Delivered { to, id } if to == "bob" => Some(*id),
            _ => None,
        })
        .collect();
    assert_eq!(told, [got[0].0, got[1].0]);
    // Online now: the same target is delivered live.
    assert!(matches!(
        send(&chat, &alice, Target::UserOrMailbox("bob")),
        Ok(Sent::Delivered { .. })
    ));
    assert_eq!(bob_link.got.lock().len(), 3);
    drop(bob);
}

#[test]
fn every_message_is_numbered_and_kept_and_history_shows_what_a_user_may_see() {
    let (chat, store) = chat(MemStore::default());
    let (alice, _) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    let (carol, _) = join(&chat, "carol", None);
    send(&chat, &alice, Target::Others).unwrap();
    send(&chat, &alice, Target::User("bob")).unwrap();
    send(&chat, &bob, Target::User("carol")).unwrap();
    chat.say("hello");
    let ids: Vec<u64> = store.messages.lock().iter().map(|m| m.id).collect();
    assert_eq!(
        ids,
        [101, 102, 103, 104],
        "numbered after the store's last id"
    );
    let page = |user: &User| -> Vec<u64> {
        chat.history(user, None, None, 10)
            .unwrap()
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(page(&alice), [101, 102, 104]);
    assert_eq!(page(&bob), [101, 102, 103, 104]);
    assert_eq!(page(&carol), [101, 103, 104]);
    // A message to nobody is not a message.
    assert!(send(&chat, &alice, Target::User("nobody")).is_err());
    assert_eq!(store.messages.lock().len(), 4);
}

/// A receiving link that awaits acknowledgements, like a two-socket TORECV socket.
#[derive(Default)]
struct Acker {
    got: Mutex<Vec<u64>>,
}

impl Link for Acker {
    fn deliver(&self, _: u32, d: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
        self.got.lock().push(d.id);
        Ok(Handed {
            awaits_ack: true,
            flush: false,
        })
    }
    fn event(&self, _: u32, _: &Event) -> bool {
        false
    }
    fn close(&self) {}
}

#[test]
fn a_mailbox_larger_than_what_a_user_may_owe_is_handed_over_as_it_acknowledges() {
    let store = Arc::new(MemStore {
        mailbox_max: 10,
        ..MemStore::default()
    });
    let config = Config {
        rate_limit: 0,
        max_pending: 2,
        ..Config::default()
    };
    let chat = Chat::with_store(config, store.clone()).unwrap();
    let (alice, _) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    chat.set_password(&bob, Some("pw")).unwrap();
    chat.quit(&bob);
    for _ in 0..5 {
        assert!(matches!(
            send(&chat, &alice, Target::UserOrMailbox("bob")),
            Ok(Sent::Stored(_))
        ));
    }
    let rx = Arc::new(Acker::default());
    let login = chat.login("bob", Some("pw"), "here").unwrap();
    let bob = chat
        .attach_login("bob", Side::Both, rx.clone(), "here", 0, login)
        .unwrap();
    assert_eq!(rx.got.lock().len(), 2, "no more than it may owe");
    for handed in 3..=5 {
        chat.ack(&bob, true);
        assert_eq!(rx.got.lock().len(), handed);
    }
    chat.ack(&bob, true);
    chat.ack(&bob, true);
    let got = rx.got.lock().clone();
    assert!(got.windows(2).all(|w| w[0] < w[1]), "oldest first: {got:?}");
    assert!(
        store.mailbox.lock().is_empty(),
        "each left the mailbox once acknowledged"
    );
}

#[test]
fn a_chat_says_whether_it_has_a_memory() {
    let (with, _) = chat(MemStore::default());
    assert!(with.has_store());
    assert!(!Chat::new(Config::default()).has_store());
}

#[test]
fn a_message_kept_between_the_login_and_the_attach_is_handed_over_at_once_and_once() {
    let (chat, _store) = chat(MemStore {
        mailbox_max: 5,
        ..MemStore::default()
    });
    let (alice, _) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    chat.set_password(&bob, Some("pw")).unwrap();
    chat.quit(&bob);
    let login = chat.login("bob", Some("pw"), "here").unwrap();
    // bob's password is checked, his mailbox read (empty), and he is not in the table yet.
    let kept = say(&chat, &alice, Target::UserOrMailbox("bob"), "meanwhile");
    assert!(matches!(kept, Ok(Sent::Stored(_))));
    let link = Arc::new(Taker::default());
    let bob = chat
        .attach_login("bob", Side::Both, link.clone(), "here", 0, login)
        .unwrap();
    let got: Vec<(bool, String)> = link
        .got
        .lock()
        .iter()
        .map(|(_, stored, body)| (*stored, body.clone()))
        .collect();
    assert_eq!(got, [(true, "meanwhile".to_string())]);
    drop(bob);
}

#[test]
fn an_unclaimed_name_joins_without_a_look_at_any_mailbox() {
    use std::sync::atomic::Ordering;
    let (chat, store) = chat(MemStore::default());
    let (carol, _) = join(&chat, "carol", None);
    assert!(carol.is_complete());
    assert_eq!(store.mailbox_reads.load(Ordering::SeqCst), 0);
    // A claimed one: once at the login, once more when it is complete.
    chat.set_password(&carol, Some("pw")).unwrap();
    chat.quit(&carol);
    let (_carol, _) = join(&chat, "carol", Some("pw"));
    assert_eq!(store.mailbox_reads.load(Ordering::SeqCst), 2);
}

#[test]
fn a_store_that_keeps_no_history_is_handed_no_record() {
    let (chat, store) = chat(MemStore {
        no_history: true,
        ..MemStore::default()
    });
    let (alice, _) = join(&chat, "alice", None);
    let (_bob, bob_link) = join(&chat, "bob", None);
    assert!(matches!(
        send(&chat, &alice, Target::Others),
        Ok(Sent::Delivered { .. })
    ));
    assert_eq!(bob_link.got.lock().len(), 1, "delivered all the same");
    assert!(store.messages.lock().is_empty());
}

#[test]
fn rooms_their_topics_and_their_history_outlive_their_members_and_the_chat() {
    let (chat, store) = chat(MemStore::default());
    let (alice, _) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    chat.join_room(&alice, "#rust").unwrap();
    chat.set_topic(Some(&alice), "#rust", "Rust, mostly")
        .unwrap();
    say(
        &chat,
        &alice,
        Target::Room {
            room: "#rust",
            echo: false,
        },
        "in rust",
    )
    .unwrap();
    send(&chat, &alice, Target::Others).unwrap();
    let room_page = |user: &User, room: &str| {
        chat.room_history(user, Some(room), None, None, 10)
            .map(|page| page.iter().map(|r| r.id).collect::<Vec<u64>>())
    };
    assert_eq!(room_page(&alice, "#rust"), Ok(vec![101]));
    assert_eq!(room_page(&alice, LOBBY), Ok(vec![102]));
    assert_eq!(
        room_page(&bob, "#rust"),
        Err(HistoryError::Room(RoomError::NotInRoom)),
        "members only"
    );
    assert_eq!(
        room_page(&bob, "#go"),
        Err(HistoryError::Room(RoomError::NoSuchRoom))
    );
    // A room message is not one of the sender's direct messages.
    let mine: Vec<u64> = chat
        .history(&alice, None, None, 10)
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(mine, [102]);
    assert_eq!(store.messages.lock()[0].to.as_deref(), Some("#rust"));
    // With a store, the room stays when its last member leaves, and a new chat finds it.
    chat.part_room(&alice, "#rust").unwrap();
    assert_eq!(chat.who("#rust").unwrap().members, Vec::<String>::new());
    let again = Chat::with_store(Config::default(), store.clone()).unwrap();
    let who = again.who("#rust").unwrap();
    assert_eq!(
        (who.topic.as_str(), who.operator.as_deref()),
        ("Rust, mostly", Some("alice"))
    );
    assert_eq!(
        again
            .rooms()
            .iter()
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>(),
        [LOBBY, "#rust"]
    );
}

#[test]
fn at_the_room_limit_the_room_empty_longest_is_forgotten_and_only_occupied_rooms_refuse() {
    let store = Arc::new(MemStore::default());
    let config = Config {
        rate_limit: 0,
        rooms: super::super::RoomLimits {
            rooms: 2,
            ..Default::default()
        },
        ..Config::default()
    };
    let chat = Chat::with_store(config, store.clone()).unwrap();
    let (alice, _) = join(&chat, "alice", None);
    let (bob, _) = join(&chat, "bob", None);
    for room in ["#a", "#x"] {
        chat.join_room(&alice, room).unwrap();
        chat.part_room(&alice, room).unwrap();
    }
    let kept = |store: &MemStore| -> Vec<String> {
        store.rooms.lock().iter().map(|r| r.name.clone()).collect()
    };
    assert_eq!(kept(&store), ["#a", "#x"]);
    // Full: #a, empty the longest, makes way for #c (its topic and operator forgotten).
    chat.join_room(&bob, "#c").unwrap();
    assert_eq!(chat.who("#a"), Err(RoomError::NoSuchRoom));
    assert_eq!(kept(&store), ["#x", "#c"]);
    chat.join_room(&alice, "#d").unwrap();
    assert_eq!(chat.who("#x"), Err(RoomError::NoSuchRoom), "then #x");
    // Both rooms have members now: nothing to forget.
    let (carol, _) = join(&chat, "carol", None);
    assert_eq!(chat.join_room(&carol, "#e"), Err(RoomError::RoomLimit));
    chat.join_room(&carol, "#c").unwrap();
}
