//! DEBUG: the subcommands Valkey 9.1.2's test suite calls, with Valkey's replies and errors.
//! Refused unless `enable-debug-command` is on, as Valkey does by default.
//!
//! Subcommands that tune machinery ferrokey does not have (the reply-buffer resize cron, dict
//! resizing policy, AOF, cluster bus, script deny flags) are accepted with Valkey's argument
//! checks and change nothing, so a test that flips them around the part it checks still runs.
//! PAUSE-CRON is one of them: the suite pauses Valkey's cron to stop query-buffer shrinking and
//! tracking-table eviction, which ferrokey does not do on a timer; active expiry has its own
//! switch (SET-ACTIVE-EXPIRE). RELOAD and LOADAOF are left unknown until persistence exists:
//! answering OK without a save and a load would let tests of the RDB round trip pass falsely.

mod digest;
mod sha1;

use super::{Args, CmdError, Ctx, Flow, Handler};
use crate::keyspace::{DictStats, Entry, TableStats};
use crate::log::Level;
use crate::sync::Ordering;
use crate::value::Value;

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "debug" => debug,
        _ => return None,
    })
}

const NOT_ALLOWED: &str = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.";

fn debug(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    if !ctx.config.enable_debug_command {
        return Err(CmdError::Other(NOT_ALLOWED));
    }
    let sub = String::from_utf8_lossy(args.arg(1)).to_ascii_lowercase();
    let n = args.len();
    match (sub.as_str(), n) {
        ("help", 2) => super::table::introspection::help_lines(&mut ctx.out, HELP),
        ("sleep", 3) => sleep(ctx, args.arg(2)),
        ("set-active-expire", 3) => {
            ctx.server
                .active_expire
                .store(atoi(args.arg(2)) != 0, Ordering::Relaxed);
            ctx.ok();
        }
        ("object", 3 | 4) => {
            let fast = n == 4 && args.is(3, "fast");
            return object(ctx, args.arg(2), fast);
        }
        ("digest", 2) => {
            let d = dataset_digest(ctx);
            ctx.out.simple(digest::hex(&d).as_bytes());
        }
        ("digest-value", _) => {
            ctx.out.array(n - 2);
            for i in 2..n {
                let key = args.arg(i);
                let mut d = [0u8; 20];
                // At time 0 nothing has expired: like Valkey's `dbFind`, a key past its
                // deadline but not yet reclaimed is still digested (and not reclaimed here).
                if let Some(entry) = ctx.db().lock_key(key).peek(key, 0) {
                    digest::add_value(&mut d, entry);
                }
                ctx.out.simple(digest::hex(&d).as_bytes());
            }
        }
        ("protocol", 3) => return protocol(ctx, args.arg(2)),
        ("config-rewrite-force-all", 2) => {
            let path = ctx.server.origin().config_file.clone();
            // Valkey opens a null path when started without a file: EFAULT's words.
            let written = if path.is_empty() {
                Err("Bad address".to_owned())
            } else {
                super::config_cmds::rewrite_file(&path, &ctx.server.config(), true)
                    .map_err(|e| crate::startup::os_text(&e))
            };
            if let Err(e) = written {
                return Err(CmdError::Owned(format!(
                    "ERR CONFIG-REWRITE-FORCE-ALL failed: {e}"
                )));
            }
            ctx.ok();
        }
        ("log", 3) => {
            let line = format!("DEBUG LOG: {}", String::from_utf8_lossy(args.arg(2)));
            ctx.server.log(ctx.now_us, Level::Warning, &line);
            ctx.ok();
        }
        ("error", 3) => {
            // Sent as given, without an `ERR ` prefix; line breaks would end the reply early.
            let text: Vec<u8> = args
                .arg(2)
                .iter()
                .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
                .collect();
            ctx.out.error(&text);
        }
        ("populate", 3..=5) => return populate(ctx, args),
        ("htstats", 3..) => return htstats(ctx, args),
        ("htstats-key", 3..) => return htstats_key(ctx, args.arg(2), n >= 4 && args.is(3, "full")),
        ("listpack" | "quicklist", _) if n == 3 || (sub == "quicklist" && n == 4) => {
            let key = args.arg(2);
            let encoding = {
                let mut shard = ctx.db().lock_key(key);
                let entry = shard
                    .read_peek(key, ctx.now_ms)
                    .ok_or(CmdError::NoSuchKey)?;
                entry.value.encoding(key.len(), entry.expire_at != 0)
            };
            // Valkey prints the structure on its standard output; the reply is all a client
            // sees, and ferrokey prints nothing.
            match (sub.as_str(), encoding) {
                ("listpack", "listpack") => ctx.out.simple(b"Listpack structure printed on stdout"),
                ("listpack", _) => {
                    return Err(CmdError::Other("ERR Not a listpack encoded object."))
                }
                (_, "quicklist") => ctx.out.simple(b"Quicklist structure printed on stdout"),
                _ => return Err(CmdError::Other("ERR Not a quicklist encoded object.")),
            }
        }
        ("quicklist-packed-threshold", 3) => {
            match memtoull(args.arg(2)).filter(|&sz| crate::value::list::set_packed_threshold(sz)) {
                Some(_) => ctx.ok(),
                None => {
                    return Err(CmdError::Other(
                        "ERR argument must be a memory value bigger than 1 and smaller than 4gb",
                    ))
                }
            }
        }
        ("change-repl-id", 2) => {
            // No replication yet: there are no IDs to change, only the log line to write.
            ctx.server.log(
                ctx.now_us,
                Level::Notice,
                "Changing replication IDs after receiving DEBUG change-repl-id",
            );
            ctx.ok();
        }
        ("stringmatch-test", 2) => {
            stringmatch_test();
            ctx.out
                .simple(b"Apparently the server did not crash: test passed");
        }
        ("client-eviction", 2) => {
            return Err(CmdError::Other("ERR maxmemory-clients is disabled."));
        }
        ("protect-client", 3) => {
            let id = std::str::from_utf8(args.arg(2))
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or(CmdError::Other("ERR Invalid client id"))?;
            if ctx.server.clients.get(id).is_none() {
                return Err(CmdError::Other("ERR No such client"));
            }
            ctx.ok();
        }
        ("replybuffer", 4) => {
            if args.is(2, "peak-reset-time") {
                if !args.is(3, "never") && !args.is(3, "reset") {
                    resp::int::parse_i64(args.arg(3)).ok_or(CmdError::NotInteger)?;
                }
            } else if !args.is(2, "resizing") {
                return Err(CmdError::subcommand_syntax("DEBUG", args.arg(1)));
            }
            ctx.ok();
        }
        ("slotmigration", 4) => {
            if !args.is(2, "prevent-pause") && !args.is(2, "prevent-failover") {
                return Err(CmdError::subcommand_syntax("DEBUG", args.arg(1)));
            }
            ctx.ok();
        }
        ("drop-cluster-packet-filter", 3) => {
            resp::int::parse_i64(args.arg(2)).ok_or(CmdError::NotInteger)?;
            ctx.ok();
        }
        // Accepted and without effect (see the module comment).
        (
            "pause-cron"
            | "dict-resizing"
            | "set-disable-deny-scripts"
            | "set-skip-checksum-validation"
            | "aof-flush-sleep"
            | "pause-after-fork"
            | "delay-rdb-client-free-seconds"
            | "client-enforce-reply-list"
            | "hashtable-can-abort-shrink"
            | "force-free-primary-async"
            | "force-tls-write-error"
            | "close-cluster-link-on-packet-drop"
            | "disable-cluster-random-ping"
            | "disable-cluster-reconnection"
            | "leak",
            3,
        ) => ctx.ok(),
        ("replicate", 3..) => ctx.ok(),
        // Valkey's DEBUG PANIC crashes the server to test its crash report; here a panicking
        // command closes only its own connection (see `Connection::receive`), and this is how
        // that is tested.
        ("panic", 2) => panic!("DEBUG PANIC"),
        _ => return Err(CmdError::subcommand_syntax("DEBUG", args.arg(1))),
    }
    Ok(())
}

