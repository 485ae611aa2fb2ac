//! Software x87 80-bit `long double` (64-bit significand, 15-bit exponent, denormals), just
//! what INCRBYFLOAT needs to answer bit for bit like Valkey on x86-64 Linux: glibc `strtold`
//! under Valkey's `string2ld` rules, a correctly rounded addition, and `ld2string`'s
//! `LD_STR_HUMAN` form (`%.17Lf`, trailing zeros trimmed). Every step is exact big-integer
//! arithmetic followed by one round-half-even, as the FPU and glibc do. No other operations,
//! no NaN values (the callers reject them), and no speed tricks.

use super::bignum::Big;
use std::cmp::Ordering;

/// Exponent of one significand unit in a denormal (and in the smallest normal): 2^-16445.
const MIN_EXP: i64 = -16445;
/// Exponent of one significand unit at the largest finite binade (biased exponent 32766).
const MAX_EXP: i64 = 16320;
/// Valkey's `MAX_LONG_DOUBLE_CHARS`: `string2ld` refuses strings this long or longer.
const MAX_CHARS: usize = 5 * 1024;
/// `%.17Lf`: digits after the point.
const FRACTION_DIGITS: u32 = 17;

/// A finite `long double`: `(-1)^neg · mant · 2^exp`, canonical: either `mant ≥ 2^63` and
/// `MIN_EXP ≤ exp ≤ MAX_EXP` (normal), or `mant < 2^63` and `exp == MIN_EXP` (denormal or
/// zero). Zero keeps its sign, as IEEE does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LongDouble {
    neg: bool,
    mant: u64,
    exp: i64,
}

/// What `string2ld` accepts: a finite value, or an infinity (`inf`, `-Infinity`) that can only
/// make INCRBYFLOAT fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Parsed {
    /// A finite value.
    Finite(LongDouble),
    /// Plus or minus infinity.
    Infinite,
}

impl LongDouble {
    /// Positive zero.
    pub const ZERO: LongDouble = LongDouble::zero(false);

    const fn zero(neg: bool) -> LongDouble {
        LongDouble {
            neg,
            mant: 0,
            exp: MIN_EXP,
        }
    }

    /// The nearest `f64` (infinite beyond its range, zero below it).
    pub fn to_f64(self) -> f64 {
        let half = self.exp.clamp(-1100, 1100) as i32 / 2;
        let rest = self.exp.clamp(-1100, 1100) as i32 - half;
        // In two steps, so 2^exp's own underflow cannot zero a representable result.
        let magnitude = self.mant as f64 * 2f64.powi(half) * 2f64.powi(rest);
        if self.neg {
            -magnitude
        } else {
            magnitude
        }
    }

    /// The exact value of an integer (`(long double)(long)v`; 64 bits always fit).
    pub fn from_i64(v: i64) -> LongDouble {
        let mag = v.unsigned_abs();
        if mag == 0 {
            return LongDouble::ZERO;
        }
        let shift = mag.leading_zeros();
        LongDouble {
            neg: v < 0,
            mant: mag << shift,
            exp: -i64::from(shift),
        }
    }

    /// `self + other` rounded to nearest-even like the x87 `fadd`; `None` when the sum
    /// overflows to infinity.
    pub fn add(self, other: LongDouble) -> Option<LongDouble> {
        match (self.mant, other.mant) {
            // IEEE: -0 + -0 is -0, any other sum of zeros is +0; x + 0 is x.
            (0, 0) => return Some(LongDouble::zero(self.neg && other.neg)),
            (0, _) => return Some(other),
            (_, 0) => return Some(self),
            _ => {}
        }
        let low = self.exp.min(other.exp);
        let a = Big::from_u64(self.mant).shl((self.exp - low) as u64);
        let b = Big::from_u64(other.mant).shl((other.exp - low) as u64);
        let one = Big::from_u64(1);
        if self.neg == other.neg {
            return round(self.neg, &a.add(&b), &one, low);
        }
        match a.cmp(&b) {
            // An exact cancellation is +0 when rounding to nearest.
            Ordering::Equal => Some(LongDouble::ZERO),
            Ordering::Greater => round(self.neg, &a.sub(&b), &one, low),
            Ordering::Less => round(other.neg, &b.sub(&a), &one, low),
        }
    }

