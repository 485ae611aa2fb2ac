//! Commands: lookup in the generated table, arity checks, dispatch to one module per command
//! family, and the error replies they share.

mod args;
mod bitmaps;
mod blocked;
mod client;
mod client_pause;
mod client_tracking;
mod config_cmds;
mod debug;
mod error;
mod float;
mod functions;
mod geo;
mod hashes;
mod hyperloglog;
mod info;
mod keys;
mod latency;
mod lcs;
mod lists;
mod memory;
mod monitor;
mod multi;
mod multidb;
mod object;
mod pqsort;
mod pubsub;
mod server_cmds;
mod session;
mod sets;
mod slowlog;
mod sort;
mod strings;
pub mod table;
mod typed;
mod zsets;

use resp::ReplyWriter;

pub(crate) use args::Args;
pub(crate) use client_tracking::disable as disable_tracking;
pub use error::CmdError;
pub(crate) use float::parse_long_double;
pub use multi::Multi;
use table::CommandSpec;

use crate::connection::ClientState;
use crate::keyspace::DbRef;
use crate::server::Server;
use crate::sync::lock;

/// What the connection does after a command.
#[derive(Clone, Debug)]
pub(crate) enum Flow {
    /// Go on reading commands.
    Continue,
    /// Send what is buffered, then close (QUIT).
    Close,
    /// Stop processing this connection until the given Unix microsecond, then reply `+OK`
    /// and go on (DEBUG SLEEP). Other connections are not affected.
    SleepUntil(u64),
    /// The command blocked (BLPOP & co.): nothing more runs on this connection until the
    /// waiter ends; `u64` is its deadline in Unix microseconds (0: none).
    Block(crate::sync::Arc<crate::blocking::Waiter>, u64),
    /// CLIENT PAUSE holds the command back: it did not run, and the connection keeps it
    /// (and what follows) until the pause ends.
    Postpone,
}
/// Everything a command may use: the server, the calling client's state, the reply writer
/// and the time of the batch.
pub(crate) struct Ctx<'a> {
    pub server: &'a Server,
    /// The configuration as this connection sees it (refreshed before each command).
    pub config: &'a crate::Config,
    pub client: &'a mut ClientState,
    pub out: ReplyWriter<'a>,
    /// Unix time in milliseconds.
    pub now_ms: u64,
    /// Unix time in microseconds (TIME).
    pub now_us: u64,
    pub flow: Flow,
    /// The shards the running transaction holds (EXEC), lent to its commands; `None` outside
    /// a transaction, where commands lock what they need themselves.
    pub held: Option<&'a (dyn crate::keyspace::Lend + 'a)>,
}

impl<'a> Ctx<'a> {
    /// The client's selected database.
    pub fn db(&self) -> DbRef<'a> {
        self.db_at(self.client.db)
    }

    /// Database `index` (a valid one: callers check the range first).
    pub fn db_at(&self, index: usize) -> DbRef<'a> {
        let db = self.server.db(index).expect("db index checked");
        DbRef::new(db, index, self.held)
    }

    /// Announces that the command did `event` to `key` in the selected database: a keyspace
    /// notification when its class is enabled.
    pub fn notify(&self, class: u32, event: &str, key: &[u8]) {
        self.notify_in(self.client.db, class, event, key);
    }

    /// [`Ctx::notify`] for database `db` (MOVE, COPY … DB).
    pub fn notify_in(&self, db: usize, class: u32, event: &str, key: &[u8]) {
        // What the shards noticed first (expired, keymiss, new), then this event.
        self.server.publish_events(self.config);
        crate::notify::publish(
            self.server,
            self.config.notify_keyspace_events,
            self.config.output_limits[2].hard,
            class,
            event,
            db,
            key,
        );
        // Every announced change is also a write clients that cached the key must hear of.
        self.server
            .tracking
            .invalidate(self.server, self.client.id, key);
    }

    /// Calls `f` on every shard of every database, one at a time (INFO's counters,
    /// CONFIG RESETSTAT); inside EXEC through the transaction's locks.
    pub fn each_shard(&self, mut f: impl FnMut(&mut crate::keyspace::Shard)) {
        for db in 0..self.server.dbs().len() {
            let db = self.db_at(db);
            for shard in 0..crate::keyspace::SHARDS {
                f(&mut db.lock_one(shard));
            }
        }
    }

    /// True while EXEC runs this command: blocking commands answer at once instead.
    pub fn in_exec(&self) -> bool {
        self.held.is_some()
    }

    /// `+OK`.
    pub fn ok(&mut self) {
        self.out.simple(b"OK");
    }
}

