//! SORT and SORT_RO over lists, sets and sorted sets, following Valkey's `sort.c` step by
//! step: option parsing, the `BY`/`GET` pattern lookups (`*` substitution, `->field` hash
//! dereference, `#`), numeric and ALPHA comparison, LIMIT clamping, the "don't sort" fast
//! paths and STORE.
//!
//! Locking: `BY`/`GET` patterns name keys that are in no key spec and may live in any shard.
//! When a command needs such lookups it locks the whole database (`lock_all`, ascending, so
//! it cannot deadlock with other multi-shard commands) and runs exactly as Valkey's single
//! thread does: the weights, the fetched values and the STORE destination all come from one
//! consistent state, even when a pattern key is the sorted key or the destination. Locking
//! pattern keys one at a time would need the values copied between locks and would let
//! writers interleave with the sort. Commands without lookups lock only the sorted key and
//! the destination.

use std::cmp::Ordering;

use super::pqsort::pqsort;
use super::zsets::score::parse_float;
use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard, ShardGuards};
use crate::sync::Shared;
use crate::value::{List, Value};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "sort" => |c, a| sort(c, a, false),
        "sort_ro" => |c, a| sort(c, a, true),
        _ => return None,
    })
}

/// The parsed options.
struct Opts<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    limit_count: i64,
    store: Option<&'a [u8]>,
    /// The last `BY` pattern.
    by: Option<&'a [u8]>,
    /// Set by any `BY` without `*` and never cleared (Valkey keeps the flag across later
    /// `BY` options).
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

/// The bytes C string functions see: up to the first NUL.
fn c_str(s: &[u8]) -> &[u8] {
    s.iter().position(|&b| b == 0).map_or(s, |n| &s[..n])
}

/// `strchr(pattern, '*')`.
fn has_star(pattern: &[u8]) -> bool {
    c_str(pattern).contains(&b'*')
}

/// The pattern `#`: the element itself (C string comparison, so `#\0…` counts too).
fn is_self(pattern: &[u8]) -> bool {
    c_str(pattern) == b"#"
}

