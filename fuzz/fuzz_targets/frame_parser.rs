//! The frame parser never panics on arbitrary bytes; what it accepts re-encodes to bytes it
//! accepts again as the same value, and every prefix of an accepted value is "need more".
#![no_main]

use libfuzzer_sys::fuzz_target;
use resp::{decode, DecodeLimits, Protocol};

fuzz_target!(|data: &[u8]| {
    let limits = DecodeLimits {
        max_depth: 32,
        max_bulk_len: 1 << 20,
    };
    let Ok(Some((frame, used))) = decode(data, &limits) else {
        return;
    };
    assert!(used <= data.len());
    for cut in [0, used / 2, used.saturating_sub(1)] {
        if cut < used {
            assert_eq!(
                decode(&data[..cut], &limits),
                Ok(None),
                "prefix {cut} of {used}"
            );
        }
    }
    let mut out = Vec::new();
    frame.encode(&mut out, Protocol::Resp3);
    let (again, n) = decode(&out, &limits).unwrap().unwrap();
    assert_eq!(n, out.len());
    assert_eq!(again, frame.as_received(Protocol::Resp3));
});
