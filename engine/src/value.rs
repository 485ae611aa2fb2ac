//! Stored values. Every payload is cheap to clone and shared copy-on-write (`Arc`), so a
//! forkless snapshot can hold a shard's values while writers go on: a writer that finds a
//! payload shared copies it first (`Arc::make_mut`), everyone else pays nothing.

mod hash;
pub mod list;
mod set;
mod zset;

pub use hash::Hash;
pub use list::List;
pub use set::Set;

/// A random index below `n` (n > 0), from the per-thread generator the values sample with.
pub(crate) fn random_below(n: usize) -> usize {
    set::random_below(n)
}
pub use zset::{AddFlags, Added, LexBound, LexRange, NotANumber, ScoreRange, ZSet};

use crate::sync::Shared as Arc;

/// Valkey 9 embeds a string in its key's allocation (`embstr`) while key, its header, the value
/// and an optional expire field fit this budget; measured with `OBJECT ENCODING` on 9.1.2:
/// key "k" embeds values up to 112 bytes, a 40-byte key up to 71, with a TTL 8 bytes less.
const EMBED_BUDGET: usize = 114;
/// Longest value that is ever embedded (an empty one-byte-header key).
const EMBED_MAX_VALUE: usize = EMBED_BUDGET - 2;

/// A value of any type.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (also bitmaps and HyperLogLogs).
    Str(Str),
    /// A list.
    List(Arc<List>),
    /// A hash.
    Hash(Arc<Hash>),
    /// A set.
    Set(Arc<Set>),
    /// A sorted set (also geo indexes).
    ZSet(Arc<ZSet>),
}

/// Longest string kept inside the value itself: the size `Str` has anyway (its `Plain` form's
/// fat pointer) holds this many bytes, so short values cost no allocation of their own and a
/// lookup reaches them with the node's cache miss instead of one more.
const INLINE_MAX: usize = 38;

/// A string value, in the encoding Valkey would choose for it.
#[derive(Clone, Debug, PartialEq)]
pub enum Str {
    /// A canonical decimal integer (`OBJECT ENCODING` says `int`).
    Int(i64),
    /// Up to `INLINE_MAX` bytes as a command stored them, in place; bytes past `len` are zero
    /// (so the derived equality is byte equality). Reported as `Plain` would be.
    Inline { len: u8, buf: [u8; INLINE_MAX] },
    /// Bytes as a command stored them (SET and friends): header and bytes in one allocation,
    /// so a lookup reaches the value with one cache miss fewer than through a `Vec`.
    /// `raw` when too long to be embedded (OBJECT ENCODING).
    Plain { data: Arc<[u8]>, raw: bool },
    /// Bytes edited in place (APPEND, SETRANGE, SETBIT): growable, and reported `raw` even
    /// when short, as Valkey does.
    Bytes { data: Arc<Vec<u8>>, raw: bool },
}

impl Value {
    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The name `OBJECT ENCODING` reports for this value stored under a key of `key_len`
    /// bytes, with or without a TTL.
    pub fn encoding(&self, key_len: usize, has_ttl: bool) -> &'static str {
        match self {
            Value::Str(Str::Int(_)) => "int",
            Value::Str(s @ (Str::Inline { .. } | Str::Plain { raw: false, .. })) => {
                let key_header = if key_len < 32 {
                    1
                } else if key_len < 256 {
                    3
                } else {
                    5
                };
                let ttl = if has_ttl { 8 } else { 0 };
                if key_len + key_header + s.len() + ttl <= EMBED_BUDGET {
                    "embstr"
                } else {
                    "raw"
                }
            }
            Value::Str(Str::Plain { .. } | Str::Bytes { .. }) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }
}

/// Bytes of a shared payload's reference counts, which sit in its allocation.
const RC_BYTES: usize = 2 * std::mem::size_of::<usize>();

impl Value {
    /// Bytes the value holds on the heap beyond its own slot in the entry (MEMORY USAGE):
    /// the payload's allocation and what it points to. An aggregate's elements past the
    /// first `samples` are estimated from those (`usize::MAX`: all of them).
    pub fn heap_size(&self, samples: usize) -> usize {
        use std::mem::size_of;
        match self {
            Value::Str(Str::Int(_) | Str::Inline { .. }) => 0,
            // The counts and the bytes, in one allocation aligned as the counts are.
            Value::Str(Str::Plain { data, .. }) => {
                (RC_BYTES + data.len()).next_multiple_of(std::mem::align_of::<usize>())
            }
            Value::Str(Str::Bytes { data, .. }) => {
                RC_BYTES + size_of::<Vec<u8>>() + data.capacity()
            }
            Value::List(l) => RC_BYTES + size_of::<List>() + l.heap_size(samples),
            Value::Hash(h) => RC_BYTES + size_of::<Hash>() + h.heap_size(samples),
            Value::Set(s) => RC_BYTES + size_of::<Set>() + s.heap_size(samples),
            Value::ZSet(z) => RC_BYTES + size_of::<ZSet>() + z.heap_size(samples),
        }
    }

