//! `server`'s command line: every flag, its default and its help.

use chat::store::StoreConfig;
use chat::wire::{DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER};
use clap::{Parser, ValueEnum};
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Reply {
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
pub struct Args {
    /// Address to listen on, for every protocol.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// Port of the two-socket protocol (0 picks a free one).
    #[arg(long, default_value_t = 4334)]
    pub port: u16,
    /// Port of the JSON protocol of seed 003; 0 turns it off.
    #[arg(long, default_value_t = 3490)]
    pub json_port: u16,
    /// Pick a free port for the JSON protocol (overrides --json-port; for tests and scripts,
    /// which read it from the `json listening on ADDR` line).
    #[arg(long)]
    pub json_any_port: bool,
    /// Port of the web page (`/`) and its WebSocket (`/ws`); 0 turns it off.
    #[arg(long, default_value_t = 8080)]
    pub web_port: u16,
    /// Pick a free port for the web (overrides --web-port; for tests and scripts, which read
    /// it from the `web listening on ADDR` line).
    #[arg(long)]
    pub web_any_port: bool,
    /// An origin whose pages may open the chat's WebSocket besides the page's own (say
    /// `https://chat.example.org`); repeat for more. Without it only the page served here
    /// (the Origin's host and port equal the request's Host) and non-browser clients (no
    /// Origin) may; others get HTTP 403.
    #[arg(long, value_name = "ORIGIN")]
    pub web_origin: Vec<String>,
    /// Frames of any kind (pings too) one WebSocket may send in a second; beyond it the
    /// connection is closed (1008). 0 turns the limit off.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub web_max_frames: u32,
    /// Seconds a recipient has to acknowledge a forward before the send fails with
    /// ERROR 102 and the silent recipient is disconnected.
    #[arg(long, default_value_t = 10.0, value_parser = parse_secs)]
    pub ack_timeout: f64,
    /// Largest message body accepted, in bytes (larger: ERROR 105 and close). A JSON packet
    /// may be this long too, but never more than 65,407 bytes (two length bytes, less room
    /// for the echo).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY)]
    pub max_body: usize,
    /// Largest header block accepted, in bytes.
    #[arg(long, default_value_t = DEFAULT_MAX_HEADER)]
    pub max_header: usize,
    /// Most sockets open at once, every protocol together; beyond it a new one gets ERROR 107
    /// (JSON: an error packet `server-full`) and is closed.
    /// Default: the process's open-file limit less a small reserve.
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Success reply to a SEND.
    #[arg(long, value_enum, default_value = "SENT", ignore_case = true)]
    pub success_reply: Reply,
    /// Seconds a socket may stay connected without completing its registration (JSON and
    /// WebSocket: without its hello; web: without a whole request).
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    pub idle_timeout: f64,
    /// Seconds a message may take to arrive once it has begun.
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    pub message_timeout: f64,
    /// Seconds of silence after which a client with the `ping` extension, or any WebSocket,
    /// is pinged; after twice this it is dropped.
    #[arg(long, default_value_t = 30.0, value_parser = parse_secs)]
    pub ping_interval: f64,
    /// Threads serving registered receiving sockets (0: half the cores, at least one).
    #[arg(long, default_value_t = 0)]
    pub hubs: usize,
    /// Do not read operator commands (help, users, kick, say, quit) from stdin.
    #[arg(long)]
    pub no_console: bool,
    /// SENDs per second allowed per user, with bursts of twice that (0 turns it off);
    /// over the limit a SEND gets ERROR 108 and is not delivered.
    #[arg(long, default_value_t = 200)]
    pub rate_limit: u32,
    /// Directory of the chat's memory (accounts, waiting messages, history): the SQLite
    /// database `chat.db` in it. Created when missing.
    #[arg(long, value_name = "DIR", default_value = "chat-data")]
    pub data: PathBuf,
    /// Keep the chat's memory in memory only: nothing is written, and a restart forgets it.
    #[arg(long)]
    pub no_store: bool,
    /// Messages that may wait for one offline user; beyond that a SEND gets ERROR 110.
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub mailbox_size: usize,
    /// Days a message waits for its offline recipient before it is dropped.
    #[arg(long, value_name = "DAYS", default_value_t = 30.0, value_parser = parse_secs)]
    pub mailbox_days: f64,
    /// Days the history keeps a message.
    #[arg(long, value_name = "DAYS", default_value_t = 90.0, value_parser = parse_secs)]
    pub history_days: f64,
    /// Most messages the history keeps (the oldest go first). 0 keeps no history (HISTORY
    /// pages show only what still waits in a mailbox) and spares the store a write per message.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub history_size: u64,
    /// TLS: the server's certificate chain, PEM (its own certificate first). With
    /// --tls-key, both protocols also listen with TLS (--tls-port, --json-tls-port).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS: the private key of --tls-cert, PEM (PKCS#8, RSA or EC).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// TLS with a self-signed certificate for localhost, 127.0.0.1, ::1, --bind and this
    /// machine's name. It is kept in the data directory (tls-cert.pem, tls-key.pem) and used
    /// again on the next start, so clients that trust its fingerprint keep trusting it (with
    /// --no-store a new one is made at every start). Its SHA-256 fingerprint is printed:
    /// `tls fingerprint SHA256 AB:CD:…`, for `client --tls --fingerprint`.
    #[arg(long, conflicts_with = "tls_cert")]
    pub tls_self_signed: bool,
    /// Port of the two-socket protocol over TLS (0 picks a free one); only with a certificate.
    #[arg(long, default_value_t = 4335)]
    pub tls_port: u16,
    /// Port of the JSON protocol over TLS (0 picks a free one); only with a certificate, and
    /// while the JSON protocol is on.
    #[arg(long, default_value_t = 3491)]
    pub json_tls_port: u16,
    /// Rooms one user may be in at once (the lobby does not count); beyond it a join gets
    /// ERROR 115 (JSON: `too-many-rooms`).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub max_rooms_per_user: usize,
    /// Members one room may have; beyond it a join gets ERROR 116 (JSON: `room-full`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_room_members: usize,
    /// Rooms the server may hold (empty ones kept by the store too). At the limit a new room
    /// makes the room empty the longest forget its topic and operator; when every room has
    /// members, a join that would make one gets ERROR 119 (JSON: `room-limit`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub max_rooms: usize,
    /// Joins and parts are told to a room's members while it has at most this many; a
    /// bigger room stops announcing them (WHO still tells who is there), so that a storm of
    /// joins does not cost its members traffic that grows with the square of its size.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub room_announce: usize,
    /// Joins a cluster: several servers, one chat, over the NATS server at URL
    /// (`nats://HOST:4222`, JetStream on: `nats-server -js`). Without it this server is the
    /// whole chat and needs no NATS. See README, "Running a cluster".
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
    /// This node's name in the cluster (letters, digits, '-', '_'; unique among the nodes).
    /// Default: the host's name and the two-socket port.
    #[arg(long, value_name = "NAME", requires = "nats")]
    pub node: Option<String>,
    /// The cluster's name: the prefix of its NATS subjects, so that several clusters can
    /// share one NATS.
    #[arg(long, value_name = "NAME", default_value = "chat", requires = "nats")]
    pub cluster: String,
}

const DAY: f64 = 86_400.0;

impl Args {
    /// Where and how the chat remembers.
    pub fn store(&self) -> StoreConfig {
        StoreConfig {
            path: (!self.no_store).then(|| self.data.join("chat.db")),
            mailbox_max: self.mailbox_size,
            mailbox_ttl: Duration::from_secs_f64(self.mailbox_days * DAY),
            history_ttl: Some(Duration::from_secs_f64(self.history_days * DAY)),
            history_max: Some(self.history_size),
        }
    }
}

pub fn parse_secs(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < 1e9 => Ok(v),
        _ => Err(format!("`{s}` is not a positive number of seconds")),
    }
}
