//! What the command lines of the binaries share.

use std::time::Duration;

/// A number of seconds given on a command line (`--reply-timeout 2.5`): more than 0, at most
/// a day.
pub fn parse_secs(text: &str) -> Result<Duration, String> {
    match text.trim().parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "\"{text}\" is not a number of seconds (more than 0, at most 86400)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_positive_finite_and_at_most_a_day() {
        assert_eq!(parse_secs(" 2.5 "), Ok(Duration::from_millis(2500)));
        assert_eq!(parse_secs("86400"), Ok(Duration::from_secs(86_400)));
        for bad in ["0", "-1", "nan", "inf", "86401", "soon", ""] {
            let err = parse_secs(bad).unwrap_err();
            assert!(err.contains("is not a number of seconds"), "{bad}: {err}");
        }
    }
}
