//! The report of a benchmark: per-run figures, medians over the runs, ratios to the floor,
//! as one JSON document (`--json`) or as a table for people.

use crate::stats::{median_ratios, median_summary, Ratios, Summary};
use crate::target::{ProcStatus, ServerInfo};
use serde::Serialize;
use std::fmt::Write as _;

/// Unicast specifics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct UnicastInfo {
    pub clients: usize,
    /// Servers the clients were spread over (round-robin).
    pub servers: usize,
    /// Every message went to a user on another server than its sender's.
    pub cross_server: bool,
    /// FORWARDs our receivers got (warm-up included): each successful SEND delivers one.
    pub forwards_received: u64,
    pub register_seconds: f64,
}

/// Broadcast specifics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BroadcastInfo {
    pub senders: usize,
    /// Users each `SEND ALL` reaches (everyone registered but the sender).
    pub fanout: usize,
    /// Forwards delivered per second while measuring (broadcasts/s × fanout).
    pub deliveries_per_sec: f64,
    pub forwards_received: u64,
    pub register_seconds: f64,
}

/// Idle specifics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct IdleInfo {
    pub requested: usize,
    /// Idle users with both sockets registered.
    pub registered: usize,
    /// Idle sockets the server closed while we held them.
    pub closed_by_server: u64,
    /// FORWARDs that reached idle users anyway (answered; should be 0).
    pub idle_forwards: u64,
    pub register_seconds: f64,
    /// Idle users registered per second, from a standing start (all connecting at once).
    pub registrations_per_sec: f64,
    /// The server's resident memory growth per registered idle user, KiB.
    pub kb_per_user: Option<f64>,
    /// Server status before the idle users, once they are all registered, and after the
    /// probes.
    pub server_before: Option<ProcStatus>,
    pub server_after_register: Option<ProcStatus>,
    pub server_after_probes: Option<ProcStatus>,
    /// With several servers: the `server_*` figures are their sums, and these each one's
    /// once the idle users are registered, in the order of the servers.
    pub servers_after_register: Vec<Option<ProcStatus>>,
    /// Child processes that held the idle users (0: the bench itself).
    pub holders: usize,
}

/// Stored specifics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StoredInfo {
    /// Recipients that claimed their name and left (the mailboxes written to).
    pub recipients: usize,
    pub senders: usize,
    /// Claiming the recipients and registering the senders (not measured).
    pub setup_seconds: f64,
    /// The mailbox size the run needs (what `--spawn` gives the server).
    pub mailbox_needed: u64,
}

/// Cluster specifics: the same unicast on one server (the run's `baseline`) and across
/// servers (its `result`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClusterInfo {
    /// Servers the clients were spread over for the cross-server half.
    pub servers: usize,
    pub clients: usize,
    /// Every cross-server message went to a user on another server than its sender's.
    pub cross_server: bool,
    /// Whether this run measured one server first (odd runs) or second.
    pub one_server_first: bool,
    pub register_seconds: f64,
    pub one_server_register_seconds: f64,
    /// FORWARDs of the cross-server half (warm-up included).
    pub forwards_received: u64,
    /// A request and its reply through the cluster's NATS server, no chat (spawned
    /// clusters only): the floor of a message between nodes.
    pub nats_floor: Option<Summary>,
}

/// Rooms specifics: the storms, and the room's sends next to `SEND ALL`'s.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RoomsInfo {
    /// Users registered, all of whom joined the room.
    pub members: usize,
    /// Users each room message (and each `SEND ALL`) reaches.
    pub fanout: usize,
    pub register_seconds: f64,
    /// Every member sending `JOIN` at once, until the last `JOINED`.
    pub join_seconds: f64,
    pub joins_per_sec: f64,
    /// The members but the two senders sending `PART` at once, until the last `PARTED`.
    pub part_seconds: f64,
    pub parts_per_sec: f64,
    /// `EVENT`s the members received over both storms.
    pub room_events: u64,
    /// What the storms would cost if every join and part were told to every member.
    pub events_if_all_told: u64,
    /// p50 of `SEND ALL` to the same users in the same run, microseconds.
    pub all_p50_us: f64,
    /// The room's p50 over `ALL`'s.
    pub room_vs_all: f64,
    pub forwards_received: u64,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Details {
    Unicast(UnicastInfo),
    Broadcast(BroadcastInfo),
    Idle(IdleInfo),
    Stored(StoredInfo),
    Rooms(RoomsInfo),
    Cluster(ClusterInfo),
}

