//! What both runtimes decide the same way at start-up and on accept: reading the command line,
//! admitting a new connection (maxclients, protected mode), and the start-up log line. The
//! runtime crates keep only sockets, tasks, timers and signals.

use crate::server::Server;

/// Splits `ferrokey-* [config-file] [--name value ...] [-]` (arguments after the program
/// name) into the config file path, if any, and the options; a `-` first or last (read the
/// configuration from standard input, see [`reads_stdin`]) is neither.
pub fn split_command_line(args: &[String]) -> (Option<&str>, &[String]) {
    let (file, rest) = match args.first() {
        Some(first) if !first.starts_with('-') => (Some(first.as_str()), &args[1..]),
        Some(first) if first == "-" => (None, &args[1..]),
        _ => (None, args),
    };
    let rest = match rest.split_last() {
        Some((last, init)) if last == "-" => init,
        _ => rest,
    };
    (file, rest)
}

/// Whether the command line asks for the configuration on standard input: `-` as the first
/// or the last argument, as valkey-server reads it (after the file, before the options).
pub fn reads_stdin(args: &[String]) -> bool {
    args.first().is_some_and(|a| a == "-")
        || (args.len() > 1 && args.last().is_some_and(|a| a == "-"))
}

/// The answer to `--version`/`-v` or `--help`/`-h` as the first argument (printed on
/// standard output, exit status 0, as valkey-server does), or `None` to start the server.
pub fn info_request(args: &[String], runtime: &str) -> Option<String> {
    match args.first().map(String::as_str) {
        Some("-v" | "--version") => Some(version_line(runtime)),
        Some("-h" | "--help") => Some(usage(&format!("ferrokey-{runtime}"))),
        _ => None,
    }
}

/// valkey-server's `-v` line, for ferrokey: version, allocator, word size and a build id.
pub fn version_line(runtime: &str) -> String {
    use std::hash::{Hash, Hasher};
    let malloc = if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "libc"
    };
    // A build id that tells builds apart (version, runtime, allocator, target), as Valkey's
    // hash of its build environment does.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (crate::VERSION, runtime, malloc, std::env::consts::ARCH).hash(&mut h);
    format!(
        "ferrokey server v={} sha=00000000:0 malloc={malloc} bits={} build={:016x} runtime={runtime}",
        crate::VERSION,
        usize::BITS,
        h.finish()
    )
}

/// The usage text, valkey-server's with ferrokey's program name.
pub fn usage(program: &str) -> String {
    format!(
        "Usage: ./{p} [/path/to/ferrokey.conf] [options] [-]
       ./{p} - (read config from stdin)
       ./{p} -v or --version
       ./{p} -h or --help

Examples:
       ./{p} (run the server with default conf)
       echo 'maxmemory 128mb' | ./{p} -
       ./{p} /etc/ferrokey/6379.conf
       ./{p} --port 7777
       ./{p} /etc/myferrokey.conf --loglevel verbose -
       ./{p} /etc/myferrokey.conf --loglevel verbose
",
        p = program
    )
}

/// This run's description for INFO: the runtime's name, the start time, the config file
/// named on the command line, and a run id mixed from them and the pid.
pub fn origin(args: &[String], runtime: &str, now_us: u64) -> crate::Origin {
    use std::hash::{BuildHasher, Hasher};
    let config_file = split_command_line(args)
        .0
        .and_then(|p| std::fs::canonicalize(p).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    // RandomState is seeded from the OS: run ids differ even for equal pid and time.
    let state = std::collections::hash_map::RandomState::new();
    let run_id = (0..3)
        .map(|i: u64| {
            let mut h = state.build_hasher();
            h.write_u64(now_us ^ i.rotate_left(17));
            h.write_u32(std::process::id());
            format!("{:016x}", h.finish())
        })
        .collect::<String>()[..40]
        .to_owned();
    crate::Origin {
        runtime: runtime.to_owned(),
        started_us: now_us,
        config_file,
        run_id,
    }
}

/// The wall clock in Unix microseconds: the time the runtimes hand the engine.
pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// A monotonic clock in microseconds (per-command timing for INFO commandstats).
pub fn monotonic_us() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_micros() as u64
}