type Handler = fn(&mut Ctx<'_>, &Args<'_>) -> Result<(), CmdError>;

/// The handler for a table entry (`"get"`, `"client|list"`), or `None` when ferrokey does not
/// implement it yet (it is then reported as an unknown command and left out of COMMAND).
fn handler(name: &str) -> Option<Handler> {
    strings::handler(name)
        .or_else(|| bitmaps::handler(name))
        .or_else(|| float::handler(name))
        .or_else(|| lcs::handler(name))
        .or_else(|| keys::handler(name))
        .or_else(|| multidb::handler(name))
        .or_else(|| object::handler(name))
        .or_else(|| debug::handler(name))
        .or_else(|| info::handler(name))
        .or_else(|| config_cmds::handler(name))
        .or_else(|| session::handler(name))
        .or_else(|| client::handler(name))
        .or_else(|| client_tracking::handler(name))
        .or_else(|| client_pause::handler(name))
        .or_else(|| server_cmds::handler(name))
        .or_else(|| lists::handler(name))
        .or_else(|| hashes::handler(name))
        .or_else(|| sets::handler(name))
        .or_else(|| zsets::handler(name))
        .or_else(|| hyperloglog::handler(name))
        .or_else(|| geo::handler(name))
        .or_else(|| sort::handler(name))
        .or_else(|| multi::handler(name))
        .or_else(|| pubsub::handler(name))
        .or_else(|| functions::handler(name))
        .or_else(|| slowlog::handler(name))
        .or_else(|| latency::handler(name))
        .or_else(|| monitor::handler(name))
        .or_else(|| memory::handler(name))
}

/// True for commands this server answers; COMMAND lists only these.
pub fn implemented(spec: &CommandSpec) -> bool {
    handler(spec.name).is_some() || spec.subcommands.iter().any(implemented)
}

/// What `execute` did: the command it resolved to (None when unknown) and whether it passed
/// the checks and ran (false: rejected before running).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Executed {
    pub name: Option<&'static str>,
    pub ran: bool,
    /// The table flags of the command that ran (slow log, MONITOR).
    pub flags: u64,
}

/// Runs one request (`args[0]` is the command name) and writes its reply.
pub(crate) fn execute(ctx: &mut Ctx<'_>, argv: &[&[u8]]) -> Executed {
    let args = Args::new(argv);
    let mut done = Executed {
        name: None,
        ran: false,
        flags: 0,
    };
    if let Err(e) = dispatch(ctx, &args, &mut done) {
        if done.ran {
            e.write(&mut ctx.out);
        } else {
            // Rejected before running: inside MULTI, EXEC will refuse the transaction.
            multi::reject(ctx, done.name, &e);
        }
    }
    done
}

fn dispatch(ctx: &mut Ctx<'_>, args: &Args<'_>, done: &mut Executed) -> Result<(), CmdError> {
    let spec = resolve(ctx, args, done)?;
    if paused(ctx, spec) {
        // Not run and not counted: the connection keeps the request and runs it once the
        // pause is over (Valkey's postponed clients).
        done.name = None;
        ctx.flow = Flow::Postpone;
        return Ok(());
    }
    if ctx.client.multi.is_some() && !multi::runs_at_once(spec) {
        // Queued, not run: counted when EXEC runs it.
        done.name = None;
        return multi::queue(ctx, spec, args);
    }
    done.ran = true;
    done.flags = spec.flags;
    run(ctx, spec, args)
}

