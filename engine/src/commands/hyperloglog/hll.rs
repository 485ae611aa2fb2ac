//! The HyperLogLog value, byte for byte as Valkey stores it in a string: a 16-byte header
//! (`HYLL`, the encoding, 3 unused bytes, the cached cardinality as a little-endian `u64`
//! whose top bit marks it stale), then 16384 registers either dense (6 bits each, packed
//! from the least significant bit) or sparse (see `sparse`). Keeping Valkey's layout makes
//! `GET`/`SET` of an HLL key interchangeable with Valkey's.

use super::sparse;

/// Header bytes before the registers.
pub(super) const HDR_SIZE: usize = 16;
/// Bits of the hash that pick a register.
const P: u32 = 14;
/// Bits of the hash left for the run of zeroes.
const Q: usize = 64 - P as usize;
/// Number of registers.
pub(super) const REGISTERS: usize = 1 << P;
/// Length of a dense HLL string, header included.
pub(super) const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * 6).div_ceil(8);
/// Encoding byte of a dense HLL.
pub(super) const DENSE: u8 = 0;
/// Encoding byte of a sparse HLL.
pub(super) const SPARSE: u8 = 1;
/// Offset of the encoding byte.
pub(super) const ENCODING: usize = 4;
/// Offset of the cached cardinality.
const CARD: usize = 8;
/// Seed Valkey hashes elements with.
const SEED: u64 = 0xadc8_3b19;
/// 0.5 / ln(2), the estimator's alpha for an infinite number of registers.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

/// A sparse HLL whose opcodes do not cover exactly the 16384 registers (Valkey's
/// `INVALIDOBJ Corrupted HLL object detected`).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Corrupt;

/// Register histogram: how many registers hold each value.
pub(super) type Histogram = [u32; 64];

/// True for a string Valkey accepts as an HLL (`isHLLObjectOrReply`): long enough for the
/// header, the magic, a known encoding, and the exact length when dense. Sparse opcodes are
/// only checked when they are read.
pub(super) fn is_hll(b: &[u8]) -> bool {
    b.len() >= HDR_SIZE
        && &b[..4] == b"HYLL"
        && b[ENCODING] <= SPARSE
        && (b[ENCODING] != DENSE || b.len() == DENSE_SIZE)
}

/// Marks the cached cardinality stale.
pub(super) fn invalidate_cache(hll: &mut [u8]) {
    hll[CARD + 7] |= 0x80;
}

/// The cached cardinality, when it is valid.
pub(super) fn cached_card(hll: &[u8]) -> Option<u64> {
    let card = u64::from_le_bytes(hll[CARD..CARD + 8].try_into().expect("8 bytes"));
    (card >> 63 == 0).then_some(card)
}

/// Stores `card` as the (valid) cached cardinality.
pub(super) fn set_cached_card(hll: &mut [u8], card: u64) {
    hll[CARD..CARD + 8].copy_from_slice(&card.to_le_bytes());
}

/// MurmurHash2, 64-bit version, reading 8-byte blocks little-endian as Valkey does.
pub(super) fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut blocks = key.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element maps to and the length of its `000…1` pattern (1..=51).
pub(super) fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // The forced bit bounds the count at Q + 1.
    let rest = (hash >> P) | (1u64 << Q);
    (index, 1 + rest.trailing_zeros() as u8)
}

/// Register `i` of dense registers. The last register's neighbour byte is the string's
/// terminator in Valkey, read as 0.
pub(super) fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = u32::from(regs[byte]);
    let b1 = u32::from(regs.get(byte + 1).copied().unwrap_or(0));
    (((b0 >> fb) | (b1 << (8 - fb))) & 63) as u8
}

/// Sets register `i` of dense registers to `v` (at most 63).
pub(super) fn dense_set(regs: &mut [u8], i: usize, v: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let fb8 = 8 - fb;
    let v = u32::from(v);
    regs[byte] &= !((63u32 << fb) as u8);
    regs[byte] |= (v << fb) as u8;
    if let Some(b) = regs.get_mut(byte + 1) {
        *b &= !((63u32 >> fb8) as u8);
        *b |= (v >> fb8) as u8;
    }
}

/// Raises register `i` to `count` if lower; true when it changed.
fn dense_raise(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_set(regs, i, count);
        true
    } else {
        false
    }
}

/// Adds `element` to a valid HLL string; true when a register changed. A sparse HLL may be
/// promoted to dense (`sparse_max`: `hll-sparse-max-bytes`).
pub(super) fn add(hll: &mut Vec<u8>, element: &[u8], sparse_max: u64) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    set_register(hll, index, count, sparse_max)
}

/// Raises register `index` to `count` in either encoding.
pub(super) fn set_register(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max: u64,
) -> Result<bool, Corrupt> {
    match hll[ENCODING] {
        DENSE => Ok(dense_raise(&mut hll[HDR_SIZE..], index, count)),
        SPARSE => sparse::set(hll, index, count, sparse_max),
        _ => Err(Corrupt),
    }
}

