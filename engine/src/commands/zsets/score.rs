//! Scores and ranges as Valkey reads them: scores through C's `strtod` rules (decimal digits,
//! `inf`/`infinity` in any case, no blanks, no hex), strictly for ZADD-style arguments and
//! leniently for range bounds, and `[x`/`(x`/`-`/`+` lexicographic bounds.

use crate::commands::CmdError;
use crate::value::{LexBound, LexRange, ScoreRange};

/// How many leading bytes of `s` C's `strtod` would consume (0 when none), without skipping
/// blanks (Valkey rejects or never passes them).
fn float_prefix(s: &[u8]) -> usize {
    let sign = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let rest = &s[sign..];
    let starts =
        |word: &[u8]| rest.len() >= word.len() && rest[..word.len()].eq_ignore_ascii_case(word);
    if starts(b"infinity") {
        return sign + 8;
    }
    if starts(b"inf") || starts(b"nan") {
        return sign + 3;
    }
    let digits = |from: usize| s[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut i = sign;
    let int_digits = digits(i);
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        frac_digits = digits(i + 1);
        if int_digits + frac_digits > 0 {
            i += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return 0;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut k = i + 1;
        if matches!(s.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let exp_digits = digits(k);
        if exp_digits > 0 {
            i = k + exp_digits;
        }
    }
    i
}

/// The value of a prefix accepted by [`float_prefix`].
fn value_of(prefix: &[u8]) -> f64 {
    std::str::from_utf8(prefix)
        .ok()
        .and_then(|t| t.parse::<f64>().ok())
        .expect("float_prefix accepts only what Rust parses")
}

/// A score argument (ZADD, ZINCRBY, WEIGHTS): the whole text must be a number, not NaN, and
/// not out of range (Valkey's `getDoubleFromObject`); `inf` is allowed.
pub(crate) fn parse_float(s: &[u8]) -> Option<f64> {
    let n = float_prefix(s);
    if n == 0 || n != s.len() {
        return None;
    }
    let v = value_of(s);
    let mantissa_end = s
        .iter()
        .position(|b| matches!(b, b'e' | b'E'))
        .unwrap_or(s.len());
    let literal_inf = s
        .iter()
        .any(|b| b.is_ascii_alphabetic() && !matches!(b, b'e' | b'E'));
    let overflow = v.is_infinite() && !literal_inf;
    // strtod reports ERANGE when a non-zero number underflows to zero.
    let underflow = v == 0.0 && s[..mantissa_end].iter().any(|b| matches!(b, b'1'..=b'9'));
    (!v.is_nan() && !overflow && !underflow).then_some(v)
}

/// A score argument, with Valkey's error.
pub(crate) fn parse_score(s: &[u8]) -> Result<f64, CmdError> {
    parse_float(s).ok_or(CmdError::NotFloat)
}

/// One bound of a score range: `(` makes it exclusive; out-of-range numbers saturate, an
/// empty text reads as 0 and a NUL byte ends the text (C string rules).
fn parse_bound(s: &[u8]) -> Option<(f64, bool)> {
    let (s, exclusive) = match s.first() {
        Some(b'(') => (&s[1..], true),
        _ => (s, false),
    };
    let n = float_prefix(s);
    if n < s.len() && s[n] != 0 {
        return None;
    }
    let v = if n == 0 { 0.0 } else { value_of(&s[..n]) };
    (!v.is_nan()).then_some((v, exclusive))
}

/// A `min max` score range.
pub(crate) fn parse_score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    let err = || CmdError::Other("ERR min or max is not a float");
    let (min, min_ex) = parse_bound(min).ok_or_else(err)?;
    let (max, max_ex) = parse_bound(max).ok_or_else(err)?;
    Ok(ScoreRange {
        min,
        min_ex,
        max,
        max_ex,
    })
}

fn parse_lex_bound(s: &[u8]) -> Option<LexBound> {
    match s {
        b"+" => Some(LexBound::Max),
        b"-" => Some(LexBound::Min),
        [b'(', rest @ ..] => Some(LexBound::Excl(rest.to_vec())),
        [b'[', rest @ ..] => Some(LexBound::Incl(rest.to_vec())),
        _ => None,
    }
}

/// A `min max` lexicographic range.
pub(crate) fn parse_lex_range(min: &[u8], max: &[u8]) -> Result<LexRange, CmdError> {
    let err = || CmdError::Other("ERR min or max not valid string range item");
    Ok(LexRange {
        min: parse_lex_bound(min).ok_or_else(err)?,
        max: parse_lex_bound(max).ok_or_else(err)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Each case was checked with `ZADD z <s> m` and `ZCOUNT z <s> <s>` on Valkey 9.1.2.
    #[test]
    fn strict_scores_follow_valkey() {
        for ok in [
            "+.5",
            "-.5e1",
            "1e+5",
            "1E5",
            "+inf",
            "+INF",
            "Inf",
            "-Infinity",
            "-0",
            "00012",
            "1.",
            "4.9e-324",
            "1.7976931348623157e308",
            "0.00000000000000000000001",
        ] {
            assert!(parse_float(ok.as_bytes()).is_some(), "{ok}");
        }
        for bad in [
            "",
            " 1",
            "1 ",
            "0x10",
            ".e1",
            ".",
            "infinit",
            "infx",
            "nan",
            "+nan",
            "1e",
            "1e+",
            "++1",
            "+-1",
            "1e400",
            "1e-400",
            "2e-324",
            "1.7976931348623159e308",
            "1_0",
            "1\0",
        ] {
            assert!(parse_float(bad.as_bytes()).is_none(), "{bad:?}");
        }
        assert_eq!(parse_float(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_float(b"+.5"), Some(0.5));
    }

    #[test]
    fn range_bounds_are_lenient_like_strtod() {
        assert_eq!(parse_bound(b""), Some((0.0, false)));
        assert_eq!(parse_bound(b"("), Some((0.0, true)));
        assert_eq!(parse_bound(b"(1e400"), Some((f64::INFINITY, true)));
        assert_eq!(parse_bound(b"1e-400"), Some((0.0, false)));
        assert_eq!(parse_bound(b"2\0junk"), Some((2.0, false)));
        for bad in [&b"nan"[..], b" 1", b"(0x10", b"abc", b"1x"] {
            assert_eq!(parse_bound(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn lex_bounds() {
        assert_eq!(parse_lex_bound(b"-"), Some(LexBound::Min));
        assert_eq!(parse_lex_bound(b"+"), Some(LexBound::Max));
        assert_eq!(parse_lex_bound(b"(a"), Some(LexBound::Excl(b"a".to_vec())));
        assert_eq!(parse_lex_bound(b"["), Some(LexBound::Incl(Vec::new())));
        for bad in [&b""[..], b"a", b"-a", b"+x"] {
            assert_eq!(parse_lex_bound(bad), None);
        }
    }
}
