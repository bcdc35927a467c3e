//! What every server check stands on: the run's settings ([`Target`]), a per-check context
//! that names users uniquely and opens sockets, and [`User`], two registered sockets with the
//! exact exchanges of Part 1 as methods.

use crate::conformance::exact;
use crate::conformance::peer::Peer;
use crate::conformance::{Failure, Verdict};
use crate::wire::codes::ErrorCode;
use crate::wire::{Command, Role, DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER};
use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The server under test and what it promises.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: SocketAddr,
    /// How long any reply may take when nothing is waiting on a timeout.
    pub reply_timeout: Duration,
    /// The server's acknowledgement timeout: a silent recipient must fail the sender by then.
    pub ack_timeout: Duration,
    /// The server's idle timeout for connections that never register.
    pub idle_timeout: Duration,
    /// The server's limit on the time a begun message may take to arrive.
    pub message_timeout: Duration,
    pub max_header: usize,
    pub max_body: usize,
    /// The success reply's word: `SENT` (Part 1) or `SEND` (the table's spelling).
    pub success: &'static str,
    /// The most messages one offline user's mailbox holds (Part 5, `--mailbox-size`).
    pub mailbox_size: usize,
}

impl Target {
    /// Our server's defaults, at `addr`.
    pub fn new(addr: SocketAddr) -> Target {
        Target {
            addr,
            reply_timeout: Duration::from_secs(5),
            ack_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            message_timeout: Duration::from_secs(30),
            max_header: DEFAULT_MAX_HEADER,
            max_body: DEFAULT_MAX_BODY,
            success: "SENT",
            mailbox_size: 100,
        }
    }

    /// How long to wait for something the server does when `timeout` runs out.
    pub fn after(&self, timeout: Duration) -> Duration {
        timeout + self.reply_timeout
    }
}

/// A tag unique to this run, so that names never clash with an earlier run's.
pub fn run_tag() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut n = (nanos as u64) ^ (u64::from(std::process::id()) << 20);
    let mut tag = String::new();
    for _ in 0..4 {
        let digit = (n % 36) as u32;
        tag.push(char::from_digit(digit, 36).unwrap_or('z'));
        n /= 36;
    }
    tag
}

/// One check's view of the run.
///
/// A name is never registered again after a socket that held it has closed: a correct server
/// may hold the name until it has read the close (Part 2 frees a name once both sockets are
/// gone, not at once). A check takes a fresh name for each socket ([`Ctx::fresh_name`]), or
/// waits until the server lets go (`names.free-after-leaving`, [`Ctx::await_names_free`]).
pub struct Ctx<'a> {
    pub target: &'a Target,
    tag: String,
    joined: Mutex<Vec<String>>,
    fresh: AtomicUsize,
}