/// DEBUG SLEEP: Valkey stops the whole server, since it runs commands on one thread. Here
/// the connection is parked until the deadline (its later input waits, its reply comes
/// after), while the thread goes on serving other connections: one debugging client must not
/// stall a multi-threaded server's unrelated clients. The slow log and the latency monitor
/// count the parked time as the command's (see `slowlog::Outcome`).
///
/// Inside MULTI/EXEC the transaction holds its shard locks and cannot park: EXEC answers
/// `+OK` for it at once (`multi::exec`) and the slow log still counts the requested time.
/// Valkey's EXEC really takes that long; sleeping the thread here would only matter once the
/// clients a transaction feeds are served at the time it ends rather than the time it began.
fn sleep(ctx: &mut Ctx<'_>, arg: &[u8]) {
    // C's strtod: the longest numeric prefix, 0 when there is none.
    let secs = leading_f64(arg);
    let micros = (secs * 1_000_000.0) as i64;
    if micros > 0 {
        ctx.flow = Flow::SleepUntil(ctx.now_us.saturating_add(micros as u64));
    } else {
        ctx.ok();
    }
}

/// C's `atoi`: optional sign and leading digits, 0 when there are none.
fn atoi(s: &[u8]) -> i64 {
    let s = s.trim_ascii_start();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            acc.wrapping_mul(10).wrapping_add(i64::from(b - b'0'))
        });
    if neg {
        v.wrapping_neg()
    } else {
        v
    }
}