/// One run: the scenario, its floor, and their ratio.
#[derive(Clone, Debug, Serialize)]
pub struct RunReport {
    pub server: Option<ServerInfo>,
    pub result: Summary,
    pub floor: Option<Summary>,
    pub ratios: Option<Ratios>,
    pub details: Option<Details>,
    /// A comparison measured in the same run (`cluster`: the same unicast on one server),
    /// and the result over it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_baseline: Option<Ratios>,
}

/// Medians over the runs.
#[derive(Clone, Debug, Serialize)]
pub struct Medians {
    pub result: Summary,
    pub floor: Option<Summary>,
    pub ratios: Option<Ratios>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Summary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_baseline: Option<Ratios>,
    /// `cluster`'s NATS floor ([`ClusterInfo::nats_floor`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nats_floor: Option<Summary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub config: serde_json::Value,
    pub runs: Vec<RunReport>,
    pub median: Medians,
    /// Errors of all runs together (warm-up, registration, receivers included).
    pub errors: u64,
    /// True when no run had any error.
    pub ok: bool,
}

impl Report {
    pub fn new(scenario: &'static str, config: serde_json::Value, runs: Vec<RunReport>) -> Report {
        let results: Vec<&Summary> = runs.iter().map(|r| &r.result).collect();
        let floors: Vec<&Summary> = runs.iter().filter_map(|r| r.floor.as_ref()).collect();
        let ratios: Vec<Ratios> = runs.iter().filter_map(|r| r.ratios).collect();
        let baselines: Vec<&Summary> = runs.iter().filter_map(|r| r.baseline.as_ref()).collect();
        let vs_baseline: Vec<Ratios> = runs.iter().filter_map(|r| r.vs_baseline).collect();
        let nats_floors: Vec<&Summary> = runs.iter().filter_map(nats_floor).collect();
        let errors = runs
            .iter()
            .map(|r| {
                r.result.errors
                    + r.floor.as_ref().map_or(0, |f| f.errors)
                    + r.baseline.as_ref().map_or(0, |b| b.errors)
            })
            .sum();
        Report {
            scenario,
            config,
            median: Medians {
                result: median_summary(&results),
                floor: (!floors.is_empty()).then(|| median_summary(&floors)),
                ratios: (!ratios.is_empty()).then(|| median_ratios(&ratios)),
                baseline: (!baselines.is_empty()).then(|| median_summary(&baselines)),
                vs_baseline: (!vs_baseline.is_empty()).then(|| median_ratios(&vs_baseline)),
                nats_floor: (!nats_floors.is_empty()).then(|| median_summary(&nats_floors)),
            },
            runs,
            errors,
            ok: errors == 0,
        }
    }

    /// The table people read.
    pub fn human(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} {}", self.scenario, self.config);
        let _ = writeln!(
            out,
            "{:<14} {:>10} {:>12} {:>9} {:>9} {:>9} {:>9} {:>7}",
            "", "messages", "msgs/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "errors"
        );
        let row = |out: &mut String, label: &str, s: &Summary| {
            let l = &s.latency_us;
            let _ = writeln!(
                out,
                "{label:<14} {:>10} {:>12.0} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>7}",
                s.messages, s.msgs_per_sec, l.p50, l.p90, l.p99, l.max, s.errors
            );
        };
        for (i, run) in self.runs.iter().enumerate() {
            row(&mut out, &format!("run {}", i + 1), &run.result);
            if let Some(b) = &run.baseline {
                row(&mut out, &format!("  1 server {}", i + 1), b);
            }
            if let Some(n) = nats_floor(run) {
                row(&mut out, &format!("  nats floor {}", i + 1), n);
            }
            if let Some(f) = &run.floor {
                row(&mut out, &format!("  floor {}", i + 1), f);
            }
        }
        if self.runs.len() > 1 {
            row(&mut out, "median", &self.median.result);
            if let Some(b) = &self.median.baseline {
                row(&mut out, "  1 server med", b);
            }
            if let Some(n) = &self.median.nats_floor {
                row(&mut out, "  nats median", n);
            }
            if let Some(f) = &self.median.floor {
                row(&mut out, "  floor median", f);
            }
        }
        if let Some(r) = &self.median.vs_baseline {
            let _ = writeln!(
                out,
                "vs 1 server: p50 latency {:.2}x, throughput {:.2}x",
                r.latency_p50, r.throughput
            );
        }
        if let (Some(one), Some(nats)) = (&self.median.baseline, &self.median.nats_floor) {
            let _ = writeln!(
                out,
                "p50 across - p50 on 1 server: {:.0} µs, of which a NATS request and reply \
                 alone (nats floor p50): {:.0} µs",
                self.median.result.latency_us.p50 - one.latency_us.p50,
                nats.latency_us.p50
            );
        }
        if let Some(r) = &self.median.ratios {
            let _ = writeln!(
                out,
                "vs floor: p50 latency {:.2}x, throughput {:.2}x",
                r.latency_p50, r.throughput
            );
        }
        for (i, run) in self.runs.iter().enumerate() {
            if let Some(d) = &run.details {
                let _ = writeln!(out, "run {} {}", i + 1, details_line(d));
            }
            if !run.result.error_kinds.0.is_empty() {
                let _ = writeln!(out, "run {} errors: {:?}", i + 1, run.result.error_kinds.0);
            }
        }
        if !self.ok {
            let _ = writeln!(
                out,
                "THIS RUN HAD {} ERRORS: its figures are not clean",
                self.errors
            );
        }
        out
    }
}

