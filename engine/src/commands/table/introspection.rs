//! The `COMMAND` family's replies, byte for byte as Valkey 9 writes them in RESP2 and RESP3:
//! `COMMAND`, `COMMAND COUNT`, `COMMAND INFO`, `COMMAND DOCS`, `COMMAND LIST`,
//! `COMMAND GETKEYS`, `COMMAND GETKEYSANDFLAGS` and `COMMAND HELP`.
//!
//! Every function takes an `include` predicate: the server passes "is this command
//! implemented", and only those commands are listed, counted or found (a subcommand also needs
//! its parent included). The one difference from Valkey by design is order: Valkey lists
//! commands (and subcommands) in its hash table's order, which changes from run to run; these
//! functions list them sorted by name.
//!
//! Argument slices hold only what follows the subcommand name (`COMMAND INFO get set` passes
//! `[b"get", b"set"]`); the caller has already checked the `COMMAND` subcommand's arity.

use resp::ReplyWriter;

use super::{
    acl, arg_flags, arity_ok, doc_flags, flags, get_keys, key_flags, lookup, lookup_argv,
    lookup_fullname, Arg, ArgType, BeginSearch, CommandSpec, FindKeys, KeyRef, KeySearch, KeySpec,
};

/// "Is this command served?", applied to every command and subcommand listed or looked up.
pub type Include<'a> = &'a dyn Fn(&CommandSpec) -> bool;

/// A command's own key finder, for where the key specs cannot answer: given the command and the
/// request (name first), it appends the keys it finds (none when it cannot tell).
pub type GetKeysFunction<'a> = &'a dyn Fn(&'static CommandSpec, &[&[u8]], &mut Vec<KeyRef>);

/// The lines of `COMMAND HELP`, as Valkey 9.1 prints them.
const HELP: &[&str] = &[
    "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "(no subcommand)",
    "    Return details about all commands.",
    "COUNT",
    "    Return the total number of commands in this server.",
    "LIST",
    "    Return a list of all commands in this server.",
    "INFO [<command-name> ...]",
    "    Return details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "DOCS [<command-name> ...]",
    "    Return documentation details about multiple commands.",
    "    If no command names are given, documentation details for all",
    "    commands are returned.",
    "GETKEYS <full-command>",
    "    Return the keys from a full command.",
    "GETKEYSANDFLAGS <full-command>",
    "    Return the keys and the access flags from a full command.",
    "HELP",
    "    Print this help.",
];

/// The included top-level commands, sorted by name.
fn top_level<'i>(include: Include<'i>) -> impl Iterator<Item = &'static CommandSpec> + 'i {
    super::commands().iter().filter(move |c| include(c))
}

/// `cmd`'s included subcommands.
fn subcommands<'i>(
    cmd: &'static CommandSpec,
    include: Include<'i>,
) -> impl Iterator<Item = &'static CommandSpec> + 'i {
    cmd.subcommands.iter().filter(move |c| include(c))
}

