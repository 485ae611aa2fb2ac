//! The request parser never panics, never consumes more than it was given, and gives the same
//! requests (and the same error) however the bytes are split across reads.
#![no_main]

use libfuzzer_sys::fuzz_target;
use resp::{Limits, ProtocolError, RequestParser};

type Outcome = (Vec<Vec<Vec<u8>>>, Option<ProtocolError>);

/// Feeds `input` in chunks whose sizes come from `cuts` (the whole input when empty).
fn feed(input: &[u8], cuts: &[u16], limits: Limits) -> Outcome {
    let mut parser = RequestParser::new(limits);
    let mut buf: Vec<u8> = Vec::new();
    let mut fed = 0;
    let mut reqs = Vec::new();
    let mut cut = cuts.iter().map(|&c| usize::from(c) % 64 + 1).cycle();
    loop {
        let take = if cuts.is_empty() {
            input.len() - fed
        } else {
            cut.next().unwrap().min(input.len() - fed)
        };
        buf.extend_from_slice(&input[fed..fed + take]);
        fed += take;
        loop {
            match parser.parse(&buf) {
                Ok(Some(req)) => {
                    let n = req.consumed();
                    assert!(n > 0 && n <= buf.len(), "consumed {n} of {}", buf.len());
                    if !req.is_empty() {
                        reqs.push(req.iter().map(<[u8]>::to_vec).collect());
                    }
                    buf.drain(..n);
                }
                Ok(None) => break,
                Err(e) => return (reqs, Some(e)),
            }
        }
        if fed == input.len() {
            return (reqs, None);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // Byte 0 steers the run (bit 0: small limits; the rest seeds the read sizes) so that the
    // committed seeds stay readable protocol text after it.
    let Some((&control, bytes)) = data.split_first() else {
        return;
    };
    // Small limits let the fuzzer reach the "too big" paths with short inputs.
    let limits = if control & 1 == 1 {
        Limits {
            max_bulk_len: 64,
            max_args: 16,
            max_inline: 48,
        }
    } else {
        Limits::default()
    };
    let mut x = u32::from(control) | 0x9E37_0000;
    let cuts: Vec<u16> = (0..32)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u16
        })
        .collect();
    let whole = feed(bytes, &[], limits);
    assert_eq!(whole, feed(bytes, &cuts, limits));
    if bytes.len() <= 4096 {
        assert_eq!(whole, feed(bytes, &[0], limits), "byte by byte");
    }
});
