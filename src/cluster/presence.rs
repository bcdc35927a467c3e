//! Who is on the other nodes, as this node knows it: each node's incarnation, when it was
//! last heard, the users on it and their rooms. Pure state: the bridge feeds it heartbeats,
//! rosters and events, and tells the users here what each change means (a join, a leave).
//!
//! A node's events are numbered; one missed (NATS drops for slow consumers, or a restart of
//! NATS) puts the node back to "not synced", and its roster is asked for again. Events that
//! arrive while a roster is on its way are kept and replayed over it.

use super::wire::{Roster, WireEvent};
use crate::core::{Event, LeaveReason};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

/// What a heartbeat (or an event) found out about its node.
#[derive(Debug, PartialEq, Eq)]
pub enum Heard {
    /// All is known: nothing to do.
    Known,
    /// The node's users must be asked for (a new node, a new incarnation, or missed events);
    /// the events are what the users here are to hear meanwhile (the old incarnation's
    /// users left).
    AskRoster(Vec<Event>),
}

#[derive(Debug)]
struct NodeView {
    inc: u64,
    heard: Instant,
    /// The last event applied.
    seq: u64,
    synced: bool,
    /// Events that came while the roster was asked for.
    early: Vec<(u64, WireEvent)>,
    /// Each user and its rooms.
    users: BTreeMap<String, Vec<String>>,
}

impl NodeView {
    /// A node first heard (or its new incarnation) at `now`: nothing known of it yet.
    fn new(inc: u64, now: Instant) -> NodeView {
        NodeView {
            inc,
            heard: now,
            seq: 0,
            synced: false,
            early: Vec::new(),
            users: BTreeMap::new(),
        }
    }
}

/// The other nodes.
#[derive(Debug, Default)]
pub struct Presence {
    nodes: HashMap<String, NodeView>,
}

impl Presence {
    /// `node` (incarnation `inc`, last event `seq`) is alive at `now`.
    pub fn heard(&mut self, node: &str, inc: u64, seq: u64, now: Instant) -> Heard {
        let view = (self.nodes)
            .entry(node.to_string())
            .or_insert_with(|| NodeView::new(inc, now));
        view.heard = now;
        if view.inc != inc {
            let gone = leaves(std::mem::take(&mut view.users));
            *view = NodeView::new(inc, now);
            return Heard::AskRoster(gone);
        }
        if !view.synced {
            return Heard::AskRoster(Vec::new());
        }
        if seq > view.seq {
            view.synced = false; // a heartbeat ahead of the events: some were missed
            return Heard::AskRoster(Vec::new());
        }
        Heard::Known
    }

    /// Applies `node`'s event number `seq`; returns what the users here are to hear, or
    /// that the roster must be asked for (a gap).
    pub fn event(
        &mut self,
        node: &str,
        inc: u64,
        seq: u64,
        event: WireEvent,
        now: Instant,
    ) -> (Heard, Vec<Event>) {
        let heard = self.heard(node, inc, seq.saturating_sub(1), now);
        let Some(view) = self.nodes.get_mut(node) else {
            return (heard, Vec::new());
        };
        if !view.synced {
            view.early.push((seq, event));
            return (heard, Vec::new());
        }
        if seq <= view.seq {
            return (Heard::Known, Vec::new()); // a duplicate
        }
        view.seq = seq;
        (Heard::Known, apply(&mut view.users, &event))
    }

