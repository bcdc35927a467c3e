//! [`Node`]: this server as one node of a cluster, as the chat sees it (the core's
//! [`Cluster`] port). Its methods run on the chat's threads: they read the presence table,
//! or hand a command to the bridge's runtime through a bounded channel and, for a claim or a
//! kick, wait for its answer with a deadline.

use super::bridge::{self, Cmd};
use super::inbound;
use super::presence::Presence;
use super::wire::{self, is_valid_node, KickAsk, WireEvent};
use crate::core::ack::Ticket;
use crate::core::{Audience, Chat, Cluster, Delivery, Event, SendError};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The longest a claim or a kick waits for NATS.
const ASK_TIMEOUT: Duration = Duration::from_secs(5);

/// How to join a cluster.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// The NATS server, `nats://host:port` (several, comma-separated).
    pub url: String,
    /// This node's name, unique in the cluster.
    pub node: String,
    /// The first token of every subject, and the names bucket's prefix.
    pub prefix: String,
    /// How long a node's recipients have to acknowledge.
    pub ack_timeout: Duration,
}

/// Why a node could not join its cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("a node's name is 1 to 64 letters, digits, '-' or '_': {0:?}")]
    BadNode(String),
    #[error("cannot reach NATS at {url}: {why}")]
    Connect { url: String, why: String },
    #[error("NATS has no key-value store (start nats-server with -js): {0}")]
    NoKeyValue(String),
    #[error("cannot start the cluster's thread: {0}")]
    Thread(#[from] std::io::Error),
}

/// This node.
pub struct Node {
    pub(super) name: String,
    /// This run of the node.
    pub(super) inc: u64,
    pub(super) prefix: String,
    pub(super) presence: Mutex<Presence>,
    pub(super) cmds: tokio::sync::mpsc::Sender<Cmd>,
    /// Names claimed whose attach is not over, with how many are claiming each.
    pub(super) claiming: Mutex<HashMap<String, usize>>,
    pub(super) connected: AtomicBool,
    /// When this node last joined NATS (started, or came back after losing it): until it has
    /// been there a while, it has not heard every node that is up.
    pub(super) joined: Mutex<Instant>,
    pub(super) ack_timeout: Duration,
}

impl Node {
    /// Joins `chat` to the cluster: connects to NATS, makes the names bucket, and starts the
    /// bridge and the threads that hand the other nodes' messages to the chat.
    pub fn start(config: ClusterConfig, chat: Chat) -> Result<Arc<Node>, ClusterError> {
        if !is_valid_node(&config.node) {
            return Err(ClusterError::BadNode(config.node));
        }
        let inc = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            ^ u64::from(std::process::id());
        let (cmds, cmd_rx) = tokio::sync::mpsc::channel(bridge::QUEUE);
        let node = Arc::new(Node {
            name: config.node.clone(),
            inc,
            prefix: config.prefix.clone(),
            presence: Mutex::new(Presence::default()),
            cmds,
            claiming: Mutex::new(HashMap::new()),
            connected: AtomicBool::new(false),
            joined: Mutex::new(Instant::now()),
            ack_timeout: config.ack_timeout,
        });
        let inbound = inbound::start(chat.clone(), node.clone())?;
        bridge::start(config, node.clone(), chat.clone(), cmd_rx, inbound)?;
        chat.set_cluster(node.clone());
        Ok(node)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// A subject of this cluster.
    pub(super) fn subject(&self, rest: &str) -> String {
        format!("{}.{rest}", self.prefix)
    }

    /// Hands the bridge a command and waits for its yes or no.
    fn ask(&self, make: impl FnOnce(mpsc::SyncSender<bool>) -> Cmd) -> bool {
        let (tx, rx) = mpsc::sync_channel(1);
        if self.cmds.try_send(make(tx)).is_err() {
            log::warn!("the cluster's queue is full");
            return false;
        }
        rx.recv_timeout(ASK_TIMEOUT).unwrap_or(false)
    }

    /// Whether `name` is being claimed here, its attach not over.
    pub(super) fn is_claiming(&self, name: &str) -> bool {
        self.claiming.lock().contains_key(name)
    }
}

impl Cluster for Node {
    fn claim(&self, name: &str) -> bool {
        *self.claiming.lock().entry(name.to_string()).or_default() += 1;
        let name2 = name.to_string();
        let won = self.ask(|answer| Cmd::Claim {
            name: name2,
            answer,
        });
        if !won {
            self.settled(name);
        }
        won
    }

    fn settled(&self, name: &str) {
        let mut claiming = self.claiming.lock();
        if let Some(n) = claiming.get_mut(name) {
            *n -= 1;
            if *n == 0 {
                claiming.remove(name);
            }
        }
    }

    fn release(&self, name: &str) {
        if self.cmds.try_send(Cmd::Release(name.to_string())).is_err() {
            log::warn!("the cluster's queue is full: {name} stays claimed till this node stops");
        }
    }

    fn locate(&self, name: &str) -> Option<String> {
        self.presence.lock().locate(name)
    }

    fn nodes(&self) -> Vec<String> {
        self.presence.lock().nodes()
    }

    fn forward(&self, node: &str, audience: Audience, delivery: &Delivery, ticket: Ticket) {
        let payload = wire::encode_forward(&audience, delivery);
        let cmd = Cmd::Forward {
            node: node.to_string(),
            payload,
            ticket,
        };
        if let Err(e) = self.cmds.try_send(cmd) {
            if let Cmd::Forward { ticket, .. } = e.into_inner() {
                ticket.fail(SendError::NotDelivered);
            }
        }
    }

    fn publish(&self, event: &Event) {
        if let Some(event) = WireEvent::from_event(event) {
            if self.cmds.try_send(Cmd::Publish(event)).is_err() {
                log::warn!("the cluster's queue is full: an event was not told to other nodes");
            }
        }
    }

    fn account(&self, name: &str, hash: Option<&str>) {
        let cmd = Cmd::Account {
            name: name.to_string(),
            hash: hash.map(str::to_string),
        };
        if self.cmds.try_send(cmd).is_err() {
            log::warn!("the cluster's queue is full: the account of {name} is not shared");
        }
    }

    fn remote_users(&self) -> Vec<(String, String)> {
        self.presence.lock().users()
    }

    fn remote_members(&self, room: &str) -> Vec<String> {
        self.presence.lock().members(room)
    }

    fn kick(&self, name: &str, reason: &str) -> bool {
        let Some(node) = self.locate(name) else {
            return false;
        };
        let ask = KickAsk {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        self.ask(|answer| Cmd::Kick { node, ask, answer })
    }
}
