//! What every JSON check stands on: the run's settings ([`Target`]) and a per-check context
//! ([`Ctx`]) that makes nicks, opens connections, and joins users with the exact exchanges of
//! seed 003.
//!
//! Every connection gets a nick of its own, never used before in the run: a server may hold a
//! nick until it has read the close of the connection that had it, so a check that said hello
//! as `alice` again right after closing `alice` could fail a correct server.

use super::conn::Conn;
use super::exact;
use crate::conformance::{Failure, Profile};
use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The JSON server under test and what it promises.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// How long any packet may take when nothing is waiting on a timeout.
    pub reply_timeout: Duration,
    /// The server's timeout for a connection that never says hello.
    pub idle_timeout: Duration,
    /// The server's limit on the time a begun packet may take to arrive.
    pub message_timeout: Duration,
    /// The largest payload the server takes, in bytes (two bytes say at most 65,535).
    pub max_body: usize,
    /// `Original`: a server written to seed 003 alone; our Part 4 checks are skipped, and
    /// packets are judged as JSON rather than byte for byte.
    pub profile: Profile,
}

impl Target {
    /// Our server's defaults, at `addr`.
    pub fn new(addr: SocketAddr) -> Target {
        Target {
            addr,
            reply_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            message_timeout: Duration::from_secs(30),
            max_body: usize::from(u16::MAX),
            profile: Profile::Full,
        }
    }

    /// How long to wait for something the server does when `timeout` runs out.
    pub fn after(&self, timeout: Duration) -> Duration {
        timeout + self.reply_timeout
    }

    /// Whether packets are judged byte for byte.
    pub fn exact(&self) -> bool {
        self.profile == Profile::Full
    }

    /// The largest payload a packet may carry: `--max-body`, and never more than 65,535.
    pub fn max_payload(&self) -> usize {
        self.max_body.min(usize::from(u16::MAX))
    }
}

/// One check's view of the run.
pub struct Ctx<'a> {
    pub target: &'a Target,
    tag: String,
    fresh: AtomicUsize,
    nicks: Mutex<Vec<String>>,
}

impl<'a> Ctx<'a> {
    pub fn new(target: &'a Target, run_tag: &str, index: usize) -> Ctx<'a> {
        Ctx {
            target,
            tag: format!("{run_tag}{index:02}"),
            fresh: AtomicUsize::new(0),
            nicks: Mutex::new(Vec::new()),
        }
    }

    /// What every nick of this check ends in.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// A nick never used before in the run: `base`, a number new with each call, the tag.
    pub fn nick(&self, base: &str) -> String {
        let n = self.fresh.fetch_add(1, Ordering::Relaxed);
        let nick = format!("{base}{n}{}", self.tag);
        self.nicks.lock().push(nick.clone());
        nick
    }

    pub fn reply(&self) -> Duration {
        self.target.reply_timeout
    }

    /// A new connection, labelled `label` in reports until it says hello.
    pub fn connect(&self, label: &str) -> Result<Conn, Failure> {
        let exact = self.target.exact();
        Conn::connect(self.target.addr, label, &self.tag, exact, self.reply())
    }

    /// A connection for a new nick from `base`, hello not said yet.
    pub fn conn_for(&self, base: &str) -> Result<(Conn, String), Failure> {
        let nick = self.nick(base);
        let mut conn = self.connect(&nick)?;
        conn.hello_as(&nick);
        Ok((conn, nick))
    }

    /// A user joined with a plain hello: it gets its own `join`, and so does each of
    /// `others`.
    pub fn join(&self, base: &str, others: &mut [&mut Conn]) -> Result<(Conn, String), Failure> {
        let (mut conn, nick) = self.conn_for(base)?;
        conn.send_packet(&exact::hello(&nick))?;
        conn.expect(&exact::join(&nick), self.reply())?;
        self.seen_joining(&nick, others)?;
        Ok((conn, nick))
    }

    /// A user joined asking for the extensions `asked` (a JSON array): it gets `welcome`
    /// granting `granted` (a JSON array), then its own `join`; each of `others` gets the join.
    pub fn join_asking(
        &self,
        base: &str,
        asked: &str,
        granted: &str,
        others: &mut [&mut Conn],
    ) -> Result<(Conn, String), Failure> {
        let (mut conn, nick) = self.conn_for(base)?;
        conn.send_packet(&exact::hello_asking(&nick, asked))?;
        conn.expect(&exact::welcome(&nick, granted), self.reply())?;
        conn.expect(&exact::join(&nick), self.reply())?;
        self.seen_joining(&nick, others)?;
        Ok((conn, nick))
    }

    /// Each of `others` gets `join` of `nick` next.
    pub fn seen_joining(&self, nick: &str, others: &mut [&mut Conn]) -> Result<(), Failure> {
        for other in others {
            other.expect(&exact::join(nick), self.reply())?;
        }
        Ok(())
    }

    /// `from` (whose nick is `nick`) says `message`: it gets its echo, each of `others` the
    /// chat.
    pub fn chat(
        &self,
        from: &mut Conn,
        nick: &str,
        message: &str,
        others: &mut [&mut Conn],
    ) -> Result<(), Failure> {
        from.send_packet(&exact::chat(message))?;
        let said = exact::said(nick, message);
        from.expect(&said, self.reply())?;
        for other in others {
            other.expect(&said, self.reply())?;
        }
        Ok(())
    }

    /// Waits (at most a reply timeout in all) until the server lets go of every nick this
    /// check used, so that the next check alone meets none of them. The probe says hello as
    /// the nick and closes once it has its own join.
    pub fn await_nicks_free(&self) {
        let nicks = std::mem::take(&mut *self.nicks.lock());
        let deadline = Instant::now() + self.reply();
        for nick in nicks {
            while Instant::now() < deadline {
                let Ok(mut probe) = self.connect("probe") else {
                    return;
                };
                probe.hello_as(&nick);
                let free = probe.send_packet(&exact::hello(&nick)).is_ok()
                    && probe.expect(&exact::join(&nick), self.reply()).is_ok();
                probe.close();
                if free {
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
}
