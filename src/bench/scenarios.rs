//! The protocol scenarios `unicast` and `broadcast`: register a fleet, run the closed
//! loop of senders, tear down, and summarize. Also the steps `idle`'s probes share.

use crate::cli::{BroadcastArgs, UnicastArgs};
use crate::client::{ReceiverStats, Sender, Target};
use crate::error::BenchError;
use crate::fleet::{self, Dial, Fleet};
use crate::progress::Progress;
use crate::report::{BroadcastInfo, Details, UnicastInfo};
use crate::runner::{closed_loop, Outcome, Plan};
use crate::stats::{ErrorCounts, Summary};
use std::sync::Arc;

/// Default `--recv-threads` of broadcast: measured on 2 cores, one epoll thread acking
/// 999 forwards per broadcast is itself near saturation (p50 10.8 ms), two are not (9.0).
const BROADCAST_RECV_THREADS: usize = 2;

/// A body of `size` printable bytes (any byte would do; these read well in a trace).
pub fn body(size: usize) -> Vec<u8> {
    (0..size).map(|i| b'a' + (i % 26) as u8).collect()
}

/// A sender for every user of `fleet`, each sending `size`-byte bodies to random others:
/// when the fleet is spread over several servers, only to users on another server than
/// the sender's (the cross-server path is the point of spreading them).
pub fn random_senders(fleet: &mut Fleet, size: usize, seed: u64) -> Vec<Sender> {
    let peers = Arc::new(fleet.names.clone());
    let across: Vec<Arc<Vec<usize>>> = (0..fleet.servers)
        .map(|server| Arc::new(users_off(&fleet.nodes, server)))
        .collect();
    let body = body(size);
    let nodes = fleet.nodes.clone();
    fleet
        .take_senders()
        .into_iter()
        .enumerate()
        .map(|(me, conn)| {
            let others = nodes.get(me).and_then(|&n| across.get(n));
            let target = match others {
                Some(others) if fleet.servers > 1 && !others.is_empty() => Target::Across {
                    peers: peers.clone(),
                    others: others.clone(),
                },
                _ => Target::Random {
                    peers: peers.clone(),
                    me,
                },
            };
            Sender::new(conn, target, &body, seed ^ (me as u64 + 1))
        })
        .collect()
}

/// The indices of the users not on `server`, given each user's server.
pub fn users_off(nodes: &[usize], server: usize) -> Vec<usize> {
    (0..nodes.len()).filter(|&i| nodes[i] != server).collect()
}

/// What the closed loop of a fleet's senders measured, once the fleet is torn down.
pub struct Measured {
    pub out: Outcome,
    /// The fleet's registration errors, the senders' and the receivers'.
    pub errors: ErrorCounts,
    pub recv: ReceiverStats,
}

/// Runs `senders` in the closed loop (a progress bar labelled `label`), then tears down
/// `fleet` and adds up the errors of all three phases.
pub fn measure(
    dial: &Dial,
    mut fleet: Fleet,
    senders: Vec<Sender>,
    plan: Plan,
    label: &str,
) -> Result<Measured, BenchError> {
    let progress = Progress::new(dial.progress, label, plan.messages * senders.len() as u64);
    let outcome = closed_loop(senders, plan, &progress);
    progress.finish();
    let mut errors = std::mem::take(&mut fleet.errors);
    let recv = fleet.finish();
    let out = outcome?;
    errors.merge(&out.errors);
    errors.merge(&recv.all_errors());
    Ok(Measured { out, errors, recv })
}

/// Unicast: every client sends to random other clients, one message at a time.
pub fn unicast(
    dial: &Dial,
    args: &UnicastArgs,
    run: u32,
    seed: u64,
) -> Result<(Summary, Details), BenchError> {
    let (summary, info) = unicast_as(dial, args, &format!("u{run}"), seed)?;
    Ok((summary, Details::Unicast(info)))
}

/// [`unicast`] with users named from `prefix`.
pub fn unicast_as(
    dial: &Dial,
    args: &UnicastArgs,
    prefix: &str,
    seed: u64,
) -> Result<(Summary, UnicastInfo), BenchError> {
    let pool = dial.recv_threads.unwrap_or(0);
    let mut fleet = fleet::register(dial, prefix, args.clients, pool)?;
    let clients = fleet.names.len();
    let register_seconds = fleet.register_seconds;
    let servers = fleet.servers_used();
    let senders = random_senders(&mut fleet, args.size, seed);
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let m = measure(dial, fleet, senders, plan, "unicast")?;
    let planned = args.messages * args.clients as u64;
    let summary = Summary::new(&m.out.rec, planned, m.errors, m.out.elapsed);
    let info = UnicastInfo {
        clients,
        servers,
        // Users on two servers or more: each has someone on another server to send to.
        cross_server: servers > 1,
        forwards_received: m.recv.forwards,
        register_seconds,
    };
    Ok((summary, info))
}

/// Broadcast: `senders` clients send `SEND ALL` to everyone else registered.
pub fn broadcast(
    dial: &Dial,
    args: &BroadcastArgs,
    run: u32,
) -> Result<(Summary, Details), BenchError> {
    let senders_wanted = args.senders.max(1);
    let pool = dial.recv_threads.unwrap_or(BROADCAST_RECV_THREADS);
    let mut fleet = fleet::register(
        dial,
        &format!("b{run}"),
        senders_wanted + args.recipients,
        pool,
    )?;
    let registered = fleet.names.len();
    let register_seconds = fleet.register_seconds;
    let body = body(args.size);
    let senders: Vec<Sender> = fleet
        .take_senders()
        .into_iter()
        .take(senders_wanted)
        .map(|conn| Sender::new(conn, Target::Fixed("ALL".into()), &body, 0))
        .collect();
    let n_senders = senders.len();
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let m = measure(dial, fleet, senders, plan, "broadcast")?;
    let planned = args.messages * senders_wanted as u64;
    let summary = Summary::new(&m.out.rec, planned, m.errors, m.out.elapsed);
    let fanout = registered.saturating_sub(1);
    let info = BroadcastInfo {
        senders: n_senders,
        fanout,
        deliveries_per_sec: summary.msgs_per_sec * fanout as f64,
        forwards_received: m.recv.forwards,
        register_seconds,
    };
    Ok((summary, Details::Broadcast(info)))
}
