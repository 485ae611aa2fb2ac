//! CONFIG GET / SET / REWRITE / RESETSTAT over the parameter table in `crate::config`.

use super::{Args, CmdError, Ctx, Handler};
use crate::config::{self, Param};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "config|get" => get,
        "config|set" => set,
        "config|rewrite" => rewrite,
        "config|resetstat" => |c, _| {
            c.server.reset_stats();
            c.each_shard(|s| {
                s.expired_keys = 0;
                s.evicted_keys = 0;
                s.hits = 0;
                s.misses = 0;
            });
            c.ok();
            Ok(())
        },
        "config|help" => |c, _| {
            super::table::introspection::help_lines(&mut c.out, HELP);
            Ok(())
        },
        _ => return None,
    })
}

/// CONFIG HELP, as Valkey 9.1.2 words it.
const HELP: &[&str] = &[
    "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "GET <pattern>",
    "    Return parameters matching the glob-like <pattern> and their values.",
    "SET <directive> <value>",
    "    Set the configuration <directive> to <value>.",
    "RESETSTAT",
    "    Reset statistics reported by the INFO command.",
    "REWRITE",
    "    Rewrite the configuration file.",
    "HELP",
    "    Print this help.",
];

fn is_glob(p: &[u8]) -> bool {
    p.iter().any(|b| matches!(b, b'*' | b'?' | b'['))
}

/// As Valkey: an exact name is answered under the spelling asked for (hidden parameters
/// included), a pattern under the table's names (aliases too, hidden ones left out); a name
/// is answered once whatever its case.
fn get(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let current = ctx.server.config();
    let mut found: Vec<(Vec<u8>, &'static Param)> = Vec::new();
    let mut add = |name: &[u8], param: &'static Param| {
        if !found.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
            found.push((name.to_vec(), param));
        }
    };
    for pattern in args.from(2) {
        if is_glob(pattern) {
            for entry in config::matching(pattern) {
                add(entry.name.as_bytes(), entry.param);
            }
        } else if let Some(entry) = config::lookup(pattern) {
            add(pattern, entry.param);
        }
    }
    ctx.out.map(found.len());
    for (name, param) in found {
        ctx.out.bulk(&name);
        ctx.out.bulk(param.get(&current).as_bytes());
    }
    Ok(())
}

/// Parameters Valkey can change at run time by opening new listeners. ferrokey's runtimes
/// bind once at start-up, so CONFIG SET accepts only the value in force (what a client that
/// writes back its whole CONFIG GET sends) and refuses a change with a clear reason.
const LISTENERS: [&str; 2] = ["bind", "port"];

