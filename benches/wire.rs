//! Criterion benchmarks of the wire codec: decoding a SEND with 16, 1024 and 65536-byte
//! bodies, encoding a FORWARD, and decoding a SEND that arrives one byte at a time (the
//! decoder is asked again after every byte, as a stream parser would be).

use chat::wire::{decode, Command, Limits, Message};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;

fn send_bytes(size: usize) -> Vec<u8> {
    Message::with_body(Command::Send { to: "bob".into() }, vec![b'x'; size]).to_bytes()
}

fn decode_send(c: &mut Criterion) {
    let limits = Limits::default();
    let mut group = c.benchmark_group("decode_send");
    for size in [16usize, 1024, 65536] {
        let bytes = send_bytes(size);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &bytes, |b, bytes| {
            b.iter(|| decode(black_box(bytes), &limits))
        });
    }
    group.finish();
}

fn encode_forward(c: &mut Criterion) {
    let msg = Message::with_body(
        Command::Forward {
            from: "alice".into(),
        },
        vec![b'x'; 64],
    );
    let mut out = Vec::with_capacity(256);
    c.bench_function("encode_forward_64", |b| {
        b.iter(|| {
            out.clear();
            black_box(&msg).encode(&mut out);
            black_box(out.len())
        })
    });
}

fn decode_byte_by_byte(c: &mut Criterion) {
    let limits = Limits::default();
    let bytes = send_bytes(16);
    c.bench_function("decode_send_16_byte_by_byte", |b| {
        b.iter(|| {
            let mut got = None;
            for end in 1..=bytes.len() {
                if let Ok(Some(m)) = decode(black_box(&bytes[..end]), &limits) {
                    got = Some(m);
                }
            }
            got
        })
    });
}

criterion_group!(benches, decode_send, encode_forward, decode_byte_by_byte);
criterion_main!(benches);
