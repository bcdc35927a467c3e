//! Tests of percentile extraction, merging, ratios and medians.

use super::*;

fn rec_of_micros(values: impl IntoIterator<Item = u64>) -> Recorder {
    let mut r = Recorder::new();
    for v in values {
        r.record(Duration::from_micros(v));
    }
    r
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= b.abs() * 0.002 + 1e-9
}

#[test]
fn percentiles_of_1_to_100_microseconds() {
    let lat = rec_of_micros(1..=100).latency();
    assert!(close(lat.p50, 50.0), "{lat:?}");
    assert!(close(lat.p90, 90.0), "{lat:?}");
    assert!(close(lat.p99, 99.0), "{lat:?}");
    assert!(close(lat.max, 100.0), "{lat:?}");
    assert!(close(lat.mean, 50.5), "{lat:?}");
}

#[test]
fn empty_recorder_reports_zeros() {
    let r = Recorder::new();
    assert_eq!(r.count(), 0);
    assert_eq!(r.latency(), Latency::default());
}

#[test]
fn huge_latency_is_clamped_not_lost() {
    let mut r = Recorder::new();
    r.record(Duration::from_secs(3600));
    r.record(Duration::ZERO);
    assert_eq!(r.count(), 2);
    assert!(r.latency().max >= 59_000_000.0);
}

#[test]
fn merge_adds_counts() {
    let mut a = rec_of_micros([10, 20]);
    a.merge(&rec_of_micros([30]));
    assert_eq!(a.count(), 3);
    assert!(close(a.latency().max, 30.0));
}

#[test]
fn error_counts_add_merge_and_skip_zero() {
    let mut e = ErrorCounts::default();
    e.add("timeout", 1);
    e.add("ERROR 102", 0);
    let mut f = ErrorCounts::default();
    f.add("timeout", 2);
    f.add("ERROR 102", 3);
    e.merge(&f);
    assert_eq!(e.total(), 6);
    assert_eq!(e.0.get("timeout"), Some(&3));
    assert_eq!(
        serde_json::to_value(&e).ok(),
        Some(serde_json::json!({"ERROR 102": 3, "timeout": 3}))
    );
}

#[test]
fn summary_rate_and_json_shape() {
    let s = Summary::new(
        &rec_of_micros([100; 50]),
        60,
        ErrorCounts::default(),
        Duration::from_millis(500),
    );
    assert_eq!((s.messages, s.planned, s.errors), (50, 60, 0));
    assert!(close(s.msgs_per_sec, 100.0));
    let v = serde_json::to_value(&s).unwrap_or_default();
    for key in [
        "messages",
        "planned",
        "errors",
        "error_kinds",
        "seconds",
        "msgs_per_sec",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    for key in ["p50", "p90", "p99", "max", "mean"] {
        assert!(v["latency_us"].get(key).is_some(), "missing latency {key}");
    }
}

#[test]
fn zero_time_gives_zero_rate() {
    let s = Summary::new(
        &rec_of_micros([1]),
        1,
        ErrorCounts::default(),
        Duration::ZERO,
    );
    assert_eq!(s.msgs_per_sec, 0.0);
}

#[test]
fn ratios_against_floor() {
    let mut scen = Summary::default();
    scen.latency_us.p50 = 30.0;
    scen.msgs_per_sec = 8_000.0;
    let mut floor = Summary::default();
    floor.latency_us.p50 = 20.0;
    floor.msgs_per_sec = 10_000.0;
    let r = Ratios::of(&scen, &floor);
    assert!(
        close(r.latency_p50, 1.5) && close(r.throughput, 0.8),
        "{r:?}"
    );
    assert_eq!(Ratios::of(&scen, &Summary::default()).latency_p50, 0.0);
}

#[test]
fn ratio_guards_division() {
    assert_eq!(ratio(1.0, 0.0), 0.0);
    assert_eq!(ratio(f64::NAN, 2.0), 0.0);
    assert_eq!(ratio(3.0, 2.0), 1.5);
}

#[test]
fn median_odd_even_empty_nan() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
    assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    assert_eq!(median(&[]), 0.0);
    assert_eq!(median(&[f64::NAN, 5.0]), 5.0);
}

#[test]
fn median_summary_takes_medians_and_sums_errors() {
    let mk = |p50: f64, rate: f64, errs: u64| {
        let mut e = ErrorCounts::default();
        e.add("timeout", errs);
        Summary {
            messages: 10,
            planned: 10,
            errors: errs,
            error_kinds: e,
            seconds: 1.0,
            msgs_per_sec: rate,
            latency_us: Latency {
                p50,
                ..Latency::default()
            },
        }
    };
    let (a, b, c) = (mk(10.0, 300.0, 0), mk(30.0, 100.0, 1), mk(20.0, 200.0, 2));
    let m = median_summary(&[&a, &b, &c]);
    assert_eq!(
        (m.latency_us.p50, m.msgs_per_sec, m.errors),
        (20.0, 200.0, 3)
    );
    let r = median_ratios(&[
        Ratios {
            latency_p50: 1.0,
            throughput: 0.5,
        },
        Ratios {
            latency_p50: 3.0,
            throughput: 0.7,
        },
        Ratios {
            latency_p50: 2.0,
            throughput: 0.9,
        },
    ]);
    assert_eq!((r.latency_p50, r.throughput), (2.0, 0.7));
}
