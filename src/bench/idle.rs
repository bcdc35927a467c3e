//! The idle scenario: many registered users that do nothing, held open by one keeper
//! thread, while a few active users measure latency among themselves; the server's
//! memory and threads are read from /proc when its PID is known.

use crate::cli::IdleArgs;
use crate::error::BenchError;
use crate::fleet::{self, user_name, Dial};
use crate::net::register_many;
use crate::pool;
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
    let names = (0..args.idle)
        .map(|i| user_name(&format!("i{run}"), i))
        .collect();
    let before = target.status();
    let progress = Progress::new(dial.progress, "idle", args.idle as u64);
    let reg = register_many(
        dial.addr,
        names,
        dial.workers,
        dial.timeout,
        &progress,
        None,
    )?;
    progress.finish();
    let registered = reg.users.len();
    let mut errors = ErrorCounts::default();
    for (kind, n) in &reg.errors.0 {
        errors.add(format!("idle {kind}"), *n);
    }
    // Both sockets of every idle user go to one epoll thread: it acks any stray forward,
    // notices a socket the server closes, and closes them all when it finishes.
    let idle_conns = reg
        .users
        .into_iter()
        .flat_map(|u| [u.send, u.recv])
        .collect();
    let keeper = pool::start(idle_conns, 1)?;
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
        registered,
        closed_by_server: kept.closed,
        idle_forwards: kept.forwards,
        register_seconds: reg.seconds,
        registrations_per_sec: ratio(registered as f64, reg.seconds),
        kb_per_user: per_user_kb(before, after_register, registered),
        server_before: before,
        server_after_register: after_register,
        server_after_probes: after_probes,
    };
    Ok((summary, Details::Idle(info)))
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
