//! Ready threads for connections: still a thread per connection, but a thread whose
//! connection ended (or whose receiving socket went to a hub) waits for the next one instead
//! of exiting, and a thread that takes a connection first starts a spare if none is left.
//!
//! Starting a thread costs tens of microseconds of the kernel's time (its stack, its signal
//! stack, and at exit the unmapping of both, with a TLB shootdown on every core). In a login
//! storm that was most of the server's work, and it was done on the accept loop's thread:
//! now the accept loop only hands a connection to a waiting thread.

use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::io;
use std::sync::Arc;
use std::thread;

/// Stack of a connection thread: enough for the handlers, small enough for 20,000 of them.
pub(super) const CONN_STACK: usize = 128 * 1024;
/// Idle threads kept waiting; more than that exit when their connection ends.
const SPARE: usize = 32;

/// One connection's work, from its first byte to its close.
pub(super) type Job = Box<dyn FnOnce() + Send>;

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    /// Threads waiting for a job.
    idle: usize,
    stopping: bool,
}

/// The pool of connection threads.
#[derive(Default)]
pub(super) struct Workers {
    state: Mutex<State>,
    wake: Condvar,
}

impl Workers {
    /// Runs `job` on a waiting thread, or on a new one when none waits.
    pub(super) fn run(self: &Arc<Self>, job: Job) -> io::Result<()> {
        let mut st = self.state.lock();
        if st.idle > st.jobs.len() {
            st.jobs.push_back(job);
            self.wake.notify_one();
            return Ok(());
        }
        drop(st);
        self.spawn(Some(job))
    }

    fn spawn(self: &Arc<Self>, first: Option<Job>) -> io::Result<()> {
        let me = self.clone();
        thread::Builder::new()
            .name("conn".into())
            .stack_size(CONN_STACK)
            .spawn(move || me.work(first))
            .map(drop)
    }

    /// Ends the waiting threads (those serving a connection end with it).
    pub(super) fn stop(&self) {
        self.state.lock().stopping = true;
        self.wake.notify_all();
    }

    fn work(self: Arc<Self>, mut job: Option<Job>) {
        loop {
            if let Some(job) = job.take() {
                job();
            }
            let mut st = self.state.lock();
            if st.stopping || st.idle >= SPARE {
                return;
            }
            st.idle += 1;
            while st.jobs.is_empty() && !st.stopping {
                self.wake.wait(&mut st);
            }
            st.idle -= 1;
            job = st.jobs.pop_front();
            // The last waiting thread taken: start the next one now, off the accept loop.
            let spare = job.is_some() && st.idle == 0;
            drop(st);
            if job.is_none() {
                return;
            }
            if spare {
                let _ = self.spawn(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_thread_whose_job_ended_takes_the_next() {
        let workers = Arc::new(Workers::default());
        let (tx, rx) = mpsc::channel();
        for i in 0..4 {
            let tx = tx.clone();
            let name = move || thread::current().id();
            workers
                .run(Box::new(move || tx.send((i, name())).unwrap()))
                .unwrap();
            let (got, _) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            assert_eq!(got, i);
        }
        workers.stop();
        // After stop, a job still runs (on a thread of its own) and no thread waits.
        let tx2 = tx.clone();
        workers
            .run(Box::new(move || {
                tx2.send((9, thread::current().id())).unwrap()
            }))
            .unwrap();
        assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap().0, 9);
    }
}
