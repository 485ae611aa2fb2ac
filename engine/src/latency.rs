//! The latency monitor (LATENCY LATEST / HISTORY / GRAPH / DOCTOR / RESET) and the bucket
//! math of LATENCY HISTOGRAM.
//!
//! Events (`command`, `fast-command`, `expire-cycle`) are sampled only when they took at least
//! `latency-monitor-threshold` milliseconds, so the lock here is taken by slow events alone:
//! the caller compares against the threshold first.

use crate::sync::{lock, Mutex};

/// Samples kept per event (Valkey's `LATENCY_TS_LEN`).
pub const SAMPLES: usize = 160;

/// One event's time series: a ring of per-second maxima and the all-time maximum.
#[derive(Clone, Debug)]
pub struct Series {
    /// `(unix seconds, milliseconds)`; time 0 marks an unused slot.
    samples: [(u64, u64); SAMPLES],
    /// The slot the next second's sample goes to.
    next: usize,
    /// The highest latency ever recorded for this event.
    pub max: u64,
    /// Every sample added (same-second ones included): their total and how many.
    pub sum: u64,
    /// See `sum`.
    pub count: u64,
}

impl Series {
    fn new() -> Self {
        Self {
            samples: [(0, 0); SAMPLES],
            next: 0,
            max: 0,
            sum: 0,
            count: 0,
        }
    }

    /// Adds a sample; a second sample in the same second keeps the higher of the two.
    fn add(&mut self, now_s: u64, ms: u64) {
        self.max = self.max.max(ms);
        self.sum += ms;
        self.count += 1;
        let prev = (self.next + SAMPLES - 1) % SAMPLES;
        if self.samples[prev].0 == now_s {
            self.samples[prev].1 = self.samples[prev].1.max(ms);
            return;
        }
        self.samples[self.next] = (now_s, ms);
        self.next = (self.next + 1) % SAMPLES;
    }

    /// The samples oldest first.
    pub fn history(&self) -> Vec<(u64, u64)> {
        (0..SAMPLES)
            .map(|j| self.samples[(self.next + j) % SAMPLES])
            .filter(|s| s.0 != 0)
            .collect()
    }

    /// The most recent sample.
    pub fn latest(&self) -> (u64, u64) {
        self.samples[(self.next + SAMPLES - 1) % SAMPLES]
    }
}

/// The events sampled so far, in the order they first happened.
#[derive(Debug)]
pub struct LatencyMonitor {
    events: Mutex<Vec<(String, Series)>>,
}

impl Default for LatencyMonitor {
    fn default() -> Self {
        Self {
            events: Mutex::new(Vec::new()),
        }
    }
}

impl LatencyMonitor {
    /// Records that `event` took `ms` milliseconds at `now_s` if that reaches `threshold`
    /// (0: monitoring off).
    #[inline]
    pub fn sample_if_needed(&self, threshold: u64, event: &str, ms: u64, now_s: u64) {
        if threshold > 0 && ms >= threshold {
            self.add(event, ms, now_s);
        }
    }

    #[cold]
    fn add(&self, event: &str, ms: u64, now_s: u64) {
        let mut events = lock(&self.events);
        match events.iter_mut().find(|(name, _)| name == event) {
            Some((_, series)) => series.add(now_s, ms),
            None => {
                let mut series = Series::new();
                series.add(now_s, ms);
                events.push((event.to_owned(), series));
            }
        }
    }

    /// A copy of every event's series.
    pub fn snapshot(&self) -> Vec<(String, Series)> {
        lock(&self.events).clone()
    }

    /// One event's series (the name compared exactly, as Valkey's dictionary does).
    pub fn get(&self, event: &[u8]) -> Option<(String, Series)> {
        lock(&self.events)
            .iter()
            .find(|(name, _)| name.as_bytes() == event)
            .cloned()
    }

    /// Forgets `event` (any case), or every event when `None`; returns how many went.
    pub fn reset(&self, event: Option<&[u8]>) -> usize {
        let mut events = lock(&self.events);
        let before = events.len();
        events.retain(|(name, _)| event.is_some_and(|e| !name.as_bytes().eq_ignore_ascii_case(e)));
        before - events.len()
    }

    /// True when no event was ever sampled (or all were reset).
    pub fn is_empty(&self) -> bool {
        lock(&self.events).is_empty()
    }
}

/// Slots of a command's latency histogram: one per power-of-two bucket from 1024 ns to
/// 2^29 ns, and a last one for what Valkey's histogram iterator never reaches (above about
/// 541 ms: counted in `calls` only).
pub const HIST_SLOTS: usize = 21;
/// The first bucket's power of two (1024 ns).
const FIRST_POWER: u32 = 10;
/// The last reported bucket's power of two.
const LAST_POWER: u32 = 29;

