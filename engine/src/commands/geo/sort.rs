//! The two sorts a geo search uses, ported so that points at equal distances come out in
//! Valkey's order: glibc's `qsort` (a stable top-down merge sort) when every result is
//! returned, and Valkey's `pqsort` (NetBSD's Bentley–McIlroy quicksort that only sorts the
//! partitions overlapping the wanted range) under COUNT.

use std::cmp::Ordering;

/// glibc's `msort`: split in halves (the first `n / 2` long), sort each, merge taking from
/// the left while `cmp(left, right) <= 0`.
pub(crate) fn merge_sort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> Ordering) {
    if v.len() <= 1 {
        return;
    }
    let n1 = v.len() / 2;
    merge_sort(&mut v[..n1], cmp);
    merge_sort(&mut v[n1..], cmp);
    let mut merged = Vec::with_capacity(v.len());
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < v.len() {
        if cmp(&v[i], &v[j]) != Ordering::Greater {
            merged.push(v[i].clone());
            i += 1;
        } else {
            merged.push(v[j].clone());
            j += 1;
        }
    }
    merged.extend_from_slice(&v[i..n1]);
    // What is left of the right half is already in place.
    let done = merged.len();
    v[..done].clone_from_slice(&merged);
}

/// Valkey's `pqsort`: sorts enough of `v` that positions `lrange..=rrange` hold what a full
/// sort would put there.
pub(crate) fn partial_sort<T>(
    v: &mut [T],
    cmp: &impl Fn(&T, &T) -> Ordering,
    lrange: usize,
    rrange: usize,
) {
    pqsort(v, 0, v.len(), cmp, lrange, rrange);
}

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

/// `_pqsort` on the `n` elements from index `a`; a partition is sorted further only when it
/// overlaps `lrange..=rrange`.
fn pqsort<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    cmp: &impl Fn(&T, &T) -> Ordering,
    lrange: usize,
    rrange: usize,
) {
    let outside = |from: usize, len: usize| {
        (lrange < from && rrange < from) || (lrange >= from + len && rrange >= from + len)
    };
    loop {
        if n < 7 {
            for pm in a + 1..a + n {
                let mut pl = pm;
                while pl > a && cmp(&v[pl - 1], &v[pl]) == Ordering::Greater {
                    v.swap(pl, pl - 1);
                    pl -= 1;
                }
            }
            return;
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
                let c = cmp(&v[pb], &v[a]);
                if c == Ordering::Greater {
                    break;
                }
                if c == Ordering::Equal {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb <= pc {
                let c = cmp(&v[pc], &v[a]);
                if c == Ordering::Less {
                    break;
                }
                if c == Ordering::Equal {
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
            pqsort(v, a, r, cmp, lrange, rrange);
        }
        let r = pd - pc;
        if r > 1 {
            a = pn - r;
            n = r;
            if !outside(a, n) {
                continue;
            }
        }
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_key(a: &(u32, u32), b: &(u32, u32)) -> Ordering {
        a.0.cmp(&b.0)
    }

    #[test]
    fn merge_sort_is_stable() {
        let mut v: Vec<(u32, u32)> = (0..50).map(|i| ((i * 7) % 5, i)).collect();
        let mut expected = v.clone();
        expected.sort_by(by_key);
        merge_sort(&mut v, &by_key);
        assert_eq!(v, expected);
    }

    #[test]
    fn partial_sort_orders_the_wanted_prefix() {
        let mut seed = 12345u32;
        let mut v: Vec<(u32, u32)> = (0..200)
            .map(|i| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((seed >> 16) % 1000, i)
            })
            .collect();
        let mut full = v.clone();
        full.sort_by(by_key);
        partial_sort(&mut v, &by_key, 0, 9);
        let got: Vec<u32> = v[..10].iter().map(|p| p.0).collect();
        let want: Vec<u32> = full[..10].iter().map(|p| p.0).collect();
        assert_eq!(got, want);
        // Everything is still there.
        let mut all: Vec<u32> = v.iter().map(|p| p.1).collect();
        all.sort_unstable();
        assert_eq!(all, (0..200).collect::<Vec<u32>>());
    }
}