    /// Valkey's `ld2string(…, LD_STR_HUMAN)`: glibc's `%.17Lf` (the exact binary value
    /// rounded half-even to 17 decimals), then trailing zeros and a bare point removed, and
    /// `-0` written `0`.
    pub fn to_human(self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.neg {
            out.push(b'-');
        }
        let scale = 10u128.pow(FRACTION_DIGITS);
        if self.exp >= 0 {
            let int = Big::from_u64(self.mant).shl(self.exp as u64);
            out.extend_from_slice(&int.to_decimal());
        } else {
            // mant · 10^17 < 2^121, so the scaled value fits a u128 before the shift.
            let scaled = u128::from(self.mant) * scale;
            let shift = (-self.exp) as u32;
            let fixed = if shift >= 128 {
                0 // below 2^-7 units: rounds to zero
            } else {
                let q = scaled >> shift;
                let rem = scaled & ((1u128 << shift) - 1);
                let half = 1u128 << (shift - 1);
                if rem > half || (rem == half && q & 1 == 1) {
                    q + 1
                } else {
                    q
                }
            };
            out.extend_from_slice((fixed / scale).to_string().as_bytes());
            out.push(b'.');
            out.extend_from_slice(format!("{:017}", fixed % scale).as_bytes());
            while out.last() == Some(&b'0') {
                out.pop();
            }
            if out.last() == Some(&b'.') {
                out.pop();
            }
        }
        if out == b"-0" {
            out.remove(0);
        }
        out
    }
}

/// Rounds `±(num / den) · 2^exp2` half-even to a `long double`, with gradual underflow;
/// `None` on overflow. A non-zero input may round to a (signed) zero.
fn round(neg: bool, num: &Big, den: &Big, exp2: i64) -> Option<LongDouble> {
    if num.is_zero() {
        return Some(LongDouble::zero(neg));
    }
    // num/den lies in (2^(bn-bd-1), 2^(bn-bd+1)), so this exponent puts the quotient in
    // [2^63, 2^65); denormals clamp it, leaving fewer significant bits.
    let mut exp = (exp2 + num.bit_len() as i64 - den.bit_len() as i64 - 64).max(MIN_EXP);
    loop {
        let shift = exp2 - exp;
        let (dividend, divisor) = if shift >= 0 {
            (num.shl(shift as u64), den.clone())
        } else {
            (num.clone(), den.shl((-shift) as u64))
        };
        let (q, rem) = dividend.div_rem_short(&divisor);
        if q >> 64 != 0 {
            exp += 1;
            continue;
        }
        let mut mant = q as u64;
        let up = match rem.shl(1).cmp(&divisor) {
            Ordering::Less => false,
            Ordering::Greater => true,
            Ordering::Equal => mant & 1 == 1,
        };
        if up {
            match mant.checked_add(1) {
                Some(m) => mant = m,
                None => {
                    mant = 1 << 63;
                    exp += 1;
                }
            }
        }
        if exp > MAX_EXP {
            return None;
        }
        if mant == 0 {
            return Some(LongDouble::zero(neg));
        }
        return Some(LongDouble { neg, mant, exp });
    }
}

/// Valkey's `string2ld`: the whole string must be one number in `strtold`'s C-locale
/// syntax (decimal, `0x` hexadecimal with a `p` exponent, `inf`/`infinity`), with no
/// leading space, shorter than 5120 bytes, not NaN, and neither overflowing nor
/// underflowing to zero (`ERANGE`). `None` means "value is not a valid float".
pub(super) fn parse(s: &[u8]) -> Option<Parsed> {
    if s.is_empty() || s.len() >= MAX_CHARS {
        return None;
    }
    let (neg, body) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        return Some(Parsed::Infinite);
    }
    let exact = match body {
        [b'0', x, rest @ ..] if x.eq_ignore_ascii_case(&b'x') => hex(rest)?,
        _ => decimal(body)?,
    };
    let Some((num, den, exp2)) = exact else {
        return Some(Parsed::Finite(LongDouble::zero(neg)));
    };
    let value = round(neg, &num, &den, exp2)?;
    // A non-zero number that rounds to zero is an ERANGE underflow, which Valkey rejects.
    (value.mant != 0).then_some(Parsed::Finite(value))
}