    /// `node`'s roster arrived; returns what the users here are to hear (joins of users new
    /// to this node's view, leaves of those no longer there).
    pub fn roster(&mut self, node: &str, roster: Roster) -> Vec<Event> {
        let Some(view) = self.nodes.get_mut(node).filter(|v| v.inc == roster.inc) else {
            return Vec::new(); // an answer from an incarnation that is gone
        };
        let users: BTreeMap<String, Vec<String>> = roster.users.into_iter().collect();
        let mut told: Vec<Event> = view
            .users
            .keys()
            .filter(|n| !users.contains_key(*n))
            .map(|n| Event::Leave(n.clone(), LeaveReason::Disconnected))
            .collect();
        told.extend(
            users
                .keys()
                .filter(|n| !view.users.contains_key(*n))
                .map(|n| Event::Join(n.clone())),
        );
        view.users = users;
        view.seq = roster.seq;
        view.synced = true;
        let mut early = std::mem::take(&mut view.early);
        early.sort_by_key(|(seq, _)| *seq);
        for (seq, event) in early {
            if seq > view.seq {
                view.seq = seq;
                told.extend(apply(&mut view.users, &event));
            }
        }
        told
    }

    /// Forgets the nodes not heard from for `silence`; returns their names and the leaves
    /// the users here are to hear.
    pub fn expire(&mut self, now: Instant, silence: Duration) -> (Vec<String>, Vec<Event>) {
        let dead: Vec<String> = self
            .nodes
            .iter()
            .filter(|(_, v)| now.saturating_duration_since(v.heard) > silence)
            .map(|(n, _)| n.clone())
            .collect();
        let mut told = Vec::new();
        for node in &dead {
            if let Some(view) = self.nodes.remove(node) {
                told.extend(leaves(view.users));
            }
        }
        (dead, told)
    }

    /// Whether `node`'s incarnation `inc` is up.
    pub fn is_up(&self, node: &str, inc: u64) -> bool {
        self.nodes.get(node).is_some_and(|v| v.inc == inc)
    }

    /// The nodes that are up, sorted.
    pub fn nodes(&self) -> Vec<String> {
        let mut nodes: Vec<String> = self.nodes.keys().cloned().collect();
        nodes.sort();
        nodes
    }

    /// The node that has `name`.
    pub fn locate(&self, name: &str) -> Option<String> {
        self.nodes
            .iter()
            .find(|(_, v)| v.users.contains_key(name))
            .map(|(n, _)| n.clone())
    }

    /// Every user of the other nodes, with its node.
    pub fn users(&self) -> Vec<(String, String)> {
        let users = self
            .nodes
            .iter()
            .flat_map(|(node, v)| v.users.keys().map(move |name| (name.clone(), node.clone())));
        users.collect()
    }

    /// The other nodes' members of `room`.
    pub fn members(&self, room: &str) -> Vec<String> {
        let users = self.nodes.values().flat_map(|v| v.users.iter());
        users
            .filter(|(_, rooms)| rooms.iter().any(|r| r == room))
            .map(|(n, _)| n.clone())
            .collect()
    }
}

fn leaves(users: BTreeMap<String, Vec<String>>) -> Vec<Event> {
    let gone = users.into_keys();
    gone.map(|n| Event::Leave(n, LeaveReason::Disconnected))
        .collect()
}

/// Applies one event to a node's users; returns what the users here are to hear: a join or
/// leave only when it changes who is there, a kick and room events always.
fn apply(users: &mut BTreeMap<String, Vec<String>>, event: &WireEvent) -> Vec<Event> {
    let Ok(told) = event.to_event() else {
        return Vec::new();
    };
    let changed = match event {
        WireEvent::Join { name } => users.insert(name.clone(), Vec::new()).is_none(),
        WireEvent::Leave { name, .. } => users.remove(name).is_some(),
        WireEvent::Kick { .. } | WireEvent::Topic { .. } => true,
        WireEvent::RoomJoin { room, name } => {
            if let Some(rooms) = users.get_mut(name) {
                rooms.retain(|r| r != room);
                rooms.push(room.clone());
            }
            true
        }
        WireEvent::RoomLeave { room, name, .. } => {
            if let Some(rooms) = users.get_mut(name) {
                rooms.retain(|r| r != room);
            }
            true
        }
        WireEvent::RoomKick { .. } => true,
    };
    if changed {
        vec![told]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
#[path = "presence_tests.rs"]
mod tests;