fn parse<'a>(args: &Args<'a>, readonly: bool) -> Result<Opts<'a>, CmdError> {
    let mut o = Opts {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < args.len() {
        let left = args.len() - j - 1;
        if args.is(j, "asc") {
            o.desc = false;
        } else if args.is(j, "desc") {
            o.desc = true;
        } else if args.is(j, "alpha") {
            o.alpha = true;
        } else if args.is(j, "limit") && left >= 2 {
            o.limit_start = args.i64(j + 1)?;
            o.limit_count = args.i64(j + 2)?;
            j += 2;
        } else if !readonly && args.is(j, "store") && left >= 1 {
            o.store = Some(args.arg(j + 1));
            j += 1;
        } else if args.is(j, "by") && left >= 1 {
            let pattern = args.arg(j + 1);
            o.by = Some(pattern);
            if !has_star(pattern) {
                o.dontsort = true;
            }
            j += 1;
        } else if args.is(j, "get") && left >= 1 {
            o.gets.push(args.arg(j + 1));
            j += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        j += 1;
    }
    Ok(o)
}

/// The key a pattern names for element `subst`, and the hash field when it dereferences one
/// (`lookupKeyByPattern`); `None` for a pattern without `*`.
fn pattern_key<'p>(pattern: &'p [u8], subst: &[u8]) -> Option<(Vec<u8>, Option<&'p [u8]>)> {
    let c = c_str(pattern);
    let star = c.iter().position(|&b| b == b'*')?;
    // `strstr(p + 1, "->")` with something after the arrow; the field itself runs to the end
    // of the pattern (its length comes from the sds).
    let arrow = c[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < c.len());
    let (postfix_end, field) = match arrow {
        Some(f) => (f, Some(&pattern[f + 2..])),
        None => (pattern.len(), None),
    };
    let mut key = Vec::with_capacity(pattern.len() + subst.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(&pattern[star + 1..postfix_end]);
    Some((key, field))
}

/// Calls `f` with the value `pattern` yields for `elem`: the element for `#`, a string key's
/// value, a hash field's value, or `None` (no `*`, missing key, wrong type, missing field).
/// Keys are looked up as reads (keyspace hits and misses are counted).
fn lookup<R>(
    guards: &mut ShardGuards<'_, Shard>,
    pattern: &[u8],
    elem: &[u8],
    now_ms: u64,
    f: impl FnOnce(Option<&[u8]>) -> R,
) -> R {
    if is_self(pattern) {
        return f(Some(elem));
    }
    let Some((key, field)) = pattern_key(pattern, elem) else {
        return f(None);
    };
    let shard = guards.get_mut(Db::shard_of(&key));
    match (shard.read(&key, now_ms).map(|e| &e.value), field) {
        (Some(Value::Hash(h)), Some(field)) => f(h.get(field)),
        (Some(Value::Str(s)), None) => s.with_bytes(|b| f(Some(b))),
        _ => f(None),
    }
}

/// One element of the sorting vector.
struct Item {
    elem: Vec<u8>,
    score: f64,
    /// The `BY` value for ALPHA sorting (`None`: missing, sorts first).
    by: Option<Vec<u8>>,
}

/// What `sortCompare` reads from Valkey's globals.
#[derive(Clone, Copy)]
struct Mode {
    desc: bool,
    alpha: bool,
    by_pattern: bool,
    store: bool,
}

/// `sortCompare`. Without STORE, ALPHA compares with `strcoll`, which under the C and
/// C.UTF-8 locales is `strcmp`: byte order up to the first NUL. Numeric ties fall back to
/// the elements' bytes, so only ALPHA ties are left to the sort algorithm.
fn compare(a: &Item, b: &Item, m: Mode) -> Ordering {
    let text = |x: &[u8], y: &[u8]| {
        if m.store {
            x.cmp(y)
        } else {
            c_str(x).cmp(c_str(y))
        }
    };
    let c = if !m.alpha {
        if a.score > b.score {
            Ordering::Greater
        } else if a.score < b.score {
            Ordering::Less
        } else {
            a.elem.cmp(&b.elem)
        }
    } else if m.by_pattern {
        match (&a.by, &b.by) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => text(x, y),
        }
    } else {
        text(&a.elem, &b.elem)
    };
    if m.desc {
        c.reverse()
    } else {
        c
    }
}

/// The sorted key's type, as far as SORT cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A list, or a missing key (sorted as an empty list).
    List,
    Set,
    ZSet,
}