/// The histogram slot a command that took `usec` microseconds falls in.
///
/// Valkey records nanoseconds (clamped to 1 ns ..= 1 s) in an HdrHistogram with two
/// significant digits and reports it through a logarithmic iterator at 1024 ns × 2^n: the
/// report at level 2^k counts every value whose HdrHistogram sub-bucket starts at or below
/// 2^k, i.e. values below 2^k + 2^(k-7). The same cut-offs here give the same counts.
#[inline]
pub fn histogram_slot(usec: u64) -> usize {
    let ns = usec.saturating_mul(1000).clamp(1, 1_000_000_000);
    let k0 = 63 - ns.leading_zeros();
    if k0 < FIRST_POWER {
        return 0;
    }
    let k = if ns < (1u64 << k0) + (1u64 << (k0 - 7)) {
        k0
    } else {
        k0 + 1
    };
    (k.min(LAST_POWER + 1) - FIRST_POWER) as usize
}

/// The microsecond label Valkey prints for a reported slot: the highest value its
/// sub-bucket holds, in whole microseconds.
pub fn slot_label(slot: usize) -> u64 {
    let k = FIRST_POWER + slot as u32;
    ((1u64 << k) + (1u64 << (k - 7)) - 1) / 1000
}

/// `(label, cumulative count)` for each reported slot where the count grew, as
/// LATENCY HISTOGRAM's `histogram_usec` lists them.
pub fn cumulative(hist: &[u64; HIST_SLOTS]) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut total = 0;
    for (slot, n) in hist.iter().enumerate().take(HIST_SLOTS - 1) {
        if *n > 0 {
            total += n;
            out.push((slot_label(slot), total));
        }
    }
    out
}

/// The latency in microseconds below which `percentile` % of the calls fell (INFO
/// latencystats' `p50=…`), or `None` without calls. Valkey reads it from its finer
/// HdrHistogram; here it is the upper end of the power-of-two bucket holding that call, so
/// it can read up to twice Valkey's figure.
pub fn percentile_usec(hist: &[u64; HIST_SLOTS], percentile: f64) -> Option<f64> {
    let total: u64 = hist.iter().sum();
    if total == 0 {
        return None;
    }
    let wanted = ((percentile.min(100.0) / 100.0 * total as f64 + 0.5) as u64).max(1);
    let mut seen = 0;
    for (slot, n) in hist.iter().enumerate() {
        seen += n;
        if seen >= wanted {
            if slot == HIST_SLOTS - 1 {
                return Some(1_000_000.0);
            }
            let k = FIRST_POWER + slot as u32;
            let ns = if percentile == 0.0 {
                if slot == 0 {
                    0
                } else {
                    (1u64 << (k - 1)) + (1u64 << (k - 8))
                }
            } else {
                (1u64 << k) + (1u64 << (k - 7)) - 1
            };
            return Some(ns as f64 / 1000.0);
        }
    }
    None
}

/// LATENCY GRAPH's text for `event`: header, ruler and an 80-column, 4-row sparkline of
/// the samples labelled with how long ago each happened.
pub fn graph(event: &str, series: &Series, now_s: u64) -> String {
    let samples = series.history();
    let (mut min, mut max) = (0, 0);
    let mut seq = Vec::with_capacity(samples.len());
    for (i, &(time, ms)) in samples.iter().enumerate() {
        if i == 0 {
            (min, max) = (ms, ms);
        } else {
            min = min.min(ms);
            max = max.max(ms);
        }
        let ago = now_s.saturating_sub(time);
        let label = if ago < 60 {
            format!("{ago}s")
        } else if ago < 3600 {
            format!("{}m", ago / 60)
        } else if ago < 86400 {
            format!("{}h", ago / 3600)
        } else {
            format!("{}d", ago / 86400)
        };
        seq.push((ms as f64, label));
    }
    let mut out = format!(
        "{event} - high {max} ms, low {min} ms (all time high {} ms)\n",
        series.max
    );
    out.push_str(&"-".repeat(80));
    out.push('\n');
    sparkline(&mut out, &seq, 80, 4);
    out
}

