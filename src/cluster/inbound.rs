//! What other nodes ask of this one, handed to the chat. A message is handed to its
//! recipients here at once, on the NATS runtime's thread (a hand-over only queues it on
//! each recipient's socket, never waits), and its acknowledgements are waited out by the
//! [`Settler`]: a silent user here is dropped at the deadline as for a local sender. Events,
//! kicks and accounts, which may take longer, go to a worker thread in the order they came.

use super::bridge::Cmd;
use super::node::Node;
use super::wire::{self, Answer, KickAsk};
use crate::core::{Audience, Chat, Delivery, Event, InFlight, Registry, SendError};
use async_nats::Subject;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

/// Work from other nodes waiting for the chat.
const QUEUE: usize = 16_384;

/// One piece of work from another node.
pub(super) enum Work {
    /// What the users here are to hear about the other nodes.
    Tell(Vec<Event>),
    /// Kick a user here; the answer goes to `reply`.
    Kick { ask: KickAsk, reply: Subject },
    /// A name this node's user held is another node's: its user here must go.
    Lost(String),
    /// A name's password hash as the cluster keeps it (`None`: not claimed).
    Account { name: String, hash: Option<String> },
}

/// Where the bridge hands work.
pub(super) type Inbox = mpsc::SyncSender<Work>;

/// Messages from other nodes whose acknowledgements are still coming in, oldest first.
///
/// They all have the node's ack timeout, so the oldest is the first due: the settler's
/// thread sleeps on the queue until then, and a message whose acks all came is forgotten
/// (when the next one is added, or when the thread wakes) without waking anyone. (Settling
/// the oldest at once would come to the same results, [`InFlight::settle`] waiting for its
/// deadline itself, but its last ack would then wake the thread: a wake per message.)
#[derive(Default)]
pub(super) struct Settler {
    queue: Mutex<VecDeque<InFlight>>,
    due: Condvar,
}

impl Settler {
    /// Keeps `inflight` until its acks are in or its deadline passes.
    pub(super) fn add(&self, inflight: InFlight) {
        let mut done = Vec::new();
        let mut queue = self.queue.lock();
        while queue.front().is_some_and(InFlight::is_reported) {
            done.extend(queue.pop_front());
        }
        queue.push_back(inflight);
        if queue.len() == 1 {
            self.due.notify_one();
        }
        drop(queue);
        // Dropped unlocked: a message may hold the last reference to a user who left.
        drop(done);
    }

    /// How many messages are kept (tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.queue.lock().len()
    }

    /// Settles each message when it is due, for ever.
    fn run(&self, registry: &Registry) {
        let mut queue = self.queue.lock();
        loop {
            let Some(first) = queue.front() else {
                self.due.wait(&mut queue);
                continue;
            };
            match first.deadline() {
                Some(at) if !first.is_reported() && Instant::now() < at => {
                    self.due.wait_until(&mut queue, at);
                }
                _ => {
                    let Some(due) = queue.pop_front() else {
                        continue;
                    };
                    drop(queue);
                    due.settle(registry);
                    queue = self.queue.lock();
                }
            }
        }
    }
}

/// Starts the worker and the settler.
pub(super) fn start(chat: Chat, node: Arc<Node>) -> std::io::Result<(Inbox, Arc<Settler>)> {
    let (tx, rx) = mpsc::sync_channel::<Work>(QUEUE);
    let settler = Arc::new(Settler::default());
    let (registry, settles) = (chat.registry().clone(), settler.clone());
    std::thread::Builder::new()
        .name("cluster-settle".into())
        .spawn(move || settles.run(&registry))?;
    std::thread::Builder::new()
        .name("cluster-in".into())
        .spawn(move || {
            for work in rx {
                handle(&chat, &node, work);
            }
        })?;
    Ok((tx, settler))
}

/// Hands a message from another node to its `audience` here; the answer goes to `reply`
/// when they have all acknowledged it (or when the settler gives up on them).
pub(super) fn deliver(
    chat: &Chat,
    node: &Arc<Node>,
    settler: &Settler,
    (audience, delivery): (Audience, Delivery),
    reply: Subject,
) {
    let node = node.clone();
    let on_done = Box::new(move |result: Result<(), SendError>| {
        let said = match result {
            Ok(()) => Answer::Ok,
            Err(SendError::NoSuchUser) => Answer::NoSuchUser,
            Err(_) => Answer::NotDelivered,
        };
        answer(&node, reply, said);
    });
    if let Some(inflight) = chat.remote_deliver(&audience, delivery, on_done) {
        settler.add(inflight);
    }
}

/// Sends `answer` to `reply` through the bridge.
fn answer(node: &Node, reply: Subject, answer: Answer) {
    let payload = wire::encode(&answer);
    if node.cmds.try_send(Cmd::Reply { reply, payload }).is_err() {
        log::warn!("the cluster's queue is full: an answer to another node was lost");
    }
}

