//! Names, cluster-wide: a name is held by the node whose [`Owner`] is stored under it in the
//! names bucket. Claiming is create-if-absent, so of two nodes racing for a name exactly one
//! wins; a name whose owner is down (its incarnation not heard for [`super::SILENCE`]) is
//! taken over with a compare-and-set on its revision. While NATS is unreachable a claim is
//! granted here alone and made again when NATS is back: a name two nodes gave out in the
//! meantime stays with the node that claims it first, and the other's user is disconnected.

use super::{bucket, owner, Bridge, Inbox, Work, SILENCE};
use crate::cluster::node::Node;
use crate::cluster::wire::{self, Owner};
use crate::core::Chat;
use async_nats::jetstream::kv::{self, CreateErrorKind, Operation};
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use tokio::sync::oneshot;

/// The names bucket as this node uses it; cloned into the task of each claim and release.
///
/// Each claim and release is a task of its own, so that a storm of logins or logouts waits
/// on NATS side by side and never holds up the messages the bridge carries meanwhile; the
/// operations on one name run in a lane, one after the other in the order the chat asked for
/// them (a release overtaken by the next claim of the same name would delete the new
/// holder's key).
#[derive(Clone)]
pub(super) struct Names {
    pub(super) kv: kv::Store,
    node: Arc<Node>,
    chat: Chat,
    work: Inbox,
    /// Names whose key this node holds.
    owned: Arc<Mutex<HashSet<String>>>,
    lanes: Lanes,
}

/// One lane per name with an operation on its way: an operation starts once those queued
/// on its name before it are over; different names run side by side.
#[derive(Clone, Default)]
struct Lanes(Arc<Mutex<LaneTable>>);

#[derive(Default)]
struct LaneTable {
    /// For each name, the number of the last operation queued and when it is over.
    last: HashMap<String, (u64, oneshot::Receiver<()>)>,
    queued: u64,
}

impl Lanes {
    /// Runs `op` on the runtime once the operations queued on `name` before it are over.
    fn run(&self, name: &str, op: impl Future<Output = ()> + Send + 'static) {
        let (over, next_waits) = oneshot::channel::<()>();
        let (before, number) = {
            let mut table = self.0.lock();
            table.queued += 1;
            let number = table.queued;
            let last = table.last.insert(name.to_string(), (number, next_waits));
            (last, number)
        };
        let (lanes, name) = (self.clone(), name.to_string());
        tokio::spawn(async move {
            if let Some((_, before)) = before {
                let _ = before.await;
            }
            op.await;
            let mut table = lanes.0.lock();
            if table.last.get(&name).is_some_and(|(n, _)| *n == number) {
                table.last.remove(&name);
            }
            drop(table);
            drop(over);
        });
    }

    /// How many names have an operation on its way (tests).
    #[cfg(test)]
    fn busy(&self) -> usize {
        self.0.lock().last.len()
    }
}

impl Names {
    pub(super) fn new(kv: kv::Store, node: Arc<Node>, chat: Chat, work: Inbox) -> Names {
        Names {
            kv,
            node,
            chat,
            work,
            owned: Arc::default(),
            lanes: Lanes::default(),
        }
    }

    fn up(&self) -> bool {
        self.node.connected.load(Ordering::Acquire)
    }

    /// Claims `name` for a user of this node; `answer` hears whether it won.
    pub(super) fn claim(&self, name: String, answer: mpsc::SyncSender<bool>) {
        if !self.up() {
            log::warn!("cluster: NATS is unreachable; {name} is claimed here alone for now");
            self.owned.lock().insert(name);
            let _ = answer.send(true);
            return;
        }
        let names = self.clone();
        self.lanes.run(&name.clone(), async move {
            let won = names.take(&name).await;
            if won {
                names.owned.lock().insert(name);
            }
            let _ = answer.send(won);
        });
    }

    /// Gives back `name`, unless a user here holds it again or is claiming it by then.
    pub(super) fn release(&self, name: String) {
        let names = self.clone();
        self.lanes
            .run(&name.clone(), async move { names.give_back(&name).await });
    }

    async fn give_back(&self, name: &str) {
        if self.node.is_claiming(name) || self.chat.registry().holds(name) {
            return;
        }
        if !self.up() {
            return; // still owned: given back when NATS is back
        }
        self.owned.lock().remove(name);
        if let Ok(Some(entry)) = self.kv.entry(name).await {
            let ours = wire::decode::<Owner>(&entry.value).ok() == Some(owner(&self.node));
            if ours && entry.operation == Operation::Put {
                if let Err(e) = self.kv.delete(name).await {
                    log::warn!("cluster: cannot give back {name}: {e}");
                }
            }
        }
    }

