//! What a message on a registered socket means, whichever socket it is and whoever serves it
//! (a TOSEND socket's own thread or the hub): acknowledgements, a repeated `REGISTER`, the
//! extension commands and the errors. Only starting a `SEND` is left to the caller, since
//! that belongs to the sending socket's thread.

use super::super::Shared;
use super::{memory, rooms};
use crate::core::{Target, User};
use crate::net::conn::ConnError;
use crate::net::outbox::Outbox;
use crate::wire::ext::{self, Ext, ExtMsg};
use crate::wire::{is_all, Command, ErrorCode, Message, Role, WireError};
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

/// Who a `SEND <to>` is for, for a sender with extensions `ext` (`offline`: messages that
/// wait; `rooms`: a `#room` is a room, else it is a name nobody has).
pub(super) fn target(to: &str, ext: Ext) -> Target<'_> {
    if is_all(to) {
        Target::Others
    } else if to.starts_with('#') && ext.has(Ext::ROOMS) {
        Target::Room {
            room: to,
            echo: false,
        }
    } else if ext.has(Ext::OFFLINE) {
        Target::UserOrMailbox(to)
    } else {
        Target::User(to)
    }
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
    let chat = &shared.chat;
    let ext = Ext::from_bits(user.flags());
    let asked = ext::asked(&msg).map(|e| super::granted(shared, e));
    let extension = ExtMsg::from_message(&msg);
    let emote = ext.has(Ext::META) && ext::Meta::from_message(&msg).emote;
    let reply = |msg: Message| reply(outbox, msg);
    match (msg.command, msg.body) {
        (Command::Received { .. }, _) => {
            chat.ack(user, true);
            Step::Continue
        }
        (Command::Error { code, .. }, _) => {
            debug!("{}: recipient answered ERROR {code}", user.name());
            chat.ack(user, false);
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
        _ => match rooms_first(chat, user, role, ext, extension) {
            Err(answer) => reply(answer),
            Ok(extension) => extension_command(chat, user, role, ext, extension, outbox),
        },
    }
}

/// A `rooms` command from a user with the extension, answered; anything else back.
fn rooms_first(
    chat: &crate::core::Chat,
    user: &Arc<User>,
    role: Role,
    ext: Ext,
    msg: Option<ExtMsg>,
) -> Result<Option<ExtMsg>, Message> {
    match msg {
        Some(msg) if ext.has(Ext::ROOMS) && role == Role::ToSend => {
            match rooms::command(chat, user, msg) {
                Ok(answer) => Err(answer),
                Err(other) => Ok(Some(other)),
            }
        }
        other => Ok(other),
    }
}

/// The other extensions' commands (Parts 3 and 5).
fn extension_command(
    chat: &crate::core::Chat,
    user: &Arc<User>,
    role: Role,
    ext: Ext,
    extension: Option<ExtMsg>,
    outbox: &Arc<Outbox>,
) -> Step {
    let reply = |msg: Message| reply(outbox, msg);
    match extension {
        Some(ExtMsg::UsersRequest) if ext.has(Ext::USERS) && role == Role::ToSend => reply(
            ExtMsg::Users {
                names: chat.names(),
            }
            .to_message(),
        ),
        Some(ExtMsg::Quit) if ext.has(Ext::QUIT) => {
            reply(ExtMsg::Bye.to_message());
            info!("{} quit", user.name());
            chat.quit(user);
            Step::Close
        }
        Some(ExtMsg::Ping { token }) if ext.has(Ext::PING) => {
            reply(ExtMsg::Pong { token }.to_message())
        }
        Some(ExtMsg::Pong { .. }) if ext.has(Ext::PING) => Step::Continue,
        Some(ExtMsg::Password { password }) if ext.has(Ext::AUTH) && role == Role::ToSend => {
            reply(memory::password(chat, user, &password))
        }
        Some(ExtMsg::HistoryRequest {
            room,
            before,
            after,
            limit,
        }) if ext.has(Ext::HISTORY) && role == Role::ToSend => {
            reply(memory::history(chat, user, room, before, after, limit))
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
        Some(ext) => msg.with_header(ext::HEADER, &ext.to_header()),
        None => msg,
    }
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
