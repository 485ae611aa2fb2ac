//! Double formatting exactly as Redis/Valkey print scores and RESP3 doubles (`d2string`):
//! `nan`, `inf`, `-inf`, `0`/`-0`, integral values in ±2^62 as plain integers, everything
//! else as the Grisu2 digits that Valkey's `fpconv_dtoa` produces, laid out the same way.
//!
//! Grisu2 is not always the shortest round-trip form (1e23 prints as `99999999999999990000000`),
//! so Rust's own shortest formatter would disagree with the reference on rare values; this
//! module reproduces the reference algorithm instead.

mod powers;

use powers::POWERS_OF_TEN;

/// Longest text [`format_double`] can produce (`-1.7976931348623157e+308` is 24 bytes).
pub const MAX_DOUBLE_LEN: usize = 32;

/// Formats `d` the way Valkey's `d2string` does and returns the used prefix of `buf`.
pub fn format_double(d: f64, buf: &mut [u8; MAX_DOUBLE_LEN]) -> &[u8] {
    let len = if let Some(len) = put_special(d, buf) {
        len
    } else if let Some(i) = double_to_i64(d) {
        let mut tmp = [0u8; 20];
        let digits = crate::int::i64_digits(i, &mut tmp);
        put(buf, 0, digits)
    } else {
        fpconv_dtoa(d, buf)
    };
    &buf[..len]
}

/// `nan`, `inf`, `-inf`, `0` and `-0`, which both formatters print the same way; `None` for
/// any other value.
fn put_special(d: f64, buf: &mut [u8; MAX_DOUBLE_LEN]) -> Option<usize> {
    let text: &[u8] = if d.is_nan() {
        b"nan"
    } else if d.is_infinite() {
        if d > 0.0 {
            b"inf"
        } else {
            b"-inf"
        }
    } else if d == 0.0 {
        if d.is_sign_negative() {
            b"-0"
        } else {
            b"0"
        }
    } else {
        return None;
    };
    Some(put(buf, 0, text))
}

/// Formats `d` as Valkey's `fpconv_dtoa` does on its own, without `d2string`'s integer
/// shortcut (DEBUG DIGEST hashes sorted-set scores this way: 1e17 is `1e+17` here but
/// `100000000000000000` in [`format_double`]).
pub fn format_fpconv(d: f64, buf: &mut [u8; MAX_DOUBLE_LEN]) -> &[u8] {
    let len = put_special(d, buf).unwrap_or_else(|| fpconv_dtoa(d, buf));
    &buf[..len]
}

/// Formats `d` as C's `printf("%.17g")` (17 significant digits, trailing zeros dropped,
/// exponent form below 1e-4 or from 1e17): how Valkey prints the scores of a skiplist-encoded
/// sorted set in ZSCAN (`0.10000000000000001`, `9.2233720368547758e+18`).
pub fn format_g17(d: f64) -> String {
    if d.is_nan() {
        return if d.is_sign_negative() { "-nan" } else { "nan" }.to_owned();
    }
    if d.is_infinite() {
        return if d > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    // The decimal exponent after rounding to 17 digits decides the layout, as in C.
    let sci = format!("{d:.16e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent digits");
    if (-4..17).contains(&exp) {
        let fixed = format!("{d:.*}", (16 - exp) as usize);
        trim_fraction(&fixed).to_owned()
    } else {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim_fraction(mantissa), exp.abs())
    }
}

/// `1.500` → `1.5`, `2.000` → `2` (what `%g` does to its digits).
fn trim_fraction(digits: &str) -> &str {
    if digits.contains('.') {
        digits.trim_end_matches('0').trim_end_matches('.')
    } else {
        digits
    }
}

/// Appends the formatted double to `out`.
pub fn push_double(out: &mut Vec<u8>, d: f64) {
    let mut buf = [0u8; MAX_DOUBLE_LEN];
    out.extend_from_slice(format_double(d, &mut buf));
}

/// Valkey's `double2ll`: integral values within ±(i64::MAX / 2) print as integers.
fn double_to_i64(d: f64) -> Option<i64> {
    const LIMIT: f64 = (i64::MAX / 2) as f64;
    if !(-LIMIT..=LIMIT).contains(&d) {
        return None;
    }
    let i = d as i64;
    (i as f64 == d).then_some(i)
}

fn put(buf: &mut [u8], at: usize, s: &[u8]) -> usize {
    buf[at..at + s.len()].copy_from_slice(s);
    at + s.len()
}

const FRAC_MASK: u64 = 0x000F_FFFF_FFFF_FFFF;
const EXP_MASK: u64 = 0x7FF0_0000_0000_0000;
const HIDDEN_BIT: u64 = 0x0010_0000_0000_0000;
const EXP_BIAS: i32 = 1023 + 52;

