//! `cargo xtask codegen [--check] [--specs DIR]`: turns Valkey's JSON command specs (one file per
//! command or subcommand, as in Valkey's `src/commands/`) into the committed Rust table
//! `engine/src/commands/table/generated.rs`, and copies the specs' license notice beside it.
//!
//! The transformations are those of Valkey's own generator (`utils/generate-command-code.py`):
//! names lowercase (subcommands as `parent|sub`), argument names and display texts lowercase,
//! tokens uppercase, tips lowercase. Sentinel-only commands (group `sentinel` or flag
//! `ONLY_SENTINEL`) are skipped. Output is sorted by name at every level, so it depends only on
//! the specs. Derived data (implicit ACL categories, `movablekeys`, the legacy key range) is
//! computed by const fns in the engine, not here.
//!
//! `--check` regenerates in memory and fails when the committed files differ; without the specs
//! folder (a plain clone has none) it says so and passes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::{root, Result};

/// Where the generated table lives, relative to the workspace root.
const OUT: &str = "engine/src/commands/table/generated.rs";
/// Where the specs' license notice is copied, relative to the workspace root.
const LICENSE_OUT: &str = "engine/src/commands/table/COPYING-valkey-commands";

/// Command flags the engine has a `flags::` constant for.
const COMMAND_FLAGS: &[&str] = &[
    "WRITE",
    "READONLY",
    "DENYOOM",
    "MODULE",
    "ADMIN",
    "PUBSUB",
    "NOSCRIPT",
    "BLOCKING",
    "LOADING",
    "STALE",
    "SKIP_MONITOR",
    "SKIP_COMMANDLOG",
    "ASKING",
    "FAST",
    "NO_AUTH",
    "NO_MANDATORY_KEYS",
    "NO_ASYNC_LOADING",
    "NO_MULTI",
    "ALLOW_BUSY",
    "MAY_REPLICATE",
    "SENTINEL",
    "ONLY_SENTINEL",
    "PROTECTED",
    "TOUCHES_ARBITRARY_KEYS",
];
/// Spec flag names that older specs use for a flag the engine knows by its new name.
const COMMAND_FLAG_ALIASES: &[(&str, &str)] = &[("SKIP_SLOWLOG", "SKIP_COMMANDLOG")];
/// ACL categories the engine has an `acl::` constant for.
const ACL_CATEGORIES: &[&str] = &[
    "KEYSPACE",
    "READ",
    "WRITE",
    "SET",
    "SORTEDSET",
    "LIST",
    "HASH",
    "STRING",
    "BITMAP",
    "HYPERLOGLOG",
    "GEO",
    "STREAM",
    "PUBSUB",
    "ADMIN",
    "FAST",
    "SLOW",
    "BLOCKING",
    "DANGEROUS",
    "CONNECTION",
    "TRANSACTION",
    "SCRIPTING",
];
/// Key-spec flags the engine has a `key_flags::` constant for.
const KEY_FLAGS: &[&str] = &[
    "RO",
    "RW",
    "OW",
    "RM",
    "ACCESS",
    "UPDATE",
    "INSERT",
    "DELETE",
    "NOT_KEY",
    "INCOMPLETE",
    "VARIABLE_FLAGS",
];
/// Doc flags the engine has a `doc_flags::` constant for.
const DOC_FLAGS: &[&str] = &["DEPRECATED", "SYSCMD"];

/// `cargo xtask codegen` entry point.
pub fn codegen(args: &[String]) -> Result {
    let mut check = false;
    let mut specs = root().join("../shared/valkey-commands");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--check" => check = true,
            "--specs" => specs = PathBuf::from(it.next().ok_or("--specs needs a folder")?),
            other => return Err(format!("codegen: unexpected argument {other}")),
        }
    }
    if !specs.is_dir() {
        if check {
            eprintln!(
                "codegen --check: no specs at {}; skipped (the committed table stands)",
                specs.display()
            );
            return Ok(());
        }
        return Err(format!("codegen: no specs folder at {}", specs.display()));
    }
    let generated = generate(&specs)?;
    let license = fs::read_to_string(specs.join("COPYING"))
        .map_err(|e| format!("{}: {e}", specs.join("COPYING").display()))?;
    let outputs = [(OUT, generated), (LICENSE_OUT, license)];
    for (rel, text) in &outputs {
        let path = root().join(rel);
        if check {
            let current = fs::read_to_string(&path).unwrap_or_default();
            if &current != text {
                return Err(format!(
                    "codegen --check: {rel} is out of date; run `cargo xtask codegen`"
                ));
            }
        } else {
            fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            eprintln!("codegen: wrote {rel}");
        }
    }
    if check {
        eprintln!("codegen --check: generated files are up to date");
    }
    Ok(())
}

