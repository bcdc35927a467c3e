//! What happens in the chat that users hear about: someone joins, leaves, or is kicked.

/// Something that happened in the chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Join(String),
    Leave(String, LeaveReason),
    /// The operator removed a user, with the reason given.
    Kick(String, String),
    /// A message that waited for its recipient (named) has reached it; told to its sender.
    Delivered {
        to: String,
        id: u64,
    },
}

impl Event {
    /// The user the event is about.
    pub fn subject(&self) -> &str {
        match self {
            Event::Join(name) | Event::Leave(name, _) | Event::Kick(name, _) => name,
            Event::Delivered { to, .. } => to,
        }
    }
}

/// Why a user left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeaveReason {
    Quit,
    Timeout,
    Kicked,
    Disconnected,
}

impl LeaveReason {
    pub fn as_str(self) -> &'static str {
        match self {
            LeaveReason::Quit => "quit",
            LeaveReason::Timeout => "timeout",
            LeaveReason::Kicked => "kicked",
            LeaveReason::Disconnected => "disconnected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_its_subject_and_reasons_their_word() {
        assert_eq!(Event::Join("a".into()).subject(), "a");
        assert_eq!(Event::Leave("b".into(), LeaveReason::Quit).subject(), "b");
        assert_eq!(Event::Kick("c".into(), "spam".into()).subject(), "c");
        let words = [
            LeaveReason::Quit,
            LeaveReason::Timeout,
            LeaveReason::Kicked,
            LeaveReason::Disconnected,
        ]
        .map(LeaveReason::as_str);
        assert_eq!(words, ["quit", "timeout", "kicked", "disconnected"]);
    }
}