/// True when CLIENT PAUSE holds `spec` back: every command under `ALL`; under `WRITE` those
/// that write or may replicate, and an EXEC whose transaction does.
fn paused(ctx: &Ctx<'_>, spec: &CommandSpec) -> bool {
    use table::flags::{MAY_REPLICATE, WRITE};
    match ctx.server.pause.current(ctx.now_ms) {
        None => false,
        Some((crate::pause::PauseMode::All, _)) => true,
        Some((crate::pause::PauseMode::Write, _)) => {
            spec.flags & (WRITE | MAY_REPLICATE) != 0
                || (spec.name == "exec"
                    && ctx
                        .client
                        .multi
                        .as_ref()
                        .is_some_and(|m| m.any_flag(WRITE | MAY_REPLICATE)))
        }
    }
}

/// The command a request names, after the login, unknown-command and arity checks (in
/// Valkey's order).
fn resolve(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    done: &mut Executed,
) -> Result<&'static CommandSpec, CmdError> {
    let name = args.arg(0);
    let spec = table::lookup(name).filter(|s| implemented(s));
    // Before a login only AUTH, HELLO, QUIT and RESET are known; Valkey answers NOAUTH ahead
    // of the unknown-command and arity checks.
    if !ctx.client.authenticated && spec.is_none_or(|s| s.flags & table::flags::NO_AUTH == 0) {
        return Err(CmdError::Other("NOAUTH Authentication required."));
    }
    let Some(spec) = spec else {
        return Err(CmdError::UnknownCommand(args.unknown_command_text()));
    };
    done.name = Some(spec.name);
    let spec = if spec.subcommands.is_empty() || args.len() == 1 {
        // No subcommand given: the container itself answers (plain `COMMAND`) or fails arity.
        spec
    } else {
        // A container (CLIENT, CONFIG, OBJECT, …): its own arity first, then the subcommand.
        if !table::arity_ok(spec, args.len()) {
            return Err(CmdError::WrongArity(spec.name));
        }
        match table::lookup_subcommand(spec, args.arg(1)).filter(|s| handler(s.name).is_some()) {
            Some(sub) => sub,
            None => {
                // Valkey counts an unknown subcommand against no command (only errorstats).
                done.name = None;
                return Err(CmdError::UnknownSubcommand(
                    args.unknown_subcommand_text(spec.name),
                ));
            }
        }
    };
    done.name = Some(spec.name);
    if !table::arity_ok(spec, args.len()) {
        return Err(CmdError::WrongArity(spec.name));
    }
    // Valkey refuses after the arity and permission checks, before the others below and
    // before MULTI queues the command (EXEC then aborts). One load and compare when unset.
    if ctx.server.maxmemory() != 0 && out_of_memory(ctx, spec) {
        return Err(CmdError::Other(
            "OOM command not allowed when used memory > 'maxmemory'.",
        ));
    }
    // A MONITOR client is a replica to Valkey, kept off the keyspace.
    if spec.flags & (table::flags::READONLY | table::flags::WRITE | table::flags::MAY_REPLICATE)
        != 0
        && ctx.server.monitors.contains(ctx.client.id)
    {
        return Err(CmdError::Other(
            "ERR Replica can't interact with the keyspace",
        ));
    }
    if ctx.client.proto == resp::Protocol::Resp2
        && ctx.client.subs.any()
        && !pubsub::allowed_while_subscribed(spec.name)
    {
        return Err(CmdError::Owned(format!(
            "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
            spec.name
        )));
    }
    Ok(spec)
}

/// True when `spec` may grow the dataset (`denyoom`, or an EXEC whose transaction queued such
/// a command) and used memory stays above `maxmemory` (set: the caller checked) after the
/// policy evicted what it could; as Valkey, room is made before any command while over.
#[cold]
fn out_of_memory(ctx: &mut Ctx<'_>, spec: &CommandSpec) -> bool {
    use table::flags::DENYOOM;
    if !crate::evict::over_limit(ctx.server) {
        return false;
    }
    let room = crate::evict::make_room(ctx.server, ctx.config);
    // Invalidations of keys this client cached and eviction removed go out before the
    // command's reply, as in Valkey.
    let _ = ctx.client.handle.mailbox.drain_into(ctx.out.buffer());
    if room {
        return false;
    }
    let grows = spec.flags & DENYOOM != 0
        || (spec.name == "exec"
            && ctx
                .client
                .multi
                .as_ref()
                .is_some_and(|m| m.any_flag(DENYOOM)));
    grows
}