/// What both binaries do before their runtime starts: the configuration from the command
/// line (open-files limit adjusted for maxclients), the shared `Server` with the probes and
/// this run's origin, and the start-up files. `Err` is the message to print before exiting
/// with a failure.
pub fn boot(
    args: &[String],
    runtime: &str,
) -> Result<(crate::sync::Arc<Server>, Leftovers), String> {
    if let Some(text) = info_request(args, runtime) {
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
        std::process::exit(0);
    }
    // Before the configuration: its `dir` changes the working directory, and a config file
    // named relative to the old one must still be found (CONFIG REWRITE, INFO).
    let origin = origin(args, runtime, now_us());
    let (mut config, set) = config_and_names(args)?;
    let warnings = adjust_open_files(&mut config);
    let probes = crate::Probes {
        monotonic_us: Some(monotonic_us),
        used_memory: Some(crate::alloc::allocated),
        rss: Some(resident_bytes),
        cpu: Some(cpu_seconds),
    };
    let server = crate::sync::Arc::new(Server::new(config).with_probes(probes).with_origin(origin));
    let leftovers = prepare(&server, now_us(), &starting_lines(args, runtime), &warnings)?;
    if let Some(line) = no_effect_line(&set) {
        server.log(now_us(), crate::log::Level::Notice, &line);
    }
    log_mode(&server, runtime, now_us());
    Ok((server, leftovers))
}

/// The opening log lines, Valkey's with ferrokey's names: a start marker, the version line,
/// and whether a configuration was given (a warning when there was none, as valkey-server's
/// without arguments).
pub fn starting_lines(args: &[String], runtime: &str) -> Vec<(crate::log::Level, String)> {
    use crate::log::Level;
    let loaded = if args.is_empty() {
        (
            Level::Warning,
            format!(
                "Warning: no config file specified, using the default config. In order to specify a config file use ferrokey-{runtime} /path/to/ferrokey.conf"
            ),
        )
    } else {
        (Level::Notice, "Configuration loaded".to_owned())
    };
    vec![
        (
            Level::Notice,
            "oO0OoO0OoO0Oo ferrokey is starting oO0OoO0OoO0Oo".to_owned(),
        ),
        (
            Level::Notice,
            format!(
                "ferrokey version={}, bits={}, runtime={runtime}, pid={}, just started",
                crate::VERSION,
                usize::BITS,
                std::process::id()
            ),
        ),
        loaded,
    ]
}

/// Logs the server's mode before it listens: the multi-line banner with the port and pid
/// when `always-show-logo` is set or the log is a terminal (as Valkey shows its logo; test
/// harnesses wait for its `PID:` line), a one-line summary otherwise.
pub fn log_mode(server: &Server, runtime: &str, now_us: u64) {
    use std::io::IsTerminal;
    let config = server.config();
    let show = config.passive_bool("always-show-logo")
        || (config.logfile.is_empty() && std::io::stdout().is_terminal());
    if !show {
        server.log(
            now_us,
            crate::log::Level::Notice,
            &format!("Running mode=standalone, port={}.", config.port),
        );
        return;
    }
    let block = format!(
        "\n    ferrokey {} ({runtime}) {} bit\n    Running in standalone mode\n    Port: {}\n    PID: {}\n\n",
        crate::VERSION,
        usize::BITS,
        config.port,
        std::process::id()
    );
    log_raw(server, crate::log::Level::Notice, &block);
}

/// Writes `text` to the log as it is, without the line prefix (Valkey's raw log lines).
fn log_raw(server: &Server, level: crate::log::Level, text: &str) {
    let config = server.config();
    if crate::log::enabled(&config.loglevel, level) {
        // Nowhere left to report a failing log write; Valkey drops the line too.
        let _ = crate::log::write_line(&config.logfile, text);
    }
}

