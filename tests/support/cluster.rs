//! Clusters for the tests: a real `nats-server` (Debian's package, JetStream on, its store in
//! the test's own folder) on a free port, and real `server` binaries joined to it as nodes.
//! Everything is killed when dropped.

use super::reliability::RealServer;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

/// A `nats-server` of the test's own.
pub struct Nats {
    pub port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// A port below the kernel's ephemeral range that nothing listens on now.
fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 500) as u16 * 20;
    loop {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 10_000;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

impl Nats {
    /// Starts one, and waits until it takes connections.
    pub fn start(name: &str) -> Nats {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("nats-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("nats store folder");
        let mut nats = Nats {
            port: free_port(),
            dir,
            child: None,
        };
        nats.run();
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    fn run(&mut self) {
        let log = std::fs::File::create(self.dir.join("nats.log")).expect("nats log");
        // Debian puts it in /usr/sbin, which a user's PATH may lack.
        let program = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|p| std::path::Path::new(p).exists())
            .unwrap_or("nats-server");
        let child = Command::new(program)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.dir.join("js"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("nats-server (Debian package nats-server; scripts/test installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut line = String::new();
                s.set_read_timeout(Some(Duration::from_secs(2))).ok();
                if BufReader::new(s).read_line(&mut line).is_ok() && line.starts_with("INFO") {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "nats-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills it (`kill -9`).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again after [`Nats::kill`], on the same port with the same store.
    pub fn start_again(&mut self) {
        self.run();
    }

    /// Kills it and starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.kill();
        self.run();
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A `server` binary joined to `nats` as node `name`, with a JSON port.
pub struct Node {
    pub server: RealServer,
    pub json: SocketAddr,
}

impl Node {
    pub fn start(nats: &Nats, name: &str, args: &[&str]) -> Node {
        Node::run(nats, name, None, args)
    }

    /// A node that remembers, in its own folder.
    pub fn start_with_data(nats: &Nats, name: &str, args: &[&str]) -> Node {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("node-{name}-data"));
        let _ = std::fs::remove_dir_all(&dir);
        Node::run(nats, name, Some(dir), args)
    }

    fn run(nats: &Nats, name: &str, data: Option<PathBuf>, args: &[&str]) -> Node {
        let url = nats.url();
        let mut all = vec![
            "--json-any-port",
            "--no-console",
            "--nats",
            &url,
            "--node",
            name,
        ];
        all.extend_from_slice(args);
        let log = format!("node-{name}");
        let mut server = match data {
            Some(dir) => RealServer::start_with_data(&log, &dir, &all),
            None => RealServer::start(&log, &all),
        };
        let json = server.next_addr("json listening on ");
        Node { server, json }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr
    }
}

/// Three nodes on one NATS, a short ack timeout.
pub fn three(nats: &Nats, args: &[&str]) -> [Node; 3] {
    ["n1", "n2", "n3"].map(|n| Node::start(nats, n, args))
}
