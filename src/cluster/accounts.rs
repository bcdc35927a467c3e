//! Accounts, cluster-wide: each claimed name's password hash is kept in a NATS key-value
//! bucket (`P-accounts`, in NATS's files), which every node watches and copies into its own
//! store, so that a name claimed on one node needs its password on every node, and a message
//! for it may be kept on any. A node brings the accounts of its store when it joins (those
//! the cluster already has stay as the cluster has them).

use super::{Bridge, Work};
use crate::cluster::node::ClusterError;
use async_nats::jetstream::kv::{self, Operation};
use futures_util::StreamExt;

impl Bridge {
    /// Puts this node's accounts the cluster lacks into the bucket, then starts copying the
    /// bucket's into the chat.
    pub(super) async fn share_accounts(&mut self) {
        for (name, hash) in self.chat.accounts_here() {
            let _ = self.accounts.create(&name, hash.into_bytes().into()).await;
        }
        let watch = match self.accounts.watch_with_history(">").await {
            Ok(w) => w,
            Err(e) => return log::error!("cluster: cannot watch the accounts: {e}"),
        };
        let work = self.work.clone();
        tokio::spawn(async move {
            let mut watch = watch;
            while let Some(entry) = watch.next().await {
                let Ok(entry) = entry else { continue };
                let hash = match entry.operation {
                    Operation::Put => String::from_utf8(entry.value.to_vec()).ok(),
                    Operation::Delete | Operation::Purge => None,
                };
                let change = Work::Account {
                    name: entry.key,
                    hash,
                };
                if work.try_send(change).is_err() {
                    log::warn!("cluster: the inbound queue is full; an account change waits");
                }
            }
        });
    }

    /// A name was claimed here (or its password changed, or its claim dropped).
    pub(super) async fn account(&mut self, name: &str, hash: Option<String>) {
        let done = match hash {
            Some(hash) => self
                .accounts
                .put(name, hash.into_bytes().into())
                .await
                .err()
                .map(|e| e.to_string()),
            None => self
                .accounts
                .delete(name)
                .await
                .err()
                .map(|e| e.to_string()),
        };
        if let Some(e) = done {
            log::warn!("cluster: the account of {name} is not shared: {e}");
        }
    }
}

/// A key-value bucket of the cluster, made when missing (in NATS's files, so that it
/// outlives a restart of NATS).
/// The bucket's stream is made as `create_key_value` would make it, without its account
/// query, whose answer from Debian's nats-server 2.9 this client cannot read.
pub(super) async fn bucket(
    js: &async_nats::jetstream::Context,
    bucket: &str,
) -> Result<kv::Store, ClusterError> {
    use async_nats::jetstream::stream::{Config, DiscardPolicy, StorageType};
    if let Ok(store) = js.get_key_value(bucket).await {
        return Ok(store);
    }
    let made = js
        .get_or_create_stream(Config {
            name: format!("KV_{bucket}"),
            subjects: vec![format!("$KV.{bucket}.>")],
            max_messages_per_subject: 1,
            storage: StorageType::File,
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: DiscardPolicy::New,
            num_replicas: 1,
            ..Default::default()
        })
        .await;
    if let Err(e) = made {
        return Err(ClusterError::NoKeyValue(e.to_string()));
    }
    js.get_key_value(bucket)
        .await
        .map_err(|e| ClusterError::NoKeyValue(e.to_string()))
}
