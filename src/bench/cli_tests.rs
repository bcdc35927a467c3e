//! Tests of the command line of `bench`.

use super::*;

fn parse(args: &[&str]) -> Cli {
    match Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied())) {
        Ok(cli) => cli,
        Err(e) => panic!("parse {args:?}: {e}"),
    }
}

#[test]
fn unicast_defaults_and_global_options_after_subcommand() {
    let cli = parse(&["unicast", "--spawn", "--json", "-c", "4"]);
    assert!(cli.common.spawn && cli.common.json);
    let Scenario::Unicast(u) = cli.scenario else {
        panic!("not unicast")
    };
    assert_eq!(
        (u.clients, u.messages, u.size, u.warmup),
        (4, 1000, 64, 100)
    );
}

#[test]
fn broadcast_and_idle_sizes() {
    let cli = parse(&["--server", "127.0.0.1:7000", "broadcast", "-r", "5"]);
    assert_eq!(cli.common.server, ["127.0.0.1:7000"]);
    assert!(matches!(cli.scenario, Scenario::Broadcast(b) if b.recipients == 5 && b.senders == 1));
    let cli = parse(&[
        "idle",
        "-n",
        "9500",
        "--server-pid",
        "42",
        "--server",
        "h:1",
    ]);
    assert_eq!(cli.common.server_pid, [42]);
    assert!(matches!(cli.scenario, Scenario::Idle(i) if i.idle == 9500 && i.active == 2));
}

#[test]
fn server_args_pass_through_with_dashes() {
    let cli = parse(&[
        "floor",
        "--server-arg",
        "--ack-timeout",
        "--server-arg",
        "5",
    ]);
    assert_eq!(cli.common.server_arg, ["--ack-timeout", "5"]);
}

#[test]
fn validate_wants_exactly_one_server_source() {
    let cli = parse(&["unicast"]);
    assert!(cli.common.validate(true).is_err());
    assert!(cli.common.validate(false).is_ok());
    let cli = parse(&["unicast", "--spawn", "--server", "a:1"]);
    assert!(cli.common.validate(true).is_err());
    let cli = parse(&["unicast", "--spawn", "--runs", "0"]);
    assert!(cli.common.validate(true).is_err());
}

#[test]
fn stored_defaults() {
    let cli = parse(&["--spawn", "stored", "-c", "64"]);
    let Scenario::Stored(s) = cli.scenario else {
        panic!("not stored")
    };
    assert_eq!(
        (s.recipients, s.clients, s.messages, s.size, s.warmup),
        (100, 64, 1000, 64, 20)
    );
}

#[test]
fn unknown_scenario_is_an_error() {
    assert!(Cli::try_parse_from(["bench", "multicast"]).is_err());
}

#[test]
fn several_servers_and_spawned_nodes() {
    let cli = parse(&["--server", "a:1,b:2", "--server-pid", "7,8", "broadcast"]);
    assert_eq!(cli.common.server, ["a:1", "b:2"]);
    assert_eq!(cli.common.server_pid, [7, 8]);
    assert_eq!(cli.common.servers(), 2);
    assert!(cli.common.validate(true).is_ok());
    let cli = parse(&["--spawn", "--nodes", "3", "cluster", "-c", "6"]);
    assert_eq!(cli.common.servers(), 3);
    assert!(cli.common.validate(true).is_ok());
    assert!(matches!(cli.scenario, Scenario::Cluster(u) if u.clients == 6));
    // --nodes spawns; a list of servers speaks one protocol.
    assert!(parse(&["--nodes", "2", "unicast"])
        .common
        .validate(true)
        .is_err());
    let json = parse(&["--server", "a:1,b:2", "--protocol", "json", "unicast"]);
    assert!(json.common.validate(true).is_err());
}