impl<'a> Ctx<'a> {
    pub fn new(target: &'a Target, run_tag: &str, index: usize) -> Ctx<'a> {
        Ctx {
            target,
            tag: format!("{run_tag}{index:02}"),
            joined: Mutex::new(Vec::new()),
            fresh: AtomicUsize::new(0),
        }
    }

    /// A name no other check or run uses: `base` followed by the tag.
    pub fn name(&self, base: &str) -> String {
        format!("{base}{}", self.tag)
    }

    /// A name used nowhere else in the run, not even by this check: `base`, a number new
    /// with each call, then the tag (so `base` should not end in a digit).
    pub fn fresh_name(&self, base: &str) -> String {
        let n = self.fresh.fetch_add(1, Ordering::Relaxed);
        self.name(&format!("{base}{n}"))
    }

    pub fn reply(&self) -> Duration {
        self.target.reply_timeout
    }

    pub fn connect(&self, label: &str) -> Result<Peer, Failure> {
        Peer::connect(self.target.addr, label, self.reply())
    }

    /// The success reply to a send to `to`: `SENT to\n\n` (or `SEND to\n\n`).
    pub fn sent(&self, to: &str) -> Vec<u8> {
        exact::success(self.target.success, to)
    }

    /// A new user called `base` + tag, both sockets registered (TOSEND first), replies exact.
    pub fn join(&self, base: &str) -> Result<User, Failure> {
        let name = self.name(base);
        let tosend = self.register(&name, Role::ToSend)?;
        let torecv = self.register(&name, Role::ToRecv)?;
        Ok(User {
            name,
            tosend,
            torecv,
            reply: self.reply(),
        })
    }

    /// A new user from `base` (a fresh name) asking for the extensions `asked` on both
    /// `REGISTER`s (TOSEND first), each answered by the `REGISTERED` granting exactly them.
    pub fn join_asking(&self, base: &str, asked: &str) -> Result<User, Verdict> {
        let name = self.fresh_name(base);
        let tosend = self.register_asking(&name, Role::ToSend, asked)?;
        let torecv = self.register_asking(&name, Role::ToRecv, asked)?;
        Ok(User::from_parts(name, tosend, torecv, self))
    }

    /// A socket registered as `role` for `name`, asking for `asked` and granted exactly it.
    pub fn register_asking(&self, name: &str, role: Role, asked: &str) -> Result<Peer, Verdict> {
        let mut peer = self.connect(&format!("{name} {}", role.as_str()))?;
        peer.send(&exact::register_with(role, name, Some(asked), None))?;
        self.expect_granted(&mut peer, role, name, asked, asked)?;
        Ok(peer)
    }

    /// Expects `REGISTERED <role> <name>` naming exactly `granted` (what a server that has it
    /// all grants to a `REGISTER` asking for `asked`). A `REGISTERED` that lacks any of
    /// `granted` is a skip, saying what was granted (the server does not have what the check
    /// tests); anything else is a failure.
    pub fn expect_granted(
        &self,
        peer: &mut Peer,
        role: Role,
        name: &str,
        asked: &str,
        granted: &str,
    ) -> Result<(), Verdict> {
        let want = exact::registered_with(role, name, granted);
        let (msg, bytes) = peer.next_message(self.reply())?;
        if bytes == want {
            return Ok(());
        }
        let got = msg.header("Extensions").unwrap_or_default().to_string();
        let has = |ext: &str| {
            got.split([',', ' ', '\t'])
                .any(|g| g.eq_ignore_ascii_case(ext))
        };
        let missing: Vec<&str> = granted.split(", ").filter(|ext| !has(ext)).collect();
        let registered = matches!(&msg.command, Command::Registered { name: n, .. } if n == name);
        if registered && !missing.is_empty() {
            return Err(Verdict::Skip(format!(
                "the server does not grant {} (asked `Extensions: {asked}`, granted `{got}`)",
                missing.join(", ")
            )));
        }
        let what = format!(
            "{}: not the REGISTERED granting what was asked",
            peer.label()
        );
        Err(Failure::bytes(what, &want, &bytes).into())
    }

    /// Alice and bob, alice's `body` forwarded to bob and not acknowledged yet.
    pub fn outstanding(&self, body: &[u8]) -> Result<(User, User), Failure> {
        let mut alice = self.join("alice")?;
        let mut bob = self.join("bob")?;
        let to = bob.name.clone();
        alice.send(&to, body)?;
        bob.expect_forward(&alice.name, body)?;
        Ok((alice, bob))
    }

    /// A socket registered as `role` for `name`, the reply checked byte for byte.
    pub fn register(&self, name: &str, role: Role) -> Result<Peer, Failure> {
        let mut peer = self.connect(&format!("{name} {}", role.as_str()))?;
        peer.send(&exact::register(role, name))?;
        self.expect_registered(&mut peer, role, name)?;
        Ok(peer)
    }

    /// Expects the exact `REGISTERED <role> <name>` on `peer` (whose `REGISTER` the check
    /// wrote its own way), and notes the name as [`Ctx::joined`] does.
    pub fn expect_registered(
        &self,
        peer: &mut Peer,
        role: Role,
        name: &str,
    ) -> Result<(), Failure> {
        peer.expect(&exact::registered(role, name), self.reply())?;
        self.joined(name);
        Ok(())
    }

    /// Notes a name registered by hand, so the run waits for it to be free after a broadcast
    /// check.
    pub fn joined(&self, name: &str) {
        self.joined.lock().push(name.to_string());
    }

    /// Waits (at most a reply timeout each) until the server lets go of every name this check
    /// registered: a later check's broadcast must not meet them. The probe registers only a
    /// TOSEND socket, which is no broadcast recipient, and closes it.
    pub fn await_names_free(&self) {
        let names = std::mem::take(&mut *self.joined.lock());
        let deadline = Instant::now() + self.reply();
        for name in names {
            while Instant::now() < deadline {
                let Ok(mut peer) = self.connect("probe") else {
                    return;
                };
                let register = exact::register(Role::ToSend, &name);
                let free = exact::registered(Role::ToSend, &name);
                if peer.send(&register).is_ok() && peer.expect(&free, self.reply()).is_ok() {
                    break;
                }
                thread::sleep(Duration::from_millis(5));
            }
        }
    }
}

/// A registered user: both sockets, and the exchanges of Part 1.
pub struct User {
    pub name: String,
    // TORECV first: dropped first, so the server sees the user go before its name is free.
    pub torecv: Peer,
    pub tosend: Peer,
    reply: Duration,
}

impl User {
    /// A user from sockets already registered as `name`.
    pub fn from_parts(name: String, tosend: Peer, torecv: Peer, ctx: &Ctx) -> User {
        User {
            name,
            tosend,
            torecv,
            reply: ctx.reply(),
        }
    }

