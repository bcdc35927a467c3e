//! Unit tests of the user table and of delivery through the chat service, with in-memory
//! links (one that awaits acknowledgements, like a two-socket TORECV socket, and one that
//! counts a message delivered when it takes it, like a JSON connection).

use super::*;
use crate::core::link::{Handed, LinkError, Memo};
use crate::core::message::Delivery;
use crate::core::{Chat, Config, SendError, Target};
use parking_lot::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Default)]
struct FakeLink {
    got: Mutex<Vec<String>>,
    events: Mutex<Vec<Event>>,
    closed: AtomicBool,
    /// Takes messages as delivered at once (no acknowledgement), like a JSON link.
    at_once: bool,
    /// Refuses messages as unfit for its wire.
    unfit: bool,
    /// Refuses messages as if its queue were full.
    full: bool,
}

impl Link for FakeLink {
    fn event(&self, _: u32, e: &Event) -> bool {
        self.events.lock().push(e.clone());
        false
    }
    fn deliver(&self, _: u32, d: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(LinkError::Closed);
        }
        if self.unfit {
            return Err(LinkError::Unfit);
        }
        if self.full {
            return Err(LinkError::Congested);
        }
        self.got.lock().push(d.from.clone());
        Ok(Handed {
            awaits_ack: !self.at_once,
            flush: false,
        })
    }
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

fn chat(ack_timeout: Duration) -> Chat {
    Chat::new(Config {
        ack_timeout,
        max_pending: 16,
        rate_limit: 0,
        ..Config::default()
    })
}

/// Sends `body` from `from` to `to` and waits for the result and the users dropped meanwhile.
fn send(
    chat: &Chat,
    from: &Arc<User>,
    to: Target,
    body: &[u8],
) -> (Result<(), SendError>, Vec<Arc<User>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let on_done = move |r: Result<crate::core::Sent, SendError>| tx.send(r.map(|_| ())).unwrap();
    let inflight = chat.send(from, to, body.to_vec(), false, on_done);
    let silent = inflight
        .map(|f| f.settle(chat.registry()))
        .unwrap_or_default();
    (rx.recv().unwrap(), silent)
}

fn join_with(reg: &Registry, name: &str, rx: FakeLink) -> (Arc<User>, Arc<FakeLink>) {
    let rx = Arc::new(rx);
    let tx = Arc::new(FakeLink::default());
    reg.attach(name, Side::Sender, tx, "here", 1).unwrap();
    let user = reg
        .attach(name, Side::Receiver, rx.clone(), "here", 2)
        .unwrap();
    assert_eq!(user.flags(), 3, "flags of both sides are merged");
    (user, rx)
}

fn join(reg: &Registry, name: &str) -> (Arc<User>, Arc<FakeLink>) {
    join_with(reg, name, FakeLink::default())
}

fn link() -> Arc<dyn Link> {
    Arc::new(FakeLink::default())
}

#[test]
fn names_are_validated_and_sides_cannot_be_taken_over() {
    let reg = Registry::new(16);
    for bad in ["al ice", "all", ""] {
        let got = reg.attach(bad, Side::Sender, link(), "here", 0).err();
        assert_eq!(got, Some(AttachError::Malformed), "{bad:?}");
    }
    let alice = reg
        .attach("alice", Side::Sender, link(), "here", 0)
        .unwrap();
    assert!(!alice.is_complete());
    assert!(!reg.is_empty());
    let taken = Some(AttachError::Taken);
    assert_eq!(
        reg.attach("alice", Side::Sender, link(), "here", 0).err(),
        taken
    );
    assert_eq!(
        reg.attach("alice", Side::Both, link(), "here", 0).err(),
        taken
    );
    // The twin must come from the same origin.
    assert_eq!(
        reg.attach("alice", Side::Receiver, link(), "there", 0)
            .err(),
        taken
    );
    reg.attach("alice", Side::Receiver, link(), "here", 0)
        .unwrap();
    assert!(alice.is_complete());
    assert_eq!(reg.list().len(), 1);
    assert_eq!(
        reg.attach("alice", Side::Receiver, link(), "here", 0).err(),
        taken
    );
}

