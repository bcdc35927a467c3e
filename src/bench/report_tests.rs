//! Tests of the report: JSON shape, medians over runs, error accounting, the table.

use super::*;
use crate::stats::{ErrorCounts, Latency};

fn summary(p50: f64, rate: f64, errors: u64) -> Summary {
    let mut kinds = ErrorCounts::default();
    kinds.add("ERROR 102", errors);
    Summary {
        messages: 100,
        planned: 100,
        errors,
        error_kinds: kinds,
        seconds: 1.0,
        msgs_per_sec: rate,
        latency_us: Latency {
            p50,
            p90: p50 * 2.0,
            p99: p50 * 3.0,
            max: p50 * 4.0,
            mean: p50,
        },
    }
}

fn run(p50: f64, rate: f64, floor_p50: f64, floor_rate: f64, errors: u64) -> RunReport {
    let result = summary(p50, rate, errors);
    let floor = summary(floor_p50, floor_rate, 0);
    RunReport {
        server: None,
        ratios: Some(Ratios::of(&result, &floor)),
        result,
        floor: Some(floor),
        details: Some(Details::Unicast(UnicastInfo {
            clients: 4,
            servers: 1,
            cross_server: false,
            forwards_received: 100,
            register_seconds: 0.1,
        })),
        baseline: None,
        vs_baseline: None,
    }
}

#[test]
fn medians_over_three_runs_and_ratios() {
    let runs = vec![
        run(30.0, 900.0, 20.0, 1000.0, 0),
        run(10.0, 1100.0, 10.0, 1000.0, 0),
        run(20.0, 1000.0, 10.0, 1000.0, 0),
    ];
    let r = Report::new("unicast", serde_json::json!({"clients": 4}), runs);
    assert_eq!(r.median.result.latency_us.p50, 20.0);
    assert_eq!(r.median.result.msgs_per_sec, 1000.0);
    let ratios = r.median.ratios.unwrap_or(Ratios {
        latency_p50: 0.0,
        throughput: 0.0,
    });
    // per-run p50 ratios 1.5, 1.0, 2.0 -> median 1.5; throughput 0.9, 1.1, 1.0 -> 1.0
    assert_eq!((ratios.latency_p50, ratios.throughput), (1.5, 1.0));
    assert!(r.ok && r.errors == 0);
}

#[test]
fn errors_make_the_report_not_ok_and_say_so() {
    let r = Report::new(
        "unicast",
        serde_json::json!({}),
        vec![run(1.0, 1.0, 1.0, 1.0, 2)],
    );
    assert!(!r.ok);
    assert_eq!(r.errors, 2);
    let text = r.human();
    assert!(text.contains("2 ERRORS"), "{text}");
    assert!(text.contains("ERROR 102"), "{text}");
}

#[test]
fn json_shape_has_every_field_scripts_read() {
    let r = Report::new(
        "unicast",
        serde_json::json!({"clients": 4}),
        vec![run(2.0, 5.0, 1.0, 10.0, 0)],
    );
    let v = serde_json::to_value(&r).unwrap_or_default();
    assert_eq!(v["scenario"], "unicast");
    assert_eq!(v["config"]["clients"], 4);
    assert_eq!(v["ok"], true);
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(1));
    let run0 = &v["runs"][0];
    assert_eq!(run0["details"]["unicast"]["forwards_received"], 100);
    assert_eq!(run0["ratios"]["latency_p50"], 2.0);
    assert_eq!(run0["ratios"]["throughput"], 0.5);
    for part in ["result", "floor"] {
        assert!(v["median"][part]["latency_us"]["p99"].is_number(), "{part}");
        assert!(v["median"][part]["msgs_per_sec"].is_number(), "{part}");
    }
}

#[test]
fn floor_only_report_has_no_ratios() {
    let mut only = run(1.0, 1.0, 1.0, 1.0, 0);
    only.floor = None;
    only.ratios = None;
    only.details = None;
    let r = Report::new("floor", serde_json::json!({}), vec![only]);
    assert!(r.median.floor.is_none() && r.median.ratios.is_none());
    let v = serde_json::to_value(&r).unwrap_or_default();
    // Present and null: a failed serialization (Value::Null) or a missing key fails here.
    assert_eq!(v["median"].get("ratios"), Some(&serde_json::Value::Null));
    assert!(!r.human().contains("vs floor"));
}

#[test]
fn idle_details_line_mentions_memory() {
    let info = IdleInfo {
        requested: 10,
        registered: 10,
        server_after_probes: Some(ProcStatus {
            rss_kb: 2048,
            hwm_kb: 4096,
            threads: 21,
        }),
        register_seconds: 0.5,
        registrations_per_sec: 20.0,
        kb_per_user: Some(12.5),
        ..IdleInfo::default()
    };
    let line = details_line(&Details::Idle(info));
    assert!(
        line.contains("10/10 idle registered in 0.50s (20/s)")
            && line.contains("2.0 MB")
            && line.contains("21 threads")
            && line.ends_with(", 12.5 KiB per user"),
        "{line}"
    );
}

#[test]
fn a_same_run_baseline_gets_its_median_ratio_and_row() {
    let runs: Vec<RunReport> = [(30.0, 10.0), (40.0, 10.0), (50.0, 20.0)]
        .into_iter()
        .map(|(p50, one_p50)| {
            let mut r = run(p50, 1000.0, 10.0, 1000.0, 0);
            let one = summary(one_p50, 2000.0, 0);
            r.vs_baseline = Some(Ratios::of(&r.result, &one));
            r.baseline = Some(one);
            r
        })
        .collect();
    let r = Report::new("cluster", serde_json::json!({}), runs);
    // per-run p50 ratios 3, 4, 2.5 -> median 3; throughput 0.5 each
    let vs = r.median.vs_baseline.map(|v| (v.latency_p50, v.throughput));
    assert_eq!(vs, Some((3.0, 0.5)));
    let one_p50 = r.median.baseline.as_ref().map(|b| b.latency_us.p50);
    assert_eq!(one_p50, Some(10.0));
    let text = r.human();
    assert!(text.contains("1 server med") && text.contains("vs 1 server: p50 latency 3.00x"));
}