/// Logs what Valkey logs once it listens: `Server initialized`, ferrokey's own line naming
/// the runtime, threads and addresses, and one `Ready to accept connections <kind>` per
/// kind of listener (test harnesses wait for these words).
pub fn log_ready(server: &Server, banner: &str, tcp: bool, unix: bool, now_us: u64) {
    use crate::log::Level;
    server.log(now_us, Level::Notice, "Server initialized");
    server.log(now_us, Level::Notice, banner);
    if tcp {
        server.log(now_us, Level::Notice, "Ready to accept connections tcp");
    }
    if unix {
        server.log(now_us, Level::Notice, "Ready to accept connections unix");
    }
}

/// A termination signal (`SIGTERM`, `SIGINT`): logged as Valkey's signal handler words it,
/// then a graceful shutdown.
pub fn shutdown_signal(server: &Server, signal: &str, now_us: u64) {
    log_raw(
        server,
        crate::log::Level::Warning,
        &format!(
            "{}:signal-handler ({}) Received {signal} scheduling shutdown...\n",
            std::process::id(),
            now_us / 1_000_000
        ),
    );
    server.log(
        now_us,
        crate::log::Level::Notice,
        "User requested shutdown...",
    );
    server.request_shutdown();
}

/// The end of a run, once connections are done: the start-up files removed (each logged, as
/// Valkey does) and the last line.
pub fn exit(server: &Server, mut leftovers: Leftovers, now_us: u64) {
    use crate::log::Level;
    if let Some(pidfile) = leftovers.pidfile.take() {
        server.log(now_us, Level::Notice, "Removing the pid file.");
        let _ = std::fs::remove_file(pidfile);
    }
    if let Some(socket) = leftovers.unixsocket.take() {
        server.log(now_us, Level::Notice, "Removing the unix socket file.");
        let _ = std::fs::remove_file(socket);
    }
    server.log(
        now_us,
        Level::Warning,
        "ferrokey is now ready to exit, bye bye...",
    );
}

/// The start-up line naming, once each, the parameters the configuration set that ferrokey
/// accepts without acting on yet (`None` when there are none).
pub fn no_effect_line(set: &[&str]) -> Option<String> {
    let passive: Vec<&str> = set
        .iter()
        .copied()
        .filter(|n| crate::config::canonical(n).is_some_and(|p| p.is_passive()))
        .collect();
    (!passive.is_empty()).then(|| format!("accepted, no effect yet: {}", passive.join(", ")))
}

/// Resident set size (INFO used_memory_rss), from /proc/self/statm; 0 where that is missing.
fn resident_bytes() -> usize {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .map_or(0, |pages| pages * rustix::param::page_size())
}

/// CPU seconds this process used, `(system, user)` (INFO used_cpu_sys/used_cpu_user), from
/// /proc/self/stat in clock ticks; zeros where that is missing.
fn cpu_seconds() -> (f64, f64) {
    let ticks = rustix::param::clock_ticks_per_second().max(1) as f64;
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first, utime the
    // 12th, stime the 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let field = |i: usize| {
        rest.split_whitespace()
            .nth(i)
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0.0, |t| t as f64 / ticks)
    };
    (field(12), field(11))
}

/// Reads the configuration from the command line: the file (if named), standard input (for
/// `-`), and the options.
pub fn config_from_command_line(args: &[String]) -> Result<crate::Config, String> {
    config_and_names(args).map(|(config, _)| config)
}

/// [`config_from_command_line`] and the canonical names of the parameters it set.
fn config_and_names(args: &[String]) -> Result<(crate::Config, Vec<&'static str>), String> {
    let (path, options) = split_command_line(args);
    let mut text =
        match path {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                format!("Fatal error, can't open config file '{p}': {}", os_text(&e))
            })?),
            None => None,
        };
    if reads_stdin(args) {
        let mut input = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
            .map_err(|e| format!("Fatal error, can't read config from stdin: {}", os_text(&e)))?;
        let file = text.get_or_insert_with(String::new);
        if !file.is_empty() && !file.ends_with('\n') {
            file.push('\n');
        }
        file.push_str(&input);
    }
    crate::config::load_with_names(text.as_deref(), options).map_err(|e| e.to_string())
}

