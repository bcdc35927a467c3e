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

mod args;

use args::{Args, Reply};
use chat::cluster::{ClusterConfig, ClusterError, Node};
use chat::core::RoomLimits;
use chat::front::console::{Console, Flow};
use chat::front::web::origin::Origins;
use chat::front::{Config, Port, Server, ServerHandle, SuccessReply, TlsConfig};
use chat::net::tls::{self_signed_names, ServerTls};
use chat::store::Sqlite;
use chat::wire::Limits;
use clap::Parser;
use parking_lot::Mutex;
use std::io::IsTerminal;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// File descriptors kept back from --max-connections for the listener, logs and the like.
const FD_RESERVE: u64 = 64;

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

/// Log lines `[2026-11-30T20:16:05.123Z INFO  chat::front] ...` on stderr, `RUST_LOG` choosing
/// (`info` by default).
fn init_logging() {
    use chrono::{SecondsFormat, Utc};
    use std::io::Write;
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|buf, record| {
            let time = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
            let style = buf.default_level_style(record.level());
            let (level, target) = (record.level(), record.target());
            writeln!(
                buf,
                "[{time} {style}{level:<5}{style:#} {target}] {}",
                record.args()
            )
        })
        .init();
}

fn main() -> ExitCode {
    init_logging();
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
