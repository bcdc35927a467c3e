//! Numbers out of a run: latency histograms, error counters, the per-scenario
//! [`Summary`], its ratio to the floor, and medians over several runs.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Longest latency the histogram holds (longer ones are clamped to it): one minute.
const MAX_NANOS: u64 = 60_000_000_000;

/// Latencies of one or more threads, in nanoseconds, 3 significant digits.
pub struct Recorder {
    hist: Histogram<u64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder::new()
    }
}

impl Recorder {
    pub fn new() -> Recorder {
        // The bounds are constants known to be valid (1 <= low, high >= 2 * low, sigfig 3);
        // should the crate ever refuse them, an auto-resizing histogram does the same job.
        let hist = Histogram::new_with_bounds(1, MAX_NANOS, 3)
            .or_else(|_| Histogram::new(3))
            .unwrap_or_else(|_| unreachable!("3 significant digits is always valid"));
        Recorder { hist }
    }

    pub fn record(&mut self, latency: Duration) {
        let nanos = u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX);
        self.hist.saturating_record(nanos.clamp(1, MAX_NANOS));
    }

    /// Adds everything `other` recorded.
    pub fn merge(&mut self, other: &Recorder) {
        // Same bounds on both sides, so adding cannot fail; saturate if it ever did.
        if self.hist.add(&other.hist).is_err() {
            for v in other.hist.iter_recorded() {
                self.hist
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Percentiles in microseconds; all zero when nothing was recorded.
    pub fn latency(&self) -> Latency {
        if self.hist.is_empty() {
            return Latency::default();
        }
        let us = |nanos: u64| nanos as f64 / 1000.0;
        Latency {
            p50: us(self.hist.value_at_quantile(0.50)),
            p90: us(self.hist.value_at_quantile(0.90)),
            p99: us(self.hist.value_at_quantile(0.99)),
            max: us(self.hist.max()),
            mean: self.hist.mean() / 1000.0,
        }
    }
}

/// Counters of failed operations by kind (`"ERROR 102"`, `"timeout"`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ErrorCounts(pub BTreeMap<String, u64>);

impl ErrorCounts {
    pub fn add(&mut self, kind: impl Into<String>, n: u64) {
        if n > 0 {
            *self.0.entry(kind.into()).or_insert(0) += n;
        }
    }

    pub fn merge(&mut self, other: &ErrorCounts) {
        for (k, n) in &other.0 {
            self.add(k.clone(), *n);
        }
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// Latency percentiles in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Latency {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// What one measured phase produced.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Operations that completed successfully while measuring.
    pub messages: u64,
    /// Operations the configuration asked for.
    pub planned: u64,
    /// Failed operations (also those during warm-up and registration), all kinds together.
    pub errors: u64,
    pub error_kinds: ErrorCounts,
    /// Wall time of the measured phase.
    pub seconds: f64,
    pub msgs_per_sec: f64,
    pub latency_us: Latency,
}

impl Summary {
    pub fn new(rec: &Recorder, planned: u64, errors: ErrorCounts, elapsed: Duration) -> Summary {
        let seconds = elapsed.as_secs_f64();
        let messages = rec.count();
        Summary {
            messages,
            planned,
            errors: errors.total(),
            error_kinds: errors,
            seconds,
            msgs_per_sec: if seconds > 0.0 {
                messages as f64 / seconds
            } else {
                0.0
            },
            latency_us: rec.latency(),
        }
    }
}

/// The scenario against the floor: above 1 means slower (latency) or faster (throughput).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Ratios {
    /// Scenario p50 latency divided by floor p50 latency.
    pub latency_p50: f64,
    /// Scenario messages per second divided by floor messages per second.
    pub throughput: f64,
}

impl Ratios {
    pub fn of(scenario: &Summary, floor: &Summary) -> Ratios {
        Ratios {
            latency_p50: ratio(scenario.latency_us.p50, floor.latency_us.p50),
            throughput: ratio(scenario.msgs_per_sec, floor.msgs_per_sec),
        }
    }
}

/// `a / b`, or 0 when `b` is not a positive number (nothing to compare with).
pub fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 && a.is_finite() {
        a / b
    } else {
        0.0
    }
}

/// The median; the mean of the two middle values for an even count; 0 for none.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Field-by-field median of several runs' summaries; errors are added up, not medianed.
pub fn median_summary(runs: &[&Summary]) -> Summary {
    let m = |f: fn(&Summary) -> f64| median(&runs.iter().map(|s| f(s)).collect::<Vec<_>>());
    let mut errors = ErrorCounts::default();
    for s in runs {
        errors.merge(&s.error_kinds);
    }
    Summary {
        messages: m(|s| s.messages as f64).round() as u64,
        planned: m(|s| s.planned as f64).round() as u64,
        errors: errors.total(),
        error_kinds: errors,
        seconds: m(|s| s.seconds),
        msgs_per_sec: m(|s| s.msgs_per_sec),
        latency_us: Latency {
            p50: m(|s| s.latency_us.p50),
            p90: m(|s| s.latency_us.p90),
            p99: m(|s| s.latency_us.p99),
            max: m(|s| s.latency_us.max),
            mean: m(|s| s.latency_us.mean),
        },
    }
}

/// Median of each ratio over the runs (each run is paired with its own floor).
pub fn median_ratios(runs: &[Ratios]) -> Ratios {
    Ratios {
        latency_p50: median(&runs.iter().map(|r| r.latency_p50).collect::<Vec<_>>()),
        throughput: median(&runs.iter().map(|r| r.throughput).collect::<Vec<_>>()),
    }
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
