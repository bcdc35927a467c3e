//! Who hears of the chat's joins, leaves and kicks.
//!
//! Most clients ask for no presence events (a two-socket client without `events`); telling
//! every user of every join was O(n) per join, O(n²) for a login storm: three quarters of the
//! server's time when 9,500 users connected at once. So the registry keeps apart the users
//! whose link hears such events ([`super::Link::hears_presence`]), and tells only them.

use super::user::User;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::sync::Arc;

/// The users who hear of presence, by id. A leaf lock: nothing is taken while it is held.
#[derive(Default)]
pub(crate) struct Listeners {
    listeners: RwLock<HashMap<u64, Arc<User>>>,
}

impl Listeners {
    pub(crate) fn admit(&self, user: &Arc<User>) {
        self.listeners.write().insert(user.id, user.clone());
    }

    pub(crate) fn dismiss(&self, user: &User) {
        self.listeners.write().remove(&user.id);
    }

    /// Everyone who hears, now.
    pub(crate) fn all(&self) -> Vec<Arc<User>> {
        self.listeners.read().values().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::user::UserState;

    #[test]
    fn only_those_admitted_hear_until_dismissed() {
        let listeners = Listeners::default();
        let user = |name: &str, id| Arc::new(User::new(name, id, "o", 0, UserState::default()));
        let (a, b) = (user("a", 1), user("b", 2));
        listeners.admit(&a);
        listeners.admit(&b);
        listeners.admit(&a);
        let mut ids: Vec<u64> = listeners.all().iter().map(|u| u.id).collect();
        ids.sort();
        assert_eq!(ids, [1, 2]);
        listeners.dismiss(&a);
        assert_eq!(
            listeners.all().iter().map(|u| u.id).collect::<Vec<_>>(),
            [2]
        );
    }
}
