//! What crosses between this node and the others of a cluster, on the chat's side: claiming a
//! name before a user is attached, choosing the nodes a send goes to, and the verbs the
//! cluster calls with what arrives from other nodes (a message to fan out here, an event to
//! tell). Without a cluster every verb here is the single node's behaviour.

use super::ack::{OnDone, SendError, Waiter};
use super::cluster::{Audience, Cluster};
use super::delivery::{self, InFlight, Remote};
use super::event::Event;
use super::message::{Delivery, Waiting};
use super::room::{RoomError, Who, LOBBY};
use super::rooms::Tell;
use super::user::{is_valid_name, User};
use super::{AttachError, Chat, Target};
use std::sync::Arc;

impl Chat {
    /// Joins the chat to a cluster (once, before any user arrives).
    pub fn set_cluster(&self, cluster: Arc<dyn Cluster>) {
        let _ = self.cluster.set(cluster);
    }

    pub(super) fn cluster(&self) -> Option<&dyn Cluster> {
        self.cluster.get().map(|c| c.as_ref())
    }

    /// Runs `attach` for `name` once the name is claimed cluster-wide (a name held here
    /// already was claimed by whoever holds it).
    pub(super) fn claimed(
        &self,
        name: &str,
        attach: impl FnOnce() -> Result<Arc<User>, AttachError>,
    ) -> Result<Arc<User>, AttachError> {
        let Some(cluster) = self.cluster() else {
            return attach();
        };
        if !is_valid_name(name) || self.registry.holds(name) {
            return attach();
        }
        if !cluster.claim(name) {
            return Err(AttachError::Taken);
        }
        let attached = attach();
        cluster.settled(name);
        if !self.registry.holds(name) {
            cluster.release(name);
        }
        attached
    }