fn leading_f64(s: &[u8]) -> f64 {
    let text = String::from_utf8_lossy(s);
    let text = text.trim_start();
    (1..=text.len())
        .rev()
        .find_map(|n| text.get(..n).and_then(|p| p.parse::<f64>().ok()))
        .unwrap_or(0.0)
}

/// Valkey's `memtoull`: digits with an optional unit (`b`, `k`, `kb`, `m`, `mb`, `g`, `gb`,
/// any case); `None` when malformed.
fn memtoull(s: &[u8]) -> Option<u64> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mul: u64 = match s[digits..].to_ascii_lowercase().as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits == 0 {
        return None;
    }
    std::str::from_utf8(&s[..digits])
        .ok()?
        .parse::<u64>()
        .ok()?
        .checked_mul(mul)
}

/// DEBUG DIGEST over every database, each read under all of its shard locks at once (a
/// consistent view of one database at a time; Valkey, single-threaded, sees all at once).
fn dataset_digest(ctx: &Ctx<'_>) -> digest::Digest {
    let mut total = [0u8; 20];
    for index in 0..ctx.server.dbs().len() {
        let mut shards = ctx.db_at(index).lock_all();
        let mut entries: Vec<(Vec<u8>, Entry)> = Vec::new();
        // Time 0: keys past their deadline but not reclaimed count, as in Valkey.
        shards.for_each(|s| s.for_each_live(0, |k, e| entries.push((k.to_vec(), e.clone()))));
        drop(shards);
        if entries.is_empty() {
            continue;
        }
        digest::add_db(&mut total, index);
        for (key, entry) in &entries {
            digest::add_key(&mut total, key, entry);
        }
    }
    total
}

