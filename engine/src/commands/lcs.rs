//! LCS: the longest common subsequence of two strings. It follows Valkey's `lcsCommand` step
//! by step (the full dynamic-programming table, then one backtrack from the end) so that when
//! several subsequences are equally long, the same one and the same match ranges come back.

use super::{Args, CmdError, Ctx, Handler};
use crate::keyspace::{Db, Entry, Shard};
use crate::value::{Str, Value};

pub(super) fn handler(name: &str) -> Option<Handler> {
    Some(match name {
        "lcs" => lcs,
        _ => return None,
    })
}

/// One matching run: inclusive index ranges in each string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Match {
    a: (u32, u32),
    b: (u32, u32),
}

impl Match {
    fn len(&self) -> u32 {
        self.a.1 - self.a.0 + 1
    }
}

/// The string at `key` for LCS: a missing key reads as "", another type is LCS's own error
/// (not WRONGTYPE).
fn lcs_operand(shard: &mut Shard, key: &[u8], now_ms: u64) -> Result<Option<Str>, CmdError> {
    match shard.read(key, now_ms) {
        None => Ok(None),
        Some(Entry {
            value: Value::Str(s),
            ..
        }) => Ok(Some(s.clone())),
        Some(_) => Err(CmdError::Other(
            "ERR The specified keys must contain string values",
        )),
    }
}

