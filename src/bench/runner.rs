//! The closed loop every scenario measures with: one thread per sender, each doing an
//! unmeasured warm-up, then all starting together, each sending one message at a time
//! and timing it until its reply.

use crate::client::CLIENT_STACK;
use crate::error::{BenchError, OpError};
use crate::progress::Progress;
use crate::stats::{ErrorCounts, Recorder};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// One sender: `once` sends one message and waits until it is answered.
pub trait Probe: Send + 'static {
    fn once(&mut self) -> Result<(), OpError>;
}

/// How much each sender does.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub warmup: u64,
    pub messages: u64,
}

/// Everything the senders measured, merged.
pub struct Outcome {
    pub rec: Recorder,
    pub errors: ErrorCounts,
    /// From the moment all senders were released to the moment the last one finished.
    pub elapsed: Duration,
    pub planned: u64,
}

/// Lets the main thread release all senders at once after their warm-up, or tell them
/// to give up (when not all of them could be started).
#[derive(Default)]
struct Gate {
    state: Mutex<(usize, Option<bool>)>,
    cv: Condvar,
}

impl Gate {
    /// Called by a sender after warm-up; true when measuring should start.
    fn arrive_and_wait(&self) -> bool {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.0 += 1;
        self.cv.notify_all();
        loop {
            if let Some(go) = st.1 {
                return go;
            }
            st = self.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn wait_for(&self, n: usize) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        while st.0 < n {
            st = self.cv.wait(st).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn open(&self, go: bool) {
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        st.1 = Some(go);
        self.cv.notify_all();
    }
}

/// Progress is reported in steps of this many messages, to keep its cost off the loop.
const PROGRESS_STEP: u64 = 32;

fn sender_thread<P: Probe>(
    mut probe: P,
    plan: Plan,
    gate: &Gate,
    progress: &Progress,
) -> (Recorder, ErrorCounts) {
    let mut rec = Recorder::new();
    let mut errors = ErrorCounts::default();
    let mut alive = true;
    for _ in 0..plan.warmup {
        if let Err(e) = probe.once() {
            errors.add(format!("warmup {}", e.kind()), 1);
            if e.is_fatal() {
                alive = false;
                break;
            }
        }
    }
    if !gate.arrive_and_wait() || !alive {
        return (rec, errors);
    }
    let mut pending = 0;
    for _ in 0..plan.messages {
        let t0 = Instant::now();
        match probe.once() {
            Ok(()) => rec.record(t0.elapsed()),
            Err(e) => {
                errors.add(e.kind(), 1);
                if e.is_fatal() {
                    break;
                }
            }
        }
        pending += 1;
        if pending == PROGRESS_STEP {
            progress.inc(pending);
            pending = 0;
        }
    }
    progress.inc(pending);
    (rec, errors)
}

/// Runs every probe on its own thread (small stack) and merges what they measured.
pub fn closed_loop<P: Probe>(
    probes: Vec<P>,
    plan: Plan,
    progress: &Progress,
) -> Result<Outcome, BenchError> {
    let planned = plan.messages * probes.len() as u64;
    let gate = Arc::new(Gate::default());
    let mut handles = Vec::with_capacity(probes.len());
    for probe in probes {
        let (gate2, progress2) = (gate.clone(), progress.clone());
        let spawned = thread::Builder::new()
            .name("sender".into())
            .stack_size(CLIENT_STACK)
            .spawn(move || sender_thread(probe, plan, &gate2, &progress2));
        match spawned {
            Ok(h) => handles.push(h),
            Err(e) => {
                gate.open(false);
                for h in handles {
                    let _ = h.join();
                }
                return Err(BenchError::Thread(e));
            }
        }
    }
    gate.wait_for(handles.len());
    let start = Instant::now();
    gate.open(true);
    let mut rec = Recorder::new();
    let mut errors = ErrorCounts::default();
    let mut panicked = false;
    for h in handles {
        match h.join() {
            Ok((r, e)) => {
                rec.merge(&r);
                errors.merge(&e);
            }
            Err(_) => panicked = true,
        }
    }
    let elapsed = start.elapsed();
    if panicked {
        return Err(BenchError::Panicked);
    }
    Ok(Outcome {
        rec,
        errors,
        elapsed,
        planned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Scripted(Vec<Result<(), u16>>);

    impl Probe for Scripted {
        fn once(&mut self) -> Result<(), OpError> {
            match self.0.pop() {
                Some(Ok(())) => Ok(()),
                Some(Err(0)) => Err(OpError::Timeout),
                Some(Err(code)) => Err(OpError::Refused(code)),
                None => Err(OpError::Closed),
            }
        }
    }

    #[test]
    fn counts_successes_and_errors_and_stops_on_fatal() {
        // popped from the back: warm-up Ok, then Ok, ERROR 102, Ok, timeout (fatal).
        let a = Scripted(vec![Ok(()), Err(0), Ok(()), Err(102), Ok(()), Ok(())]);
        let b = Scripted(vec![Ok(()); 6]);
        let plan = Plan {
            warmup: 1,
            messages: 5,
        };
        let out = match closed_loop(vec![a, b], plan, &Progress::hidden()) {
            Ok(out) => out,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(out.planned, 10);
        assert_eq!(out.rec.count(), 2 + 5);
        assert_eq!(out.errors.0.get("ERROR 102"), Some(&1));
        assert_eq!(out.errors.0.get("timeout"), Some(&1));
    }

    #[test]
    fn fatal_warmup_error_skips_measuring_without_hanging() {
        let a = Scripted(vec![]);
        let plan = Plan {
            warmup: 3,
            messages: 3,
        };
        let out = closed_loop(vec![a], plan, &Progress::hidden());
        let Ok(out) = out else {
            panic!("closed_loop failed")
        };
        assert_eq!(out.rec.count(), 0);
        assert_eq!(out.errors.0.get("warmup closed"), Some(&1));
    }
}