    /// Valkey's `lazyfreeGetFreeEffort`: about how many allocations freeing the value takes.
    /// Packed encodings are one allocation; hash tables and skiplists one per element; a
    /// quicklist one per node.
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(l) => l.free_effort(),
            Value::Hash(h) if h.encoding() == "hashtable" => h.len(),
            Value::Set(s) if s.encoding() == "hashtable" => s.len(),
            Value::ZSet(z) if z.encoding() == "skiplist" => z.len(),
            Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => 1,
        }
    }
}

/// The aggregate types, for code that handles any of them the same way (typed lookups).
pub trait Aggregate: Clone + Default {
    /// The payload if `v` holds this type.
    fn of(v: &Value) -> Option<&Arc<Self>>;
    /// The payload if `v` holds this type, mutable.
    fn of_mut(v: &mut Value) -> Option<&mut Arc<Self>>;
    /// A value holding `self`.
    fn into_value(self) -> Value;
    /// Elements held (a key whose aggregate becomes empty is deleted).
    fn len(&self) -> usize;
    /// True when nothing is held.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

macro_rules! aggregate {
    ($t:ty, $variant:ident) => {
        impl Aggregate for $t {
            fn of(v: &Value) -> Option<&Arc<Self>> {
                match v {
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn of_mut(v: &mut Value) -> Option<&mut Arc<Self>> {
                match v {
                    Value::$variant(x) => Some(x),
                    _ => None,
                }
            }
            fn into_value(self) -> Value {
                Value::$variant(Arc::new(self))
            }
            fn len(&self) -> usize {
                <$t>::len(self)
            }
        }
    };
}

aggregate!(List, List);
aggregate!(Hash, Hash);
aggregate!(Set, Set);
aggregate!(ZSet, ZSet);

impl Str {
    /// A string from client bytes, integer-encoded when Valkey would (`tryObjectEncoding`:
    /// at most 20 bytes that parse strictly as an `i64`).
    pub fn from_bytes(bytes: &[u8]) -> Str {
        Self::from_bytes_reusing(bytes, None)
    }

    /// [`Str::from_bytes`] that writes the bytes into `old`'s buffer when that is an unshared
    /// byte string of exactly this size, instead of allocating: the common SET that refreshes
    /// a value of the same length then allocates nothing (issue 7). The result is the same
    /// either way, down to the buffer's capacity (so memory figures do not change).
    pub fn from_bytes_reusing(bytes: &[u8], old: Option<Value>) -> Str {
        if bytes.len() <= 20 {
            if let Some(i) = resp::int::parse_i64(bytes) {
                return Str::Int(i);
            }
        }
        if let Some(Value::Str(Str::Plain { mut data, .. })) = old {
            // A shared payload (a snapshot holds it) must stay as it is: copy-on-write. Only
            // values too long to live inline ever reach a `Plain` buffer.
            if let Some(buf) = Arc::get_mut(&mut data).filter(|b| b.len() == bytes.len()) {
                buf.copy_from_slice(bytes);
                let raw = bytes.len() > EMBED_MAX_VALUE;
                return Str::Plain { data, raw };
            }
        }
        Self::plain(bytes)
    }

    /// Bytes stored as given, never integer-encoded (`createStringObject`): in place when
    /// short, else in one shared allocation.
    pub fn plain(bytes: &[u8]) -> Str {
        if bytes.len() <= INLINE_MAX {
            let mut buf = [0; INLINE_MAX];
            buf[..bytes.len()].copy_from_slice(bytes);
            return Str::Inline {
                len: bytes.len() as u8,
                buf,
            };
        }
        Str::Plain {
            data: Arc::from(bytes),
            raw: bytes.len() > EMBED_MAX_VALUE,
        }
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match self {
            Str::Int(i) => {
                let mut buf = [0u8; 20];
                resp::int::i64_digits(*i, &mut buf).len()
            }
            Str::Inline { len, .. } => usize::from(*len),
            Str::Plain { data, .. } => data.len(),
            Str::Bytes { data, .. } => data.len(),
        }
    }

    /// True for the empty string.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with the string form, without allocating.
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Str::Int(i) => {
                let mut buf = [0u8; 20];
                f(resp::int::i64_digits(*i, &mut buf))
            }
            Str::Inline { len, buf } => f(&buf[..usize::from(*len)]),
            Str::Plain { data, .. } => f(data),
            Str::Bytes { data, .. } => f(data),
        }
    }

    /// The bytes as an owned vector.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(<[u8]>::to_vec)
    }

