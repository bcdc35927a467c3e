//! Which pages may open the chat's WebSocket: the `Origin` rule.
//!
//! A browser names the page that opens a WebSocket in `Origin`; without a check any site
//! a user visits could chat in their name. Allowed: a request without `Origin` (not a
//! browser), the page's own origin (the Origin's `host[:port]` equals the request's
//! `Host`), and the origins listed with `--web-origin`. Anything else is refused.

/// The origins allowed besides the page's own, as given (`https://chat.example.org`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origins {
    allowed: Vec<String>,
}

impl Origins {
    /// Allows `origins` besides the page's own; a trailing `/` and letter case do not count.
    pub fn new<S: AsRef<str>>(origins: &[S]) -> Origins {
        Origins {
            allowed: origins.iter().map(|o| normal(o.as_ref())).collect(),
        }
    }

    /// Whether a request with `origin` and `host` headers may open the WebSocket; the
    /// error says why not, for the 403's body.
    pub fn check(&self, origin: Option<&str>, host: Option<&str>) -> Result<(), String> {
        let Some(origin) = origin else {
            return Ok(());
        };
        let origin = normal(origin);
        if self.allowed.contains(&origin) {
            return Ok(());
        }
        let authority = origin
            .split_once("://")
            .map(|(_, rest)| rest)
            .filter(|rest| !rest.is_empty() && !rest.contains('/'));
        match (authority, host) {
            (Some(a), Some(h)) if a.eq_ignore_ascii_case(h.trim()) => Ok(()),
            _ => Err(format!(
                "the origin {origin} may not open this chat (allowed: this page's own origin{})",
                if self.allowed.is_empty() {
                    String::new()
                } else {
                    format!(", {}", self.allowed.join(", "))
                }
            )),
        }
    }
}

/// An origin compared without case and without a trailing `/`.
fn normal(origin: &str) -> String {
    origin.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_by_default_and_no_origin_is_not_a_browser() {
        let none = Origins::default();
        assert_eq!(none.check(None, Some("chat.local:8080")), Ok(()));
        assert_eq!(
            none.check(Some("http://chat.local:8080"), Some("chat.local:8080")),
            Ok(())
        );
        assert_eq!(
            none.check(Some("HTTPS://Chat.Local"), Some("chat.local")),
            Ok(())
        );
        for (origin, host) in [
            ("http://evil.example", Some("chat.local:8080")),
            ("http://chat.local", Some("chat.local:8080")),
            ("http://chat.local:8080", None),
            ("null", Some("chat.local:8080")),
            ("http://chat.local:8080/x", Some("chat.local:8080")),
            ("chat.local:8080", Some("chat.local:8080")),
            // An origin with a path is no origin, even when a Host header says the same.
            ("http://chat.local/x", Some("chat.local/x")),
        ] {
            let err = none.check(Some(origin), host).unwrap_err();
            assert!(err.contains("may not open this chat"), "{origin}: {err}");
        }
    }

    #[test]
    fn listed_origins_are_allowed_besides_the_pages_own() {
        let some = Origins::new(&["https://chat.example.org/", "http://localhost:3000"]);
        assert_eq!(
            some.check(Some("https://CHAT.example.org"), Some("10.0.0.1:8080")),
            Ok(())
        );
        assert_eq!(some.check(Some("http://localhost:3000"), Some("x")), Ok(()));
        assert_eq!(some.check(Some("http://x"), Some("x")), Ok(()));
        let err = some
            .check(Some("https://evil.example"), Some("x"))
            .unwrap_err();
        assert_eq!(
            err,
            "the origin https://evil.example may not open this chat (allowed: this page's own \
             origin, https://chat.example.org, http://localhost:3000)"
        );
    }
}