#[test]
fn a_user_joins_once_both_sides_are_there_and_hears_its_own_join_first() {
    let reg = Registry::new(16);
    let (_alice, alice_rx) = join(&reg, "alice");
    assert_eq!(*alice_rx.events.lock(), vec![Event::Join("alice".into())]);
    let bob_rx = Arc::new(FakeLink::default());
    let bob = reg
        .attach("bob", Side::Receiver, bob_rx.clone(), "here", 0)
        .unwrap();
    assert!(
        bob_rx.events.lock().is_empty(),
        "half a user has not joined"
    );
    assert_eq!(
        alice_rx.events.lock().len(),
        1,
        "nor has anyone heard of it"
    );
    reg.attach("bob", Side::Sender, link(), "here", 0).unwrap();
    assert!(bob.is_complete());
    assert_eq!(*bob_rx.events.lock(), vec![Event::Join("bob".into())]);
    let joins = vec![Event::Join("alice".into()), Event::Join("bob".into())];
    assert_eq!(*alice_rx.events.lock(), joins);
    // One link for both sides: complete at once, announced once.
    let carol_link = Arc::new(FakeLink::default());
    let carol = reg
        .attach("carol", Side::Both, carol_link.clone(), "there", 0)
        .unwrap();
    assert!(carol.is_complete());
    assert_eq!(*carol_link.events.lock(), vec![Event::Join("carol".into())]);
    assert_eq!(alice_rx.events.lock().len(), 3);
    assert_eq!(reg.len(), 3);
    assert!(
        reg.detach(&carol, Side::Both),
        "its one link gone, carol leaves"
    );
    assert!(
        !carol_link.closed.load(Ordering::SeqCst),
        "detach leaves closing to its owner"
    );
    assert_eq!(reg.len(), 2);
}

#[test]
fn a_name_is_freed_only_when_both_sides_are_gone() {
    let reg = Registry::new(16);
    let (alice, _) = join(&reg, "alice");
    assert!(!reg.detach(&alice, Side::Receiver));
    assert_eq!(reg.len(), 1);
    assert!(!reg.is_empty());
    assert!(
        reg.get("alice").is_none(),
        "incomplete users are not reachable"
    );
    assert!(reg.detach(&alice, Side::Sender));
    assert!(reg.is_empty());
    join(&reg, "alice");
}

#[test]
fn acks_complete_the_oldest_forward_and_silence_drops_the_user() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let (alice, _) = join(reg, "alice");
    let (bob, bob_rx) = join(reg, "bob");
    let acker = {
        let (bob, chat) = (bob.clone(), chat.clone());
        std::thread::spawn(move || {
            while bob_rx.got.lock().is_empty() {
                std::thread::yield_now();
            }
            chat.ack(&bob, true);
        })
    };
    let (result, silent) = send(&chat, &alice, Target::User("bob"), b"hi");
    acker.join().unwrap();
    assert_eq!((result, silent.len()), (Ok(()), 0));
    assert_eq!(alice.messages_sent(), 1);
    // Nobody acknowledges now: the send fails at the deadline and bob is dropped.
    let chat = Chat {
        config: Config {
            ack_timeout: Duration::from_millis(50),
            ..chat.config
        },
        ..chat
    };
    let (result, silent) = send(&chat, &alice, Target::User("bob"), b"x");
    assert_eq!(result, Err(SendError::NotDelivered));
    assert_eq!(silent.len(), 1);
    assert!(chat.get("bob").is_none());
    let (result, silent) = send(&chat, &alice, Target::User("bob"), b"x");
    assert_eq!((result, silent.len()), (Err(SendError::NoSuchUser), 0));
}

#[test]
fn a_broadcast_with_one_silent_recipient_drops_exactly_that_one() {
    let chat = chat(Duration::from_millis(100));
    let reg = chat.registry();
    let (alice, _) = join(reg, "alice");
    let (bob, bob_rx) = join(reg, "bob");
    let (_carol, carol_rx) = join(reg, "carol");
    let (dave, dave_rx) = join(reg, "dave");
    let acker = {
        let chat = chat.clone();
        std::thread::spawn(move || {
            // bob and dave answer; carol stays silent.
            while bob_rx.got.lock().is_empty() || dave_rx.got.lock().is_empty() {
                std::thread::yield_now();
            }
            chat.ack(&bob, true);
            chat.ack(&dave, true);
        })
    };
    let (result, silent) = send(&chat, &alice, Target::Others, b"all");
    acker.join().unwrap();
    assert_eq!(result, Err(SendError::NotDelivered));
    let names: Vec<&str> = silent.iter().map(|u| u.name()).collect();
    assert_eq!(names, ["carol"]);
    assert!(carol_rx.closed.load(Ordering::SeqCst));
    assert_eq!(chat.names(), ["alice", "bob", "dave"]);
}

