//! Valkey's `pqsort`, shared by SORT (BY with LIMIT) and geo searches (COUNT): which of
//! several equal elements lands in the wanted range depends on the algorithm, so it is
//! ported step by step rather than replaced by a library sort.

use std::cmp::Ordering;

/// Valkey's `pqsort`: the NetBSD (Bentley–McIlroy) quicksort that only sorts the parts
/// overlapping positions `lrange..=rrange`, so those positions hold what a full sort would
/// put there. The range may be empty or negative (SORT's clamped LIMIT gives `0..=-1` and
/// `-1..=-2`), as the C code's pointer arithmetic allows. Parts are kept on an explicit stack
/// instead of the call stack; they are disjoint, so the order they are done in does not
/// change the result.
pub(super) fn pqsort<T>(v: &mut [T], lrange: i64, rrange: i64, cmp: &impl Fn(&T, &T) -> Ordering) {
    // The C code compares element pointers with the range's first and last byte; in whole
    // elements that is this.
    let outside = |a: usize, n: usize| {
        let (l, end) = (a as i64, (a + n) as i64);
        (lrange < l && rrange < l) || (lrange >= end && rrange >= end)
    };
    let mut todo = vec![(0usize, v.len())];
    while let Some((a, n)) = todo.pop() {
        if n < 7 {
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && cmp(&v[pl - 1], &v[pl]) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            continue;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        let (mut pc, mut pd) = (a + n - 1, a + n - 1);
        loop {
            while pb <= pc {
                let r = cmp(&v[pb], &v[a]);
                if r == Ordering::Greater {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let r = cmp(&v[pc], &v[a]);
                if r == Ordering::Less {
                    break;
                }
                if r == Ordering::Equal {
                    v.swap(pc, pd);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb > pc {
                break;
            }
            v.swap(pb, pc);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let r = (pa - a).min(pb - pa);
        vecswap(v, a, pb - r, r);
        let r = (pd - pc).min(pn - pd - 1);
        vecswap(v, pb, pn - r, r);
        let r = pb - pa;
        if r > 1 && !outside(a, r) {
            todo.push((a, r));
        }
        let r = pd - pc;
        if r > 1 && !outside(pn - r, r) {
            todo.push((pn - r, r));
        }
    }
}

/// The index of the median of `v[a]`, `v[b]` and `v[c]`, as the C `med3` picks it.
fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> Ordering) -> usize {
    let lt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Less;
    let gt = |x: usize, y: usize| cmp(&v[x], &v[y]) == Ordering::Greater;
    if lt(a, b) {
        if lt(b, c) {
            b
        } else if lt(a, c) {
            c
        } else {
            a
        }
    } else if gt(b, c) {
        b
    } else if lt(a, c) {
        a
    } else {
        c
    }
}

/// Swaps the `n` elements from `a` with those from `b`, pair by pair (`vecswap`).
fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for i in 0..n {
        v.swap(a + i, b + i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    // With a total order the partial sort must put exactly the fully sorted elements in the
    // requested range, whatever the range and the input shape.
    #[test]
    fn pqsort_sorts_the_requested_range() {
        let mut seed = 7;
        for n in [0usize, 1, 5, 7, 8, 40, 41, 100, 1000] {
            for round in 0..20 {
                let mut v: Vec<u64> = (0..n)
                    .map(|_| lcg(&mut seed) % (n as u64 / 2 + 1))
                    .collect();
                if round == 1 {
                    v.sort_unstable();
                }
                let mut want = v.clone();
                want.sort_unstable();
                let a = if n == 0 {
                    0
                } else {
                    lcg(&mut seed) as usize % n
                };
                let b = if n == 0 {
                    0
                } else {
                    a + lcg(&mut seed) as usize % (n - a)
                };
                pqsort(&mut v, a as i64, b as i64, &|x: &u64, y: &u64| x.cmp(y));
                if n > 0 {
                    assert_eq!(v[a..=b], want[a..=b], "n {n} range {a}..={b}");
                }
            }
        }
    }

    #[test]
    fn pqsort_keeps_every_element() {
        let by_key = |a: &(u32, u32), b: &(u32, u32)| a.0.cmp(&b.0);
        let mut seed = 12345u32;
        let mut v: Vec<(u32, u32)> = (0..200)
            .map(|i| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((seed >> 16) % 1000, i)
            })
            .collect();
        let mut full = v.clone();
        full.sort_by(by_key);
        pqsort(&mut v, 0, 9, &by_key);
        let got: Vec<u32> = v[..10].iter().map(|p| p.0).collect();
        let want: Vec<u32> = full[..10].iter().map(|p| p.0).collect();
        assert_eq!(got, want);
        let mut all: Vec<u32> = v.iter().map(|p| p.1).collect();
        all.sort_unstable();
        assert_eq!(all, (0..200).collect::<Vec<u32>>());
    }
}