/// Looks `name` up as `COMMAND INFO`/`DOCS` do (`parent|sub` allowed), honouring `include`.
fn find(name: &[u8], include: Include<'_>) -> Option<&'static CommandSpec> {
    let cmd = lookup_fullname(name)?;
    if !include(cmd) {
        return None;
    }
    if cmd.name.contains('|') {
        let parent = name.split(|&b| b == b'|').next().and_then(lookup)?;
        if !include(parent) {
            return None;
        }
    }
    Some(cmd)
}

/// `COMMAND` with no subcommand: every command's info.
pub fn command(w: &mut ReplyWriter<'_>, include: Include<'_>) {
    w.array(top_level(include).count());
    for cmd in top_level(include) {
        write_info(w, cmd, include);
    }
}

/// `COMMAND COUNT`: the number of top-level commands.
pub fn command_count(w: &mut ReplyWriter<'_>, include: Include<'_>) {
    w.integer(top_level(include).count() as i64);
}

/// `COMMAND INFO [name ...]`: one entry per name (null for unknown names), or every command
/// when no name is given.
pub fn command_info(w: &mut ReplyWriter<'_>, names: &[&[u8]], include: Include<'_>) {
    if names.is_empty() {
        command(w, include);
        return;
    }
    w.array(names.len());
    for name in names {
        match find(name, include) {
            Some(cmd) => write_info(w, cmd, include),
            None => w.null(),
        }
    }
}

/// `COMMAND DOCS [name ...]`: a map from name to docs; unknown names are left out; every
/// command when no name is given.
pub fn command_docs(w: &mut ReplyWriter<'_>, names: &[&[u8]], include: Include<'_>) {
    if names.is_empty() {
        w.map(top_level(include).count());
        for cmd in top_level(include) {
            w.bulk(cmd.name.as_bytes());
            write_docs(w, cmd, include);
        }
        return;
    }
    let found = names.iter().filter(|n| find(n, include).is_some()).count();
    w.map(found);
    for name in names {
        if let Some(cmd) = find(name, include) {
            w.bulk(cmd.name.as_bytes());
            write_docs(w, cmd, include);
        }
    }
}

/// `COMMAND LIST [FILTERBY MODULE m | ACLCAT c | PATTERN p]`: the names of every command and
/// subcommand (each container followed by its subcommands), filtered. `matcher(pattern, name)`
/// must be Valkey's case-insensitive glob (`stringmatchlen(.., nocase = 1)`). There are no
/// modules, so `MODULE` lists nothing, as does an unknown ACL category.
pub fn command_list(
    w: &mut ReplyWriter<'_>,
    args: &[&[u8]],
    include: Include<'_>,
    matcher: &dyn Fn(&[u8], &[u8]) -> bool,
) {
    let filter = match args {
        [] => ListFilter::All,
        [opt, kind, arg] if opt.eq_ignore_ascii_case(b"filterby") => {
            if kind.eq_ignore_ascii_case(b"module") {
                ListFilter::Nothing
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                acl::by_name(arg).map_or(ListFilter::Nothing, ListFilter::AclCat)
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                ListFilter::Pattern(arg)
            } else {
                w.error(b"ERR syntax error");
                return;
            }
        }
        _ => {
            w.error(b"ERR syntax error");
            return;
        }
    };
    let keep = move |c: &CommandSpec| match filter {
        ListFilter::All => true,
        ListFilter::Nothing => false,
        ListFilter::AclCat(cat) => c.acl_categories & cat != 0,
        ListFilter::Pattern(p) => matcher(p, c.name.as_bytes()),
    };
    let listed = move || {
        top_level(include).flat_map(move |c| {
            std::iter::once(c)
                .chain(subcommands(c, include))
                .filter(move |c| keep(c))
        })
    };
    w.array(listed().count());
    for cmd in listed() {
        w.bulk(cmd.name.as_bytes());
    }
}

/// What `COMMAND LIST` keeps.
#[derive(Clone, Copy)]
enum ListFilter<'a> {
    All,
    /// `MODULE` (no modules here) or an unknown ACL category.
    Nothing,
    AclCat(u64),
    Pattern(&'a [u8]),
}

/// `COMMAND GETKEYS` (`with_flags` false) and `COMMAND GETKEYSANDFLAGS` (true); `args` is the
/// command to inspect, name first. Where Valkey would call a command's own key function (see
/// [`KeySearch::NeedsGetKeysFunction`]), `get_keys_function` is called to append the keys.
pub fn command_getkeys(
    w: &mut ReplyWriter<'_>,
    args: &[&[u8]],
    with_flags: bool,
    include: Include<'_>,
    get_keys_function: GetKeysFunction<'_>,
) {
    let cmd = match lookup_argv(args) {
        Some(cmd) if include(cmd) && parent_included(cmd, args, include) => cmd,
        _ => {
            w.error(b"ERR Invalid command specified");
            return;
        }
    };
    let has_keys = cmd.has_get_keys_function
        || cmd
            .key_specs
            .iter()
            .any(|k| k.flags & key_flags::NOT_KEY == 0);
    if !has_keys {
        w.error(b"ERR The command has no key arguments");
        return;
    }
    if !arity_ok(cmd, args.len()) {
        w.error(b"ERR Invalid number of arguments specified for command");
        return;
    }
    let mut keys = Vec::new();
    if get_keys(cmd, args, &mut keys) == KeySearch::NeedsGetKeysFunction {
        get_keys_function(cmd, args, &mut keys);
    }
    if keys.is_empty() {
        if cmd.flags & flags::NO_MANDATORY_KEYS != 0 {
            w.array(0);
        } else {
            w.error(b"ERR Invalid arguments specified for command");
        }
        return;
    }
    w.array(keys.len());
    for k in &keys {
        let arg = args.get(k.index).copied().unwrap_or_default();
        if with_flags {
            w.array(2);
            w.bulk(arg);
            write_flag_set(w, k.flags, key_flags::REPLY_NAMES);
        } else {
            w.bulk(arg);
        }
    }
}

fn parent_included(cmd: &CommandSpec, args: &[&[u8]], include: Include<'_>) -> bool {
    if !cmd.name.contains('|') {
        return true;
    }
    args.first().copied().and_then(lookup).is_some_and(include)
}

/// `COMMAND HELP`.
pub fn command_help(w: &mut ReplyWriter<'_>) {
    help_lines(w, HELP);
}

/// A `… HELP` reply: its lines as an array of simple strings.
pub fn help_lines(w: &mut ReplyWriter<'_>, lines: &[&str]) {
    w.array(lines.len());
    for line in lines {
        w.simple(line.as_bytes());
    }
}

/// A set of simple strings: the names of the bits of `bits`, in table order.
fn write_flag_set<T: Copy + Into<u64>>(w: &mut ReplyWriter<'_>, bits: T, names: &[(T, &str)]) {
    let bits: u64 = bits.into();
    let present = || names.iter().filter(move |(b, _)| bits & (*b).into() != 0);
    w.set(present().count());
    for (_, name) in present() {
        w.simple(name.as_bytes());
    }
}

/// One command's `COMMAND INFO` entry (Valkey's `addReplyCommandInfo`).
fn write_info(w: &mut ReplyWriter<'_>, cmd: &'static CommandSpec, include: Include<'_>) {
    w.array(10);
    w.bulk(cmd.name.as_bytes());
    w.integer(i64::from(cmd.arity));
    write_flag_set(w, cmd.flags, flags::REPLY_NAMES);
    w.integer(i64::from(cmd.legacy_range.first));
    w.integer(i64::from(cmd.legacy_range.last));
    w.integer(i64::from(cmd.legacy_range.step));
    let cats = || {
        acl::NAMES
            .iter()
            .filter(|(bit, _)| cmd.acl_categories & bit != 0)
    };
    w.set(cats().count());
    let mut buf = Vec::with_capacity(16);
    for (_, name) in cats() {
        buf.clear();
        buf.push(b'@');
        buf.extend_from_slice(name.as_bytes());
        w.simple(&buf);
    }
    w.set(cmd.tips.len());
    for tip in cmd.tips {
        w.bulk(tip.as_bytes());
    }
    w.set(cmd.key_specs.len());
    for spec in cmd.key_specs {
        write_key_spec(w, spec);
    }
    w.array(subcommands(cmd, include).count());
    for sub in subcommands(cmd, include) {
        write_info(w, sub, include);
    }
}

/// One key spec as a map (Valkey's `addReplyCommandKeySpecs`).
fn write_key_spec(w: &mut ReplyWriter<'_>, spec: &KeySpec) {
    w.map(3 + usize::from(spec.notes.is_some()));
    if let Some(notes) = spec.notes {
        w.bulk(b"notes");
        w.bulk(notes.as_bytes());
    }
    w.bulk(b"flags");
    write_flag_set(w, spec.flags, key_flags::REPLY_NAMES);
    w.bulk(b"begin_search");
    w.map(2);
    w.bulk(b"type");
    match spec.begin_search {
        BeginSearch::Unknown => {
            w.bulk(b"unknown");
            w.bulk(b"spec");
            w.map(0);
        }
        BeginSearch::Index(pos) => {
            w.bulk(b"index");
            w.bulk(b"spec");
            w.map(1);
            w.bulk(b"index");
            w.integer(i64::from(pos));
        }
        BeginSearch::Keyword { keyword, startfrom } => {
            w.bulk(b"keyword");
            w.bulk(b"spec");
            w.map(2);
            w.bulk(b"keyword");
            w.bulk(keyword.as_bytes());
            w.bulk(b"startfrom");
            w.integer(i64::from(startfrom));
        }
    }
    w.bulk(b"find_keys");
    w.map(2);
    w.bulk(b"type");
    let fields: [(&[u8], i32); 3] = match spec.find_keys {
        FindKeys::Unknown => {
            w.bulk(b"unknown");
            w.bulk(b"spec");
            w.map(0);
            return;
        }
        FindKeys::Range {
            lastkey,
            keystep,
            limit,
        } => {
            w.bulk(b"range");
            [
                (b"lastkey", lastkey),
                (b"keystep", keystep),
                (b"limit", limit),
            ]
        }
        FindKeys::Keynum {
            keynumidx,
            firstkey,
            keystep,
        } => {
            w.bulk(b"keynum");
            [
                (b"keynumidx", keynumidx),
                (b"firstkey", firstkey),
                (b"keystep", keystep),
            ]
        }
    };
    w.bulk(b"spec");
    w.map(3);
    for (name, value) in fields {
        w.bulk(name);
        w.integer(i64::from(value));
    }
}

/// One command's `COMMAND DOCS` map (Valkey's `addReplyCommandDocs`).
fn write_docs(w: &mut ReplyWriter<'_>, cmd: &'static CommandSpec, include: Include<'_>) {
    let d = &cmd.docs;
    let subs = subcommands(cmd, include).count();
    let present = |s: &str| !s.is_empty();
    let len = 1
        + usize::from(present(d.summary))
        + usize::from(present(d.since))
        + usize::from(d.complexity.is_some())
        + usize::from(d.doc_flags != 0)
        + usize::from(d.deprecated_since.is_some())
        + usize::from(d.replaced_by.is_some())
        + usize::from(!d.history.is_empty())
        + usize::from(!d.arguments.is_empty())
        + usize::from(subs != 0);
    w.map(len);
    if present(d.summary) {
        w.bulk(b"summary");
        w.bulk(d.summary.as_bytes());
    }
    if present(d.since) {
        w.bulk(b"since");
        w.bulk(d.since.as_bytes());
    }
    w.bulk(b"group");
    w.bulk(d.group.name().as_bytes());
    if let Some(c) = d.complexity {
        w.bulk(b"complexity");
        w.bulk(c.as_bytes());
    }
    if d.doc_flags != 0 {
        w.bulk(b"doc_flags");
        write_flag_set(w, d.doc_flags, doc_flags::REPLY_NAMES);
    }
    if let Some(v) = d.deprecated_since {
        w.bulk(b"deprecated_since");
        w.bulk(v.as_bytes());
    }
    if let Some(v) = d.replaced_by {
        w.bulk(b"replaced_by");
        w.bulk(v.as_bytes());
    }
    if !d.history.is_empty() {
        w.bulk(b"history");
        w.set(d.history.len());
        for (version, change) in d.history {
            w.array(2);
            w.bulk(version.as_bytes());
            w.bulk(change.as_bytes());
        }
    }
    if !d.arguments.is_empty() {
        w.bulk(b"arguments");
        write_args(w, d.arguments);
    }
    if subs != 0 {
        w.bulk(b"subcommands");
        w.map(subs);
        for sub in subcommands(cmd, include) {
            w.bulk(sub.name.as_bytes());
            write_docs(w, sub, include);
        }
    }
}

/// An argument list (Valkey's `addReplyCommandArgList`).
fn write_args(w: &mut ReplyWriter<'_>, args: &[Arg]) {
    w.array(args.len());
    for a in args {
        let nested = matches!(a.kind, ArgType::Oneof | ArgType::Block);
        let len = 2
            + 1 // display_text, or the nested arguments
            + usize::from(a.key_spec_index.is_some())
            + usize::from(a.token.is_some())
            + usize::from(a.summary.is_some())
            + usize::from(a.since.is_some())
            + usize::from(a.deprecated_since.is_some())
            + usize::from(a.flags != 0);
        w.map(len);
        w.bulk(b"name");
        w.bulk(a.name.as_bytes());
        w.bulk(b"type");
        w.bulk(a.kind.name().as_bytes());
        if !nested {
            w.bulk(b"display_text");
            w.bulk(a.display_text.unwrap_or(a.name).as_bytes());
        }
        if let Some(i) = a.key_spec_index {
            w.bulk(b"key_spec_index");
            w.integer(i64::from(i));
        }
        let texts = [
            (&b"token"[..], a.token),
            (b"summary", a.summary),
            (b"since", a.since),
            (b"deprecated_since", a.deprecated_since),
        ];
        for (field, value) in texts {
            if let Some(v) = value {
                w.bulk(field);
                w.bulk(v.as_bytes());
            }
        }
        if a.flags != 0 {
            w.bulk(b"flags");
            write_flag_set(w, a.flags, arg_flags::REPLY_NAMES);
        }
        if nested {
            w.bulk(b"arguments");
            write_args(w, a.arguments);
        }
    }
}
