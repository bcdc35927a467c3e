//! The servers under test: those given with `--server` (one or several), or those we start
//! with `--spawn` (each on a free loopback port, read from its `listening on HOST:PORT`
//! line, killed when dropped), with `--nodes N` joined into one cluster over a `nats-server`
//! of our own ([`crate::nats`]); and what /proc says about their memory and threads.

use crate::cli::Common;
use crate::error::BenchError;
use crate::nats::Nats;
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a spawned server may take to print its `listening on` line.
pub const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the servers are, and how we got them.
pub struct Target {
    /// In the order of `--server`, or the spawned nodes n1, n2... (at least one).
    pub nodes: Vec<Node>,
    /// The NATS server of a spawned cluster (dropped after the nodes: fields drop in order).
    nats: Option<Nats>,
}

/// One server.
pub struct Node {
    pub addr: SocketAddr,
    /// Where a spawned server's JSON protocol listens (`--protocol json` only).
    pub json_addr: Option<SocketAddr>,
    pub pid: Option<u32>,
    /// The server we spawned (`None`: given with `--server`).
    child: Option<Child>,
    /// The data directory we gave it, removed when it is gone.
    data: Option<PathBuf>,
}

/// What the report says about the servers of one run.
#[derive(Clone, Debug, Serialize)]
pub struct ServerInfo {
    /// Their addresses, comma-separated.
    pub addr: String,
    pub spawned: bool,
    /// The first one's PID.
    pub pid: Option<u32>,
    pub servers: usize,
    /// The NATS server of a spawned cluster.
    pub nats: Option<String>,
}

impl Target {
    /// Resolves `--server`, or spawns the servers (a cluster with `--nodes` above 1), each
    /// with `extra` arguments and the user's `--server-arg`s.
    pub fn start(common: &Common, extra: &[String]) -> Result<Target, BenchError> {
        if !common.server.is_empty() {
            let nodes = common.server.iter().enumerate().map(|(i, server)| {
                let addr = server
                    .to_socket_addrs()
                    .ok()
                    .and_then(|mut a| a.next())
                    .ok_or_else(|| BenchError::BadAddress(server.clone()))?;
                Ok(Node {
                    addr,
                    json_addr: None,
                    pid: common.server_pid.get(i).copied(),
                    child: None,
                    data: None,
                })
            });
            return Ok(Target {
                nodes: nodes.collect::<Result<_, BenchError>>()?,
                nats: None,
            });
        }
        if common.nodes <= 1 {
            return Ok(Target {
                nodes: vec![spawn(common, extra, None)?],
                nats: None,
            });
        }
        let mut target = Target {
            nodes: Vec::new(),
            nats: Some(Nats::start(
                common.nats_bin.as_deref(),
                common.server_stderr,
            )?),
        };
        let url = target.nats.as_ref().map(Nats::url).unwrap_or_default();
        for n in 1..=common.nodes {
            let node = spawn(common, extra, Some((&url, &format!("n{n}"))))?;
            target.nodes.push(node);
        }
        Ok(target)
    }

    /// The two-socket addresses, in order.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|n| n.addr).collect()
    }

    /// The URL of a spawned cluster's NATS server.
    pub fn nats_url(&self) -> Option<String> {
        self.nats.as_ref().map(Nats::url)
    }

    pub fn info(&self) -> ServerInfo {
        let addrs: Vec<String> = self.nodes.iter().map(|n| n.addr.to_string()).collect();
        ServerInfo {
            addr: addrs.join(","),
            spawned: self.nodes.iter().any(|n| n.child.is_some()),
            pid: self.nodes.first().and_then(|n| n.pid),
            servers: self.nodes.len(),
            nats: self.nats_url(),
        }
    }

    /// Each server's memory and threads now, when its PID is known and readable.
    pub fn statuses(&self) -> Vec<Option<ProcStatus>> {
        self.nodes.iter().map(Node::status).collect()
    }

    /// The servers' memory and threads added up, when every one's is known.
    pub fn status(&self) -> Option<ProcStatus> {
        self.statuses()
            .into_iter()
            .try_fold(ProcStatus::default(), |sum, st| {
                let st = st?;
                Some(ProcStatus {
                    rss_kb: sum.rss_kb + st.rss_kb,
                    hwm_kb: sum.hwm_kb + st.hwm_kb,
                    threads: sum.threads + st.threads,
                })
            })
    }
}

impl Node {
    /// The server's memory and threads now, when its PID is known and readable.
    pub fn status(&self) -> Option<ProcStatus> {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid?)).ok()?;
        // A zombie (a server that died and was not reaped yet) has no memory to report.
        let zombie = text
            .lines()
            .any(|l| l.starts_with("State:") && l.contains('Z'));
        (!zombie).then(|| parse_status(&text))
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(data) = &self.data {
            let _ = std::fs::remove_dir_all(data);
        }
    }
}

/// A fresh scratch directory (`what`: whose) in the temp dir.
pub fn scratch_dir(what: &str) -> PathBuf {
    static RUN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("chat-bench-{what}-{}-{n}", std::process::id()))
}