#[derive(Clone, Copy)]
struct Fp {
    frac: u64,
    exp: i32,
}

/// Finite, non-zero `d` only.
fn fpconv_dtoa(d: f64, dest: &mut [u8; MAX_DOUBLE_LEN]) -> usize {
    let mut at = 0;
    let neg = d.is_sign_negative();
    if neg {
        dest[0] = b'-';
        at = 1;
    }
    let mut digits = [0u8; 18];
    let (ndigits, k) = grisu2(d.abs(), &mut digits);
    at + emit_digits(&digits[..ndigits], &mut dest[at..], k, neg)
}

fn build_fp(d: f64) -> Fp {
    let bits = d.to_bits();
    let frac = bits & FRAC_MASK;
    let exp = ((bits & EXP_MASK) >> 52) as i32;
    if exp != 0 {
        Fp {
            frac: frac + HIDDEN_BIT,
            exp: exp - EXP_BIAS,
        }
    } else {
        Fp {
            frac,
            exp: -EXP_BIAS + 1,
        }
    }
}

fn normalize(fp: &mut Fp) {
    while fp.frac & HIDDEN_BIT == 0 {
        fp.frac <<= 1;
        fp.exp -= 1;
    }
    let shift = 64 - 52 - 1;
    fp.frac <<= shift;
    fp.exp -= shift;
}

fn normalized_boundaries(fp: Fp) -> (Fp, Fp) {
    let mut upper = Fp {
        frac: (fp.frac << 1) + 1,
        exp: fp.exp - 1,
    };
    while upper.frac & (HIDDEN_BIT << 1) == 0 {
        upper.frac <<= 1;
        upper.exp -= 1;
    }
    let u_shift = 64 - 52 - 2;
    upper.frac <<= u_shift;
    upper.exp -= u_shift;

    let l_shift = if fp.frac == HIDDEN_BIT { 2 } else { 1 };
    let mut lower = Fp {
        frac: (fp.frac << l_shift) - 1,
        exp: fp.exp - l_shift,
    };
    lower.frac <<= lower.exp - upper.exp;
    lower.exp = upper.exp;
    (lower, upper)
}

fn multiply(a: Fp, b: Fp) -> Fp {
    const LO: u64 = 0xFFFF_FFFF;
    let ah_bl = (a.frac >> 32) * (b.frac & LO);
    let al_bh = (a.frac & LO) * (b.frac >> 32);
    let al_bl = (a.frac & LO) * (b.frac & LO);
    let ah_bh = (a.frac >> 32) * (b.frac >> 32);
    let mut tmp = (ah_bl & LO) + (al_bh & LO) + (al_bl >> 32);
    tmp += 1 << 31; // round up
    Fp {
        frac: ah_bh + (ah_bl >> 32) + (al_bh >> 32) + (tmp >> 32),
        exp: a.exp + b.exp + 64,
    }
}

fn cached_pow10(exp: i32) -> (Fp, i32) {
    const ONE_LOG_TEN: f64 = 0.301_029_995_663_981_14;
    const FIRST_POWER: i32 = -348;
    const STEP: i32 = 8;
    let approx = (-f64::from(exp + 87) * ONE_LOG_TEN) as i32;
    let mut idx = ((approx - FIRST_POWER) / STEP) as usize;
    loop {
        let (frac, pexp) = POWERS_OF_TEN[idx];
        let current = exp + pexp + 64;
        if current < -60 {
            idx += 1;
        } else if current > -32 {
            idx -= 1;
        } else {
            return (Fp { frac, exp: pexp }, FIRST_POWER + idx as i32 * STEP);
        }
    }
}

const TENS: [u64; 20] = {
    let mut t = [0u64; 20];
    let mut i = 0;
    while i < 20 {
        t[i] = 10u64.pow(19 - i as u32);
        i += 1;
    }
    t
};

fn round_digit(digits: &mut [u8], delta: u64, mut rem: u64, kappa: u64, frac: u64) {
    let last = digits.len() - 1;
    while rem < frac
        && delta - rem >= kappa
        && (rem + kappa < frac || frac - rem > rem + kappa - frac)
    {
        digits[last] -= 1;
        rem += kappa;
    }
}

