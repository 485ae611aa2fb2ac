//! The bit constants of the command table: command flags, ACL categories, key-spec flags, doc
//! flags and argument flags, each with the names (and order) Valkey's replies use.

/// Command flags (Valkey's `CMD_*`), the bits of
/// [`CommandSpec::flags`](super::CommandSpec::flags). The constants are named
/// as the JSON specs name them; the bit order is the order `COMMAND INFO` lists them in.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u64 = 1 << 0;
    /// Reads from keys without modifying them.
    pub const READONLY: u64 = 1 << 1;
    /// May increase memory use: refused when out of memory.
    pub const DENYOOM: u64 = 1 << 2;
    /// Implemented by a module (never set here; kept for completeness).
    pub const MODULE: u64 = 1 << 3;
    /// Administrative command.
    pub const ADMIN: u64 = 1 << 4;
    /// Pub/Sub related.
    pub const PUBSUB: u64 = 1 << 5;
    /// Not allowed from scripts.
    pub const NOSCRIPT: u64 = 1 << 6;
    /// May block the client.
    pub const BLOCKING: u64 = 1 << 7;
    /// Allowed while the database is loading.
    pub const LOADING: u64 = 1 << 8;
    /// Allowed on a replica with stale data.
    pub const STALE: u64 = 1 << 9;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u64 = 1 << 10;
    /// Not logged to the command log (slow log). Older specs call it `SKIP_SLOWLOG`; Valkey 9
    /// prints `skip_commandlog`.
    pub const SKIP_COMMANDLOG: u64 = 1 << 11;
    /// Accepted on an importing slot after ASKING.
    pub const ASKING: u64 = 1 << 12;
    /// O(1) or O(log N), never delays the server.
    pub const FAST: u64 = 1 << 13;
    /// Allowed before authentication.
    pub const NO_AUTH: u64 = 1 << 14;
    /// May take key arguments but none is mandatory.
    pub const NO_MANDATORY_KEYS: u64 = 1 << 15;
    /// Refused during asynchronous loading.
    pub const NO_ASYNC_LOADING: u64 = 1 << 16;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u64 = 1 << 17;
    /// Key positions depend on the arguments (derived: see
    /// [`crate::commands::table::derive_flags`]).
    pub const MOVABLE_KEYS: u64 = 1 << 18;
    /// Allowed while a script or function is busy.
    pub const ALLOW_BUSY: u64 = 1 << 19;
    /// May replicate even though it is not a write (hidden from COMMAND).
    pub const MAY_REPLICATE: u64 = 1 << 20;
    /// Also available in sentinel mode (hidden from COMMAND).
    pub const SENTINEL: u64 = 1 << 21;
    /// Only available in sentinel mode (hidden from COMMAND; such commands are not in the table).
    pub const ONLY_SENTINEL: u64 = 1 << 22;
    /// Protected by `enable-*-command` configs (hidden from COMMAND).
    pub const PROTECTED: u64 = 1 << 23;
    /// May touch keys not given as arguments (hidden from COMMAND).
    pub const TOUCHES_ARBITRARY_KEYS: u64 = 1 << 24;

    /// The flags `COMMAND INFO` shows, in its order, with the names it uses.
    pub const REPLY_NAMES: &[(u64, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (MODULE, "module"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_COMMANDLOG, "skip_commandlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// ACL categories, the bits of
/// [`CommandSpec::acl_categories`](super::CommandSpec::acl_categories), in Valkey's order
/// (`ACL CAT`).
pub mod acl {
    /// `@keyspace`
    pub const KEYSPACE: u64 = 1 << 0;
    /// `@read`
    pub const READ: u64 = 1 << 1;
    /// `@write`
    pub const WRITE: u64 = 1 << 2;
    /// `@set`
    pub const SET: u64 = 1 << 3;
    /// `@sortedset`
    pub const SORTEDSET: u64 = 1 << 4;
    /// `@list`
    pub const LIST: u64 = 1 << 5;
    /// `@hash`
    pub const HASH: u64 = 1 << 6;
    /// `@string`
    pub const STRING: u64 = 1 << 7;
    /// `@bitmap`
    pub const BITMAP: u64 = 1 << 8;
    /// `@hyperloglog`
    pub const HYPERLOGLOG: u64 = 1 << 9;
    /// `@geo`
    pub const GEO: u64 = 1 << 10;
    /// `@stream`
    pub const STREAM: u64 = 1 << 11;
    /// `@pubsub`
    pub const PUBSUB: u64 = 1 << 12;
    /// `@admin`
    pub const ADMIN: u64 = 1 << 13;
    /// `@fast`
    pub const FAST: u64 = 1 << 14;
    /// `@slow`
    pub const SLOW: u64 = 1 << 15;
    /// `@blocking`
    pub const BLOCKING: u64 = 1 << 16;
    /// `@dangerous`
    pub const DANGEROUS: u64 = 1 << 17;
    /// `@connection`
    pub const CONNECTION: u64 = 1 << 18;
    /// `@transaction`
    pub const TRANSACTION: u64 = 1 << 19;
    /// `@scripting`
    pub const SCRIPTING: u64 = 1 << 20;

    /// Every category with its name (without the `@`), in Valkey's order.
    pub const NAMES: &[(u64, &str)] = &[
        (KEYSPACE, "keyspace"),
        (READ, "read"),
        (WRITE, "write"),
        (SET, "set"),
        (SORTEDSET, "sortedset"),
        (LIST, "list"),
        (HASH, "hash"),
        (STRING, "string"),
        (BITMAP, "bitmap"),
        (HYPERLOGLOG, "hyperloglog"),
        (GEO, "geo"),
        (STREAM, "stream"),
        (PUBSUB, "pubsub"),
        (ADMIN, "admin"),
        (FAST, "fast"),
        (SLOW, "slow"),
        (BLOCKING, "blocking"),
        (DANGEROUS, "dangerous"),
        (CONNECTION, "connection"),
        (TRANSACTION, "transaction"),
        (SCRIPTING, "scripting"),
    ];

    /// The category named `name` (without `@`, ASCII case-insensitive), as Valkey's
    /// `ACLGetCommandCategoryFlagByName`.
    pub fn by_name(name: &[u8]) -> Option<u64> {
        NAMES
            .iter()
            .find(|(_, n)| n.as_bytes().eq_ignore_ascii_case(name))
            .map(|&(bit, _)| bit)
    }
}

/// Key-spec flags (Valkey's `CMD_KEY_*`), the bits of [`KeySpec::flags`](super::KeySpec::flags),
/// in reply order.
pub mod key_flags {
    /// Read-only access to the key's value.
    pub const RO: u64 = 1 << 0;
    /// Read-write access.
    pub const RW: u64 = 1 << 1;
    /// Overwrite: the old value is not read.
    pub const OW: u64 = 1 << 2;
    /// Removes the key.
    pub const RM: u64 = 1 << 3;
    /// Returns, copies or uses user data from the value.
    pub const ACCESS: u64 = 1 << 4;
    /// Updates the value.
    pub const UPDATE: u64 = 1 << 5;
    /// Adds data to the value.
    pub const INSERT: u64 = 1 << 6;
    /// Deletes data from the value.
    pub const DELETE: u64 = 1 << 7;
    /// Not really a key (e.g. a shard-routing hint), skipped by key searches.
    pub const NOT_KEY: u64 = 1 << 8;
    /// The spec may miss some keys.
    pub const INCOMPLETE: u64 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u64 = 1 << 10;

    /// Flag names as `COMMAND INFO` / `COMMAND GETKEYSANDFLAGS` print them, in order.
    pub const REPLY_NAMES: &[(u64, &str)] = &[
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Documentation flags (Valkey's `CMD_DOC_*`), the bits of
/// [`CommandDocs::doc_flags`](super::CommandDocs::doc_flags).
pub mod doc_flags {
    /// The command is deprecated.
    pub const DEPRECATED: u8 = 1 << 0;
    /// A system command, not meant to be called by users.
    pub const SYSCMD: u8 = 1 << 1;

    /// Names as `COMMAND DOCS` prints them, in order.
    pub const REPLY_NAMES: &[(u8, &str)] = &[(DEPRECATED, "deprecated"), (SYSCMD, "syscmd")];
}

/// Argument flags (Valkey's `CMD_ARG_*`), the bits of [`Arg::flags`](super::Arg::flags).
pub mod arg_flags {
    /// The argument may be left out.
    pub const OPTIONAL: u8 = 1 << 0;
    /// The argument may repeat.
    pub const MULTIPLE: u8 = 1 << 1;
    /// When repeating, the token repeats too.
    pub const MULTIPLE_TOKEN: u8 = 1 << 2;

    /// Names as `COMMAND DOCS` prints them, in order.
    pub const REPLY_NAMES: &[(u8, &str)] = &[
        (OPTIONAL, "optional"),
        (MULTIPLE, "multiple"),
        (MULTIPLE_TOKEN, "multiple_token"),
    ];
}
