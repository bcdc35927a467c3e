//! The idle scenario: many registered users that do nothing, held open by one keeper
//! thread, while a few active users measure latency among themselves; the server's
//! memory and threads are read from /proc when its PID is known.

use crate::cli::IdleArgs;
use crate::client::{Sender, Target as SendTo};
use crate::error::BenchError;
use crate::fleet::{self, user_name, Dial};
use crate::net::register_many;
use crate::pool;
use crate::progress::Progress;
use crate::report::{Details, IdleInfo};
use crate::runner::{closed_loop, Plan};
use crate::scenarios::body;
use crate::stats::Summary;
use crate::target::Target;
use std::sync::Arc;

pub fn idle(
    dial: &Dial,
    target: &Target,
    args: &IdleArgs,
    run: u32,
    seed: u64,
) -> Result<(Summary, Details), BenchError> {
    let names = (0..args.idle)
        .map(|i| user_name(&format!("i{run}"), i))
        .collect();
    let progress = Progress::new(dial.progress, "idle", args.idle as u64);
    let reg = register_many(dial.addr, names, dial.workers, dial.timeout, &progress)?;
    progress.finish();
    let registered = reg.users.len();
    let mut errors = crate::stats::ErrorCounts::default();
    for (kind, n) in &reg.errors.0 {
        errors.add(format!("idle {kind}"), *n);
    }
    // Both sockets of every idle user go to one epoll thread: it acks any stray forward
    // and notices a socket the server closes. Dropping `idle_users` closes them all.
    let idle_users = reg.users;
    let idle_sockets = idle_users
        .iter()
        .flat_map(|u| [u.send.stream().clone(), u.recv.stream().clone()])
        .collect();
    let keeper = pool::start(idle_sockets, 1)?;
    let pool = dial.recv_threads.unwrap_or(0);
    let active = fleet::register(dial, &format!("a{run}"), args.active.max(1), pool);
    let mut active = match active {
        Ok(f) => f,
        Err(e) => {
            keeper.finish();
            return Err(e);
        }
    };
    let after_register = target.status();
    let peers = Arc::new(active.names.clone());
    let body = body(args.size);
    let senders: Vec<Sender> = active
        .take_senders()
        .into_iter()
        .enumerate()
        .map(|(me, conn)| {
            let to = SendTo::Random {
                peers: peers.clone(),
                me,
            };
            Sender::new(conn, to, body.clone(), seed ^ (me as u64 + 1))
        })
        .collect();
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let progress = Progress::new(
        dial.progress,
        "probes",
        plan.messages * senders.len() as u64,
    );
    let outcome = closed_loop(senders, plan, &progress);
    progress.finish();
    let after_probes = target.status();
    errors.merge(&active.errors);
    let recv = active.finish();
    let kept = keeper.finish();
    drop(idle_users);
    let out = outcome?;
    errors.merge(&out.errors);
    errors.merge(&recv.all_errors());
    for (kind, n) in &kept.all_errors().0 {
        errors.add(format!("idle {kind}"), *n);
    }
    let planned = args.messages * args.active.max(1) as u64;
    let summary = Summary::new(&out.rec, planned, errors, out.elapsed);
    let info = IdleInfo {
        requested: args.idle,
        registered,
        closed_by_server: kept.closed,
        idle_forwards: kept.forwards,
        register_seconds: reg.seconds,
        server_after_register: after_register,
        server_after_probes: after_probes,
    };
    Ok((summary, Details::Idle(info)))
}