/// Returns the digit count and the decimal exponent K of the last digit.
fn grisu2(d: f64, digits: &mut [u8; 18]) -> (usize, i32) {
    let mut w = build_fp(d);
    let (mut lower, mut upper) = normalized_boundaries(w);
    normalize(&mut w);
    let (cp, k) = cached_pow10(upper.exp);
    w = multiply(w, cp);
    upper = multiply(upper, cp);
    lower = multiply(lower, cp);
    lower.frac += 1;
    upper.frac -= 1;
    let mut big_k = -k;

    let wfrac = upper.frac - w.frac;
    let mut delta = upper.frac - lower.frac;
    let one_exp = upper.exp;
    let shift = (-one_exp) as u32;
    let one_frac = 1u64 << shift;
    let mut part1 = upper.frac >> shift;
    let mut part2 = upper.frac & (one_frac - 1);
    let mut idx = 0usize;
    let mut kappa = 10i32;

    for &div in &TENS[10..] {
        if kappa <= 0 {
            break;
        }
        let digit = part1 / div;
        if digit != 0 || idx != 0 {
            digits[idx] = digit as u8 + b'0';
            idx += 1;
        }
        part1 -= digit * div;
        kappa -= 1;
        let tmp = (part1 << shift) + part2;
        if tmp <= delta {
            big_k += kappa;
            round_digit(&mut digits[..idx], delta, tmp, div << shift, wfrac);
            return (idx, big_k);
        }
    }

    let mut unit = 18usize;
    loop {
        part2 *= 10;
        delta *= 10;
        kappa -= 1;
        let digit = part2 >> shift;
        if digit != 0 || idx != 0 {
            digits[idx] = digit as u8 + b'0';
            idx += 1;
        }
        part2 &= one_frac - 1;
        if part2 < delta {
            big_k += kappa;
            round_digit(
                &mut digits[..idx],
                delta,
                part2,
                one_frac,
                wfrac * TENS[unit],
            );
            return (idx, big_k);
        }
        unit -= 1;
    }
}

fn emit_digits(digits: &[u8], dest: &mut [u8], k: i32, neg: bool) -> usize {
    let nd = digits.len() as i32;
    let exp = (k + nd - 1).abs();

    // Plain integer.
    if k >= 0 && exp < nd + 7 {
        let n = digits.len();
        dest[..n].copy_from_slice(digits);
        dest[n..n + k as usize].fill(b'0');
        return n + k as usize;
    }

    // Decimal without exponent.
    if k < 0 && (k > -7 || exp < 4) {
        let offset = nd - k.abs();
        if offset <= 0 {
            let zeros = (-offset) as usize;
            dest[0] = b'0';
            dest[1] = b'.';
            dest[2..2 + zeros].fill(b'0');
            dest[2 + zeros..2 + zeros + digits.len()].copy_from_slice(digits);
            return digits.len() + 2 + zeros;
        }
        let offset = offset as usize;
        dest[..offset].copy_from_slice(&digits[..offset]);
        dest[offset] = b'.';
        dest[offset + 1..digits.len() + 1].copy_from_slice(&digits[offset..]);
        return digits.len() + 1;
    }

    // Scientific notation.
    let nd = nd.min(18 - i32::from(neg)) as usize;
    let mut idx = 0;
    dest[idx] = digits[0];
    idx += 1;
    if nd > 1 {
        dest[idx] = b'.';
        idx += 1;
        dest[idx..idx + nd - 1].copy_from_slice(&digits[1..nd]);
        idx += nd - 1;
    }
    dest[idx] = b'e';
    dest[idx + 1] = if k + nd as i32 - 1 < 0 { b'-' } else { b'+' };
    idx += 2;
    let mut exp = exp;
    let mut cent = 0;
    if exp > 99 {
        cent = exp / 100;
        dest[idx] = cent as u8 + b'0';
        idx += 1;
        exp -= cent * 100;
    }
    if exp > 9 {
        let dec = exp / 10;
        dest[idx] = dec as u8 + b'0';
        idx += 1;
        exp -= dec * 10;
    } else if cent != 0 {
        dest[idx] = b'0';
        idx += 1;
    }
    dest[idx] = (exp % 10) as u8 + b'0';
    idx + 1
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod g17_tests {
    use super::format_g17;

    /// Expected texts are glibc's `printf("%.17g")` (and Valkey 9.1.2's ZSCAN of a skiplist).
    #[test]
    fn matches_printf_g17() {
        for (d, want) in [
            (0.1, "0.10000000000000001"),
            (9.223_372_036_854_776e18, "9.2233720368547758e+18"),
            (1.0, "1"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1e17, "1e+17"),
            (1e16, "10000000000000000"),
            (0.0001, "0.0001"),
            (0.00001, "1.0000000000000001e-05"),
            (1e300, "1.0000000000000001e+300"),
            (123456.789, "123456.789"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (3.0e-310, "2.9999999999999908e-310"),
        ] {
            assert_eq!(format_g17(d), want, "{d:e}");
        }
    }
}