    /// Sends `body` to `to` on TOSEND (one write).
    pub fn send(&mut self, to: &str, body: &[u8]) -> Result<(), Failure> {
        self.tosend.send(&exact::send(to, body))
    }

    /// Expects the byte-exact forward of `body` from `from` on TORECV.
    pub fn expect_forward(&mut self, from: &str, body: &[u8]) -> Result<(), Failure> {
        self.torecv.expect(&exact::forward(from, body), self.reply)
    }

    /// Acknowledges a forward from `from` on TORECV.
    pub fn ack(&mut self, from: &str) -> Result<(), Failure> {
        self.torecv.send(&exact::received(from))
    }

    /// Expects the success reply for a send to `to` (`SENT to`, or `SEND to` when so set).
    pub fn expect_sent(&mut self, ctx: &Ctx, to: &str) -> Result<(), Failure> {
        self.tosend.expect(&ctx.sent(to), self.reply)
    }

    /// Expects the exact `ERROR` reply with `code` on TOSEND within `within`.
    pub fn expect_error(&mut self, code: ErrorCode, within: Duration) -> Result<(), Failure> {
        self.tosend.expect(&exact::error(code), within)
    }

    /// Expects `ERROR 102` for a send no one can receive, within a reply timeout.
    pub fn expect_unable(&mut self) -> Result<(), Failure> {
        self.expect_error(ErrorCode::UnableToSend, self.reply)
    }

    /// A whole delivery: `self` sends `body` to `to`, `to` gets it exactly and acknowledges,
    /// and `self` gets the success reply.
    pub fn deliver(&mut self, ctx: &Ctx, to: &mut User, body: &[u8]) -> Result<(), Failure> {
        let name = to.name.clone();
        self.send(&name, body)?;
        to.expect_forward(&self.name, body)?;
        to.ack(&self.name)?;
        self.expect_sent(ctx, &name)
    }

    /// A delivery to oneself.
    pub fn deliver_to_self(&mut self, ctx: &Ctx, body: &[u8]) -> Result<(), Failure> {
        let name = self.name.clone();
        self.send(&name, body)?;
        self.expect_forward(&name, body)?;
        self.ack(&name)?;
        self.expect_sent(ctx, &name)
    }

    /// Closes both sockets.
    pub fn leave(self) {
        self.torecv.close();
        self.tosend.close();
    }
}
