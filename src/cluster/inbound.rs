//! What other nodes ask of this one, handed to the chat on threads of its own (never on the
//! NATS runtime's): one worker takes messages, events and kicks in the order they came, and
//! a settler waits out each message's acknowledgements to its deadline, so that a silent
//! user here is dropped as it would be for a local sender.

use super::bridge::Cmd;
use super::node::Node;
use super::wire::{self, Answer, KickAsk};
use crate::core::{Audience, Chat, Delivery, Event, InFlight, SendError};
use async_nats::Subject;
use std::sync::mpsc;
use std::sync::Arc;

/// Work from other nodes waiting for the chat.
const QUEUE: usize = 16_384;

/// One piece of work from another node.
pub(super) enum Work {
    /// A message for users here; the answer goes to `reply`.
    Deliver {
        audience: Audience,
        delivery: Delivery,
        reply: Subject,
    },
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

/// Starts the worker and the settler.
pub(super) fn start(chat: Chat, node: Arc<Node>) -> std::io::Result<Inbox> {
    let (tx, rx) = mpsc::sync_channel::<Work>(QUEUE);
    let (settle_tx, settle_rx) = mpsc::channel::<InFlight>();
    let registry = chat.registry().clone();
    std::thread::Builder::new()
        .name("cluster-settle".into())
        .spawn(move || {
            for inflight in settle_rx {
                inflight.settle(&registry);
            }
        })?;
    std::thread::Builder::new()
        .name("cluster-in".into())
        .spawn(move || {
            for work in rx {
                if let Some(inflight) = handle(&chat, &node, work) {
                    let _ = settle_tx.send(inflight);
                }
            }
        })?;
    Ok(tx)
}

/// Sends `answer` to `reply` through the bridge.
fn answer(node: &Node, reply: Subject, answer: Answer) {
    let payload = wire::encode(&answer);
    if node.cmds.try_send(Cmd::Reply { reply, payload }).is_err() {
        log::warn!("the cluster's queue is full: an answer to another node was lost");
    }
}

fn handle(chat: &Chat, node: &Arc<Node>, work: Work) -> Option<InFlight> {
    match work {
        Work::Deliver {
            audience,
            delivery,
            reply,
        } => {
            let node2 = node.clone();
            let on_done = Box::new(move |result: Result<(), SendError>| {
                let said = match result {
                    Ok(()) => Answer::Ok,
                    Err(SendError::NoSuchUser) => Answer::NoSuchUser,
                    Err(_) => Answer::NotDelivered,
                };
                answer(&node2, reply, said);
            });
            chat.remote_deliver(&audience, &delivery, on_done)
        }
        Work::Tell(events) => {
            for event in &events {
                chat.remote_event(event);
            }
            None
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
            None
        }
        Work::Account { name, hash } => {
            chat.remote_account(&name, hash);
            None
        }
        Work::Lost(name) => {
            if let Some(user) = chat.registry().get(&name) {
                log::warn!("{name} is held on another node: disconnected here");
                chat.drop_user(&user, crate::core::LeaveReason::Kicked);
            }
            None
        }
    }
}
