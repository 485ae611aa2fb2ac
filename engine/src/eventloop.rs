//! Valkey's event-loop figures (INFO stats `eventloop_*`, `instantaneous_eventloop_*`, INFO
//! debug) and the buffer-limit disconnection counters, for a server without one event loop.
//! A cycle here is what one Valkey loop turn does for a client or for the timer: one
//! connection's read batch, or one cron tick. An idle server so counts `hz` cycles a second,
//! as Valkey does, and its commands' time falls in the cycles that ran them.

use crate::sync::{AtomicU64, Mutex, Ordering::Relaxed};

/// Samples the instantaneous figures average over (Valkey's `STATS_METRIC_SAMPLES`).
const SAMPLES: usize = 16;
/// Milliseconds between samples (Valkey samples every 100 ms in its cron).
const SAMPLE_EVERY_MS: u64 = 100;

/// The counters, shared by every thread.
#[derive(Debug, Default)]
pub struct EventLoop {
    cycles: AtomicU64,
    /// Microseconds in all cycles.
    duration_us: AtomicU64,
    /// Microseconds in commands.
    cmd_us: AtomicU64,
    /// Microseconds in cron ticks.
    cron_us: AtomicU64,
    /// The longest cycle, in microseconds.
    max_us: AtomicU64,
    /// The most commands one cycle ran.
    cmds_max: AtomicU64,
    query_limit_closed: AtomicU64,
    output_limit_closed: AtomicU64,
    sampler: Mutex<Sampler>,
}

/// Valkey's `trackInstantaneousMetric` state for cycles per second and microseconds per
/// cycle.
#[derive(Debug, Default)]
struct Sampler {
    last_ms: u64,
    /// (cycles, microseconds) at the last sample.
    last: (u64, u64),
    cycles_per_sec: [u64; SAMPLES],
    usec_per_cycle: [u64; SAMPLES],
    at: usize,
}

/// What INFO shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// `eventloop_cycles`.
    pub cycles: u64,
    /// `eventloop_duration_sum` (µs).
    pub duration_sum: u64,
    /// `eventloop_duration_cmd_sum` (µs).
    pub cmd_sum: u64,
    /// `eventloop_duration_cron_sum` (µs, INFO debug).
    pub cron_sum: u64,
    /// `eventloop_duration_max` (µs, INFO debug).
    pub max: u64,
    /// `eventloop_cmd_per_cycle_max` (INFO debug).
    pub cmds_max: u64,
    /// `instantaneous_eventloop_cycles_per_sec`.
    pub cycles_per_sec: u64,
    /// `instantaneous_eventloop_duration_usec`.
    pub usec_per_cycle: u64,
    /// `client_query_buffer_limit_disconnections`.
    pub query_limit_closed: u64,
    /// `client_output_buffer_limit_disconnections`.
    pub output_limit_closed: u64,
}

impl EventLoop {
    /// One read batch that took `usec`, `cmd_usec` of it in its `commands` commands. A cycle
    /// that ran counts at least a microsecond: the clock is coarser than a short batch.
    pub fn batch(&self, usec: u64, cmd_usec: u64, commands: u64) {
        let usec = usec.max(1);
        self.cycles.fetch_add(1, Relaxed);
        self.duration_us.fetch_add(usec, Relaxed);
        self.cmd_us.fetch_add(cmd_usec, Relaxed);
        self.max_us.fetch_max(usec, Relaxed);
        self.cmds_max.fetch_max(commands, Relaxed);
    }

    /// One cron tick that took `usec`, ending at `now_ms`; takes a sample every 100 ms.
    pub fn cron(&self, usec: u64, now_ms: u64) {
        let usec = usec.max(1);
        self.cycles.fetch_add(1, Relaxed);
        self.duration_us.fetch_add(usec, Relaxed);
        self.cron_us.fetch_add(usec, Relaxed);
        self.max_us.fetch_max(usec, Relaxed);
        let mut s = crate::sync::lock(&self.sampler);
        if now_ms.saturating_sub(s.last_ms) < SAMPLE_EVERY_MS {
            return;
        }
        let now = (self.cycles.load(Relaxed), self.duration_us.load(Relaxed));
        let (cycles, usec) = (
            now.0.saturating_sub(s.last.0),
            now.1.saturating_sub(s.last.1),
        );
        let elapsed_us = now_ms.saturating_sub(s.last_ms) * 1000;
        let at = s.at;
        s.cycles_per_sec[at] = (cycles * 1_000_000).checked_div(elapsed_us).unwrap_or(0);
        s.usec_per_cycle[at] = usec.checked_div(cycles).unwrap_or(0);
        s.at = (at + 1) % SAMPLES;
        s.last = now;
        s.last_ms = now_ms;
    }

    /// A client closed for its query buffer (`query`) or its output buffer.
    pub fn limit_closed(&self, query: bool) {
        let counter = if query {
            &self.query_limit_closed
        } else {
            &self.output_limit_closed
        };
        counter.fetch_add(1, Relaxed);
    }

    /// CONFIG RESETSTAT: everything to zero, the samples too (the next one then spans the
    /// whole run, as Valkey's first sample after a reset does).
    pub fn reset(&self) {
        for c in [
            &self.cycles,
            &self.duration_us,
            &self.cmd_us,
            &self.cron_us,
            &self.max_us,
            &self.cmds_max,
            &self.query_limit_closed,
            &self.output_limit_closed,
        ] {
            c.store(0, Relaxed);
        }
        *crate::sync::lock(&self.sampler) = Sampler::default();
    }

    /// The figures now; the instantaneous ones average the last 16 samples.
    pub fn figures(&self) -> Figures {
        let s = crate::sync::lock(&self.sampler);
        let avg = |v: &[u64; SAMPLES]| v.iter().sum::<u64>() / SAMPLES as u64;
        Figures {
            cycles: self.cycles.load(Relaxed),
            duration_sum: self.duration_us.load(Relaxed),
            cmd_sum: self.cmd_us.load(Relaxed),
            cron_sum: self.cron_us.load(Relaxed),
            max: self.max_us.load(Relaxed),
            cmds_max: self.cmds_max.load(Relaxed),
            cycles_per_sec: avg(&s.cycles_per_sec),
            usec_per_cycle: avg(&s.usec_per_cycle),
            query_limit_closed: self.query_limit_closed.load(Relaxed),
            output_limit_closed: self.output_limit_closed.load(Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_durations_and_samples() {
        let el = EventLoop::default();
        el.batch(0, 0, 3);
        el.batch(40, 30, 1);
        el.cron(10, 0);
        let f = el.figures();
        assert_eq!(
            (
                f.cycles,
                f.duration_sum,
                f.cmd_sum,
                f.cron_sum,
                f.max,
                f.cmds_max
            ),
            (3, 51, 30, 10, 40, 3)
        );
        // Ten ticks a second of 10 µs each, sampled over 1.6 s: 10 cycles/s, 10 µs each.
        let idle = EventLoop::default();
        idle.cron(10, 1000);
        for i in 1..=16u64 {
            idle.cron(10, 1000 + 100 * i);
        }
        let f = idle.figures();
        assert_eq!((f.cycles_per_sec, f.usec_per_cycle), (10, 10));
        el.limit_closed(true);
        el.limit_closed(false);
        el.limit_closed(false);
        let f = el.figures();
        assert_eq!((f.query_limit_closed, f.output_limit_closed), (1, 2));
        el.reset();
        assert_eq!(el.figures(), Figures::default());
    }
}
