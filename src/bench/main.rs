//! `bench`: how many people, how fast? Measures any server of the two-socket chat
//! protocol over the wire only, next to the floor of this machine.
//!
//! ```text
//! bench --spawn unicast -c 16 -m 1000 -s 64      # closed-loop unicast
//! bench --spawn broadcast -r 999                 # SEND ALL until SENT ALL
//! bench --spawn --protocol json broadcast -r 999 # the same over the JSON protocol
//! bench --spawn idle -n 9500                     # idle users held, probes measure
//! bench floor -c 16                              # sockets and threads, no protocol
//! bench floor -c 1 --fanout 999                  # one thread to 999 sockets and back
//! bench --spawn stored -c 64 -r 100              # messages committed for offline users
//! bench --spawn rooms -r 1000                    # join and part storms, a room next to ALL
//! bench --spawn --nodes 3 cluster -c 16          # unicast on 1 of 3 nodes, then across them
//! bench --spawn --nodes 3 idle -n 18000          # idle users spread over a 3-node cluster
//! bench --server HOST:PORT [--server-pid PID] ... --json --runs 3
//! bench --server A:P,B:P,C:P unicast             # users round-robin over a cluster's servers
//! ```
//! Exit status: 0 clean, 3 the run completed with errors (see the report), 1 failure,
//! 2 bad usage.
//!
//! # Layout
//! - `cli`: arguments. `target`: the servers (given or spawned) and their /proc status;
//!   `nats`: the `nats-server` of a spawned cluster; `nats_floor`: a request and reply
//!   through it, the floor of a message between nodes.
//! - `net`: connect with retries, register users (round-robin over the servers).
//!   `client`: receiver thread, sender.
//! - `fleet`: registered users with receivers. `pool`: receivers on a few epoll threads.
//! - `runner`: the closed loop with warm-up. `floor`, `scenarios`, `idle`, `stored`,
//!   `rooms`: the scenarios; `json_front`: unicast and broadcast over the JSON protocol;
//!   `fanout`: the floor of `broadcast` (one thread writing to R sockets); `disk`: the floor of `stored` (one `fdatasync` per record); `cluster`: one server
//!   against several in the same run, and the wait until servers know each other's users;
//!   `holders`: child processes holding idle users beyond our open-file limit.
//! - `stats`: histograms, summaries, ratios, medians. `report`: JSON and tables.
#![forbid(unsafe_code)]

mod cli;
mod client;
mod cluster;
mod disk;
mod error;
mod fanout;
mod fleet;
mod floor;
mod holders;
mod idle;
mod json_front;
mod nats;
mod nats_floor;
mod net;
mod pool;
mod progress;
mod report;
mod rooms;
mod runner;
mod scenarios;
mod stats;
mod stored;
mod target;

use clap::Parser;
use cli::{Cli, Scenario};
use error::BenchError;
use net::Dial;
use progress::Progress;
use report::{Report, RunReport};
use runner::Plan;
use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
use stats::Ratios;
use std::process::ExitCode;
use target::Target;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::from(if matches!(e, BenchError::Usage(_)) {
                2
            } else {
                1
            })
        }
    }
}

/// Every socket is a file descriptor: allow as many as the hard limit does.
fn raise_nofile_limit() {
    let lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: lim.maximum,
                maximum: lim.maximum,
            },
        );
    }
}

/// Runs the scenario `--runs` times, prints the report; true when no error happened.
fn run(cli: &Cli) -> Result<bool, BenchError> {
    raise_nofile_limit();
    let common = &cli.common;
    common.validate(!matches!(cli.scenario, Scenario::Floor(_)))?;
    if let Scenario::Hold(args) = &cli.scenario {
        let target = Target::start(common, &[])?;
        holders::hold(&dial(common, target.addrs()), args)?;
        return Ok(true);
    }
    let json_ok = matches!(cli.scenario, Scenario::Unicast(_) | Scenario::Broadcast(_));
    if common.protocol == cli::Protocol::Json && !json_ok {
        return Err(BenchError::Usage(
            "--protocol json is for unicast and broadcast".into(),
        ));
    }
    if common.servers() > 1 && matches!(cli.scenario, Scenario::Stored(_)) {
        return Err(BenchError::Usage("stored takes one server".into()));
    }
    if let Scenario::Cluster(a) = &cli.scenario {
        if common.servers() < 2 || a.clients < 2 {
            return Err(BenchError::Usage(
                "cluster needs several servers (--spawn --nodes 3, or --server a,b,c) and \
                 2 clients at least"
                    .into(),
            ));
        }
    }
    let mut runs = Vec::new();
    for run in 1..=common.runs {
        runs.push(run_once(cli, run)?);
    }
    let report = Report::new(cli.scenario.name(), config(cli)?, runs);
    if common.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.human());
    }
    Ok(report.ok)
}

/// The scenario's parameters and the options that shape the numbers, for the report.
fn config(cli: &Cli) -> Result<serde_json::Value, BenchError> {
    let mut v = match &cli.scenario {
        Scenario::Unicast(a) | Scenario::Cluster(a) => serde_json::to_value(a)?,
        Scenario::Broadcast(a) => serde_json::to_value(a)?,
        Scenario::Idle(a) => serde_json::to_value(a)?,
        Scenario::Floor(a) => serde_json::to_value(a)?,
        Scenario::Stored(a) => serde_json::to_value(a)?,
        Scenario::Rooms(a) => serde_json::to_value(a)?,
        Scenario::Hold(_) => serde_json::Value::Null,
    };
    if let Some(obj) = v.as_object_mut() {
        obj.insert("runs".into(), cli.common.runs.into());
        obj.insert("floor".into(), (!cli.common.no_floor).into());
        obj.insert("spawn".into(), cli.common.spawn.into());
        obj.insert("servers".into(), cli.common.servers().into());
        obj.insert(
            "protocol".into(),
            serde_json::to_value(cli.common.protocol)?,
        );
        if let Scenario::Broadcast(a) = &cli.scenario {
            obj.insert("floor_fanout".into(), a.fanout().into());
        }
    }
    Ok(v)
}