const SHUTTING_DOWN: &[u8] = b"-ERR Server is shutting down\r\n";
const MAX_CLIENTS: &[u8] = b"-ERR max number of clients reached\r\n";
// Valkey 9.1.2's text, byte for byte (checked by connecting to its non-loopback address).
const DENIED: &[u8] = b"-DENIED Running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers, you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting from the same host the server is running, however MAKE SURE it's not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Whether a new connection may be served. `Err` holds the reply to send before closing it:
/// the maxclients error, or the DENIED error for a non-loopback client in protected mode.
pub fn admit(server: &Server, local: bool) -> Result<(), &'static [u8]> {
    let config = server.config();
    if server.shutting_down() {
        return Err(SHUTTING_DOWN);
    }
    if server.clients.len() >= config.maxclients as usize {
        return Err(MAX_CLIENTS);
    }
    if config.protected_mode && config.requirepass.is_empty() && !local {
        return Err(DENIED);
    }
    Ok(())
}

/// Where to listen: one `host:port` per `bind` address (IPv6 in brackets, `*` as any IPv4
/// address) and whether it may fail (a leading `-`, as in Valkey's default `-::*`).
pub fn listen_targets(config: &crate::Config) -> Vec<(String, bool)> {
    config
        .bind
        .iter()
        .map(|spec| {
            let optional = spec.starts_with('-');
            let host = spec.trim_start_matches('-');
            let host = match host {
                "*" => "0.0.0.0",
                "::*" => "::",
                h => h,
            };
            let target = if host.contains(':') {
                format!("[{host}]:{}", config.port)
            } else {
                format!("{host}:{}", config.port)
            };
            (target, optional)
        })
        .collect()
}

/// File descriptors Valkey keeps in reserve beyond `maxclients` (listeners, files, logs).
const RESERVED_FDS: u64 = 32;

/// Raises the open-files limit to what `maxclients` needs (plus a reserve), as Valkey does at
/// start-up; where the hard limit is lower, lowers `maxclients` to fit and returns the
/// warning lines to log (Valkey's wording).
pub fn adjust_open_files(config: &mut crate::Config) -> Vec<String> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let needed = u64::from(config.maxclients) + RESERVED_FDS;
    let limit = getrlimit(Resource::Nofile);
    let current = limit.current.unwrap_or(u64::MAX);
    if current >= needed {
        return Vec::new();
    }
    let hard = limit.maximum.unwrap_or(u64::MAX);
    let set_limit = |soft: u64, hard: Option<u64>| {
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(soft),
                maximum: hard,
            },
        )
    };
    // As Valkey: both limits to what is needed first (its error is part of the warning), then
    // the soft limit up to the hard one.
    let set = set_limit(needed, Some(needed));
    if set.is_ok() {
        return Vec::new();
    }
    let reached = if hard > current && set_limit(hard, limit.maximum).is_ok() {
        hard
    } else {
        current
    };
    let reduced = reached.saturating_sub(RESERVED_FDS).max(1);
    let mut warnings = vec![format!(
        "You requested maxclients of {} requiring at least {needed} max file descriptors.",
        config.maxclients
    )];
    if let Err(e) = set {
        let e = std::io::Error::from(e);
        warnings.push(format!(
            "Server can't set maximum open files to {needed} because of OS error: {}.",
            os_text(&e)
        ));
    }
    warnings.push(format!(
        "Current maximum open files is {reached}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."
    ));
    config.maxclients = u32::try_from(reduced).unwrap_or(u32::MAX);
    warnings
}