/// Converts a sparse HLL to dense in place, keeping the header (cached cardinality
/// included); a dense one is left alone.
pub(super) fn to_dense(hll: &mut Vec<u8>) -> Result<(), Corrupt> {
    if hll[ENCODING] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&hll[..HDR_SIZE]);
    dense[ENCODING] = DENSE;
    let regs = &mut dense[HDR_SIZE..];
    sparse::walk(&hll[HDR_SIZE..], |start, len, value| {
        if value != 0 {
            for i in start..start + len {
                dense_set(regs, i, value);
            }
        }
    })?;
    *hll = dense;
    Ok(())
}

/// Raises each of `max`'s registers to the HLL's (`hllMerge`).
pub(super) fn merge_into(max: &mut [u8; REGISTERS], hll: &[u8]) -> Result<(), Corrupt> {
    let regs = &hll[HDR_SIZE..];
    if hll[ENCODING] == DENSE {
        for (i, m) in max.iter_mut().enumerate() {
            *m = (*m).max(dense_get(regs, i));
        }
        return Ok(());
    }
    sparse::walk(regs, |start, len, value| {
        for m in &mut max[start..start + len] {
            *m = (*m).max(value);
        }
    })
}

/// Packs one-byte registers into dense registers.
pub(super) fn compress(regs: &mut [u8], max: &[u8; REGISTERS]) {
    for (i, &v) in max.iter().enumerate() {
        dense_set(regs, i, v);
    }
}

/// The estimated cardinality of a valid HLL string.
pub(super) fn count(hll: &[u8]) -> Result<u64, Corrupt> {
    let regs = &hll[HDR_SIZE..];
    let mut histo = [0u32; 64];
    if hll[ENCODING] == DENSE {
        for i in 0..REGISTERS {
            histo[usize::from(dense_get(regs, i))] += 1;
        }
    } else {
        sparse::walk(regs, |_, len, value| {
            histo[usize::from(value)] += len as u32
        })?;
    }
    Ok(estimate(&histo))
}

/// The estimated cardinality of one-byte registers (PFCOUNT of several keys).
pub(super) fn count_raw(max: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0u32; 64];
    for &v in max {
        histo[usize::from(v & 63)] += 1;
    }
    estimate(&histo)
}

/// Ertl's estimator ("New cardinality estimation algorithms for HyperLogLog sketches",
/// arXiv:1702.01284), as Valkey computes it, operation for operation so the doubles agree.
fn estimate(histo: &Histogram) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histo[Q + 1])) / m);
    for j in (1..=Q).rev() {
        z += f64::from(histo[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    // `llroundl` rounds halves away from zero, as `f64::round`; past `i64::MAX` (all
    // registers high, z = 0) it yields `i64::MIN`, which Valkey then stores and replies.
    let e = (ALPHA_INF * m * m / z).round();
    if e < 9_223_372_036_854_775_808.0 {
        e as u64
    } else {
        1 << 63
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prev = z;
        z += x * y;
        y += y;
        if z_prev == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prev = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if z_prev == z {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur_matches_valkey() {
        // Registers and counts observed with PFADD + PFDEBUG DECODE on Valkey 9.1.2.
        let mut hll = sparse::new_hll();
        for e in [&b"a"[..], b"b", b"c"] {
            assert_eq!(add(&mut hll, e, 3000), Ok(true));
        }
        assert_eq!(
            sparse::decode(&hll[HDR_SIZE..]),
            "Z:8436 v:1,1 Z:4274 v:2,1 Z:3068 v:1,1 Z:603"
        );
        assert_eq!(count(&hll), Ok(3));
    }

    #[test]
    fn dense_registers_do_not_disturb_neighbours() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
        for i in 0..REGISTERS {
            dense_set(&mut regs, i, (i * 7 % 64) as u8);
        }
        for i in 0..REGISTERS {
            assert_eq!(dense_get(&regs, i), (i * 7 % 64) as u8, "register {i}");
        }
        dense_set(&mut regs, 5, 0);
        assert_eq!(dense_get(&regs, 4), 28);
        assert_eq!(dense_get(&regs, 5), 0);
        assert_eq!(dense_get(&regs, 6), 42);
    }

    #[test]
    fn estimator_edges() {
        let empty = [0u8; REGISTERS];
        assert_eq!(count_raw(&empty), 0);
        let mut one = [0u8; REGISTERS];
        one[100] = 1;
        assert_eq!(count_raw(&one), 1);
        // Measured on Valkey 9.1.2 (SET of a dense HLL, PFCOUNT).
        assert_eq!(count_raw(&[1; REGISTERS]), 23637);
        assert_eq!(count_raw(&[50; REGISTERS]), 1 << 63);
        assert_eq!(count_raw(&[51; REGISTERS]), 1 << 63);
    }

    #[test]
    fn dense_and_sparse_agree() {
        let mut dense = sparse::new_hll();
        to_dense(&mut dense).unwrap();
        let mut sp = sparse::new_hll();
        for i in 0u32..2000 {
            let e = i.to_le_bytes();
            add(&mut dense, &e, 3000).unwrap();
            add(&mut sp, &e, 1_000_000).unwrap();
        }
        assert_eq!(sp[ENCODING], SPARSE);
        assert_eq!(count(&dense), count(&sp));
        let c = count(&dense).unwrap();
        assert!((1900..2100).contains(&c), "{c}");
        to_dense(&mut sp).unwrap();
        assert_eq!(sp[HDR_SIZE..], dense[HDR_SIZE..]);
    }
}