/// The floor with the scenario's concurrency: its senders and messages per sender.
fn matching_floor(scenario: &Scenario) -> (usize, Plan) {
    let (clients, warmup, messages) = match scenario {
        Scenario::Unicast(a) | Scenario::Cluster(a) => (a.clients, a.warmup, a.messages),
        Scenario::Broadcast(a) => (a.senders, a.warmup, a.messages),
        Scenario::Idle(a) => (a.active, a.warmup, a.messages),
        Scenario::Floor(a) => (a.clients, a.warmup, a.messages),
        Scenario::Stored(a) => (1, a.warmup, a.messages),
        Scenario::Rooms(a) => (1, a.warmup, a.messages),
        Scenario::Hold(_) => (1, 0, 0),
    };
    (clients.max(1), Plan { warmup, messages })
}

fn measure_floor(cli: &Cli) -> Result<stats::Summary, BenchError> {
    let (clients, plan) = matching_floor(&cli.scenario);
    let progress = Progress::new(!cli.common.json, "floor", plan.messages * clients as u64);
    let summary = match &cli.scenario {
        // What a message committed alone costs: one durable write.
        Scenario::Stored(_) => disk::measure(plan, &progress),
        // A broadcast goes to everyone registered but its sender.
        Scenario::Broadcast(a) => fanout::measure(clients, a.fanout(), plan, &progress),
        Scenario::Floor(a) if a.fanout > 0 => fanout::measure(clients, a.fanout, plan, &progress),
        Scenario::Rooms(a) => fanout::measure(1, a.members.max(2) - 1, plan, &progress),
        _ => floor::measure(clients, plan, &progress),
    };
    progress.finish();
    summary
}

/// What the scenario needs of a spawned server beyond `--server-arg`: for `stored`,
/// mailboxes that hold every message of the run (unless `--server-arg` says otherwise).
fn spawn_args(scenario: &Scenario, common: &cli::Common) -> Vec<String> {
    match scenario {
        Scenario::Stored(a) if !common.server_arg.iter().any(|s| s == "--mailbox-size") => {
            vec!["--mailbox-size".into(), stored::mailbox_size(a).to_string()]
        }
        _ => Vec::new(),
    }
}

/// The settings every scenario registers its users with, on `addrs`.
fn dial(common: &cli::Common, addrs: Vec<std::net::SocketAddr>) -> Dial {
    Dial {
        addrs: addrs.into(),
        workers: common.connect_workers,
        timeout: common.timeout(),
        progress: !common.json,
        recv_threads: common.recv_threads,
        settle: !common.no_settle,
    }
}

fn run_once(cli: &Cli, run: u32) -> Result<RunReport, BenchError> {
    let common = &cli.common;
    if let Scenario::Floor(_) = cli.scenario {
        return Ok(RunReport {
            server: None,
            result: measure_floor(cli)?,
            floor: None,
            ratios: None,
            details: None,
            baseline: None,
            vs_baseline: None,
        });
    }
    let floor = match common.no_floor {
        true => None,
        false => Some(measure_floor(cli)?),
    };
    let target = Target::start(common, &spawn_args(&cli.scenario, common))?;
    let addrs = match common.protocol {
        cli::Protocol::Json => target
            .nodes
            .iter()
            .map(|n| n.json_addr.unwrap_or(n.addr))
            .collect(),
        cli::Protocol::TwoSocket => target.addrs(),
    };
    let dial = dial(common, addrs);
    let json = common.protocol == cli::Protocol::Json;
    let mut baseline = None;
    let (result, details) = match &cli.scenario {
        Scenario::Unicast(a) if json => json_front::unicast(&dial, a, run, common.seed)?,
        Scenario::Broadcast(a) if json => json_front::broadcast(&dial, a, run)?,
        Scenario::Unicast(a) => scenarios::unicast(&dial, a, run, common.seed)?,
        Scenario::Broadcast(a) => scenarios::broadcast(&dial, a, run)?,
        Scenario::Idle(a) => idle::idle(&dial, &target, a, run, common.seed)?,
        Scenario::Stored(a) => stored::stored(&dial, a, run)?,
        Scenario::Rooms(a) => rooms::rooms(&dial, a, run)?,
        Scenario::Cluster(a) => {
            let nats = target.nats_url();
            let (across, details, one) =
                cluster::cluster(&dial, a, run, common.seed, nats.as_deref())?;
            baseline = Some(one);
            (across, details)
        }
        Scenario::Floor(_) | Scenario::Hold(_) => unreachable!("handled above"),
    };
    let ratios = floor.as_ref().map(|f| Ratios::of(&result, f));
    let vs_baseline = baseline.as_ref().map(|b| Ratios::of(&result, b));
    Ok(RunReport {
        server: Some(target.info()),
        result,
        floor,
        ratios,
        details: Some(details),
        baseline,
        vs_baseline,
    })
}
