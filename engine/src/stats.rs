//! Per-command and per-error counters (INFO commandstats / errorstats).
//!
//! Each connection counts into a private table during a read batch and folds it into its
//! shared handle once per batch, so no two threads ever write the same counter; INFO sums the
//! handles of live clients and the totals of closed ones.

use std::collections::HashMap;

/// Counters of one command (`cmdstat_<name>:calls=…,usec=…,rejected_calls=…,failed_calls=…`)
/// and its latency histogram (LATENCY HISTOGRAM).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CommandStat {
    /// Executions.
    pub calls: u64,
    /// Microseconds spent executing (0 when the runtime gave no clock).
    pub usec: u64,
    /// Refused before running (arity, unknown subcommand).
    pub rejected: u64,
    /// Ran and replied with an error.
    pub failed: u64,
    /// Calls per power-of-two latency bucket ([`crate::latency::histogram_slot`]).
    pub hist: [u64; crate::latency::HIST_SLOTS],
}

/// Counters gathered by one connection, or merged over many.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// By full command name (`get`, `client|list`); foldhash because every command updates
    /// it (SipHash was 1% of a pipelined GET's samples).
    pub commands: HashMap<&'static str, CommandStat, foldhash::fast::RandomState>,
    /// Error replies by their code (the first word: `ERR`, `WRONGTYPE`).
    pub errors: HashMap<Vec<u8>, u64>,
}

impl Stats {
    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty() && self.errors.is_empty()
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        for (name, s) in &other.commands {
            let t = self.commands.entry(name).or_default();
            t.calls += s.calls;
            t.usec += s.usec;
            t.rejected += s.rejected;
            t.failed += s.failed;
            for (t, s) in t.hist.iter_mut().zip(&s.hist) {
                *t += s;
            }
        }
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_default() += n;
        }
    }

    /// Moves everything into `into`, leaving `self` empty (keeps its allocations' owner cheap).
    pub fn drain_into(&mut self, into: &mut Stats) {
        into.merge(self);
        self.commands.clear();
        self.errors.clear();
    }

    /// Counts one request: `name` is the command that was looked up (None when unknown),
    /// `ran` whether it passed the checks and executed, `reply` the bytes it wrote.
    pub fn record(&mut self, name: Option<&'static str>, ran: bool, usec: u64, reply: &[u8]) {
        let error = error_code(reply);
        if let Some(name) = name {
            let s = self.commands.entry(name).or_default();
            if ran {
                s.calls += 1;
                s.usec += usec;
                s.failed += u64::from(error.is_some());
                s.hist[crate::latency::histogram_slot(usec)] += 1;
            } else {
                s.rejected += 1;
            }
        }
        if let Some(code) = error {
            *self.errors.entry(code.to_vec()).or_default() += 1;
        }
    }

    /// Total error replies (INFO total_error_replies).
    pub fn total_errors(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// The code of an error reply (`-ERR …` or RESP3 `!len\r\nERR …`), if `reply` is one.
fn error_code(reply: &[u8]) -> Option<&[u8]> {
    let text = match reply.first()? {
        b'-' => &reply[1..],
        b'!' => &reply[memchr_crlf(reply)? + 2..],
        _ => return None,
    };
    let end = text
        .iter()
        .position(|&b| b == b' ' || b == b'\r')
        .unwrap_or(text.len());
    Some(&text[..end])
}

fn memchr_crlf(b: &[u8]) -> Option<usize> {
    b.windows(2).position(|w| w == b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_calls_failures_rejections_and_error_codes() {
        let mut s = Stats::default();
        s.record(Some("get"), true, 3, b"$1\r\nv\r\n");
        s.record(
            Some("get"),
            true,
            1,
            b"-WRONGTYPE Operation against a key\r\n",
        );
        s.record(
            Some("get"),
            false,
            0,
            b"-ERR wrong number of arguments for 'get' command\r\n",
        );
        s.record(None, false, 0, b"-ERR unknown command 'foo'\r\n");
        let get = s.commands["get"];
        let mut hist = [0; crate::latency::HIST_SLOTS];
        hist[crate::latency::histogram_slot(3)] += 1;
        hist[crate::latency::histogram_slot(1)] += 1;
        assert_eq!(
            get,
            CommandStat {
                calls: 2,
                usec: 4,
                rejected: 1,
                failed: 1,
                hist,
            }
        );
        assert_eq!(s.errors[&b"ERR"[..]], 2);
        assert_eq!(s.errors[&b"WRONGTYPE"[..]], 1);
        assert_eq!(s.total_errors(), 3);
        let mut total = Stats::default();
        s.drain_into(&mut total);
        assert!(s.is_empty());
        assert_eq!(total.commands["get"].calls, 2);
    }
}
