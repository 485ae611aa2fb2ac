//! Integer text both ways: Redis's strict `string2ll` parse and an allocation-free digit writer.

/// Parses a decimal `i64` exactly as Redis's `string2ll` does: an optional `-`, no `+`, no
/// leading zeros (except `0` itself), no spaces, no overflow. `-0` is rejected.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (neg, digits) = match s {
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > 1u64 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Writes the decimal digits of `v` into the end of `buf` and returns them.
pub fn u64_digits(mut v: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[at..]
}

/// Writes `v` (with a leading `-` when negative) into the end of `buf` and returns it.
pub fn i64_digits(v: i64, buf: &mut [u8; 20]) -> &[u8] {
    let len = u64_digits(v.unsigned_abs(), buf).len();
    if v < 0 {
        let at = buf.len() - len - 1;
        buf[at] = b'-';
        &buf[at..]
    } else {
        &buf[buf.len() - len..]
    }
}

/// Appends the decimal form of `v` to `out`.
pub fn push_i64(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(i64_digits(v, &mut buf));
}

/// Appends the decimal form of `v` to `out`.
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 20];
    out.extend_from_slice(u64_digits(v, &mut buf));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_parse_follows_string2ll() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"42"), Some(42));
        assert_eq!(parse_i64(b"-42"), Some(-42));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"+1",
            b"01",
            b" 1",
            b"1 ",
            b"1x",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999999",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn digits_match_std_formatting() {
        for v in [0, 1, -1, 9, 10, -10, 12345, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            push_i64(&mut out, v);
            assert_eq!(out, v.to_string().into_bytes());
        }
        let mut out = Vec::new();
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string().into_bytes());
    }
}
