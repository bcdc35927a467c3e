//! Server addresses as a person types them: `host`, `host:port`, `[v6]:port` or a bare IPv6
//! address. The port defaults to the protocol's (4334 for two sockets, 3490 for JSON).

use std::fmt;
use thiserror::Error;

/// A host name or IP literal plus a port, not yet resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddr {
    pub host: String,
    pub port: u16,
}

/// Why a typed address is unusable.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AddrError {
    #[error("no address given")]
    Empty,
    #[error("\"{0}\" is not a port number (1 to 65535)")]
    BadPort(String),
    #[error("missing ']' after an IPv6 address")]
    UnclosedBracket,
}

impl ServerAddr {
    /// Parses `host`, `host:port`, `[addr]`, `[addr]:port` or a bare IPv6 address;
    /// `default_port` when it names none.
    pub fn parse(text: &str, default_port: u16) -> Result<ServerAddr, AddrError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AddrError::Empty);
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            let close = rest.find(']').ok_or(AddrError::UnclosedBracket)?;
            let after = &rest[close + 1..];
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(AddrError::BadPort(after.to_string())),
            };
            (&rest[..close], port)
        } else if text.matches(':').count() == 1 {
            let (h, p) = text.split_once(':').unwrap_or((text, ""));
            (h, Some(p))
        } else {
            (text, None) // a host name, or a bare IPv6 address with its many colons
        };
        if host.is_empty() {
            return Err(AddrError::Empty);
        }
        let port = match port {
            None => default_port,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(AddrError::BadPort(p.to_string())),
            },
        };
        Ok(ServerAddr {
            host: host.to_string(),
            port,
        })
    }

    /// The `(host, port)` pair `std::net` resolves.
    pub fn as_pair(&self) -> (&str, u16) {
        (&self.host, self.port)
    }
}

impl fmt::Display for ServerAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, u16) {
        match ServerAddr::parse(text, 4334) {
            Ok(a) => (a.host, a.port),
            Err(e) => panic!("{text:?} rejected: {e}"),
        }
    }

    #[test]
    fn host_alone_gets_the_default_port() {
        assert_eq!(ok("localhost"), ("localhost".into(), 4334));
        assert_eq!(
            ServerAddr::parse("localhost", 3490).map(|a| a.port),
            Ok(3490)
        );
        assert_eq!(ok("  10.0.0.1 "), ("10.0.0.1".into(), 4334));
    }

    #[test]
    fn host_and_port() {
        assert_eq!(ok("127.0.0.1:9000"), ("127.0.0.1".into(), 9000));
        assert_eq!(ok("[::1]:9000"), ("::1".into(), 9000));
        assert_eq!(ok("[::1]"), ("::1".into(), 4334));
        assert_eq!(ok("::1"), ("::1".into(), 4334));
    }

    #[test]
    fn bad_addresses_say_why() {
        assert_eq!(ServerAddr::parse("", 1), Err(AddrError::Empty));
        assert_eq!(ServerAddr::parse(":80", 1), Err(AddrError::Empty));
        assert_eq!(
            ServerAddr::parse("host:http", 1),
            Err(AddrError::BadPort("http".into()))
        );
        assert_eq!(
            ServerAddr::parse("host:0", 1),
            Err(AddrError::BadPort("0".into()))
        );
        assert_eq!(
            ServerAddr::parse("[::1", 1),
            Err(AddrError::UnclosedBracket)
        );
    }

    #[test]
    fn display_round_trips() {
        for text in ["localhost:4334", "[::1]:80"] {
            assert_eq!(
                ServerAddr::parse(text, 1).map(|a| a.to_string()),
                Ok(text.into())
            );
        }
    }
}
