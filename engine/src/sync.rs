//! The only module that names `std::sync`: under `--cfg loom` it re-exports loom's types, so
//! the loom models in `loom-tests` run the engine's own locking code, not a copy of it.

#[cfg(not(loom))]
pub use std::sync::{
    atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

#[cfg(loom)]
pub use loom::sync::{
    atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicU8, AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
};

/// Shared value payloads (copy-on-write strings and aggregates). Always std's `Arc`: sharing a
/// payload is not a synchronisation protocol (it is only read or copied, never waited on), and
/// copy-on-write needs `Arc::make_mut`, which loom's `Arc` lacks.
pub type Shared<T> = std::sync::Arc<T>;

/// Locks `m`, ignoring poisoning: a panic while a shard is held is already a bug report, and
/// the data is left consistent by construction (commands validate before they mutate).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    #[cfg(not(loom))]
    {
        m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    #[cfg(loom)]
    {
        m.lock().unwrap()
    }
}

/// Read-locks `l`, ignoring poisoning (see [`lock`]).
pub fn lock_read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    #[cfg(not(loom))]
    {
        l.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    #[cfg(loom)]
    {
        l.read().unwrap()
    }
}

/// Write-locks `l`, ignoring poisoning (see [`lock`]).
pub fn lock_write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    #[cfg(not(loom))]
    {
        l.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
    #[cfg(loom)]
    {
        l.write().unwrap()
    }
}
