//! ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD (Valkey's
//! `zunionInterDiffGenericCommand`). Inputs may be sorted sets or plain sets, whose members
//! count with score 1.

use std::collections::HashMap;

use super::score::parse_float;
use super::{positive, reply_pairs, store_result};
use crate::commands::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry};
use crate::sync::Shared;
use crate::value::{Set, Value, ZSet};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Folds `v` into `target` (`zunionInterAggregate`): `inf + -inf` sums to 0.
    fn apply(self, target: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *target += v;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if v < *target {
                    *target = v;
                }
            }
            Aggregate::Max => {
                if v > *target {
                    *target = v;
                }
            }
        }
    }
}

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "zunion" => |c, a| combine(c, a, Op::Union, false, false),
        "zinter" => |c, a| combine(c, a, Op::Inter, false, false),
        "zdiff" => |c, a| combine(c, a, Op::Diff, false, false),
        "zunionstore" => |c, a| combine(c, a, Op::Union, true, false),
        "zinterstore" => |c, a| combine(c, a, Op::Inter, true, false),
        "zdiffstore" => |c, a| combine(c, a, Op::Diff, true, false),
        "zintercard" => |c, a| combine(c, a, Op::Inter, false, true),
        _ => return None,
    })
}

/// One input: a missing key reads as empty. Payloads are shared, not copied.
enum Source {
    Missing,
    Sorted(Shared<ZSet>),
    Plain(Shared<Set>),
}

impl Source {
    fn len(&self) -> usize {
        match self {
            Source::Missing => 0,
            Source::Sorted(z) => z.len(),
            Source::Plain(s) => s.len(),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::Sorted(z) => z.score(member),
            Source::Plain(s) => s.contains(member).then_some(1.0),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Missing => {}
            Source::Sorted(z) => z.iter().for_each(|(m, s)| f(m, s)),
            Source::Plain(s) => s.for_each(|m| f(m, 1.0)),
        }
    }
}

fn combine(
    ctx: &mut Ctx<'_>,
    args: &Args<'_>,
    op: Op,
    store: bool,
    card_only: bool,
) -> Result<(), CmdError> {
    let numkeys_at = if store { 2 } else { 1 };
    let setnum = args.i64(numkeys_at)?;
    if setnum < 1 {
        let name = String::from_utf8_lossy(args.arg(0)).to_ascii_lowercase();
        return Err(CmdError::Owned(format!(
            "ERR at least 1 input key is needed for '{name}' command"
        )));
    }
    let first_key = numkeys_at + 1;
    if setnum as u64 > (args.len() - first_key) as u64 {
        return Err(CmdError::Syntax);
    }
    let setnum = setnum as usize;
    let keys = &args.from(first_key)[..setnum];
    let dst = store.then(|| args.arg(1));
    let mut guards = ctx
        .db()
        .lock_keys(dst.into_iter().chain(keys.iter().copied()));

    // Inputs are looked up (and type-checked) before the options are parsed, as in Valkey.
    let mut sources: Vec<(Source, f64)> = Vec::with_capacity(setnum);
    for key in keys {
        let shard = guards.get_mut(Db::shard_of(key));
        let src = match shard.read(key, ctx.now_ms) {
            None => Source::Missing,
            Some(Entry {
                value: Value::ZSet(z),
                ..
            }) => Source::Sorted(z.clone()),
            Some(Entry {
                value: Value::Set(s),
                ..
            }) => Source::Plain(s.clone()),
            Some(_) => return Err(CmdError::WrongType),
        };
        sources.push((src, 1.0));
    }

    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0usize;
    let mut j = first_key + setnum;
    while j < args.len() {
        let remaining = args.len() - j;
        if op != Op::Diff && !card_only && remaining > setnum && args.is(j, "weights") {
            for (i, src) in sources.iter_mut().enumerate() {
                src.1 = parse_float(args.arg(j + 1 + i))
                    .ok_or(CmdError::Other("ERR weight value is not a float"))?;
            }
            j += 1 + setnum;
        } else if op != Op::Diff && !card_only && remaining >= 2 && args.is(j, "aggregate") {
            aggregate = if args.is(j + 1, "sum") {
                Aggregate::Sum
            } else if args.is(j + 1, "min") {
                Aggregate::Min
            } else if args.is(j + 1, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            j += 2;
        } else if !store && !card_only && args.is(j, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && args.is(j, "limit") {
            limit = positive(args.arg(j + 1), "ERR LIMIT can't be negative")? as usize;
            j += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }

    if op != Op::Diff {
        // Smallest first (a stable sort, like glibc's merge-sorting qsort).
        sources.sort_by_key(|(s, _)| s.len());
    }

    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    match op {
        Op::Inter => {
            let (first, w0) = &sources[0];
            let mut cardinality = 0usize;
            let mut done = false;
            first.for_each(|m, s| {
                if done {
                    return;
                }
                let mut score = w0 * s;
                if score.is_nan() {
                    score = 0.0;
                }
                for (other, w) in &sources[1..] {
                    match other.score(m) {
                        Some(v) => aggregate.apply(&mut score, v * w),
                        None => return,
                    }
                }
                if card_only {
                    cardinality += 1;
                    done = limit != 0 && cardinality >= limit;
                } else {
                    result.push((m.to_vec(), score));
                }
            });
            if card_only {
                drop(guards);
                ctx.out.integer(cardinality as i64);
                return Ok(());
            }
        }
        Op::Union => {
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
            for (src, w) in &sources {
                src.for_each(|m, s| {
                    let mut score = w * s;
                    if score.is_nan() {
                        score = 0.0;
                    }
                    match acc.get_mut(m) {
                        Some(t) => aggregate.apply(t, score),
                        None => {
                            acc.insert(m.to_vec(), score);
                        }
                    }
                });
            }
            result = acc.into_iter().collect();
        }
        Op::Diff => {
            let (first, rest) = sources.split_first().expect("at least one input");
            first.0.for_each(|m, s| {
                if rest.iter().all(|(o, _)| o.score(m).is_none()) {
                    result.push((m.to_vec(), s));
                }
            });
        }
    }
    drop(sources);
    result.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });

    if let Some(dst) = dst {
        let enc = ctx.config.encodings;
        let longest = result.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let mut z = ZSet::with_hint(result.len(), longest, &enc);
        for (m, s) in &result {
            z.insert(m, *s, &enc);
        }
        let stored = store_result(ctx, guards.get_mut(Db::shard_of(dst)), dst, z, true);
        drop(guards);
        let event = match op {
            Op::Union => "zunionstore",
            Op::Inter => "zinterstore",
            Op::Diff => "zdiffstore",
        };
        stored.notify(ctx, crate::notify::class::ZSET, event, dst);
        return Ok(());
    }
    drop(guards);
    reply_pairs(
        ctx,
        result.len(),
        withscores,
        result.iter().map(|(m, s)| (&m[..], *s)),
    );
    Ok(())
}
