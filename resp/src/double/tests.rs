//! Expected texts below were read off Valkey 9.1.2 (`ZADD z <input> m` then `ZSCORE z m`, and
//! `EVAL "return {double=-0.0}"`), not from this code.

use super::*;

fn fmt(d: f64) -> String {
    let mut buf = [0u8; MAX_DOUBLE_LEN];
    String::from_utf8(format_double(d, &mut buf).to_vec()).unwrap()
}

#[test]
fn matches_valkey_on_checked_values() {
    let cases: &[(f64, &str)] = &[
        (1e19, "1e+19"),
        (1.5e20, "1.5e+20"),
        (0.0001, "0.0001"),
        (0.00001, "0.00001"),
        (123456789012345678901234.0, "123456789012345690000000"),
        (4611686018427387904.0, "4611686018427387904"),
        (9007199254740993.0, "9007199254740992"),
        (1e-7, "1e-7"),
        (3.25, "3.25"),
        (-0.0, "-0"),
        (1e300, "1e+300"),
        (1e17, "100000000000000000"),
        (1e16, "10000000000000000"),
        (123456789.0, "123456789"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (0.1, "0.1"),
        (1e20, "1e+20"),
        (12345678901234567.0, "12345678901234568"),
        (1234567890123456789012.0, "1234567890123456800000"),
        (0.000012345678, "1.2345678e-5"),
        (1.2345678, "1.2345678"),
        (1234567.125, "1234567.125"),
        (0.001234, "0.001234"),
        (12345678901234567890123456.0, "1.2345678901234568e+25"),
        (1e22, "1e+22"),
        (1e23, "99999999999999990000000"),
        (123e-20, "1.23e-18"),
        (2.5e-5, "0.000025"),
        (-2.5e-7, "-2.5e-7"),
        (f64::INFINITY, "inf"),
        (f64::NEG_INFINITY, "-inf"),
        (f64::NAN, "nan"),
        (0.0, "0"),
    ];
    for &(d, want) in cases {
        assert_eq!(fmt(d), want, "formatting {d:e}");
    }
}

#[test]
fn every_output_parses_back_to_the_same_double() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..200_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let d = f64::from_bits(x);
        if !d.is_finite() {
            continue;
        }
        let s = fmt(d);
        let back: f64 = s.parse().unwrap();
        assert_eq!(back.to_bits(), d.to_bits(), "{s} for {d:e}");
        assert!(s.len() <= 25, "{s}");
    }
}
