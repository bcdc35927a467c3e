//! The commands of the chat's memory on a TOSEND socket (docs/PROTOCOL.md Part 5):
//! `PASSWORD` and `HISTORY`, answered on the socket's own thread (they wait for the store).

use crate::core::{Chat, HistoryError, PasswordError, User};
use crate::wire::ext::{Entry, ExtMsg, MAX_HISTORY};
use crate::wire::{ErrorCode, Message};
use log::{info, warn};

/// A page of history when `Limit:` does not say.
const DEFAULT_PAGE: usize = 50;

/// `PASSWORD` with `password`: claims the name or changes its password; empty drops it.
pub(super) fn password(chat: &Chat, user: &User, password: &str) -> Message {
    let new = Some(password).filter(|p| !p.is_empty());
    match chat.set_password(user, new) {
        Ok(()) if new.is_some() => {
            info!("{} set a password", user.name());
            ExtMsg::PasswordSet.to_message()
        }
        Ok(()) => {
            info!("{} dropped their password", user.name());
            ExtMsg::PasswordDropped.to_message()
        }
        Err(e) => {
            warn!("{}: cannot set a password: {e}", user.name());
            let code = match e {
                PasswordError::Invalid => ErrorCode::BadPassword,
                _ => ErrorCode::StoreFailed,
            };
            Message::error(code)
        }
    }
}

/// `HISTORY`: a page of what `user` may see, or (`room`) of one room it is in.
pub(super) fn history(
    chat: &Chat,
    user: &User,
    room: Option<String>,
    before: Option<u64>,
    after: Option<u64>,
    limit: Option<usize>,
) -> Message {
    let limit = limit.unwrap_or(DEFAULT_PAGE).min(MAX_HISTORY);
    match chat.room_history(user, room.as_deref(), before, after, limit) {
        Ok(records) => {
            let entries = records
                .into_iter()
                .map(|r| Entry {
                    id: r.id,
                    from: r.from,
                    to: r.to,
                    time: r.time.into(),
                    emote: r.emote,
                    body: r.body,
                })
                .collect();
            ExtMsg::History { room, entries }.to_message()
        }
        Err(HistoryError::Room(e)) => Message::error(super::rooms::code(e)),
        Err(e) => {
            warn!("{}: cannot read the history: {e}", user.name());
            Message::error(ErrorCode::StoreFailed)
        }
    }
}