/// Client-side caching after a command: a tracking client's read-only command has its keys
/// remembered; CLIENT CACHING lasts one command (a whole transaction when given before
/// MULTI); BCAST clients hear of the keys this command wrote (a transaction's all at once,
/// after EXEC, one message per prefix as Valkey's end-of-event-loop broadcast).
fn track(ctx: &mut Ctx<'_>, spec: &CommandSpec, args: &Args<'_>) {
    let handle = &ctx.client.handle;
    let mut mode = lock(&handle.tracking);
    if mode.on {
        if spec.flags & table::flags::READONLY != 0 && mode.remembers() {
            ctx.server.tracking.remember(handle.id, args.keys());
        }
        if ctx.client.multi.is_none() && !spec.name.starts_with("client|") && !ctx.in_exec() {
            mode.caching = false;
        }
    }
    drop(mode);
    if !ctx.in_exec() {
        ctx.server.tracking.flush(ctx.server);
    }
}

/// Reports a command EXEC ran to the slow log, latency monitor and MONITOR.
fn observe_in_exec(ctx: &Ctx<'_>, spec: &CommandSpec, args: &Args<'_>, started: u64) {
    let usec = ctx
        .server
        .clock()
        .map_or(0, |c| c().saturating_sub(started));
    let outcome = match ctx.flow {
        Flow::SleepUntil(until) => crate::slowlog::Outcome::SleepsUntil(until),
        _ => crate::slowlog::Outcome::Done,
    };
    crate::slowlog::observe(
        ctx.server,
        ctx.config,
        ctx.client,
        args.from(0),
        Some(spec.name),
        spec.flags,
        usec,
        ctx.now_us,
        outcome,
        true,
    );
}

/// Runs a resolved command (directly, or queued by MULTI and run by EXEC).
fn run(ctx: &mut Ctx<'_>, spec: &'static CommandSpec, args: &Args<'_>) -> Result<(), CmdError> {
    let run = handler(spec.name).ok_or(CmdError::WrongArity(spec.name))?;
    // CLIENT NO-TOUCH ON: this client's reads leave access times alone, except TOUCH.
    let no_touch = ctx
        .client
        .handle
        .no_touch
        .load(crate::sync::Ordering::Relaxed)
        && spec.name != "touch";
    let keep_expired = ctx.server.pause.holds_expiry(ctx.now_ms);
    let _scope = crate::keyspace::CommandScope::new(no_touch, keep_expired, ctx.now_ms);
    let tracking = ctx.server.tracking.active();
    let collect = crate::notify::Collect::new(crate::notify::collect_for(
        ctx.config.notify_keyspace_events,
        tracking,
    ));
    let args = args.for_command(spec);
    let served = crate::blocking::ServedEvents::collect();
    // Inside EXEC each command is timed and reported on its own (EXEC itself is not
    // slow-logged); outside, the connection times and reports the request.
    let exec_started = ctx.in_exec().then(|| ctx.server.clock().map_or(0, |c| c()));
    let result = run(ctx, &args);
    if let Some(started) = exec_started {
        observe_in_exec(ctx, spec, &args, started);
    }
    // Pops of clients this command's writes served, after its own events (as Valkey serves
    // blocked clients after the command that fed them).
    for (class, event, db, key) in served.take() {
        ctx.notify_in(db, class, event, &key);
    }
    drop(served);
    if crate::notify::has_pending() {
        ctx.server.publish_events(ctx.config);
    }
    drop(collect);
    // Read again: a transaction may have turned tracking on for its later commands.
    if tracking || ctx.server.tracking.active() {
        track(ctx, spec, &args);
    }
    // Counted per connection (no shared cache line on the hot path); INFO sums them.
    ctx.client
        .handle
        .commands
        .fetch_add(1, crate::sync::Ordering::Relaxed);
    // Large values the command replaced or found expired, freed with its locks released
    // (a transaction's, once EXEC has released them).
    if !ctx.in_exec() {
        crate::lazyfree::release(ctx.server);
    }
    result
}
