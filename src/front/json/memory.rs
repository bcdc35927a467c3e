//! The packets of the chat's memory on a JSON connection (docs/PROTOCOL.md Part 5):
//! `password` and `history`, answered on the connection's own thread (they wait for the
//! store), and which extensions of memory a client may have.

use super::link::rfc3339;
use crate::core::{Chat, HistoryError, PasswordError, User};
use crate::wire::json::ext::{Code, JsonExt};
use crate::wire::json::{Entry, Packet};
use log::{info, warn};

/// A page of history when `limit` does not say, and the most one may hold.
const DEFAULT_PAGE: u64 = 50;
const MAX_PAGE: u64 = 1000;

/// The extensions granted of those asked for: the memory's only when the chat has one.
pub(super) fn granted(chat: &Chat, asked: JsonExt) -> JsonExt {
    let memory = JsonExt::AUTH.with(JsonExt::OFFLINE).with(JsonExt::HISTORY);
    if chat.has_store() {
        asked
    } else {
        JsonExt::from_bits(asked.bits() & !memory.bits())
    }
}

/// `password`: claims the nick or changes its password; `""` drops the claim.
pub(super) fn password(chat: &Chat, user: &User, password: &str) -> Result<Packet, (Code, String)> {
    let new = Some(password).filter(|p| !p.is_empty());
    match chat.set_password(user, new) {
        Ok(()) => {
            let status = if new.is_some() { "set" } else { "dropped" };
            info!("{}: password {status}", user.name());
            Ok(Packet::Password {
                password: None,
                status: Some(status.to_string()),
            })
        }
        Err(PasswordError::Invalid) => Err((Code::BadPassword, PasswordError::Invalid.to_string())),
        Err(e) => {
            warn!("{}: cannot set a password: {e}", user.name());
            Err((Code::StoreFailed, e.to_string()))
        }
    }
}

/// Which page of history: `before` or `after` an id, at most `limit`.
pub(super) struct Page {
    pub before: Option<u64>,
    pub after: Option<u64>,
    pub limit: Option<u64>,
}

/// `history`: a page of what `user` may see, or (`room`) of one room it is in.
pub(super) fn history(
    chat: &Chat,
    user: &User,
    room: Option<String>,
    page: Page,
) -> Result<Packet, (Code, String)> {
    let Page {
        before,
        after,
        limit,
    } = page;
    let limit = limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE) as usize;
    match chat.room_history(user, room.as_deref(), before, after, limit) {
        Ok(records) => Ok(Packet::History {
            room: room.clone(),
            before: None,
            after: None,
            limit: None,
            messages: Some(
                records
                    .into_iter()
                    .map(|r| {
                        // A room's message has the room for its recipient.
                        let (to, in_room) = match r.to {
                            Some(to) if to.starts_with('#') => (None, Some(to)),
                            to => (to, None),
                        };
                        Entry {
                            id: r.id,
                            time: rfc3339(r.time),
                            nick: r.from,
                            to,
                            room: in_room,
                            message: String::from_utf8_lossy(&r.body).into_owned(),
                            emote: r.emote,
                        }
                    })
                    .collect(),
            ),
        }),
        Err(HistoryError::Room(e)) => Err(super::rooms::error(room.as_deref().unwrap_or(""), e)),
        Err(e) => {
            warn!("{}: cannot read the history: {e}", user.name());
            Err((Code::StoreFailed, e.to_string()))
        }
    }
}
