//! CLIENT PAUSE: while a pause lasts, clients' commands wait (all of them, or only those that
//! write) and expiry deletes nothing, as in Valkey. The pause is one atomic word that every
//! command reads once; connections that wait park their wakers here and are woken by CLIENT
//! UNPAUSE (or their own deadline, the pause's end).

use std::task::Waker;

use crate::sync::{lock, AtomicU64, Mutex, Ordering};

/// What a pause holds back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    /// Commands that write or may replicate (`CLIENT PAUSE … WRITE`).
    Write,
    /// Every command (`CLIENT PAUSE …` / `ALL`).
    All,
}

/// The server's pause state.
#[derive(Debug, Default)]
pub struct ClientPause {
    /// `end_ms << 1 | all`: 0 when no pause was ever set; a pause whose end has passed is over.
    word: AtomicU64,
    /// Connections waiting for the pause to end.
    parked: Mutex<Vec<Waker>>,
}

impl ClientPause {
    /// Pauses until `end_ms` (Unix ms). A pause already in force keeps the later end and the
    /// stricter mode (Valkey: the most restrictive configuration wins).
    pub fn pause(&self, end_ms: u64, mode: PauseMode, now_ms: u64) {
        let end = end_ms.min(u64::MAX >> 1);
        let all = u64::from(mode == PauseMode::All);
        let _ = self
            .word
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |old| {
                let (old_end, old_all) = (old >> 1, old & 1);
                Some(if old_end > now_ms {
                    (old_end.max(end) << 1) | (old_all | all)
                } else {
                    (end << 1) | all
                })
            });
    }

    /// Ends any pause and wakes the waiting connections.
    pub fn unpause(&self) {
        self.word.store(0, Ordering::Release);
        self.wake_all();
    }

    /// The pause in force at `now_ms`: its mode and end (Unix ms).
    pub fn current(&self, now_ms: u64) -> Option<(PauseMode, u64)> {
        let word = self.word.load(Ordering::Acquire);
        let end = word >> 1;
        (end > now_ms).then(|| {
            let mode = if word & 1 == 1 {
                PauseMode::All
            } else {
                PauseMode::Write
            };
            (mode, end)
        })
    }

    /// True when a command that writes (`writes`) or not must wait at `now_ms`.
    pub fn holds(&self, writes: bool, now_ms: u64) -> bool {
        match self.current(now_ms) {
            Some((PauseMode::All, _)) => true,
            Some((PauseMode::Write, _)) => writes,
            None => false,
        }
    }

    /// True while expiry must leave keys in place (any pause: a replica promoted during a
    /// pause must find the same keys).
    pub fn holds_expiry(&self, now_ms: u64) -> bool {
        self.current(now_ms).is_some()
    }

    /// Parks a waiting connection's waker until [`ClientPause::unpause`]. Its own deadline
    /// (the pause's end) wakes it otherwise.
    pub fn park(&self, waker: &Waker) {
        let mut parked = lock(&self.parked);
        if !parked.iter().any(|w| w.will_wake(waker)) {
            parked.push(waker.clone());
        }
    }

    fn wake_all(&self) {
        let wakers = std::mem::take(&mut *lock(&self.parked));
        for w in wakers {
            w.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stricter_mode_and_the_later_end_win_while_a_pause_lasts() {
        let p = ClientPause::default();
        assert_eq!(p.current(1000), None);
        p.pause(1200, PauseMode::All, 1000);
        p.pause(1020, PauseMode::Write, 1000);
        assert_eq!(p.current(1050), Some((PauseMode::All, 1200)));
        assert!(p.holds(false, 1100));
        assert!(!p.holds(false, 1200));
        // A pause that has ended is replaced, not merged.
        p.pause(2000, PauseMode::Write, 1500);
        assert_eq!(p.current(1600), Some((PauseMode::Write, 2000)));
        assert!(p.holds(true, 1600) && !p.holds(false, 1600));
        assert!(p.holds_expiry(1999) && !p.holds_expiry(2000));
        p.unpause();
        assert_eq!(p.current(1600), None);
    }

    #[test]
    fn a_huge_timeout_saturates() {
        let p = ClientPause::default();
        p.pause(u64::MAX, PauseMode::Write, 0);
        assert!(p.holds(true, u64::MAX >> 2));
    }
}
