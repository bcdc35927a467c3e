//! The exact bytes of the two-socket `rooms` extension (PROTOCOL.md Part 8), spelled out from
//! its table as the kit writes and expects them, not produced by `wire`'s encoder (the kit is
//! the yardstick our server is measured with). Names and rooms are put in as given.

/// `<verb> <args>\n\n`, the shape of every bodiless command and reply of Part 8.
fn line(verb: &str, args: &str) -> Vec<u8> {
    format!("{verb} {args}\n\n").into_bytes()
}

/// C→S `JOIN <room>\n\n`.
pub fn join(room: &str) -> Vec<u8> {
    line("JOIN", room)
}

/// S→C `JOINED <room>\n\n`.
pub fn joined(room: &str) -> Vec<u8> {
    line("JOINED", room)
}

/// C→S `PART <room>\n\n`.
pub fn part(room: &str) -> Vec<u8> {
    line("PART", room)
}

/// S→C `PARTED <room>\n\n`.
pub fn parted(room: &str) -> Vec<u8> {
    line("PARTED", room)
}

/// C→S `ROOMS\n\n`.
pub const ROOMS: &[u8] = b"ROOMS\n\n";

/// S→C `ROOMS <count>\nContent-length: <n>\n\n<lines>`, each line newline-ended.
pub fn rooms(lines: &[String]) -> Vec<u8> {
    let body: String = lines.concat();
    format!(
        "ROOMS {}\nContent-length: {}\n\n{body}",
        lines.len(),
        body.len()
    )
    .into_bytes()
}

/// One line of a room list: `<room> <members>[ <topic>]\n`.
pub fn room_line(room: &str, members: usize, topic: Option<&str>) -> String {
    match topic {
        Some(topic) => format!("{room} {members} {topic}\n"),
        None => format!("{room} {members}\n"),
    }
}

/// C→S `WHO <room>\n\n`.
pub fn who(room: &str) -> Vec<u8> {
    line("WHO", room)
}

/// S→C `WHO <room> <count>\nContent-length: <n>\n[Operator: <op>\n][Topic: <topic>\n]\n<names>`,
/// the members as given (sorted, by the rule), one per line.
pub fn who_reply(
    room: &str,
    operator: Option<&str>,
    topic: Option<&str>,
    names: &[&str],
) -> Vec<u8> {
    let body: String = names.iter().map(|n| format!("{n}\n")).collect();
    let mut text = format!(
        "WHO {room} {}\nContent-length: {}\n",
        names.len(),
        body.len()
    );
    if let Some(operator) = operator {
        text.push_str(&format!("Operator: {operator}\n"));
    }
    if let Some(topic) = topic {
        text.push_str(&format!("Topic: {topic}\n"));
    }
    text.push('\n');
    text.push_str(&body);
    text.into_bytes()
}

/// C→S `TOPIC <room>\nTopic: <topic>\n\n`; `None`: no `Topic:` (clears it).
pub fn topic(room: &str, topic: Option<&str>) -> Vec<u8> {
    match topic {
        Some(topic) => format!("TOPIC {room}\nTopic: {topic}\n\n").into_bytes(),
        None => format!("TOPIC {room}\n\n").into_bytes(),
    }
}

/// S→C `TOPIC SET <room>\n\n`.
pub fn topic_set(room: &str) -> Vec<u8> {
    line("TOPIC", &format!("SET {room}"))
}

/// C→S `KICK <name> <room>\n[Reason: <reason>\n]\n`.
pub fn kick(name: &str, room: &str, reason: Option<&str>) -> Vec<u8> {
    match reason {
        Some(reason) => format!("KICK {name} {room}\nReason: {reason}\n\n").into_bytes(),
        None => line("KICK", &format!("{name} {room}")),
    }
}

/// S→C `KICKED <name> <room>\n\n`.
pub fn kicked(name: &str, room: &str) -> Vec<u8> {
    line("KICKED", &format!("{name} {room}"))
}

