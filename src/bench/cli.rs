//! Command-line arguments of `bench`: options common to every scenario, then one
//! subcommand per scenario with its own sizes.

use crate::error::BenchError;
use clap::{Args, Parser, Subcommand};
use std::time::Duration;

/// Measure a server of the two-socket chat protocol: throughput and latency per scenario,
/// each next to the "floor" (the same socket hops with no protocol and no server).
#[derive(Debug, Parser)]
#[command(name = "bench", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub scenario: Scenario,
}

/// Options every scenario takes (they may be given before or after the subcommand).
#[derive(Debug, Args)]
pub struct Common {
    /// Address of a running server to measure; several, comma-separated, for the servers of
    /// one cluster: users are then spread round-robin over them (both sockets of a user on
    /// the same one), for unicast (each message to a user on another server), broadcast,
    /// idle, rooms and cluster.
    #[arg(long, global = true, value_name = "HOST:PORT", value_delimiter = ',')]
    pub server: Vec<String>,
    /// With several servers: do not wait, once users are registered, until every server
    /// knows those on the others (servers that are not one cluster never do).
    #[arg(long, global = true)]
    pub no_settle: bool,
    /// Start our own server on a free loopback port (with --rate-limit 0) for each run.
    #[arg(long, global = true)]
    pub spawn: bool,
    /// With --spawn: a cluster of N nodes for each run: a `nats-server -js` (on a free
    /// loopback port below 32768, its store in a temp dir) and N servers joined to it
    /// (`--nats URL --node nK`), users spread over them as over several --server addresses.
    #[arg(long, global = true, default_value_t = 1, value_name = "N")]
    pub nodes: usize,
    /// nats-server binary for --nodes (default: /usr/sbin/nats-server, /usr/bin/nats-server
    /// or `nats-server` on the PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub nats_bin: Option<String>,
    /// Server binary for --spawn (default: `server` next to this binary).
    #[arg(long, global = true, value_name = "PATH")]
    pub server_bin: Option<String>,
    /// Extra argument for the spawned server (repeat for several).
    #[arg(long, global = true, value_name = "ARG", allow_hyphen_values = true)]
    pub server_arg: Vec<String>,
    /// Show the spawned server's log (its stderr) instead of discarding it.
    #[arg(long, global = true)]
    pub server_stderr: bool,
    /// PID of the server given with --server, to read its memory and threads from /proc
    /// (several, comma-separated, in the order of --server).
    #[arg(long, global = true, value_name = "PID", value_delimiter = ',')]
    pub server_pid: Vec<u32>,
    /// Print one JSON document on stdout instead of tables (and no progress bar).
    #[arg(long, global = true)]
    pub json: bool,
    /// Do not run the floor next to the scenario.
    #[arg(long, global = true)]
    pub no_floor: bool,
    /// Repeat the whole measurement this many times and report medians.
    #[arg(long, global = true, default_value_t = 1, value_name = "N")]
    pub runs: u32,
    /// Seconds to wait for any one reply before counting a timeout.
    #[arg(long, global = true, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
    /// Threads that connect and register clients in parallel.
    #[arg(long, global = true, default_value_t = 8, value_name = "N")]
    pub connect_workers: usize,
    /// Receiver threads shared by all bench users (epoll); 0 = one blocked thread per
    /// user, like the floor's recipients. Default: 0 for unicast and idle probes, 2 for
    /// broadcast (a thread per recipient would cost the load side a context switch per
    /// forward; one thread alone saturates acking 999 forwards per broadcast).
    #[arg(long, global = true, value_name = "N")]
    pub recv_threads: Option<usize>,
    /// Seed of the random choice of peers.
    #[arg(long, global = true, default_value_t = 1)]
    pub seed: u64,
    /// The protocol the users speak (`json`: PROTOCOL.md Part 4, for unicast and broadcast;
    /// with --server, HOST:PORT is then the JSON port).
    #[arg(long, global = true, value_enum, default_value = "two-socket")]
    pub protocol: Protocol,
}

/// What the bench users speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    TwoSocket,
    Json,
}

