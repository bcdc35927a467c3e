//! The NATS side of a node: one thread running a single-threaded tokio runtime with the
//! async-nats client. It takes the chat's commands from a bounded channel (claims, releases,
//! messages to carry, events to tell), answers other nodes' requests, keeps the presence
//! table from heartbeats, rosters and events, hands a message for users here to them (a
//! hand-over that never waits, see [`super::inbound`]) and what they must hear to the inbound
//! worker.

use super::inbound::{Inbox, Settler, Work};
use super::node::{ClusterConfig, ClusterError, Node};
use super::presence::Heard;
use super::wire::{self, Alive, Answer, KickAsk, Owner, Roster, Said, WireEvent};
use crate::core::ack::Ticket;
use crate::core::{Chat, Event, SendError};
use async_nats::jetstream::kv;
use async_nats::{Client, Message, Subject};
use futures_util::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};
use tokio::sync::mpsc as tmpsc;

/// Commands the chat's threads may queue for the bridge.
pub(super) const QUEUE: usize = 65_536;
/// Heartbeats, and checks for silent nodes.
const BEAT: Duration = Duration::from_secs(1);
/// A node not heard from for this long is down: its users have left, its names are free.
const SILENCE: Duration = Duration::from_secs(3);
/// How long a roster or a kick may take.
const ASK: Duration = Duration::from_secs(5);

/// What the chat asks of the bridge.
pub(super) enum Cmd {
    Claim {
        name: String,
        answer: mpsc::SyncSender<bool>,
    },
    Release(String),
    Forward {
        node: String,
        payload: Vec<u8>,
        ticket: Ticket,
    },
    Publish(WireEvent),
    Kick {
        node: String,
        ask: KickAsk,
        answer: mpsc::SyncSender<bool>,
    },
    Reply {
        reply: Subject,
        payload: Vec<u8>,
    },
    Account {
        name: String,
        hash: Option<String>,
    },
}

/// Starts the bridge's thread; returns once NATS is reached and the names bucket is there.
pub(super) fn start(
    config: ClusterConfig,
    node: Arc<Node>,
    chat: Chat,
    cmds: tmpsc::Receiver<Cmd>,
    (work, settler): (Inbox, Arc<Settler>),
) -> Result<(), ClusterError> {
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("cluster".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return drop(ready_tx.send(Err(ClusterError::Thread(e)))),
            };
            runtime.block_on(async move {
                let (conn_tx, conn_rx) = tmpsc::unbounded_channel();
                let inbound = (work, settler);
                let bridge = match Bridge::connect(&config, node, chat, inbound, conn_tx).await {
                    Ok(b) => b,
                    Err(e) => return drop(ready_tx.send(Err(e))),
                };
                let _ = ready_tx.send(Ok(()));
                bridge.run(cmds, conn_rx).await;
            });
        })?;
    ready_rx.recv().unwrap_or_else(|_| {
        Err(ClusterError::Thread(std::io::Error::other(
            "the cluster's thread stopped",
        )))
    })
}

struct Bridge {
    node: Arc<Node>,
    chat: Chat,
    client: Client,
    js: async_nats::jetstream::Context,
    /// Who holds each name.
    names: Names,
    bucket: String,
    /// Each claimed name's password hash.
    accounts: kv::Store,
    work: Inbox,
    settler: Arc<Settler>,
    /// The number of the last event published.
    seq: u64,
    /// Nodes whose roster is on its way.
    asking: HashSet<String>,
    /// Where the answers to roster requests come back.
    rosters: tmpsc::UnboundedSender<(String, Option<Roster>)>,
    /// NATS went away since the last reconnection.
    was_down: bool,
}

