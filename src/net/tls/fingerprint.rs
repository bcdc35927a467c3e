//! A certificate's SHA-256 fingerprint: what `server --tls-self-signed` prints and
//! `client --fingerprint` trusts. Written as uppercase hex pairs separated by colons
//! (`AB:CD:…`, as browsers and `openssl x509 -fingerprint -sha256` show it); read with or
//! without the colons, in any case.

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The SHA-256 of a certificate's DER bytes.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    /// The fingerprint of the certificate `der`.
    pub fn of(der: &[u8]) -> Fingerprint {
        let digest = ring::digest::digest(&ring::digest::SHA256, der);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        Fingerprint(bytes)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, byte) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{byte:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// Why a text is not a fingerprint.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FingerprintError {
    #[error(
        "a SHA-256 fingerprint is 64 hex digits (colons between pairs optional); this has {0}"
    )]
    Length(usize),
    #[error("`{0}` is not a hex digit")]
    NotHex(char),
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    fn from_str(text: &str) -> Result<Fingerprint, FingerprintError> {
        let text = text.trim();
        let text = text.strip_prefix("SHA256").unwrap_or(text).trim_start();
        let mut digits = Vec::with_capacity(64);
        for c in text.chars().filter(|&c| c != ':') {
            digits.push(c.to_digit(16).ok_or(FingerprintError::NotHex(c))? as u8);
        }
        if digits.len() != 64 {
            return Err(FingerprintError::Length(digits.len()));
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks(2)) {
            *byte = pair[0] << 4 | pair[1];
        }
        Ok(Fingerprint(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_uppercase_pairs_with_colons() {
        let mut bytes = [0u8; 32];
        bytes[0] = 0xab;
        bytes[1] = 0x0c;
        bytes[31] = 0xff;
        let shown = Fingerprint(bytes).to_string();
        assert_eq!(shown.len(), 32 * 3 - 1);
        assert!(shown.starts_with("AB:0C:00:"), "{shown}");
        assert!(shown.ends_with(":00:FF"), "{shown}");
        // In logs and assertion messages too.
        assert_eq!(
            format!("{:?}", Fingerprint(bytes)),
            format!("Fingerprint({shown})")
        );
    }

    #[test]
    fn sha256_of_the_bytes() {
        // SHA-256 of "abc" (FIPS 180-2's example).
        let fp = Fingerprint::of(b"abc");
        assert_eq!(
            fp.to_string().replace(':', ""),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }

    #[test]
    fn read_with_or_without_colons_in_any_case() {
        let fp = Fingerprint::of(b"abc");
        let shown = fp.to_string();
        for text in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace(':', ""),
            shown.replace(':', "").to_lowercase(),
            format!("SHA256 {shown}"),
            format!("  {shown}\n"),
        ] {
            assert_eq!(text.parse::<Fingerprint>(), Ok(fp), "{text:?}");
        }
    }

    #[test]
    fn bad_text_says_why() {
        assert_eq!(
            "ab:cd".parse::<Fingerprint>(),
            Err(FingerprintError::Length(4))
        );
        let shown = Fingerprint::of(b"abc").to_string();
        assert_eq!(
            shown.replacen('B', "G", 1).parse::<Fingerprint>(),
            Err(FingerprintError::NotHex('G'))
        );
        assert_eq!(
            format!("{shown}:00").parse::<Fingerprint>(),
            Err(FingerprintError::Length(66))
        );
    }
}
