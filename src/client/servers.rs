//! The servers of one chat, as `--server a:4334,b:4334` (or the prompt, or the connect box)
//! names them: comma-separated addresses, each parsed as [`ServerAddr`]. The first that
//! answers is used; when it goes away the client moves on round-robin ([`ServerList::after`])
//! and, once every one has failed in a round, waits a little longer each time
//! ([`pause_after`]) before the next round.

use crate::addr::{AddrError, ServerAddr};
use std::fmt;
use std::time::Duration;
use thiserror::Error;

/// The pause after the first round in which no server took us; it doubles each round.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between two rounds.
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// One or more servers, in the order given; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerList {
    addrs: Vec<ServerAddr>,
}

/// Why a typed list of servers is unusable; a list of several names the entry at fault.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ListError {
    /// The only address given is unusable.
    #[error(transparent)]
    One(#[from] AddrError),
    #[error("server {position} of {count} is empty")]
    EmptyEntry { position: usize, count: usize },
    #[error("server {position} of {count}, \"{entry}\": {reason}")]
    Entry {
        position: usize,
        count: usize,
        entry: String,
        reason: AddrError,
    },
}

impl ServerList {
    /// Parses `a`, or `a,b,…` (blanks around each allowed); `default_port` for an address
    /// that names none.
    pub fn parse(text: &str, default_port: u16) -> Result<ServerList, ListError> {
        let entries: Vec<&str> = text.split(',').map(str::trim).collect();
        let count = entries.len();
        if count == 1 {
            let addr = ServerAddr::parse(entries[0], default_port)?;
            return Ok(ServerList { addrs: vec![addr] });
        }
        let addrs = (entries.iter().enumerate())
            .map(|(i, entry)| match ServerAddr::parse(entry, default_port) {
                Ok(addr) => Ok(addr),
                Err(AddrError::Empty) if entry.is_empty() => Err(ListError::EmptyEntry {
                    position: i + 1,
                    count,
                }),
                Err(reason) => Err(ListError::Entry {
                    position: i + 1,
                    count,
                    entry: entry.to_string(),
                    reason,
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(ServerList { addrs })
    }

    pub fn len(&self) -> usize {
        self.addrs.len()
    }

    /// The first server given (a list is never empty).
    pub fn first(&self) -> &ServerAddr {
        &self.addrs[0]
    }

    pub fn iter(&self) -> impl Iterator<Item = &ServerAddr> {
        self.addrs.iter()
    }

    /// The same servers, in the same round, starting with the one at `index`.
    pub fn starting_at(&self, index: usize) -> ServerList {
        let at = index % self.len();
        let addrs = (self.addrs[at..].iter())
            .chain(&self.addrs[..at])
            .cloned()
            .collect();
        ServerList { addrs }
    }

    /// One round after losing `lost`: every server, the next one in the list first, `lost`
    /// itself last (it may only have restarted). A server not in the list starts the round
    /// at the first.
    pub fn after(&self, lost: &ServerAddr) -> Vec<ServerAddr> {
        let next = match self.addrs.iter().position(|a| a == lost) {
            Some(at) => at + 1,
            None => 0,
        };
        self.starting_at(next).addrs
    }
}

impl fmt::Display for ServerList {
    /// As typed: the addresses separated by commas.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, addr) in self.addrs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{addr}")?;
        }
        Ok(())
    }
}

/// How long to wait after `rounds` rounds in which no server took us: 1 s, 2 s, 4 s, …
/// at most 30 s.
pub fn pause_after(rounds: u32) -> Duration {
    let doublings = rounds.saturating_sub(1).min(16);
    (FIRST_PAUSE * 2u32.pow(doublings)).min(LONGEST_PAUSE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(text: &str) -> Vec<String> {
        match ServerList::parse(text, 4334) {
            Ok(list) => list.iter().map(ToString::to_string).collect(),
            Err(e) => panic!("{text:?} rejected: {e}"),
        }
    }

    fn refusal(text: &str) -> String {
        match ServerList::parse(text, 4334) {
            Ok(list) => panic!("{text:?} taken as {list}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn one_server_or_several_each_with_its_port_or_the_default() {
        assert_eq!(list("a"), ["a:4334"]);
        assert_eq!(list("a:1,b:2"), ["a:1", "b:2"]);
        assert_eq!(
            list(" a , [::1]:9 ,::1"),
            ["a:4334", "[::1]:9", "[::1]:4334"]
        );
        assert_eq!(
            ServerList::parse("a,b:5", 3490).map(|l| l.to_string()),
            Ok("a:3490,b:5".to_string())
        );
    }

    #[test]
    fn a_bad_entry_is_named_with_its_place() {
        assert_eq!(
            refusal("a:1,b:http"),
            "server 2 of 2, \"b:http\": \"http\" is not a port number (1 to 65535)"
        );
        assert_eq!(
            refusal("[::1,b"),
            "server 1 of 2, \"[::1\": missing ']' after an IPv6 address"
        );
        assert_eq!(refusal("a,,b"), "server 2 of 3 is empty");
        assert_eq!(refusal("a,"), "server 2 of 2 is empty");
        assert_eq!(
            refusal("a, :80"),
            "server 2 of 2, \":80\": no address given"
        );
    }

    #[test]
    fn a_single_bad_address_reads_as_before() {
        assert_eq!(refusal(""), "no address given");
        assert_eq!(refusal("host:0"), "\"0\" is not a port number (1 to 65535)");
    }

    #[test]
    fn after_a_loss_the_next_server_comes_first_and_the_lost_one_last() {
        let servers = ServerList::parse("a,b,c", 1).unwrap();
        let round = |lost: &str| -> Vec<String> {
            let lost = ServerAddr::parse(lost, 1).unwrap();
            (servers.after(&lost).iter())
                .map(|a| a.host.clone())
                .collect()
        };
        assert_eq!(round("a"), ["b", "c", "a"]);
        assert_eq!(round("c"), ["a", "b", "c"], "wrapping");
        assert_eq!(round("elsewhere"), ["a", "b", "c"]);
        let one = ServerList::parse("a", 1).unwrap();
        assert_eq!(one.after(&ServerAddr::parse("a", 1).unwrap()).len(), 1);
        assert_eq!(servers.starting_at(4).to_string(), "b:1,c:1,a:1");
    }

    #[test]
    fn the_pause_between_rounds_doubles_up_to_half_a_minute() {
        let secs: Vec<u64> = (1..=8).map(|r| pause_after(r).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(pause_after(u32::MAX), LONGEST_PAUSE);
    }
}
