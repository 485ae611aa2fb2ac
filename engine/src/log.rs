//! The server log, in Valkey's line format (`pid:M 26 Nov 2026 08:30:00.123 * message`), to
//! standard output or appended to `logfile`. Besides reading the config file at start-up, this
//! is the one place the engine writes anywhere; the time of each line is the caller's.

use std::io::Write;

/// Log levels, least to most severe (`loglevel`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `debug`.
    Debug,
    /// `verbose`.
    Verbose,
    /// `notice` (the default).
    Notice,
    /// `warning`.
    Warning,
}

impl Level {
    /// The level `loglevel` names; `nothing` is above every level.
    fn threshold(name: &str) -> Option<Level> {
        match name {
            "debug" => Some(Level::Debug),
            "verbose" => Some(Level::Verbose),
            "notice" => Some(Level::Notice),
            "warning" => Some(Level::Warning),
            _ => None,
        }
    }

    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

/// Whether a line at `level` is written under `loglevel` `configured`.
pub fn enabled(configured: &str, level: Level) -> bool {
    Level::threshold(configured).is_some_and(|t| level >= t)
}

/// One log line (with its newline) for `message` at Unix time `now_us`.
pub fn format_line(pid: u32, now_us: u64, level: Level, message: &str) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = now_us / 1_000_000;
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let day_secs = secs % 86_400;
    format!(
        "{pid}:M {d:02} {} {y} {:02}:{:02}:{:02}.{:03} {} {message}\n",
        MONTHS[(m - 1) as usize],
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        now_us / 1000 % 1000,
        level.mark()
    )
}

/// Appends `line` to `logfile` (empty: standard output). Opened per line, as Valkey does, so
/// a rotated log file is picked up.
pub fn write_line(logfile: &str, line: &str) -> std::io::Result<()> {
    if logfile.is_empty() {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())?;
        out.flush()
    } else {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logfile)?
            .write_all(line.as_bytes())
    }
}

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_look_like_valkeys() {
        // 2026-11-26 08:30:00.123 UTC
        let t = 1_795_681_800_123_000;
        assert_eq!(
            format_line(42, t, Level::Notice, "Ready"),
            "42:M 26 Nov 2026 08:30:00.123 * Ready\n"
        );
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert!(format_line(1, 0, Level::Warning, "x").contains(" 01 Jan 1970 00:00:00.000 # x"));
    }

    #[test]
    fn levels_filter() {
        assert!(enabled("notice", Level::Warning));
        assert!(enabled("notice", Level::Notice));
        assert!(!enabled("notice", Level::Verbose));
        assert!(enabled("debug", Level::Debug));
        assert!(!enabled("nothing", Level::Warning));
    }
}