/// One parsed spec file.
struct Command {
    /// Lowercase full name (`get`, `client|list`).
    name: String,
    desc: Map<String, Value>,
    subcommands: Vec<Command>,
}

/// Reads every spec in `dir` and renders the Rust table.
fn generate(dir: &Path) -> Result<String> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    entries.sort();
    let mut top: BTreeMap<String, Command> = BTreeMap::new();
    let mut subs: Vec<(String, Command)> = Vec::new();
    for path in &entries {
        let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let obj = value
            .as_object()
            .ok_or(format!("{}: not an object", path.display()))?;
        if obj.len() != 1 {
            return Err(format!("{}: expected exactly one command", path.display()));
        }
        let (name, desc) = obj.iter().next().expect("one entry");
        let desc = desc
            .as_object()
            .ok_or(format!("{}: command is not an object", path.display()))?
            .clone();
        let group = str_field(&desc, "group").unwrap_or_default();
        if group == "sentinel"
            || strings(&desc, "command_flags")
                .iter()
                .any(|f| f == "ONLY_SENTINEL")
        {
            continue;
        }
        let container = str_field(&desc, "container").map(|c| c.to_ascii_lowercase());
        let lower = name.to_ascii_lowercase();
        match container {
            Some(parent) => subs.push((
                parent.clone(),
                Command {
                    name: format!("{parent}|{lower}"),
                    desc,
                    subcommands: Vec::new(),
                },
            )),
            None => {
                let cmd = Command {
                    name: lower.clone(),
                    desc,
                    subcommands: Vec::new(),
                };
                if top.insert(lower.clone(), cmd).is_some() {
                    return Err(format!("command {lower} is defined twice"));
                }
            }
        }
    }
    for (parent, sub) in subs {
        let p = top
            .get_mut(&parent)
            .ok_or(format!("{}: container {parent} has no spec", sub.name))?;
        p.subcommands.push(sub);
    }
    for cmd in top.values_mut() {
        cmd.subcommands.sort_by(|a, b| a.name.cmp(&b.name));
        if cmd.subcommands.windows(2).any(|w| w[0].name == w[1].name) {
            return Err(format!("{}: duplicate subcommand", cmd.name));
        }
    }

    let mut out = String::new();
    out.push_str(HEADER);
    let mut consts = String::new();
    let mut table = String::new();
    let mut const_names = BTreeMap::new();
    for cmd in top.values() {
        emit_command(cmd, 1, &mut consts, &mut table, &mut const_names)?;
    }
    out.push_str(&consts);
    out.push_str("/// Every command, sorted by name; subcommands sorted within their parent.\n");
    out.push_str("pub(super) static COMMANDS: &[CommandSpec] = &[\n");
    out.push_str(&table);
    out.push_str("];\n");
    Ok(out)
}

const HEADER: &str = "\
//! The command table data. GENERATED by `cargo xtask codegen` from Valkey's JSON command specs
//! (Copyright (c) 2024-present, Valkey contributors; BSD 3-Clause License, the notice is in
//! `COPYING-valkey-commands` beside this file). Do not edit by hand: change the specs or
//! `xtask/src/codegen.rs` and run `cargo xtask codegen`.

use super::{
    acl, arg_flags, derive_flags, doc_flags, flags, implicit_acl, key_flags, legacy_range, Arg,
    ArgType, BeginSearch, CommandDocs, CommandSpec, FindKeys, Group, KeySpec,
};