fn sort(ctx: &mut Ctx<'_>, args: &Args<'_>, readonly: bool) -> Result<(), CmdError> {
    let mut o = parse(args, readonly)?;
    let src = args.arg(1);
    let now = ctx.now_ms;
    let db = ctx.db();
    let lookups =
        (!o.dontsort && o.by.is_some()) || o.gets.iter().any(|g| !is_self(g) && has_star(g));
    let mut guards = if lookups {
        db.lock_all()
    } else {
        db.lock_keys(std::iter::once(src).chain(o.store))
    };

    let shard = guards.get_mut(Db::shard_of(src));
    let (kind, len, zset_listpack) = match shard.read(src, now).map(|e| &e.value) {
        None => (Kind::List, 0, false),
        Some(Value::List(l)) => (Kind::List, l.len(), false),
        Some(Value::Set(s)) => (Kind::Set, s.len(), false),
        Some(Value::ZSet(z)) => (Kind::ZSet, z.len(), z.encoding() == "listpack"),
        Some(_) => return Err(CmdError::WrongType),
    };
    // Replies and STORE must not depend on a set's internal order: BY without `*` plus
    // STORE sorts a set ALPHA instead.
    if o.dontsort && kind == Kind::Set && o.store.is_some() {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    if zset_listpack {
        // Valkey converts a listpack sorted set to a skiplist before sorting it, for good
        // (OBJECT ENCODING shows it); asking for more room than any limit allows does that.
        if let Some(Entry {
            value: Value::ZSet(z),
            ..
        }) = shard.get_mut(src, now)
        {
            Shared::make_mut(z).reserve(usize::MAX, usize::MAX, &ctx.config.encodings);
        }
    }

    // LIMIT clamping, in Valkey's integer arithmetic.
    let vlen = len as i64;
    let mut start = o.limit_start.clamp(0, vlen);
    let count = o.limit_count.clamp(-1, vlen);
    let mut end = if count < 0 {
        vlen - 1
    } else {
        start + count - 1
    };
    if start >= vlen {
        start = vlen - 1;
        end = vlen - 2;
    }
    if end >= vlen {
        end = vlen - 1;
    }

    // Load the vector; lists and sorted sets left unsorted load just the LIMIT range.
    let mut elems: Vec<Vec<u8>> = Vec::new();
    match shard.peek(src, now).map(|e| &e.value) {
        // An empty range keeps its start and end (Valkey skips the fix-up below).
        Some(Value::List(_)) if o.dontsort && end < start => {}
        Some(Value::List(l)) if o.dontsort => {
            let (s, e) = (start as usize, end as usize);
            if o.desc {
                let it = l.iter_range(len - 1 - e, len - s).rev();
                elems.extend(it.map(|x| x.to_vec()));
            } else {
                elems.extend(l.iter_range(s, e + 1).map(|x| x.to_vec()));
            }
            end -= start;
            start = 0;
        }
        Some(Value::List(l)) => elems.extend(l.iter().map(|x| x.to_vec())),
        Some(Value::Set(s)) => {
            elems.reserve(len);
            s.for_each(|m| elems.push(m.to_vec()));
        }
        Some(Value::ZSet(z)) if o.dontsort => {
            let n = (end - start + 1).max(0) as usize;
            if n > 0 {
                let s = start as usize;
                let from = if o.desc { len - 1 - s } else { s };
                elems.extend(z.iter_from(from, o.desc).take(n).map(|(m, _)| m.to_vec()));
            }
            end -= start;
            start = 0;
        }
        Some(Value::ZSet(z)) => elems.extend(z.iter().map(|(m, _)| m.to_vec())),
        _ => {}
    }

    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            by: None,
        })
        .collect();
    let mut bad_score = false;
    if !o.dontsort {
        for it in &mut items {
            let (score, by) = match o.by {
                Some(pattern) => lookup(&mut guards, pattern, &it.elem, now, |v| {
                    v.map(|v| weigh(v, o.alpha, true))
                }),
                None => Some(weigh(&it.elem, o.alpha, false)),
            }
            .unwrap_or((Some(0.0), None));
            match score {
                Some(s) => it.score = s,
                None => bad_score = true,
            }
            it.by = by;
        }
        if !bad_score {
            let mode = Mode {
                desc: o.desc,
                alpha: o.alpha,
                by_pattern: o.by.is_some(),
                store: o.store.is_some(),
            };
            let cmp = |a: &Item, b: &Item| compare(a, b, mode);
            if o.by.is_some() && (start != 0 || end != items.len() as i64 - 1) {
                pqsort(&mut items, start, end, &cmp);
            } else {
                // glibc's qsort is a stable merge sort, as is this one.
                items.sort_by(cmp);
            }
        }
    }
    if bad_score {
        return Err(CmdError::Other(
            "ERR One or more scores can't be converted into double",
        ));
    }

    let picked: &[Item] = if end >= start {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let per_item = o.gets.len().max(1);
    let output_len = per_item * picked.len();
    match o.store {
        None => {
            ctx.out.array(output_len);
            for it in picked {
                if o.gets.is_empty() {
                    ctx.out.bulk(&it.elem);
                }
                for g in &o.gets {
                    lookup(&mut guards, g, &it.elem, now, |v| match v {
                        Some(v) => ctx.out.bulk(v),
                        None => ctx.out.null(),
                    });
                }
            }
        }
        Some(dst) => {
            let mut values: Vec<Vec<u8>> = Vec::with_capacity(output_len);
            for it in picked {
                if o.gets.is_empty() {
                    values.push(it.elem.clone());
                }
                for g in &o.gets {
                    let v = lookup(&mut guards, g, &it.elem, now, |v| {
                        v.map_or_else(Vec::new, <[u8]>::to_vec)
                    });
                    values.push(v);
                }
            }
            let shard = guards.get_mut(Db::shard_of(dst));
            let deleted = values.is_empty() && shard.remove(dst).is_some();
            if !values.is_empty() {
                let fill = ctx.config.encodings.list_max_listpack_size;
                let list = List::from_quicklist_pushes(&values, fill);
                shard.insert(dst, Entry::new(Value::List(Shared::new(list))));
            }
            // Announced before the unlock lets a blocked BLMOVE take from the result.
            let stored = super::typed::Stored::new(!values.is_empty(), deleted);
            stored.notify(ctx, crate::notify::class::LIST, "sortstore", dst);
            drop(guards);
            ctx.out.integer(output_len as i64);
        }
    }
    Ok(())
}

