//! The command table: one static [`CommandSpec`] per command Valkey documents, generated from
//! Valkey's JSON command specs (`generated.rs`, by `cargo xtask codegen`), with lookup, arity
//! and key-position helpers and the `COMMAND` replies ([`introspection`]).
//!
//! The data is what Valkey 9 reports through `COMMAND INFO` / `COMMAND DOCS`: declared flags,
//! ACL categories with the implicit ones Valkey adds (`setImplicitACLCategories`), key specs,
//! the legacy `(first, last, step)` triple and the `movablekeys` flag derived from the key
//! specs exactly as `populateCommandLegacyRangeSpec` derives them, tips, and the docs.
//! Sentinel-only commands are left out.
//!
//! Top-level commands are sorted by name and so are each command's subcommands, which makes
//! every lookup a binary search with an ASCII case-insensitive comparison and no allocation.

use std::cmp::Ordering;

// The generator lays the table out itself (nested argument trees read better that way) and
// `cargo xtask codegen --check` keeps it byte-identical to the generator's output.
#[rustfmt::skip]
mod generated;
mod bits;
pub mod introspection;
mod keys;
#[cfg(test)]
mod tests;

pub use bits::{acl, arg_flags, doc_flags, flags, key_flags};
pub use keys::{
    get_keys, key_positions, key_positions_inline, keys_from_specs, InvalidKeySpec, KeyRef,
    KeySearch, SearchOptions,
};

/// One command or subcommand.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase full name as Valkey prints it: `get`, or `client|list` for a subcommand.
    pub name: &'static str,
    /// Arity including the command name (and the subcommand name): `n > 0` exactly `n`
    /// arguments, `n < 0` at least `-n`.
    pub arity: i32,
    /// [`flags`] bits: the declared flags plus the derived [`flags::MOVABLE_KEYS`].
    pub flags: u64,
    /// [`acl`] bits: the declared categories plus Valkey's implicit ones.
    pub acl_categories: u64,
    /// Where the keys are in the arguments.
    pub key_specs: &'static [KeySpec],
    /// The legacy `(first key, last key, step)` triple `COMMAND INFO` reports.
    pub legacy_range: LegacyRange,
    /// Command tips (`nondeterministic_output`, `request_policy:all_shards`, ...), lowercase.
    pub tips: &'static [&'static str],
    /// Subcommands, sorted by name; empty for plain commands.
    pub subcommands: &'static [CommandSpec],
    /// Valkey finds this command's keys with a command-specific function
    /// (`get_keys_function` in the spec) when the key specs are not enough.
    pub has_get_keys_function: bool,
    /// What `COMMAND DOCS` reports.
    pub docs: CommandDocs,
}

/// The documentation part of a [`CommandSpec`].
#[derive(Debug)]
pub struct CommandDocs {
    /// One-line summary.
    pub summary: &'static str,
    /// The Redis/Valkey version that added the command.
    pub since: &'static str,
    /// The command group.
    pub group: Group,
    /// Time complexity, when documented.
    pub complexity: Option<&'static str>,
    /// [`doc_flags`] bits.
    pub doc_flags: u8,
    /// The version that deprecated the command.
    pub deprecated_since: Option<&'static str>,
    /// What replaces a deprecated command.
    pub replaced_by: Option<&'static str>,
    /// `(version, change)` pairs.
    pub history: &'static [(&'static str, &'static str)],
    /// The argument tree.
    pub arguments: &'static [Arg],
}

/// A command group, as `COMMAND DOCS` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// `generic`
    Generic,
    /// `string`
    String,
    /// `list`
    List,
    /// `set`
    Set,
    /// `sorted-set`
    SortedSet,
    /// `hash`
    Hash,
    /// `pubsub`
    Pubsub,
    /// `transactions`
    Transactions,
    /// `connection`
    Connection,
    /// `server`
    Server,
    /// `scripting`
    Scripting,
    /// `hyperloglog`
    Hyperloglog,
    /// `cluster`
    Cluster,
    /// `sentinel`
    Sentinel,
    /// `geo`
    Geo,
    /// `stream`
    Stream,
    /// `bitmap`
    Bitmap,
    /// `module`
    Module,
}

