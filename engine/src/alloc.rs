//! The allocator both server binaries install: the system allocator plus a count of the
//! bytes currently allocated, which INFO reports as `used_memory` (Valkey's figure; users'
//! monitoring reads it). One relaxed atomic add per allocation and free; the command hot path
//! is meant not to allocate at all (issue 7), so the count costs nothing there.
//!
//! The system allocator is the default by measurement (`cargo xtask bench --memory`, builds
//! with and without `--features mimalloc` side by side, 2-core VM, P16 server CPU per op):
//! mimalloc, a size-class slab allocator, was level within noise (SET 0.96 vs 0.99 µs,
//! GET 0.85 vs 0.86, ZADD 6.46 vs 6.29) and used more memory: RSS per key 109.1 vs 104.8
//! bytes, RSS / used_memory after the mixed-size churn 1.20 vs 1.14. So the founding
//! document's "pools cut fragmentation up to 40%" did not hold for this workload. With
//! `MIMALLOC_ALLOW_LARGE_OS_PAGES=1` the heap sits on transparent huge pages (124 of 131 MB
//! after 1M keys; glibc's `glibc.malloc.hugetlb=1` tunable left it on 4 KB pages here): GET
//! 0.81, ZADD 5.97, SET 1.00 µs/op in the same run, a few percent at most, offered as the
//! huge-pages option rather than made the default.

use std::alloc::{GlobalAlloc, Layout};

#[cfg(feature = "mimalloc")]
use mimalloc::MiMalloc as System;
#[cfg(not(feature = "mimalloc"))]
use std::alloc::System;
use std::sync::atomic::{AtomicUsize, Ordering};

static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

/// `#[global_allocator] static A: engine::alloc::Counting = engine::alloc::Counting;`
#[derive(Debug)]
pub struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counter is bookkeeping
// that never touches the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is (see the impl's comment).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATED.fetch_add(layout.size(), Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is.
        unsafe { System.dealloc(ptr, layout) };
        ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATED.fetch_add(new_size, Ordering::Relaxed);
            ALLOCATED.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        p
    }
}

/// Bytes currently allocated through [`Counting`] (0 where it is not installed).
pub fn allocated() -> usize {
    ALLOCATED.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_is_live() {
        let a = Counting;
        let layout = Layout::from_size_align(4096, 8).unwrap();
        let before = allocated();
        // SAFETY: a valid non-zero layout; the block is freed with the same layout.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            assert!(allocated() >= before + 4096);
            let q = a.realloc(p, layout, 8192);
            assert!(!q.is_null());
            assert!(allocated() >= before + 8192);
            a.dealloc(q, Layout::from_size_align(8192, 8).unwrap());
            let z = a.alloc_zeroed(layout);
            assert_eq!(*z, 0);
            a.dealloc(z, layout);
        }
    }
}
