//! A token bucket: `rate` actions per second on average, bursts of up to `burst`.

use std::time::Instant;

#[derive(Debug)]
pub struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    /// A full bucket of `burst` tokens.
    pub fn new(burst: u32) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            last: Instant::now(),
        }
    }

    /// A bucket that is full whatever burst its first [`Bucket::take`] names (the rate is
    /// a setting read at each take, not known when the user arrives).
    pub fn full() -> Bucket {
        Bucket {
            tokens: f64::INFINITY,
            last: Instant::now(),
        }
    }

    /// Takes a token if one is there, refilling at `rate` per second up to `burst`.
    pub fn take(&mut self, rate: u32, burst: u32, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * f64::from(rate)).min(f64::from(burst));
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_full_bucket_holds_exactly_the_burst_of_its_first_take() {
        let t0 = Instant::now();
        let mut b = Bucket::full();
        assert_eq!((0..30).filter(|_| b.take(10, 20, t0)).count(), 20);
    }

    #[test]
    fn allows_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut b = Bucket::new(20);
        assert_eq!((0..30).filter(|_| b.take(10, 20, t0)).count(), 20);
        // A tenth of a second refills one token at 10 per second.
        assert!(b.take(10, 20, t0 + Duration::from_millis(100)));
        assert!(!b.take(10, 20, t0 + Duration::from_millis(100)));
        // Never more than the burst, however long the pause.
        let later = t0 + Duration::from_secs(3600);
        assert_eq!((0..30).filter(|_| b.take(10, 20, later)).count(), 20);
    }
}
