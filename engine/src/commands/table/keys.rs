//! Which arguments are keys, from the key specs alone: Valkey's `getKeysUsingKeySpecs` and
//! `getKeysFromCommandWithSpecs` (db.c), without allocation beyond the caller's `Vec`.
//!
//! `args` is always the whole request, command name first (and, for a subcommand, the
//! subcommand name second): key-spec indexes count from the command name.
//!
//! Valkey falls back to a command-specific key function (`get_keys_function` in the spec,
//! [`CommandSpec::has_get_keys_function`]) where the specs cannot answer. This module does not
//! implement those functions; it says so with [`KeySearch::NeedsGetKeysFunction`] and leaves the
//! rest to the command's implementation. That happens for:
//!
//! - `SORT`, `SORT_RO`: their `STORE`/`BY`/`GET` specs are `unknown`, so always;
//! - `MIGRATE`: its `KEYS` spec is `INCOMPLETE`, so always;
//! - `EVAL*`, `FCALL*`, `ZUNION*`/`ZINTER*`/`ZDIFF*`, `LMPOP`/`BLMPOP`/`ZMPOP`/`BZMPOP`,
//!   `SINTERCARD`, `ZINTERCARD`: when `numkeys` is 0, not an integer, negative or larger than the
//!   arguments (the specs then fail; Valkey's functions report 0 keys or a syntax error);
//! - `SET`, `BITFIELD` in [`get_keys`] only: their key flags vary with the arguments
//!   (`VARIABLE_FLAGS`). Their key *positions* are exact, so [`key_positions`] answers them.
//!
//! A key-less result for a command with no such function is [`KeySearch::Invalid`] when the
//! specs rejected the arguments (Valkey then reports 0 keys), and [`KeySearch::Found`] with
//! nothing added when the command simply has no key specs.

use resp::int::parse_i64;

use super::{key_flags, BeginSearch, CommandSpec, FindKeys, KeySpec};

/// One key argument and the flags of the key spec that found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyRef {
    /// Index into the request's arguments (the command name is 0).
    pub index: usize,
    /// The spec's [`key_flags`] bits.
    pub flags: u64,
}

/// The specs could not locate the keys in these arguments (an `unknown` or `INCOMPLETE` spec, a
/// bad `numkeys`, or a range past the end of the arguments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidKeySpec;

/// How a key search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySearch {
    /// The keys (possibly none) were appended to the output.
    Found,
    /// The specs cannot answer and Valkey would call the command's own key function; nothing
    /// was appended.
    NeedsGetKeysFunction,
    /// The specs rejected the arguments and the command has no key function; nothing was
    /// appended (Valkey reports no keys).
    Invalid,
}

/// Options of [`keys_from_specs`], Valkey's `GET_KEYSPEC_*` search flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchOptions {
    /// Also return the arguments of `NOT_KEY` specs (`GET_KEYSPEC_INCLUDE_NOT_KEYS`).
    pub include_not_keys: bool,
    /// Skip invalid or incomplete specs and keep the keys of the others
    /// (`GET_KEYSPEC_RETURN_PARTIAL`) instead of failing as a whole.
    pub return_partial: bool,
}

/// Where found keys go: positions only, or positions with flags.
trait KeySink {
    fn push(&mut self, index: usize, flags: u64);
    fn len(&self) -> usize;
    fn truncate(&mut self, len: usize);
}

impl KeySink for Vec<usize> {
    fn push(&mut self, index: usize, _flags: u64) {
        Vec::push(self, index);
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

impl KeySink for smallvec::SmallVec<[usize; 16]> {
    fn push(&mut self, index: usize, _flags: u64) {
        smallvec::SmallVec::push(self, index);
    }
    fn len(&self) -> usize {
        smallvec::SmallVec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        smallvec::SmallVec::truncate(self, len);
    }
}

impl KeySink for Vec<KeyRef> {
    fn push(&mut self, index: usize, flags: u64) {
        Vec::push(self, KeyRef { index, flags });
    }
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn truncate(&mut self, len: usize) {
        Vec::truncate(self, len);
    }
}

/// Appends to `out` the keys `spec`'s key specs find in `args`, exactly as Valkey's
/// `getKeysUsingKeySpecs`. On error nothing is appended (unless `return_partial`, which skips
/// the failing specs instead).
pub fn keys_from_specs<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
    options: SearchOptions,
    out: &mut Vec<KeyRef>,
) -> Result<(), InvalidKeySpec> {
    search(spec, args, options, out)
}

/// The keys of a request with their flags, as Valkey's `getKeysFromCommandWithSpecs` (used by
/// `COMMAND GETKEYS[ANDFLAGS]`): the key specs when they are complete and their flags fixed,
/// else the command's key function ([`KeySearch::NeedsGetKeysFunction`]).
pub fn get_keys<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
    out: &mut Vec<KeyRef>,
) -> KeySearch {
    let varflags = spec
        .key_specs
        .iter()
        .any(|k| k.flags & key_flags::VARIABLE_FLAGS != 0);
    find(spec, args, !varflags, out)
}