/// S→C `FORWARD <from>\nContent-length: <n>\nRoom: <room>\n\n<body>`: a room message.
pub fn forward(from: &str, room: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "FORWARD {from}\nContent-length: {}\nRoom: {room}\n\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// S→C `EVENT JOIN <name>\nRoom: <room>\n\n`.
pub fn joined_event(name: &str, room: &str) -> Vec<u8> {
    format!("EVENT JOIN {name}\nRoom: {room}\n\n").into_bytes()
}

/// S→C `EVENT LEAVE <name>\nRoom: <room>\nReason: <reason>\n\n` (`part` or `kicked`).
pub fn left_event(name: &str, room: &str, reason: &str) -> Vec<u8> {
    format!("EVENT LEAVE {name}\nRoom: {room}\nReason: {reason}\n\n").into_bytes()
}

/// S→C `EVENT KICK <name>\nRoom: <room>\nBy: <by>\nReason: <reason>\n\n`.
pub fn kick_event(name: &str, room: &str, by: &str, reason: &str) -> Vec<u8> {
    format!("EVENT KICK {name}\nRoom: {room}\nBy: {by}\nReason: {reason}\n\n").into_bytes()
}

/// S→C `EVENT TOPIC <room>\nBy: <by>\n[Topic: <topic>\n]\n` (no `Topic:`: cleared).
pub fn topic_event(room: &str, by: &str, topic: Option<&str>) -> Vec<u8> {
    match topic {
        Some(topic) => format!("EVENT TOPIC {room}\nBy: {by}\nTopic: {topic}\n\n").into_bytes(),
        None => format!("EVENT TOPIC {room}\nBy: {by}\n\n").into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_are_the_table_of_part_8() {
        assert_eq!(join("#rust"), b"JOIN #rust\n\n");
        assert_eq!(parted("#rust"), b"PARTED #rust\n\n");
        let lines = [
            room_line("#lobby", 12, None),
            room_line("#rust", 3, Some("Rust, mostly")),
        ];
        assert_eq!(
            rooms(&lines),
            b"ROOMS 2\nContent-length: 31\n\n#lobby 12\n#rust 3 Rust, mostly\n"
        );
        assert_eq!(
            who_reply("#rust", Some("alice"), Some("Rust, mostly"), &["alice", "bob"]),
            b"WHO #rust 2\nContent-length: 10\nOperator: alice\nTopic: Rust, mostly\n\nalice\nbob\n"
        );
        assert_eq!(topic("#rust", None), b"TOPIC #rust\n\n");
        assert_eq!(topic_set("#rust"), b"TOPIC SET #rust\n\n");
        assert_eq!(
            kick("bob", "#rust", Some("spam")),
            b"KICK bob #rust\nReason: spam\n\n"
        );
        assert_eq!(kicked("bob", "#rust"), b"KICKED bob #rust\n\n");
        assert_eq!(
            forward("alice", "#rust", b"hi"),
            b"FORWARD alice\nContent-length: 2\nRoom: #rust\n\nhi"
        );
        assert_eq!(
            joined_event("bob", "#rust"),
            b"EVENT JOIN bob\nRoom: #rust\n\n"
        );
        assert_eq!(
            left_event("bob", "#rust", "part"),
            b"EVENT LEAVE bob\nRoom: #rust\nReason: part\n\n"
        );
        assert_eq!(
            kick_event("bob", "#rust", "alice", "spam"),
            b"EVENT KICK bob\nRoom: #rust\nBy: alice\nReason: spam\n\n"
        );
        assert_eq!(
            topic_event("#rust", "alice", Some("Rust, mostly")),
            b"EVENT TOPIC #rust\nBy: alice\nTopic: Rust, mostly\n\n"
        );
        assert_eq!(
            topic_event("#rust", "alice", None),
            b"EVENT TOPIC #rust\nBy: alice\n\n"
        );
    }
}
