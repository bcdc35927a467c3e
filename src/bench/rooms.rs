//! The `rooms` scenario (PROTOCOL.md Part 8): R users asking for `rooms` all join one room
//! at once (a join storm), one of them sends to the room in the closed loop while another
//! sends `SEND ALL` to the same users (the same fan-out, so the two are comparable in one
//! run), then the others all part at once (a part storm). The room's sends are the measured
//! result; its floor is the fan-out floor, as for `broadcast`.

use crate::cli::RoomsArgs;
use crate::client::{expect_reply, Sender, Target};
use crate::error::BenchError;
use crate::fleet::{self, Dial};
use crate::progress::Progress;
use crate::report::{Details, RoomsInfo};
use crate::runner::{closed_loop, Plan};
use crate::scenarios::body;
use crate::stats::{ErrorCounts, Summary};
use chat::net::conn::Conn;
use chat::wire::{Command, Message};
use std::time::Instant;

/// Receiver threads, as for `broadcast`: every member acks every room message.
const RECV_THREADS: usize = 2;

/// Every user in `conns` sends `command` on its TOSEND at once; returns how long it took
/// until every one was answered (`ok` or an error, counted as `<what> <kind>`).
fn storm(
    conns: &mut [Conn],
    command: &Message,
    what: &str,
    ok: impl Fn(&Message) -> bool,
    errors: &mut ErrorCounts,
) -> f64 {
    let start = Instant::now();
    let mut sent = Vec::with_capacity(conns.len());
    for conn in conns.iter_mut() {
        match conn.write_msg(command) {
            Ok(()) => sent.push(conn),
            Err(e) => errors.add(format!("{what} io: {:?}", e.kind()), 1),
        }
    }
    for conn in sent {
        if let Err(e) = expect_reply(conn, &ok) {
            errors.add(format!("{what} {}", e.kind()), 1);
        }
    }
    start.elapsed().as_secs_f64()
}

/// Events a storm of `n` joins would cost the members if every one were told: the k-th
/// joiner is announced to the k - 1 before it (and `p` parts from `n`, to those left:
/// `told_to_all(n) - told_to_all(n - p)`).
fn told_to_all(n: usize) -> u64 {
    let n = n as u64;
    n * n.saturating_sub(1) / 2
}

/// Runs the scenario once.
pub fn rooms(dial: &Dial, args: &RoomsArgs, run: u32) -> Result<(Summary, Details), BenchError> {
    let pool = dial.recv_threads.unwrap_or(RECV_THREADS);
    let count = args.members.max(2);
    let mut fleet = fleet::register_asking(dial, &format!("m{run}"), count, pool, Some("rooms"))?;
    let members = fleet.names.len();
    let register_seconds = fleet.register_seconds;
    let room = format!("#bench-{}-{run}", std::process::id());
    let mut conns = fleet.take_senders();
    let mut errors = std::mem::take(&mut fleet.errors);
    let join = Message::new(Command::Other {
        verb: "JOIN".into(),
        args: room.clone(),
    });
    let joined =
        |m: &Message| matches!(&m.command, Command::Other { verb, .. } if verb == "JOINED");
    let join_seconds = storm(&mut conns, &join, "join", joined, &mut errors);
    if conns.len() < 2 {
        fleet.finish();
        return Err(BenchError::NobodyRegistered(
            "fewer than two members".into(),
        ));
    }
    let mut rest = conns.split_off(2);
    let body = body(args.size);
    let mut pair = conns.into_iter();
    let (Some(to_room), Some(to_all)) = (pair.next(), pair.next()) else {
        unreachable!("two connections were kept");
    };
    let plan = Plan {
        warmup: args.warmup,
        messages: args.messages,
    };
    let send = |conn: Conn, to: &str, label: &str| {
        let progress = Progress::new(dial.progress, label, plan.messages);
        let sender = Sender::new(conn, Target::Fixed(to.to_string()), &body, 0);
        let out = closed_loop(vec![sender], plan, &progress);
        progress.finish();
        out
    };
    let in_room = send(to_room, &room, "room");
    let to_everyone = send(to_all, "ALL", "all");
    let part = Message::new(Command::Other {
        verb: "PART".into(),
        args: room.clone(),
    });
    let parted =
        |m: &Message| matches!(&m.command, Command::Other { verb, .. } if verb == "PARTED");
    let part_seconds = storm(&mut rest, &part, "part", parted, &mut errors);
    let recv = fleet.finish();
    let (in_room, to_everyone) = (in_room?, to_everyone?);
    errors.merge(&in_room.errors);
    errors.merge(&to_everyone.errors);
    errors.merge(&recv.all_errors());
    let summary = Summary::new(&in_room.rec, plan.messages, errors, in_room.elapsed);
    let all = Summary::new(
        &to_everyone.rec,
        plan.messages,
        to_everyone.errors,
        to_everyone.elapsed,
    );
    let info = RoomsInfo {
        members,
        fanout: members - 1,
        register_seconds,
        join_seconds,
        joins_per_sec: members as f64 / join_seconds.max(f64::EPSILON),
        part_seconds,
        parts_per_sec: rest.len() as f64 / part_seconds.max(f64::EPSILON),
        room_events: recv.events,
        events_if_all_told: told_to_all(members) + told_to_all(members)
            - told_to_all(members - rest.len()),
        all_p50_us: all.latency_us.p50,
        room_vs_all: summary.latency_us.p50 / all.latency_us.p50.max(f64::EPSILON),
        forwards_received: recv.forwards,
    };
    Ok((summary, Details::Rooms(info)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storm_told_to_everyone_grows_with_the_square() {
        assert_eq!(told_to_all(0), 0);
        assert_eq!(told_to_all(1), 0);
        assert_eq!(told_to_all(2), 1);
        assert_eq!(told_to_all(1000), 499_500);
    }
}