/// Renders `seq` as a filled ASCII sparkline, `columns` samples per block of `rows` rows,
/// each block followed by the samples' labels written vertically.
fn sparkline(out: &mut String, seq: &[(f64, String)], columns: usize, rows: usize) {
    const FILL: &[u8] = b"_o#";
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for (i, (v, _)) in seq.iter().enumerate() {
        if i == 0 {
            (lo, hi) = (*v, *v);
        } else if *v < lo {
            lo = *v;
        } else if *v > hi {
            hi = *v;
        }
    }
    let labelled = seq.iter().any(|(_, l)| !l.is_empty());
    let steps = (FILL.len() * rows) as i64;
    let range = if hi - lo == 0.0 { 1.0 } else { hi - lo };
    for (block, part) in seq.chunks(columns).enumerate() {
        if block > 0 {
            out.push('\n');
        }
        let mut row = 0;
        loop {
            let mut line = vec![b' '; part.len()];
            let mut more = false;
            for (j, (v, label)) in part.iter().enumerate() {
                // Truncated twice, as the C original does (int, then the division).
                let step = (((((v - lo) * steps as f64) as i64) as f64 / range) as i64)
                    .clamp(0, steps - 1);
                if row < rows {
                    more = true;
                    let idx = step - ((rows - row - 1) * FILL.len()) as i64;
                    if (0..FILL.len() as i64).contains(&idx) {
                        line[j] = FILL[idx as usize];
                    } else if idx >= FILL.len() as i64 {
                        line[j] = b'|';
                    }
                } else {
                    // One blank row between the graph and its labels.
                    if labelled && row - rows < 1 {
                        more = true;
                        break;
                    }
                    if let Some(&c) = label.as_bytes().get(row - rows - 1) {
                        more = true;
                        line[j] = c;
                    }
                }
            }
            if !more {
                break;
            }
            row += 1;
            out.push_str(&String::from_utf8_lossy(&line));
            out.push('\n');
        }
    }
}

/// What LATENCY DOCTOR's report depends on besides the events.
#[derive(Clone, Copy, Debug)]
pub struct DoctorConfig {
    /// `latency-monitor-threshold`.
    pub threshold: u64,
    /// `slowlog-log-slower-than`.
    pub slowlog_slower_than: i64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: u64,
    /// `hz`.
    pub hz: u64,
}