    /// Every other node that is up, each to hand `audience` a message; `None`: no cluster.
    pub(super) fn every_node(&self, audience: Audience) -> Option<Remote<'_>> {
        let cluster = self.cluster()?;
        let nodes = cluster.nodes().into_iter();
        let to = nodes.map(|n| (n, audience.clone())).collect();
        Some(Remote { cluster, to })
    }

    /// The other nodes a send from `from` to `to` goes to, and as what; `None`: none.
    pub(super) fn remote_for(&self, from: &User, to: Target) -> Option<Remote<'_>> {
        let cluster = self.cluster()?;
        let except = from.name().to_string();
        let every = |audience| self.every_node(audience).map(|r| r.to).unwrap_or_default();
        let to = match to {
            Target::User(name) | Target::UserOrMailbox(name) => {
                if self.registry.get(name).is_some() {
                    return None;
                }
                vec![(cluster.locate(name)?, Audience::User(name.to_string()))]
            }
            Target::Others | Target::Everyone | Target::Room { room: LOBBY, .. } => {
                every(Audience::All { except })
            }
            Target::Room { room, .. } if self.is_member(from, room) => every(Audience::Room {
                room: room.to_string(),
                except,
            }),
            Target::Room { .. } => return None,
        };
        (!to.is_empty()).then_some(Remote { cluster, to })
    }

    /// Hands a message from another node to its `audience` here; `on_done` hears whether
    /// every one of them acknowledged it. The [`InFlight`] returned must be settled.
    ///
    /// The message takes this node's next id, and this node's history keeps it (a message to
    /// everyone or to a room even when nobody here hears it, as every node is sent those; a
    /// direct message when its recipient is here): a user's `HISTORY` is answered by its own
    /// node, and so shows what was said anywhere, under the ids the user was given.
    pub fn remote_deliver(
        &self,
        audience: &Audience,
        mut delivery: Delivery,
        on_done: OnDone,
    ) -> Option<InFlight> {
        let (targets, none) = match audience {
            Audience::User(name) => (
                self.registry.get(name).into_iter().collect(),
                Err(SendError::NoSuchUser),
            ),
            Audience::All { except } => {
                let mut all = self.registry.list();
                all.retain(|u| u.name() != except);
                (all, Ok(()))
            }
            Audience::Room { room, except } => {
                let mut members = self.rooms.audience(None, room, true).unwrap_or_default();
                members.retain(|u| u.name() != except);
                (members, Ok(()))
            }
        };
        delivery.id = self.next_id();
        let to = match audience {
            Audience::User(name) => Some(name.as_str()),
            Audience::All { .. } => None,
            Audience::Room { room, .. } => Some(room.as_str()),
        };
        let direct = matches!(audience, Audience::User(_));
        if !(direct && targets.is_empty()) {
            self.remember(&delivery, to);
        }
        let timeout = self.config.ack_timeout;
        delivery::launch(
            &self.registry,
            targets,
            None,
            &delivery,
            none,
            timeout,
            on_done,
        )
    }

    /// Tells the users here what happened on another node: the chat's joins, leaves and
    /// kicks to everyone, a room's events to its members here (a topic set elsewhere is this
    /// node's room's topic too).
    pub fn remote_event(&self, event: &Event) {
        if let Event::Join(name) = event {
            self.hand_over_mailbox(name);
        }
        // A room's topic is the cluster's: kept here too, when the room is here.
        if let Event::Topic { room, topic, .. } = event {
            let kept = self.rooms.set_topic(None, room, topic, |_| false);
            if kept.is_ok() {
                self.keep_room(room);
            }
        }
        match event.room() {
            None => self.registry.tell_all(event),
            Some(room) => {
                for user in self.rooms.audience(None, room, true).unwrap_or_default() {
                    user.notify(event);
                }
            }
        }
    }

    /// `name` joined on another node: what waits for it here is carried to it there, and
    /// leaves this node's mailbox once its user has acknowledged it.
    fn hand_over_mailbox(&self, name: &str) {
        let (Some(store), Some(_)) = (&self.store, self.cluster()) else {
            return;
        };
        if !self.accounts.read().contains_key(name) {
            return;
        }
        let (chat, to) = (self.clone(), name.to_string());
        store.mailbox(
            name,
            Box::new(move |found| {
                let (Some(cluster), Ok(records)) = (chat.cluster(), found) else {
                    return;
                };
                let Some(node) = cluster.locate(&to) else {
                    return;
                };
                for record in records {
                    let Waiting { delivery, on_done } = chat.waiting(record);
                    let waiter = Waiter::new(1, on_done);
                    let audience = Audience::User(to.clone());
                    cluster.forward(&node, audience, &delivery, waiter.ticket(0));
                }
            }),
        );
    }

    /// A name's password hash as the cluster keeps it (`None`: no longer claimed): this
    /// node's logins, mailboxes and store follow it.
    pub fn remote_account(&self, name: &str, hash: Option<String>) {
        let Some(store) = &self.store else {
            return;
        };
        if !is_valid_name(name) || self.accounts.read().get(name) == hash.as_ref() {
            return;
        }
        store.set_account(name, hash.clone(), Box::new(|_| {}));
        let mut accounts = self.accounts.write();
        match hash {
            Some(hash) => accounts.insert(name.to_string(), hash),
            None => accounts.remove(name),
        };
    }

    /// Every name claimed here, with its password hash (for the cluster to share).
    pub fn accounts_here(&self) -> Vec<(String, String)> {
        let accounts = self.accounts.read();
        accounts
            .iter()
            .map(|(n, h)| (n.clone(), h.clone()))
            .collect()
    }

    /// Tells the other nodes the room events told here.
    pub(super) fn publish_told<'a>(&self, told: impl IntoIterator<Item = &'a Tell>) {
        let Some(cluster) = self.cluster() else {
            return;
        };
        let mut sent: Vec<&Event> = Vec::new();
        for tell in told {
            if !sent.contains(&&tell.event) {
                cluster.publish(&tell.event);
                sent.push(&tell.event);
            }
        }
    }

    /// Who is in `room`, on every node.
    pub(super) fn who_everywhere(&self, room: &str) -> Result<Who, RoomError> {
        let here = self.rooms.who(room);
        let Some(cluster) = self.cluster() else {
            return here;
        };
        let there = cluster.remote_members(room);
        let mut who = match here {
            Ok(who) => who,
            Err(RoomError::NoSuchRoom) if !there.is_empty() => Who {
                name: room.to_string(),
                operator: None,
                topic: String::new(),
                members: Vec::new(),
            },
            Err(e) => return Err(e),
        };
        who.members.extend(there);
        who.members.sort();
        who.members.dedup();
        Ok(who)
    }
}
