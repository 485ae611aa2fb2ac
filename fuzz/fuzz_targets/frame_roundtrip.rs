//! Any frame, encoded for RESP3 or RESP2, parses back to what a client of that protocol
//! should read (`Frame::as_received`), using exactly the bytes written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use resp::{decode, DecodeLimits, Frame, Protocol};

fuzz_target!(|frame: Frame| {
    for proto in [Protocol::Resp3, Protocol::Resp2] {
        let mut out = Vec::new();
        frame.encode(&mut out, proto);
        let (back, used) = decode(&out, &DecodeLimits::default()).unwrap().unwrap();
        assert_eq!(used, out.len());
        assert_eq!(
            back,
            frame.as_received(proto),
            "{proto:?}: {:?}",
            String::from_utf8_lossy(&out)
        );
    }
});