#[test]
fn broadcast_to_nobody_succeeds_and_a_failed_ack_fails_the_send() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let (alice, _) = join(reg, "alice");
    let (result, silent) = send(&chat, &alice, Target::Others, b"x");
    assert_eq!((result, silent.len()), (Ok(()), 0));
    let (bob, _) = join(reg, "bob");
    let t = {
        let chat = chat.clone();
        std::thread::spawn(move || {
            // Wait until the forward is outstanding, then refuse it.
            while bob.state.lock().pending.is_empty() {
                std::thread::yield_now();
            }
            chat.ack(&bob, false);
        })
    };
    let (result, silent) = send(&chat, &alice, Target::Others, b"x");
    t.join().unwrap();
    assert_eq!(result, Err(SendError::NotDelivered));
    assert!(silent.is_empty());
}

#[test]
fn links_that_take_messages_at_once_need_no_ack_and_everyone_includes_the_sender() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let at_once = || FakeLink {
        at_once: true,
        ..FakeLink::default()
    };
    let (alice, alice_rx) = join_with(reg, "alice", at_once());
    let (_bob, bob_rx) = join_with(reg, "bob", at_once());
    let (result, _) = send(&chat, &alice, Target::Everyone, b"hi");
    assert_eq!(result, Ok(()));
    assert_eq!(*alice_rx.got.lock(), ["alice"]);
    assert_eq!(*bob_rx.got.lock(), ["alice"]);
    let (result, _) = send(&chat, &alice, Target::Others, b"hi");
    assert_eq!(result, Ok(()));
    assert_eq!(alice_rx.got.lock().len(), 1, "others means others");
    assert!(alice.state.lock().pending.is_empty());
}

#[test]
fn an_unfit_recipient_fails_the_send_but_stays_and_a_full_one_is_dropped() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let (alice, _) = join(reg, "alice");
    let unfit = FakeLink {
        unfit: true,
        ..FakeLink::default()
    };
    let (_bob, _) = join_with(reg, "bob", unfit);
    let (result, silent) = send(&chat, &alice, Target::User("bob"), b"x");
    assert_eq!((result, silent.len()), (Err(SendError::NotDelivered), 0));
    assert!(
        chat.get("bob").is_some(),
        "an unfit message does not drop its recipient"
    );
    let full = FakeLink {
        full: true,
        ..FakeLink::default()
    };
    let (_carol, carol_rx) = join_with(reg, "carol", full);
    let (result, _) = send(&chat, &alice, Target::User("carol"), b"x");
    assert_eq!(result, Err(SendError::NotDelivered));
    assert!(
        chat.get("carol").is_none(),
        "a user that stopped reading is dropped"
    );
    assert!(carol_rx.closed.load(Ordering::SeqCst));
}

#[test]
fn the_rate_limit_refuses_at_once_and_sends_nothing() {
    let chat = Chat::new(Config {
        rate_limit: 1,
        ..Config::default()
    });
    let reg = chat.registry();
    let (alice, _) = join(reg, "alice");
    let (_bob, bob_rx) = join_with(
        reg,
        "bob",
        FakeLink {
            at_once: true,
            ..FakeLink::default()
        },
    );
    // A burst of twice the rate, then refusals.
    let results: Vec<_> = (0..3)
        .map(|_| send(&chat, &alice, Target::User("bob"), b"x").0)
        .collect();
    assert_eq!(results, [Ok(()), Ok(()), Err(SendError::RateLimited)]);
    assert_eq!(bob_rx.got.lock().len(), 2);
    assert_eq!(alice.messages_sent(), 2);
}