impl Group {
    /// The name `COMMAND DOCS` prints (Valkey's `commandGroupStr`).
    pub const fn name(self) -> &'static str {
        match self {
            Group::Generic => "generic",
            Group::String => "string",
            Group::List => "list",
            Group::Set => "set",
            Group::SortedSet => "sorted-set",
            Group::Hash => "hash",
            Group::Pubsub => "pubsub",
            Group::Transactions => "transactions",
            Group::Connection => "connection",
            Group::Server => "server",
            Group::Scripting => "scripting",
            Group::Hyperloglog => "hyperloglog",
            Group::Cluster => "cluster",
            Group::Sentinel => "sentinel",
            Group::Geo => "geo",
            Group::Stream => "stream",
            Group::Bitmap => "bitmap",
            Group::Module => "module",
        }
    }
}

/// One key spec: where a group of keys starts (`begin_search`) and how far it goes
/// (`find_keys`).
#[derive(Debug)]
pub struct KeySpec {
    /// Free-text notes, when the spec has them.
    pub notes: Option<&'static str>,
    /// [`key_flags`] bits.
    pub flags: u64,
    /// Where the search starts.
    pub begin_search: BeginSearch,
    /// Which arguments from there are keys.
    pub find_keys: FindKeys,
}

/// The first step of a key spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeginSearch {
    /// Not describable; the command's own key function decides.
    Unknown,
    /// The keys start at this argument index.
    Index(i32),
    /// The keys start right after `keyword`, searched from `startfrom` (negative: from the
    /// end, backwards).
    Keyword {
        /// The keyword, compared ASCII case-insensitively.
        keyword: &'static str,
        /// Where to start the search.
        startfrom: i32,
    },
}

/// The second step of a key spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindKeys {
    /// Not describable.
    Unknown,
    /// A range from the begin-search position.
    Range {
        /// Last key relative to the start; negative counts from the end of the arguments
        /// (`-1` the last argument).
        lastkey: i32,
        /// Distance between keys.
        keystep: i32,
        /// With `lastkey == -1`: only the first `1/limit` of the remaining arguments
        /// (0 = no limit).
        limit: i32,
    },
    /// A count argument followed by the keys.
    Keynum {
        /// Index of the count, relative to the begin-search position.
        keynumidx: i32,
        /// Index of the first key, relative to the begin-search position.
        firstkey: i32,
        /// Distance between keys.
        keystep: i32,
    },
}

/// The legacy `(first, last, step)` key triple of `COMMAND INFO`: `last` is absolute, or
/// negative counting from the end; all zero when the key specs cannot be expressed that way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyRange {
    /// Index of the first key (0: none).
    pub first: i32,
    /// Index of the last key, or negative from the end.
    pub last: i32,
    /// Distance between keys.
    pub step: i32,
}

/// An argument's type, as `COMMAND DOCS` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// `string`
    String,
    /// `integer`
    Integer,
    /// `double`
    Double,
    /// `key`
    Key,
    /// `pattern`
    Pattern,
    /// `unix-time`
    UnixTime,
    /// `pure-token`
    PureToken,
    /// `oneof`
    Oneof,
    /// `block`
    Block,
}

impl ArgType {
    /// The name `COMMAND DOCS` prints.
    pub const fn name(self) -> &'static str {
        match self {
            ArgType::String => "string",
            ArgType::Integer => "integer",
            ArgType::Double => "double",
            ArgType::Key => "key",
            ArgType::Pattern => "pattern",
            ArgType::UnixTime => "unix-time",
            ArgType::PureToken => "pure-token",
            ArgType::Oneof => "oneof",
            ArgType::Block => "block",
        }
    }
}

/// One node of a command's argument tree.
#[derive(Debug)]
pub struct Arg {
    /// Lowercase name.
    pub name: &'static str,
    /// Type.
    pub kind: ArgType,
    /// How to show the argument, when it differs from `name`.
    pub display_text: Option<&'static str>,
    /// Index into the command's key specs, for key arguments.
    pub key_spec_index: Option<u32>,
    /// The (uppercase) token that introduces the argument.
    pub token: Option<&'static str>,
    /// A short description.
    pub summary: Option<&'static str>,
    /// The version that added the argument.
    pub since: Option<&'static str>,
    /// The version that deprecated the argument.
    pub deprecated_since: Option<&'static str>,
    /// [`arg_flags`] bits.
    pub flags: u8,
    /// Children of a `oneof` or `block`.
    pub arguments: &'static [Arg],
}

