//! DEBUG DIGEST and DIGEST-VALUE: Valkey's dataset fingerprint, reproduced exactly so that the
//! suite's digest comparisons (and a digest taken on Valkey) agree with ours.
//!
//! The scheme, from Valkey's `debug.c`: two operations on a 20-byte accumulator, `xor` (add
//! SHA1(data) by XOR, for unordered things) and `mix` (the same, then replace the accumulator
//! by its own SHA1, for ordered things). A value is its type code (big-endian u32) mixed in,
//! then: a string mixed as its text; list elements mixed in order; set members XORed; each
//! hash pair and each sorted-set (member, score) pair digested into a fresh accumulator by
//! mixing, which is then XORed in; a key with a TTL finally XORs `!!expire!!`. A dataset is,
//! per non-empty database in order, its index mixed in, then every key's
//! (key mixed, then value) accumulator XORed in.

use super::sha1::sha1;
use crate::keyspace::Entry;
use crate::value::{Str, Value};

/// A digest accumulator.
pub(super) type Digest = [u8; 20];

/// Valkey's `xorDigest`: XORs SHA1(`data`) into `d`.
fn xor(d: &mut Digest, data: &[u8]) {
    for (a, b) in d.iter_mut().zip(sha1(data)) {
        *a ^= b;
    }
}

/// Valkey's `mixDigest`: [`xor`], then `d` becomes SHA1(`d`).
fn mix(d: &mut Digest, data: &[u8]) {
    xor(d, data);
    *d = sha1(d);
}

/// Valkey's type codes (`OBJ_STRING` … `OBJ_HASH`).
fn type_code(v: &Value) -> u32 {
    match v {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
    }
}

/// Adds `entry`'s value (and whether it has a TTL) to `d` (`xorObjectDigest`).
pub(super) fn add_value(d: &mut Digest, entry: &Entry) {
    mix(d, &type_code(&entry.value).to_be_bytes());
    match &entry.value {
        Value::Str(s) => Str::with_bytes(s, |b| mix(d, b)),
        Value::List(l) => {
            for e in l.iter() {
                e.with_bytes(|b| mix(d, b));
            }
        }
        Value::Set(s) => s.for_each(|m| xor(d, m)),
        Value::ZSet(z) => {
            let mut buf = [0u8; resp::double::MAX_DOUBLE_LEN];
            for (member, score) in z.iter() {
                let mut pair = [0u8; 20];
                mix(&mut pair, member);
                // Scores as `fpconv_dtoa` prints them (no integer shortcut: 1e+17).
                mix(&mut pair, resp::double::format_fpconv(score, &mut buf));
                xor(d, &pair);
            }
        }
        Value::Hash(h) => h.for_each(|field, value| {
            let mut pair = [0u8; 20];
            mix(&mut pair, field);
            mix(&mut pair, value);
            xor(d, &pair);
        }),
    }
    if entry.expire_at != 0 {
        xor(d, b"!!expire!!");
    }
}

/// Adds one key and its value to a database digest (the per-key part of
/// `computeDatasetDigest`).
pub(super) fn add_key(total: &mut Digest, key: &[u8], entry: &Entry) {
    let mut d = [0u8; 20];
    mix(&mut d, key);
    add_value(&mut d, entry);
    xor(total, &d);
}

/// Starts database `index`'s part of a dataset digest (only non-empty ones are included).
pub(super) fn add_db(total: &mut Digest, index: usize) {
    mix(total, &(index as u32).to_be_bytes());
}

/// 40 lowercase hex digits.
pub(super) fn hex(d: &Digest) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}
