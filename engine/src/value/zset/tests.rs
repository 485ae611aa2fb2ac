//! Both encodings checked against a plain sorted `Vec` model under random operations.

use super::*;

/// Deterministic pseudo-random numbers for the model tests.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

fn enc(entries: u64) -> Encodings {
    Encodings {
        zset_max_listpack_entries: entries,
        ..Encodings::default()
    }
}

/// The model: `(score, member)` sorted like a sorted set.
fn sorted(model: &[(f64, Vec<u8>)]) -> Vec<(Vec<u8>, f64)> {
    let mut v: Vec<_> = model.iter().map(|(s, m)| (m.clone(), *s)).collect();
    v.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap().then_with(|| a.0.cmp(&b.0)));
    v
}

fn contents(z: &ZSet) -> Vec<(Vec<u8>, f64)> {
    z.iter().map(|(m, s)| (m.to_vec(), s)).collect()
}

fn check(z: &ZSet, model: &[(f64, Vec<u8>)]) {
    let want = sorted(model);
    assert_eq!(contents(z), want);
    assert_eq!(z.len(), want.len());
    for (rank, (m, s)) in want.iter().enumerate() {
        assert_eq!(z.rank(m), Some((rank, *s)));
        assert_eq!(z.score(m), Some(*s));
        assert_eq!(z.get(rank), Some((&m[..], *s)));
    }
    let rev: Vec<_> = z
        .iter_from(want.len().saturating_sub(1), true)
        .map(|(m, s)| (m.to_vec(), s))
        .collect();
    let mut want_rev = want.clone();
    want_rev.reverse();
    if !want.is_empty() {
        assert_eq!(rev, want_rev);
    }
}

fn random_ops(limit: u64, seed: u64) {
    let e = enc(limit);
    let mut rng = Lcg(seed);
    let mut z = ZSet::default();
    let mut model: Vec<(f64, Vec<u8>)> = Vec::new();
    for step in 0..3000 {
        let member = format!("m{}", rng.next() % 200).into_bytes();
        let score = (rng.next() % 50) as f64 - 25.0;
        match rng.next() % 10 {
            0..=5 => {
                let out = z.add(&member, score, AddFlags::default(), &e).unwrap();
                match model.iter_mut().find(|(_, m)| *m == member) {
                    Some(entry) => {
                        let expect = if entry.0 == score {
                            Added::Same(score)
                        } else {
                            Added::Updated(score)
                        };
                        assert_eq!(out, expect);
                        entry.0 = score;
                    }
                    None => {
                        assert_eq!(out, Added::New(score));
                        model.push((score, member));
                    }
                }
            }
            6 | 7 => {
                let was = model.iter().position(|(_, m)| *m == member);
                assert_eq!(z.remove(&member), was.is_some());
                if let Some(i) = was {
                    model.remove(i);
                }
            }
            8 => {
                let len = model.len();
                let a = (rng.next() as usize) % (len + 1);
                let b = (a + (rng.next() as usize) % 5).min(len);
                let want = sorted(&model);
                let gone: Vec<_> = want[a..b].iter().map(|(m, _)| m.clone()).collect();
                assert_eq!(z.remove_ranks(a, b), b - a);
                model.retain(|(_, m)| !gone.contains(m));
            }
            _ => {
                let range = ScoreRange {
                    min: score,
                    min_ex: rng.next() % 2 == 0,
                    max: score + (rng.next() % 10) as f64,
                    max_ex: rng.next() % 2 == 0,
                };
                let want: Vec<_> = sorted(&model)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, (_, s))| range.above_min(*s) && range.below_max(*s))
                    .map(|(i, _)| i)
                    .collect();
                let (first, end) = z.score_bounds(&range);
                assert_eq!(end - first, want.len(), "step {step}");
                if let Some(&f) = want.first() {
                    assert_eq!(first, f);
                }
            }
        }
        if step % 97 == 0 {
            check(&z, &model);
        }
        let big = model.len() as u64 > limit;
        if big {
            assert_eq!(z.encoding(), "skiplist");
        }
    }
    check(&z, &model);
}

#[test]
fn listpack_matches_model() {
    random_ops(10_000, 1);
}

#[test]
fn skiplist_matches_model() {
    random_ops(0, 2);
    random_ops(8, 3);
}

