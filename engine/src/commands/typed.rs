//! Lookups of aggregate values by type, shared by the list, hash, set and sorted-set commands:
//! a missing key is `None`, a key of another type is WRONGTYPE, a write copies a shared
//! payload first, and a write that empties a value deletes its key.

use super::{Args, CmdError, Ctx};
use crate::keyspace::{Entry, Shard};
use crate::sync::Shared;
use crate::value::Aggregate;

/// The value at `key` for a reading command (counted as a keyspace hit or miss).
pub(crate) fn read<'s, T: Aggregate>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'s T>, CmdError> {
    match shard.read(key, now_ms) {
        None => Ok(None),
        Some(e) => T::of(&e.value)
            .map(|v| Some(&**v))
            .ok_or(CmdError::WrongType),
    }
}

/// The value at `key` for a writing command that needs it to exist (not counted).
pub(crate) fn write<'s, T: Aggregate>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<Option<&'s mut T>, CmdError> {
    match shard.get_mut(key, now_ms) {
        None => Ok(None),
        Some(e) => T::of_mut(&mut e.value)
            .map(|v| Some(Shared::make_mut(v)))
            .ok_or(CmdError::WrongType),
    }
}

/// The value at `key` for a writing command that creates it when missing (LPUSH, HSET, SADD,
/// ZADD). The type is checked before anything is created.
pub(crate) fn write_or_create<'s, T: Aggregate>(
    shard: &'s mut Shard,
    key: &[u8],
    now_ms: u64,
) -> Result<&'s mut T, CmdError> {
    let exists = match shard.get(key, now_ms) {
        Some(e) if T::of(&e.value).is_none() => return Err(CmdError::WrongType),
        Some(_) => true,
        None => false,
    };
    if !exists {
        shard.insert(key, Entry::new(T::default().into_value()));
    }
    match shard.get_mut(key, now_ms).map(|e| T::of_mut(&mut e.value)) {
        Some(Some(v)) => Ok(Shared::make_mut(v)),
        _ => unreachable!("the key holds a {} now", std::any::type_name::<T>()),
    }
}

/// Deletes `key` if its aggregate is empty (after a write removed its last element); true
/// when it did.
pub(crate) fn remove_if_empty<T: Aggregate>(shard: &mut Shard, key: &[u8], now_ms: u64) -> bool {
    let empty = shard
        .peek(key, now_ms)
        .and_then(|e| T::of(&e.value))
        .is_some_and(|v| v.is_empty());
    if empty {
        shard.remove(key);
    }
    empty
}

/// LLEN, HLEN, SCARD and ZCARD: the number of elements at `key`, 0 when it is missing.
pub(crate) fn len<T: Aggregate>(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let n = read::<T>(&mut shard, key, ctx.now_ms)?.map_or(0, T::len);
    drop(shard);
    ctx.out.integer(n as i64);
    Ok(())
}

/// HDEL / SREM / ZREM: removes each argument from the third on from the value at `key` with
/// `remove`, deletes an emptied key, and replies how many were there. Announces `event` (of
/// `class`) when something went, then `del` when the key went too.
pub(crate) fn remove_each<T: Aggregate>(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    remove: fn(&mut T, &[u8]) -> bool,
    (class, event): (u32, &'static str),
) -> Result<(), CmdError> {
    let key = args.arg(1);
    let mut shard = ctx.db().lock_key(key);
    let removed = match write::<T>(&mut shard, key, ctx.now_ms)? {
        None => 0,
        Some(v) => args.from(2).iter().filter(|m| remove(v, m)).count(),
    };
    let deleted = remove_if_empty::<T>(&mut shard, key, ctx.now_ms);
    drop(shard);
    if removed > 0 {
        ctx.notify(class, event, key);
        notify_deleted(ctx, deleted, key);
    }
    ctx.out.integer(removed as i64);
    Ok(())
}

/// Announces `del` of `key` when a write emptied and so deleted it.
pub(crate) fn notify_deleted(ctx: &Ctx<'_>, deleted: bool, key: &[u8]) {
    if deleted {
        ctx.notify(crate::notify::class::GENERIC, "del", key);
    }
}

/// What a *STORE command did to its destination.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// A non-empty result was written.
    Written,
    /// The result was empty and an existing destination was deleted.
    Deleted,
    /// The result was empty and there was no destination.
    Nothing,
}

impl Stored {
    /// From whether the result was written and, if not, whether a destination went.
    pub(crate) fn new(written: bool, deleted: bool) -> Self {
        match (written, deleted) {
            (true, _) => Stored::Written,
            (false, true) => Stored::Deleted,
            (false, false) => Stored::Nothing,
        }
    }

    /// Announces the store: `event` (of `class`) for a written result, `del` for a deleted
    /// destination, nothing otherwise.
    pub(crate) fn notify(self, ctx: &Ctx<'_>, class: u32, event: &str, dst: &[u8]) {
        match self {
            Stored::Written => ctx.notify(class, event, dst),
            Stored::Deleted => notify_deleted(ctx, true, dst),
            Stored::Nothing => {}
        }
    }
}
