//! A small unsigned arbitrary-precision integer, just enough for exact long-double parsing,
//! addition and rounding: little-endian `u32` limbs, shifts, add/sub, multiply and divide by
//! small numbers, and a short-quotient division. Correct rather than fast; no signs, no
//! general multiplication.

use std::cmp::Ordering;

/// An unsigned integer; limbs are little-endian and the top limb is never zero (zero is the
/// empty vector), so derived equality is numeric equality.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Big(Vec<u32>);

impl Big {
    /// The integer `v`.
    pub fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    /// `10^n`.
    pub fn pow10(n: u32) -> Big {
        let mut b = Big::from_u64(1);
        b.mul_pow10(n);
        b
    }

    /// Drops zero top limbs, restoring the invariant.
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of significant bits (0 for zero).
    pub fn bit_len(&self) -> u64 {
        match self.0.last() {
            None => 0,
            Some(top) => self.0.len() as u64 * 32 - u64::from(top.leading_zeros()),
        }
    }

    /// `self = self * m + add`.
    pub fn mul_add_small(&mut self, m: u32, add: u32) {
        let mut carry = u64::from(add);
        for limb in &mut self.0 {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        self.trim();
    }

    /// `self *= 10^n`, nine digits at a time.
    pub fn mul_pow10(&mut self, mut n: u32) {
        while n >= 9 {
            self.mul_add_small(1_000_000_000, 0);
            n -= 9;
        }
        if n > 0 {
            self.mul_add_small(10u32.pow(n), 0);
        }
    }

    /// `self /= d`, returning the remainder (`d > 0`).
    pub fn div_rem_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for limb in self.0.iter_mut().rev() {
            let cur = (rem << 32) | u64::from(*limb);
            *limb = (cur / u64::from(d)) as u32;
            rem = cur % u64::from(d);
        }
        self.trim();
        rem as u32
    }

    /// `self << bits`.
    pub fn shl(&self, bits: u64) -> Big {
        if self.is_zero() {
            return Big::default();
        }
        let (limbs, bits) = ((bits / 32) as usize, (bits % 32) as u32);
        let mut out = vec![0u32; limbs];
        out.reserve(self.0.len() + 1);
        let mut carry = 0u32;
        for &limb in &self.0 {
            if bits == 0 {
                out.push(limb);
            } else {
                out.push((limb << bits) | carry);
                carry = limb >> (32 - bits);
            }
        }
        if carry != 0 {
            out.push(carry);
        }
        Big(out)
    }

    /// `self >> 1`, in place.
    fn shr1(&mut self) {
        let mut carry = 0u32;
        for limb in self.0.iter_mut().rev() {
            let next = *limb & 1;
            *limb = (*limb >> 1) | (carry << 31);
            carry = next;
        }
        self.trim();
    }

    /// `self + other`.
    pub fn add(&self, other: &Big) -> Big {
        let n = self.0.len().max(other.0.len());
        let mut out = Vec::with_capacity(n + 1);
        let mut carry = 0u64;
        for i in 0..n {
            let v = u64::from(self.0.get(i).copied().unwrap_or(0))
                + u64::from(other.0.get(i).copied().unwrap_or(0))
                + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            out.push(carry as u32);
        }
        Big(out)
    }

    /// `self - other`; the caller guarantees `self >= other`.
    pub fn sub(&self, other: &Big) -> Big {
        debug_assert!(*self >= *other, "Big::sub would go negative");
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v =
                i64::from(self.0[i]) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(v < 0);
            if v < 0 {
                v += 1 << 32;
            }
            out.push(v as u32);
        }
        let mut b = Big(out);
        b.trim();
        b
    }

    /// `(self / d, self % d)` for a quotient that fits in 128 bits (`d > 0`): restoring
    /// division, one quotient bit per step.
    pub fn div_rem_short(&self, d: &Big) -> (u128, Big) {
        debug_assert!(!d.is_zero(), "division by zero");
        let mut rem = self.clone();
        let steps = (self.bit_len() + 1).saturating_sub(d.bit_len());
        debug_assert!(steps <= 128, "quotient wider than 128 bits");
        let mut q = 0u128;
        if steps == 0 {
            return (0, rem);
        }
        let mut shifted = d.shl(steps - 1);
        for _ in 0..steps {
            q <<= 1;
            if rem >= shifted {
                rem = rem.sub(&shifted);
                q |= 1;
            }
            shifted.shr1();
        }
        (q, rem)
    }

    /// Decimal digits (`"0"` for zero).
    pub fn to_decimal(&self) -> Vec<u8> {
        if self.is_zero() {
            return b"0".to_vec();
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.div_rem_small(1_000_000_000));
        }
        let mut out = Vec::with_capacity(chunks.len() * 9);
        let top = chunks.pop().expect("non-zero has a chunk");
        out.extend_from_slice(top.to_string().as_bytes());
        for c in chunks.iter().rev() {
            out.extend_from_slice(format!("{c:09}").as_bytes());
        }
        out
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&other.0.len())
            .then_with(|| self.0.iter().rev().cmp(other.0.iter().rev()))
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Big) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(v: u128) -> Big {
        Big::from_u64(v as u64).add(&Big::from_u64((v >> 64) as u64).shl(64))
    }

    #[test]
    fn arithmetic_matches_u128() {
        const A: u128 = 0x1234_5678_9abc_def0_1122_3344_5566_7788;
        const B: u128 = 0xfedc_ba98_7654_3210;
        let (a, b) = (big(A), big(B));
        assert_eq!(a.add(&b), big(A + B));
        assert_eq!(a.sub(&b), big(A - B));
        assert_eq!(b.shl(40), big(B << 40));
        assert_eq!(a.div_rem_short(&b), (A / B, big(A % B)));
        assert_eq!(b.div_rem_short(&a), (0, b.clone()));
        assert_eq!(a.cmp(&b), Ordering::Greater);
        assert_eq!(b.cmp(&a), Ordering::Less);
        assert_eq!(Big::from_u64(5).sub(&Big::from_u64(5)), Big::default());
    }

    #[test]
    fn decimal_round_trip() {
        assert_eq!(
            Big::pow10(30).to_decimal(),
            b"1000000000000000000000000000000"
        );
        assert_eq!(Big::default().to_decimal(), b"0");
        let mut n = Big::from_u64(u64::MAX);
        n.mul_add_small(10, 7);
        assert_eq!(n.to_decimal(), b"184467440737095516157");
        assert_eq!(n.div_rem_small(10), 7);
        assert_eq!(n, Big::from_u64(u64::MAX));
        assert_eq!(Big::pow10(20).bit_len(), 67);
    }
}
