//! The idle scenario: many registered users that do nothing, held open by one keeper
//! thread (or by child processes, [`crate::holders`], when their sockets do not fit in
//! ours), while a few active users measure latency among themselves; the servers' memory
//! and threads are read from /proc when their PIDs are known.

use crate::cli::IdleArgs;
use crate::client::ReceiverStats;
use crate::error::BenchError;
use crate::fleet::{self, user_name, Dial};
use crate::holders::{self, Held, Holders};
use crate::net::register_many;
use crate::pool::{self, Pool};
use crate::progress::Progress;
use crate::report::{Details, IdleInfo};
use crate::runner::Plan;
use crate::scenarios::{measure, random_senders};
use crate::stats::{ratio, ErrorCounts, Recorder, Summary};
use crate::target::ProcStatus;
use crate::target::Target;
use std::time::Duration;

pub fn idle(
    dial: &Dial,
    target: &Target,
    args: &IdleArgs,
    run: u32,
    seed: u64,
) -> Result<(Summary, Details), BenchError> {
    let before = target.status();
    let holders = holders::how_many(args.holders, args.idle, args.active);
    let (keeper, held) = hold_idle(dial, &format!("i{run}"), args.idle, holders)?;
    let mut errors = ErrorCounts::default();
    for (kind, n) in &held.errors.0 {
        errors.add(format!("idle {kind}"), *n);
    }
    let servers_after_register = match target.nodes.len() {
        1 => Vec::new(),
        _ => target.statuses(),
    };
    let after_register = target.status();
    // A server that fell over while taking the idle users is a result, not a crash of
    // ours: report how far it got, with the failure among the errors.
    let (rec, elapsed) = match probe(dial, args, run, seed, &mut errors) {
        Ok(measured) => measured,
        Err(e) => {
            errors.add(format!("probes: {e}"), 1);
            (Recorder::new(), Duration::ZERO)
        }
    };
    let after_probes = target.status();
    let kept = keeper.finish();
    for (kind, n) in &kept.all_errors().0 {
        errors.add(format!("idle {kind}"), *n);
    }
    let planned = args.messages * args.active.max(1) as u64;
    let summary = Summary::new(&rec, planned, errors, elapsed);
    let info = IdleInfo {
        requested: args.idle,
        registered: held.registered,
        closed_by_server: kept.closed,
        idle_forwards: kept.forwards,
        register_seconds: held.seconds,
        registrations_per_sec: ratio(held.registered as f64, held.seconds),
        kb_per_user: per_user_kb(before, after_register, held.registered),
        server_before: before,
        server_after_register: after_register,
        server_after_probes: after_probes,
        servers_after_register,
        holders,
    };
    Ok((summary, Details::Idle(info)))
}

/// Who holds the idle users: one epoll thread of ours, or child processes.
enum Keeper {
    Here(Pool),
    Children(Holders),
}

impl Keeper {
    fn finish(self) -> ReceiverStats {
        match self {
            Keeper::Here(pool) => pool.finish(),
            Keeper::Children(holders) => holders.finish(),
        }
    }
}

/// Registers `count` idle users named from `prefix`, all at once, spread over the servers,
/// here (`holders` 0) or in that many child processes.
fn hold_idle(
    dial: &Dial,
    prefix: &str,
    count: usize,
    holders: usize,
) -> Result<(Keeper, Held), BenchError> {
    if holders > 0 {
        let (children, held) = Holders::start(dial, prefix, count, holders)?;
        return Ok((Keeper::Children(children), held));
    }
    let names = (0..count).map(|i| user_name(prefix, i)).collect();
    let progress = Progress::new(dial.progress, "idle", count as u64);
    let reg = register_many(dial, 0, names, &progress, None)?;
    progress.finish();
    let held = Held {
        registered: reg.users.len(),
        errors: reg.errors,
        seconds: reg.seconds,
    };
    // Both sockets of every idle user go to one epoll thread: it acks any stray forward,
    // notices a socket the server closes, and closes them all when it finishes.
    let conns = reg.users.into_iter().flat_map(|u| [u.send, u.recv]);
    Ok((Keeper::Here(pool::start(conns.collect(), 1)?), held))
}

/// The active users: registered, measuring latency among themselves, torn down.
fn probe(
    dial: &Dial,
    args: &IdleArgs,
    run: u32,
    seed: u64,
    errors: &mut ErrorCounts,
) -> Result<(Recorder, Duration), BenchError> {
    let pool = dial.recv_threads.unwrap_or(0);
    let mut active = fleet::register(dial, &format!("a{run}"), args.active.max(1), pool)?;
    // Counted now: they are part of the result even if the probes cannot run.
    errors.merge(&std::mem::take(&mut active.errors));
    let senders = random_senders(&mut active, args.size, seed);
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let m = measure(dial, active, senders, plan, "probes")?;
    errors.merge(&m.errors);
    Ok((m.out.rec, m.out.elapsed))
}

/// What the server's resident memory grew by per registered idle user, KiB; `None` when
/// the server's memory cannot be read or nobody registered.
pub fn per_user_kb(
    before: Option<ProcStatus>,
    after: Option<ProcStatus>,
    users: usize,
) -> Option<f64> {
    let (before, after) = (before?, after?);
    (users > 0).then(|| after.rss_kb.saturating_sub(before.rss_kb) as f64 / users as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rss(kb: u64) -> Option<ProcStatus> {
        Some(ProcStatus {
            rss_kb: kb,
            ..ProcStatus::default()
        })
    }

    #[test]
    fn memory_per_user_is_the_growth_over_the_users() {
        assert_eq!(per_user_kb(rss(1000), rss(3000), 100), Some(20.0));
        assert_eq!(per_user_kb(rss(3000), rss(1000), 100), Some(0.0));
        assert_eq!(per_user_kb(None, rss(3000), 100), None);
        assert_eq!(per_user_kb(rss(1000), None, 100), None);
        assert_eq!(per_user_kb(rss(1000), rss(3000), 0), None);
    }
}