#[test]
fn converts_when_a_limit_is_crossed() {
    let e = Encodings {
        zset_max_listpack_entries: 3,
        zset_max_listpack_value: 4,
        ..Encodings::default()
    };
    let mut z = ZSet::default();
    for (i, m) in ["a", "b", "c"].iter().enumerate() {
        z.insert(m.as_bytes(), i as f64, &e);
    }
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"d", 0.5, &e);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(z.rank(b"d"), Some((1, 0.5)));
    // Removing never converts back on its own.
    z.remove(b"d");
    assert_eq!(z.encoding(), "skiplist");
    z.compact_if_fits(&e);
    assert_eq!(z.encoding(), "listpack");
    z.insert(b"long!", 9.0, &e);
    assert_eq!(z.encoding(), "skiplist");
    assert_eq!(ZSet::with_hint(4, 0, &e).encoding(), "skiplist");
    assert_eq!(ZSet::with_hint(3, 5, &e).encoding(), "skiplist");
    assert_eq!(ZSet::with_hint(3, 4, &e).encoding(), "listpack");
}

#[test]
fn add_flags_follow_zadd() {
    let e = Encodings::default();
    let mut z = ZSet::default();
    let f = |nx, xx, gt, lt, incr| AddFlags {
        nx,
        xx,
        gt,
        lt,
        incr,
    };
    assert_eq!(
        z.add(b"a", 1.0, f(false, true, false, false, false), &e),
        Ok(Added::Skipped)
    );
    assert_eq!(
        z.add(b"a", 1.0, f(true, false, false, false, false), &e),
        Ok(Added::New(1.0))
    );
    assert_eq!(
        z.add(b"a", 5.0, f(true, false, false, false, false), &e),
        Ok(Added::Skipped)
    );
    assert_eq!(
        z.add(b"a", 0.0, f(false, false, true, false, false), &e),
        Ok(Added::Skipped)
    );
    assert_eq!(
        z.add(b"a", 2.0, f(false, false, true, false, false), &e),
        Ok(Added::Updated(2.0))
    );
    assert_eq!(
        z.add(b"a", 3.0, f(false, false, false, true, true), &e),
        Ok(Added::Skipped)
    );
    assert_eq!(
        z.add(b"a", -1.0, f(false, false, false, true, true), &e),
        Ok(Added::Updated(1.0))
    );
    assert_eq!(
        z.add(b"a", 0.0, f(false, false, false, false, true), &e),
        Ok(Added::Same(1.0))
    );
    z.insert(b"i", f64::INFINITY, &e);
    assert_eq!(
        z.add(
            b"i",
            f64::NEG_INFINITY,
            f(false, false, false, false, true),
            &e
        ),
        Err(NotANumber)
    );
    assert_eq!(
        z.add(b"x", f64::NAN, AddFlags::default(), &e),
        Err(NotANumber)
    );
}

#[test]
fn ties_order_by_member_bytes_and_pops() {
    for limit in [128, 0] {
        let e = enc(limit);
        let mut z = ZSet::default();
        for m in [&b"b"[..], b"a", b"\x00", b"ab", b""] {
            z.insert(m, 1.0, &e);
        }
        // All scores equal: lex ranges apply ("" < "\x00" < "a" < "ab" < "b").
        let range = LexRange {
            min: LexBound::Excl(b"".to_vec()),
            max: LexBound::Incl(b"ab".to_vec()),
        };
        assert_eq!(z.lex_bounds(&range), (1, 4));
        z.insert(b"low", -1.0, &e);
        let order: Vec<_> = z.iter().map(|(m, _)| m.to_vec()).collect();
        let want: Vec<Vec<u8>> = [&b"low"[..], b"", b"\x00", b"a", b"ab", b"b"]
            .iter()
            .map(|m| m.to_vec())
            .collect();
        assert_eq!(order, want);
        assert_eq!(z.pop_min(), Some((b"low".to_vec(), -1.0)));
        assert_eq!(z.pop_max(), Some((b"b".to_vec(), 1.0)));
        assert_eq!(z.len(), 4);
    }
}

#[test]
fn copies_are_independent_and_compare_equal() {
    let e = enc(0);
    let mut a = ZSet::default();
    a.insert(b"x", 1.0, &e);
    let mut b = a.clone();
    assert_eq!(a, b);
    b.insert(b"y", 2.0, &e);
    assert_ne!(a, b);
    assert_eq!(a.len(), 1);
}

#[test]
fn scan_visits_every_member() {
    let e = enc(0);
    let mut z = ZSet::default();
    for i in 0..500 {
        z.insert(format!("m{i}").as_bytes(), f64::from(i), &e);
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor = 0;
    loop {
        cursor = z.scan(cursor, |m, s| {
            assert_eq!(z.score(m), Some(s));
            seen.insert(m.to_vec());
        });
        if cursor == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
}