impl Arg {
    /// An argument with only a name and a type; the other methods add the rest.
    pub const fn new(name: &'static str, kind: ArgType) -> Self {
        Arg {
            name,
            kind,
            display_text: None,
            key_spec_index: None,
            token: None,
            summary: None,
            since: None,
            deprecated_since: None,
            flags: 0,
            arguments: &[],
        }
    }

    /// Sets the display text.
    pub const fn display(mut self, text: &'static str) -> Self {
        self.display_text = Some(text);
        self
    }

    /// Sets the key-spec index.
    pub const fn key_spec(mut self, index: u32) -> Self {
        self.key_spec_index = Some(index);
        self
    }

    /// Sets the token.
    pub const fn token(mut self, token: &'static str) -> Self {
        self.token = Some(token);
        self
    }

    /// Sets the summary.
    pub const fn summary(mut self, summary: &'static str) -> Self {
        self.summary = Some(summary);
        self
    }

    /// Sets the version that added the argument.
    pub const fn since(mut self, version: &'static str) -> Self {
        self.since = Some(version);
        self
    }

    /// Sets the version that deprecated the argument.
    pub const fn deprecated_since(mut self, version: &'static str) -> Self {
        self.deprecated_since = Some(version);
        self
    }

    /// Adds [`arg_flags`] bits.
    pub const fn flags(mut self, flags: u8) -> Self {
        self.flags |= flags;
        self
    }

    /// Sets the children of a `oneof` or `block`.
    pub const fn args(mut self, arguments: &'static [Arg]) -> Self {
        self.arguments = arguments;
        self
    }
}

/// The legacy range and whether the specs make the command's keys movable, exactly as Valkey's
/// `populateCommandLegacyRangeSpec`: one index+range spec is taken as is; otherwise
/// consecutive index+range specs with step 1 are glued, and any other spec (or a spec with the
/// `INCOMPLETE` flag) makes the keys movable.
pub const fn legacy_range(specs: &[KeySpec]) -> (LegacyRange, bool) {
    const NONE: LegacyRange = LegacyRange {
        first: 0,
        last: 0,
        step: 0,
    };
    if specs.is_empty() {
        return (NONE, false);
    }
    if specs.len() == 1 {
        if let (
            BeginSearch::Index(pos),
            FindKeys::Range {
                lastkey, keystep, ..
            },
        ) = (specs[0].begin_search, specs[0].find_keys)
        {
            let range = LegacyRange {
                first: pos,
                last: if lastkey >= 0 { lastkey + pos } else { lastkey },
                step: keystep,
            };
            return (range, specs[0].flags & key_flags::INCOMPLETE != 0);
        }
    }
    let mut movable = false;
    let mut first = i32::MAX;
    // Valkey compares `lastkey` as unsigned so that a negative (from-the-end) value wins.
    let mut last: i32 = 0;
    let mut prev_last: i32 = 0;
    let mut i = 0;
    while i < specs.len() {
        let spec = &specs[i];
        i += 1;
        let (pos, lastkey, keystep) = match (spec.begin_search, spec.find_keys) {
            (
                BeginSearch::Index(pos),
                FindKeys::Range {
                    lastkey, keystep, ..
                },
            ) => (pos, lastkey, keystep),
            _ => {
                movable = true;
                continue;
            }
        };
        if keystep != 1 || (prev_last != 0 && prev_last != pos - 1) {
            movable = true;
            continue;
        }
        if spec.flags & key_flags::INCOMPLETE != 0 {
            movable = true;
        }
        if pos < first {
            first = pos;
        }
        let abs = if lastkey >= 0 { lastkey + pos } else { lastkey };
        if (abs as u32) > (last as u32) {
            last = abs;
        }
        prev_last = last;
    }
    if first == i32::MAX {
        return (NONE, true);
    }
    // Valkey stores `last` relative to `first` and COMMAND INFO adds `first` back.
    (
        LegacyRange {
            first,
            last,
            step: 1,
        },
        movable,
    )
}

/// The declared flags plus [`flags::MOVABLE_KEYS`] where [`legacy_range`] says the key specs
/// make the keys movable.
pub const fn derive_flags(declared: u64, specs: &[KeySpec]) -> u64 {
    if legacy_range(specs).1 {
        declared | flags::MOVABLE_KEYS
    } else {
        declared
    }
}