impl Bridge {
    async fn connect(
        config: &ClusterConfig,
        node: Arc<Node>,
        chat: Chat,
        (work, settler): (Inbox, Arc<Settler>),
        conn_tx: tmpsc::UnboundedSender<async_nats::Event>,
    ) -> Result<Bridge, ClusterError> {
        let unreachable = |why: String| ClusterError::Connect {
            url: config.url.clone(),
            why,
        };
        let client = async_nats::ConnectOptions::new()
            .name(format!("chat-node-{}", config.node))
            .max_reconnects(None)
            .connection_timeout(ASK)
            .event_callback(move |event| {
                let tx = conn_tx.clone();
                async move {
                    let _ = tx.send(event);
                }
            })
            .connect(config.url.as_str())
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        let js = async_nats::jetstream::new(client.clone());
        let bucket_name = format!("{}-names", config.prefix);
        let kv = bucket(&js, &bucket_name).await?;
        let accounts = bucket(&js, &format!("{}-accounts", config.prefix)).await?;
        node.connected.store(true, Ordering::Release);
        let names = Names::new(kv, node.clone(), chat.clone(), work.clone());
        Ok(Bridge {
            node,
            chat,
            client,
            js,
            names,
            bucket: bucket_name,
            accounts,
            work,
            settler,
            seq: 0,
            asking: HashSet::new(),
            rosters: tmpsc::unbounded_channel().0,
            was_down: false,
        })
    }

    async fn run(
        mut self,
        mut cmds: tmpsc::Receiver<Cmd>,
        mut conn: tmpsc::UnboundedReceiver<async_nats::Event>,
    ) {
        let me = self.node.name.clone();
        let (Ok(mut presence), Ok(mut mine)) = (
            self.client.subscribe(self.node.subject("presence.*")).await,
            (self.client)
                .subscribe(self.node.subject(&format!("node.{me}.*")))
                .await,
        ) else {
            log::error!("cluster: cannot subscribe; this node stays alone");
            return;
        };
        let (tx, mut rosters) = tmpsc::unbounded_channel();
        self.rosters = tx;
        self.share_accounts().await;
        let mut beat = tokio::time::interval(BEAT);
        loop {
            tokio::select! {
                Some(cmd) = cmds.recv() => self.command(cmd).await,
                Some(msg) = presence.next() => self.presence(msg),
                Some(msg) = mine.next() => self.request(msg).await,
                Some((node, roster)) = rosters.recv() => self.roster(&node, roster),
                Some(event) = conn.recv() => self.connection(event).await,
                _ = beat.tick() => self.beat().await,
                else => break,
            }
        }
    }

    fn up(&self) -> bool {
        self.node.connected.load(Ordering::Acquire)
    }

    async fn publish(&self, subject: impl async_nats::subject::ToSubject, payload: Vec<u8>) {
        if self.up() {
            if let Err(e) = self.client.publish(subject, payload.into()).await {
                log::warn!("cluster: cannot publish: {e}");
            }
        }
    }

    /// Hands the inbound threads what the users here are to hear.
    fn tell(&self, events: Vec<Event>) {
        if !events.is_empty() && self.work.try_send(Work::Tell(events)).is_err() {
            log::warn!("cluster: the inbound queue is full; events from other nodes lost");
        }
    }

    async fn command(&mut self, cmd: Cmd) {
        match cmd {
            Cmd::Claim { name, answer } => self.names.claim(name, answer),
            Cmd::Release(name) => self.names.release(name),
            Cmd::Forward {
                node,
                payload,
                ticket,
            } => self.forward(&node, payload, ticket),
            Cmd::Publish(event) => {
                self.seq += 1;
                let said = Said {
                    node: self.node.name.clone(),
                    inc: self.node.inc,
                    seq: self.seq,
                    event,
                };
                let subject = self.node.subject("presence.events");
                self.publish(subject, wire::encode(&said)).await;
            }
            Cmd::Kick { node, ask, answer } => {
                let subject = self.node.subject(&format!("node.{node}.kick"));
                let client = self.client.clone();
                tokio::spawn(async move {
                    let asked = ask_node(&client, subject, wire::encode(&ask)).await;
                    let kicked =
                        asked.is_some_and(|m| wire::decode::<Answer>(&m) == Ok(Answer::Ok));
                    let _ = answer.send(kicked);
                });
            }
            Cmd::Reply { reply, payload } => self.publish(reply, payload).await,
            Cmd::Account { name, hash } => self.account(&name, hash).await,
        }
    }

