//! Start-up configuration exactly like redis-server: `[config-file] [--name value ...]`. The
//! file's lines and the `--name value` options are one text, parsed line by line with the same
//! quoting rules as inline commands; the first bad line stops start-up with Valkey's message
//! shape (line number, the line, the reason).

use std::fmt;

use super::params::{lookup, RETIRED};
use super::Config;

/// Why start-up configuration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based line of the combined text (file lines, then one line per `--option`).
    pub line: usize,
    /// The offending line.
    pub text: String,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n*** FATAL CONFIG FILE ERROR (ferrokey {}) ***\nReading the configuration file, at line {}\n>>> '{}'\n{}",
            crate::VERSION,
            self.line,
            self.text,
            self.reason
        )
    }
}

impl std::error::Error for ConfigError {}

/// Builds the configuration from a config file's text (if any) and the command-line options
/// that follow it (`["--port", "7000", "--save", ""]`); later lines override earlier ones.
pub fn load(file: Option<&str>, options: &[String]) -> Result<Config, ConfigError> {
    load_with_names(file, options).map(|(config, _)| config)
}

/// [`load`], and the canonical names of the parameters the text set, in first-set order (for
/// the start-up line listing what is accepted without effect).
pub fn load_with_names(
    file: Option<&str>,
    options: &[String],
) -> Result<(Config, Vec<&'static str>), ConfigError> {
    let mut text = file.unwrap_or_default().to_owned();
    text.push('\n');
    text.push_str(&options_as_lines(options));
    let mut config = Config::default();
    let mut names = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let set = apply_line(&mut config, raw.trim()).map_err(|reason| ConfigError {
            line: i + 1,
            text: raw.trim().to_owned(),
            reason,
        })?;
        if let Some(name) = set.filter(|n| !names.contains(n)) {
            names.push(name);
        }
    }
    Ok((config, names))
}

/// `--port 7000 --bind a b` → `port "7000"` and `bind "a" "b"` lines, as valkey-server does:
/// an argument starting with `--` names a new option unless the option before it, named
/// alone, has no value yet (`--logfile --my--log` is the logfile `--my--log`); an argument
/// holding name and value together (`"--maxmemory 700mb"`) is taken as a line as it is; a
/// `--save` without a value before another option or at the end means `save ""`.
fn options_as_lines(options: &[String]) -> String {
    let mut out = String::new();
    // Whether the last option has its value (an option named alone takes the next argument
    // whatever it looks like).
    let mut has_value = true;
    for (i, arg) in options.iter().enumerate() {
        match arg.strip_prefix("--") {
            Some(name) if has_value => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(name);
                out.push(' ');
                let alone = resp::split_line(arg.as_bytes()).is_some_and(|w| w.len() == 1);
                has_value = !alone;
                let next_is_option = options.get(i + 1).is_some_and(|n| n.starts_with("--"));
                if alone
                    && arg.eq_ignore_ascii_case("--save")
                    && (next_is_option || i + 1 == options.len())
                {
                    out.push_str("\"\"");
                    has_value = true;
                }
            }
            _ => {
                out.push_str(&quote(arg));
                out.push(' ');
                has_value = true;
            }
        }
    }
    out
}

/// Quotes an argument the way the line splitter reads it back (Valkey's `sdscatrepr`).
pub(super) fn quote(arg: &str) -> String {
    let mut q = String::from('"');
    for b in arg.bytes() {
        match b {
            b'\\' | b'"' => {
                q.push('\\');
                q.push(b as char);
            }
            b'\n' => q.push_str("\\n"),
            b'\r' => q.push_str("\\r"),
            b'\t' => q.push_str("\\t"),
            0x20..=0x7e => q.push(b as char),
            _ => q.push_str(&format!("\\x{b:02x}")),
        }
    }
    q.push('"');
    q
}

