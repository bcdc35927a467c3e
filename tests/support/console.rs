//! The real server with its operator console on a pipe, as an operator would drive it.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver};

/// The server process; killed on drop so a failing test leaves nothing behind.
pub struct Proc {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    pub addr: SocketAddr,
}

impl Proc {
    pub fn start() -> Proc {
        Proc::start_with(&[])
    }

    /// The server with `args` besides.
    pub fn start_with(args: &[&str]) -> Proc {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(super::LOOPBACK_ANY_PORT)
            .arg("--no-store")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(super::PATIENCE).unwrap();
        let addr = first
            .strip_prefix("listening on ")
            .unwrap()
            .parse()
            .unwrap();
        Proc {
            stdin: child.stdin.take(),
            child,
            lines,
            addr,
        }
    }

    pub fn type_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    pub fn expect_line(&self, want: &str) {
        let got = self.lines.recv_timeout(super::PATIENCE).unwrap();
        assert_eq!(got, want);
    }

    pub fn next_line(&self) -> String {
        self.lines.recv_timeout(super::PATIENCE).unwrap()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