/// An exact non-zero value `num / den · 2^exp2`, or `None` for zero.
type Exact = Option<(Big, Big, i64)>;

/// Splits `digits[.digits]` off the front; returns (integer digits, fraction digits, rest).
fn mantissa(s: &[u8], is_digit: fn(&u8) -> bool) -> Option<(&[u8], &[u8], &[u8])> {
    let int_len = s.iter().take_while(|c| is_digit(c)).count();
    let (int, rest) = s.split_at(int_len);
    let (frac, rest) = match rest.strip_prefix(b".") {
        Some(after) => {
            let n = after.iter().take_while(|c| is_digit(c)).count();
            after.split_at(n)
        }
        None => (&rest[..0], rest),
    };
    (!int.is_empty() || !frac.is_empty()).then_some((int, frac, rest))
}

/// An exponent suffix (`e-12`, `p+3`), which must be all that is left; saturates far
/// beyond any finite `long double` so huge exponents still overflow or underflow.
fn exponent(rest: &[u8], marker: u8) -> Option<i64> {
    let Some((&first, tail)) = rest.split_first() else {
        return Some(0);
    };
    if !first.eq_ignore_ascii_case(&marker) {
        return None;
    }
    let (neg, digits) = match tail.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, tail),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mag = digits.iter().fold(0i64, |acc, &d| {
        (acc * 10 + i64::from(d - b'0')).min(1_000_000_000)
    });
    Some(if neg { -mag } else { mag })
}

/// `ddd.ddd[e±ddd]` → `D · 10^E` as an exact fraction.
fn decimal(s: &[u8]) -> Option<Exact> {
    let (int, frac, rest) = mantissa(s, u8::is_ascii_digit)?;
    let exp10 = exponent(rest, b'e')?;
    let all = int.iter().chain(frac).copied();
    let lead = all.clone().take_while(|&d| d == b'0').count();
    let significant: Vec<u8> = all.skip(lead).collect();
    let trailing = significant.iter().rev().take_while(|&&d| d == b'0').count();
    let digits = &significant[..significant.len() - trailing];
    if digits.is_empty() {
        return Some(None);
    }
    // value = digits · 10^e10, and lies in [10^(n-1+e10), 10^(n+e10)).
    let e10 = exp10 - frac.len() as i64 + trailing as i64;
    let n = digits.len() as i64;
    if n - 1 + e10 >= 4933 {
        return None; // ≥ 1e4933 > LDBL_MAX: overflow
    }
    if n + e10 <= -4952 {
        return None; // < 1e-4952, under half the smallest denormal: underflow
    }
    let mut num = Big::default();
    for &d in digits {
        num.mul_add_small(10, u32::from(d - b'0'));
    }
    let den = if e10 >= 0 {
        num.mul_pow10(e10 as u32);
        Big::from_u64(1)
    } else {
        Big::pow10((-e10) as u32)
    };
    Some(Some((num, den, 0)))
}

/// `hhh.hhh[p±ddd]` (after `0x`) → `H · 2^P` as an exact fraction.
fn hex(s: &[u8]) -> Option<Exact> {
    let (int, frac, rest) = mantissa(s, u8::is_ascii_hexdigit)?;
    let exp2 = exponent(rest, b'p')? - 4 * frac.len() as i64;
    let mut num = Big::default();
    for &d in int.iter().chain(frac) {
        let v = char::from(d).to_digit(16).expect("checked hex digit");
        num.mul_add_small(16, v);
    }
    if num.is_zero() {
        return Some(None);
    }
    let bits = num.bit_len() as i64;
    // value lies in [2^(bits-1+exp2), 2^(bits+exp2)).
    if bits - 1 + exp2 >= 16384 || bits + exp2 < MIN_EXP {
        return None;
    }
    Some(Some((num, Big::from_u64(1), exp2)))
}

#[cfg(test)]
#[path = "longdouble_tests.rs"]
mod tests;
