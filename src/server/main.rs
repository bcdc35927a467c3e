//! `server`: one chat, on sensible defaults, for the two-socket protocol, the JSON protocol
//! of seed 003 and the web (a page and its WebSocket).
//!
//! `server` alone listens on `0.0.0.0:4334` (two-socket), `0.0.0.0:3490` (JSON) and
//! `0.0.0.0:8080` (web). It prints `listening on ADDR` (two-socket), `json listening on ADDR`
//! and `web listening on ADDR` on stdout once bound (scripts and tests read the ports from
//! them) and logs to stderr (`RUST_LOG` overrides the default `info`).
//!
//! With a certificate (`--tls-cert` and `--tls-key`, or `--tls-self-signed`) both protocols
//! also listen with TLS: `tls listening on ADDR` (two-socket, port 4335) and `json tls
//! listening on ADDR` (port 3491), the web port serves https:// and wss:// beside http://, and
//! `tls fingerprint SHA256 AB:CD:…` names the certificate. The plain ports stay, for clients
//! of the original protocol.

use chat::cluster::{ClusterConfig, ClusterError, Node};
use chat::core::RoomLimits;
use chat::front::console::{Console, Flow};
use chat::front::web::origin::Origins;
use chat::front::{Config, Port, Server, ServerHandle, SuccessReply, TlsConfig};
use chat::net::tls::{self_signed_names, ServerTls};
use chat::store::{Sqlite, StoreConfig};
use chat::wire::{Limits, DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER};
use clap::{Parser, ValueEnum};
use parking_lot::Mutex;
use std::io::IsTerminal;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// File descriptors kept back from --max-connections for the listener, logs and the like.
const FD_RESERVE: u64 = 64;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Reply {
    /// `SENT <recipient>`
    #[value(name = "SENT")]
    Sent,
    /// `SEND <recipient>`, for old clients that wait for exactly that
    #[value(name = "SEND")]
    Send,
}