/// Applies one line; the canonical name of the parameter it set, if any.
fn apply_line(config: &mut Config, line: &str) -> Result<Option<&'static str>, String> {
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let words =
        resp::split_line(line.as_bytes()).ok_or("Unbalanced quotes in configuration line")?;
    let Some((name, args)) = words.split_first() else {
        return Ok(None);
    };
    let bad = || "Bad directive or wrong number of arguments".to_owned();
    let Some(entry) = lookup(name) else {
        // Retired parameters are read and ignored, as Valkey does.
        if args.len() == 1
            && RETIRED
                .iter()
                .any(|r| r.as_bytes().eq_ignore_ascii_case(name))
        {
            return Ok(None);
        }
        return Err(bad());
    };
    let param = entry.param;
    let value = match args {
        [one] => String::from_utf8_lossy(one).into_owned(),
        // Valkey's multi-argument parameters take no words as well (its set checks them).
        [] if param.multi && !matches!(param.name, "replicaof" | "oom-score-adj-values") => {
            String::new()
        }
        [_, _, ..] if param.multi => args
            .iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>()
            .join(" "),
        _ => return Err("wrong number of arguments".to_owned()),
    };
    param.set(config, &value)?;
    Ok(Some(param.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn file_then_options_override() {
        let file = "# comment\nport 7000\nbind 127.0.0.1 ::1\n\nsave \"\"\nhz 50\n";
        let c = load(
            Some(file),
            &opts(&["--port", "7001", "--dbfilename", "a b", "--save", ""]),
        )
        .unwrap();
        assert_eq!(c.port, 7001);
        assert_eq!(c.bind, ["127.0.0.1", "::1"]);
        assert_eq!(c.hz, 50);
        assert_eq!(c.dbfilename, "a b");
        assert!(c.save.is_empty());
    }

    // Messages and line numbers as valkey-server 9.1.2 prints them for the same input (the
    // options of a command line without a file start at line 2).
    #[test]
    fn errors_name_the_line_and_the_reason() {
        let e = load(None, &opts(&["--port", "abc"])).unwrap_err();
        assert_eq!(
            (e.line, e.text.as_str(), e.reason.as_str()),
            (
                2,
                "port \"abc\"",
                "argument couldn't be parsed into an integer"
            )
        );
        let e = load(None, &opts(&["--foo", "bar"])).unwrap_err();
        assert_eq!(
            (e.line, e.text.as_str(), e.reason.as_str()),
            (
                2,
                "foo \"bar\"",
                "Bad directive or wrong number of arguments"
            )
        );
        let e = load(Some("port 7000\nbind 127.0.0.1 ::1\nsave \"\"\nfoo"), &[]).unwrap_err();
        assert_eq!((e.line, e.text.as_str()), (4, "foo"));
        let e = load(None, &opts(&["--daemonize", "maybe"])).unwrap_err();
        assert_eq!(e.reason, "argument must be 'yes' or 'no'");
        let e = load(None, &opts(&["--port", "1", "2"])).unwrap_err();
        assert_eq!(
            (e.text.as_str(), e.reason.as_str()),
            ("port \"1\" \"2\"", "wrong number of arguments")
        );
        assert!(e.to_string().contains("*** FATAL CONFIG FILE ERROR"));
    }

    #[test]
    fn persistence_and_daemonize_are_refused_not_ignored() {
        assert!(load(None, &opts(&["--save", "3600 1"]))
            .unwrap_err()
            .reason
            .contains("not supported yet"));
        assert!(load(None, &opts(&["--appendonly", "yes"]))
            .unwrap_err()
            .reason
            .contains("not supported yet"));
        assert_eq!(
            load(None, &opts(&["--requirepass", "secret"]))
                .unwrap()
                .requirepass,
            "secret"
        );
        assert!(load(None, &opts(&["--daemonize", "yes"]))
            .unwrap_err()
            .reason
            .contains("not supported"));
        assert!(load(
            None,
            &opts(&["--save", "", "--appendonly", "no", "--daemonize", "no"])
        )
        .is_ok());
    }

    // Checked against valkey-server 9.1.2: aliases set their parameter, `local` shows as
    // given, retired names are read and ignored, a known name without its value is refused.
    #[test]
    fn aliases_retired_names_and_argument_counts() {
        let c = load(
            Some("list-max-ziplist-size 7\ndynamic-hz yes\nlua-time-limit 100\n"),
            &opts(&["--enable-debug-command", "local"]),
        )
        .unwrap();
        assert_eq!(c.encodings.list_max_listpack_size, 7);
        assert_eq!(c.passive_i64("busy-reply-threshold"), 100);
        assert!(c.enable_debug_command);
        let get = |name: &str| super::super::lookup(name.as_bytes()).unwrap().param.get(&c);
        assert_eq!(get("enable-debug-command"), "local");
        let e = load(None, &opts(&["--port"])).unwrap_err();
        assert_eq!(
            (e.line, e.reason.as_str()),
            (2, "wrong number of arguments")
        );
        let e = load(Some("dynamic-hz"), &[]).unwrap_err();
        assert_eq!(e.reason, "Bad directive or wrong number of arguments");
        let c = load(None, &opts(&["--oom-score-adj-values", "0 100 900"])).unwrap();
        assert_eq!(c.passive_text("oom-score-adj-values"), "0 100 900");
    }

    // Checked against valkey-server 9.1.2 (the suite's 'command line arguments' tests): which
    // argument is an option and which a value, and what a multi-argument option without words
    // means.
    #[test]
    fn command_line_options_and_values_as_valkey_splits_them() {
        let fails = |args: &[&str]| {
            let e = load(None, &opts(args)).unwrap_err();
            (e.line, e.text, e.reason)
        };
        let wrong = "wrong number of arguments".to_owned();
        assert_eq!(
            fails(&["--port", "--loglevel", "verbose"]),
            (
                2,
                "port \"--loglevel\" \"verbose\"".to_owned(),
                wrong.clone()
            )
        );
        assert_eq!(
            fails(&["--port", "--bla", "--loglevel", "verbose"]),
            (
                2,
                "port \"--bla\"".to_owned(),
                "argument couldn't be parsed into an integer".to_owned()
            )
        );
        let e = fails(&["--logfile", "--my--log--file", "--loglevel", "--bla"]);
        assert_eq!((e.0, e.1.as_str()), (3, "loglevel \"--bla\""));
        assert!(e
            .2
            .starts_with("argument(s) must be one of the following: debug"));
        let e = fails(&["--shutdown-on-sigint"]);
        assert_eq!(
            (e.1.as_str(), &e.2[..24]),
            ("shutdown-on-sigint", "argument(s) must be one ")
        );
        assert_eq!(
            fails(&["--replicaof", "--127.0.0.1", "--abc"]),
            (2, "replicaof \"--127.0.0.1\"".to_owned(), wrong.clone())
        );
        assert_eq!(fails(&["--oom-score-adj-values"]).2, wrong);
        let c = load(
            None,
            &opts(&[
                "--proc-title-template",
                "--save",
                "--save",
                "",
                "--loglevel",
                "debug",
            ]),
        )
        .unwrap();
        assert_eq!(c.passive_text("proc-title-template"), "--save");
        assert_eq!(c.loglevel, "debug");
        for args in [
            &["--save", "--loglevel", "debug"][..],
            &["--loglevel", "debug", "--save"],
            &["--save", "", "--loglevel", "debug"],
        ] {
            let c = load(Some("save \"\""), &opts(args)).unwrap();
            assert_eq!(
                (c.save.len(), c.loglevel.as_str()),
                (0, "debug"),
                "{args:?}"
            );
        }
        let c = load(
            None,
            &opts(&[
                "--maxmemory '700mb'",
                "--maxmemory-policy volatile-lru",
                "--latency-tracking-info-percentiles",
            ]),
        )
        .unwrap();
        assert_eq!(c.passive_text("maxmemory-policy"), "volatile-lru");
        assert_eq!(c.passive_text("latency-tracking-info-percentiles"), "");
        assert!(load(None, &opts(&["--client-output-buffer-limit"])).is_ok());
        let c = load(
            None,
            &opts(&[
                "--shutdown-on-sigint",
                "nosave force now",
                "--shutdown-on-sigterm",
                "nosave force",
            ]),
        )
        .unwrap();
        assert_eq!(c.passive_text("shutdown-on-sigint"), "nosave now force");
    }

    #[test]
    fn output_buffer_limits_parse_per_class() {
        let c = load(
            None,
            &opts(&["--client-output-buffer-limit", "pubsub 64mb 16mb 30"]),
        )
        .unwrap();
        assert_eq!(c.output_limits[2].hard, 64 << 20);
        assert_eq!(c.output_limits[2].soft_seconds, 30);
        assert_eq!(c.output_limits[0], Config::default().output_limits[0]);
    }
}
