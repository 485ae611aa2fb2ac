//! The sort a geo search uses when every result is returned, ported so that points at equal
//! distances come out in Valkey's order: glibc's `qsort`, a stable top-down merge sort. Under
//! COUNT it uses Valkey's `pqsort` (`commands::pqsort`), shared with SORT.

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
}
