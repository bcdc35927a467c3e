//! Unit tests of the user table and of delivery, with in-memory links.

use super::*;
use crate::delivery::{self, SendError};
use crate::wire::ext::Ext;
use parking_lot::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

#[derive(Default)]
struct FakeLink {
    got: Mutex<Vec<String>>,
    events: Mutex<Vec<Event>>,
    closed: AtomicBool,
}

impl Link for FakeLink {
    fn event(&self, _: &User, e: &Event) {
        self.events.lock().push(e.clone());
    }
    fn deliver(&self, _: &User, d: &Delivery) -> Result<bool, LinkError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(LinkError::Closed);
        }
        self.got.lock().push(d.from.clone());
        Ok(false)
    }
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
    }
}

/// Sends `body` from `from` to `to` and waits for the result and the users dropped meanwhile.
fn send(
    reg: &Registry,
    from: &Arc<User>,
    to: &str,
    body: &[u8],
    ack_timeout: Duration,
) -> (Result<(), SendError>, Vec<Arc<User>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let on_done = move |r| tx.send(r).unwrap();
    let inflight = delivery::start(reg, from, to, body.to_vec(), false, ack_timeout, on_done);
    let silent = inflight.map(|f| f.settle(reg)).unwrap_or_default();
    (rx.recv().unwrap(), silent)
}

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

fn join(reg: &Registry, name: &str) -> (Arc<User>, Arc<FakeLink>) {
    let rx = Arc::new(FakeLink::default());
    reg.attach(
        name,
        Side::Sender,
        Arc::new(FakeLink::default()),
        ip(1),
        Ext::all(),
    )
    .unwrap();
    let user = reg
        .attach(name, Side::Receiver, rx.clone(), ip(1), Ext::NONE)
        .unwrap();
    (user, rx)
}

#[test]
fn names_are_validated_and_sides_cannot_be_taken_over() {
    let reg = Registry::new(16);
    let l = || Arc::new(FakeLink::default()) as Arc<dyn Link>;
    assert_eq!(
        reg.attach("al ice", Side::Sender, l(), ip(1), Ext::NONE)
            .err(),
        Some(RegisterError::Malformed)
    );
    assert_eq!(
        reg.attach("all", Side::Sender, l(), ip(1), Ext::NONE).err(),
        Some(RegisterError::Malformed)
    );
    let alice = reg
        .attach("alice", Side::Sender, l(), ip(1), Ext::NONE)
        .unwrap();
    assert!(!alice.is_complete());
    assert_eq!(
        reg.attach("alice", Side::Sender, l(), ip(1), Ext::NONE)
            .err(),
        Some(RegisterError::Taken)
    );
    // The twin must come from the same address.
    assert_eq!(
        reg.attach("alice", Side::Receiver, l(), ip(2), Ext::NONE)
            .err(),
        Some(RegisterError::Taken)
    );
    reg.attach("alice", Side::Receiver, l(), ip(1), Ext::NONE)
        .unwrap();
    assert!(alice.is_complete());
    assert_eq!(reg.list().len(), 1);
}

#[test]
fn a_name_is_freed_only_when_both_sides_are_gone() {
    let reg = Registry::new(16);
    let (alice, _) = join(&reg, "alice");
    assert!(!reg.detach(&alice, Side::Receiver));
    assert_eq!(reg.len(), 1);
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
    let reg = Registry::new(16);
    let (alice, _) = join(&reg, "alice");
    let (bob, bob_rx) = join(&reg, "bob");
    let acker = {
        let bob = bob.clone();
        std::thread::spawn(move || {
            while bob_rx.got.lock().is_empty() {
                std::thread::yield_now();
            }
            bob.acknowledge(true);
        })
    };
    let (result, silent) = send(&reg, &alice, "bob", b"hi", Duration::from_secs(10));
    acker.join().unwrap();
    assert_eq!((result, silent.len()), (Ok(()), 0));
    // Nobody acknowledges now: the send fails at the deadline and bob is dropped.
    let (result, silent) = send(&reg, &alice, "bob", b"x", Duration::from_millis(50));
    assert_eq!(result, Err(SendError::NotDelivered));
    assert_eq!(silent.len(), 1);
    assert!(reg.get("bob").is_none());
    let (result, silent) = send(&reg, &alice, "bob", b"x", Duration::from_millis(50));
    assert_eq!((result, silent.len()), (Err(SendError::NoSuchUser), 0));
}

#[test]
fn broadcast_to_nobody_succeeds_and_a_failed_ack_fails_the_send() {
    let reg = Registry::new(16);
    let (alice, _) = join(&reg, "alice");
    let (result, silent) = send(&reg, &alice, "ALL", b"x", Duration::from_millis(50));
    assert_eq!((result, silent.len()), (Ok(()), 0));
    let (bob, _) = join(&reg, "bob");
    let b = bob.clone();
    let t = std::thread::spawn(move || {
        // Wait until the forward is outstanding, then refuse it.
        while b.state.lock().pending.is_empty() {
            std::thread::yield_now();
        }
        b.acknowledge(false);
    });
    let (result, silent) = send(&reg, &alice, "all", b"x", Duration::from_secs(10));
    t.join().unwrap();
    assert_eq!(result, Err(SendError::NotDelivered));
    assert!(silent.is_empty());
}

#[test]
fn events_reach_only_those_who_asked_and_never_the_subject() {
    let reg = Registry::new(16);
    let (_alice, alice_rx) = join(&reg, "alice");
    let plain_rx = Arc::new(FakeLink::default());
    reg.attach("carol", Side::Sender, plain_rx.clone(), ip(1), Ext::NONE)
        .unwrap();
    reg.attach("carol", Side::Receiver, plain_rx.clone(), ip(1), Ext::NONE)
        .unwrap();
    let (bob, bob_rx) = join(&reg, "bob");
    assert!(reg.kick("carol", "spam"));
    assert!(
        !reg.detach(&bob, Side::Receiver),
        "bob's TOSEND still holds the name"
    );
    assert!(
        reg.detach(&bob, Side::Sender),
        "both sides gone: bob leaves"
    );
    let seen = alice_rx.events.lock().clone();
    assert_eq!(
        seen,
        vec![
            Event::Join("carol".into()),
            Event::Join("bob".into()),
            Event::Kick("carol".into(), "spam".into()),
            Event::Leave("carol".into(), LeaveReason::Kicked),
            Event::Leave("bob".into(), LeaveReason::Disconnected),
        ]
    );
    assert!(plain_rx.events.lock().is_empty(), "carol asked for nothing");
    assert_eq!(
        bob_rx.events.lock()[0],
        Event::Kick("carol".into(), "spam".into())
    );
    assert!(
        plain_rx.closed.load(Ordering::SeqCst),
        "a kicked user's links are closed"
    );
}

#[test]
fn a_user_dropped_twice_is_announced_once() {
    let reg = Registry::new(16);
    let (_alice, alice_rx) = join(&reg, "alice");
    let (bob, _) = join(&reg, "bob");
    assert!(reg.drop_user(&bob, LeaveReason::Quit));
    assert!(!reg.drop_user(&bob, LeaveReason::Timeout), "already gone");
    assert!(!reg.detach(&bob, Side::Receiver), "already removed");
    assert_eq!(
        *alice_rx.events.lock(),
        vec![
            Event::Join("bob".into()),
            Event::Leave("bob".into(), LeaveReason::Quit)
        ]
    );
    join(&reg, "bob");
}
