//! Unit tests of the waiter: slots, reports, expiry.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// A waiter of `n` slots whose reports arrive on the receiver.
fn waiter(n: usize) -> (Arc<Waiter>, mpsc::Receiver<Result<(), SendError>>) {
    let (tx, rx) = mpsc::channel();
    let on_done: OnDone = Box::new(move |r| {
        let _ = tx.send(r);
    });
    (Waiter::new(n, on_done), rx)
}

#[test]
fn the_last_slot_filled_reports_once_and_any_failure_fails_the_send() {
    let (w, rx) = waiter(3);
    w.ticket(0).complete(true);
    w.fill(0, false); // a slot is filled once
    w.fill(7, false); // a slot that does not exist is ignored
    assert!(
        rx.try_recv().is_err(),
        "reported before every slot was filled"
    );
    w.fill(2, true);
    assert!(rx.try_recv().is_err());
    w.fill(1, true);
    assert_eq!(rx.try_recv(), Ok(Ok(())));
    w.fill(1, false);
    assert!(rx.try_recv().is_err(), "reported twice");
    assert!(w.wait_until(Instant::now()));

    let (w, rx) = waiter(2);
    w.fill(1, false);
    w.fill(0, true);
    assert_eq!(rx.try_recv(), Ok(Err(SendError::NotDelivered)));

    // The first failure is the one reported.
    let (w, rx) = waiter(3);
    w.settle(2, Err(SendError::MailboxFull));
    w.settle(0, Err(SendError::StoreFailed));
    w.settle(1, Ok(()));
    assert_eq!(rx.try_recv(), Ok(Err(SendError::MailboxFull)));
}

#[test]
fn expiry_names_exactly_the_silent_slots_and_fails_the_send() {
    let (w, rx) = waiter(4);
    w.fill(0, true);
    w.fill(2, true);
    assert!(!w.wait_until(Instant::now()), "not reported yet");
    assert_eq!(w.expire(), vec![1, 3]);
    assert_eq!(rx.try_recv(), Ok(Err(SendError::NotDelivered)));
    assert!(w.wait_until(Instant::now()));
    // Late answers change nothing, and a second expiry finds nobody.
    w.fill(1, true);
    assert_eq!(w.expire(), Vec::<usize>::new());
    assert!(rx.try_recv().is_err());
}

#[test]
fn a_settled_waiter_expires_nobody() {
    let (w, rx) = waiter(1);
    w.fill(0, true);
    assert_eq!(w.expire(), Vec::<usize>::new());
    assert_eq!(rx.try_recv(), Ok(Ok(())));
}

#[test]
fn wait_reported_waits_for_a_report_still_running() {
    let (entered_tx, entered) = mpsc::channel();
    let (release_tx, release) = mpsc::channel::<()>();
    let done = Arc::new(AtomicBool::new(false));
    let on_done: OnDone = {
        let done = done.clone();
        Box::new(move |_| {
            let _ = entered_tx.send(());
            let _ = release.recv_timeout(Duration::from_secs(10));
            done.store(true, Ordering::SeqCst);
        })
    };
    let w = Waiter::new(1, on_done);
    let filler = {
        let w = w.clone();
        std::thread::spawn(move || w.fill(0, true))
    };
    entered.recv_timeout(Duration::from_secs(10)).unwrap();
    // The slot is filled but the report is still running: nobody is silent, yet the
    // result is not out.
    assert_eq!(w.expire(), Vec::<usize>::new());
    // Let the report finish a little later: a wait that did not wait would see it unfinished.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        let _ = release_tx.send(());
    });
    w.wait_reported();
    assert!(
        done.load(Ordering::SeqCst),
        "returned before the report was out"
    );
    filler.join().unwrap();
}
