//! Who the session knows to be online, for saying why a message was not delivered: known
//! once a user list has arrived, and kept current by joins and leaves, so only when the
//! server tells of those (with `events`; the JSON protocol always does).

use crate::push::Push;
use std::collections::BTreeSet;

/// The users online, when known.
#[derive(Debug, Default)]
pub struct Roster {
    names: Option<BTreeSet<String>>,
    /// Joins and leaves are told, so a list once received stays true.
    kept_current: bool,
}

impl Roster {
    /// `kept_current` when the server tells of every join and leave.
    pub fn new(kept_current: bool) -> Roster {
        Roster {
            names: None,
            kept_current,
        }
    }

    /// A user list arrived.
    pub fn listed(&mut self, names: &[String]) {
        if self.kept_current {
            self.names = Some(names.iter().cloned().collect());
        }
    }

    /// Someone joined or left.
    pub fn pushed(&mut self, push: &Push) {
        let Some(names) = &mut self.names else {
            return;
        };
        match push {
            Push::Joined(name) => {
                names.insert(name.clone());
            }
            Push::Left { name, .. } | Push::Kicked { name, .. } => {
                names.remove(name);
            }
            // Who is in a room says nothing of who is online.
            Push::RoomJoined { .. }
            | Push::RoomLeft { .. }
            | Push::RoomKicked { .. }
            | Push::Topic { .. }
            | Push::Bye => {}
        }
    }

    /// Whether `name` is online, `None` when not known.
    pub fn is_online(&self, name: &str) -> Option<bool> {
        self.names.as_ref().map(|names| names.contains(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_from_a_list_kept_by_joins_and_leaves() {
        let mut roster = Roster::new(true);
        assert_eq!(roster.is_online("bob"), None);
        roster.pushed(&Push::Joined("bob".into()));
        assert_eq!(roster.is_online("bob"), None, "a join alone is not a list");
        roster.listed(&["alice".into(), "bob".into()]);
        assert_eq!(roster.is_online("bob"), Some(true));
        roster.pushed(&Push::Left {
            name: "bob".into(),
            reason: None,
        });
        roster.pushed(&Push::Joined("carol".into()));
        assert_eq!(roster.is_online("bob"), Some(false));
        assert_eq!(roster.is_online("carol"), Some(true));
    }

    #[test]
    fn a_list_nobody_keeps_current_is_not_trusted() {
        let mut roster = Roster::new(false);
        roster.listed(&["alice".into()]);
        assert_eq!(roster.is_online("alice"), None);
    }
}
