//! Passwords (docs/PROTOCOL.md Part 5, `auth`): a [`Secret`] type that never shows what it
//! holds, where a password may come from before anyone is asked (`--password-file PATH`, the
//! `CHAT_PASSWORD` environment variable), and what a password must be to be sent at all.
//!
//! A password is never printed or logged: [`Secret`] has no `Display`, its `Debug` says only
//! that it is a secret, and the one way to its text, [`Secret::expose`], is called where it
//! goes on the wire. The views show a password as `•`s (the full screen) or not at all (line
//! mode turns the terminal's echo off while it is typed, see `echo`).

use chat::wire::ext::MAX_PASSWORD;
use std::fmt;
use std::path::Path;

/// The environment variable a script may give the password in.
pub const ENV: &str = "CHAT_PASSWORD";

/// A password, held but never shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The text, for the wire only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Why a password cannot be used, in words; `None` when it can.
///
/// The two-socket protocol carries it in a header line (`Password: …`) and a body whose
/// blanks around it the server drops, so a password of blanks at either end, or of control
/// characters, would not be the one the server keeps.
pub fn problem(password: &str) -> Option<String> {
    if password.is_empty() {
        return Some("the password is empty".to_string());
    }
    if password.len() > MAX_PASSWORD {
        return Some(format!("the password is longer than {MAX_PASSWORD} bytes"));
    }
    if password.starts_with([' ', '\t']) || password.ends_with([' ', '\t']) {
        return Some("a password cannot begin or end with a blank".to_string());
    }
    if password.chars().any(char::is_control) {
        return Some("a password cannot hold control characters".to_string());
    }
    None
}

/// The password given before anyone is asked: the first line of `file` (`--password-file`),
/// else `CHAT_PASSWORD` when set and not empty.
pub fn given(file: Option<&Path>) -> Result<Option<Secret>, String> {
    let (secret, from) = match file {
        Some(path) => (
            from_file(path)?,
            format!("--password-file {}", path.display()),
        ),
        None => match std::env::var(ENV) {
            Ok(text) if !text.is_empty() => (Secret::new(text), ENV.to_string()),
            _ => return Ok(None),
        },
    };
    match problem(secret.expose()) {
        Some(why) => Err(format!("the password of {from} cannot be used: {why}")),
        None => Ok(Some(secret)),
    }
}

/// The first line of `path` (its line break dropped); an empty one is refused.
fn from_file(path: &Path) -> Result<Secret, String> {
    let shown = path.display();
    let text =
        std::fs::read(path).map_err(|e| format!("cannot read --password-file {shown}: {e}"))?;
    let text = String::from_utf8(text)
        .map_err(|_| format!("--password-file {shown} is not UTF-8 text"))?;
    let line = text.split('\n').next().unwrap_or_default();
    let line = line.strip_suffix('\r').unwrap_or(line);
    if line.is_empty() {
        return Err(format!("--password-file {shown} has an empty first line"));
    }
    Ok(Secret::new(line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_shows_in_debug() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(..)");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(..))");
        assert_eq!(secret.expose(), "hunter2");
    }

    #[test]
    fn what_a_password_cannot_be() {
        assert_eq!(problem("s3cret ok"), None);
        assert_eq!(problem(&"x".repeat(MAX_PASSWORD)), None);
        for bad in ["", " lead", "trail\t", "new\nline", "bell\u{7}"] {
            assert!(problem(bad).is_some(), "{bad:?}");
        }
        assert!(problem(&"x".repeat(MAX_PASSWORD + 1)).is_some());
    }

    #[test]
    fn the_password_file_gives_its_first_line() {
        let dir = std::env::temp_dir().join(format!("chat-secret-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join("pw");
        for (content, expected) in [
            ("s3cret\n", Ok("s3cret")),
            ("s3cret\r\nmore\n", Ok("s3cret")),
            ("no newline", Ok("no newline")),
            ("\nlater", Err(())),
            ("trailing blank \n", Err(())),
        ] {
            std::fs::write(&path, content).unwrap_or_default();
            let got = given(Some(&path));
            match expected {
                Ok(text) => assert_eq!(got, Ok(Some(Secret::new(text))), "{content:?}"),
                Err(()) => assert!(got.is_err(), "{content:?}"),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let missing = given(Some(&dir.join("none")));
        assert!(missing.is_err_and(|e| e.starts_with("cannot read --password-file")));
    }
}
