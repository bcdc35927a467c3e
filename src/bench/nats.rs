//! The `nats-server` of a spawned cluster (`--spawn --nodes N`): JetStream on (`-js`: the
//! nodes keep the cluster's names in its key-value store), on a free loopback port below the
//! kernel's ephemeral range (so that none of the thousands of client sockets can hold it),
//! its store in a temp dir; killed and its store removed when dropped.

use crate::error::BenchError;
use crate::target::{scratch_dir, START_TIMEOUT};
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where its port is looked for: below 32768, where Linux's ephemeral ports start.
const PORTS: std::ops::Range<u16> = 20_000..32_000;

pub struct Nats {
    port: u16,
    dir: PathBuf,
    child: Child,
}

/// Debian installs it in /usr/sbin, which a user's PATH may lack.
fn program(given: Option<&str>) -> String {
    if let Some(path) = given {
        return path.to_string();
    }
    ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("nats-server")
        .to_string()
}

/// A port of [`PORTS`] nothing listens on now, tried from a place that depends on our PID
/// (two benches at once rarely try the same ones).
fn free_port() -> Result<u16, BenchError> {
    let span = PORTS.end - PORTS.start;
    let first = (std::process::id() % u32::from(span)) as u16;
    (0..span)
        .map(|k| PORTS.start + (first + k) % span)
        .find(|&port| TcpListener::bind(("127.0.0.1", port)).is_ok())
        .ok_or_else(|| BenchError::Nats(format!("no free port in {PORTS:?}")))
}

impl Nats {
    /// Starts one and waits until it greets a client; its log goes to `nats.log` in its
    /// directory, or to our stderr when `show_log`.
    pub fn start(bin: Option<&str>, show_log: bool) -> Result<Nats, BenchError> {
        let dir = scratch_dir("nats");
        std::fs::create_dir_all(&dir)?;
        let log = match show_log {
            true => Stdio::inherit(),
            false => std::fs::File::create(dir.join("nats.log"))?.into(),
        };
        let port = free_port()?;
        let path = program(bin);
        let child = Command::new(&path)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(dir.join("js"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .map_err(|source| BenchError::Spawn { path, source })?;
        let mut nats = Nats { port, dir, child };
        nats.wait_ready()?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Waits for its `INFO` greeting, or says why it never came.
    fn wait_ready(&mut self) -> Result<(), BenchError> {
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(BenchError::Nats(format!(
                    "it exited ({status}); rerun with --server-stderr"
                )));
            }
            if let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(BenchError::Nats(format!(
            "no greeting on port {} within {START_TIMEOUT:?}",
            self.port
        )))
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