impl Common {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs_f64(self.timeout.clamp(0.001, 3600.0))
    }

    /// Checks the combinations clap cannot express.
    pub fn validate(&self, needs_server: bool) -> Result<(), BenchError> {
        if self.protocol == Protocol::Json && !needs_server {
            return Err(BenchError::Usage("the floor speaks no protocol".into()));
        }
        if self.runs == 0 {
            return Err(BenchError::Usage("--runs must be at least 1".into()));
        }
        if self.timeout.is_nan() || self.timeout <= 0.0 {
            return Err(BenchError::Usage("--timeout must be positive".into()));
        }
        if self.connect_workers == 0 {
            return Err(BenchError::Usage(
                "--connect-workers must be at least 1".into(),
            ));
        }
        if self.nodes == 0 || (self.nodes > 1 && !self.spawn) {
            return Err(BenchError::Usage(
                "--nodes is at least 1, and goes with --spawn".into(),
            ));
        }
        if self.servers() > 1 && self.protocol == Protocol::Json {
            return Err(BenchError::Usage("--protocol json takes one server".into()));
        }
        match (needs_server, !self.server.is_empty(), self.spawn) {
            (true, false, false) => Err(BenchError::Usage(
                "give --server HOST:PORT or --spawn".into(),
            )),
            (_, true, true) => Err(BenchError::Usage(
                "--server and --spawn exclude each other".into(),
            )),
            _ => Ok(()),
        }
    }

    /// How many servers the users are spread over.
    pub fn servers(&self) -> usize {
        match self.spawn {
            true => self.nodes,
            false => self.server.len().max(1),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// C clients, each sends M messages of S bytes to random peers, one at a time.
    Unicast(UnicastArgs),
    /// R registered recipients; K senders each send M `SEND ALL`, timed until `SENT ALL`.
    Broadcast(BroadcastArgs),
    /// N idle registered clients held open while a few active clients measure latency.
    Idle(IdleArgs),
    /// The kernel-and-threads floor: four socket hops of 64 bytes through relay threads, or
    /// (with --fanout R) one thread writing 64 bytes to R sockets and reading R echoes.
    Floor(FloorArgs),
    /// R recipients claim their names and leave; C senders (with `offline`) each send M
    /// messages to them, one at a time, timed until `STORED` (committed to disk).
    Stored(StoredArgs),
    /// R users (with `rooms`) join one room at once; one sends M messages to the room and
    /// another M `SEND ALL` (the same fan-out), each timed until `SENT`; then the rest part
    /// at once. Reports both storms and the room's cost next to `ALL`'s.
    Rooms(RoomsArgs),
    /// Unicast twice in one run, the same C clients each time: all on the first server,
    /// then spread over all servers with every message to a user on another server. The
    /// result is the cross-server one; the one-server one and the ratio are printed beside
    /// it. Needs several servers (`--spawn --nodes 3`, or `--server a,b,c`); with
    /// `--spawn`, first the NATS floor: C requesters sending 64 bytes through the cluster's
    /// nats-server to a client that answers them, no chat.
    Cluster(UnicastArgs),
    /// (Internal) Registers idle users and holds them until stdin closes: `idle` starts
    /// these when its users need more sockets than one process may open.
    #[command(hide = true)]
    Hold(HoldArgs),
}

impl Scenario {
    pub fn name(&self) -> &'static str {
        match self {
            Scenario::Unicast(_) => "unicast",
            Scenario::Broadcast(_) => "broadcast",
            Scenario::Idle(_) => "idle",
            Scenario::Floor(_) => "floor",
            Scenario::Stored(_) => "stored",
            Scenario::Rooms(_) => "rooms",
            Scenario::Cluster(_) => "cluster",
            Scenario::Hold(_) => "hold",
        }
    }
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct UnicastArgs {
    /// Clients, each a sender (and a receiver for the others).
    #[arg(long, short = 'c', default_value_t = 16)]
    pub clients: usize,
    /// Measured messages per client.
    #[arg(long, short = 'm', default_value_t = 1000)]
    pub messages: u64,
    /// Body size in bytes.
    #[arg(long, short = 's', default_value_t = 64)]
    pub size: usize,
    /// Unmeasured messages per client before measuring.
    #[arg(long, default_value_t = 100)]
    pub warmup: u64,
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct BroadcastArgs {
    /// Registered recipients (besides the senders).
    #[arg(long, short = 'r', default_value_t = 999)]
    pub recipients: usize,
    /// Clients sending `SEND ALL` at the same time.
    #[arg(long, default_value_t = 1)]
    pub senders: usize,
    /// Measured broadcasts per sender.
    #[arg(long, short = 'm', default_value_t = 200)]
    pub messages: u64,
    /// Body size in bytes.
    #[arg(long, short = 's', default_value_t = 64)]
    pub size: usize,
    /// Unmeasured broadcasts per sender before measuring.
    #[arg(long, default_value_t = 20)]
    pub warmup: u64,
}

impl BroadcastArgs {
    /// Recipients of each broadcast: everyone registered but its sender.
    pub fn fanout(&self) -> usize {
        (self.senders.max(1) + self.recipients).saturating_sub(1)
    }
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct RoomsArgs {
    /// Users who join the room (two of them then send, to the room and to `ALL`).
    #[arg(long, short = 'r', default_value_t = 1000)]
    pub members: usize,
    /// Measured messages to the room, and to `ALL`.
    #[arg(long, short = 'm', default_value_t = 200)]
    pub messages: u64,
    /// Body size in bytes.
    #[arg(long, short = 's', default_value_t = 64)]
    pub size: usize,
    /// Unmeasured messages of each kind before measuring.
    #[arg(long, default_value_t = 20)]
    pub warmup: u64,
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct IdleArgs {
    /// Idle clients registered (two sockets each) and held open.
    #[arg(long, short = 'n', default_value_t = 1000)]
    pub idle: usize,
    /// Active clients measuring latency among themselves (never to idle ones).
    #[arg(long, default_value_t = 2)]
    pub active: usize,
    /// Measured messages per active client.
    #[arg(long, short = 'm', default_value_t = 2000)]
    pub messages: u64,
    /// Body size in bytes.
    #[arg(long, short = 's', default_value_t = 64)]
    pub size: usize,
    /// Unmeasured messages per active client before measuring.
    #[arg(long, default_value_t = 100)]
    pub warmup: u64,
    /// Hold the idle users in this many child `bench` processes (0: in this one). Default:
    /// in this one if their sockets fit under its open-file limit, else the fewest that do.
    #[arg(long, value_name = "N")]
    pub holders: Option<usize>,
}

#[derive(Clone, Debug, Args)]
pub struct HoldArgs {
    /// The first user's index among all idle users (it decides the server: round-robin).
    #[arg(long)]
    pub first: usize,
    /// Users to register and hold.
    #[arg(long)]
    pub count: usize,
    /// Prefix of their names.
    #[arg(long)]
    pub prefix: String,
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct FloorArgs {
    /// Concurrent sender/recipient pairs (with --fanout: concurrent senders).
    #[arg(long, short = 'c', default_value_t = 16)]
    pub clients: usize,
    /// The fan-out floor instead: each sender writes 64 bytes to this many recipients and
    /// reads each one's 64-byte echo (recipients echo from a thread each); 0: the four-hop
    /// unicast floor. `broadcast` runs this floor with its own fan-out.
    #[arg(long, short = 'r', default_value_t = 0)]
    pub fanout: usize,
    /// Measured round trips per pair.
    #[arg(long, short = 'm', default_value_t = 1000)]
    pub messages: u64,
    /// Unmeasured round trips per pair before measuring.
    #[arg(long, default_value_t = 100)]
    pub warmup: u64,
}

#[derive(Clone, Debug, Args, serde::Serialize)]
pub struct StoredArgs {
    /// Recipients: each claims its name (`PASSWORD`) and leaves (`QUIT`) before measuring.
    #[arg(long, short = 'r', default_value_t = 100)]
    pub recipients: usize,
    /// Senders at once, each asking for `offline` and sending to the recipients in turn.
    #[arg(long, short = 'c', default_value_t = 16)]
    pub clients: usize,
    /// Measured messages per sender.
    #[arg(long, short = 'm', default_value_t = 1000)]
    pub messages: u64,
    /// Body size in bytes.
    #[arg(long, short = 's', default_value_t = 64)]
    pub size: usize,
    /// Unmeasured messages per sender before measuring.
    #[arg(long, default_value_t = 20)]
    pub warmup: u64,
}

#[cfg(test)]
#[path = "cli_tests.rs"]
mod tests;