    /// NATS is back: claims again every name held here (a name another node took meanwhile
    /// is lost by its user here), and gives back those whose users left meanwhile.
    fn reassert(&self) {
        let owned: Vec<String> = self.owned.lock().iter().cloned().collect();
        for name in owned {
            let names = self.clone();
            self.lanes.run(&name.clone(), async move {
                if !(names.chat.registry().holds(&name) || names.node.is_claiming(&name)) {
                    return names.give_back(&name).await;
                }
                if !names.take(&name).await {
                    names.owned.lock().remove(&name);
                    if names.work.try_send(Work::Lost(name.clone())).is_err() {
                        log::warn!("cluster: {name} is held twice; the inbound queue is full");
                    }
                }
            });
        }
    }

    /// Takes `name` for this node in the bucket: whether it is this node's now.
    async fn take(&self, name: &str) -> bool {
        let (kv, node) = (&self.kv, &self.node);
        let mine = wire::encode(&owner(node));
        let err = match kv.create(name, mine.clone().into()).await {
            Ok(_) => return true,
            Err(e) => e,
        };
        if err.kind() != CreateErrorKind::AlreadyExists {
            log::warn!("cluster: cannot claim {name} in NATS ({err}); claimed here alone");
            return true;
        }
        let entry = match kv.entry(name).await {
            Ok(Some(entry)) => entry,
            Ok(None) => return kv.create(name, mine.into()).await.is_ok(),
            Err(e) => {
                log::warn!("cluster: cannot read who holds {name}: {e}");
                return false;
            }
        };
        let holder = wire::decode::<Owner>(&entry.value).ok();
        let free = entry.operation != Operation::Put;
        match holder {
            Some(o) if !free && o == owner(node) => return true,
            Some(o) if !free && !self.is_down(&o) => return false,
            _ => {}
        }
        kv.update(name, mine.into(), entry.revision).await.is_ok()
    }

    /// Whether `holder` is a node known to be down: this node must have been on NATS long
    /// enough to have heard every node that is up (since it started, or since NATS came back:
    /// while NATS was away every other node fell silent, and is not down for that).
    fn is_down(&self, holder: &Owner) -> bool {
        let knows_the_cluster = self.node.joined.lock().elapsed() > SILENCE + super::BEAT;
        knows_the_cluster && !self.node.presence.lock().is_up(&holder.node, holder.inc)
    }
}

impl Bridge {
    /// NATS is back: makes sure the bucket is there, then claims again what is held here.
    pub(super) async fn reassert(&mut self) {
        match bucket(&self.js, &self.bucket).await {
            Ok(kv) => self.names.kv = kv,
            Err(e) => return log::error!("cluster: {e}"),
        }
        self.names.reassert();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::{channel, Receiver};

    /// An operation that says `name` when it starts and ends once `go` is sent.
    fn op(
        said: &std::sync::mpsc::Sender<&'static str>,
        name: &'static str,
    ) -> (impl Future<Output = ()>, oneshot::Sender<()>) {
        let (go, wait) = oneshot::channel::<()>();
        let said = said.clone();
        let op = async move {
            let _ = said.send(name);
            let _ = wait.await;
        };
        (op, go)
    }

    fn heard(rx: &Receiver<&'static str>) -> Vec<&'static str> {
        rx.try_iter().collect()
    }

    /// Lets the runtime's tasks run, `times` rounds or until `done`.
    async fn rounds(times: usize, mut done: impl FnMut() -> bool) {
        for _ in 0..times {
            if done() {
                return;
            }
            tokio::task::yield_now().await;
        }
    }

    #[test]
    fn a_names_operations_run_in_order_and_other_names_meanwhile() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let (said, rx) = channel();
        let lanes = Lanes::default();
        let (release, release_done) = op(&said, "release bob");
        let (claim, claim_done) = op(&said, "claim bob");
        let (other, _other_done) = op(&said, "claim carol");
        rt.block_on(async {
            lanes.run("bob", release);
            lanes.run("bob", claim);
            lanes.run("carol", other);
            rounds(20, || false).await;
            // bob's claim waits for his release; carol's does not.
            assert_eq!(heard(&rx), ["release bob", "claim carol"]);
            let _ = release_done.send(());
            let mut got = Vec::new();
            rounds(100, || {
                got.extend(heard(&rx));
                !got.is_empty()
            })
            .await;
            assert_eq!(got, ["claim bob"]);
            assert_eq!(lanes.busy(), 2);
            let _ = claim_done.send(());
            // bob's lane is gone with its last operation; carol's is still on its way.
            rounds(100, || lanes.busy() == 1).await;
            assert_eq!(lanes.busy(), 1);
        });
    }
}