/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]`. Valkey checks types first,
/// then options, then size limits.
fn lcs(ctx: &mut Ctx<'_>, args: &Args<'_>) -> Result<(), CmdError> {
    let (ka, kb) = (args.arg(1), args.arg(2));
    let (a, b) = {
        let mut guards = ctx.db().lock_keys(args.keys());
        let a = lcs_operand(guards.get_mut(Db::shard_of(ka)), ka, ctx.now_ms);
        let b = lcs_operand(guards.get_mut(Db::shard_of(kb)), kb, ctx.now_ms);
        (
            a?.map_or_else(Vec::new, |s| s.to_vec()),
            b?.map_or_else(Vec::new, |s| s.to_vec()),
        )
    };

    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len = 0i64;
    let mut i = 3;
    while i < args.len() {
        if args.is(i, "idx") {
            get_idx = true;
        } else if args.is(i, "len") {
            get_len = true;
        } else if args.is(i, "withmatchlen") {
            with_match_len = true;
        } else if args.is(i, "minmatchlen") && i + 1 < args.len() {
            min_match_len = args.i64(i + 1)?.max(0);
            i += 1;
        } else {
            return Err(CmdError::Syntax);
        }
        i += 1;
    }
    if get_len && get_idx {
        return Err(CmdError::Other(
            "ERR If you want both the length and indexes, please just use IDX.",
        ));
    }
    if a.len() as u64 >= u64::from(u32::MAX - 1) || b.len() as u64 >= u64::from(u32::MAX - 1) {
        return Err(CmdError::Other("ERR String too long for LCS"));
    }

    let table = Table::new(&a, &b, ctx.config.proto_max_bulk_len)?;
    let total = table.at(a.len(), b.len());
    if get_len && !get_idx {
        ctx.out.integer(i64::from(total));
        return Ok(());
    }
    let (common, matches) = table.backtrack(&a, &b, total);
    if !get_idx {
        ctx.out.bulk(&common);
        return Ok(());
    }
    let shown: Vec<&Match> = matches
        .iter()
        .filter(|m| min_match_len == 0 || i64::from(m.len()) >= min_match_len)
        .collect();
    ctx.out.map(2);
    ctx.out.bulk(b"matches");
    ctx.out.array(shown.len());
    for m in shown {
        ctx.out.array(2 + usize::from(with_match_len));
        for (start, end) in [m.a, m.b] {
            ctx.out.array(2);
            ctx.out.integer(i64::from(start));
            ctx.out.integer(i64::from(end));
        }
        if with_match_len {
            ctx.out.integer(i64::from(m.len()));
        }
    }
    ctx.out.bulk(b"len");
    ctx.out.integer(i64::from(total));
    Ok(())
}

/// Valkey's LCS table: cell `(i, j)` holds the LCS length of `a[..i]` and `b[..j]`, stored
/// row by row in `u32`s.
struct Table {
    cells: Vec<u32>,
    width: usize,
}

impl Table {
    /// Fills the table. Like Valkey, refuses when it would take more than `proto-max-bulk-len`
    /// bytes, or when the allocation fails.
    fn new(a: &[u8], b: &[u8], limit: usize) -> Result<Table, CmdError> {
        let width = b.len() + 1;
        let failed =
            CmdError::Other("ERR Insufficient memory, failed allocating transient memory for LCS");
        let cells_n = (a.len() as u64 + 1) * width as u64;
        let bytes = cells_n.checked_mul(4).ok_or(failed.clone())?;
        if bytes > limit as u64 {
            return Err(CmdError::Other(
                "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len",
            ));
        }
        let mut cells: Vec<u32> = Vec::new();
        cells
            .try_reserve_exact(cells_n as usize)
            .map_err(|_| failed)?;
        cells.resize(width, 0);
        for (i, &ca) in a.iter().enumerate() {
            let (prev, row) = (i * width, (i + 1) * width);
            cells.push(0);
            for (j, &cb) in b.iter().enumerate() {
                let v = if ca == cb {
                    cells[prev + j] + 1
                } else {
                    cells[prev + j + 1].max(cells[row + j])
                };
                cells.push(v);
            }
        }
        Ok(Table { cells, width })
    }

    fn at(&self, i: usize, j: usize) -> u32 {
        self.cells[i * self.width + j]
    }

    /// Walks back from the bottom-right corner: on equal bytes take the byte and step
    /// diagonally, otherwise step towards the larger neighbour (`j` on a tie). Returns the
    /// subsequence and every contiguous run, last run first, as Valkey emits them.
    fn backtrack(&self, a: &[u8], b: &[u8], total: u32) -> (Vec<u8>, Vec<Match>) {
        let mut common = vec![0u8; total as usize];
        let mut idx = total as usize;
        let mut matches = Vec::new();
        let mut run: Option<Match> = None;
        let (mut i, mut j) = (a.len(), b.len());
        while i > 0 && j > 0 {
            let mut emit = false;
            if a[i - 1] == b[j - 1] {
                common[idx - 1] = a[i - 1];
                let (pi, pj) = ((i - 1) as u32, (j - 1) as u32);
                match &mut run {
                    None => {
                        run = Some(Match {
                            a: (pi, pi),
                            b: (pj, pj),
                        })
                    }
                    // Extend the run backwards while it stays contiguous in both strings.
                    Some(m) if m.a.0 == pi + 1 && m.b.0 == pj + 1 => {
                        m.a.0 = pi;
                        m.b.0 = pj;
                    }
                    Some(_) => emit = true,
                }
                // A run touching the start of either string is complete.
                if run.is_some_and(|m| m.a.0 == 0 || m.b.0 == 0) {
                    emit = true;
                }
                idx -= 1;
                i -= 1;
                j -= 1;
            } else {
                if self.at(i - 1, j) > self.at(i, j - 1) {
                    i -= 1;
                } else {
                    j -= 1;
                }
                emit = run.is_some();
            }
            if emit {
                matches.extend(run.take());
            }
        }
        (common, matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from Valkey 9.1.2: `LCS a b IDX WITHMATCHLEN` with a=ohmytext,
    // b=mynewtext answers matches [[4,7],[5,8],4], [[2,3],[0,1],2] and len 6.
    #[test]
    fn backtrack_matches_valkey() {
        let (a, b) = (b"ohmytext", b"mynewtext");
        let table = Table::new(a, b, usize::MAX).unwrap();
        let total = table.at(a.len(), b.len());
        assert_eq!(total, 6);
        let (common, matches) = table.backtrack(a, b, total);
        assert_eq!(common, b"mytext");
        assert_eq!(
            matches,
            [
                Match {
                    a: (4, 7),
                    b: (5, 8)
                },
                Match {
                    a: (2, 3),
                    b: (0, 1)
                },
            ]
        );
        assert_eq!(matches[0].len(), 4);
    }

    #[test]
    fn table_size_limit_is_four_bytes_per_cell() {
        // (3 + 1) * (3 + 1) cells of 4 bytes = 64 bytes.
        assert!(Table::new(b"abc", b"abd", 64).is_ok());
        assert_eq!(
            Table::new(b"abc", b"abd", 63).err(),
            Some(CmdError::Other(
                "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
            ))
        );
    }
}
