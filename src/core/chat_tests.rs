//! Unit tests of the service's own verbs and of [`Outgoing`], with in-memory links.

use super::*;
use parking_lot::Mutex;
use std::sync::mpsc;
use std::time::Instant;

/// A receiving link that awaits acknowledgements and remembers what it was handed.
#[derive(Default)]
struct Rx {
    got: Mutex<Vec<Vec<u8>>>,
}

impl Link for Rx {
    fn deliver(&self, _: u32, d: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
        self.got.lock().push(d.body.clone());
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

fn chat(ack_timeout: Duration) -> Chat {
    Chat::new(Config {
        ack_timeout,
        max_pending: 16,
        rate_limit: 0,
        ..Config::default()
    })
}

fn join(chat: &Chat, name: &str) -> (Arc<User>, Arc<Rx>) {
    let rx = Arc::new(Rx::default());
    chat.attach(name, Side::Sender, Arc::new(Rx::default()), "o", 0)
        .unwrap();
    let user = chat
        .attach(name, Side::Receiver, rx.clone(), "o", 0)
        .unwrap();
    (user, rx)
}

#[test]
fn detach_and_drop_say_whether_the_user_left() {
    let chat = chat(Duration::from_secs(10));
    let (alice, _) = join(&chat, "alice");
    assert!(!chat.detach(&alice, Side::Sender), "one side still there");
    assert!(chat.detach(&alice, Side::Receiver), "the last side gone");
    let (bob, _) = join(&chat, "bob");
    assert!(chat.drop_user(&bob, LeaveReason::Timeout));
    assert!(!chat.drop_user(&bob, LeaveReason::Timeout));
    assert!(chat.users().is_empty());
}

#[test]
fn a_connections_sends_settle_in_order_the_next_waiting_for_the_last() {
    let chat = chat(Duration::from_secs(10));
    let (alice, _) = join(&chat, "alice");
    let (bob, bob_rx) = join(&chat, "bob");
    let (tx, results) = mpsc::channel();
    let mut out = Outgoing::new(&chat);
    assert_eq!(out.deadline(), None);
    let report = |n: u32| {
        let tx = tx.clone();
        move |r: Result<Sent, SendError>| tx.send((n, r)).unwrap()
    };
    out.send(
        &alice,
        Target::User("bob"),
        b"one".to_vec(),
        false,
        report(1),
    );
    assert!(out.deadline().is_some(), "in flight until bob acknowledges");
    assert!(out.settle_if_due().is_empty(), "not due yet");
    assert!(out.deadline().is_some(), "still in flight");
    // bob acknowledges the first once the second is being sent: the second send waits.
    let acker = {
        let (chat, bob) = (chat.clone(), bob.clone());
        std::thread::spawn(move || {
            while bob_rx.got.lock().is_empty() {
                std::thread::yield_now();
            }
            chat.ack(&bob, true);
            while bob_rx.got.lock().len() < 2 {
                std::thread::yield_now();
            }
            chat.ack(&bob, true);
        })
    };
    out.send(
        &alice,
        Target::User("bob"),
        b"two".to_vec(),
        false,
        report(2),
    );
    let first = results.try_recv();
    assert!(
        matches!(first, Ok((1, Ok(Sent::Delivered { .. })))),
        "the first settled first: {first:?}"
    );
    assert!(out.settle().is_empty());
    acker.join().unwrap();
    let second = results.try_recv();
    assert!(
        matches!(second, Ok((2, Ok(Sent::Delivered { .. })))),
        "{second:?}"
    );
    assert_eq!(out.deadline(), None);
}

#[test]
fn a_send_past_its_deadline_is_settled_and_its_silent_recipient_dropped() {
    let chat = chat(Duration::from_millis(50));
    let (alice, _) = join(&chat, "alice");
    let (_bob, _) = join(&chat, "bob");
    let (tx, results) = mpsc::channel();
    let mut out = Outgoing::new(&chat);
    out.send(
        &alice,
        Target::User("bob"),
        b"hi".to_vec(),
        false,
        move |r| tx.send(r).unwrap(),
    );
    let deadline = out.deadline().unwrap();
    while Instant::now() < deadline {
        std::thread::yield_now();
    }
    let dropped: Vec<String> = out
        .settle_if_due()
        .iter()
        .map(|u| u.name().to_string())
        .collect();
    assert_eq!(dropped, ["bob"]);
    assert_eq!(results.try_recv(), Ok(Err(SendError::NotDelivered)));
    assert_eq!(chat.names(), ["alice"]);
}

#[test]
fn a_user_keeps_where_it_came_from() {
    let chat = chat(Duration::from_secs(10));
    let user = chat
        .attach("carol", Side::Both, Arc::new(Rx::default()), "10.1.2.3", 0)
        .unwrap();
    assert_eq!(user.origin(), "10.1.2.3");
}

#[test]
fn silence_grows_until_something_arrives_from_the_user() {
    let chat = chat(Duration::from_secs(10));
    let (alice, _) = join(&chat, "alice");
    // Wait (with a deadline) until alice has been silent a while; no timing is asserted.
    let deadline = Instant::now() + Duration::from_secs(20);
    let long = loop {
        let silent = alice.silent_for();
        if silent >= Duration::from_millis(500) {
            break silent;
        }
        assert!(Instant::now() < deadline, "silence never grew: {silent:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    alice.touch();
    assert!(alice.silent_for() < long, "touch starts the silence again");
}

/// Sends `body` from `from` to `to` and returns where its result will come.
fn start_send(chat: &Chat, from: &Arc<User>, to: &str) -> mpsc::Receiver<Result<Sent, SendError>> {
    let (tx, rx) = mpsc::channel();
    chat.send(from, Target::User(to), b"hi".to_vec(), false, move |r| {
        let _ = tx.send(r);
    });
    rx
}

#[test]
fn a_receiving_side_that_leaves_fails_what_it_owed_and_a_sending_side_does_not() {
    // Acks never time out here: every result below comes from a detach or an ack.
    let chat = chat(Duration::from_secs(3600));
    let (alice, _) = join(&chat, "alice");
    let (bob, bob_rx) = join(&chat, "bob");
    let sent = start_send(&chat, &alice, "bob");
    assert_eq!(bob_rx.got.lock().len(), 1);
    // bob's sending side goes; his receiving side still owes the acknowledgement, and gives it.
    assert!(!chat.detach(&bob, Side::Sender));
    assert!(sent.try_recv().is_err(), "still waiting for bob");
    chat.ack(&bob, true);
    assert!(matches!(
        sent.recv_timeout(Duration::from_secs(20)),
        Ok(Ok(Sent::Delivered { .. }))
    ));
    // carol's receiving side goes while she owes one: it fails at once.
    let (carol, _) = join(&chat, "carol");
    let sent = start_send(&chat, &alice, "carol");
    assert!(!chat.detach(&carol, Side::Receiver));
    assert_eq!(
        sent.recv_timeout(Duration::from_secs(20)),
        Ok(Err(SendError::NotDelivered))
    );
}

#[test]
fn a_user_is_handed_no_more_than_it_may_owe() {
    let chat = chat(Duration::from_secs(3600));
    let (alice, _) = join(&chat, "alice");
    let (_bob, bob_rx) = join(&chat, "bob");
    // max_pending is 16 here; bob acknowledges nothing.
    let results: Vec<_> = (0..17).map(|_| start_send(&chat, &alice, "bob")).collect();
    assert_eq!(bob_rx.got.lock().len(), 16);
    assert!(matches!(
        results[16].recv_timeout(Duration::from_secs(20)),
        Ok(Err(_))
    ));
}