fn handle(chat: &Chat, node: &Arc<Node>, work: Work) {
    match work {
        Work::Tell(events) => {
            for event in &events {
                chat.remote_event(event);
            }
        }
        Work::Kick { ask, reply } => {
            // This node's own users only: a kick never travels on from here.
            let kicked = chat.registry().kick(&ask.name, &ask.reason);
            let said = if kicked {
                Answer::Ok
            } else {
                Answer::NoSuchUser
            };
            answer(node, reply, said);
        }
        Work::Account { name, hash } => chat.remote_account(&name, hash),
        Work::Lost(name) => {
            if let Some(user) = chat.registry().get(&name) {
                log::warn!("{name} is held on another node: disconnected here");
                chat.drop_user(&user, crate::core::LeaveReason::Kicked);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Config, Handed, Kind, Link, LinkError, Memo, Side};
    use std::time::Duration;

    /// A link that awaits acknowledgements, and says when it is closed.
    struct Rx(Mutex<Option<mpsc::Sender<()>>>);

    impl Link for Rx {
        fn deliver(&self, _: u32, _: &Delivery, _: &mut Memo) -> Result<Handed, LinkError> {
            Ok(Handed {
                awaits_ack: true,
                flush: false,
            })
        }
        fn event(&self, _: u32, _: &Event) -> bool {
            false
        }
        fn close(&self) {
            if let Some(closed) = self.0.lock().take() {
                let _ = closed.send(());
            }
        }
    }

    /// Attaches bob; the receiver hears when his receiving link is closed.
    fn bob(chat: &Chat) -> mpsc::Receiver<()> {
        let (tx, rx) = mpsc::channel();
        let links = [Rx(Mutex::new(None)), Rx(Mutex::new(Some(tx)))];
        for (side, link) in [Side::Sender, Side::Receiver].into_iter().zip(links) {
            chat.attach("bob", side, Arc::new(link), "o", 0).unwrap();
        }
        rx
    }

    fn chat(ack_timeout: Duration) -> Chat {
        Chat::new(Config {
            ack_timeout,
            rate_limit: 0,
            ..Config::default()
        })
    }

    /// A message from another node to `name`, and where its answer comes.
    fn send(chat: &Chat, name: &str) -> (InFlight, mpsc::Receiver<Result<(), SendError>>) {
        let (tx, rx) = mpsc::channel();
        let delivery = Delivery::new(1, "carol", b"hi".to_vec(), Kind::Direct, false);
        let on_done = Box::new(move |r| {
            let _ = tx.send(r);
        });
        let audience = Audience::User(name.into());
        let inflight = chat.remote_deliver(&audience, delivery, on_done);
        (inflight.expect("bob is here"), rx)
    }

    #[test]
    fn a_message_acknowledged_is_forgotten_when_the_next_comes_without_waiting() {
        let chat = chat(Duration::from_secs(60));
        let _closed = bob(&chat);
        let bob = chat.registry().get("bob").unwrap();
        let settler = Settler::default();
        let (first, answered) = send(&chat, "bob");
        settler.add(first);
        chat.ack(&bob, true);
        assert_eq!(answered.try_recv(), Ok(Ok(())));
        let (second, _) = send(&chat, "bob");
        settler.add(second);
        assert_eq!(settler.len(), 1, "the first, reported, was dropped");
        let (third, _) = send(&chat, "bob");
        settler.add(third);
        assert_eq!(settler.len(), 2, "the second still waits for its ack");
    }

    /// The settler's thread over `chat`.
    fn settling(chat: &Chat) -> Arc<Settler> {
        let settler = Arc::new(Settler::default());
        let (registry, settles) = (chat.registry().clone(), settler.clone());
        std::thread::spawn(move || settles.run(&registry));
        settler
    }

    #[test]
    fn a_message_acknowledged_before_its_deadline_is_answered_delivered() {
        let chat = chat(Duration::from_secs(60));
        let _closed = bob(&chat);
        let bob = chat.registry().get("bob").unwrap();
        let settler = settling(&chat);
        for _ in 0..3 {
            let (inflight, answered) = send(&chat, "bob");
            settler.add(inflight);
            // The settler must not give up on it before its deadline, a minute away.
            chat.ack(&bob, true);
            assert_eq!(answered.recv_timeout(Duration::from_secs(10)), Ok(Ok(())));
        }
        assert!(chat.registry().get("bob").is_some());
    }

    #[test]
    fn the_settler_wakes_for_a_message_added_while_it_waits_on_none() {
        let chat = chat(Duration::from_millis(100));
        let settler = settling(&chat);
        for _ in 0..2 {
            // Each time the queue was empty (the settler asleep with nothing to wait for).
            let closed = bob(&chat);
            let (inflight, answered) = send(&chat, "bob");
            settler.add(inflight);
            let answer = answered.recv_timeout(Duration::from_secs(10));
            assert_eq!(answer, Ok(Err(SendError::NotDelivered)));
            assert_eq!(closed.recv_timeout(Duration::from_secs(10)), Ok(()));
        }
    }

    #[test]
    fn a_silent_recipient_fails_the_message_at_its_deadline_and_is_dropped() {
        let chat = chat(Duration::from_millis(100));
        let closed = bob(&chat);
        let settler = settling(&chat);
        let (inflight, answered) = send(&chat, "bob");
        settler.add(inflight);
        let answer = answered.recv_timeout(Duration::from_secs(10));
        assert_eq!(answer, Ok(Err(SendError::NotDelivered)));
        assert_eq!(
            closed.recv_timeout(Duration::from_secs(10)),
            Ok(()),
            "bob dropped"
        );
        assert!(chat.registry().get("bob").is_none());
    }
}
