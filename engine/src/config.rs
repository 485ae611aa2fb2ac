//! Configuration parameters: one table says each parameter's name, how its text is parsed,
//! whether it may change at run time, and how it prints. CONFIG GET/SET use it today; the
//! config-file and `--name value` start-up parser will use the same table.

use crate::glob::glob_match_nocase;

/// Parsed configuration (the parameters that exist so far).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `databases`: how many logical databases `SELECT` can reach.
    pub databases: usize,
    /// `proto-max-bulk-len`: the longest single argument a client may send.
    pub proto_max_bulk_len: usize,
    /// `hz`: how often the runtime calls `Server::cron` (stored as given, used clamped 1..=500).
    pub hz: u32,
    /// `enable-debug-command`: whether DEBUG is allowed (Valkey's default is no).
    pub enable_debug_command: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            databases: 16,
            proto_max_bulk_len: resp::DEFAULT_MAX_BULK_LEN,
            hz: 10,
            enable_debug_command: false,
        }
    }
}

impl Config {
    /// `hz` as the timers use it.
    pub fn effective_hz(&self) -> u32 {
        self.hz.clamp(1, 500)
    }
}

/// One parameter of the table.
#[derive(Debug)]
pub struct Param {
    /// Name as Valkey spells it.
    pub name: &'static str,
    /// False for parameters only the start-up configuration may set.
    pub mutable: bool,
    get: fn(&Config) -> String,
    set: fn(&mut Config, &str) -> Result<(), String>,
}

impl Param {
    /// The value as CONFIG GET prints it.
    pub fn get(&self, c: &Config) -> String {
        (self.get)(c)
    }

    /// Parses `value` into `c`; the error is the reason Valkey gives after the dash.
    pub fn set(&self, c: &mut Config, value: &str) -> Result<(), String> {
        (self.set)(c, value)
    }
}

/// Every parameter, in CONFIG GET order.
pub static PARAMS: &[Param] = &[
    Param {
        name: "databases",
        mutable: false,
        get: |c| c.databases.to_string(),
        set: |c, v| {
            c.databases = int_in(v, 1, i32::MAX as i64)? as usize;
            Ok(())
        },
    },
    Param {
        name: "enable-debug-command",
        mutable: false,
        get: |c| if c.enable_debug_command { "yes" } else { "no" }.to_owned(),
        set: |c, v| {
            c.enable_debug_command = match v.to_ascii_lowercase().as_str() {
                "yes" | "local" => true,
                "no" => false,
                _ => {
                    return Err(
                        "argument(s) must be one of the following: no, yes, local".to_owned()
                    )
                }
            };
            Ok(())
        },
    },
    Param {
        name: "hz",
        mutable: true,
        get: |c| c.effective_hz().to_string(),
        set: |c, v| {
            c.hz = int_in(v, 0, i32::MAX as i64)? as u32;
            Ok(())
        },
    },
    Param {
        name: "proto-max-bulk-len",
        mutable: true,
        get: |c| c.proto_max_bulk_len.to_string(),
        set: |c, v| {
            let bytes = memory(v).ok_or("argument must be a memory value")?;
            if bytes < 1024 * 1024 || bytes > i64::MAX as u64 {
                return Err(
                    "argument must be between 1048576 and 9223372036854775807 inclusive".to_owned(),
                );
            }
            c.proto_max_bulk_len = usize::try_from(bytes).unwrap_or(usize::MAX);
            Ok(())
        },
    },
];

/// The parameter called `name` (any case).
pub fn lookup(name: &[u8]) -> Option<&'static Param> {
    PARAMS
        .iter()
        .find(|p| p.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Parameters whose names match the glob `pattern` (any case); an exact name returns just
/// that parameter.
pub fn matching(pattern: &[u8]) -> impl Iterator<Item = &'static Param> + '_ {
    PARAMS
        .iter()
        .filter(move |p| glob_match_nocase(pattern, p.name.as_bytes()))
}

fn int_in(v: &str, min: i64, max: i64) -> Result<i64, String> {
    let n =
        resp::int::parse_i64(v.as_bytes()).ok_or("argument couldn't be parsed into an integer")?;
    if !(min..=max).contains(&n) {
        return Err(format!(
            "argument must be between {min} and {max} inclusive"
        ));
    }
    Ok(n)
}

/// Valkey's memory values: digits with an optional unit (`k`=1000, `kb`=1024, `m`, `mb`,
/// `g`, `gb`, `b`), any case.
fn memory(v: &str) -> Option<u64> {
    let lower = v.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (num, unit) = lower.split_at(digits_end);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if num.is_empty() {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(mul)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_units() {
        assert_eq!(memory("1mb"), Some(1 << 20));
        assert_eq!(memory("2000KB"), Some(2_048_000));
        assert_eq!(memory("1G"), Some(1_000_000_000));
        assert_eq!(memory("-1"), None);
        assert_eq!(memory("1x"), None);
        assert_eq!(memory("mb"), None);
    }
}
