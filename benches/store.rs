//! Criterion benchmarks of the store (`chat::store::Sqlite`) on a real file in the temp dir
//! (WAL, `synchronous=FULL`: every commit is on disk):
//! - `store_offline_stream`: one fast sender queues `store_offline`s and the iteration ends
//!   when the last `done` arrives, so the time per element is the cost of one committed
//!   message under group commit (the elements/s line is the throughput). The batches the
//!   store thread made are printed after it.
//! - `store_offline_one_by_one`: each call waits for its `done` before the next: one commit
//!   (one fsync) per message, the cost group commit saves.

use chat::core::store::{Done, Record, Store};
use chat::store::{Sqlite, StoreConfig, StoreStats};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

/// How many mailboxes the messages are spread over (none fills up during a run).
const RECIPIENTS: u64 = 10_000;

struct Bench {
    dir: PathBuf,
    store: Option<Sqlite>,
    next: u64,
}

impl Bench {
    fn new(name: &str) -> Bench {
        let dir = std::env::temp_dir().join(format!("chat-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("bench dir");
        let config = StoreConfig {
            mailbox_max: 1000,
            ..StoreConfig::file(dir.join("chat.db"))
        };
        let store = Sqlite::open(&config).expect("open the store");
        Bench {
            dir,
            store: Some(store),
            next: 0,
        }
    }

    fn store(&self) -> &Sqlite {
        self.store.as_ref().expect("open")
    }

    /// The next message, to one of [`RECIPIENTS`] mailboxes.
    fn record(&mut self) -> Record {
        self.next += 1;
        Record {
            id: self.next,
            time: SystemTime::now(),
            from: "ann".into(),
            to: Some(format!("user{}", self.next % RECIPIENTS)),
            emote: false,
            body: vec![b'x'; 64],
        }
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        drop(self.store.take());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn done(tx: &mpsc::Sender<bool>) -> Done<()> {
    let tx = tx.clone();
    Box::new(move |r| {
        let _ = tx.send(r.is_ok());
    })
}

fn report(name: &str, before: StoreStats, after: StoreStats) {
    let jobs = after.jobs - before.jobs;
    let commits = (after.commits - before.commits).max(1);
    eprintln!(
        "{name}: {jobs} jobs in {commits} commits, {:.1} jobs per commit on average, \
         largest batch {}",
        jobs as f64 / commits as f64,
        after.largest_batch
    );
}

fn stream(c: &mut Criterion) {
    let mut bench = Bench::new("stream");
    let before = bench.store().stats();
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("store_offline_stream", |b| {
        b.iter_custom(|iters| {
            let (tx, rx) = mpsc::channel();
            let start = Instant::now();
            for _ in 0..iters {
                let record = bench.record();
                bench.store().store_offline(record, done(&tx));
            }
            let ok = (0..iters).filter(|_| rx.recv().unwrap_or(false)).count();
            let elapsed = start.elapsed();
            assert_eq!(ok as u64, iters, "every message committed");
            elapsed
        })
    });
    group.finish();
    report("store_offline_stream", before, bench.store().stats());
}

fn one_by_one(c: &mut Criterion) {
    let mut bench = Bench::new("one");
    let before = bench.store().stats();
    let (tx, rx) = mpsc::channel();
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.sample_size(10);
    group.bench_function("store_offline_one_by_one", |b| {
        b.iter(|| {
            let record = bench.record();
            bench.store().store_offline(record, done(&tx));
            assert!(rx.recv().unwrap_or(false), "committed");
        })
    });
    group.finish();
    report("store_offline_one_by_one", before, bench.store().stats());
}

criterion_group!(benches, stream, one_by_one);
criterion_main!(benches);
