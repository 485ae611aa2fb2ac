//! Helpers the engine's in-process tests share.

use crate::Connection;

/// Feeds `input` to `c` at `now_us` (Unix microseconds) and returns what it answered, as a
/// runtime would: the output is taken and reported written.
pub(crate) fn talk(c: &mut Connection, input: &str, now_us: u64) -> String {
    c.receive(input.as_bytes(), now_us);
    let mut out = Vec::new();
    c.take_output(&mut out);
    c.output_written();
    String::from_utf8(out).expect("replies are UTF-8 in these tests")
}