/// The key positions of a request, for routing and locking: like [`get_keys`], except that
/// specs with `VARIABLE_FLAGS` are used as well, since only their flags vary, not where the
/// keys are.
pub fn key_positions<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
    out: &mut Vec<usize>,
) -> KeySearch {
    find(spec, args, true, out)
}

/// [`key_positions`] into a stack buffer: what the lock manager uses for every command, so
/// locking a multi-key command allocates nothing for up to 16 keys.
pub fn key_positions_inline<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
) -> (smallvec::SmallVec<[usize; 16]>, KeySearch) {
    let mut out = smallvec::SmallVec::new();
    let found = find(spec, args, true, &mut out);
    (out, found)
}

fn find<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
    use_specs: bool,
    out: &mut impl KeySink,
) -> KeySearch {
    let has_keyspec = spec
        .key_specs
        .iter()
        .any(|k| k.flags & key_flags::NOT_KEY == 0);
    let mut failed = false;
    if has_keyspec && use_specs {
        match search(spec, args, SearchOptions::default(), out) {
            Ok(()) => return KeySearch::Found,
            Err(InvalidKeySpec) => failed = true,
        }
    }
    if spec.has_get_keys_function {
        KeySearch::NeedsGetKeysFunction
    } else if failed {
        KeySearch::Invalid
    } else {
        KeySearch::Found
    }
}

/// Valkey's `getKeysUsingKeySpecs`, statement for statement (indexes in `i64` so that no
/// argument count can overflow them).
fn search<A: AsRef<[u8]>>(
    spec: &CommandSpec,
    args: &[A],
    options: SearchOptions,
    out: &mut impl KeySink,
) -> Result<(), InvalidKeySpec> {
    let start_len = out.len();
    let argc = args.len() as i64;
    for ks in spec.key_specs {
        if ks.flags & key_flags::NOT_KEY != 0 && !options.include_not_keys {
            continue;
        }
        match one_spec(ks, args, argc, out) {
            Ok(()) => {}
            Err(InvalidKeySpec) if options.return_partial => {}
            Err(InvalidKeySpec) => {
                out.truncate(start_len);
                return Err(InvalidKeySpec);
            }
        }
    }
    Ok(())
}

/// One key spec. `Ok` also when a keyword is absent (the spec then finds nothing).
fn one_spec<A: AsRef<[u8]>>(
    ks: &KeySpec,
    args: &[A],
    argc: i64,
    out: &mut impl KeySink,
) -> Result<(), InvalidKeySpec> {
    let arg = |i: i64| args[i as usize].as_ref();
    let mut first: i64 = match ks.begin_search {
        BeginSearch::Index(pos) => i64::from(pos),
        BeginSearch::Keyword { keyword, startfrom } => {
            let startfrom = i64::from(startfrom);
            let (start, end) = if startfrom > 0 {
                (startfrom, argc - 1)
            } else {
                (argc + startfrom, 1)
            };
            // The end index itself is never examined: a keyword there could not be followed
            // by a key.
            let mut found = 0;
            let mut i = start;
            while i != end {
                if i >= argc || i < 1 {
                    break;
                }
                if arg(i).eq_ignore_ascii_case(keyword.as_bytes()) {
                    found = i + 1;
                    break;
                }
                i = if start <= end { i + 1 } else { i - 1 };
            }
            if found == 0 {
                return Ok(());
            }
            found
        }
        BeginSearch::Unknown => return Err(InvalidKeySpec),
    };
    let (last, step) = match ks.find_keys {
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            let lastkey = i64::from(lastkey);
            let last = if lastkey >= 0 {
                first + lastkey
            } else if limit == 0 {
                argc + lastkey
            } else {
                // Valkey asserts lastkey == -1 here; C division truncates like Rust's.
                first + ((argc - first) / i64::from(limit) + lastkey)
            };
            (last, i64::from(keystep))
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            let at = first + i64::from(keynumidx);
            // Valkey checks `keynumidx >= argc` and then reads `argv[first + keynumidx]`;
            // checking the index actually read is the memory-safe version of the same test.
            if i64::from(keynumidx) >= argc || at >= argc || at < 0 {
                return Err(InvalidKeySpec);
            }
            let numkeys = match parse_i64(arg(at)) {
                Some(n) if n >= 0 => n,
                _ => return Err(InvalidKeySpec),
            };
            first += i64::from(firstkey);
            // `(int)numkeys` in Valkey: the count is truncated to 32 bits.
            (first + i64::from(numkeys as i32) - 1, i64::from(keystep))
        }
        FindKeys::Unknown => return Err(InvalidKeySpec),
    };
    // First or last out of bounds: a syntax error.
    if last >= argc || last < first || first >= argc || first < 0 || step <= 0 {
        return Err(InvalidKeySpec);
    }
    let mut i = first;
    while i <= last {
        out.push(i as usize, ks.flags);
        i += step;
    }
    // An incomplete spec fails the search, after its keys were added (kept only by
    // `return_partial`).
    if ks.flags & key_flags::INCOMPLETE != 0 {
        return Err(InvalidKeySpec);
    }
    Ok(())
}