    /// Carries a message to `node`; its ticket hears the node's answer.
    fn forward(&self, node: &str, payload: Vec<u8>, ticket: Ticket) {
        let subject = self.node.subject(&format!("node.{node}.send"));
        let client = self.client.clone();
        let timeout = self.node.ack_timeout + ASK;
        tokio::spawn(async move {
            let request = async_nats::Request::new()
                .payload(payload.into())
                .timeout(Some(timeout));
            match client.send_request(subject, request).await {
                Ok(msg) => match wire::decode::<Answer>(&msg.payload) {
                    Ok(Answer::Ok) => ticket.complete(true),
                    Ok(Answer::NoSuchUser) => ticket.fail(SendError::NoSuchUser),
                    _ => ticket.fail(SendError::NotDelivered),
                },
                Err(e) if e.kind() == async_nats::client::RequestErrorKind::NoResponders => {
                    ticket.fail(SendError::NoSuchUser)
                }
                Err(_) => ticket.fail(SendError::NotDelivered),
            }
        });
    }

    /// A heartbeat or an event of another node.
    fn presence(&mut self, msg: Message) {
        let now = Instant::now();
        let (heard, told) = if msg.subject.ends_with(".alive") {
            let Ok(alive) = wire::decode::<Alive>(&msg.payload) else {
                return;
            };
            if alive.node == self.node.name {
                return;
            }
            let heard = self
                .node
                .presence
                .lock()
                .heard(&alive.node, alive.inc, alive.seq, now);
            (Some((alive.node, heard)), Vec::new())
        } else {
            let Ok(said) = wire::decode::<Said>(&msg.payload) else {
                return;
            };
            if said.node == self.node.name {
                return;
            }
            let mut presence = self.node.presence.lock();
            let (heard, told) = presence.event(&said.node, said.inc, said.seq, said.event, now);
            (Some((said.node, heard)), told)
        };
        self.tell(told);
        if let Some((node, Heard::AskRoster(gone))) = heard {
            self.tell(gone);
            self.ask_roster(node);
        }
    }

    fn ask_roster(&mut self, node: String) {
        if !self.asking.insert(node.clone()) {
            return;
        }
        let subject = self.node.subject(&format!("node.{node}.roster"));
        let (client, back) = (self.client.clone(), self.rosters.clone());
        tokio::spawn(async move {
            let answer = ask_node(&client, subject, Vec::new()).await;
            let roster = answer.and_then(|m| wire::decode::<Roster>(&m).ok());
            let _ = back.send((node, roster));
        });
    }

    fn roster(&mut self, node: &str, roster: Option<Roster>) {
        self.asking.remove(node);
        if let Some(roster) = roster {
            let told = self.node.presence.lock().roster(node, roster);
            self.tell(told);
        }
    }

    async fn beat(&mut self) {
        let alive = Alive {
            node: self.node.name.clone(),
            inc: self.node.inc,
            seq: self.seq,
        };
        let subject = self.node.subject("presence.alive");
        self.publish(subject, wire::encode(&alive)).await;
        let (dead, told) = self.node.presence.lock().expire(Instant::now(), SILENCE);
        for node in dead {
            log::warn!("cluster: node {node} is silent; its users have left");
        }
        self.tell(told);
    }

    async fn connection(&mut self, event: async_nats::Event) {
        match event {
            async_nats::Event::Disconnected => {
                log::warn!("cluster: NATS connection lost; reconnecting");
                self.node.connected.store(false, Ordering::Release);
                self.was_down = true;
            }
            async_nats::Event::Connected => {
                let back = std::mem::take(&mut self.was_down);
                if back {
                    *self.node.joined.lock() = Instant::now();
                }
                self.node.connected.store(true, Ordering::Release);
                if back {
                    log::info!("cluster: NATS connection back; claiming this node's names again");
                    self.reassert().await;
                }
            }
            other => log::info!("cluster: NATS {other}"),
        }
    }
}

/// Asks another node and waits for its answer (`None`: none came).
async fn ask_node(client: &Client, subject: String, payload: Vec<u8>) -> Option<Vec<u8>> {
    let request = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(ASK));
    client
        .send_request(subject, request)
        .await
        .ok()
        .map(|m| m.payload.to_vec())
}

#[path = "accounts.rs"]
mod accounts;
#[path = "names.rs"]
mod names;
#[path = "requests.rs"]
mod requests;

use accounts::bucket;
use names::Names;

/// The owner value this node writes under its names.
fn owner(node: &Node) -> Owner {
    Owner {
        node: node.name.clone(),
        inc: node.inc,
    }
}
