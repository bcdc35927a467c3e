//! Tests of the non-blocking outbox over real loopback sockets.

use super::*;
use std::net::TcpListener;

fn pair() -> (Arc<TcpStream>, TcpStream) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (b, _) = l.accept().unwrap();
    (Arc::new(a), b)
}

#[test]
fn a_reader_that_stops_never_blocks_the_writer_and_gets_everything_later() {
    let (a, mut b) = pair();
    let out = Outbox::new(a, 64 << 20, Flusher::start().unwrap());
    let frame: Frame = Arc::new(vec![7u8; 64 * 1024]);
    // Far more than any socket buffer holds; each push returns at once.
    for _ in 0..200 {
        out.push(frame.clone()).unwrap();
    }
    assert!(out.queued() > 0);
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    while got < 200 * 64 * 1024 {
        got += b.read(&mut buf).unwrap();
    }
    assert_eq!(got, 200 * 64 * 1024);
}

#[test]
fn concurrent_writers_never_interleave_or_lose_frames() {
    let (a, mut b) = pair();
    let out = Outbox::new(a, 64 << 20, Flusher::start().unwrap());
    const THREADS: usize = 4;
    const EACH: usize = 5000;
    let writers: Vec<_> = (0..THREADS)
        .map(|t| {
            let out = out.clone();
            std::thread::spawn(move || {
                for i in 0..EACH {
                    // Fixed-size frames: "t:iiiiii" plus padding, 64 bytes.
                    let mut frame = format!("{t}:{i:06}").into_bytes();
                    frame.resize(64, b'.');
                    out.push(Arc::new(frame)).unwrap();
                }
            })
        })
        .collect();
    let mut next = [0usize; THREADS];
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    while next.iter().sum::<usize>() < THREADS * EACH {
        let n = b.read(&mut chunk).unwrap();
        assert!(n > 0, "closed early");
        buf.extend_from_slice(&chunk[..n]);
        let whole = buf.len() / 64 * 64;
        for frame in buf[..whole].chunks(64) {
            let text = std::str::from_utf8(&frame[..8]).unwrap();
            let (t, i) = text.split_once(':').unwrap();
            let (t, i): (usize, usize) = (t.parse().unwrap(), i.parse().unwrap());
            assert_eq!(i, next[t], "thread {t}: frames out of order or lost");
            assert!(frame[8..].iter().all(|&c| c == b'.'), "interleaved frame");
            next[t] += 1;
        }
        buf.drain(..whole);
    }
    for w in writers {
        w.join().unwrap();
    }
}

#[test]
fn close_lets_an_active_writer_finish_what_was_queued() {
    let (a, mut b) = pair();
    let out = Outbox::new(a, 64 << 20, Flusher::start().unwrap());
    // Become the writer without writing yet, queue a second frame behind it, close.
    assert_eq!(out.enqueue(Arc::new(b"first\n".to_vec())), Ok(true));
    assert_eq!(out.enqueue(Arc::new(b"second\n".to_vec())), Ok(false));
    out.close();
    assert_eq!(
        out.enqueue(Arc::new(b"late\n".to_vec())),
        Err(PushError::Closed)
    );
    out.write_queued();
    let mut got = Vec::new();
    b.read_to_end(&mut got).unwrap();
    assert_eq!(got, b"first\nsecond\n");
}

#[test]
fn overflow_and_close_are_reported() {
    let (a, _b) = pair();
    let out = Outbox::new(a, 1 << 20, Flusher::start().unwrap());
    let frame: Frame = Arc::new(vec![1u8; 64 * 1024]);
    let mut result = Ok(());
    for _ in 0..2000 {
        result = out.push(frame.clone());
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(result, Err(PushError::Overflow(_))));
    out.close();
    assert_eq!(out.push(frame), Err(PushError::Closed));
}
