//! The floor of a message between nodes: a NATS request and its reply through the cluster's
//! `nats-server`, with the async-nats client the nodes use and no chat at all. A responder
//! (one client, on a runtime thread of its own) answers each request with its payload; C
//! requesters in a closed loop, each a thread asking through one client on another runtime
//! thread, as a node's connection threads ask through its bridge. Four socket hops, as in
//! the TCP floor, but through `nats-server`: what any message between two nodes costs on
//! this machine at the least, besides its hops to and from the users.

use crate::error::{BenchError, OpError};
use crate::progress::Progress;
use crate::runner::{closed_loop, Plan, Probe};
use crate::scenarios::body;
use crate::stats::Summary;
use async_nats::client::RequestErrorKind;
use async_nats::Client;
use futures_util::StreamExt;
use std::thread::{self, JoinHandle};
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A single-threaded tokio runtime driven by a thread of its own until dropped.
struct Runtime {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Runtime {
    fn start(name: &str) -> Result<Runtime, BenchError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let handle = rt.handle().clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                rt.block_on(async {
                    let _ = stopped.await;
                })
            })
            .map_err(BenchError::Thread)?;
        Ok(Runtime {
            handle,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// A client connected to `url` whose connection this runtime drives.
    fn connect(&self, url: &str) -> Result<Client, BenchError> {
        let client = self.handle.block_on(async_nats::connect(url));
        client.map_err(|e| BenchError::Nats(format!("floor client: {e}")))
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One requester: a request, then its reply.
struct Requester {
    runtime: Handle,
    client: Client,
    subject: String,
    payload: Vec<u8>,
}

impl Probe for Requester {
    fn once(&mut self) -> Result<(), OpError> {
        let request = self
            .client
            .request(self.subject.clone(), self.payload.clone().into());
        match self.runtime.block_on(request) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == RequestErrorKind::TimedOut => Err(OpError::Timeout),
            Err(e) => Err(OpError::Unexpected(e.to_string())),
        }
    }
}

/// `clients` requesters of 64 bytes each through the NATS server at `url`.
pub fn measure(
    url: &str,
    clients: usize,
    plan: Plan,
    progress: &Progress,
) -> Result<Summary, BenchError> {
    // Not a subject of the chat's (they start with the cluster's name).
    let subject = format!("bench-floor.{}", std::process::id());
    let answering = Runtime::start("nats-floor-in")?;
    let responder = answering.connect(url)?;
    let subscribed = answering.handle.block_on(async {
        let sub = responder.subscribe(subject.clone()).await;
        let sub = sub.map_err(|e| e.to_string())?;
        responder.flush().await.map_err(|e| e.to_string())?;
        Ok::<_, String>(sub)
    });
    let mut requests = subscribed.map_err(|e| BenchError::Nats(format!("floor responder: {e}")))?;
    answering.handle.spawn(async move {
        while let Some(msg) = requests.next().await {
            if let Some(reply) = msg.reply {
                let _ = responder.publish(reply, msg.payload).await;
            }
        }
    });
    let asking = Runtime::start("nats-floor-out")?;
    let client = asking.connect(url)?;
    let requesters = (0..clients.max(1))
        .map(|_| Requester {
            runtime: asking.handle.clone(),
            client: client.clone(),
            subject: subject.clone(),
            payload: body(64),
        })
        .collect();
    let out = closed_loop(requesters, plan, progress)?;
    Ok(Summary::new(&out.rec, out.planned, out.errors, out.elapsed))
}
