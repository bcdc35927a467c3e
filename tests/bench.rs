//! Runs the real `bench` binary with `--spawn` and tiny numbers, and checks its JSON:
//! the fields are there, the counts add up, nothing failed. No timing assertions.

#[path = "support/mod.rs"]
mod support;

use serde_json::Value;
use std::process::Command;
use support::reliability::RealServer;

fn bench_json(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["--json", "--timeout", "5"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run bench: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench {args:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("bad JSON ({e}):\n{stdout}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Checks one summary: `messages` completed of `planned`, no errors, sane latencies.
fn check_summary(s: &Value, planned: u64) {
    assert_eq!(s["planned"], planned, "{s}");
    assert_eq!(s["messages"], planned, "{s}");
    assert_eq!(s["errors"], 0, "{s}");
    assert!(num(&s["msgs_per_sec"]) > 0.0, "{s}");
    let lat = &s["latency_us"];
    let (p50, p90, p99, max) = (
        num(&lat["p50"]),
        num(&lat["p90"]),
        num(&lat["p99"]),
        num(&lat["max"]),
    );
    assert!(0.0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max, "{lat}");
}

fn check_report(v: &Value, scenario: &str, planned: u64, with_floor: bool) -> Value {
    assert_eq!(v["scenario"], scenario);
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["errors"], 0);
    let run = v["runs"][0].clone();
    check_summary(&run["result"], planned);
    check_summary(&v["median"]["result"], planned);
    if with_floor {
        assert!(run["floor"].is_object(), "{run}");
        assert!(num(&run["ratios"]["latency_p50"]) > 0.0, "{run}");
        assert!(num(&run["ratios"]["throughput"]) > 0.0, "{run}");
    }
    run
}

#[test]
fn unicast_four_clients_twenty_messages() {
    let v = bench_json(&["--spawn", "unicast", "-c", "4", "-m", "20", "--warmup", "5"]);
    let run = check_report(&v, "unicast", 80, true);
    check_summary(&run["floor"], 80);
    assert_eq!(run["server"]["spawned"], true);
    // every successful SEND (warm-up included) was forwarded to one of our receivers
    assert_eq!(run["details"]["unicast"]["forwards_received"], 4 * 25);
}

#[test]
fn broadcast_to_five() {
    let v = bench_json(&[
        "--spawn",
        "--no-floor",
        "broadcast",
        "-r",
        "5",
        "-m",
        "10",
        "--warmup",
        "2",
    ]);
    let run = check_report(&v, "broadcast", 10, false);
    let b = &run["details"]["broadcast"];
    assert_eq!(b["fanout"], 5);
    assert_eq!(b["forwards_received"], 5 * 12);
    assert_eq!(run.get("floor"), Some(&Value::Null), "{run}");
}

#[test]
fn broadcast_next_to_the_fan_out_floor() {
    let v = bench_json(&[
        "--spawn",
        "broadcast",
        "--senders",
        "2",
        "-r",
        "4",
        "-m",
        "10",
        "--warmup",
        "2",
    ]);
    let run = check_report(&v, "broadcast", 20, true);
    // The floor is the fan-out one: each of 2 senders to 5 recipients, 10 rounds each
    // (the unicast floor would have run 2 pairs).
    check_summary(&run["floor"], 20);
    assert_eq!(v["config"]["floor_fanout"], 5);
}

#[test]
fn the_fan_out_floor_alone() {
    let v = bench_json(&[
        "floor", "-c", "1", "--fanout", "30", "-m", "15", "--warmup", "3",
    ]);
    check_report(&v, "floor", 15, false);
    assert_eq!(v["config"]["fanout"], 30);
}

#[test]
fn idle_twenty_held_while_probing() {
    let v = bench_json(&["--spawn", "idle", "-n", "20", "-m", "20", "--warmup", "5"]);
    let run = check_report(&v, "idle", 40, true);
    let i = &run["details"]["idle"];
    assert_eq!(i["requested"], 20);
    assert_eq!(i["registered"], 20);
    assert_eq!(i["closed_by_server"], 0);
    assert_eq!(i["idle_forwards"], 0);
    // the spawned server is local, so its memory and threads are known
    assert!(num(&i["server_after_probes"]["rss_kb"]) > 0.0, "{i}");
    assert!(num(&i["server_after_probes"]["threads"]) >= 1.0, "{i}");
    // registrations per second from a standing start, and memory per user
    let per_sec = num(&i["registrations_per_sec"]);
    let expect = 20.0 / num(&i["register_seconds"]);
    assert!((per_sec - expect).abs() < 1e-6 * expect, "{i}");
    assert!(num(&i["server_before"]["rss_kb"]) > 0.0, "{i}");
    assert!(i["kb_per_user"].is_number(), "{i}");
}

#[test]
fn stored_two_senders_to_three_offline_recipients() {
    let v = bench_json(&[
        "--spawn", "stored", "-r", "3", "-c", "2", "-m", "10", "--warmup", "2",
    ]);
    // Next to it, the disk floor: one writer, the same messages per sender.
    let run = check_report(&v, "stored", 20, true);
    check_summary(&run["floor"], 10);
    let s = &run["details"]["stored"];
    assert_eq!(s["recipients"], 3);
    assert_eq!(s["senders"], 2);
    // 12 messages per sender over 3 mailboxes: 4 each from each sender.
    assert_eq!(s["mailbox_needed"], 8);
    assert!(num(&s["setup_seconds"]) > 0.0, "{s}");
    assert_eq!(run["server"]["spawned"], true);
}

#[test]
fn floor_alone_needs_no_server() {
    let v = bench_json(&[
        "floor", "-c", "2", "-m", "20", "--warmup", "5", "--runs", "2",
    ]);
    check_report(&v, "floor", 40, false);
    assert_eq!(v["runs"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["runs"][0].get("server"), Some(&Value::Null), "{v}");
}

#[test]
fn no_server_given_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_bench"))
        .args(["unicast"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run bench: {e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--spawn"));
}

#[test]
fn rooms_storms_and_a_room_next_to_all() {
    let v = bench_json(&["--spawn", "rooms", "-r", "6", "-m", "10", "--warmup", "2"]);
    let run = check_report(&v, "rooms", 10, true);
    let r = &run["details"]["rooms"];
    assert_eq!(r["members"], 6);
    assert_eq!(r["fanout"], 5);
    // Each of the two senders' 12 messages reached the 5 others, every one acknowledged.
    assert_eq!(r["forwards_received"], 2 * 12 * 5);
    // Every join was told (a room of 6 is small): 15 events, all read before the sends
    // that followed them on the same sockets; the parts' events may still be in flight.
    assert_eq!(r["events_if_all_told"], 15 + 14);
    let events = r["room_events"].as_u64().unwrap();
    assert!((15..=29).contains(&events), "{r}");
    assert!(
        num(&r["joins_per_sec"]) > 0.0 && num(&r["parts_per_sec"]) > 0.0,
        "{r}"
    );
    assert!(num(&r["room_vs_all"]) > 0.0, "{r}");
}

#[test]
fn users_spread_over_two_servers() {
    // Two servers that are not one chat: each user reaches only those on its own server.
    let servers = ["bench-spread-a", "bench-spread-b"]
        .map(|log| RealServer::start(log, &["--rate-limit", "0", "--no-console"]));
    let (a, b) = (&servers[0], &servers[1]);
    let on_both = format!(
        "--server {},{} --server-pid {},{} --no-settle --no-floor",
        a.addr,
        b.addr,
        a.child.id(),
        b.child.id()
    );
    let bench_on_both = |scenario: &str| {
        let line = format!("{on_both} {scenario}");
        bench_json(&line.split_whitespace().collect::<Vec<_>>())
    };
    let v = bench_on_both("broadcast --senders 2 -r 5 -m 10 --warmup 2");
    let run = check_report(&v, "broadcast", 20, false);
    assert_eq!(run["server"]["servers"], 2);
    // Users 0, 2, 4, 6 on the first server, 1, 3, 5 on the second; the senders are users
    // 0 and 1: each of 12 broadcasts reaches 3 on the first, 2 on the second.
    assert_eq!(
        run["details"]["broadcast"]["forwards_received"],
        12 * 3 + 12 * 2
    );
    // Idle users held by two child processes, spread over both servers too.
    let v = bench_on_both("idle -n 12 --holders 2 --active 1 -m 10 --warmup 2");
    let i = check_report(&v, "idle", 10, false)["details"]["idle"].clone();
    assert_eq!((&i["registered"], &i["holders"]), (&12.into(), &2.into()));
    assert_eq!(i["closed_by_server"], 0);
    let each = i["servers_after_register"].as_array().cloned();
    let each = each.unwrap_or_default();
    assert_eq!(each.len(), 2, "{i}");
    assert!(each.iter().all(|s| num(&s["rss_kb"]) > 0.0), "{i}");
}

#[test]
fn a_spawned_cluster_of_two_nodes() {
    // nats-server and two nodes of our own; one server, then across, in the same run.
    let args = "--spawn --nodes 2 --no-floor cluster -c 4 -m 20 --warmup 5";
    let v = bench_json(&args.split_whitespace().collect::<Vec<_>>());
    let run = check_report(&v, "cluster", 80, false);
    assert_eq!(run["server"]["servers"], 2);
    assert!(run["server"]["nats"].is_string(), "{run}");
    check_summary(&run["baseline"], 80);
    assert!(num(&run["vs_baseline"]["latency_p50"]) > 0.0, "{run}");
    assert!(num(&v["median"]["vs_baseline"]["throughput"]) > 0.0, "{v}");
    let c = &run["details"]["cluster"];
    assert_eq!(
        (c["servers"].clone(), c["cross_server"].clone()),
        (2.into(), true.into())
    );
    assert_eq!(c["forwards_received"], 4 * 25);
    // Next to it, a NATS request and reply through the cluster's nats-server, no chat.
    check_summary(&c["nats_floor"], 80);
}