/// How long a shutdown waits for connections to hand over the replies they owe.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Worker threads: `io-threads`, or one per core.
pub fn worker_threads(config: &crate::Config) -> usize {
    if config.io_threads > 0 {
        config.io_threads
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// The message when the unix socket cannot be opened.
pub fn unix_listen_failed(path: &str, error: &std::io::Error) -> String {
    format!("Failed opening Unix socket {path}: {}", os_text(error))
}

/// Logs a listener that could not be opened, in Valkey's words: a warning naming the address,
/// and for an address that is not optional (no leading `-` in `bind`) the line that start-up
/// stops (test harnesses look for it to retry on another port).
pub fn listen_failed(server: &Server, target: &str, optional: bool, error: &std::io::Error) {
    use crate::log::Level;
    let now = now_us();
    server.log(
        now,
        Level::Warning,
        &format!(
            "Warning: Could not create server TCP listening socket {target}: bind: {}",
            os_text(error)
        ),
    );
    if !optional {
        let port = server.config().port;
        server.log(
            now,
            Level::Warning,
            &format!("Failed listening on port {port} (tcp), aborting."),
        );
    }
}

/// Logs a failed accept (out of file descriptors, say) and returns how long the runtime
/// waits before accepting again, so that it does not spin.
pub fn accept_failed(server: &Server, error: &std::io::Error, now_us: u64) -> std::time::Duration {
    server.log(
        now_us,
        crate::log::Level::Warning,
        &format!("Accepting client connection: {error}"),
    );
    std::time::Duration::from_millis(10)
}

/// A freshly accepted TCP connection: the engine connection to serve it, or the reply to send
/// before closing it (maxclients, protected mode).
pub fn accept(
    server: &crate::sync::Arc<Server>,
    remote: std::net::SocketAddr,
    local: &str,
    now_us: u64,
) -> Result<crate::Connection, &'static [u8]> {
    admit(server, remote.ip().is_loopback())?;
    let peer = crate::clients::Peer {
        addr: remote.to_string(),
        laddr: local.to_owned(),
        fd: -1,
    };
    Ok(crate::Connection::with_peer(server.clone(), peer, now_us))
}

/// A freshly accepted unix-socket connection (always local for protected mode).
pub fn accept_unix(
    server: &crate::sync::Arc<Server>,
    path: &str,
    now_us: u64,
) -> Result<crate::Connection, &'static [u8]> {
    admit(server, true)?;
    let peer = crate::clients::Peer {
        addr: format!("{path}:0"),
        laddr: format!("{path}:0"),
        fd: -1,
    };
    Ok(crate::Connection::with_peer(server.clone(), peer, now_us))
}

/// `tcp-keepalive` as socket options: idle time before probes, the interval between them,
/// and how many go unanswered before the connection drops (Valkey: interval/3, 3 probes).
pub fn keepalive(
    config: &crate::Config,
) -> Option<(std::time::Duration, std::time::Duration, u32)> {
    let secs = config.tcp_keepalive;
    (secs > 0).then(|| {
        let every = std::time::Duration::from_secs((secs / 3).max(1));
        (std::time::Duration::from_secs(secs), every, 3)
    })
}

/// Files start-up created and exit removes: the pid file and the unix socket ([`exit`] logs
/// their removal; dropped on an early exit, this removes them quietly).
#[derive(Debug, Default)]
pub struct Leftovers {
    pidfile: Option<String>,
    unixsocket: Option<String>,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        for f in self.pidfile.iter().chain(&self.unixsocket) {
            let _ = std::fs::remove_file(f);
        }
    }
}

/// Start-up work before listening: checks that `logfile` can be written (Valkey's message
/// and exit when not), logs the `opening` lines and the `warnings` from the steps before
/// (open-files limit), and writes `pidfile` (a warning when it cannot).
pub fn prepare(
    server: &Server,
    now_us: u64,
    opening: &[(crate::log::Level, String)],
    warnings: &[String],
) -> Result<Leftovers, String> {
    let config = server.config();
    let mut leftovers = Leftovers::default();
    if !config.logfile.is_empty() {
        crate::log::write_line(&config.logfile, "")
            .map_err(|e| format!("Can't open the log file: {}", os_text(&e)))?;
    }
    for (level, line) in opening {
        server.log(now_us, *level, line);
    }
    for w in warnings {
        server.log(now_us, crate::log::Level::Warning, w);
    }
    if !config.pidfile.is_empty() {
        match std::fs::write(&config.pidfile, format!("{}\n", std::process::id())) {
            Ok(()) => leftovers.pidfile = Some(config.pidfile.clone()),
            Err(e) => server.log(
                now_us,
                crate::log::Level::Warning,
                &format!("Failed to write PID file: {}", os_text(&e)),
            ),
        }
    }
    Ok(leftovers)
}