#[test]
fn events_reach_everyone_but_their_subject_except_its_kick() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let (_alice, alice_rx) = join(reg, "alice");
    let (_carol, carol_rx) = join(reg, "carol");
    let (bob, bob_rx) = join(reg, "bob");
    assert!(chat.kick("carol", "spam"));
    assert!(!chat.kick("nobody", "spam"));
    assert!(
        !reg.detach(&bob, Side::Receiver),
        "bob's sender still holds the name"
    );
    assert!(
        reg.detach(&bob, Side::Sender),
        "both sides gone: bob leaves"
    );
    let seen = alice_rx.events.lock().clone();
    assert_eq!(
        seen,
        vec![
            Event::Join("alice".into()),
            Event::Join("carol".into()),
            Event::Join("bob".into()),
            Event::Kick("carol".into(), "spam".into()),
            Event::Leave("carol".into(), LeaveReason::Kicked),
            Event::Leave("bob".into(), LeaveReason::Disconnected),
        ]
    );
    assert_eq!(
        *carol_rx.events.lock(),
        vec![
            Event::Join("carol".into()),
            Event::Join("bob".into()),
            Event::Kick("carol".into(), "spam".into()),
        ],
        "carol hears of her kick, not of her leave"
    );
    assert_eq!(
        bob_rx.events.lock()[1],
        Event::Kick("carol".into(), "spam".into())
    );
    assert!(
        carol_rx.closed.load(Ordering::SeqCst),
        "a kicked user's links are closed"
    );
}

#[test]
fn a_user_dropped_twice_is_announced_once() {
    let chat = chat(Duration::from_secs(10));
    let reg = chat.registry();
    let (_alice, alice_rx) = join(reg, "alice");
    let (bob, _) = join(reg, "bob");
    assert!(chat.quit(&bob));
    assert!(!chat.drop_user(&bob, LeaveReason::Timeout), "already gone");
    assert!(!reg.detach(&bob, Side::Receiver), "already removed");
    assert_eq!(
        *alice_rx.events.lock(),
        vec![
            Event::Join("alice".into()),
            Event::Join("bob".into()),
            Event::Leave("bob".into(), LeaveReason::Quit)
        ]
    );
    join(reg, "bob");
}

#[test]
fn the_operator_says_to_everyone_and_hears_how_it_went() {
    let chat = chat(Duration::from_millis(100));
    let reg = chat.registry();
    assert_eq!(chat.say("nobody here").result, Ok(()));
    let (alice, alice_rx) = join(reg, "alice");
    let acker = {
        let chat = chat.clone();
        std::thread::spawn(move || {
            while alice_rx.got.lock().is_empty() {
                std::thread::yield_now();
            }
            assert_eq!(alice_rx.got.lock()[0], crate::core::SERVER_NAME);
            chat.ack(&alice, true);
        })
    };
    let outcome = chat.say("hello");
    acker.join().unwrap();
    assert_eq!((outcome.result, outcome.silent.len()), (Ok(()), 0));
    let (_bob, _) = join(reg, "bob");
    let outcome = chat.say("anyone?");
    assert_eq!(outcome.result, Err(SendError::NotDelivered));
    let silent: Vec<&str> = outcome.silent.iter().map(|u| u.name()).collect();
    assert_eq!(silent, ["alice", "bob"]);
}

#[test]
fn an_event_reaches_only_those_who_were_there_when_it_happened() {
    let reg = Registry::new(16);
    let (alice, alice_rx) = join(&reg, "alice");
    let (bob, bob_rx) = join(&reg, "bob");
    let (alice_at, bob_at) = (
        alice.joined_at.load(Ordering::SeqCst),
        bob.joined_at.load(Ordering::SeqCst),
    );
    assert!(alice_at < bob_at);
    // An event from before bob joined, announced only now (its announcer was slow).
    let late = Event::Kick("ghost".into(), "old news".into());
    let (carol, _) = join(&reg, "carol");
    reg.announce(&late, &carol, bob_at);
    assert_eq!(alice_rx.events.lock().last(), Some(&late));
    assert!(!bob_rx.events.lock().contains(&late), "bob came after it");
    // Removals are on the same clock: a leave reaches those who joined before it.
    assert!(reg.detach(&alice, Side::Both));
    let (_dave, dave_rx) = join(&reg, "dave");
    assert!(!dave_rx
        .events
        .lock()
        .iter()
        .any(|e| matches!(e, Event::Leave(..))));
    assert_eq!(
        bob_rx.events.lock().last(),
        Some(&Event::Join("dave".into()))
    );
}
