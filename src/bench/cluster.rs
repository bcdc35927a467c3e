//! Several servers, one chat: the `cluster` scenario (the same unicast on one server and
//! across servers, in one run), and the wait, after registering users on several servers,
//! until every server knows them.

use crate::cli::UnicastArgs;
use crate::client::await_sent;
use crate::error::{BenchError, OpError};
use crate::fleet::{user_name, Dial};
use crate::nats_floor;
use crate::net::register_many;
use crate::pool;
use crate::progress::Progress;
use crate::report::{ClusterInfo, Details};
use crate::runner::Plan;
use crate::scenarios::unicast_as;
use crate::stats::Summary;
use chat::wire::{Command, Message};
use std::io::Write;
use std::thread;
use std::time::{Duration, Instant};

/// How long servers may take to hear of each other's users (spawned nodes hear of each
/// other first: they beat once a second).
const SETTLE_TIMEOUT: Duration = Duration::from_secs(20);
/// Pause between two tries of a message to a user another server does not know yet.
const SETTLE_RETRY: Duration = Duration::from_millis(5);

/// Unicast with every client on the first server, then spread over all servers with every
/// message to another server: the cross-server result, what it is in the report, and the
/// one-server one (the odd runs measure it first, the even runs second). With the URL of
/// the cluster's NATS server, first the NATS floor ([`nats_floor`]), as many requesters as
/// clients. The caller checks that there are several servers and clients.
pub fn cluster(
    dial: &Dial,
    args: &UnicastArgs,
    run: u32,
    seed: u64,
    nats: Option<&str>,
) -> Result<(Summary, Details, Summary), BenchError> {
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let nats_floor = match nats {
        Some(url) => {
            let total = plan.messages * args.clients as u64;
            let progress = Progress::new(dial.progress, "nats floor", total);
            let floor = nats_floor::measure(url, args.clients, plan, &progress);
            progress.finish();
            Some(floor?)
        }
        None => None,
    };
    let one = || unicast_as(&dial.only(0), args, &format!("o{run}"), seed);
    let across = || unicast_as(dial, args, &format!("x{run}"), seed);
    let one_first = run % 2 == 1;
    let ((one, one_info), (across, across_info)) = match one_first {
        true => {
            let one = one()?;
            (one, across()?)
        }
        false => {
            let across = across()?;
            (one()?, across)
        }
    };
    let info = ClusterInfo {
        servers: across_info.servers,
        clients: across_info.clients,
        cross_server: across_info.cross_server,
        one_server_first: one_first,
        register_seconds: across_info.register_seconds,
        one_server_register_seconds: one_info.register_seconds,
        forwards_received: across_info.forwards_received,
        nats_floor,
    };
    Ok((across, Details::Cluster(info), one))
}

/// Waits until every server knows the users registered on the others so far (a cluster
/// tells its nodes of a user a little after its `REGISTERED`; a message to it meanwhile is
/// refused): registers a marker user on each server, after the others, and has each send to
/// each other until answered, retrying refusals until [`SETTLE_TIMEOUT`]. A node tells of
/// its users in order, so once its marker is known everyone before it is. Also how the
/// first fleet on a spawned cluster waits for its nodes to hear of each other.
pub fn settle(dial: &Dial, prefix: &str) -> Result<(), BenchError> {
    let n = dial.addrs.len();
    let names = (0..n)
        .map(|i| user_name(&format!("{prefix}s"), i))
        .collect();
    let reg = register_many(dial, 0, names, &Progress::new(false, "", 0), None)?;
    if reg.users.len() < n {
        let why = format!(
            "{} of {n} servers took a user ({:?})",
            reg.users.len(),
            reg.errors.0
        );
        return Err(BenchError::NoMesh(why));
    }
    let mut senders = Vec::with_capacity(n);
    let mut recvs = Vec::with_capacity(n);
    let mut names = Vec::with_capacity(n);
    for u in reg.users {
        names.push(u.name);
        senders.push(u.send);
        recvs.push(u.recv);
    }
    let acks = pool::start(recvs, 1)?;
    let deadline = Instant::now() + SETTLE_TIMEOUT;
    let mut result = Ok(());
    // Every sender stays connected until all have sent: a user whose TOSEND socket has
    // closed is refused messages.
    'all: for (i, conn) in senders.iter_mut().enumerate() {
        for (j, name) in names.iter().enumerate().filter(|&(j, _)| j != i) {
            let frame = Message::with_body(Command::Send { to: name.clone() }, b"hi".to_vec());
            let frame = frame.to_bytes();
            loop {
                let sent = (&**conn.stream())
                    .write_all(&frame)
                    .map_err(OpError::from)
                    .and_then(|()| await_sent(conn));
                match sent {
                    Ok(()) => break,
                    Err(OpError::Refused(_)) if Instant::now() < deadline => {
                        thread::sleep(SETTLE_RETRY)
                    }
                    Err(e) => {
                        let why = format!("server {} to server {}: {e}", i + 1, j + 1);
                        result = Err(BenchError::NoMesh(why));
                        break 'all;
                    }
                }
            }
        }
    }
    acks.finish();
    result
}