/// DEBUG PROTOCOL: one sample reply of each RESP3 type, downgraded for RESP2 clients as
/// Valkey downgrades them.
fn protocol(ctx: &mut Ctx<'_>, name: &[u8]) -> Result<(), CmdError> {
    let out = &mut ctx.out;
    match name.to_ascii_lowercase().as_slice() {
        b"string" => out.bulk(b"Hello World"),
        b"integer" => out.integer(12345),
        // Valkey's sample value, not an approximation of pi.
        #[allow(clippy::approx_constant)]
        b"double" => out.double(3.141),
        b"bignum" => out.big_number(b"1234567999999999999999999999999999999"),
        b"null" => out.null(),
        b"array" | b"set" => {
            if name.eq_ignore_ascii_case(b"set") {
                out.set(3);
            } else {
                out.array(3);
            }
            for j in 0..3 {
                out.integer(j);
            }
        }
        b"map" => {
            out.map(3);
            for j in 0..3 {
                out.integer(j);
                out.boolean(j == 1);
            }
        }
        b"attrib" => {
            if out.attribute(1) {
                out.bulk(b"key-popularity");
                out.array(2);
                out.bulk(b"key:123");
                out.integer(90);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        b"push" => {
            if out.protocol() == resp::Protocol::Resp2 {
                return Err(CmdError::Other("ERR RESP2 is not supported by this command"));
            }
            // Valkey defers a push made while its client runs a command until the command's
            // reply is out, so the reply comes first on the wire.
            out.bulk(b"Some real reply following the push reply");
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.integer(42);
        }
        b"true" => out.boolean(true),
        b"false" => out.boolean(false),
        b"verbatim" => out.verbatim(*b"txt", b"This is a verbatim\nstring"),
        _ => return Err(CmdError::Other(
            "ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false",
        )),
    }
    Ok(())
}

/// DEBUG OBJECT: Valkey's line. The address is the entry's (stable while the key lives, as
/// the suite checks across in-place INCRs); `lru` is the last access in Valkey's 24-bit
/// seconds clock.
fn object(ctx: &mut Ctx<'_>, key: &[u8], fast: bool) -> Result<(), CmdError> {
    let now_s = ctx.now_ms / 1000;
    let mut shard = ctx.db().lock_key(key);
    let Some(entry) = shard.peek(key, ctx.now_ms) else {
        return Err(CmdError::NoSuchKey);
    };
    let encoding = entry.value.encoding(key.len(), entry.expire_at != 0);
    let mut line = format!(
        "Value at:0x{:x} refcount:1 encoding:{encoding}",
        entry as *const _ as usize
    );
    if !fast {
        // Exact for strings (uncompressed; Valkey LZF-compresses strings over 20 bytes when it
        // saves, which lowers its figure for compressible ones); 0 for the other types until
        // the RDB writer exists.
        let serialized = match &entry.value {
            Value::Str(s) => s.with_bytes(rdb_string_len),
            _ => 0,
        };
        line.push_str(&format!(" serializedlength:{serialized}"));
    }
    let atime = u64::from(entry.atime);
    line.push_str(&format!(
        " lru:{} lru_seconds_idle:{}",
        atime & 0xFF_FFFF,
        now_s.saturating_sub(atime)
    ));
    if let Value::List(l) = &entry.value {
        if let Some((nodes, fill, size)) = l.quicklist_layout() {
            line.push_str(&format!(
                " ql_nodes:{nodes} ql_avg_node:{:.2} ql_listpack_max:{fill} ql_compressed:0",
                l.len() as f64 / nodes as f64
            ));
            if !fast {
                line.push_str(&format!(" ql_uncompressed_size:{size}"));
            }
        }
    }
    drop(shard);
    ctx.out.simple(line.as_bytes());
    Ok(())
}

/// Bytes an uncompressed string takes in RDB: small integers in 2/3/5 bytes, otherwise a
/// 1/2/5-byte length prefix plus the bytes.
fn rdb_string_len(b: &[u8]) -> usize {
    if b.len() <= 11 {
        if let Some(v) = resp::int::parse_i64(b) {
            if i8::try_from(v).is_ok() {
                return 2;
            } else if i16::try_from(v).is_ok() {
                return 3;
            } else if i32::try_from(v).is_ok() {
                return 5;
            }
        }
    }
    let prefix = if b.len() < 64 {
        1
    } else if b.len() < 16384 {
        2
    } else {
        5
    };
    prefix + b.len()
}

/// Valkey's `getPositiveLongFromObjectOrReply` error, for any non-integer too.
const NOT_POSITIVE: CmdError = CmdError::Other("ERR value is out of range, must be positive");

/// DEBUG POPULATE count [prefix] [size]: `prefix:N` keys (`key:N` by default) holding
/// `value:N`, or with a size that text cut or zero-padded to it; existing keys are left
/// alone. No keyspace events, as in Valkey.
fn populate(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let positive = |a: &[u8]| {
        resp::int::parse_i64(a)
            .filter(|&v| v >= 0)
            .ok_or(NOT_POSITIVE)
    };
    let count = positive(args.arg(2))?;
    let size = if args.len() == 5 {
        positive(args.arg(4))? as usize
    } else {
        0
    };
    let prefix = if args.len() >= 4 { args.arg(3) } else { b"key" };
    let db = ctx.db();
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.extend_from_slice(format!(":{j}").as_bytes());
        let mut shard = db.lock_key(&key);
        if shard.contains(&key, ctx.now_ms) {
            continue;
        }
        let mut value = format!("value:{j}").into_bytes();
        if size != 0 {
            value.resize(size, 0);
        }
        shard.insert(
            &key,
            Entry::new(Value::Str(crate::value::Str::plain(&value))),
        );
    }
    ctx.ok();
    Ok(())
}

/// DEBUG HTSTATS dbid [full]: the keys' and the TTLs' tables of one database, each summed
/// over its shards (as Valkey sums a cluster node's per-slot tables).
fn htstats(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let dbid = resp::int::parse_i64(args.arg(2)).ok_or(CmdError::NotInteger)?;
    if dbid < 0 || dbid as usize >= ctx.server.dbs().len() {
        return Err(CmdError::Other("ERR Out of range database"));
    }
    let full = args.len() >= 4 && args.is(3, "full");
    let mut keys = Vec::new();
    let mut volatile = Vec::new();
    ctx.db_at(dbid as usize).lock_all().for_each(|s| {
        let [k, v] = s.table_stats();
        keys.push(k);
        volatile.push(v);
    });
    let mut text = String::from("[Dictionary HT]\n");
    text.push_str(&stats_text(&combine(&keys), full));
    text.push_str("[Expires HT]\n");
    text.push_str(&stats_text(&combine(&volatile), full));
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

/// DEBUG HTSTATS-KEY key [full]: the table of a hashtable-encoded set or hash, or of a
/// skiplist sorted set's members.
fn htstats_key(ctx: &mut Ctx<'_>, key: &[u8], full: bool) -> Result<(), CmdError> {
    let stats = {
        let mut shard = ctx.db().lock_key(key);
        let entry = shard
            .read_peek(key, ctx.now_ms)
            .ok_or(CmdError::NoSuchKey)?;
        match &entry.value {
            Value::Set(s) => s.table_stats(),
            Value::Hash(h) => h.table_stats(),
            Value::ZSet(z) => z.table_stats(),
            Value::Str(_) | Value::List(_) => None,
        }
    };
    let Some(stats) = stats else {
        return Err(CmdError::Other(
            "ERR The value stored at the specified key is not represented using an hash table",
        ));
    };
    ctx.out
        .verbatim(*b"txt", stats_text(&Some(stats), full).as_bytes());
    Ok(())
}

/// Sums the tables of several dicts; `None` when none has a table yet.
fn combine(all: &[DictStats]) -> Option<DictStats> {
    fn add(into: &mut TableStats, t: &TableStats) {
        into.buckets += t.buckets;
        into.used += t.used;
        if into.chains.len() < t.chains.len() {
            into.chains.resize(t.chains.len(), 0);
        }
        for (a, b) in into.chains.iter_mut().zip(&t.chains) {
            *a += b;
        }
    }
    let mut main = TableStats::default();
    let mut target: Option<(TableStats, usize)> = None;
    for (m, t) in all {
        add(&mut main, m);
        if let Some((t, idx)) = t {
            let (sum, at) = target.get_or_insert((TableStats::default(), *idx));
            add(sum, t);
            *at = (*at).min(*idx);
        }
    }
    (main.buckets > 0).then_some((main, target))
}

/// Valkey 9's hashtable statistics layout. Ours is a chained table, so "table size" counts
/// buckets (one entry each at the load factor it grows at), there are no child buckets, and
/// a chain is a bucket's entries.
fn stats_text(stats: &Option<DictStats>, full: bool) -> String {
    let Some((main, target)) = stats else {
        return String::new();
    };
    let mut s = table_text(0, main, target.as_ref().map(|t| t.1), full);
    if let Some((t, _)) = target {
        s.push_str(&table_text(1, t, None, full));
    }
    s
}

fn table_text(index: u8, t: &TableStats, rehash_idx: Option<usize>, full: bool) -> String {
    let role = if index == 0 {
        "main hash table"
    } else {
        "rehashing target"
    };
    let mut s = format!(
        "Hash table {index} stats ({role}):\n table size: {}\n number of entries: {}\n",
        t.buckets, t.used
    );
    if index == 0 {
        match rehash_idx {
            Some(i) => s.push_str(&format!(" rehashing index: {i}\n")),
            None => s.push_str(" rehashing index: -1\n"),
        }
    }
    if full && t.buckets > 0 {
        let longest = t.chains.len().saturating_sub(1);
        let total: usize = t.chains.iter().enumerate().map(|(len, n)| len * n).sum();
        s.push_str(&format!(
            " top-level buckets: {}\n child buckets: 0\n max chain length: {longest}\n avg chain length: {:.6}\n chain length distribution:\n",
            t.buckets,
            total as f64 / t.buckets as f64
        ));
        for (len, &n) in t.chains.iter().enumerate().filter(|(_, n)| **n > 0) {
            s.push_str(&format!(
                "   {len}: {n} ({:.2}%)\n",
                n as f64 * 100.0 / t.buckets as f64
            ));
        }
    }
    s
}

/// DEBUG STRINGMATCH-TEST: Valkey runs a fuzzer against its glob matcher and reports that it
/// did not crash; this runs pseudo-random patterns and subjects through ours (a panic would
/// close the connection instead of replying).
fn stringmatch_test() {
    const ALPHABET: &[u8] = b"ab*?[]^-\\\\x";
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let mut gen = |max: u64| -> Vec<u8> {
            let len = next() % max;
            (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect()
        };
        let (pattern, subject) = (gen(16), gen(16));
        std::hint::black_box(crate::glob::glob_match(&pattern, &subject));
        std::hint::black_box(crate::glob::glob_match_nocase(&pattern, &subject));
    }
}

/// Valkey 9.1.2's DEBUG HELP text, line for line.
const HELP: &[&str] = &[
    "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "AOF-FLUSH-SLEEP <microsec>",
    "    Server will sleep before flushing the AOF, this is used for testing.",
    "ASSERT",
    "    Crash by assertion failed.",
    "CHANGE-REPL-ID",
    "    Change the replication IDs of the instance.",
    "    Dangerous: should be used only for testing the replication subsystem.",
    "CONFIG-REWRITE-FORCE-ALL",
    "    Like CONFIG REWRITE but writes all configuration options, including",
    "    keywords not listed in original configuration file or default values.",
    "CRASH-AND-RECOVER [<milliseconds>]",
    "    Hard crash and restart after a <milliseconds> delay (default 0).",
    "DIGEST",
    "    Output a hex signature representing the current DB content.",
    "DIGEST-VALUE <key> [<key> ...]",
    "    Output a hex signature of the values of all the specified keys.",
    "ERROR <string>",
    "    Return a RESP protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate error replies.",
    "LEAK <string>",
    "    Create a memory leak of the input string.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "HTSTATS <dbid> [full]",
    "    Return hash table statistics of the specified database.",
    "HTSTATS-KEY <key> [full]",
    "    Like HTSTATS but for the hash table stored at <key>'s value.",
    "LOADAOF",
    "    Flush the AOF buffers on disk and reload the AOF in memory.",
    "REPLICATE <string>",
    "    Replicates the provided string to replicas, allowing data divergence.",
    "OBJECT <key> [fast]",
    "    Show low level info about `key` and associated value.",
    "    Some fields of the default behavior may be time consuming to fetch,",
    "    and `fast` can be passed to avoid fetching them.",
    "DROP-CLUSTER-PACKET-FILTER <packet-type>",
    "    Drop all packets that match the filtered type. Set to -1 allow all packets or -2 to drop all packets.",
    "CLOSE-CLUSTER-LINK-ON-PACKET-DROP <0|1>",
    "    This is valid only when DROP-CLUSTER-PACKET-FILTER is set to a valid packet type.",
    "    When set to 1, the cluster link is closed after dropping a packet based on the filter.",
    "DISABLE-CLUSTER-RANDOM-PING <0|1>",
    "    Disable sending cluster ping to a random node every second.",
    "DISABLE-CLUSTER-RECONNECTION <0|1>",
    "    Disable cluster reconnection of cluster nodes.",
    "OOM",
    "    Crash the server simulating an out-of-memory error.",
    "PANIC",
    "    Crash the server simulating a panic.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "RESTART [<milliseconds>]",
    "    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
    "SDSLEN <key>",
    "    Show low level SDS string info representing `key` and value.",
    "SEGFAULT",
    "    Crash the server with sigsegv.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the behavior). Setting it to 1 reenables back the",
    "    default.",
    "QUICKLIST-PACKED-THRESHOLD <size>",
    "    Sets the threshold for elements to be inserted as plain vs packed nodes",
    "    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
    "SET-SKIP-CHECKSUM-VALIDATION <0|1>",
    "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
    "STRINGMATCH-TEST",
    "    Run a fuzz tester against the stringmatchlen() function.",
    "STRUCTSIZE",
    "    Return the size of different core C structures.",
    "LISTPACK <key>",
    "    Show low level info about the listpack encoding of <key>.",
    "QUICKLIST <key> [<0|1>]",
    "    Show low level info about the quicklist encoding of <key>.",
    "    The optional argument (0 by default) sets the level of detail",
    "CLIENT-EVICTION",
    "    Show low level client eviction pools info (maxmemory-clients).",
    "PAUSE-CRON <0|1>",
    "    Stop periodic cron job processing.",
    "REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
    "    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
    "    In case NEVER is provided the last observed peak will never be reset",
    "    In case RESET is provided the peak reset time will be restored to the default value",
    "REPLYBUFFER RESIZING <0|1>",
    "    Enable or disable the reply buffer resize cron job",
    "PAUSE-AFTER-FORK <0|1>",
    "    Stop the server's main process after fork.",
    "DELAY-RDB-CLIENT-FREE-SECOND <seconds>",
    "    Grace period in seconds for replica main channel to establish psync.",
    "DICT-RESIZING <0|1>",
    "    Enable or disable the main dict and expire dict resizing.",
    "HASHTABLE-CAN-ABORT-SHRINK <0|1>",
    "    Enable or disable the hashtable shrink abort.",
    "CLIENT-ENFORCE-REPLY-LIST <0|1>",
    "    When set to 1, it enforces the use of the client reply list directly",
    "    and avoids using the client's static buffer.",
    "SLOTMIGRATION PREVENT-PAUSE <0|1>",
    "    When set to 1, slot migrations will be prevented from pausing on the source node.",
    "SLOTMIGRATION PREVENT-FAILOVER <0|1>",
    "    When set to 1, slot migrations will be prevented from performing the slot-level failover on the target node.",
    "FORCE-FREE-PRIMARY-ASYNC <0|1>",
    "    Force freeClient on primary to use async path.",
    "PROTECT-CLIENT <id>",
    "    Protect a client from being freed, forcing deferred close.",
    "FORCE-TLS-WRITE-ERROR <0|1>",
    "    Force TLS write error for testing.",
    "CLUSTERLINK KILL <to|from|all> <node-id>",
    "    Kills the link based on the direction to/from (both) with the provided node.",
    "HELP",
    "    Print this help.",
];
