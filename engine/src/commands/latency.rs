//! LATENCY LATEST / HISTORY / GRAPH / DOCTOR / RESET / HISTOGRAM / HELP.

use super::table::{self, CommandSpec};
use super::{Args, CmdError, Ctx, Handler};
use crate::latency::{self, DoctorConfig};
use crate::stats::{CommandStat, Stats};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "latency|latest" => latest,
        "latency|history" => history,
        "latency|graph" => graph,
        "latency|doctor" => doctor,
        "latency|reset" => reset,
        "latency|histogram" => histogram,
        "latency|help" => |c, _| {
            table::introspection::help_lines(&mut c.out, HELP);
            Ok(())
        },
        _ => return None,
    })
}

/// Valkey's LATENCY HELP text, line for line.
const HELP: &[&str] = &[
    "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
    "HELP",
    "    Print this help.",
];

/// `[event, time, latest ms, all-time max ms, sum of all samples, samples]` per event.
fn latest(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let events = ctx.server.latency.snapshot();
    ctx.out.array(events.len());
    for (name, series) in &events {
        let (time, ms) = series.latest();
        ctx.out.array(6);
        ctx.out.bulk(name.as_bytes());
        ctx.out.integer(time as i64);
        ctx.out.integer(ms as i64);
        ctx.out.integer(series.max as i64);
        ctx.out.integer(series.sum as i64);
        ctx.out.integer(series.count as i64);
    }
    Ok(())
}

/// `[time, ms]` per sample of one event, oldest first.
fn history(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let samples = ctx
        .server
        .latency
        .get(args.arg(2))
        .map(|(_, s)| s.history())
        .unwrap_or_default();
    ctx.out.array(samples.len());
    for (time, ms) in samples {
        ctx.out.array(2);
        ctx.out.integer(time as i64);
        ctx.out.integer(ms as i64);
    }
    Ok(())
}

fn graph(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let Some((name, series)) = ctx.server.latency.get(args.arg(2)) else {
        return Err(CmdError::Owned(format!(
            "ERR No samples available for event '{}'",
            String::from_utf8_lossy(args.arg(2))
        )));
    };
    let text = latency::graph(&name, &series, ctx.now_ms / 1000);
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

fn doctor(ctx: &mut Ctx<'_>, _: &Args<'_>) -> Result<(), CmdError> {
    let cfg = DoctorConfig {
        threshold: ctx.config.latency_monitor_threshold,
        slowlog_slower_than: ctx.config.slowlog_log_slower_than,
        slowlog_max_len: ctx.config.slowlog_max_len,
        hz: u64::from(ctx.config.hz),
    };
    let text = latency::doctor(&ctx.server.latency.snapshot(), cfg, ctx.now_ms / 1000);
    ctx.out.verbatim(*b"txt", text.as_bytes());
    Ok(())
}

/// RESET [event …]: how many events were forgotten.
fn reset(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let n = if args.len() == 2 {
        ctx.server.latency.reset(None)
    } else {
        args.from(2)
            .iter()
            .map(|e| ctx.server.latency.reset(Some(e)))
            .sum()
    };
    ctx.out.integer(n as i64);
    Ok(())
}

/// HISTOGRAM [command …]: per command that ran, `calls` and the cumulative
/// `histogram_usec` buckets; a named container lists its subcommands too, unknown names
/// are skipped.
fn histogram(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let stats = ctx.server.stats();
    let mut picked: Vec<(&'static str, CommandStat)> = Vec::new();
    let mut pick = |spec: &'static CommandSpec| {
        if let Some(s) = stats_of(&stats, spec) {
            picked.push((spec.name, s));
        }
    };
    if args.len() == 2 {
        for spec in table::commands() {
            pick(spec);
            spec.subcommands.iter().for_each(&mut pick);
        }
    } else {
        for name in args.from(2) {
            let Some(spec) = table::lookup_fullname(name) else {
                continue;
            };
            pick(spec);
            spec.subcommands.iter().for_each(&mut pick);
        }
    }
    let w = &mut ctx.out;
    w.map(picked.len());
    for (name, s) in &picked {
        w.bulk(name.as_bytes());
        w.map(2);
        w.bulk(b"calls");
        w.integer(s.calls as i64);
        w.bulk(b"histogram_usec");
        let buckets = latency::cumulative(&s.hist);
        w.map(buckets.len());
        for (label, count) in buckets {
            w.integer(label as i64);
            w.integer(count as i64);
        }
    }
    Ok(())
}

/// The counters of a command that ran at least once.
fn stats_of(stats: &Stats, spec: &CommandSpec) -> Option<CommandStat> {
    stats
        .commands
        .get(spec.name)
        .filter(|s| s.calls > 0)
        .copied()
}