/// Chat server: one chat for clients of the two-socket protocol, of the JSON protocol
/// (seed 003) and of the web page (a browser at http://HOST:8080/).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Address to listen on, for every protocol.
    #[arg(long, default_value = "0.0.0.0")]
    bind: IpAddr,
    /// Port of the two-socket protocol (0 picks a free one).
    #[arg(long, default_value_t = 4334)]
    port: u16,
    /// Port of the JSON protocol of seed 003; 0 turns it off.
    #[arg(long, default_value_t = 3490)]
    json_port: u16,
    /// Pick a free port for the JSON protocol (overrides --json-port; for tests and scripts,
    /// which read it from the `json listening on ADDR` line).
    #[arg(long)]
    json_any_port: bool,
    /// Port of the web page (`/`) and its WebSocket (`/ws`); 0 turns it off.
    #[arg(long, default_value_t = 8080)]
    web_port: u16,
    /// Pick a free port for the web (overrides --web-port; for tests and scripts, which read
    /// it from the `web listening on ADDR` line).
    #[arg(long)]
    web_any_port: bool,
    /// An origin whose pages may open the chat's WebSocket besides the page's own (say
    /// `https://chat.example.org`); repeat for more. Without it only the page served here
    /// (the Origin's host and port equal the request's Host) and non-browser clients (no
    /// Origin) may; others get HTTP 403.
    #[arg(long, value_name = "ORIGIN")]
    web_origin: Vec<String>,
    /// Frames of any kind (pings too) one WebSocket may send in a second; beyond it the
    /// connection is closed (1008). 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    web_max_frames: u32,
    /// Seconds a recipient has to acknowledge a forward before the send fails with
    /// ERROR 102 and the silent recipient is disconnected.
    #[arg(long, default_value_t = 10.0, value_parser = parse_secs)]
    ack_timeout: f64,
    /// Largest message body accepted, in bytes (larger: ERROR 105 and close). A JSON packet
    /// may be this long too, but never more than 65,407 bytes (two length bytes, less room
    /// for the echo).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    max_body: usize,
    /// Largest header block accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_HEADER)]
    max_header: usize,
    /// Most sockets open at once, every protocol together; beyond it a new one gets ERROR 107
    /// (JSON: an error packet `server-full`) and is closed.
    /// Default: the process's open-file limit less a small reserve.
    #[arg(long)]
    max_connections: Option<usize>,
    /// Success reply to a SEND.
    #[arg(long, value_enum, default_value = "SENT", ignore_case = true)]
    success_reply: Reply,
    /// Seconds a socket may stay connected without completing its registration (JSON and
    /// WebSocket: without its hello; web: without a whole request).
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    idle_timeout: f64,
    /// Seconds a message may take to arrive once it has begun.
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    message_timeout: f64,
    /// Seconds of silence after which a client with the `ping` extension, or any WebSocket,
    /// is pinged; after twice this it is dropped.
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    ping_interval: f64,
    /// Threads serving registered receiving sockets (0: half the cores, at least one).
    #[arg(long, default_value_t = 0)]
    hubs: usize,
    /// Do not read operator commands (help, users, kick, say, quit) from stdin.
    #[arg(long)]
    no_console: bool,
    /// SENDs per second allowed per user, with bursts of twice that (0 turns it off);
    /// over the limit a SEND gets ERROR 108 and is not delivered.
    #[arg(long, default_value_t = 200)]
    rate_limit: u32,
    /// Directory of the chat's memory (accounts, waiting messages, history): the SQLite
    /// database `chat.db` in it. Created when missing.
    #[arg(long, value_name = "DIR", default_value = "chat-data")]
    data: PathBuf,
    /// Keep the chat's memory in memory only: nothing is written, and a restart forgets it.
    #[arg(long)]
    no_store: bool,
    /// Messages that may wait for one offline user; beyond that a SEND gets ERROR 110.
    #[arg(long, value_name = "N", default_value_t = 100)]
    mailbox_size: usize,
    /// Days a message waits for its offline recipient before it is dropped.
    #[arg(long, value_name = "DAYS", default_value_t = 30.0, value_parser = parse_secs)]
    mailbox_days: f64,
    /// Days the history keeps a message.
    #[arg(long, value_name = "DAYS", default_value_t = 90.0, value_parser = parse_secs)]
    history_days: f64,
    /// Most messages the history keeps (the oldest go first). 0 keeps no history (HISTORY
    /// pages show only what still waits in a mailbox) and spares the store a write per message.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    history_size: u64,
    /// TLS: the server's certificate chain, PEM (its own certificate first). With
    /// --tls-key, both protocols also listen with TLS (--tls-port, --json-tls-port).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS: the private key of --tls-cert, PEM (PKCS#8, RSA or EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// TLS with a self-signed certificate for localhost, 127.0.0.1, ::1, --bind and this
    /// machine's name. It is kept in the data directory (tls-cert.pem, tls-key.pem) and used
    /// again on the next start, so clients that trust its fingerprint keep trusting it (with
    /// --no-store a new one is made at every start). Its SHA-256 fingerprint is printed:
    /// `tls fingerprint SHA256 AB:CD:…`, for `client --tls --fingerprint`.
    #[arg(long, conflicts_with = "tls_cert")]
    tls_self_signed: bool,
    /// Port of the two-socket protocol over TLS (0 picks a free one); only with a certificate.
    #[arg(long, default_value_t = 4335)]
    tls_port: u16,
    /// Port of the JSON protocol over TLS (0 picks a free one); only with a certificate, and
    /// while the JSON protocol is on.
    #[arg(long, default_value_t = 3491)]
    json_tls_port: u16,
    /// Rooms one user may be in at once (the lobby does not count); beyond it a join gets
    /// ERROR 115 (JSON: `too-many-rooms`).
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_rooms_per_user: usize,
    /// Members one room may have; beyond it a join gets ERROR 116 (JSON: `room-full`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_room_members: usize,
    /// Rooms the server may hold (empty ones kept by the store too). At the limit a new room
    /// makes the room empty the longest forget its topic and operator; when every room has
    /// members, a join that would make one gets ERROR 119 (JSON: `room-limit`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_rooms: usize,
    /// Joins and parts are told to a room's members while it has at most this many; a
    /// bigger room stops announcing them (WHO still tells who is there), so that a storm of
    /// joins does not cost its members traffic that grows with the square of its size.
    #[arg(long, value_name = "N", default_value_t = 200)]
    room_announce: usize,
    /// Joins a cluster: several servers, one chat, over the NATS server at URL
    /// (`nats://HOST:4222`, JetStream on: `nats-server -js`). Without it this server is the
    /// whole chat and needs no NATS. See README, "Running a cluster".
    #[arg(long, value_name = "URL")]
    nats: Option<String>,
    /// This node's name in the cluster (letters, digits, '-', '_'; unique among the nodes).
    /// Default: the host's name and the two-socket port.
    #[arg(long, value_name = "NAME", requires = "nats")]
    node: Option<String>,
    /// The cluster's name: the prefix of its NATS subjects, so that several clusters can
    /// share one NATS.
    #[arg(long, value_name = "NAME", default_value = "chat", requires = "nats")]
    cluster: String,
}

