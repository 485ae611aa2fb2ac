//! Codec throughput, ferrokey's `resp` side by side with the `redis-protocol` crate on the
//! same bytes in the same run: parsing a pipelined batch of SET/GET requests, and encoding the
//! replies such a batch produces. `cargo xtask bench` (or `cargo bench -p resp`).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use redis_protocol::resp2::decode::{decode, decode_range};
use redis_protocol::resp2::encode::encode_borrowed;
use redis_protocol::resp2::types::{BorrowedFrame, OwnedFrame, RangeFrame};
use resp::{Protocol, ReplyWriter, RequestParser};

/// Commands per pipelined batch: alternating `SET key:<i> <32-byte value>` and `GET key:<i>`.
const BATCH: usize = 1000;
const VALUE: &[u8] = b"abcdefghijklmnopqrstuvwxyz012345";

fn request_batch() -> Vec<u8> {
    let mut buf = Vec::new();
    for i in 0..BATCH / 2 {
        let key = format!("key:{i:08}");
        buf.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$32\r\n", key.len()).as_bytes(),
        );
        buf.extend_from_slice(VALUE);
        buf.extend_from_slice(b"\r\n");
        buf.extend_from_slice(format!("*2\r\n$3\r\nGET\r\n${}\r\n{key}\r\n", key.len()).as_bytes());
    }
    buf
}

/// Total argument bytes, so every parser's output is walked the same way.
fn range_len(frame: &RangeFrame) -> usize {
    match frame {
        RangeFrame::Array(items) => items.iter().map(range_len).sum(),
        RangeFrame::BulkString((start, end)) => end - start,
        _ => 0,
    }
}

fn owned_len(frame: &OwnedFrame) -> usize {
    match frame {
        OwnedFrame::Array(items) => items.iter().map(owned_len).sum(),
        OwnedFrame::BulkString(b) => b.len(),
        _ => 0,
    }
}

fn parse(c: &mut Criterion) {
    let batch = request_batch();
    let mut g = c.benchmark_group(format!("parse_{BATCH}_set_get"));
    g.throughput(Throughput::Bytes(batch.len() as u64));

    g.bench_function("ferrokey", |b| {
        let mut parser = RequestParser::default();
        b.iter(|| {
            let mut at = 0;
            let mut total = 0;
            while let Some(req) = parser.parse(&batch[at..]).unwrap() {
                at += req.consumed();
                total += req.iter().map(<[u8]>::len).sum::<usize>();
            }
            black_box(total)
        })
    });
    g.bench_function("redis-protocol decode_range (zero-copy)", |b| {
        b.iter(|| {
            let mut at = 0;
            let mut count = 0;
            while let Some((frame, used)) = decode_range(&batch[at..]).unwrap() {
                at += used;
                count += range_len(&frame);
            }
            black_box(count)
        })
    });
    g.bench_function("redis-protocol decode (owned)", |b| {
        b.iter(|| {
            let mut at = 0;
            let mut count = 0;
            while let Some((frame, used)) = decode(&batch[at..]).unwrap() {
                at += used;
                count += owned_len(&frame);
            }
            black_box(count)
        })
    });
    g.finish();
}

fn encode(c: &mut Criterion) {
    let frames: Vec<BorrowedFrame<'_>> = (0..BATCH)
        .map(|i| {
            if i % 2 == 0 {
                BorrowedFrame::SimpleString(b"OK")
            } else {
                BorrowedFrame::BulkString(VALUE)
            }
        })
        .collect();
    let mut expected = Vec::new();
    {
        let mut w = ReplyWriter::new(&mut expected, Protocol::Resp2);
        for i in 0..BATCH {
            if i % 2 == 0 {
                w.simple(b"OK");
            } else {
                w.bulk(VALUE);
            }
        }
    }
    let mut g = c.benchmark_group(format!("encode_{BATCH}_replies"));
    g.throughput(Throughput::Bytes(expected.len() as u64));

    g.bench_function("ferrokey", |b| {
        let mut out = Vec::with_capacity(expected.len());
        b.iter(|| {
            out.clear();
            let mut w = ReplyWriter::new(&mut out, Protocol::Resp2);
            for i in 0..BATCH {
                if i % 2 == 0 {
                    w.simple(b"OK");
                } else {
                    w.bulk(black_box(VALUE));
                }
            }
            black_box(out.len())
        })
    });
    g.bench_function("redis-protocol encode_borrowed", |b| {
        let mut out = vec![0u8; expected.len()];
        b.iter(|| {
            let mut at = 0;
            for f in &frames {
                at += encode_borrowed(&mut out[at..], black_box(f), false).unwrap();
            }
            black_box(at)
        })
    });
    g.finish();

    // Both encoders must produce the same bytes, or the comparison means nothing.
    let mut theirs = vec![0u8; expected.len()];
    let mut at = 0;
    for f in &frames {
        at += encode_borrowed(&mut theirs[at..], f, false).unwrap();
    }
    assert_eq!(theirs, expected);
}

criterion_group!(benches, parse, encode);
criterion_main!(benches);
