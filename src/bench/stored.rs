//! The `stored` scenario: how many messages per second the server commits for users who are
//! offline (docs/PROTOCOL.md Part 5, `offline`).
//!
//! Setup, not measured: R recipients each register (asking for `auth` and `quit`), claim
//! their name with `PASSWORD` and leave with `QUIT`; C senders register asking for
//! `offline`. Then each sender sends its messages to the recipients in turn, one at a time,
//! each timed until its `STORED <name>` (which the server writes only once the message is
//! committed to disk). The mailboxes must hold everything: [`mailbox_size`] is what a spawned
//! server is given.

use crate::cli::StoredArgs;
use crate::client::expect_reply;
use crate::error::{BenchError, OpError};
use crate::fleet::Dial;
use crate::net::{for_each_name, register_asking, Registered};
use crate::progress::Progress;
use crate::report::{Details, StoredInfo};
use crate::runner::{closed_loop, Plan, Probe};
use crate::scenarios::body;
use crate::stats::{ErrorCounts, Summary};
use chat::net::conn::Conn;
use chat::wire::ext::ExtMsg;
use chat::wire::{Command, Message};
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// What the senders ask for.
const SENDER_EXTENSIONS: &str = "offline";
/// What the recipients ask for: a password of their own, and leaving in order.
const RECIPIENT_EXTENSIONS: &str = "auth, quit";

/// The mailbox size a server needs for `args`: each sender spreads its messages (warm-up
/// included) evenly over the recipients.
pub fn mailbox_size(args: &StoredArgs) -> u64 {
    let per_sender = args.messages + args.warmup;
    let recipients = args.recipients.max(1) as u64;
    args.clients as u64 * per_sender.div_ceil(recipients)
}

/// A tag for this process's names: a claimed name stays claimed on a server with a disk, so
/// names must differ from one `bench` to the next, not only from one run to the next.
fn tag() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{:x}{:x}", std::process::id(), nanos % 0xfff)
}

/// One recipient's password.
fn password(name: &str) -> String {
    format!("pw{name}")
}

/// Registers `name`, claims it and leaves: what makes it a claimed name that is offline.
fn claim(addr: SocketAddr, name: &str, timeout: Duration) -> Result<(), OpError> {
    let Registered { mut send, recv, .. } =
        register_asking(addr, name, Some(RECIPIENT_EXTENSIONS), timeout)?;
    let pw = password(name);
    let claim = Message::with_body(Command::other("PASSWORD", ""), pw.into_bytes());
    send.write_msg(&claim)?;
    expect_reply(&mut send, |m| {
        ExtMsg::from_message(m) == Some(ExtMsg::PasswordSet)
    })?;
    send.write_msg(&Message::new(Command::other("QUIT", "")))?;
    expect_reply(&mut send, |m| ExtMsg::from_message(m) == Some(ExtMsg::Bye))?;
    for conn in [&send, &recv] {
        let _ = conn.stream().shutdown(Shutdown::Both);
    }
    Ok(())
}

/// A sender: a SEND to each recipient in turn, each answered `STORED`.
struct StoredSender {
    conn: Conn,
    recipients: Arc<Vec<String>>,
    next: usize,
    msg: Message,
    frame: Vec<u8>,
}

impl Probe for StoredSender {
    fn once(&mut self) -> Result<(), OpError> {
        let to = self.recipients.get(self.next).cloned().unwrap_or_default();
        self.next = (self.next + 1) % self.recipients.len().max(1);
        self.msg.command = Command::Send { to };
        self.frame.clear();
        self.msg.encode(&mut self.frame);
        (&**self.conn.stream()).write_all(&self.frame)?;
        expect_reply(&mut self.conn, |m| {
            matches!(ExtMsg::from_message(m), Some(ExtMsg::Stored { .. }))
        })
    }
}

/// Runs the scenario once; `run` makes its names unique.
pub fn stored(dial: &Dial, args: &StoredArgs, run: u32) -> Result<(Summary, Details), BenchError> {
    if args.recipients == 0 {
        return Err(BenchError::Usage(
            "stored needs at least one recipient".into(),
        ));
    }
    let tag = tag();
    let names: Vec<String> = (0..args.recipients)
        .map(|i| format!("s{tag}r{run}n{i}"))
        .collect();
    let setup = Progress::new(dial.progress, "claim", names.len() as u64);
    let claimed = for_each_name(&names, dial.workers, &setup, "claim", |_, name| {
        claim(dial.addr(0), name, dial.timeout).map(|()| name.to_string())
    })?;
    setup.finish();
    if claimed.ok.is_empty() {
        let why = claimed
            .errors
            .0
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        return Err(BenchError::NobodyRegistered(why));
    }
    let senders: Vec<String> = (0..args.clients.max(1))
        .map(|i| format!("s{tag}c{run}n{i}"))
        .collect();
    let reg = Progress::new(dial.progress, "register", senders.len() as u64);
    let registered = for_each_name(&senders, dial.workers, &reg, "register", |_, name| {
        register_asking(dial.addr(0), name, Some(SENDER_EXTENSIONS), dial.timeout)
    })?;
    reg.finish();
    let mut errors = ErrorCounts::default();
    errors.merge(&claimed.errors);
    errors.merge(&registered.errors);
    let setup_seconds = claimed.seconds + registered.seconds;
    let recipients = Arc::new(claimed.ok);
    let body = body(args.size);
    let mut held: Vec<Arc<TcpStream>> = Vec::new();
    let probes: Vec<StoredSender> = registered
        .ok
        .into_iter()
        .enumerate()
        .map(|(i, Registered { send, recv, .. })| {
            // The receiving socket gets nothing here; it is held open so the sender stays on.
            held.extend([send.stream().clone(), recv.stream().clone()]);
            StoredSender {
                conn: send,
                next: i % recipients.len(),
                recipients: recipients.clone(),
                msg: Message::with_body(Command::Send { to: String::new() }, body.clone()),
                frame: Vec::new(),
            }
        })
        .collect();
    let n_senders = probes.len();
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let progress = Progress::new(dial.progress, "stored", plan.messages * n_senders as u64);
    let outcome = closed_loop(probes, plan, &progress);
    progress.finish();
    for socket in &held {
        let _ = socket.shutdown(Shutdown::Both);
    }
    let out = outcome?;
    errors.merge(&out.errors);
    let planned = args.messages * args.clients.max(1) as u64;
    let summary = Summary::new(&out.rec, planned, errors, out.elapsed);
    let info = StoredInfo {
        recipients: recipients.len(),
        senders: n_senders,
        setup_seconds,
        mailbox_needed: mailbox_size(args),
    };
    Ok((summary, Details::Stored(info)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes_hold_every_message_of_every_sender() {
        let args = StoredArgs {
            recipients: 3,
            clients: 4,
            messages: 10,
            size: 64,
            warmup: 2,
        };
        // 12 messages per sender over 3 recipients: 4 each, from each of 4 senders.
        assert_eq!(mailbox_size(&args), 16);
        let one = StoredArgs {
            recipients: 5,
            clients: 1,
            messages: 1,
            warmup: 0,
            ..args
        };
        assert_eq!(mailbox_size(&one), 1);
    }

    #[test]
    fn names_are_protocol_names() {
        let name = format!("s{}r{}n{}", tag(), u32::MAX, 99_999);
        assert!(chat::wire::is_valid_username(&name), "{name}");
    }
}