";

fn str_field<'a>(desc: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    desc.get(key).and_then(Value::as_str)
}

fn strings(desc: &Map<String, Value>, key: &str) -> Vec<String> {
    desc.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn int_field(obj: &Value, key: &str) -> i64 {
    obj.get(key).and_then(Value::as_i64).unwrap_or(0)
}

/// `a | b | c` over `module::NAME` constants, after checking each name is known; `0` if none.
fn bits(module: &str, names: &[String], known: &[&str], what: &str) -> Result<String> {
    if names.is_empty() {
        return Ok("0".into());
    }
    let mut parts = Vec::new();
    for n in names {
        if !known.contains(&n.as_str()) {
            return Err(format!("unknown {what} {n}"));
        }
        parts.push(format!("{module}::{n}"));
    }
    Ok(parts.join(" | "))
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The string a JSON value becomes in Valkey's generated C: the generator pastes it between
/// quotes unescaped, so a `""` inside closes and reopens the literal and vanishes (MIGRATE's
/// empty-key token `""` is printed as an empty string). Anything else with a quote or a
/// backslash would not compile there, so it is refused here.
fn c_pasted(s: &str) -> Result<String> {
    let v = s.replace("\"\"", "");
    if v.contains('"') || v.contains('\\') {
        return Err(format!("cannot reproduce Valkey's C literal for {s:?}"));
    }
    Ok(v)
}

fn opt_lit(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".into(),
    }
}

fn group_variant(group: &str) -> Result<&'static str> {
    Ok(match group {
        "generic" => "Generic",
        "string" => "String",
        "list" => "List",
        "set" => "Set",
        "sorted_set" => "SortedSet",
        "hash" => "Hash",
        "pubsub" => "Pubsub",
        "transactions" => "Transactions",
        "connection" => "Connection",
        "server" => "Server",
        "scripting" => "Scripting",
        "hyperloglog" => "Hyperloglog",
        "cluster" => "Cluster",
        "sentinel" => "Sentinel",
        "geo" => "Geo",
        "stream" => "Stream",
        "bitmap" => "Bitmap",
        "module" => "Module",
        other => return Err(format!("unknown group {other}")),
    })
}