    /// Mutable bytes for an in-place edit (APPEND, SETRANGE, SETBIT): converts an integer to
    /// bytes, copies a shared payload, and marks the string `raw` as Valkey does.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Bytes { .. }) {
            *self = Str::Bytes {
                data: Arc::new(self.to_vec()),
                raw: true,
            };
        }
        match self {
            Str::Bytes { data, raw } => {
                *raw = true;
                Arc::make_mut(data)
            }
            Str::Int(_) | Str::Inline { .. } | Str::Plain { .. } => {
                unreachable!("converted above")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Encodings checked against Valkey 9.1.2 on fresh keys: SET <key> <v> [EX 1000];
    // OBJECT ENCODING <key>.
    #[test]
    fn encodings_follow_valkey() {
        let enc = |key_len: usize, v: &[u8], ttl: bool| {
            Value::Str(Str::from_bytes(v)).encoding(key_len, ttl)
        };
        assert_eq!(enc(1, b"123", false), "int");
        assert_eq!(enc(1, b"-9223372036854775808", false), "int");
        assert_eq!(enc(1, b"99999999999999999999", false), "embstr");
        assert_eq!(enc(1, b"0123", false), "embstr");
        assert_eq!(enc(1, b"hello", false), "embstr");
        for (key_len, last_embedded) in [(1, 112), (10, 103), (40, 71), (80, 31)] {
            assert_eq!(
                enc(key_len, &vec![b'a'; last_embedded], false),
                "embstr",
                "key {key_len}"
            );
            assert_eq!(
                enc(key_len, &vec![b'a'; last_embedded + 1], false),
                "raw",
                "key {key_len}"
            );
        }
        for (key_len, last_embedded) in [(1, 104), (40, 63)] {
            assert_eq!(
                enc(key_len, &vec![b'a'; last_embedded], true),
                "embstr",
                "key {key_len} ttl"
            );
            assert_eq!(
                enc(key_len, &vec![b'a'; last_embedded + 1], true),
                "raw",
                "key {key_len} ttl"
            );
        }
        let mut s = Str::from_bytes(b"12");
        s.make_mut().push(b'3');
        assert_eq!(Value::Str(s.clone()).encoding(1, false), "raw");
        assert_eq!(s.to_vec(), b"123");
    }

    #[test]
    fn set_reuses_only_an_unshared_buffer_of_the_same_size() {
        let ptr = |s: &Str| match s {
            Str::Plain { data, .. } => data.as_ptr(),
            Str::Bytes { data, .. } => data.as_ptr(),
            Str::Int(_) | Str::Inline { .. } => std::ptr::null(),
        };
        let (abcd, wxyz) = ([b'a'; INLINE_MAX + 4], [b'w'; INLINE_MAX + 4]);
        let old = Str::from_bytes(&abcd);
        let before = ptr(&old);
        let new = Str::from_bytes_reusing(&wxyz, Some(Value::Str(old)));
        assert_eq!(new, Str::from_bytes(&wxyz));
        assert_eq!(ptr(&new), before, "same size, unshared: written in place");

        // A snapshot's copy must not change under it.
        let snapshot = new.clone();
        let newest = Str::from_bytes_reusing(&abcd, Some(Value::Str(new)));
        assert_eq!(newest.to_vec(), abcd);
        assert_eq!(snapshot.to_vec(), wxyz);

        // A reused long value is `raw` as a fresh one is; another size or an integer is
        // built afresh, exactly as `from_bytes` builds it.
        let long = [b'v'; EMBED_MAX_VALUE + 1];
        let old = Value::Str(Str::from_bytes(&[b'u'; EMBED_MAX_VALUE + 1]));
        let reused = Str::from_bytes_reusing(&long, Some(old));
        assert_eq!(reused, Str::from_bytes(&long));
        assert!(matches!(reused, Str::Plain { raw: true, .. }));
        let old = Value::Str(Str::from_bytes(&wxyz));
        let shorter = Str::from_bytes_reusing(&wxyz[1..], Some(old));
        assert!(matches!(&shorter, Str::Plain { data, .. } if **data == wxyz[1..]));
        // Short values live in place: equal bytes compare equal whatever was there before.
        let old = Value::Str(Str::from_bytes(b"wxyz"));
        let short = Str::from_bytes_reusing(b"xyz", Some(old));
        assert_eq!(short, Str::plain(b"xyz"));
        assert_eq!(short.to_vec(), b"xyz");
        assert_eq!(Str::plain(&[b'x'; INLINE_MAX]).len(), INLINE_MAX);
        assert!(matches!(
            Str::plain(&[b'x'; INLINE_MAX + 1]),
            Str::Plain { .. }
        ));
        // Inline costs no size: a value is as big as the fat pointer's form makes it anyway.
        assert_eq!(std::mem::size_of::<Value>(), 40);
        let old = Value::Str(Str::from_bytes(b"wxyz"));
        assert_eq!(Str::from_bytes_reusing(b"1234", Some(old)), Str::Int(1234));
    }

    #[test]
    fn shared_payload_is_copied_on_write() {
        let a = Str::from_bytes(b"shared value");
        let mut b = a.clone();
        b.make_mut().extend_from_slice(b"!");
        assert_eq!(a.to_vec(), b"shared value");
        assert_eq!(b.to_vec(), b"shared value!");
    }
}