/// The declared ACL categories plus the ones Valkey implies from the flags
/// (`setImplicitACLCategories`): `@write`, `@read` (not for `@scripting` commands), `@admin` and
/// `@dangerous`, `@pubsub`, `@fast`, `@blocking`, and `@slow` for whatever is not `@fast`.
pub const fn implicit_acl(declared: u64, command_flags: u64) -> u64 {
    let mut acl = declared;
    if command_flags & flags::WRITE != 0 {
        acl |= acl::WRITE;
    }
    if command_flags & flags::READONLY != 0 && acl & acl::SCRIPTING == 0 {
        acl |= acl::READ;
    }
    if command_flags & flags::ADMIN != 0 {
        acl |= acl::ADMIN | acl::DANGEROUS;
    }
    if command_flags & flags::PUBSUB != 0 {
        acl |= acl::PUBSUB;
    }
    if command_flags & flags::FAST != 0 {
        acl |= acl::FAST;
    }
    if command_flags & flags::BLOCKING != 0 {
        acl |= acl::BLOCKING;
    }
    if acl & acl::FAST == 0 {
        acl |= acl::SLOW;
    }
    acl
}

/// All top-level commands, sorted by name.
pub fn commands() -> &'static [CommandSpec] {
    generated::COMMANDS
}

/// Compares a lowercase table name with `input`, folding `input` to ASCII lowercase.
fn cmp_folded(table: &[u8], input: &[u8]) -> Ordering {
    table
        .iter()
        .copied()
        .cmp(input.iter().map(u8::to_ascii_lowercase))
}

/// The top-level command named `name` (ASCII case-insensitive, no allocation).
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    std::thread_local! {
        /// The last command found on this thread: a pipeline mostly repeats one command, and
        /// the binary search's case-folding compares were 3.7% of a pipelined GET's samples.
        static LAST: std::cell::Cell<Option<&'static CommandSpec>> =
            const { std::cell::Cell::new(None) };
    }
    if let Some(last) = LAST
        .get()
        .filter(|c| c.name.as_bytes().eq_ignore_ascii_case(name))
    {
        return Some(last);
    }
    let table = generated::COMMANDS;
    let found = table
        .binary_search_by(|c| cmp_folded(c.name.as_bytes(), name))
        .ok()
        .map(|i| &table[i]);
    if found.is_some() {
        LAST.set(found);
    }
    found
}

/// The subcommand of `parent` named `name` (the part after `|`; ASCII case-insensitive).
pub fn lookup_subcommand(parent: &CommandSpec, name: &[u8]) -> Option<&'static CommandSpec> {
    let skip = parent.name.len() + 1;
    let subs: &'static [CommandSpec] = parent.subcommands;
    subs.binary_search_by(|c| cmp_folded(&c.name.as_bytes()[skip..], name))
        .ok()
        .map(|i| &subs[i])
}

/// The command a request runs, as Valkey's `lookupCommand`: `args[0]` names the command; when
/// it has subcommands and `args[1]` exists, `args[1]` names the subcommand (`None` if unknown).
pub fn lookup_argv<A: AsRef<[u8]>>(args: &[A]) -> Option<&'static CommandSpec> {
    let base = lookup(args.first()?.as_ref())?;
    match args.get(1) {
        Some(sub) if !base.subcommands.is_empty() => lookup_subcommand(base, sub.as_ref()),
        _ => Some(base),
    }
}

/// The command named by a full name such as `get` or `client|list` (as `COMMAND INFO` and
/// `COMMAND DOCS` take them; Valkey's `lookupCommandBySds`): one `|` at most, and a
/// `parent|sub` name only resolves when `parent` has subcommands.
pub fn lookup_fullname(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut parts = name.splitn(3, |&b| b == b'|');
    let first = parts.next()?;
    let base = lookup(first)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some(base),
        (Some(sub), None) if !base.subcommands.is_empty() => lookup_subcommand(base, sub),
        _ => None,
    }
}

/// Whether `argc` arguments (command name included) satisfy `spec`'s arity.
pub fn arity_ok(spec: &CommandSpec, argc: usize) -> bool {
    let argc = i64::try_from(argc).unwrap_or(i64::MAX);
    let arity = i64::from(spec.arity);
    // Valkey's `commandCheckArity`, condition for condition.
    !((arity > 0 && arity != argc) || argc < -arity)
}