/// Renders `cmd` (and its subcommands) into `table` at `depth` levels of indentation, and its
/// key specs as a named const into `consts`.
fn emit_command(
    cmd: &Command,
    depth: usize,
    consts: &mut String,
    table: &mut String,
    const_names: &mut BTreeMap<String, String>,
) -> Result {
    let d = &cmd.desc;
    let ctx = |e: String| format!("{}: {e}", cmd.name);
    let pad = "    ".repeat(depth);
    let arity = d
        .get("arity")
        .and_then(Value::as_i64)
        .ok_or_else(|| ctx("no arity".into()))?;
    let command_flags: Vec<String> = strings(d, "command_flags")
        .into_iter()
        .map(
            |f| match COMMAND_FLAG_ALIASES.iter().find(|(old, _)| *old == f) {
                Some((_, new)) => (*new).to_owned(),
                None => f,
            },
        )
        .collect();
    let declared = bits("flags", &command_flags, COMMAND_FLAGS, "command flag").map_err(ctx)?;
    let acl = bits(
        "acl",
        &strings(d, "acl_categories"),
        ACL_CATEGORIES,
        "ACL category",
    )
    .map_err(ctx)?;
    let specs = d
        .get("key_specs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ks = if specs.is_empty() {
        "&[]".to_string()
    } else {
        let const_name = format!(
            "KS_{}",
            cmd.name
                .to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        if let Some(other) = const_names.insert(const_name.clone(), cmd.name.clone()) {
            return Err(ctx(format!(
                "key-spec const {const_name} clashes with {other}"
            )));
        }
        let _ = writeln!(consts, "/// Key specs of `{}`.", cmd.name);
        let _ = writeln!(consts, "const {const_name}: &[KeySpec] = &[");
        for spec in &specs {
            emit_key_spec(spec, consts).map_err(ctx)?;
        }
        consts.push_str("];\n\n");
        const_name
    };
    let tips: Vec<String> = strings(d, "command_tips")
        .iter()
        .map(|t| lit(&t.to_ascii_lowercase()))
        .collect();
    let _ = writeln!(table, "{pad}CommandSpec {{");
    let p = "    ".repeat(depth + 1);
    let _ = writeln!(table, "{p}name: {},", lit(&cmd.name));
    let _ = writeln!(table, "{p}arity: {arity},");
    let _ = writeln!(table, "{p}flags: derive_flags({declared}, {ks}),");
    let _ = writeln!(table, "{p}acl_categories: implicit_acl({acl}, {declared}),");
    let _ = writeln!(table, "{p}key_specs: {ks},");
    let _ = writeln!(table, "{p}legacy_range: legacy_range({ks}).0,");
    let _ = writeln!(table, "{p}tips: &[{}],", tips.join(", "));
    if cmd.subcommands.is_empty() {
        let _ = writeln!(table, "{p}subcommands: &[],");
    } else {
        let _ = writeln!(table, "{p}subcommands: &[");
        for sub in &cmd.subcommands {
            emit_command(sub, depth + 2, consts, table, const_names)?;
        }
        let _ = writeln!(table, "{p}],");
    }
    let _ = writeln!(
        table,
        "{p}has_get_keys_function: {},",
        d.contains_key("get_keys_function")
    );
    let _ = writeln!(table, "{p}docs: CommandDocs {{");
    let q = "    ".repeat(depth + 2);
    let _ = writeln!(
        table,
        "{q}summary: {},",
        lit(str_field(d, "summary").unwrap_or(""))
    );
    let _ = writeln!(
        table,
        "{q}since: {},",
        lit(str_field(d, "since").unwrap_or(""))
    );
    let group = group_variant(str_field(d, "group").unwrap_or("")).map_err(ctx)?;
    let _ = writeln!(table, "{q}group: Group::{group},");
    let _ = writeln!(
        table,
        "{q}complexity: {},",
        opt_lit(str_field(d, "complexity"))
    );
    let doc = bits("doc_flags", &strings(d, "doc_flags"), DOC_FLAGS, "doc flag").map_err(ctx)?;
    let _ = writeln!(table, "{q}doc_flags: {doc},");
    let _ = writeln!(
        table,
        "{q}deprecated_since: {},",
        opt_lit(str_field(d, "deprecated_since"))
    );
    let _ = writeln!(
        table,
        "{q}replaced_by: {},",
        opt_lit(str_field(d, "replaced_by"))
    );
    let history = d
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if history.is_empty() {
        let _ = writeln!(table, "{q}history: &[],");
    } else {
        let _ = writeln!(table, "{q}history: &[");
        for h in &history {
            let pair = h
                .as_array()
                .filter(|a| a.len() == 2)
                .ok_or_else(|| ctx("history entry is not a pair".into()))?;
            let _ = writeln!(
                table,
                "{q}    ({}, {}),",
                lit(pair[0].as_str().unwrap_or("")),
                lit(pair[1].as_str().unwrap_or(""))
            );
        }
        let _ = writeln!(table, "{q}],");
    }
    let args = d
        .get("arguments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if args.is_empty() {
        let _ = writeln!(table, "{q}arguments: &[],");
    } else {
        let _ = writeln!(table, "{q}arguments: &[");
        for a in &args {
            emit_arg(a, depth + 3, specs.len(), table).map_err(ctx)?;
        }
        let _ = writeln!(table, "{q}],");
    }
    let _ = writeln!(table, "{p}}},");
    let _ = writeln!(table, "{pad}}},");
    Ok(())
}

fn emit_key_spec(spec: &Value, out: &mut String) -> Result {
    let flags: Vec<String> = spec
        .get("flags")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let flags = bits("key_flags", &flags, KEY_FLAGS, "key-spec flag")?;
    let notes = opt_lit(spec.get("notes").and_then(Value::as_str));
    let bs = spec
        .get("begin_search")
        .ok_or("key spec without begin_search")?;
    let begin = if let Some(i) = bs.get("index") {
        format!("BeginSearch::Index({})", int_field(i, "pos"))
    } else if let Some(k) = bs.get("keyword") {
        format!(
            "BeginSearch::Keyword {{ keyword: {}, startfrom: {} }}",
            lit(k
                .get("keyword")
                .and_then(Value::as_str)
                .ok_or("keyword without keyword")?),
            int_field(k, "startfrom")
        )
    } else if bs.get("unknown").is_some() {
        "BeginSearch::Unknown".into()
    } else {
        return Err(format!("unknown begin_search {bs}"));
    };
    let fk = spec.get("find_keys").ok_or("key spec without find_keys")?;
    let find = if let Some(r) = fk.get("range") {
        format!(
            "FindKeys::Range {{ lastkey: {}, keystep: {}, limit: {} }}",
            int_field(r, "lastkey"),
            int_field(r, "step"),
            int_field(r, "limit")
        )
    } else if let Some(k) = fk.get("keynum") {
        format!(
            "FindKeys::Keynum {{ keynumidx: {}, firstkey: {}, keystep: {} }}",
            int_field(k, "keynumidx"),
            int_field(k, "firstkey"),
            int_field(k, "step")
        )
    } else if fk.get("unknown").is_some() {
        "FindKeys::Unknown".into()
    } else {
        return Err(format!("unknown find_keys {fk}"));
    };
    let _ = writeln!(out, "    KeySpec {{");
    let _ = writeln!(out, "        notes: {notes},");
    let _ = writeln!(out, "        flags: {flags},");
    let _ = writeln!(out, "        begin_search: {begin},");
    let _ = writeln!(out, "        find_keys: {find},");
    let _ = writeln!(out, "    }},");
    Ok(())
}

fn arg_type(t: &str) -> Result<&'static str> {
    Ok(match t {
        "string" => "String",
        "integer" => "Integer",
        "double" => "Double",
        "key" => "Key",
        "pattern" => "Pattern",
        "unix-time" => "UnixTime",
        "pure-token" => "PureToken",
        "oneof" => "Oneof",
        "block" => "Block",
        other => return Err(format!("unknown argument type {other}")),
    })
}