/// A unix socket path ready to bind: a stale socket file from an earlier run is removed, as
/// Valkey does.
pub fn unix_socket(config: &crate::Config) -> Option<&str> {
    let path = config.unixsocket.as_str();
    if path.is_empty() {
        return None;
    }
    let _ = std::fs::remove_file(path);
    Some(path)
}

/// Applies `unixsocketperm` (0: leave the umask's choice) to the bound socket.
pub fn unix_socket_bound(config: &crate::Config, leftovers: &mut Leftovers) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    leftovers.unixsocket = Some(config.unixsocket.clone());
    if config.unixsocketperm != 0 {
        std::fs::set_permissions(
            &config.unixsocket,
            std::fs::Permissions::from_mode(config.unixsocketperm),
        )
        .map_err(|e| format!("Failed to set unix socket permissions: {}", os_text(&e)))?;
    }
    Ok(())
}

/// An I/O error as `strerror` words it (without Rust's "(os error N)").
pub(crate) fn os_text(e: &std::io::Error) -> String {
    let text = e.to_string();
    text.split(" (os error").next().unwrap_or(&text).to_owned()
}

/// ferrokey's own start-up line (after `Server initialized`).
pub fn banner(runtime: &str, threads: usize, listening: &[String]) -> String {
    format!(
        "ferrokey {} starting: runtime={runtime} threads={threads} listening on {} pid={}",
        crate::VERSION,
        listening.join(", "),
        std::process::id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Config;

    #[test]
    fn command_line_shape() {
        let args: Vec<String> = ["redis.conf", "--port", "7000"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let (file, opts) = split_command_line(&args);
        assert_eq!(file, Some("redis.conf"));
        assert_eq!(opts, &args[1..]);
        let args: Vec<String> = ["--port", "7000"].iter().map(|s| s.to_string()).collect();
        assert_eq!(split_command_line(&args).0, None);
    }

    #[test]
    fn stdin_dash_first_or_last() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let a = args(&["-"]);
        assert_eq!(split_command_line(&a), (None, &a[1..]));
        assert!(reads_stdin(&a));
        let a = args(&["f.conf", "--loglevel", "verbose", "-"]);
        assert_eq!(split_command_line(&a), (Some("f.conf"), &a[1..3]));
        assert!(reads_stdin(&a));
        let a = args(&["f.conf", "--port", "7000"]);
        assert!(!reads_stdin(&a));
        assert_eq!(split_command_line(&a), (Some("f.conf"), &a[1..]));
    }

    #[test]
    fn cpu_time_grows_with_work() {
        let (sys0, user0) = cpu_seconds();
        let t = std::time::Instant::now();
        let mut x = 0u64;
        while t.elapsed() < std::time::Duration::from_millis(100) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        let (sys1, user1) = cpu_seconds();
        assert!(
            sys1 >= sys0 && user1 > user0,
            "{sys0} {user0} -> {sys1} {user1}"
        );
    }

    #[test]
    fn version_and_help() {
        let one = |s: &str| vec![s.to_owned()];
        for flag in ["-v", "--version"] {
            let text = info_request(&one(flag), "tokio").unwrap();
            assert!(
                text.starts_with(&format!("ferrokey server v={} sha=", crate::VERSION)),
                "{text}"
            );
            assert!(text.contains(" malloc=") && text.contains(" bits=64 build="));
        }
        for flag in ["-h", "--help"] {
            let text = info_request(&one(flag), "monoio").unwrap();
            assert!(text.starts_with("Usage: ./ferrokey-monoio [/path/to/ferrokey.conf]"));
        }
        assert_eq!(info_request(&one("--port"), "tokio"), None);
        assert_eq!(info_request(&[], "tokio"), None);
    }

    #[test]
    fn no_effect_line_names_passive_parameters_once() {
        let (_, set) = crate::config::load_with_names(
            Some("activedefrag no\nport 7000\nslave-read-only yes\nactivedefrag no\nmaxmemory 1mb\nenable-protected-configs yes\n"),
            &["--hz".to_owned(), "20".to_owned()],
        )
        .unwrap();
        assert_eq!(
            no_effect_line(&set).as_deref(),
            Some("accepted, no effect yet: activedefrag, replica-read-only")
        );
        assert_eq!(no_effect_line(&["port", "hz"]), None);
    }

    #[test]
    fn listen_targets_follow_bind() {
        let config = Config {
            port: 7000,
            bind: vec!["127.0.0.1".into(), "-::1".into(), "*".into()],
            ..Config::default()
        };
        assert_eq!(
            listen_targets(&config),
            [
                ("127.0.0.1:7000".to_owned(), false),
                ("[::1]:7000".to_owned(), true),
                ("0.0.0.0:7000".to_owned(), false)
            ]
        );
    }

    #[test]
    fn origin_names_the_config_file_and_a_fresh_run_id() {
        let file =
            std::env::temp_dir().join(format!("ferrokey-origin-{}.conf", std::process::id()));
        std::fs::write(&file, "port 7000\n").unwrap();
        let canonical = file.canonicalize().unwrap();
        let args = vec![
            file.display().to_string(),
            "--port".to_owned(),
            "7001".to_owned(),
        ];
        let a = origin(&args, "tokio", 1);
        let b = origin(&args[1..], "tokio", 1);
        std::fs::remove_file(&file).unwrap();
        assert_eq!(a.config_file, canonical.display().to_string());
        assert_eq!(b.config_file, "");
        assert_eq!(a.run_id.len(), 40);
        assert_ne!(a.run_id, b.run_id);
        assert_eq!((a.runtime.as_str(), a.started_us), ("tokio", 1));
    }

    #[test]
    fn open_files_cover_maxclients_or_maxclients_shrinks() {
        let mut config = Config {
            maxclients: 100,
            ..Config::default()
        };
        // This process may raise its own soft limit up to the hard one.
        assert!(adjust_open_files(&mut config).is_empty());
        assert_eq!(config.maxclients, 100);
        let hard = rustix::process::getrlimit(rustix::process::Resource::Nofile).maximum;
        if let Some(hard) = hard.filter(|&h| h < u64::from(u32::MAX) - 64) {
            let asked = u32::try_from(hard).unwrap() + 1;
            let mut config = Config {
                maxclients: asked,
                ..Config::default()
            };
            let warnings = adjust_open_files(&mut config);
            if warnings.is_empty() {
                // Privileged (CAP_SYS_RESOURCE): the hard limit itself was raised.
                assert_eq!(config.maxclients, asked);
                let now = rustix::process::getrlimit(rustix::process::Resource::Nofile);
                assert!(now.current >= Some(u64::from(asked) + RESERVED_FDS));
            } else {
                assert_eq!(
                    u64::from(config.maxclients),
                    hard - RESERVED_FDS,
                    "{warnings:?}"
                );
                assert!(warnings
                    .last()
                    .unwrap()
                    .contains("maxclients has been reduced"));
            }
        }
    }

    #[test]
    fn admission_rules() {
        let server = Server::new(Config {
            maxclients: 1,
            ..Config::default()
        });
        assert_eq!(admit(&server, true), Ok(()));
        assert!(admit(&server, false).unwrap_err().starts_with(b"-DENIED"));
        let _one = server.clients.register(crate::clients::Peer::default(), 0);
        assert_eq!(admit(&server, true), Err(MAX_CLIENTS));
        let open = Server::new(Config {
            requirepass: "pw".into(),
            ..Config::default()
        });
        assert_eq!(admit(&open, false), Ok(()));
    }
}