/// LATENCY DOCTOR's human-readable report, with Valkey's wording for the events ferrokey
/// produces.
pub fn doctor(events: &[(String, Series)], cfg: DoctorConfig, now_s: u64) -> String {
    if events.is_empty() && cfg.threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n".to_owned();
    }
    let mut report = String::new();
    let (mut slowlog_enable, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut hz, mut large_objects) = (false, false, false);
    let mut advices = 0;
    for (n, (event, series)) in events.iter().enumerate() {
        if n == 0 {
            report.push_str("Latency spikes are observed in this Valkey instance.\n\n");
        }
        let samples = series.history();
        // A series is created with its first sample: never empty.
        let count = samples.len().max(1) as u64;
        let avg = samples.iter().map(|s| s.1).sum::<u64>() / count;
        let mad = samples.iter().map(|s| s.1.abs_diff(avg)).sum::<u64>() / count;
        let oldest = samples.iter().map(|s| s.0).min().unwrap_or(now_s);
        let period = now_s.saturating_sub(oldest).max(1);
        report.push_str(&format!(
            "{}. {event}: {count} latency spikes (average {avg}ms, mean deviation {mad}ms, period {:.2} sec). Worst all time event {}ms.",
            n + 1,
            period as f64 / count as f64,
            series.max
        ));
        match event.to_ascii_lowercase().as_str() {
            "command" => {
                if cfg.slowlog_slower_than < 0 || cfg.slowlog_max_len == 0 {
                    slowlog_enable = true;
                    advices += 1;
                } else if cfg.slowlog_slower_than / 1000 > cfg.threshold as i64 {
                    slowlog_tuning = true;
                    advices += 1;
                }
                slowlog_inspect = true;
                large_objects = true;
                advices += 2;
            }
            "fast-command" => {
                scheduler = true;
                advices += 1;
            }
            "expire-cycle" => {
                hz = true;
                large_objects = true;
                advices += 2;
            }
            _ => {}
        }
        report.push('\n');
    }
    if events.is_empty() && advices == 0 {
        report.push_str("No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n");
        return report;
    }
    if advices == 0 {
        report.push_str("\nThere are latency events logged that are not easy to fix. Please get some help from Valkey community, providing this report in your help request.\n");
        return report;
    }
    report.push_str("\nHere is some advice for you:\n\n");
    if slowlog_enable {
        report.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Valkey feature using the command 'CONFIG SET slowlog-log-slower-than {}'. If the Slow log is disabled Valkey is not able to log slow commands execution for you.\n", cfg.threshold * 1000));
    }
    if slowlog_tuning {
        report.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {}'.\n", cfg.threshold * 1000));
    }
    if slowlog_inspect {
        report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://valkey.io/commands/slowlog for more information.\n");
    }
    if scheduler {
        report.push_str("- The system is slow to execute Valkey code paths not containing system calls. This usually means the system does not provide Valkey CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Valkey if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'valkey-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Valkey with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    }
    if hz && cfg.hz < 100 {
        report.push_str("- In order to make the Valkey keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
    }
    if large_objects {
        report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_slots_follow_hdr_cutoffs() {
        // 0 and 1 µs: below 1024 + 8 ns, the first bucket (label 1).
        assert_eq!(histogram_slot(0), 0);
        assert_eq!(histogram_slot(1), 0);
        assert_eq!(slot_label(0), 1);
        // 2 µs = 2000 ns: past 2048+16? no, below 2048: level 2^11 (label 2).
        assert_eq!(histogram_slot(2), 1);
        assert_eq!(slot_label(1), 2);
        // 4 µs = 4000 ns < 4096: label 4 (Valkey showed `4 1` for a GET of ~3 µs).
        assert_eq!(histogram_slot(4), 2);
        assert_eq!(slot_label(2), 4);
        // 33 µs = 33000 ns: 32768 + 256 = 33024 > 33000, still the 2^15 bucket, label 33.
        assert_eq!(histogram_slot(33), 5);
        assert_eq!(slot_label(5), 33);
        // 34 µs is past that sub-bucket: next level (label 66).
        assert_eq!(histogram_slot(34), 6);
        assert_eq!(slot_label(6), 66);
        // The last reported level and beyond.
        assert_eq!(slot_label(19), 541_065);
        assert_eq!(histogram_slot(541_065), 19);
        assert_eq!(histogram_slot(541_066), HIST_SLOTS - 1);
        assert_eq!(histogram_slot(5_000_000), HIST_SLOTS - 1);
    }

    #[test]
    fn cumulative_skips_empty_and_unreported_slots() {
        let mut h = [0u64; HIST_SLOTS];
        h[histogram_slot(1)] += 2;
        h[histogram_slot(40)] += 1;
        h[HIST_SLOTS - 1] += 5;
        assert_eq!(cumulative(&h), vec![(1, 2), (66, 3)]);
    }

    #[test]
    fn percentiles_read_bucket_bounds() {
        let mut h = [0u64; HIST_SLOTS];
        assert_eq!(percentile_usec(&h, 50.0), None);
        h[histogram_slot(3)] += 9;
        h[histogram_slot(30)] += 1;
        assert_eq!(percentile_usec(&h, 50.0), Some(4.127));
        assert_eq!(percentile_usec(&h, 90.0), Some(4.127));
        assert_eq!(percentile_usec(&h, 99.0), Some(33.023));
        assert_eq!(percentile_usec(&h, 100.0), Some(33.023));
        assert_eq!(percentile_usec(&h, 0.0), Some(2.064));
    }

    #[test]
    fn series_keeps_one_sample_per_second_and_the_max() {
        let m = LatencyMonitor::default();
        m.sample_if_needed(0, "command", 500, 10);
        assert!(m.is_empty());
        m.sample_if_needed(100, "command", 50, 10);
        assert!(m.is_empty());
        m.sample_if_needed(100, "command", 300, 10);
        m.sample_if_needed(100, "command", 400, 10);
        m.sample_if_needed(100, "command", 200, 11);
        let (_, s) = m.get(b"command").unwrap();
        assert_eq!(s.history(), vec![(10, 400), (11, 200)]);
        assert_eq!(s.latest(), (11, 200));
        assert_eq!(s.max, 400);
        assert_eq!((s.sum, s.count), (900, 3));
        assert!(m.get(b"COMMAND").is_none());
        assert_eq!(m.reset(Some(b"nope")), 0);
        assert_eq!(m.reset(Some(b"COMMAND")), 1);
        assert!(m.is_empty());
    }

    #[test]
    fn graph_has_header_and_labels() {
        let m = LatencyMonitor::default();
        m.sample_if_needed(1, "command", 300, 100);
        m.sample_if_needed(1, "command", 500, 102);
        let (name, s) = m.get(b"command").unwrap();
        let g = graph(&name, &s, 103);
        let lines: Vec<&str> = g.lines().collect();
        assert_eq!(
            lines[0],
            "command - high 500 ms, low 300 ms (all time high 500 ms)"
        );
        assert_eq!(lines[1], "-".repeat(80));
        // Four graph rows, a blank row, then "3s"/"1s" written downwards.
        assert_eq!(&lines[2..], &[" #", " |", " |", "_|", "  ", "31", "ss"]);
    }
}
