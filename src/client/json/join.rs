//! Joining a chat of the JSON protocol: connect, say hello asking for the extensions, and
//! wait for our own `join`. A `welcome` before it names what was granted; without one the
//! server is one of the seed's, and grants nothing.
//!
//! ```text
//! C→S  {"type":"hello","nick":"pat","extensions":["dm","emote","users","events"]}
//! S→C  {"type":"welcome","nick":"pat","extensions":["dm","emote","users","events"]}   (ours)
//! S→C  {"type":"join","nick":"pat"}
//! ```
//!
//! A `bad-nick` or `nick-taken` error asks for another name (the server closes the
//! connection, so the next try connects again); any other error, a close, or silence for
//! the reply timeout is a failure to join. What other users say before our own `join` was
//! said before we were in the chat, and is dropped.
//!
//! A claimed nick (Part 5, `auth`) needs its password in the hello
//! (`{"type":"hello","nick":"pat","extensions":[…],"password":"…"}`). Since the hello asks
//! for `auth`, a claimed nick without the right password gets `bad-password` rather than
//! `nick-taken`, and the connection stays open: the next hello, with the password the user
//! then gives, goes on the same connection ([`Held`]).

use super::conn::{JsonConn, ReadError, Writer};
use super::{Granted, ASKED};
use crate::addr::ServerAddr;
use crate::link::{Joined, SendError, Wire};
use crate::register::connect_one;
use crate::secret::Secret;
use crate::setup::{AttemptError, Options};
use crate::words::{Cause, Refusal};
use chat::wire::json::Packet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A connection whose hello was refused for its password: open, for the next hello.
pub struct Held {
    addr: ServerAddr,
    conn: JsonConn,
}

/// One try at joining as `name` (with `password`, for a claimed nick), on the connection in
/// `held` when it is to the same server; one refused for its password is put there.
pub fn attempt(
    addr: &ServerAddr,
    name: &str,
    password: Option<&Secret>,
    opts: &Options,
    held: &mut Option<Held>,
) -> Result<Joined, AttemptError> {
    let timeout = opts.reply_timeout;
    let mut conn = match held.take().filter(|h| h.addr == *addr) {
        Some(held) => held.conn,
        None => {
            let stream = Arc::new(connect_one(addr, opts)?);
            stream.set_write_timeout(Some(timeout))?;
            JsonConn::new(stream)
        }
    };
    let hello = Packet::Hello {
        nick: name.to_string(),
        extensions: Some(ASKED.map(String::from).to_vec()),
        password: password.map(|p| p.expose().to_string()),
    };
    match Writer::new(Arc::clone(conn.stream())).send(&hello) {
        Ok(()) => {}
        Err(SendError::TooLong) => return Err(AttemptError::NameMalformed(name.to_string())),
        Err(SendError::Io(e)) => return Err(e.into()),
    }
    let deadline = Instant::now() + timeout;
    conn.set_deadline(Some(deadline));
    let granted = await_join(&mut conn, name, password.is_some(), deadline, timeout);
    conn.set_deadline(None);
    let granted = match granted {
        Ok(granted) => granted,
        Err(e) if e.is_about_the_password() => {
            *held = Some(Held {
                addr: addr.clone(),
                conn,
            });
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    conn.stream().set_read_timeout(None)?;
    log::info!("joined as {name}; extensions: {granted:?}");
    Ok(Joined {
        name: name.to_string(),
        addr: addr.clone(),
        caps: granted.caps(),
        password: password.cloned(),
        wire: Wire::Json { conn, granted },
    })
}

/// Reads until our own `join` (returning what the `welcome` before it granted), or an
/// error, by `deadline`.
fn await_join(
    conn: &mut JsonConn,
    name: &str,
    with_password: bool,
    deadline: Instant,
    timeout: Duration,
) -> Result<Granted, AttemptError> {
    let mut granted = None;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(AttemptError::NoReply(timeout));
        }
        conn.stream().set_read_timeout(Some(left))?;
        match conn.read_packet() {
            Ok(Some(Packet::Welcome { extensions, .. })) => {
                granted = Some(Granted::parse(&extensions));
            }
            Ok(Some(Packet::Join {
                nick: Some(nick),
                room: None,
            })) if nick == name => {
                return Ok(granted.unwrap_or_default());
            }
            Ok(Some(Packet::Error { code, message })) => {
                let refusal = Refusal::from_json(&code, &message);
                return Err(refused(name, refusal, with_password));
            }
            Ok(Some(other)) => log::debug!("before our join, ignored: {other:?}"),
            Ok(None) | Err(ReadError::ClosedMidPacket) => return Err(AttemptError::Closed),
            Err(ReadError::TimedOut) => {}
            Err(ReadError::Garbled(e)) => return Err(AttemptError::Garbled(e.to_string())),
            Err(ReadError::Io(e)) => return Err(e.into()),
        }
    }
}

fn refused(name: &str, refusal: Refusal, with_password: bool) -> AttemptError {
    match refusal.cause {
        Cause::BadName => AttemptError::NameMalformed(name.to_string()),
        Cause::NameTaken => AttemptError::NameTaken(name.to_string()),
        Cause::BadPassword => AttemptError::password(name, refusal.code, with_password),
        _ => AttemptError::Refused {
            name: name.to_string(),
            refusal,
        },
    }
}
