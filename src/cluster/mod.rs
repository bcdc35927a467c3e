//! Several servers as one chat, over NATS: this node's side of the cluster.
//!
//! [`Node`] is what the core sees through its port [`crate::core::Cluster`]: it claims names
//! in a NATS key-value bucket (create-if-absent: of two users racing for a name on two nodes,
//! exactly one wins), knows who is on the other nodes from their heartbeats, rosters and
//! events ([`presence`]), and carries messages to other nodes as NATS requests whose reply
//! comes when the recipients there have acknowledged ([`wire`] has the payloads and
//! subjects). The NATS client (async-nats) runs on a tokio runtime of its own thread
//! ([`bridge`]); the thread-per-connection server reaches it through a bounded channel and
//! never waits on it under a lock. A message from another node is handed to its recipients
//! on the runtime's thread (a hand-over never waits); events, kicks and accounts go to a
//! thread of their own ([`inbound`]).
//!
//! Without `--nats` none of this runs: the server is one node and needs no NATS.

mod bridge;
mod inbound;
mod node;
pub mod presence;
pub mod wire;

pub use node::{ClusterConfig, ClusterError, Node};