const DAY: f64 = 86_400.0;

impl Args {
    /// Where and how the chat remembers.
    fn store(&self) -> StoreConfig {
        StoreConfig {
            path: (!self.no_store).then(|| self.data.join("chat.db")),
            mailbox_max: self.mailbox_size,
            mailbox_ttl: Duration::from_secs_f64(self.mailbox_days * DAY),
            history_ttl: Some(Duration::from_secs_f64(self.history_days * DAY)),
            history_max: Some(self.history_size),
        }
    }
}

/// Opens the chat's memory, creating its directory; a clear message when it cannot.
fn open_store(args: &Args) -> Result<Arc<Sqlite>, String> {
    if !args.no_store {
        std::fs::create_dir_all(&args.data)
            .map_err(|e| format!("cannot create {}: {e}", args.data.display()))?;
    }
    Sqlite::open(&args.store())
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The certificate the TLS listeners show, if the flags give one.
fn server_tls(args: &Args) -> Result<Option<ServerTls>, String> {
    let made = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => ServerTls::from_pem_files(cert, key),
        _ if args.tls_self_signed => {
            let dir = (!args.no_store).then_some(args.data.as_path());
            ServerTls::self_signed(&self_signed_names(args.bind), dir)
        }
        _ => return Ok(None),
    };
    made.map(Some).map_err(|e| format!("TLS: {e}"))
}

fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e9 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}