/// The NATS floor of a `cluster` run.
fn nats_floor(run: &RunReport) -> Option<&Summary> {
    match &run.details {
        Some(Details::Cluster(c)) => c.nats_floor.as_ref(),
        _ => None,
    }
}

fn details_line(d: &Details) -> String {
    match d {
        Details::Unicast(u) => format!(
            "{} clients{} registered in {:.2}s, {} forwards received",
            u.clients,
            match u.cross_server {
                true => format!(
                    " over {} servers (every message to a user on another server)",
                    u.servers
                ),
                false => String::new(),
            },
            u.register_seconds,
            u.forwards_received
        ),
        Details::Broadcast(b) => format!(
            "{} senders, fanout {}, {:.0} deliveries/s, {} forwards received",
            b.senders, b.fanout, b.deliveries_per_sec, b.forwards_received
        ),
        Details::Rooms(r) => format!(
            "{} members: joined in {:.2}s ({:.0}/s), parted in {:.2}s ({:.0}/s), {} room events \
             ({} if every join and part were told); room p50 {:.2} ms = {:.2}x SEND ALL's {:.2} ms",
            r.members,
            r.join_seconds,
            r.joins_per_sec,
            r.part_seconds,
            r.parts_per_sec,
            r.room_events,
            r.events_if_all_told,
            r.all_p50_us * r.room_vs_all / 1000.0,
            r.room_vs_all,
            r.all_p50_us / 1000.0
        ),
        Details::Cluster(c) => {
            format!(
            "{} clients on server 1 alone (measured {}), then over {} servers{}; registered in \
             {:.2}s / {:.2}s, {} forwards received across",
            c.clients,
            if c.one_server_first { "first" } else { "second" },
            c.servers,
            if c.cross_server {
                " (every message to a user on another server)"
            } else {
                ""
            },
            c.one_server_register_seconds,
            c.register_seconds,
            c.forwards_received
        )
        }
        Details::Stored(s) => format!(
            "{} senders to {} offline recipients (mailboxes of {} needed), set up in {:.2}s",
            s.senders, s.recipients, s.mailbox_needed, s.setup_seconds
        ),
        Details::Idle(i) => {
            let st = i.server_after_probes.or(i.server_after_register);
            let server = match st {
                Some(s) => format!(
                    "server RSS {:.1} MB (peak {:.1} MB), {} threads",
                    s.rss_kb as f64 / 1024.0,
                    s.hwm_kb as f64 / 1024.0,
                    s.threads
                ),
                None => "server memory unknown (give --server-pid)".to_string(),
            };
            let mut per_user = match i.kb_per_user {
                Some(kb) => format!(", {kb:.1} KiB per user"),
                None => String::new(),
            };
            if i.servers_after_register.len() > 1 {
                let each: Vec<String> = i
                    .servers_after_register
                    .iter()
                    .map(|st| match st {
                        Some(s) => format!("{:.1} MB", s.rss_kb as f64 / 1024.0),
                        None => "?".to_string(),
                    })
                    .collect();
                let _ = write!(per_user, "; RSS per server {}", each.join(", "));
            }
            if i.holders > 0 {
                let _ = write!(per_user, "; held by {} child processes", i.holders);
            }
            format!(
                "{}/{} idle registered in {:.2}s ({:.0}/s), {} closed by server, {}{}",
                i.registered,
                i.requested,
                i.register_seconds,
                i.registrations_per_sec,
                i.closed_by_server,
                server,
                per_user
            )
        }
    }
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
