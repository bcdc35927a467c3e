//! Names, cluster-wide: a name is held by the node whose [`Owner`] is stored under it in the
//! names bucket. Claiming is create-if-absent, so of two nodes racing for a name exactly one
//! wins; a name whose owner is down (its incarnation not heard for [`super::SILENCE`]) is
//! taken over with a compare-and-set on its revision. While NATS is unreachable a claim is
//! granted here alone and made again when NATS is back: a name two nodes gave out in the
//! meantime stays with the node that claims it first, and the other's user is disconnected.

use super::{bucket, owner, Bridge, Work, SILENCE};
use crate::cluster::wire::{self, Owner};
use async_nats::jetstream::kv::{CreateErrorKind, Operation};

impl Bridge {
    /// Whether this node was up long enough to have heard every node that is up.
    fn knows_the_cluster(&self) -> bool {
        self.node.started.elapsed() > SILENCE + super::BEAT
    }

    /// Claims `name` for a user of this node.
    pub(super) async fn claim(&mut self, name: &str) -> bool {
        if !self.up() {
            log::warn!("cluster: NATS is unreachable; {name} is claimed here alone for now");
            self.owned.insert(name.to_string());
            return true;
        }
        let won = self.take(name).await;
        if won {
            self.owned.insert(name.to_string());
        }
        won
    }

    async fn take(&self, name: &str) -> bool {
        let mine = wire::encode(&owner(&self.node));
        let err = match self.kv.create(name, mine.clone().into()).await {
            Ok(_) => return true,
            Err(e) => e,
        };
        if err.kind() != CreateErrorKind::AlreadyExists {
            log::warn!("cluster: cannot claim {name} in NATS ({err}); claimed here alone");
            return true;
        }
        let entry = match self.kv.entry(name).await {
            Ok(Some(entry)) => entry,
            Ok(None) => return self.kv.create(name, mine.into()).await.is_ok(),
            Err(e) => {
                log::warn!("cluster: cannot read who holds {name}: {e}");
                return false;
            }
        };
        let holder = wire::decode::<Owner>(&entry.value).ok();
        let free = entry.operation != Operation::Put;
        match holder {
            Some(o) if !free && o == owner(&self.node) => return true,
            Some(o) if !free && !self.is_down(&o) => return false,
            _ => {}
        }
        let taken = self.kv.update(name, mine.into(), entry.revision).await;
        taken.is_ok()
    }

    /// Whether `holder` is a node known to be down (this node must know the cluster).
    fn is_down(&self, holder: &Owner) -> bool {
        self.knows_the_cluster() && !self.node.presence.lock().is_up(&holder.node, holder.inc)
    }

    /// Gives back `name`, unless a user here holds it again or is claiming it.
    pub(super) async fn release(&mut self, name: &str) {
        if self.node.is_claiming(name) || self.chat.registry().holds(name) {
            return;
        }
        if !self.up() {
            return; // still owned: given back when NATS is back
        }
        self.owned.remove(name);
        if let Ok(Some(entry)) = self.kv.entry(name).await {
            let ours = wire::decode::<Owner>(&entry.value).ok() == Some(owner(&self.node));
            if ours && entry.operation == Operation::Put {
                if let Err(e) = self.kv.delete(name).await {
                    log::warn!("cluster: cannot give back {name}: {e}");
                }
            }
        }
    }

    /// NATS is back: makes sure the bucket is there, claims again every name held here, and
    /// gives back those whose users left meanwhile.
    pub(super) async fn reassert(&mut self) {
        match bucket(&self.js, &self.bucket).await {
            Ok(kv) => self.kv = kv,
            Err(e) => {
                log::error!("cluster: {e}");
                return;
            }
        }
        let owned: Vec<String> = self.owned.iter().cloned().collect();
        for name in owned {
            if self.chat.registry().holds(&name) || self.node.is_claiming(&name) {
                if !self.take(&name).await {
                    self.owned.remove(&name);
                    if self.work.try_send(Work::Lost(name.clone())).is_err() {
                        log::warn!("cluster: {name} is held twice; the inbound queue is full");
                    }
                }
            } else {
                self.release(&name).await;
            }
        }
    }
}