fn server_path(common: &Common) -> Result<PathBuf, BenchError> {
    match &common.server_bin {
        Some(p) => Ok(p.into()),
        None => Ok(std::env::current_exe()?.with_file_name("server")),
    }
}

/// Starts a server; `cluster`: the NATS URL and node name it joins with.
fn spawn(
    common: &Common,
    extra: &[String],
    cluster: Option<(&str, &str)>,
) -> Result<Node, BenchError> {
    let path = server_path(common)?;
    let mut cmd = Command::new(&path);
    // Its memory on a real file, as by default.
    let data = scratch_dir("data");
    let json = common.protocol == crate::cli::Protocol::Json;
    cmd.args(["--bind", "127.0.0.1", "--port", "0", "--json-port", "0"])
        .args(json.then_some("--json-any-port"))
        .args(["--web-port", "0", "--rate-limit", "0", "--data"])
        .arg(&data);
    if let Some((url, node)) = cluster {
        cmd.args(["--nats", url, "--node", node]);
    }
    cmd.args(extra)
        .args(&common.server_arg)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if common.server_stderr {
            Stdio::inherit()
        } else {
            Stdio::null()
        });
    let mut child = cmd.spawn().map_err(|source| BenchError::Spawn {
        path: path.display().to_string(),
        source,
    })?;
    let pid = child.id();
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        return Err(BenchError::NoListenLine("no stdout".into()));
    };
    // Guard first, so that every error path below kills the child.
    let mut node = Node {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        json_addr: None,
        pid: Some(pid),
        child: Some(child),
        data: Some(data),
    };
    let lines = lines_then_drain(stdout)?;
    let line = lines.recv_timeout(START_TIMEOUT).map_err(|_| {
        let status = node
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        BenchError::NoListenLine(match status {
            Some(status) => format!("it exited ({status}); rerun with --server-stderr"),
            None => format!("nothing within {START_TIMEOUT:?}"),
        })
    })?;
    node.addr =
        parse_listen_line(&line).ok_or_else(|| BenchError::NoListenLine(format!("{line:?}")))?;
    if json {
        // The server prints it right after the first.
        let line = lines.recv_timeout(START_TIMEOUT).unwrap_or_default();
        node.json_addr = line.strip_prefix("json ").and_then(parse_listen_line);
        if node.json_addr.is_none() {
            return Err(BenchError::NoListenLine(format!("{line:?}")));
        }
    }
    Ok(node)
}

/// Reads the first lines of `out` on a thread (the ports) and keeps draining the rest, so a
/// chatty server never blocks on a full pipe.
fn lines_then_drain(out: impl Read + Send + 'static) -> Result<mpsc::Receiver<String>, BenchError> {
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("server-stdout".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut reader = BufReader::new(out);
            for _ in 0..2 {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let _ = tx.send(line);
            }
            drop(tx);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        })
        .map_err(BenchError::Thread)?;
    Ok(rx)
}

/// `listening on 127.0.0.1:PORT` → the address; anything else → `None`.
pub fn parse_listen_line(line: &str) -> Option<SocketAddr> {
    line.trim()
        .strip_prefix("listening on")?
        .trim()
        .parse()
        .ok()
}

/// Resident memory and threads of a process, from `/proc/PID/status`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProcStatus {
    /// Resident set size now, KiB (`VmRSS`).
    pub rss_kb: u64,
    /// Peak resident set size, KiB (`VmHWM`).
    pub hwm_kb: u64,
    pub threads: u64,
}

/// Reads `VmRSS`, `VmHWM` and `Threads`; missing fields stay 0.
pub fn parse_status(text: &str) -> ProcStatus {
    let mut st = ProcStatus::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let number = value.split_whitespace().next().and_then(|v| v.parse().ok());
        let slot = match key {
            "VmRSS" => &mut st.rss_kb,
            "VmHWM" => &mut st.hwm_kb,
            "Threads" => &mut st.threads,
            _ => continue,
        };
        *slot = number.unwrap_or(0);
    }
    st
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_line_parses_with_or_without_newline() {
        let want: SocketAddr = "127.0.0.1:4567".parse().unwrap_or_else(|_| unreachable!());
        assert_eq!(
            parse_listen_line("listening on 127.0.0.1:4567\n"),
            Some(want)
        );
        assert_eq!(parse_listen_line("listening on 127.0.0.1:4567"), Some(want));
        assert_eq!(parse_listen_line("listening on nowhere"), None);
        assert_eq!(parse_listen_line("hello"), None);
    }

    #[test]
    fn status_fields_are_read() {
        let text = "Name:\tserver\nVmHWM:\t   12345 kB\nVmRSS:\t    2048 kB\nThreads:\t17\n";
        let st = parse_status(text);
        assert_eq!(
            st,
            ProcStatus {
                rss_kb: 2048,
                hwm_kb: 12345,
                threads: 17
            }
        );
        assert_eq!(parse_status("garbage"), ProcStatus::default());
    }

    #[test]
    fn own_process_status_is_readable() {
        let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let st = parse_status(&text);
        assert!(st.rss_kb > 0 && st.threads >= 1, "{st:?}");
    }
}
