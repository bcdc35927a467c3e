//! The server under test: one given with `--server`, or one we start with `--spawn` (on a
//! free loopback port, read from its `listening on HOST:PORT` line, killed when dropped),
//! and what /proc says about its memory and threads when it runs on this machine.

use crate::cli::Common;
use crate::error::BenchError;
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long a spawned server may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the server is, and how we got it.
pub struct Target {
    pub addr: SocketAddr,
    /// Where a spawned server's JSON protocol listens (`--protocol json` only).
    pub json_addr: Option<SocketAddr>,
    pub pid: Option<u32>,
    /// The server we spawned (`None`: given with `--server`).
    child: Option<Child>,
    /// The data directory we gave it, removed when it is gone.
    data: Option<std::path::PathBuf>,
}

/// What the report says about the server of one run.
#[derive(Clone, Debug, Serialize)]
pub struct ServerInfo {
    pub addr: String,
    pub spawned: bool,
    pub pid: Option<u32>,
}

impl Target {
    /// Resolves `--server`, or spawns a server with `extra` arguments and the user's
    /// `--server-arg`s.
    pub fn start(common: &Common, extra: &[String]) -> Result<Target, BenchError> {
        if let Some(server) = &common.server {
            let addr = server
                .to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| BenchError::BadAddress(server.clone()))?;
            return Ok(Target {
                addr,
                json_addr: None,
                pid: common.server_pid,
                child: None,
                data: None,
            });
        }
        spawn(common, extra)
    }

    pub fn info(&self) -> ServerInfo {
        ServerInfo {
            addr: self.addr.to_string(),
            spawned: self.child.is_some(),
            pid: self.pid,
        }
    }

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

impl Drop for Target {
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

/// A fresh data directory for a spawned server: its memory on a real file, as by default.
fn scratch_dir() -> std::path::PathBuf {
    static RUN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("chat-bench-{}-{n}", std::process::id()))
}

fn server_path(common: &Common) -> Result<std::path::PathBuf, BenchError> {
    match &common.server_bin {
        Some(p) => Ok(p.into()),
        None => Ok(std::env::current_exe()?.with_file_name("server")),
    }
}

fn spawn(common: &Common, extra: &[String]) -> Result<Target, BenchError> {
    let path = server_path(common)?;
    let mut cmd = Command::new(&path);
    let data = scratch_dir();
    let json = common.protocol == crate::cli::Protocol::Json;
    cmd.args(["--bind", "127.0.0.1", "--port", "0", "--json-port", "0"])
        .args(json.then_some("--json-any-port"))
        .args(["--web-port", "0", "--rate-limit", "0", "--data"])
        .arg(&data)
        .args(extra)
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
    let mut target = Target {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        json_addr: None,
        pid: Some(pid),
        child: Some(child),
        data: Some(data),
    };
    let lines = lines_then_drain(stdout)?;
    let line = lines.recv_timeout(START_TIMEOUT).map_err(|_| {
        let status = target
            .child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten());
        BenchError::NoListenLine(match status {
            Some(status) => format!("it exited ({status}); rerun with --server-stderr"),
            None => format!("nothing within {START_TIMEOUT:?}"),
        })
    })?;
    target.addr =
        parse_listen_line(&line).ok_or_else(|| BenchError::NoListenLine(format!("{line:?}")))?;
    if json {
        // The server prints it right after the first.
        let line = lines.recv_timeout(START_TIMEOUT).unwrap_or_default();
        target.json_addr = line.strip_prefix("json ").and_then(parse_listen_line);
        if target.json_addr.is_none() {
            return Err(BenchError::NoListenLine(format!("{line:?}")));
        }
    }
    Ok(target)
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