/// Raises the soft open-file limit to the hard one and returns what fits under it.
fn default_max_connections() -> usize {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut lim = getrlimit(Resource::Nofile);
    if let Some(hard) = lim.maximum {
        if lim.current.is_some_and(|soft| soft < hard) {
            lim.current = Some(hard);
            let _ = setrlimit(Resource::Nofile, lim);
        }
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(1 << 20);
    soft.saturating_sub(FD_RESERVE).max(1) as usize
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let args = Args::parse();
    let json_port = match (args.json_any_port, args.json_port) {
        (true, _) => Some(0),
        (false, 0) => None,
        (false, port) => Some(port),
    };
    let web_port = match (args.web_any_port, args.web_port) {
        (true, _) => Some(0),
        (false, 0) => None,
        (false, port) => Some(port),
    };
    let config = Config {
        bind: SocketAddr::new(args.bind, args.port),
        json: json_port.map(|port| SocketAddr::new(args.bind, port)),
        web: web_port.map(|port| SocketAddr::new(args.bind, port)),
        web_origins: Origins::new(&args.web_origin),
        web_max_frames: args.web_max_frames,
        ack_timeout: Duration::from_secs_f64(args.ack_timeout),
        limits: Limits {
            max_header: args.max_header,
            max_body: args.max_body,
        },
        max_connections: args.max_connections.unwrap_or_else(default_max_connections),
        success_reply: match args.success_reply {
            Reply::Sent => SuccessReply::Sent,
            Reply::Send => SuccessReply::Send,
        },
        idle_timeout: Duration::from_secs_f64(args.idle_timeout),
        message_timeout: Duration::from_secs_f64(args.message_timeout),
        rate_limit: args.rate_limit,
        ping_interval: Duration::from_secs_f64(args.ping_interval),
        hubs: args.hubs,
        rooms: RoomLimits {
            per_user: args.max_rooms_per_user,
            members: args.max_room_members,
            rooms: args.max_rooms,
            announce: args.room_announce,
        },
        ..Config::default()
    };
    let store = match open_store(&args) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = match server_tls(&args) {
        Ok(tls) => Config {
            tls: tls.map(|cert| TlsConfig {
                cert: Arc::new(cert),
                bind: SocketAddr::new(args.bind, args.tls_port),
                json: config
                    .json
                    .map(|_| SocketAddr::new(args.bind, args.json_tls_port)),
            }),
            ..config
        },
        Err(e) => {
            eprintln!("server: {e}");
            return ExitCode::FAILURE;
        }
    };
    match &args.store().path {
        Some(path) => log::info!("the chat's memory is {}", path.display()),
        None => log::info!("the chat's memory is in memory only (--no-store)"),
    }
    let server = match Server::bind_with(config.clone(), Some(store.clone())) {
        Ok(s) => s,
        Err(e) => {
            // The error names the address that cannot be had.
            let hint = match e.kind() {
                std::io::ErrorKind::AddrInUse => {
                    " (another server running? --port, --json-port, --web-port, --tls-port \
                     and --json-tls-port choose others; --tls-port 0 picks a free one)"
                }
                _ => "",
            };
            eprintln!("server: cannot listen on {e}{hint}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = join_cluster(&args, &server) {
        eprintln!("server: {e}");
        return ExitCode::FAILURE;
    }
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {}", server.local_addr());
    if let Some(json) = server.json_addr() {
        let _ = writeln!(out, "json listening on {json}");
    }
    if let Some(tls) = server.addr(Port::TwoSocketTls) {
        let _ = writeln!(out, "tls listening on {tls}");
    }
    if let Some(tls) = server.addr(Port::JsonTls) {
        let _ = writeln!(out, "json tls listening on {tls}");
    }
    if let Some(tls) = &config.tls {
        let _ = writeln!(out, "tls fingerprint SHA256 {}", tls.cert.fingerprint());
    }
    if let Some(web) = server.web_addr() {
        let _ = writeln!(out, "web listening on {web}");
    }
    let _ = out.flush();
    log::info!(
        "serving: ack timeout {:?}, max body {} B, max connections {}",
        config.ack_timeout,
        config.limits.max_body,
        config.max_connections
    );
    let handle = match server.spawn() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("server: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (stop_tx, stop) = mpsc::channel::<&'static str>();
    watch_signals(stop_tx.clone());
    if !args.no_console {
        start_console(&handle, stop_tx);
    }
    let why = stop.recv().unwrap_or("all stop sources gone");
    log::info!("shutting down ({why})");
    handle.shutdown(Duration::from_secs(1));
    // What is queued for the store is committed before we go.
    store.close();
    log::info!("stopped");
    ExitCode::SUCCESS
}

/// Joins the cluster the flags name, if any.
fn join_cluster(args: &Args, server: &Server) -> Result<(), ClusterError> {
    let Some(url) = &args.nats else {
        return Ok(());
    };
    let node = args.node.clone().unwrap_or_else(|| {
        let host = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
        format!("{host}-{}", server.local_addr().port())
    });
    let config = ClusterConfig {
        url: url.clone(),
        node,
        prefix: args.cluster.clone(),
        ack_timeout: Duration::from_secs_f64(args.ack_timeout),
    };
    let node = Node::start(config, server.chat())?;
    log::info!(
        "cluster {}: node {} on NATS {url}",
        args.cluster,
        node.name()
    );
    Ok(())
}

/// Sends on `stop` at SIGINT or SIGTERM.
fn watch_signals(stop: mpsc::Sender<&'static str>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if signals.forever().next().is_some() {
                    let _ = stop.send("signal");
                }
            });
        }
        Err(e) => log::error!("cannot watch for signals: {e}"),
    }
}

/// Reads operator commands from stdin on a thread; `quit` sends on `stop`.
fn start_console(handle: &ServerHandle, stop: mpsc::Sender<&'static str>) {
    let console = Console {
        chat: handle.chat(),
        out: Arc::new(Mutex::new(std::io::stdout())),
    };
    if std::io::stdin().is_terminal() {
        println!("type `help` for commands");
    }
    let spawned = std::thread::Builder::new()
        .name("console".into())
        .spawn(move || {
            if console.run(std::io::stdin().lock()) == Flow::Quit {
                let _ = stop.send("console");
            } else {
                // End of input: keep serving, but keep this sender so the channel stays open.
                std::mem::forget(stop);
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start the console: {e}");
    }
}