/// One argument as an `Arg::new(..)` builder chain, children nested below it.
fn emit_arg(a: &Value, depth: usize, num_specs: usize, out: &mut String) -> Result {
    let pad = "    ".repeat(depth);
    let name = a
        .get("name")
        .and_then(Value::as_str)
        .ok_or("argument without name")?;
    let ty = a
        .get("type")
        .and_then(Value::as_str)
        .ok_or("argument without type")?;
    let kind = arg_type(ty)?;
    let mut s = format!(
        "Arg::new({}, ArgType::{kind})",
        lit(&name.to_ascii_lowercase())
    );
    let nested = kind == "Oneof" || kind == "Block";
    if !nested {
        if let Some(display) = a.get("display").and_then(Value::as_str) {
            let _ = write!(s, ".display({})", lit(&display.to_ascii_lowercase()));
        }
    }
    if let Some(i) = a.get("key_spec_index").and_then(Value::as_u64) {
        if i as usize >= num_specs {
            return Err(format!("argument {name}: key_spec_index {i} out of range"));
        }
        let _ = write!(s, ".key_spec({i})");
    }
    if let Some(t) = a.get("token").and_then(Value::as_str) {
        let _ = write!(s, ".token({})", lit(&c_pasted(&t.to_ascii_uppercase())?));
    }
    for (field, method) in [
        ("summary", "summary"),
        ("since", "since"),
        ("deprecated_since", "deprecated_since"),
    ] {
        if let Some(v) = a.get(field).and_then(Value::as_str) {
            let _ = write!(s, ".{method}({})", lit(&c_pasted(v)?));
        }
    }
    let flag = |k: &str| a.get(k).and_then(Value::as_bool).unwrap_or(false);
    let mut f = Vec::new();
    if flag("optional") {
        f.push("arg_flags::OPTIONAL");
    }
    if flag("multiple") {
        f.push("arg_flags::MULTIPLE");
    }
    if flag("multiple_token") {
        f.push("arg_flags::MULTIPLE_TOKEN");
    }
    if !f.is_empty() {
        let _ = write!(s, ".flags({})", f.join(" | "));
    }
    let children = a.get("arguments").and_then(Value::as_array);
    match (nested, children) {
        (true, Some(children)) if !children.is_empty() => {
            let _ = writeln!(out, "{pad}{s}.args(&[");
            for c in children {
                emit_arg(c, depth + 1, num_specs, out)?;
            }
            let _ = writeln!(out, "{pad}]),");
        }
        (true, _) => return Err(format!("{ty} argument {name} has no children")),
        (false, _) => {
            let _ = writeln!(out, "{pad}{s},");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, file: &str, json: &str) {
        fs::write(dir.join(file), json).unwrap();
    }

    #[test]
    fn c_pasted_drops_empty_literals() {
        assert_eq!(c_pasted("\"\"").unwrap(), "");
        assert_eq!(c_pasted("KEYS").unwrap(), "KEYS");
        assert!(c_pasted("a\"b").is_err());
        assert!(c_pasted("a\\n").is_err());
    }

    #[test]
    fn generates_sorted_nested_table_without_sentinel() {
        let dir = std::env::temp_dir().join(format!("ferrokey-codegen-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "obj-freq.json",
            r#"{"FREQ": {"summary": "s", "since": "4.0.0", "group": "generic", "arity": 3,
                "container": "OBJ", "command_flags": ["READONLY", "SKIP_SLOWLOG"],
                "key_specs": [{"flags": ["RO"], "begin_search": {"index": {"pos": 2}},
                               "find_keys": {"range": {"lastkey": 0, "step": 1, "limit": 0}}}],
                "arguments": [{"name": "Key", "type": "key", "key_spec_index": 0}]}}"#,
        );
        write(
            &dir,
            "obj.json",
            r#"{"OBJ": {"summary": "c", "since": "2.2.3", "group": "generic", "arity": -2}}"#,
        );
        write(
            &dir,
            "abc.json",
            r#"{"ABC": {"summary": "a", "since": "1.0.0", "group": "sorted_set", "arity": 1,
                "command_tips": ["NONDETERMINISTIC_OUTPUT"],
                "arguments": [{"name": "how", "type": "oneof", "optional": true, "arguments": [
                    {"name": "x", "type": "pure-token", "token": "x"},
                    {"name": "y", "type": "pure-token", "token": "y"}]}]}}"#,
        );
        write(
            &dir,
            "sentinel-x.json",
            r#"{"X": {"summary": "x", "since": "1.0.0", "group": "sentinel", "arity": 2,
                "container": "SENTINEL"}}"#,
        );
        let out = generate(&dir).unwrap();
        assert_eq!(out, generate(&dir).unwrap());
        fs::remove_dir_all(&dir).unwrap();
        let abc = out.find("name: \"abc\"").unwrap();
        let obj = out.find("name: \"obj\"").unwrap();
        let freq = out.find("name: \"obj|freq\"").unwrap();
        assert!(abc < obj && obj < freq);
        assert!(!out.contains("sentinel"));
        assert!(out.contains("const KS_OBJ_FREQ: &[KeySpec]"));
        assert!(out.contains("flags::READONLY | flags::SKIP_COMMANDLOG"));
        assert!(out.contains("Arg::new(\"key\", ArgType::Key).key_spec(0),"));
        assert!(out.contains("Arg::new(\"x\", ArgType::PureToken).token(\"X\"),"));
        assert!(out.contains("tips: &[\"nondeterministic_output\"],"));
        assert!(out.contains("group: Group::SortedSet,"));
    }

    #[test]
    fn unknown_flags_are_refused() {
        let dir = std::env::temp_dir().join(format!("ferrokey-codegen-bad-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        write(
            &dir,
            "a.json",
            r#"{"A": {"summary": "a", "since": "1", "group": "generic", "arity": 1,
                "command_flags": ["NO_SUCH_FLAG"]}}"#,
        );
        let err = generate(&dir).unwrap_err();
        fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("NO_SUCH_FLAG"), "{err}");
    }
}
