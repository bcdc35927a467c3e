//! Idle users held by child processes: 18,000 users are 36,000 sockets, more than one process
//! may open on a machine whose hard open-file limit is 20,000. `idle` then starts `bench hold`
//! children (the same binary), each registering its share of the users (the round-robin over
//! the servers goes on across them) and holding them on one epoll thread until its stdin
//! closes. A child reports on stdout in two JSON lines: once registered, once let go.

use crate::cli::HoldArgs;
use crate::client::ReceiverStats;
use crate::error::BenchError;
use crate::fleet::{user_name, Dial};
use crate::net::register_many;
use crate::pool;
use crate::progress::Progress;
use crate::stats::ErrorCounts;
use rustix::process::{getrlimit, Resource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Instant;

/// Descriptors a bench process keeps for itself besides the idle users' sockets: the active
/// users', the floor's, the epoll instances, stdio.
const RESERVE: u64 = 512;

/// What a child says, once registered (`registered`, `seconds`, errors) and once let go
/// (`closed`, `forwards`, errors).
#[derive(Debug, Default, Serialize, Deserialize)]
struct Line {
    registered: usize,
    seconds: f64,
    closed: u64,
    forwards: u64,
    errors: BTreeMap<String, u64>,
}

/// How many children should hold `idle` users with `active` users beside them: `given`, or
/// none if every socket fits under this process's open-file limit, else the fewest that fit.
pub fn how_many(given: Option<usize>, idle: usize, active: usize) -> usize {
    if let Some(n) = given {
        return n;
    }
    let limit = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    let per_process = (limit.saturating_sub(RESERVE) / 2).max(1);
    let here = (limit.saturating_sub(RESERVE + 2 * active as u64) / 2).max(1);
    match idle as u64 <= here {
        true => 0,
        false => (idle as u64).div_ceil(per_process) as usize,
    }
}

/// The child's side (`bench hold`): registers, says so, holds until stdin closes, says how
/// that went.
pub fn hold(dial: &Dial, args: &HoldArgs) -> Result<(), BenchError> {
    let names = (0..args.count)
        .map(|i| user_name(&args.prefix, args.first + i))
        .collect();
    let reg = register_many(dial, args.first, names, &Progress::new(false, "", 0), None)?;
    let registered = reg.users.len();
    let conns = reg.users.into_iter().flat_map(|u| [u.send, u.recv]);
    let keeper = pool::start(conns.collect(), 1)?;
    tell(&Line {
        registered,
        seconds: reg.seconds,
        errors: reg.errors.0,
        ..Line::default()
    })?;
    // Until the parent closes our stdin, or is gone.
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
    let kept = keeper.finish();
    tell(&Line {
        closed: kept.closed,
        forwards: kept.forwards,
        errors: kept.errors.0,
        ..Line::default()
    })
}

fn tell(line: &Line) -> Result<(), BenchError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", serde_json::to_string(line)?)?;
    Ok(out.flush()?)
}

/// One child.
struct Holder {
    child: Child,
    stdin: Option<ChildStdin>,
    out: BufReader<ChildStdout>,
}

impl Holder {
    fn next_line(&mut self) -> Result<Line, BenchError> {
        let mut text = String::new();
        if self.out.read_line(&mut text)? == 0 {
            let status = self.child.try_wait().ok().flatten();
            let why = status.map_or("it closed its stdout".into(), |s| {
                format!("it exited ({s})")
            });
            return Err(BenchError::Holder(why));
        }
        Ok(serde_json::from_str(&text)?)
    }
}

/// The children holding idle users; killed when dropped.
pub struct Holders(Vec<Holder>);

/// What the children registered, from the first child started to the last one done.
pub struct Held {
    pub registered: usize,
    pub errors: ErrorCounts,
    pub seconds: f64,
}

impl Holders {
    /// Starts `holders` children sharing `count` users named from `prefix`, all at once, and
    /// waits until each has registered its share.
    pub fn start(
        dial: &Dial,
        prefix: &str,
        count: usize,
        holders: usize,
    ) -> Result<(Holders, Held), BenchError> {
        let started = Instant::now();
        let exe = std::env::current_exe()?;
        let servers: Vec<String> = dial.addrs.iter().map(|a| a.to_string()).collect();
        let per = count.div_ceil(holders.max(1)).max(1);
        let mut all = Holders(Vec::new());
        for first in (0..count).step_by(per) {
            let mut child = Command::new(&exe)
                .args(["--server", &servers.join(",")])
                .args(["--timeout", &dial.timeout.as_secs_f64().to_string()])
                .args(["--connect-workers", &dial.workers.to_string(), "hold"])
                .args(["--first", &first.to_string(), "--prefix", prefix])
                .args(["--count", &per.min(count - first).to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .map_err(|source| BenchError::Spawn {
                    path: exe.display().to_string(),
                    source,
                })?;
            let (stdin, out) = (child.stdin.take(), child.stdout.take());
            let out = out.ok_or_else(|| BenchError::Holder("no stdout".into()));
            all.0.push(Holder {
                child,
                stdin,
                out: BufReader::new(out?),
            });
        }
        let mut held = Held {
            registered: 0,
            errors: ErrorCounts::default(),
            seconds: 0.0,
        };
        for h in &mut all.0 {
            let line = h.next_line()?;
            held.registered += line.registered;
            held.errors.merge(&ErrorCounts(line.errors));
        }
        held.seconds = started.elapsed().as_secs_f64();
        Ok((all, held))
    }

    /// Lets every child go at once and adds up what their keepers saw.
    pub fn finish(mut self) -> ReceiverStats {
        for h in &mut self.0 {
            h.stdin = None;
        }
        let mut total = ReceiverStats::default();
        for h in &mut self.0 {
            match h.next_line() {
                Ok(line) => {
                    total.closed += line.closed;
                    total.forwards += line.forwards;
                    total.errors.merge(&ErrorCounts(line.errors));
                }
                Err(e) => total.errors.add(format!("holder: {e}"), 1),
            }
        }
        total
    }
}

impl Drop for Holders {
    fn drop(&mut self) {
        for h in &mut self.0 {
            let _ = h.child.kill();
            let _ = h.child.wait();
        }
    }
}
