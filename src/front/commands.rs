//! What a message on a registered socket means, whichever socket it is and whoever serves it
//! (a TOSEND socket's own thread or the hub): acknowledgements, a repeated `REGISTER`, the
//! extension commands and the errors. Only starting a `SEND` is left to the caller, since
//! that belongs to the sending socket's thread.

use super::Shared;
use crate::net::conn::ConnError;
use crate::net::outbox::Outbox;
use crate::registry::{LeaveReason, User};
use crate::wire::ext::Ext;
use crate::wire::{Command, ErrorCode, Message, Role, WireError};
use log::{debug, info, warn};
use std::fmt::Display;
use std::sync::Arc;

/// What the caller does next.
pub(super) enum Step {
    Continue,
    Close,
    /// A `SEND` for the sending socket's thread to start.
    Send {
        to: String,
        body: Vec<u8>,
        emote: bool,
    },
}

/// Handles `msg` from `user`'s `role` socket, replying through `outbox`.
pub(super) fn registered(
    shared: &Shared,
    user: &Arc<User>,
    role: Role,
    outbox: &Arc<Outbox>,
    msg: Message,
) -> Step {
    user.touch();
    if let Some(step) = malformed(user.name(), outbox, &msg) {
        return step;
    }
    let ext = user.extensions();
    let asked = msg.header("Extensions").map(Ext::parse);
    let emote = ext.has(Ext::META)
        && msg
            .header("Emote")
            .is_some_and(|v| v.eq_ignore_ascii_case("yes"));
    let reply = |msg: Message| reply(outbox, msg);
    match (msg.command, msg.body) {
        (Command::Received { .. }, _) => {
            user.acknowledge(true);
            Step::Continue
        }
        (Command::Error { code, .. }, _) => {
            debug!("{}: recipient answered ERROR {code}", user.name());
            user.acknowledge(false);
            Step::Continue
        }
        // Saying it again on the same socket is harmless; anything else is a takeover.
        (Command::Register { role: again, name }, _) if again == role && name == user.name() => {
            reply(registered_reply(role, &name, asked))
        }
        (Command::Register { .. }, _) => reply(Message::error(ErrorCode::UsernameTaken)),
        // Part 1: until both sockets are registered, anything else is ERROR 101.
        _ if !user.is_complete() => reply(Message::error(ErrorCode::NoUserRegistered)),
        (Command::Send { to }, Some(body)) if role == Role::ToSend => {
            Step::Send { to, body, emote }
        }
        (Command::Other { verb, args }, _) => {
            let is = |word: &str| verb.eq_ignore_ascii_case(word);
            if is("USERS") && ext.has(Ext::USERS) && role == Role::ToSend {
                reply(users(shared))
            } else if is("QUIT") && ext.has(Ext::QUIT) {
                reply(Message::new(Command::other("BYE", "")));
                info!("{} quit", user.name());
                shared.registry.drop_user(user, LeaveReason::Quit);
                Step::Close
            } else if is("PING") && ext.has(Ext::PING) {
                reply(Message::new(Command::other("PONG", &args)))
            } else if is("PONG") && ext.has(Ext::PING) {
                Step::Continue
            } else {
                reply(Message::error(ErrorCode::UnknownCommand))
            }
        }
        _ => reply(Message::error(ErrorCode::UnknownCommand)),
    }
}

/// What is wrong whether or not the socket is registered: a `SEND` without `Content-length`
/// (103, then close: where its body ends is unknown) or a `REGISTER` with no valid role (100).
pub(super) fn malformed(who: impl Display, outbox: &Arc<Outbox>, msg: &Message) -> Option<Step> {
    match &msg.command {
        Command::Send { .. } if msg.body.is_none() => {
            warn!("{who}: SEND without Content-length; closing");
            reply(outbox, Message::error(ErrorCode::HeaderIncomplete));
            Some(Step::Close)
        }
        Command::Other { verb, .. } if verb.eq_ignore_ascii_case("REGISTER") => {
            Some(reply(outbox, Message::error(ErrorCode::MalformedUsername)))
        }
        _ => None,
    }
}

/// `REGISTERED <role> <name>`, naming the extensions granted when some were asked for.
pub(super) fn registered_reply(role: Role, name: &str, asked: Option<Ext>) -> Message {
    let msg = Message::new(Command::Registered {
        role,
        name: name.into(),
    });
    match asked {
        Some(ext) => msg.with_header("Extensions", &ext.to_header()),
        None => msg,
    }
}

/// `USERS <count>` with the names, one per line, as the body.
fn users(shared: &Shared) -> Message {
    let users = shared.registry.list();
    let mut body = Vec::new();
    for u in &users {
        body.extend_from_slice(u.name().as_bytes());
        body.push(b'\n');
    }
    Message::with_body(Command::other("USERS", &users.len().to_string()), body)
}

/// Queues a reply; a peer that stopped reading its replies is closed.
pub(super) fn reply(outbox: &Arc<Outbox>, msg: Message) -> Step {
    match outbox.push_bytes(msg.to_bytes()) {
        Ok(()) => Step::Continue,
        Err(e) => {
            warn!("cannot reply on a socket: {e}");
            Step::Close
        }
    }
}

/// The one place where a failed read becomes the reply (if any) sent before the close:
/// after a framing error we no longer know where the next message would start.
pub(super) fn fail(who: &str, outbox: &Arc<Outbox>, err: ConnError) -> Step {
    let code = match err {
        ConnError::Wire(WireError::BadContentLength) => Some(ErrorCode::HeaderIncomplete),
        ConnError::Wire(_) => Some(ErrorCode::MessageTooLong),
        _ => None,
    };
    match code {
        Some(code) => {
            warn!("{who}: {err}; closing");
            reply(outbox, Message::error(code));
        }
        None => info!("{who}: {err}; closing"),
    }
    Step::Close
}
