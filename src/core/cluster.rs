//! The port through which the chat reaches the other nodes of a cluster: one seam, so that no
//! front end knows whether a user is here or on another node. The chat asks it to claim a
//! name cluster-wide, where a user is, and to carry a message or an event to other nodes; what
//! arrives from other nodes comes back in through the chat's `remote_*` verbs
//! (`cluster_verbs.rs`). Without a cluster the chat is one node and never calls this.

use super::ack::Ticket;
use super::event::Event;
use super::message::Delivery;

/// Who on another node a message is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// One user, by name.
    User(String),
    /// Everyone on the node but `except` (the sender, or nobody: the server's name).
    All { except: String },
    /// The node's members of a room, but `except`.
    Room { room: String, except: String },
}

/// The other nodes of a cluster, as the chat sees them.
pub trait Cluster: Send + Sync {
    /// Claims `name` for a user of this node, cluster-wide; false: another node's user has
    /// it. Blocks for a round trip at most (never called under a lock). Every claim that
    /// returns true is followed by exactly one [`Cluster::release`] of the name.
    fn claim(&self, name: &str) -> bool;
    /// The attach that followed a successful claim of `name` is over (the user holds the
    /// name here now, or [`Cluster::release`] follows).
    fn settled(&self, name: &str);
    /// Gives back a name claimed here (its user left, or never came); never blocks.
    fn release(&self, name: &str);
    /// The node that holds the user called `name`, if another node does.
    fn locate(&self, name: &str) -> Option<String>;
    /// The other nodes that are up.
    fn nodes(&self) -> Vec<String>;
    /// Carries `delivery` to `audience` on `node`; `ticket` is completed with the node's
    /// answer (every recipient there acknowledged, or not), or failed when it cannot be
    /// carried. Never blocks.
    fn forward(&self, node: &str, audience: Audience, delivery: &Delivery, ticket: Ticket);
    /// Tells the other nodes what happened here (joins, leaves, kicks, room events); never
    /// blocks.
    fn publish(&self, event: &Event);
    /// Tells the cluster that `name` is claimed with password `hash` (`None`: no longer
    /// claimed), so that every node's logins go by it; never blocks.
    fn account(&self, name: &str, hash: Option<&str>);
    /// The users of the other nodes, each with its node's name.
    fn remote_users(&self) -> Vec<(String, String)>;
    /// The other nodes' members of `room`.
    fn remote_members(&self, room: &str) -> Vec<String>;
    /// Asks the node holding `name` to kick it; false: nobody there has it. Blocks for a
    /// round trip at most.
    fn kick(&self, name: &str, reason: &str) -> bool;
}
