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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Encodings;
    use crate::value::list::End;
    use crate::value::{Hash, List, Set, ZSet};

    fn of(entry: &Entry) -> String {
        let mut d = [0u8; 20];
        add_value(&mut d, entry);
        hex(&d)
    }

    fn value(v: Value) -> Entry {
        Entry::new(v)
    }

    // Every expected digest below is what valkey-server 9.1.2 answered to DEBUG DIGEST-VALUE
    // (or DEBUG DIGEST) for the same data.
    #[test]
    fn values_digest_as_valkey() {
        let enc = Encodings::default();
        let s = |b: &[u8]| Value::Str(Str::from_bytes(b));
        assert_eq!(
            of(&value(s(b"hello"))),
            "36b23a1456b2dce2c3ed252c456761301dba8060"
        );
        assert_eq!(
            of(&value(s(b"12345"))),
            "e1cf90774e995ae03de66e8109dc5cb9d9c2dc83"
        );
        assert_eq!(
            of(&Entry::with_expire(s(b"v"), 1)),
            "311b17018163335616e089f6b951c82c477335ac"
        );

        let mut list = List::default();
        list.push(&[&b"a"[..], b"b", b"c", b"1", b"2", b"-3"], End::Tail, -2);
        assert_eq!(
            of(&value(Value::List(list.into()))),
            "0f648651ce8d7cff8e8a425af416389af640b897"
        );

        let mut hash = Hash::default();
        for (f, v) in [(&b"f1"[..], &b"v1"[..]), (b"f2", b"2"), (b"3", b"x")] {
            hash.set(f, v, &enc);
        }
        assert_eq!(
            of(&value(Value::Hash(hash.into()))),
            "09e50b7cc028763500597a45b3227a4822c937ba"
        );

        let members: [&[u8]; 5] = [b"1", b"2", b"3", b"-5", b"100000"];
        let mut set = Set::create(members[0], members.len(), &enc);
        for m in members {
            set.add(m, &enc);
        }
        assert_eq!(set.encoding(), "intset");
        assert_eq!(
            of(&value(Value::Set(set.into()))),
            "1ed7e76f32098645c31d43488139d4a78cbebd28"
        );

        let mut z = ZSet::default();
        for (score, m) in [
            (1.5, &b"a"[..]),
            (f64::NEG_INFINITY, b"b"),
            (f64::INFINITY, b"c"),
            (1e300, b"d"),
            (0.0, b"e"),
            (1e10, b"f"),
            (1e17, b"g"),
            (3.0, b"7"),
            (-0.0001, b"h"),
            (1e-300, b"i"),
            (123.456, b"j"),
            (0.1, b"k"),
        ] {
            z.insert(m, score, &enc);
        }
        assert_eq!(
            of(&value(Value::ZSet(z.into()))),
            "75f78e486bc4890f0d03d9371451ea60f8a6856b"
        );
    }

    #[test]
    fn dataset_digest_as_valkey() {
        // FLUSHALL; SET k v (db 0); RPUSH l a b (db 3).
        let mut total = [0u8; 20];
        add_db(&mut total, 0);
        add_key(&mut total, b"k", &value(Value::Str(Str::from_bytes(b"v"))));
        assert_eq!(hex(&total), "264ccf65edec66bccfa7cc659414ccca432057d2");
        let mut list = List::default();
        list.push(&[&b"a"[..], b"b"], End::Tail, -2);
        add_db(&mut total, 3);
        add_key(&mut total, b"l", &value(Value::List(list.into())));
        assert_eq!(hex(&total), "4bbf8e898917ca53918377cadc0c501c74a8d7b1");
    }
}
