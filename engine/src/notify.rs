//! Keyspace notifications (`notify-keyspace-events`): commands announce what they did to a
//! key; events of an enabled class are published on `__keyspace@<db>__:<key>` and
//! `__keyevent@<db>__:<event>`.
//!
//! What the shard itself notices (a key expiring on lookup, a read missing, a key being
//! created) is queued on the running thread while the command runs and published in order,
//! ahead of the command's own next event, so subscribers see Valkey's order: `expired`, then
//! `keymiss` or `new`, then the command's event.

use std::cell::{Cell, RefCell};

use crate::server::Server;

/// Event classes, as Valkey's `NOTIFY_*` bits.
pub mod class {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (DEL, EXPIRE, RENAME, …).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted-set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: keys expiring.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: keys evicted.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: reads that miss (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module events.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`.
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// The letters in the order Valkey prints them (after `A`, before `K`, `E`, `m`).
const CLASS_LETTERS: [(u32, char); 11] = [
    (class::GENERIC, 'g'),
    (class::STRING, '$'),
    (class::LIST, 'l'),
    (class::SET, 's'),
    (class::HASH, 'h'),
    (class::ZSET, 'z'),
    (class::EXPIRED, 'x'),
    (class::EVICTED, 'e'),
    (class::STREAM, 't'),
    (class::MODULE, 'd'),
    (class::NEW, 'n'),
];

/// Parses a `notify-keyspace-events` value; `None` for a character Valkey rejects.
pub fn parse(s: &str) -> Option<u32> {
    s.chars().try_fold(0, |flags, c| {
        Some(
            flags
                | match c {
                    'A' => class::ALL,
                    'K' => class::KEYSPACE,
                    'E' => class::KEYEVENT,
                    'm' => class::KEY_MISS,
                    other => CLASS_LETTERS.iter().find(|(_, l)| *l == other)?.0,
                },
        )
    })
}

/// The value as CONFIG GET prints it (Valkey's normal form: `KEA` reads back as `AKE`).
pub fn format(flags: u32) -> String {
    let mut s = String::new();
    if flags & class::ALL == class::ALL {
        s.push('A');
    } else {
        s.extend(
            CLASS_LETTERS
                .iter()
                .filter(|(bit, _)| flags & bit != 0)
                .map(|(_, l)| l),
        );
    }
    for (bit, l) in [
        (class::KEYSPACE, 'K'),
        (class::KEYEVENT, 'E'),
        (class::KEY_MISS, 'm'),
    ] {
        if flags & bit != 0 {
            s.push(l);
        }
    }
    s
}

/// A shard-level event waiting to be published: `(class, event, db, key)`.
pub type Pending = (u32, &'static str, usize, Vec<u8>);

std::thread_local! {
    /// The classes the running command's shard-level events are collected for (0: none).
    static COLLECT: Cell<u32> = const { Cell::new(0) };
    /// Shard-level events waiting to be published: `(class, event, db, key)`.
    static PENDING: RefCell<Vec<Pending>> = const { RefCell::new(Vec::new()) };
}

/// Collects shard-level events of `classes` on this thread until dropped (the command's
/// scope); the previous setting comes back afterwards.
#[derive(Debug)]
pub struct Collect {
    before: u32,
}

impl Collect {
    /// Starts collecting `classes`.
    pub fn new(classes: u32) -> Self {
        Self {
            before: COLLECT.replace(classes),
        }
    }
}

impl Drop for Collect {
    fn drop(&mut self) {
        COLLECT.set(self.before);
    }
}

/// Which shard-level events a command must collect under `flags`: expiries for `x` and
/// evictions for `e` (both always when `track_expired`, for client-side caching), misses for
/// `m`, creations for `n`.
pub fn collect_for(flags: u32, track_expired: bool) -> u32 {
    let publish = if flags & (class::KEYSPACE | class::KEYEVENT) != 0 {
        flags & (class::EXPIRED | class::EVICTED | class::KEY_MISS | class::NEW)
    } else {
        0
    };
    publish
        | if track_expired {
            class::EXPIRED | class::EVICTED
        } else {
            0
        }
}

/// Called by the shard: `event` happened to `key` in `db` (expired, keymiss, new).
pub fn shard_event(class: u32, event: &'static str, db: usize, key: &[u8]) {
    if COLLECT.get() & class != 0 {
        PENDING.with_borrow_mut(|p| p.push((class, event, db, key.to_vec())));
    }
}

/// True when shard-level events wait to be published.
pub fn has_pending() -> bool {
    COLLECT.get() != 0 && PENDING.with_borrow(|p| !p.is_empty())
}

/// Takes the shard-level events collected so far, in order.
pub fn take_pending() -> Vec<Pending> {
    PENDING.with_borrow_mut(std::mem::take)
}

/// Publishes one event under `flags` (the configured classes).
pub fn publish(
    server: &Server,
    flags: u32,
    limit: u64,
    class: u32,
    event: &str,
    db: usize,
    key: &[u8],
) {
    if flags & class == 0 {
        return;
    }
    if flags & class::KEYSPACE != 0 {
        let mut channel = format!("__keyspace@{db}__:").into_bytes();
        channel.extend_from_slice(key);
        server
            .pubsub
            .publish(&channel, event.as_bytes(), false, limit);
    }
    if flags & class::KEYEVENT != 0 {
        let channel = format!("__keyevent@{db}__:{event}");
        server.pubsub.publish(channel.as_bytes(), key, false, limit);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn flags_read_back_in_valkeys_normal_form() {
        for (given, shown) in [
            ("KEA", "AKE"),
            ("K$", "$K"),
            ("AKEnm", "AKEm"),
            ("Elgx", "glxE"),
            ("", ""),
        ] {
            assert_eq!(format(parse(given).unwrap()), shown, "{given}");
        }
        assert_eq!(parse("KEw"), None);
        assert_eq!(parse("Kn").unwrap(), class::KEYSPACE | class::NEW);
    }
}