/// A sort weight: for ALPHA, the `BY` value to compare (the element itself needs no copy);
/// otherwise the number, `None` when it does not read as one. Valkey reads it as a C string
/// (up to a NUL) that must be a whole number, not NaN and not out of range.
fn weigh(v: &[u8], alpha: bool, by_pattern: bool) -> (Option<f64>, Option<Vec<u8>>) {
    if alpha {
        (Some(0.0), by_pattern.then(|| v.to_vec()))
    } else {
        (parse_float(c_str(v)), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_keys_follow_lookup_key_by_pattern() {
        let k = |p: &[u8], s: &[u8]| pattern_key(p, s).map(|(k, f)| (k, f.map(<[u8]>::to_vec)));
        assert_eq!(k(b"w_*", b"a"), Some((b"w_a".to_vec(), None)));
        assert_eq!(k(b"nostar", b"a"), None);
        assert_eq!(
            k(b"h_*->f", b"a"),
            Some((b"h_a".to_vec(), Some(b"f".to_vec())))
        );
        // An arrow with nothing after it is part of the key name.
        assert_eq!(k(b"h_*->", b"a"), Some((b"h_a->".to_vec(), None)));
        // Only the first `*` is substituted; an arrow before it does not count.
        assert_eq!(k(b"a->*x*", b"1"), Some((b"a->1x*".to_vec(), None)));
        // C string search stops at a NUL, but the field runs to the end.
        assert_eq!(k(b"x\0*", b"1"), None);
        assert_eq!(
            k(b"*->f\0g", b"1"),
            Some((b"1".to_vec(), Some(b"f\0g".to_vec())))
        );
        assert!(is_self(b"#") && is_self(b"#\0x") && !is_self(b"##"));
    }

    #[test]
    fn numeric_weights_follow_valkey() {
        let w = |s: &[u8]| weigh(s, false, false).0;
        assert_eq!(w(b"1e5"), Some(1e5));
        assert_eq!(w(b"3\0abc"), Some(3.0));
        assert_eq!(w(b"-inf"), Some(f64::NEG_INFINITY));
        for bad in [&b""[..], b" 3", b"0x10", b"nan", b"1e400", b"1e-400", b"1e"] {
            assert_eq!(w(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn alpha_compares_c_strings_unless_storing() {
        let item = |e: &[u8]| Item {
            elem: e.to_vec(),
            score: 0.0,
            by: None,
        };
        let mut m = Mode {
            desc: false,
            alpha: true,
            by_pattern: false,
            store: false,
        };
        assert_eq!(compare(&item(b"a\0b"), &item(b"a\0c"), m), Ordering::Equal);
        assert_eq!(compare(&item(b"b"), &item(b"\xff"), m), Ordering::Less);
        m.store = true;
        assert_eq!(compare(&item(b"a\0b"), &item(b"a\0c"), m), Ordering::Less);
        m.desc = true;
        assert_eq!(
            compare(&item(b"a\0b"), &item(b"a\0c"), m),
            Ordering::Greater
        );
    }
}