/// As Valkey: every name is checked first (unknown, immutable, protected, given twice), then
/// the values are parsed in order on a copy that replaces the configuration only when all
/// are good.
fn set(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let pairs = args.from(2);
    if pairs.len() % 2 != 0 {
        return Err(CmdError::Syntax);
    }
    let failed = |name: &str, why: &str| {
        CmdError::Owned(format!(
            "ERR CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ))
    };
    let current = ctx.server.config();
    let mut entries: Vec<config::Entry> = Vec::new();
    let mut unknown: Option<&[u8]> = None;
    let mut refused: Option<CmdError> = None;
    for pair in pairs.chunks(2) {
        let Some(entry) = config::lookup(pair[0]) else {
            if refused.is_none() && unknown.is_none() {
                unknown = Some(pair[0]);
            }
            continue;
        };
        if unknown.is_some() || refused.is_some() {
            continue;
        }
        let given = String::from_utf8_lossy(pair[0]);
        let param = entry.param;
        if !param.mutable && !LISTENERS.contains(&entry.name) {
            refused = Some(failed(&given, "can't set immutable config"));
        } else if param.protected && !current.protected_configs_allowed() {
            refused = Some(failed(&given, "can't set protected config"));
        } else if entries.iter().any(|e| e.name == entry.name) {
            refused = Some(failed(&given, "duplicate parameter"));
        }
        entries.push(entry);
    }
    if let Some(name) = unknown {
        return Err(CmdError::Owned(format!(
            "ERR Unknown option or number of arguments for CONFIG SET - '{}'",
            String::from_utf8_lossy(name)
        )));
    }
    if let Some(e) = refused {
        return Err(e);
    }
    let mut next = (*current).clone();
    // `dir` moves the process at once; a later bad value moves it back.
    let cwd = std::env::current_dir().ok();
    for (entry, pair) in entries.iter().zip(pairs.chunks(2)) {
        if let Err(why) = entry
            .param
            .set(&mut next, &String::from_utf8_lossy(pair[1]))
        {
            if let Some(dir) = cwd.as_ref().filter(|_| next.dir != current.dir) {
                let _ = std::env::set_current_dir(dir);
            }
            return Err(failed(entry.name, &why));
        }
        if LISTENERS.contains(&entry.name) && entry.param.get(&next) != entry.param.get(&current) {
            return Err(failed(
                entry.name,
                "changing the listeners at run time is not supported yet (restart with the new value)",
            ));
        }
    }
    ctx.server.set_config(next);
    // A lower maxmemory (or a policy that may now evict) makes room at once, as in Valkey
    // (inside EXEC the transaction holds the shards: the next command makes room).
    if !ctx.in_exec() {
        crate::evict::make_room(ctx.server, &ctx.server.config());
    }
    ctx.ok();
    Ok(())
}

/// Writes the configuration back into the file the server was started with (a temporary
/// file renamed over it, so a crash leaves the old or the new file whole).
fn rewrite(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let path = ctx.server.origin().config_file.clone();
    if path.is_empty() {
        return Err(CmdError::Owned(
            "ERR The server is running without a config file".to_owned(),
        ));
    }
    rewrite_file(&path, &ctx.server.config(), false).map_err(|e| {
        CmdError::Owned(format!(
            "ERR Rewriting config file: {}",
            crate::startup::os_text(&e)
        ))
    })?;
    ctx.ok();
    Ok(())
}

/// Rewrites the config file at `path` for `config` (every option when `force_all`).
pub(super) fn rewrite_file(
    path: &str,
    config: &crate::Config,
    force_all: bool,
) -> std::io::Result<()> {
    let old = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let text = if force_all {
        config::rewrite_all(&old, config)
    } else {
        config::rewrite(&old, config)
    };
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

#[cfg(test)]
mod tests {
    use crate::sync::Arc;
    use crate::{Config, Connection, Origin, Server};

    fn talk(c: &mut Connection, input: &str) -> String {
        c.receive(input.as_bytes(), 1_700_000_000_000_000);
        let mut out = Vec::new();
        c.take_output(&mut out);
        String::from_utf8(out).unwrap()
    }

    /// Valkey's CONFIG SET of every parameter to its own value (the suite's "CONFIG sanity")
    /// succeeds for bind and port; a different listener is refused, the rest applied by none.
    #[test]
    fn listeners_accept_the_values_in_force_only() {
        let server = Arc::new(Server::new(Config::default()));
        let mut c = Connection::new(server);
        assert_eq!(
            talk(&mut c, "CONFIG SET port 6379 bind 127.0.0.1 hz 11\r\n"),
            "+OK\r\n"
        );
        let refused = talk(&mut c, "CONFIG SET hz 12 port 7000\r\n");
        assert!(
            refused.starts_with("-ERR CONFIG SET failed (possibly related to argument 'port') - changing the listeners"),
            "{refused}"
        );
        assert!(talk(&mut c, "CONFIG SET bind 0.0.0.0\r\n").starts_with("-ERR CONFIG SET failed"));
        assert_eq!(
            talk(&mut c, "CONFIG GET hz\r\n"),
            "*2\r\n$2\r\nhz\r\n$2\r\n11\r\n"
        );
        assert_eq!(
            talk(&mut c, "CONFIG SET daemonize no\r\n"),
            "-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n"
        );
    }

    #[test]
    fn rewrite_updates_the_file_the_server_started_with() {
        let path =
            std::env::temp_dir().join(format!("ferrokey-rewrite-{}.conf", std::process::id()));
        let old = "# kept\nhz 10\nslave-read-only yes\nunknown-thing 1\n";
        std::fs::write(&path, old).unwrap();
        let config = crate::config::load(Some(&old.replace("unknown-thing 1\n", "")), &[]).unwrap();
        let origin = Origin {
            config_file: path.display().to_string(),
            ..Origin::default()
        };
        let server = Arc::new(Server::new(config).with_origin(origin));
        let mut c = Connection::new(server);
        assert_eq!(
            talk(&mut c, "CONFIG SET hz 20 maxmemory 1gb\r\n"),
            "+OK\r\n"
        );
        assert_eq!(talk(&mut c, "CONFIG REWRITE\r\n"), "+OK\r\n");
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let cwd = std::env::current_dir().unwrap().display().to_string();
        assert_eq!(
            text,
            format!(
                "# kept\nhz 20\nreplica-read-only yes\n# ??? unknown-thing 1\n\n# Generated by CONFIG REWRITE\ndir \"{cwd}\"\nlatency-tracking-info-percentiles 50 99 99.9\nmaxmemory 1gb\nsave \"\"\n"
            )
        );
    }

    /// The suite's "CONFIG REWRITE sanity": DEBUG CONFIG-REWRITE-FORCE-ALL writes every
    /// option, and a server started from the file shows the same CONFIG GET * (io-threads'
    /// per-core default is left out: no line can say it).
    #[test]
    fn forced_rewrite_writes_every_option_and_reads_back_the_same() {
        let path =
            std::env::temp_dir().join(format!("ferrokey-forceall-{}.conf", std::process::id()));
        let file = "hz 10\nenable-debug-command yes\n";
        std::fs::write(&path, file).unwrap();
        let origin = Origin {
            config_file: path.display().to_string(),
            ..Origin::default()
        };
        let config = crate::config::load(Some(file), &[]).unwrap();
        let server = Arc::new(Server::new(config).with_origin(origin));
        let mut c = Connection::new(server);
        let all = talk(&mut c, "CONFIG GET *\r\n");
        assert_eq!(
            talk(&mut c, "DEBUG CONFIG-REWRITE-FORCE-ALL\r\n"),
            "+OK\r\n"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(text.contains("\nmaxmemory-policy noeviction\n"), "{text}");
        assert!(
            text.starts_with("hz 10\n") && !text.contains("io-threads"),
            "{text}"
        );
        let reloaded = crate::config::load(Some(&text), &[]).unwrap();
        let mut again = Connection::new(Arc::new(Server::new(reloaded)));
        assert_eq!(talk(&mut again, "CONFIG GET *\r\n"), all);
        let mut bare = Connection::new(Arc::new(Server::new(Config {
            enable_debug_command: true,
            ..Config::default()
        })));
        assert_eq!(
            talk(&mut bare, "DEBUG CONFIG-REWRITE-FORCE-ALL\r\n"),
            "-ERR CONFIG-REWRITE-FORCE-ALL failed: Bad address\r\n"
        );
    }

    #[test]
    fn rewrite_needs_a_config_file() {
        let mut c = Connection::new(Arc::new(Server::new(Config::default())));
        assert_eq!(
            talk(&mut c, "CONFIG REWRITE\r\n"),
            "-ERR The server is running without a config file\r\n"
        );
    }
}
