//! The client checks: their stable ids and what each judges, in report order.
//!
//! Each id is a constant so the script that judges it cannot misspell it. The script judges
//! every check from one session (see [`super::session`]); this file only names them.

use crate::conformance::{CheckInfo, Part};

pub const REGISTER_FRAMING: &str = "client.register-framing";
pub const SAME_NAME: &str = "client.same-name";
pub const CONNECT_BOTH_FIRST: &str = "client.connect-both-first";
pub const TOSEND_FIRST: &str = "client.tosend-first";
pub const TORECV_AFTER_REPLY: &str = "client.torecv-after-reply";
pub const ACK_FORWARD: &str = "client.ack-forward";
pub const ACK_BODY_OPAQUE: &str = "client.ack-body-opaque";
pub const ACK_EMPTY_BODY: &str = "client.ack-empty-body";
pub const FORWARD_NO_LENGTH: &str = "client.forward-no-length";
pub const ACK_SPLIT_FORWARD: &str = "client.ack-split-forward";
pub const ACK_COALESCED: &str = "client.ack-coalesced";
pub const SEND_FRAMING: &str = "client.send-framing";
pub const ONE_WRITE: &str = "client.one-write";
pub const WAITS_FOR_REPLY: &str = "client.waits-for-reply";
pub const ERROR_REPLY: &str = "client.error-reply";
pub const ACCEPTS_SEND_SPELLING: &str = "client.accepts-send-spelling";
pub const REPLY_ON_TORECV: &str = "client.reply-on-torecv";
pub const KNOWN_MESSAGES: &str = "client.known-messages";

const fn part1(id: &'static str, rule: &'static str, title: &'static str) -> CheckInfo {
    CheckInfo::new(Part::Original, id, rule, title)
}

const fn part2(id: &'static str, rule: &'static str, title: &'static str) -> CheckInfo {
    CheckInfo::new(Part::Robust, id, rule, title)
}

/// Every client check, in report order.
pub const CHECKS: &[CheckInfo] = &[
    part1(
        REGISTER_FRAMING,
        "Registration: C->S `REGISTER TOSEND <username>\\n\\n`, then `REGISTER TORECV <username>\\n\\n` on the second socket",
        "both sockets register with the exact bytes (a well-formed name, \\n line ends; an Extensions: header is allowed, Part 3)",
    ),
    part1(
        SAME_NAME,
        "Registration: complete when both sockets are registered under the same name",
        "TORECV registers the very name TOSEND registered",
    ),
    part2(
        CONNECT_BOTH_FIRST,
        "Rules for our client: connect both sockets first, then register",
        "the second connection opens without waiting for the first REGISTERED (conform holds that reply back)",
    ),
    part2(
        TOSEND_FIRST,
        "Rules for our client: register TOSEND and wait for its reply, then register TORECV",
        "the first REGISTER is for TOSEND",
    ),
    part2(
        TORECV_AFTER_REPLY,
        "Rules for our client: register TOSEND and wait for its reply, then register TORECV",
        "no REGISTER TORECV while conform holds back REGISTERED TOSEND",
    ),
    part1(
        ACK_FORWARD,
        "Forwarding: C->S `RECEIVED <sender>\\n\\n` when received",
        "a FORWARD is acknowledged with exactly `RECEIVED conform\\n\\n` on TORECV",
    ),
    part1(
        ACK_BODY_OPAQUE,
        "Forwarding: the body is opaque bytes (newlines, \\n\\n, any byte); Content-length counts bytes",
        "a body holding \\n\\n, a fake FORWARD, NUL, 0xFF and UTF-8 gets exactly one acknowledgement",
    ),
    part1(
        ACK_EMPTY_BODY,
        "Forwarding: a body of exactly Content-length bytes, here 0",
        "a FORWARD with `Content-length: 0` is acknowledged",
    ),
    part1(
        FORWARD_NO_LENGTH,
        "Forwarding: C->S `ERROR 103 Header Incomplete\\n\\n` when the header is incomplete",
        "a FORWARD without Content-length is answered ERROR 103, not acknowledged",
    ),
    part2(
        ACK_SPLIT_FORWARD,
        "Part 2: parse a byte stream, never one read = one message",
        "a FORWARD that arrives in five pieces is acknowledged once",
    ),
    part2(
        ACK_COALESCED,
        "Part 2: parse a byte stream, never one read = one message",
        "two FORWARDs in one segment get two acknowledgements, in order",
    ),
    part1(
        SEND_FRAMING,
        "Sending: C->S `SEND <recipient>\\nContent-length: <n>\\n\\n<n bytes>`",
        "every SEND has the exact bytes, n counting the body's bytes, nothing after them",
    ),
    part2(
        ONE_WRITE,
        "Rules for our client: send each message with one write",
        "every REGISTER, SEND and RECEIVED arrives whole in one read",
    ),
    part2(
        WAITS_FOR_REPLY,
        "Rules for our client: never two messages without waiting for the reply",
        "nothing more is sent on TOSEND while conform holds back the reply to a SEND",
    ),
    part1(
        ERROR_REPLY,
        "Sending: S->C `ERROR 102 Unable to send\\n\\n` when not delivered",
        "after an ERROR 102 reply the client carries on: it sends its next message",
    ),
    part2(
        ACCEPTS_SEND_SPELLING,
        "Rules for our client: SENT or SEND with any name is success, with \\n\\n or \\n \\n and trailing spaces",
        "after the reply `SEND <to> \\n \\n` the client carries on: it sends its next message",
    ),
    part2(
        REPLY_ON_TORECV,
        "Rules for our client: some servers put replies on the TORECV socket between forwards",
        "a reply on TORECV between two FORWARDs: both acknowledged in order, the reply not, and the client carries on",
    ),
    part1(
        KNOWN_MESSAGES,
        "Part 1 (and Part 3: nothing beyond it without a granted extension)",
        "the client sends only REGISTER and SEND on TOSEND, REGISTER, RECEIVED and ERROR on TORECV",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_prefixed_and_described() {
        let ids: HashSet<_> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), CHECKS.len(), "duplicate check id");
        for c in CHECKS {
            assert!(c.id.starts_with("client."), "{}", c.id);
            assert!(!c.rule.is_empty() && !c.title.is_empty(), "{}", c.id);
        }
    }
}
